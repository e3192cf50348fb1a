//! What the emulator answers: a status and a body in one of PubNub's shapes.
//!
//! - v3 errors (grant, revoke, and signature problems anywhere):
//!   `{"error":{"message":…,"source":…,"details":[…]},"service":"Access Manager","status":N}`,
//!   written by `pam_model::ErrorBody`.
//! - legacy errors (publish, signal, time, and request-level problems):
//!   `{"message":…[,"payload":{…}],"error":true,"service":"Access Manager","status":N}`.
//! - successes: `{"data":{"message":"Success"[,"token":…]},"service":"Access Manager","status":200}`,
//!   `[1,"Sent","<timetoken>"]` and `[<timetoken>]`.

use pam_model::{ErrorBody, ErrorDetail};
use serde::Serialize;

/// The `Content-Type` of every answer, as PubNub sends it.
pub const CONTENT_TYPE: &str = "text/javascript; charset=UTF-8";

/// An answer: HTTP status and body text (always JSON).
///
/// `Debug` shows the body with the value of a granted `"token"` redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The JSON body.
    pub body: String,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body", &redacted_body(&self.body))
            .finish()
    }
}

/// `body` with the string value of every `"token":"…"` replaced by `<redacted>`.
fn redacted_body(body: &str) -> String {
    const KEY: &str = "\"token\":\"";
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(KEY) {
        let value_start = at + KEY.len();
        out.push_str(&rest[..value_start]);
        out.push_str(crate::REDACTED);
        // A token is base64url text: it holds no quote or backslash, so the next quote ends it.
        rest = match rest[value_start..].find('"') {
            Some(end) => &rest[value_start + end..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

#[derive(Serialize)]
struct LegacyError<'a, P> {
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<P>,
    error: bool,
    service: &'static str,
    status: u16,
}

#[derive(Serialize)]
struct Success<'a> {
    data: SuccessData<'a>,
    service: &'static str,
    status: u16,
}

#[derive(Serialize)]
struct SuccessData<'a> {
    message: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<&'a str>,
}

const SERVICE: &str = "Access Manager";

fn to_json<T: Serialize>(value: &T) -> String {
    // Only strings, numbers, booleans and `serde_json::Value`s are serialized here, which
    // cannot fail; keep a valid JSON body regardless.
    serde_json::to_string(value).unwrap_or_else(|_| {
        r#"{"message":"Internal Server Error","error":true,"service":"Access Manager","status":500}"#
            .to_owned()
    })
}

impl Response {
    /// A v3 error body; the status is the body's.
    pub(crate) fn v3_error(body: &ErrorBody) -> Response {
        Response {
            status: body.status,
            body: body.to_json(),
        }
    }

    /// A v3 error with a single detail.
    pub(crate) fn v3(
        status: u16,
        message: &str,
        source: &str,
        detail_message: impl Into<String>,
        location: &str,
        location_type: &str,
    ) -> Response {
        Response::v3_error(&ErrorBody::new(
            status,
            message,
            source,
            ErrorDetail::new(detail_message, location, location_type),
        ))
    }

    /// A legacy error: `{"message":…,"error":true,"service":"Access Manager","status":N}`.
    pub(crate) fn legacy(status: u16, message: &str) -> Response {
        Response::legacy_with_payload(status, message, None::<()>)
    }

    /// A legacy error with a `payload` object, serialized in its own field order.
    pub(crate) fn legacy_with_payload<P: Serialize>(
        status: u16,
        message: &str,
        payload: Option<P>,
    ) -> Response {
        Response {
            status,
            body: to_json(&LegacyError {
                message,
                payload,
                error: true,
                service: SERVICE,
                status,
            }),
        }
    }

    /// The grant success body.
    pub(crate) fn granted(token: &str) -> Response {
        Response {
            status: 200,
            body: to_json(&Success {
                data: SuccessData {
                    message: "Success",
                    token: Some(token),
                },
                service: SERVICE,
                status: 200,
            }),
        }
    }

    /// The revoke success body.
    pub(crate) fn revoked() -> Response {
        Response {
            status: 200,
            body: to_json(&Success {
                data: SuccessData {
                    message: "Success",
                    token: None,
                },
                service: SERVICE,
                status: 200,
            }),
        }
    }

    /// The publish and signal success body: `[1,"Sent","<timetoken>"]`.
    pub(crate) fn sent(timetoken: u64) -> Response {
        Response {
            status: 200,
            body: format!(r#"[1,"Sent","{timetoken}"]"#),
        }
    }

    /// The time body: `[<timetoken>]`.
    pub(crate) fn time(timetoken: u64) -> Response {
        Response {
            status: 200,
            body: format!("[{timetoken}]"),
        }
    }

    /// `414` for a request target longer than `limit` bytes.
    pub fn target_too_long(found: usize, limit: usize) -> Response {
        Response::legacy_with_payload(
            414,
            "Request URI Too Long",
            Some(serde_json::json!({ "limit_bytes": limit, "found_bytes": found })),
        )
    }

    /// `413` for a body larger than `limit` bytes (`found` when known).
    pub fn body_too_large(found: Option<usize>, limit: usize) -> Response {
        let payload = match found {
            Some(found) => serde_json::json!({ "limit_bytes": limit, "found_bytes": found }),
            None => serde_json::json!({ "limit_bytes": limit }),
        };
        Response::legacy_with_payload(413, "Payload Too Large", Some(payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_a_granted_token() {
        let response = Response {
            status: 200,
            body: r#"{"data":{"message":"Success","token":"qEF2AkF0GmB4"},"service":"Access Manager","status":200}"#.into(),
        };
        let shown = format!("{response:?}");
        assert!(!shown.contains("qEF2AkF0GmB4"), "{shown}");
        assert!(shown.contains("Success"), "{shown}");
    }

    #[test]
    fn success_bodies_are_byte_exact() {
        assert_eq!(
            Response::granted("p0F2").body,
            r#"{"data":{"message":"Success","token":"p0F2"},"service":"Access Manager","status":200}"#
        );
        assert_eq!(
            Response::revoked().body,
            r#"{"data":{"message":"Success"},"service":"Access Manager","status":200}"#
        );
        assert_eq!(
            Response::sent(17_000_000_000_000_000).body,
            r#"[1,"Sent","17000000000000000"]"#
        );
        assert_eq!(
            Response::time(17_000_000_000_000_000).body,
            "[17000000000000000]"
        );
    }

    #[test]
    fn legacy_bodies_have_the_recorded_shape() {
        assert_eq!(
            Response::legacy(400, "Invalid Subscribe Key").body,
            r#"{"message":"Invalid Subscribe Key","error":true,"service":"Access Manager","status":400}"#
        );
    }
}
