//! `DELETE /v3/pam/{sub}/grant/{token}`: revokes a token of the keyset.
//!
//! In order: known subscribe key, valid signature, fresh timestamp, revocation enabled on the
//! keyset, a token that parses, was signed with this keyset's secret and has not expired;
//! then the revocation is recorded (journaled and fsynced first, with a data directory) and
//! only then acknowledged. Revoking a revoked token again succeeds.

use crate::Response;
use crate::access_manager::{AccessManager, Incoming, decode_segment, sentence, shorten};
use crate::revocations::RevokeFailure;
use crate::routes::Endpoint;

/// The longest token error repeated in a detail, in characters.
const MAX_DETAIL_CHARS: usize = 200;

/// `400 Invalid token`, located at the `token` path segment, with `detail` saying why.
fn invalid_token(detail: String) -> Response {
    Response::v3(
        400,
        "Invalid token",
        Endpoint::Revoke.source(),
        detail,
        "token",
        "path",
    )
}

/// PubNub's answer to a revoke on a keyset where revocation is disabled (the
/// `revokeFeatureDisabled` contract: status 403).
fn feature_disabled() -> Response {
    Response::v3(
        403,
        "Feature disabled",
        Endpoint::Revoke.source(),
        "Token revocation is disabled.",
        "subscribe-key",
        "path",
    )
}

impl AccessManager {
    pub(crate) fn revoke(
        &self,
        incoming: &Incoming<'_>,
        raw_subscribe_key: &str,
        raw_token: &str,
    ) -> Response {
        let served = match self.v3_keyset(raw_subscribe_key, Endpoint::Revoke) {
            Ok(served) => served,
            Err(response) => return response,
        };
        if let Err(response) = self.authenticate(incoming, Endpoint::Revoke, served) {
            return response;
        }
        if !served.keyset.revocation_enabled() {
            return feature_disabled();
        }
        let Some(text) = decode_segment(raw_token) else {
            return invalid_token(
                "Token is not valid percent-encoded UTF-8 text in the path.".to_owned(),
            );
        };
        let token = match pam_token::verify(&text, served.keyset.secret_key().as_bytes()) {
            Ok(token) => token,
            Err(pam_token::Error::SignatureMismatch) => {
                return invalid_token(
                    "Token was not issued by this keyset: its signature does not match the \
                     keyset's secret key."
                        .to_owned(),
                );
            }
            Err(error @ pam_token::Error::BadSignatureLength { .. }) => {
                return invalid_token(format!(
                    "Token was not issued by this keyset: {}",
                    sentence(&error.to_string())
                ));
            }
            Err(error) => {
                return invalid_token(format!(
                    "Token could not be parsed: {}",
                    sentence(&shorten(&error.to_string(), MAX_DETAIL_CHARS))
                ));
            }
        };
        let now = self.clock.now_secs();
        if token.is_expired_at(now) {
            return invalid_token("Token is expired.".to_owned());
        }
        // `verify` accepts 32-byte signatures only; a shorter or longer one never gets here.
        let Some(signature) = token.hmac_signature().copied() else {
            return invalid_token(format!(
                "Token could not be verified: its signature is {} bytes long, not 32.",
                token.signature().len()
            ));
        };
        match self.revocations.revoke(signature, token.expires_at(), now) {
            Ok(_) => Response::revoked(),
            Err(RevokeFailure::Full) => Response::v3(
                503,
                "Too many revocations",
                Endpoint::Revoke.source(),
                format!(
                    "This emulator already keeps {} unexpired revocations; try again when some \
                     tokens have expired.",
                    crate::limits::MAX_LIVE_REVOCATIONS
                ),
                "token",
                "path",
            ),
            Err(RevokeFailure::Journal(error)) => {
                tracing::error!(%error, "a revocation could not be journaled; answering 500");
                Response::v3(
                    500,
                    "Internal Server Error",
                    Endpoint::Revoke.source(),
                    "The revocation could not be stored; the token is not revoked.",
                    "token",
                    "path",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_disabled_is_the_contract_body() {
        assert_eq!(
            feature_disabled().body,
            r#"{"error":{"message":"Feature disabled","source":"revoke","details":[{"message":"Token revocation is disabled.","location":"subscribe-key","locationType":"path"}]},"service":"Access Manager","status":403}"#
        );
    }
}
