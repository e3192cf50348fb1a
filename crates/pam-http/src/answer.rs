//! What a server answered, and what that answer means: a success to decode, a refusal to turn
//! into a typed [`Error`], or a sign that the request's timestamp was refused.

use pam_model::ErrorBody;
use serde_json::Value;

use crate::error::{Error, Operation};
use crate::redact::RedactedUrl;
use crate::retry::RetryAfter;

/// The largest response body read, in bytes; a longer one is a [`Error::Decode`].
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// How many characters of an unexpected body an error repeats.
pub const MAX_EXCERPT_CHARS: usize = 160;

/// The longest server message an error repeats, in characters.
pub const MAX_SERVER_MESSAGE_CHARS: usize = 500;

/// How many denied channels (or groups) of a 403 "Forbidden" payload an error keeps.
pub const MAX_DENIED_NAMES: usize = 100;

/// A complete HTTP answer.
#[derive(Debug)]
pub(crate) struct Answer {
    /// The HTTP status.
    pub(crate) status: u16,
    /// The wait a `Retry-After` header asked for, if any (uncapped).
    pub(crate) retry_after: Option<RetryAfter>,
    /// The body, at most [`MAX_RESPONSE_BYTES`].
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The start of the body, as text, for error messages.
    pub(crate) fn excerpt(&self) -> String {
        cut(&String::from_utf8_lossy(&self.body), MAX_EXCERPT_CHARS)
    }

    /// Whether the server refused the request's `timestamp` (a signed request from a client
    /// whose clock is off): a 400 or 403 whose message or details talk about the timestamp.
    pub(crate) fn is_timestamp_refusal(&self) -> bool {
        if !matches!(self.status, 400 | 401 | 403) {
            return false;
        }
        let mentions = |text: &str| text.to_ascii_lowercase().contains("timestamp");
        if let Some(body) = ErrorBody::from_json(&self.body) {
            return mentions(&body.message)
                || body
                    .details
                    .iter()
                    .any(|d| mentions(&d.location) || mentions(&d.message));
        }
        flat_error_message(&self.body).is_some_and(|m| mentions(&m))
    }

    /// The typed error this (unsuccessful) answer stands for.
    pub(crate) fn into_error(self, operation: Operation, url: RedactedUrl, attempts: u32) -> Error {
        if self.status == 429 {
            let message = ErrorBody::from_json(&self.body)
                .map(|body| body.message)
                .or_else(|| flat_error_message(&self.body))
                .or_else(|| array_error_message(&self.body))
                .map(|m| cut(&m, MAX_SERVER_MESSAGE_CHARS));
            return Error::RateLimited {
                operation,
                url,
                retry_after: self.retry_after.map(|asked| asked.0),
                message,
                attempts,
            };
        }
        let service = service_of(&self.body);
        if let Some(body) = ErrorBody::from_json(&self.body) {
            if body.status == 403 && is_signature_message(&body.message) {
                return Error::InvalidSignature {
                    operation,
                    service,
                    message: body.message.clone(),
                    body: Some(Box::new(body)),
                };
            }
            return Error::Api {
                operation,
                service,
                body,
            };
        }
        if let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&self.body) {
            if let Some(Value::String(message)) = fields.get("message") {
                return flat_error(
                    operation,
                    service,
                    self.status,
                    message,
                    fields.get("payload"),
                );
            }
        }
        if let Some(message) = array_error_message(&self.body) {
            return Error::Service {
                operation,
                service,
                status: self.status,
                message: cut(&message, MAX_SERVER_MESSAGE_CHARS),
            };
        }
        Error::UnexpectedStatus {
            operation,
            status: self.status,
            url,
            excerpt: self.excerpt(),
            attempts,
        }
    }

    /// A [`Error::Decode`] for this answer.
    pub(crate) fn decode_error(
        &self,
        operation: Operation,
        url: RedactedUrl,
        reason: &str,
    ) -> Error {
        Error::Decode {
            operation,
            status: self.status,
            url,
            reason: reason.to_owned(),
            excerpt: self.excerpt(),
            source: None,
        }
    }

    /// The body as JSON.
    pub(crate) fn json(&self, operation: Operation, url: &RedactedUrl) -> Result<Value, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            operation,
            status: self.status,
            url: url.clone(),
            reason: "the body is not JSON".to_owned(),
            excerpt: self.excerpt(),
            source: Some(Box::new(e)),
        })
    }
}

/// One of PubNub's flat errors: `{"message":…,"error":true,"status":…,"payload":…}`.
fn flat_error(
    operation: Operation,
    service: Option<String>,
    status: u16,
    message: &str,
    payload: Option<&Value>,
) -> Error {
    let shown = cut(message, MAX_SERVER_MESSAGE_CHARS);
    let lower = message.trim().to_ascii_lowercase();
    if status == 403 && lower.starts_with("token is expired") {
        Error::TokenExpired {
            operation,
            service,
            message: shown,
        }
    } else if status == 403 && lower.starts_with("token is revoked") {
        Error::TokenRevoked {
            operation,
            service,
            message: shown,
        }
    } else if status == 403 && lower.starts_with("forbidden") {
        Error::Forbidden {
            operation,
            service,
            message: shown,
            channels: names_in(payload, "channels"),
            channel_groups: names_in(payload, "channel-groups"),
            denial: None,
        }
    } else if status == 403 && is_signature_message(message) {
        Error::InvalidSignature {
            operation,
            service,
            message: shown,
            body: None,
        }
    } else {
        Error::Service {
            operation,
            service,
            status,
            message: shown,
        }
    }
}

/// The top-level `service` of a JSON object body, cut short.
fn service_of(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<Value>(body).ok()? {
        Value::Object(fields) => fields
            .get("service")?
            .as_str()
            .map(|s| cut(s, MAX_SERVER_MESSAGE_CHARS)),
        _ => None,
    }
}

/// Whether a message says the signature was refused ("Invalid signature", "Signature does not
/// match").
fn is_signature_message(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("signature") && (lower.contains("invalid") || lower.contains("does not match"))
}

/// The string names listed under `payload[key]`, at most [`MAX_DENIED_NAMES`].
fn names_in(payload: Option<&Value>, key: &str) -> Vec<String> {
    payload
        .and_then(|p| p.get(key))
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .take(MAX_DENIED_NAMES)
                .map(|name| cut(name, MAX_SERVER_MESSAGE_CHARS))
                .collect()
        })
        .unwrap_or_default()
}

/// The message of a flat error body, if it is one.
fn flat_error_message(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<Value>(body).ok()? {
        Value::Object(fields) => fields.get("message")?.as_str().map(str::to_owned),
        _ => None,
    }
}

/// The message of a publish-style error array, `[0,"Invalid Key",…]`.
fn array_error_message(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<Value>(body).ok()? {
        Value::Array(items) if items.first().and_then(Value::as_u64) == Some(0) => {
            items.get(1)?.as_str().map(str::to_owned)
        }
        _ => None,
    }
}

/// `text` cut to `max` characters, with `…` when cut.
pub(crate) fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((byte, _)) => format!("{}…", &text[..byte]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    fn error(status: u16, body: &str) -> Error {
        answer(status, body).into_error(
            Operation::Publish,
            RedactedUrl::from_url_text("http://h/x"),
            1,
        )
    }

    #[test]
    fn v3_bodies_become_api_errors_with_details() {
        let e = error(
            400,
            r#"{"error":{"details":[{"location":"token","locationType":"path","message":"Token is expired."}],"message":"Invalid token","source":"revoke"},"service":"Access Manager","status":400}"#,
        );
        let Error::Api { body, .. } = e else {
            panic!("{e:?}")
        };
        assert_eq!(body.message, "Invalid token");
        assert_eq!(body.details[0].location, "token");
        assert_eq!(body.details[0].location_type, "path");
    }

    #[test]
    fn flat_403_shapes_are_told_apart() {
        let revoked = error(
            403,
            r#"{"error":true,"status":403,"service":"Access Manager","message":"Token is revoked"}"#,
        );
        assert!(matches!(revoked, Error::TokenRevoked { .. }), "{revoked:?}");
        assert_eq!(revoked.service(), Some("Access Manager"));
        let expired = error(
            403,
            r#"{"status":403,"error":true,"service":"Access Manager","message":"Token is expired."}"#,
        );
        assert!(matches!(expired, Error::TokenExpired { .. }), "{expired:?}");
        let forbidden = error(
            403,
            r#"{"message":"Forbidden","payload":{"channels":["not-permitted-channel"],"channel-groups":["g"]},"error":true,"service":"Access Manager","status":403}"#,
        );
        let Error::Forbidden {
            channels,
            channel_groups,
            ..
        } = forbidden
        else {
            panic!("{forbidden:?}")
        };
        assert_eq!(channels, ["not-permitted-channel"]);
        assert_eq!(channel_groups, ["g"]);
        let signature = error(
            403,
            r#"{"message":"Signature does not match","error":true}"#,
        );
        assert!(matches!(
            signature,
            Error::InvalidSignature { body: None, .. }
        ));
        let other = error(
            400,
            r#"{"message":"Invalid Subscribe Key","error":true,"service":"Access Manager","status":400}"#,
        );
        assert!(
            matches!(other, Error::Service { status: 400, .. }),
            "{other:?}"
        );
    }

    #[test]
    fn v3_invalid_signature_keeps_its_body() {
        let e = error(
            403,
            r#"{"error":{"message":"Invalid signature","source":"grant","details":[{"message":"Client and server produced different signatures for the same inputs.","location":"signature","locationType":"query"}]},"service":"Access Manager","status":403}"#,
        );
        let Error::InvalidSignature {
            body: Some(body), ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(body.details[0].location, "signature");
        assert_eq!(e.error_body().map(|b| b.status), Some(403));
    }

    #[test]
    fn anything_else_is_an_unexpected_status_with_an_excerpt() {
        let e = error(503, "<html>Service Unavailable</html>");
        let Error::UnexpectedStatus {
            status, excerpt, ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(*status, 503);
        assert!(excerpt.contains("Service Unavailable"));
        let publish = error(400, r#"[0,"Message Too Large","17000000000000000"]"#);
        assert!(
            matches!(publish, Error::Service { status: 400, .. }),
            "{publish:?}"
        );
    }

    #[test]
    fn timestamp_refusals_are_recognised_in_both_shapes() {
        let v3 = answer(
            403,
            r#"{"error":{"message":"Request timestamp is too old","source":"grant","details":[{"message":"x","location":"timestamp","locationType":"query"}]},"service":"Access Manager","status":403}"#,
        );
        assert!(v3.is_timestamp_refusal());
        let flat = answer(
            403,
            r#"{"message":"Invalid timestamp","error":true,"status":403}"#,
        );
        assert!(flat.is_timestamp_refusal());
        let signature = answer(
            403,
            r#"{"error":{"message":"Invalid signature","source":"grant","details":[]},"service":"Access Manager","status":403}"#,
        );
        assert!(!signature.is_timestamp_refusal());
        assert!(!answer(503, "timestamp").is_timestamp_refusal());
    }

    #[test]
    fn excerpts_and_messages_are_bounded() {
        let long = answer(500, &"x".repeat(10_000));
        assert_eq!(long.excerpt().chars().count(), MAX_EXCERPT_CHARS + 1);
        let names: Vec<String> = (0..1000).map(|i| format!("\"c{i}\"")).collect();
        let body = format!(
            r#"{{"message":"Forbidden","payload":{{"channels":[{}]}},"error":true}}"#,
            names.join(",")
        );
        let Error::Forbidden { channels, .. } = error(403, &body) else {
            panic!()
        };
        assert_eq!(channels.len(), MAX_DENIED_NAMES);
    }
}
