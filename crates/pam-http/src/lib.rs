#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod answer;
mod attempt_failure;
mod client;
mod clock;
mod config;
mod endpoints;
mod error;
mod misuse;
mod redact;
mod retry;
mod timetoken;
mod token_errors;
mod token_lifecycle;
mod token_provider;
mod token_schedule;

pub use answer::{
    MAX_DENIED_NAMES, MAX_EXCERPT_CHARS, MAX_RESPONSE_BYTES, MAX_SERVER_MESSAGE_CHARS,
};
pub use client::{Client, PNSDK};
pub use config::{
    ClientConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_ORIGIN, DEFAULT_REQUEST_TIMEOUT, Keyset,
    MAX_ORIGIN_BYTES, MAX_USER_ID_BYTES,
};
pub use error::{Cause, Error, Operation};
pub use misuse::Misuse;
pub use redact::{MAX_SHOWN_URL_CHARS, RedactedUrl};
pub use retry::{MAX_RETRY_AFTER_SECS, RetryPolicy};
pub use timetoken::{TIMETOKEN_UNITS_PER_SEC, Timetoken};
pub use token_errors::{Denial, RefreshError, TokenProblem};
pub use token_provider::{
    SharedTokenProvider, TokenEvent, TokenFuture, TokenOrigin, TokenProvider, TokenRefreshPolicy,
    TokenStatus,
};
