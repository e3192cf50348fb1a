//! `revoke_token`: end a token before its time.

use pam_http::Error;

use crate::PubNub;

/// A revocation in the making; send it with [`RevokeTokenBuilder::execute`].
///
/// Revocation must be enabled on the keyset (PubNub's Admin Portal; the emulator's
/// `Keyset::with_revocation`); otherwise the server answers "Feature disabled". A revoked token
/// is refused with "Token is revoked." ([`Error::TokenRevoked`]) from then on.
#[must_use = "a revocation does nothing until `.execute()` is called"]
pub struct RevokeTokenBuilder {
    pubnub: PubNub,
    token: String,
}

impl std::fmt::Debug for RevokeTokenBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevokeTokenBuilder")
            .field("pubnub", &self.pubnub)
            .field("token", &"<redacted>")
            .finish()
    }
}

impl RevokeTokenBuilder {
    pub(crate) fn new(pubnub: PubNub, token: String) -> Self {
        RevokeTokenBuilder { pubnub, token }
    }

    /// Sends the revocation.
    ///
    /// # Errors
    ///
    /// [`Error::Misuse`] without a secret key or with an empty token, [`Error::Api`] when the
    /// server refuses ("Invalid token", "Feature disabled", …), or a transport error.
    pub async fn execute(self) -> Result<(), Error> {
        self.pubnub.shared.client.revoke(&self.token).await
    }

    /// [`RevokeTokenBuilder::execute`] for code without an async runtime; see
    /// [the crate docs](crate#blocking) for where it may be called.
    ///
    /// # Errors
    ///
    /// As [`RevokeTokenBuilder::execute`].
    #[cfg(feature = "blocking")]
    pub fn execute_blocking(self) -> Result<(), Error> {
        let pubnub = self.pubnub.clone();
        pubnub.block_on(self.execute())
    }
}
