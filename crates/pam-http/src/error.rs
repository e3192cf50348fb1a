//! The one error type of this crate, and what each failure says.

use std::fmt;
use std::time::Duration;

use pam_model::{ErrorBody, ResourceKind};

use crate::misuse::Misuse;
use crate::redact::RedactedUrl;
use crate::token_errors::{Denial, RefreshError, TokenProblem};

/// The service name in every Access Manager body, which [`ErrorBody::to_json`] writes too.
const ACCESS_MANAGER: &str = "Access Manager";

/// A cause kept as [`std::error::Error::source`]: the I/O, HTTP, TLS or JSON error underneath a
/// failure, typed (use `downcast_ref` to inspect it).
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Which call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `POST /v3/pam/{sub}/grant`.
    Grant,
    /// `DELETE /v3/pam/{sub}/grant/{token}`.
    Revoke,
    /// `GET /time/0`.
    Time,
    /// `GET /publish/{pub}/{sub}/0/{channel}/0/{message}`.
    Publish,
    /// A call of the client's token provider (not an HTTP request).
    Refresh,
}

impl Operation {
    /// Whether sending the request twice has the same effect as sending it once. Publish is
    /// not: a repeated publish is a second message. (A repeated grant issues a second token,
    /// which only costs the unused token.)
    #[must_use]
    pub const fn is_idempotent(self) -> bool {
        !matches!(self, Operation::Publish)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Grant => "grant token",
            Operation::Revoke => "revoke token",
            Operation::Time => "time",
            Operation::Publish => "publish",
            Operation::Refresh => "token refresh",
        })
    }
}

/// Why a call failed.
///
/// Answers from Access Manager become typed variants: [`Error::Api`] for the structured v3
/// body (status, message, source, details with their location), and one variant per 403 shape
/// PubNub sends on use of a token ([`Error::Forbidden`], [`Error::TokenExpired`],
/// [`Error::TokenRevoked`]) or on a bad signature ([`Error::InvalidSignature`]). Transport
/// failures are split into [`Error::Timeout`], [`Error::Connect`] and [`Error::Decode`].
/// [`Error::Misuse`] is a mistake in the calling code and is never caused by a server.
///
/// Every URL shown has its `auth` and `signature` parameters and any token in its path
/// replaced by `<redacted>`.
///
/// Variants describing an answer or a transport failure are `#[non_exhaustive]`: match them
/// with `..` (`Error::TokenRevoked { message, .. }`), so that fields added later do not break
/// your code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Access Manager refused the request with a v3 error body.
    #[error("{operation} refused by Access Manager: {body}")]
    #[non_exhaustive]
    Api {
        /// The call.
        operation: Operation,
        /// The `service` the answer named (`Access Manager`), if it named one.
        service: Option<String>,
        /// The body: status, message, source, details (message, location, location type).
        body: ErrorBody,
    },

    /// The request was refused before anything was sent, by the same validation the server
    /// applies; `body` is the error body the server would have answered with.
    #[error("{operation} not sent, the request is invalid: {body}")]
    #[non_exhaustive]
    InvalidRequest {
        /// The call.
        operation: Operation,
        /// The error body the server gives for the same request.
        body: ErrorBody,
    },

    /// 403 "Forbidden": the token (or its absence) does not allow this request. Not retried:
    /// a missing permission is a design error, and `denial` says which resource and
    /// permission, from the offline check of the token sent.
    #[error(
        "{operation} forbidden (403): {message}{}{}",
        denied_list(channels, channel_groups),
        denial_suffix(denial.as_deref())
    )]
    #[non_exhaustive]
    Forbidden {
        /// The call.
        operation: Operation,
        /// The `service` the answer named (`Access Manager`), if it named one.
        service: Option<String>,
        /// The server's message, usually `Forbidden`.
        message: String,
        /// The channels the server named as denied (may be empty).
        channels: Vec<String>,
        /// The channel groups the server named as denied (may be empty).
        channel_groups: Vec<String>,
        /// What the offline check of the token sent says: the resource, the permission needed
        /// and missing, and which entry decided. `None` without a token that parses.
        denial: Option<Box<Denial>>,
    },

    /// 403 "Token is expired.": the token's lifetime is over; grant a new one.
    #[error("{operation} refused (403): {message} Grant a new token.")]
    #[non_exhaustive]
    TokenExpired {
        /// The call.
        operation: Operation,
        /// The `service` the answer named (`Access Manager`), if it named one.
        service: Option<String>,
        /// The server's message.
        message: String,
    },

    /// 403 "Token is revoked.": the token was revoked; grant a new one.
    #[error("{operation} refused (403): {message} Grant a new token.")]
    #[non_exhaustive]
    TokenRevoked {
        /// The call.
        operation: Operation,
        /// The `service` the answer named (`Access Manager`), if it named one.
        service: Option<String>,
        /// The server's message.
        message: String,
    },

    /// The request was not sent: the client's token cannot work (expired by the client's
    /// clock corrected by the server's time, or restricted to another user id), and the
    /// client has no token provider to get another.
    #[error("{operation} not sent: {problem}; set a new token")]
    #[non_exhaustive]
    TokenNotSent {
        /// The call.
        operation: Operation,
        /// Why the token cannot work.
        problem: TokenProblem,
    },

    /// The request needed a new token and the token provider did not give one, after
    /// `attempts` calls (or it failed within the cooldown of an earlier refresh). `source` is
    /// why; its own `source()` is the provider's error, whose text never appears here.
    #[error(
        "{operation} not sent: no new token, the refresh failed after {attempts} call(s) of the token provider"
    )]
    #[non_exhaustive]
    TokenRefreshFailed {
        /// The call.
        operation: Operation,
        /// Calls of the provider made by the refresh.
        attempts: u32,
        /// Why the refresh failed.
        #[source]
        source: RefreshError,
    },

    /// 403 "Invalid signature": the secret key (or publish key) does not match the keyset.
    #[error(
        "{operation} refused (403): {message}; check that the secret and publish keys belong \
         to the keyset"
    )]
    #[non_exhaustive]
    InvalidSignature {
        /// The call.
        operation: Operation,
        /// The `service` the answer named (`Access Manager`), if it named one.
        service: Option<String>,
        /// The server's message.
        message: String,
        /// The v3 error body, when the server sent one (boxed: it is rare, and keeps `Error`
        /// small).
        body: Option<Box<ErrorBody>>,
    },

    /// Another error in PubNub's flat shape (`{"status":…,"error":true,"message":…}`), such
    /// as 400 "Invalid Subscribe Key".
    #[error("{operation} refused ({status}): {message}")]
    #[non_exhaustive]
    Service {
        /// The call.
        operation: Operation,
        /// The `service` the answer named (`Access Manager`), if it named one.
        service: Option<String>,
        /// The HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },

    /// 429 "Too Many Requests" that the client did not (or no longer) retry: the server asked
    /// for a wait longer than [`crate::MAX_RETRY_AFTER_SECS`] or than the retry policy's time
    /// budget has left, or the attempts ran out. `retry_after` is the wait the server asked
    /// for, uncapped (from a number of seconds or an HTTP date), when it sent `Retry-After`.
    #[error(
        "{operation} rate limited (429) by {url} after {attempts} attempt(s){}",
        retry_after_suffix(retry_after)
    )]
    #[non_exhaustive]
    RateLimited {
        /// The call.
        operation: Operation,
        /// The URL, redacted.
        url: RedactedUrl,
        /// The wait the server asked for in `Retry-After`, if it sent a usable one.
        retry_after: Option<Duration>,
        /// The server's message, if its body had one.
        message: Option<String>,
        /// How many attempts were made.
        attempts: u32,
    },

    /// A status the call does not expect, with a body that is no PubNub error (a proxy's HTML
    /// page, a 503 still failing after the retries ran out, …).
    #[error(
        "{operation} failed: {url} answered HTTP {status} after {attempts} attempt(s){}",
        excerpt_suffix(excerpt)
    )]
    #[non_exhaustive]
    UnexpectedStatus {
        /// The call.
        operation: Operation,
        /// The HTTP status.
        status: u16,
        /// The URL, redacted.
        url: RedactedUrl,
        /// The start of the body (see [`crate::MAX_EXCERPT_CHARS`]).
        excerpt: String,
        /// How many attempts were made.
        attempts: u32,
    },

    /// A token given to the client (or a provider's) is not a PAM v3 token: the token
    /// codec's error, unchanged. `pam::parse_token(t)?` converts into this.
    #[error(transparent)]
    Token(#[from] pam_token::Error),

    /// No complete answer within the configured time.
    #[error(
        "{operation} timed out: no {} from {url} within {limit:?} (attempt {attempts})",
        if *connecting { "connection" } else { "complete response" }
    )]
    #[non_exhaustive]
    Timeout {
        /// The call.
        operation: Operation,
        /// The URL, redacted.
        url: RedactedUrl,
        /// The limit that ran out.
        limit: Duration,
        /// Whether it ran out while connecting (else while waiting for the response).
        connecting: bool,
        /// How many attempts were made.
        attempts: u32,
        /// The HTTP layer's timeout error.
        #[source]
        source: Option<Cause>,
    },

    /// The connection could not be made, or broke before a response arrived; `source` is
    /// the cause from the operating system, TLS or the HTTP layer.
    #[error(
        "{operation} failed: {} {url} (after {attempts} attempt(s))",
        if *may_have_been_sent { "connection lost talking to" } else { "could not connect to" }
    )]
    #[non_exhaustive]
    Connect {
        /// The call.
        operation: Operation,
        /// The URL, redacted.
        url: RedactedUrl,
        /// Whether the server may have received the request (the connection broke after it
        /// was established). A publish is not repeated in that case.
        may_have_been_sent: bool,
        /// How many attempts were made.
        attempts: u32,
        /// The cause (its chain reaches the `std::io::Error` when there is one); never
        /// includes the URL.
        #[source]
        source: Cause,
    },

    /// The response is not what the endpoint answers: not JSON, the wrong shape, too large.
    #[error(
        "{operation}: cannot decode the response of {url} (HTTP {status}): {reason}{}",
        excerpt_suffix(excerpt)
    )]
    #[non_exhaustive]
    Decode {
        /// The call.
        operation: Operation,
        /// The HTTP status.
        status: u16,
        /// The URL, redacted.
        url: RedactedUrl,
        /// What was expected and what was wrong.
        reason: String,
        /// The start of the body (see [`crate::MAX_EXCERPT_CHARS`]).
        excerpt: String,
        /// The parser's error, when the body did not parse at all.
        #[source]
        source: Option<Cause>,
    },

    /// The HTTP client or the private runtime of the blocking API could not be set up.
    #[error("cannot set up the HTTP client: {reason}")]
    Setup {
        /// What failed.
        reason: String,
        /// Why, when another error says so (the TLS stack's, the operating system's).
        #[source]
        source: Option<Cause>,
    },

    /// The calling code misused the API (see [`Misuse`]).
    #[error("API misuse: {0}")]
    Misuse(#[from] Misuse),
}

fn denied_list(channels: &[String], groups: &[String]) -> String {
    let mut out = String::new();
    for (kind, names) in [
        (ResourceKind::Channel, channels),
        (ResourceKind::ChannelGroup, groups),
    ] {
        if !names.is_empty() {
            out.push_str(&format!("; denied {kind}(s): {}", names.join(", ")));
        }
    }
    out
}

fn denial_suffix(denial: Option<&Denial>) -> String {
    denial.map_or_else(String::new, |d| {
        format!("; the token's own check: {}", d.reason)
    })
}

fn retry_after_suffix(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!(
            "; the server asks to wait {} s before trying again",
            wait.as_secs()
        ),
        None => String::from("; the server named no wait (no usable Retry-After)"),
    }
}

fn excerpt_suffix(excerpt: &str) -> String {
    if excerpt.is_empty() {
        String::from(" (empty body)")
    } else {
        format!("; body starts {excerpt:?}")
    }
}

impl Error {
    /// The call that failed, unless the failure is a setup or misuse error.
    #[must_use]
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Error::Api { operation, .. }
            | Error::InvalidRequest { operation, .. }
            | Error::Forbidden { operation, .. }
            | Error::TokenExpired { operation, .. }
            | Error::TokenRevoked { operation, .. }
            | Error::InvalidSignature { operation, .. }
            | Error::Service { operation, .. }
            | Error::UnexpectedStatus { operation, .. }
            | Error::Timeout { operation, .. }
            | Error::Connect { operation, .. }
            | Error::Decode { operation, .. }
            | Error::RateLimited { operation, .. }
            | Error::TokenNotSent { operation, .. }
            | Error::TokenRefreshFailed { operation, .. } => Some(*operation),
            Error::Setup { .. } | Error::Misuse(_) | Error::Token(_) => None,
        }
    }

    /// The HTTP status of the answer (or, for [`Error::InvalidRequest`], of the answer the
    /// server would have given). `None` when there was no answer.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { body, .. } | Error::InvalidRequest { body, .. } => Some(body.status),
            Error::Forbidden { .. }
            | Error::TokenExpired { .. }
            | Error::TokenRevoked { .. }
            | Error::InvalidSignature { .. } => Some(403),
            Error::Service { status, .. }
            | Error::UnexpectedStatus { status, .. }
            | Error::Decode { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            Error::Timeout { .. }
            | Error::Connect { .. }
            | Error::Setup { .. }
            | Error::Misuse(_)
            | Error::Token(_)
            | Error::TokenNotSent { .. }
            | Error::TokenRefreshFailed { .. } => None,
        }
    }

    /// The v3 error body, whether the server sent it or local validation produced it.
    #[must_use]
    pub fn error_body(&self) -> Option<&ErrorBody> {
        match self {
            Error::Api { body, .. } | Error::InvalidRequest { body, .. } => Some(body),
            Error::InvalidSignature { body, .. } => body.as_deref(),
            _ => None,
        }
    }

    /// The server's (or local validation's) headline message, such as `Invalid ttl`,
    /// `Forbidden` or `Token is revoked.`.
    #[must_use]
    pub fn server_message(&self) -> Option<&str> {
        match self {
            Error::Api { body, .. } | Error::InvalidRequest { body, .. } => Some(&body.message),
            Error::Forbidden { message, .. }
            | Error::TokenExpired { message, .. }
            | Error::TokenRevoked { message, .. }
            | Error::InvalidSignature { message, .. }
            | Error::Service { message, .. } => Some(message),
            Error::RateLimited { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    /// The `service` the server's answer named, such as `Access Manager`. For
    /// [`Error::InvalidRequest`], the service whose answer local validation reproduces.
    #[must_use]
    pub fn service(&self) -> Option<&str> {
        match self {
            Error::Api { service, .. }
            | Error::Forbidden { service, .. }
            | Error::TokenExpired { service, .. }
            | Error::TokenRevoked { service, .. }
            | Error::InvalidSignature { service, .. }
            | Error::Service { service, .. } => service.as_deref(),
            Error::InvalidRequest { .. } => Some(ACCESS_MANAGER),
            _ => None,
        }
    }

    /// Whether the token was (or would have been) refused as expired: a 403 "Token is
    /// expired." from the server, or [`Error::TokenNotSent`] for an expired token.
    #[must_use]
    pub fn is_token_expired(&self) -> bool {
        matches!(
            self,
            Error::TokenExpired { .. }
                | Error::TokenNotSent {
                    problem: TokenProblem::Expired { .. },
                    ..
                }
        )
    }

    /// Whether this is a mistake in the calling code ([`Error::Misuse`]).
    #[must_use]
    pub fn is_misuse(&self) -> bool {
        matches!(self, Error::Misuse(_))
    }
}

#[cfg(test)]
mod tests {
    use pam_model::ErrorDetail;

    use super::*;

    #[test]
    fn messages_say_what_and_where() {
        let api = Error::Api {
            operation: Operation::Grant,
            service: Some("Access Manager".into()),
            body: ErrorBody::new(
                400,
                "Invalid ttl",
                "grant",
                ErrorDetail::new("Range should be 1 to 43200 minute(s).", "ttl", "body"),
            ),
        };
        let text = api.to_string();
        assert!(text.starts_with("grant token refused"), "{text}");
        assert!(text.contains("Invalid ttl"), "{text}");
        assert!(text.contains("`ttl`"), "{text}");
        assert_eq!(api.status(), Some(400));

        let forbidden = Error::Forbidden {
            operation: Operation::Publish,
            service: None,
            message: "Forbidden".into(),
            channels: vec!["secret".into()],
            channel_groups: vec![],
            denial: None,
        };
        let text = forbidden.to_string();
        assert!(text.contains("denied channel(s): secret"), "{text}");
        assert!(!text.contains("channel group"), "{text}");
        assert_eq!(forbidden.server_message(), Some("Forbidden"));
    }

    #[test]
    fn misuse_is_distinct() {
        let error = Error::from(Misuse::EmptyUserId);
        assert!(error.is_misuse());
        assert_eq!(error.operation(), None);
        assert_eq!(error.status(), None);
        assert!(error.to_string().contains("user id is empty"));
    }

    #[test]
    fn publish_alone_is_not_idempotent() {
        assert!(!Operation::Publish.is_idempotent());
        assert!(Operation::Grant.is_idempotent());
        assert!(Operation::Revoke.is_idempotent());
        assert!(Operation::Time.is_idempotent());
    }
}
