//! Percent-encoding of query values, query keys and path segments.
//!
//! PubNub's signature v2 leaves only `A-Z a-z 0-9 - _ .` literal and writes every other byte of
//! the UTF-8 text as `%XY` with uppercase hex digits (so a space is `%20`, never `+`). The same
//! rule encodes a path segment such as the token in a revoke request, so
//! [`encode_path_segment`] is this very function under the name a caller building a path looks
//! for.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, PercentEncode, utf8_percent_encode};

/// The bytes that are escaped: every one but `A-Z a-z 0-9 - _ .` (bytes past ASCII always
/// are). `percent-encoding` writes escapes with uppercase hex digits.
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

/// Somewhere encoded text can be written: a `String`, a `Vec<u8>` or a running HMAC.
///
/// Writing through this trait lets the signer feed the canonical query straight into the MAC
/// instead of building it as a string first, while [`crate::canonical_query`] and
/// [`crate::string_to_sign`] produce the very same bytes through the same code.
pub(crate) trait Sink {
    /// Appends text.
    fn put(&mut self, text: &str);
}

impl Sink for String {
    fn put(&mut self, text: &str) {
        self.push_str(text);
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, text: &str) {
        self.extend_from_slice(text.as_bytes());
    }
}

/// `value` percent-encoded, as pieces: runs of literal text and `%XY` escapes.
fn pieces(value: &str) -> PercentEncode<'_> {
    utf8_percent_encode(value, ESCAPED)
}

/// Writes `value` percent-encoded into `sink`, copying runs of literal bytes in one piece.
pub(crate) fn encode_to<S: Sink + ?Sized>(value: &str, sink: &mut S) {
    for piece in pieces(value) {
        sink.put(piece);
    }
}

/// The length of `value` once percent-encoded, without building it.
pub(crate) fn encoded_len(value: &str) -> usize {
    pieces(value).map(str::len).sum()
}

/// Percent-encodes `value` for a query string, as signature v2 requires.
///
/// The UTF-8 bytes of `value` are kept as they are when they are `A-Z a-z 0-9 - _ .` and
/// written as `%XY` (uppercase hex) otherwise; a space becomes `%20`. The encoding is
/// injective, and its output never contains `&` or `=`.
///
/// ```
/// assert_eq!(pam_sign::percent_encode("£13.37 a/b"), "%C2%A313.37%20a%2Fb");
/// ```
#[must_use]
pub fn percent_encode(value: &str) -> String {
    let mut encoded = String::with_capacity(encoded_len(value));
    encode_to(value, &mut encoded);
    encoded
}

/// Appends `value`, percent-encoded as by [`percent_encode`], to `out` without allocating a
/// separate string.
///
/// ```
/// let mut url = String::from("/v3/pam/sub-key/grant/");
/// pam_sign::percent_encode_into("a b", &mut url);
/// assert_eq!(url, "/v3/pam/sub-key/grant/a%20b");
/// ```
pub fn percent_encode_into(value: &str, out: &mut String) {
    out.reserve(encoded_len(value));
    encode_to(value, out);
}

/// Percent-encodes one path segment, such as the token in
/// `DELETE /v3/pam/{sub_key}/grant/{token}`.
///
/// PubNub encodes path segments exactly as query values (`/`, `=`, `+` and space all escaped;
/// the revoke vectors confirm it), so this returns the same as [`percent_encode`]; it exists so
/// that code building a path says what it is doing.
///
/// ```
/// assert_eq!(pam_sign::encode_path_segment("qEF2==/+ x"), "qEF2%3D%3D%2F%2B%20x");
/// ```
#[must_use]
pub fn encode_path_segment(segment: &str) -> String {
    percent_encode(segment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_set_is_exactly_the_unreserved_subset() {
        let literal: String = (0u8..=127)
            .map(char::from)
            .filter(|c| percent_encode(&c.to_string()).len() == 1)
            .collect();
        assert_eq!(
            literal,
            "-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
        );
    }

    #[test]
    fn escapes_reserved_and_tilde_with_uppercase_hex() {
        assert_eq!(percent_encode("~*'()!"), "%7E%2A%27%28%29%21");
        assert_eq!(percent_encode("\u{7f}\u{0}"), "%7F%00");
        assert_eq!(percent_encode("ü"), "%C3%BC");
        assert_eq!(percent_encode("💩"), "%F0%9F%92%A9");
        assert_eq!(percent_encode(""), "");
    }

    #[test]
    fn runs_around_multibyte_characters_stay_intact() {
        assert_eq!(percent_encode("ab£cd"), "ab%C2%A3cd");
        assert_eq!(percent_encode("££"), "%C2%A3%C2%A3");
        assert_eq!(percent_encode("x£"), "x%C2%A3");
    }

    #[test]
    fn encoded_len_matches_output() {
        for value in ["", "plain", "a b", "£13.37", "💩 test", "%%%"] {
            assert_eq!(encoded_len(value), percent_encode(value).len(), "{value:?}");
        }
    }

    #[test]
    fn encode_into_appends() {
        let mut out = String::from("k=");
        percent_encode_into("v w", &mut out);
        assert_eq!(out, "k=v%20w");
    }

    #[test]
    fn byte_sink_matches_string_sink() {
        let mut bytes = Vec::new();
        encode_to("a b/£", &mut bytes);
        assert_eq!(bytes, percent_encode("a b/£").into_bytes());
    }
}
