#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod canonical;
mod encoding;
mod error;
mod publish_schemes;
mod redact;
mod request;
mod signing_key;
mod timestamp;

pub use canonical::{canonical_query, encode_query, string_to_sign};
pub use encoding::{encode_path_segment, percent_encode, percent_encode_into};
pub use error::{Error, MAX_ECHOED_TIMESTAMP_CHARS};
pub use publish_schemes::PublishScheme;
pub use redact::{
    CREDENTIAL_PARAMETERS, REDACTED, is_credential_parameter, redact_target, redact_url,
};
pub use request::Request;
pub use signing_key::{Signed, SigningKey};
pub use timestamp::{DEFAULT_TIMESTAMP_TOLERANCE_SECS, check_timestamp};

/// Name of the query parameter that carries the signature; it is never part of what is signed.
pub const SIGNATURE_PARAM: &str = "signature";

/// Name of the query parameter that carries the request time, Unix seconds; it is signed.
pub const TIMESTAMP_PARAM: &str = "timestamp";

/// What every signature v2 starts with.
pub const SIGNATURE_PREFIX: &str = "v2.";

/// Length of the base64url part of a signature: 32 MAC bytes, no padding.
pub const SIGNATURE_BASE64_LEN: usize = 43;

/// Length of a whole signature, `v2.` included. [`SigningKey::verify`] rejects any other
/// length before decoding, which bounds the work an incoming signature can cause.
pub const SIGNATURE_LEN: usize = SIGNATURE_PREFIX.len() + SIGNATURE_BASE64_LEN;
