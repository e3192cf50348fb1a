//! Publish and signal.
//!
//! In order: known subscribe key ("Invalid Subscribe Key"), matching publish key ("Invalid
//! Publish Key"), then either a request signed with the secret key (which skips the token
//! check) or a token in `auth` that grants write on the channel ("Forbidden" listing the
//! channel, "Token is expired.", "Token is revoked."), then a message that is JSON (and a
//! `meta` that is a JSON object, when given). The message is then delivered to the channel's
//! subscribers and, unless `store=0` or it is a signal, kept in history. The answer is
//! `[1,"Sent","<timetoken>"]` with the timetoken subscribers and history see.

use pam_token::Operation;
use serde_json::value::RawValue;

use crate::Response;
use crate::access_manager::{AccessManager, Incoming, decode_segment};
use crate::enforcement::Action;
use crate::message_store::{EventKind, NewEvent};
use crate::routes::Endpoint;

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

        let operation = if endpoint == Endpoint::Signal {
            Operation::Signal
        } else {
            Operation::Publish
        };
        if let Err(response) = self.enforce(
            incoming,
            endpoint,
            served,
            &[Action::new(operation, &channel)],
        ) {
            return response;
        }

        let message = match raw_message {
            Some(raw) => decode_segment(raw).and_then(|text| json_value(text.into_bytes())),
            None => json_value(incoming.body.to_vec()),
        };
        let Some(payload) = message else {
            let timetoken = self.clock.next_timetoken();
            return Response {
                status: 400,
                body: format!(r#"[0,"Invalid JSON","{timetoken}"]"#),
            };
        };
        let meta = match incoming.query.get("meta").filter(|meta| !meta.is_empty()) {
            None => None,
            Some(text) => match json_value(text.as_bytes().to_vec()) {
                Some(meta) if meta.get().trim_start().starts_with('{') => Some(meta),
                _ => {
                    return endpoint.bad_request(
                        "Invalid meta",
                        "The `meta` query parameter must be a JSON object.",
                        "meta",
                        "query",
                    );
                }
            },
        };
        let event = NewEvent {
            kind: if endpoint == Endpoint::Signal {
                EventKind::Signal
            } else {
                EventKind::Message
            },
            channel,
            publisher: Some(incoming.user_id.clone()),
            payload,
            meta,
            custom_message_type: incoming
                .query
                .get("custom_message_type")
                .filter(|kind| !kind.is_empty())
                .map(str::to_owned),
            store_in_history: incoming.query.get("store") != Some("0"),
        };
        let timetoken = served
            .state
            .messages
            .append(event, || self.clock.next_timetoken());
        Response::sent(timetoken)
    }
}

/// `bytes` as one JSON value, kept as sent (nesting bounded by `serde_json`'s recursion
/// limit); `None` when they are not JSON.
fn json_value(bytes: Vec<u8>) -> Option<Box<RawValue>> {
    RawValue::from_string(String::from_utf8(bytes).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_must_be_json() {
        let is_json = |bytes: &[u8]| json_value(bytes.to_vec()).is_some();
        assert!(is_json(br#"{"text":"hi"}"#));
        assert!(is_json(b"\"hi\""));
        assert!(is_json(b" 42 "));
        assert_eq!(json_value(b" 42 ".to_vec()).unwrap().get(), "42");
        assert!(!is_json(b"hi"));
        assert!(!is_json(b""));
        assert!(!is_json(b"1 2"));
        assert!(!is_json(&vec![b'['; 10_000]));
    }
}
