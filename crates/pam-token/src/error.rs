//! Everything that can go wrong while reading or verifying a token.

/// Why a token string was refused.
///
/// Every variant but [`Error::SignatureMismatch`] describes untrusted input that is not a
/// well-formed PAM v3 token; the messages say what was wrong and where (a character position
/// in the string, or a byte offset in the decoded CBOR), and never repeat the token itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The string is empty.
    #[error("token is empty")]
    Empty,

    /// The string is longer than [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN).
    #[error("token is {found} characters long; the limit is {limit}")]
    TooLong {
        /// The limit.
        limit: usize,
        /// The string's length.
        found: usize,
    },

    /// The decoded bytes given to a CBOR entry point are longer than
    /// [`MAX_CBOR_LEN`](crate::MAX_CBOR_LEN).
    #[error("token CBOR is {found} bytes long; the limit is {limit}")]
    CborTooLong {
        /// The limit.
        limit: usize,
        /// The bytes' length.
        found: usize,
    },

    /// The string is not base64url (nor standard base64).
    #[error("token is not valid base64url: {reason}")]
    InvalidBase64 {
        /// Character position of the problem, when there is one.
        position: Option<usize>,
        /// What is wrong, including the position.
        reason: String,
    },

    /// The decoded bytes are not well-formed CBOR.
    #[error("malformed CBOR at byte {offset}: expected {expected}, found {found}")]
    Cbor {
        /// Byte offset in the decoded token.
        offset: usize,
        /// What the reader needed there.
        expected: &'static str,
        /// What it found.
        found: String,
    },

    /// Well-formed CBOR that this reader does not accept (indefinite lengths, tags, simple
    /// values other than false, true and null).
    #[error("unsupported CBOR at byte {offset}: {what}")]
    Unsupported {
        /// Byte offset in the decoded token.
        offset: usize,
        /// What was found.
        what: String,
    },

    /// A required top-level field is absent.
    #[error("token has no `{field}` field")]
    MissingField {
        /// The CBOR key: `v`, `t`, `ttl`, `res`, `pat` or `sig`.
        field: &'static str,
    },

    /// A field holds a value of the wrong CBOR type.
    #[error("`{field}` at byte {offset} must be {expected}, found {found}")]
    WrongType {
        /// Where the value is, e.g. `ttl`, `res.chan`, `res.chan."my-channel"`, `meta` key.
        field: String,
        /// The type it must have.
        expected: &'static str,
        /// The CBOR type it has.
        found: &'static str,
        /// Byte offset of the value in the decoded token.
        offset: usize,
    },

    /// An integer field is outside the range this format allows.
    #[error("`{field}` is {found}, larger than the maximum {max}")]
    OutOfRange {
        /// Where the value is.
        field: String,
        /// Its value.
        found: u64,
        /// The largest value allowed there.
        max: u64,
    },

    /// A text string is not UTF-8.
    #[error("`{field}` at byte {offset} is not valid UTF-8")]
    InvalidUtf8 {
        /// Where the string is.
        field: String,
        /// Byte offset of the string in the decoded token.
        offset: usize,
    },

    /// The same key occurs twice in one map.
    #[error("`{field}` has the key {key} twice")]
    DuplicateKey {
        /// The map, e.g. `token`, `res`, `pat.chan`, `meta`.
        field: String,
        /// The repeated key (quoted, shortened when long).
        key: String,
    },

    /// The token's version is not 2 (PAM v3 tokens are version 2).
    #[error("token version is {found}; only version 2 is supported")]
    UnsupportedVersion {
        /// The version found.
        found: u64,
    },

    /// Bytes follow the token's CBOR map.
    #[error("{count} unexpected bytes follow the token's CBOR map (from byte {offset})")]
    TrailingBytes {
        /// How many bytes.
        count: usize,
        /// Where the map ended.
        offset: usize,
    },

    /// Containers are nested deeper than [`MAX_META_DEPTH`](crate::MAX_META_DEPTH).
    #[error("values are nested deeper than {limit} levels at byte {offset}")]
    TooDeep {
        /// The limit.
        limit: usize,
        /// Byte offset of the container that is one level too deep.
        offset: usize,
    },

    /// The token holds more than [`MAX_ITEMS`](crate::MAX_ITEMS) CBOR items.
    #[error("token holds more than {limit} CBOR items")]
    TooManyItems {
        /// The limit.
        limit: usize,
    },

    /// `sig` is not 32 bytes long: such a token parses (SDK test fixtures have them), but it
    /// was not issued by PubNub or this crate and cannot be verified.
    #[error(
        "`sig` is {found} bytes long; an HMAC-SHA256 signature is 32, so this token cannot be verified"
    )]
    BadSignatureLength {
        /// Its length.
        found: usize,
    },

    /// The token is well formed, but its signature was not made with this secret key over these
    /// bytes (wrong key, altered token, or a token PubNub issued: see [`verify`](crate::verify)).
    #[error(
        "token signature does not match: it was not issued with this secret key, or it was altered"
    )]
    SignatureMismatch,
}

/// `text` quoted for an error message: at most 40 characters, escaped like Rust's `Debug`.
pub(crate) fn quote(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_shortens_and_escapes() {
        assert_eq!(quote("a\"b"), r#""a\"b""#);
        let long = "é".repeat(100);
        let quoted = quote(&long);
        assert!(quoted.ends_with('…'));
        assert_eq!(quoted.chars().filter(|c| *c == 'é').count(), 40);
    }

    #[test]
    fn messages_are_one_line() {
        let errors = [
            Error::TooLong {
                limit: 10,
                found: 20,
            },
            Error::WrongType {
                field: "ttl".into(),
                expected: "an unsigned integer",
                found: "text string",
                offset: 9,
            },
            Error::SignatureMismatch,
        ];
        for e in errors {
            assert!(!e.to_string().contains('\n'), "{e}");
        }
    }
}
