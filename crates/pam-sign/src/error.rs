//! The one error type of this crate.

use crate::{SIGNATURE_BASE64_LEN, SIGNATURE_PREFIX};

/// How many characters of an unparsable `timestamp` value an [`Error`] repeats; the rest is
/// cut so that an error message stays short whatever a client sent.
pub const MAX_ECHOED_TIMESTAMP_CHARS: usize = 24;

/// Why a request's signature or timestamp was not accepted.
///
/// Every variant describes untrusted input (a request received by a server, or a parameter
/// built from one); none of them is caused by misusing this crate's API, whose signing side
/// cannot fail. Messages never repeat the signature or any secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The query has no `signature` parameter.
    #[error("the request has no `signature` query parameter")]
    MissingSignature,

    /// A parameter that must appear at most once appears several times, so it is ambiguous
    /// which one was meant.
    #[error("the request has {count} `{name}` query parameters; exactly one is allowed")]
    DuplicateParameter {
        /// The parameter name (`signature` or `timestamp`).
        name: &'static str,
        /// How many times it appears.
        count: usize,
    },

    /// The `signature` parameter is not `v2.` followed by base64url without padding.
    #[error(
        "malformed `signature` query parameter: {problem}; expected `{prefix}` followed by \
         {SIGNATURE_BASE64_LEN} base64url characters without padding, found {found_len} \
         characters in total",
        prefix = SIGNATURE_PREFIX
    )]
    MalformedSignature {
        /// What is wrong with it.
        problem: &'static str,
        /// Its length in bytes (the value itself is not repeated).
        found_len: usize,
    },

    /// The signature is well formed but is not the one the secret key gives for this request.
    #[error(
        "the signature does not match the request: the secret key differs, or the method, \
         publish key, path, query or body differ from what was signed"
    )]
    SignatureMismatch,

    /// The query has no `timestamp` parameter.
    #[error("the request has no `timestamp` query parameter")]
    MissingTimestamp,

    /// The `timestamp` parameter is not a whole number of Unix seconds.
    #[error(
        "the `timestamp` query parameter {found:?} is not a whole number of Unix seconds \
         (decimal digits only)"
    )]
    MalformedTimestamp {
        /// The value found, cut to [`MAX_ECHOED_TIMESTAMP_CHARS`] characters.
        found: String,
    },

    /// The request's timestamp is further from the current time than the tolerance allows.
    #[error(
        "the request timestamp {timestamp} is {} s away from the current time {now}; \
         at most {tolerance_secs} s is accepted",
        .timestamp.abs_diff(*.now)
    )]
    TimestampOutOfRange {
        /// The request's timestamp, Unix seconds.
        timestamp: u64,
        /// The current time it was compared with, Unix seconds.
        now: u64,
        /// The largest accepted difference, seconds.
        tolerance_secs: u64,
    },
}

impl Error {
    /// A [`Error::MalformedTimestamp`] for `found`, cut to [`MAX_ECHOED_TIMESTAMP_CHARS`].
    pub(crate) fn malformed_timestamp(found: &str) -> Self {
        let mut shown: String = found.chars().take(MAX_ECHOED_TIMESTAMP_CHARS).collect();
        if shown.len() < found.len() {
            shown.push('…');
        }
        Self::MalformedTimestamp { found: shown }
    }
}
