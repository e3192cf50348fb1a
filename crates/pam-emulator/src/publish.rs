//! Publish and signal: the operations the emulator enforces tokens on.
//!
//! In order: known subscribe key ("Invalid Subscribe Key"), matching publish key ("Invalid
//! Publish Key"), then either a request signed with the secret key (which skips the token
//! check) or a token in `auth` that grants write on the channel ("Forbidden" listing the
//! channel, "Token is expired.", "Token is revoked."), then a message that is JSON.
//! Nothing is stored or delivered: the answer is `[1,"Sent","<timetoken>"]`.

use pam_model::ResourceKind;
use pam_token::{AccessRequest, Operation};

use crate::Response;
use crate::access_manager::{AccessManager, Incoming, ServedKeyset, decode_segment};
use crate::routes::Endpoint;

/// Why a token does not let a request publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// No usable token for this keyset, or it grants no write on the channel.
    Forbidden,
    /// The token has expired.
    Expired,
    /// The token was revoked.
    Revoked,
}

impl AccessManager {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn publish(
        &self,
        incoming: &Incoming<'_>,
        endpoint: Endpoint,
        raw_publish_key: &str,
        raw_subscribe_key: &str,
        raw_channel: &str,
        raw_message: Option<&str>,
    ) -> Response {
        let Some(served) =
            decode_segment(raw_subscribe_key).and_then(|key| self.keyset_by_subscribe_key(&key))
        else {
            return Response::legacy(400, "Invalid Subscribe Key");
        };
        if decode_segment(raw_publish_key).as_deref() != Some(served.keyset.publish_key()) {
            return Response::legacy(400, "Invalid Publish Key");
        }
        let channel = match decode_segment(raw_channel) {
            Some(channel) if !channel.is_empty() => channel,
            _ => {
                return endpoint.bad_request(
                    "Invalid channel",
                    "The channel path segment must be non-empty, percent-encoded UTF-8 text.",
                    "channel",
                    "path",
                );
            }
        };

        if incoming.query.get(pam_sign::SIGNATURE_PARAM).is_some() {
            if let Err(response) = self.authenticate(incoming, endpoint, served) {
                return response;
            }
        } else {
            match self.token_allows(incoming, served, endpoint, &channel) {
                Ok(()) => {}
                Err(Refusal::Forbidden) => return Response::forbidden_channel(&channel),
                Err(Refusal::Expired) => return Response::legacy(403, "Token is expired."),
                Err(Refusal::Revoked) => return Response::legacy(403, "Token is revoked."),
            }
        }

        let message_is_json = match raw_message {
            Some(raw) => decode_segment(raw).is_some_and(|text| is_json(text.as_bytes())),
            None => is_json(&incoming.body),
        };
        let timetoken = self.clock.next_timetoken();
        if !message_is_json {
            return Response {
                status: 400,
                body: format!(r#"[0,"Invalid JSON","{timetoken}"]"#),
            };
        }
        Response::sent(timetoken)
    }

    /// Whether the request's `auth` token lets its `uuid` do `endpoint` on `channel`.
    fn token_allows(
        &self,
        incoming: &Incoming<'_>,
        served: &ServedKeyset,
        endpoint: Endpoint,
        channel: &str,
    ) -> Result<(), Refusal> {
        let auth = incoming
            .query
            .get("auth")
            .filter(|auth| !auth.is_empty())
            .ok_or(Refusal::Forbidden)?;
        // A token this keyset did not sign (or that does not parse) grants nothing here.
        let token = pam_token::verify(auth, served.keyset.secret_key().as_bytes())
            .map_err(|_| Refusal::Forbidden)?;
        let now = self.clock.now_secs();
        if token.is_expired_at(now) {
            return Err(Refusal::Expired);
        }
        if self.revocations.contains(token.signature()) {
            return Err(Refusal::Revoked);
        }
        let operation = match endpoint {
            Endpoint::Signal => Operation::Signal,
            _ => Operation::Publish,
        };
        // Publish and signal touch one channel; every requirement must be granted on it.
        let allowed = operation.requirements().iter().all(|requirement| {
            requirement.kind == ResourceKind::Channel
                && token
                    .authorize(
                        &AccessRequest::new(
                            ResourceKind::Channel,
                            channel,
                            requirement.permission,
                            now,
                        )
                        .by(&incoming.user_id),
                    )
                    .is_allowed()
        });
        if allowed {
            Ok(())
        } else {
            Err(Refusal::Forbidden)
        }
    }
}

/// Whether `bytes` are one JSON value (nesting bounded by `serde_json`'s recursion limit).
fn is_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_must_be_json() {
        assert!(is_json(br#"{"text":"hi"}"#));
        assert!(is_json(b"\"hi\""));
        assert!(is_json(b"42"));
        assert!(!is_json(b"hi"));
        assert!(!is_json(b""));
        assert!(!is_json(&vec![b'['; 10_000]));
    }
}
