#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

#[cfg(feature = "blocking")]
mod blocking;
mod grant;
mod publish;
mod pubnub;
mod revoke;

pub use grant::{GrantTokenBuilder, GrantTokenResult};
pub use publish::PublishBuilder;
pub use pubnub::{PubNub, PubNubBuilder};
pub use revoke::RevokeTokenBuilder;

#[doc(inline)]
pub use pam_http::{
    Cause, DEFAULT_CONNECT_TIMEOUT, DEFAULT_ORIGIN, DEFAULT_REQUEST_TIMEOUT, Denial, Error, Keyset,
    Misuse, Operation, RedactedUrl, RefreshError, RetryPolicy, Timetoken, TokenEvent, TokenFuture,
    TokenOrigin, TokenProblem, TokenProvider, TokenRefreshPolicy, TokenStatus,
};
#[doc(inline)]
pub use pam_model::permissions::{self, ResourcePermissions};
#[doc(inline)]
pub use pam_model::{
    CategoryKind, ErrorBody, ErrorDetail, GrantRequest, MetaValue, Permission, Permissions,
    Resource, ResourceKind,
};
#[doc(inline)]
pub use pam_token::{
    AccessRequest, Decision, Error as TokenError, Meta, MetaMap, Token, parse as parse_token,
    verify as verify_token,
};

/// The token codec in full (`pam-token`): parsing, offline authorization, issuing and
/// verifying tokens signed with a keyset's secret key.
pub use pam_token as token;

/// The HTTP transport in full (`pam-http`): client configuration, limits, retry policy.
pub use pam_http as transport;
