//! What goes wrong with a client's token: why it is not sent, why a refresh failed, and what
//! the token's own offline check says about a refused request.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use pam_model::{Permissions, ResourceKind};

use crate::error::Cause;

/// Why the client will not send a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenProblem {
    /// The token expired, by the client's clock corrected by the server's time.
    #[error("the token expired at {expired_at} (Unix seconds; now {now}, {}s later)", now.saturating_sub(*expired_at))]
    Expired {
        /// Its expiry, Unix seconds.
        expired_at: u64,
        /// The client's (corrected) time, Unix seconds.
        now: u64,
    },
    /// The token is restricted to another user id than the client's.
    #[error("the token is restricted to user id {authorized:?}; this client is {user_id:?}")]
    OtherUser {
        /// The user id the token is restricted to.
        authorized: String,
        /// The client's user id.
        user_id: String,
    },
    /// The string is not a PAM v3 token (only a provider's token is refused for this; one set
    /// with `set_token` is sent anyway and the server decides).
    #[error("the string is not a PAM v3 token")]
    NotAToken,
}

/// Why a refresh failed, shared by every request that waited for it.
#[derive(Debug, Clone)]
pub struct RefreshError(pub(crate) Arc<RefreshErrorKind>);

#[derive(Debug)]
pub(crate) enum RefreshErrorKind {
    Provider(Cause),
    NotAToken(pam_token::Error),
    Unusable(TokenProblem),
    TimedOut(Duration),
    Panicked,
}

impl fmt::Display for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            RefreshErrorKind::Provider(_) => f.write_str("the token provider returned an error"),
            RefreshErrorKind::NotAToken(_) => {
                f.write_str("the token provider returned a string that is not a PAM v3 token")
            }
            RefreshErrorKind::Unusable(problem) => {
                write!(
                    f,
                    "the token provider returned a token that cannot be used: {problem}"
                )
            }
            RefreshErrorKind::TimedOut(limit) => {
                write!(f, "the token provider did not answer within {limit:?}")
            }
            RefreshErrorKind::Panicked => f.write_str("the token provider panicked"),
        }
    }
}

impl std::error::Error for RefreshError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.0 {
            RefreshErrorKind::Provider(cause) => Some(&**cause),
            RefreshErrorKind::NotAToken(error) => Some(error),
            RefreshErrorKind::Unusable(problem) => Some(problem),
            RefreshErrorKind::TimedOut(_) | RefreshErrorKind::Panicked => None,
        }
    }
}

/// What the offline check of the client's token says about a refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Denial {
    /// The kind of resource requested.
    pub kind: ResourceKind,
    /// Its name.
    pub name: String,
    /// The permissions the request needs.
    pub needed: Permissions,
    /// Those the token does not grant on it.
    pub missing: Permissions,
    /// The check's verdict in one line (which entry decided, what it grants).
    pub reason: String,
}
