//! `POST /v3/pam/{sub}/grant`: checks the request like PubNub does and issues a token.
//!
//! In order: known subscribe key, valid signature, fresh timestamp, `Content-Type:
//! application/json`, a body that `pam_model` reads and validates (its error bodies are
//! sent as they are), patterns the token checker can compile (`pam_token::check_patterns`,
//! refused as `Invalid RegExp` otherwise), then a token from `pam_token::issue` with `t` =
//! server time.

use pam_model::{GrantRequest, ValidationError};

use crate::Response;
use crate::access_manager::{AccessManager, Incoming};
use crate::routes::Endpoint;

/// PubNub's answer to a grant whose `Content-Type` is not `application/json`.
fn content_type_not_json() -> Response {
    Response::v3(
        400,
        "Invalid JSON",
        Endpoint::Grant.source(),
        "Content-Type must be `application/json`.",
        "<root>",
        "body",
    )
}

/// Whether a `Content-Type` value names `application/json` (parameters such as `charset`
/// allowed, case-insensitive).
fn is_json(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|value| {
        value
            .split(';')
            .next()
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
    })
}

impl AccessManager {
    pub(crate) fn grant(&self, incoming: &Incoming<'_>, raw_subscribe_key: &str) -> Response {
        let served = match self.v3_keyset(raw_subscribe_key, Endpoint::Grant) {
            Ok(served) => served,
            Err(response) => return response,
        };
        if let Err(response) = self.authenticate(incoming, Endpoint::Grant, served) {
            return response;
        }
        if !is_json(incoming.request.header("content-type")) {
            return content_type_not_json();
        }
        let grant = match GrantRequest::from_body_json(&incoming.body) {
            Ok(grant) => grant,
            Err(error) => return Response::v3_error(&error.to_error_body()),
        };
        if let Err(error) = grant.validate() {
            return Response::v3_error(&error.to_error_body());
        }
        // Never issue a pattern the token checker would then refuse to use.
        if let Err(error) = pam_token::check_patterns(&grant) {
            let invalid = ValidationError::InvalidRegex {
                kind: error.kind,
                pattern: error.pattern,
                reason: error.reason,
            };
            return Response::v3_error(&invalid.to_error_body());
        }
        let token = pam_token::issue(
            &grant,
            self.clock.now_secs(),
            served.keyset.secret_key().as_bytes(),
        );
        Response::granted(&token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_must_be_json() {
        assert!(is_json(Some("application/json")));
        assert!(is_json(Some("Application/JSON; charset=UTF-8")));
        assert!(!is_json(Some("text/plain")));
        assert!(!is_json(Some("application/jsonx")));
        assert!(!is_json(None));
        assert_eq!(
            content_type_not_json().body,
            r#"{"error":{"message":"Invalid JSON","source":"grant","details":[{"message":"Content-Type must be `application/json`.","location":"<root>","locationType":"body"}]},"service":"Access Manager","status":400}"#
        );
    }
}
