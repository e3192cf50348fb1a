//! URLs that are safe to print.
//!
//! PubNub URLs carry credentials: `auth` (the token) and `signature` in the query, and the
//! token itself in a revoke path. Errors, `Debug` output and logs only ever see a
//! [`RedactedUrl`], built from the request's parts with those values replaced.

use std::fmt;

/// What replaces a secret value: the placeholder shared with the emulator.
pub(crate) use pam_sign::REDACTED;

/// The longest URL an error or log line shows, in characters; longer ones (a publish with a
/// large message) are cut and end with `…`.
pub const MAX_SHOWN_URL_CHARS: usize = 300;

/// A request URL with every credential (`auth`, `signature`, a revoke path's token, in any
/// case or encoding; see [`pam_sign::redact_url`]) replaced by `<redacted>`, cut to
/// [`MAX_SHOWN_URL_CHARS`].
///
/// ```
/// let url = pam_http::RedactedUrl::from_url_text(
///     "https://ps.pndsn.com/time/0?uuid=me&auth=p0F2AkF0Gm&signature=v2.abc",
/// );
/// assert_eq!(
///     url.to_string(),
///     "https://ps.pndsn.com/time/0?uuid=me&auth=<redacted>&signature=<redacted>"
/// );
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RedactedUrl(String);

impl RedactedUrl {
    /// Builds the shown URL from an origin, a path already redacted where it holds a token,
    /// and the query exactly as sent (already percent-encoded, so it is not encoded twice).
    pub(crate) fn from_parts(origin: &str, redacted_path: &str, encoded_query: &str) -> Self {
        let mut text = String::from(origin);
        text.push_str(&pam_sign::redact_target(redacted_path, encoded_query));
        RedactedUrl(cut(text))
    }

    /// Redacts a URL given as text: every credential in its query and the token segment of
    /// a revoke path (see [`pam_sign::redact_url`]).
    #[must_use]
    pub fn from_url_text(url: &str) -> Self {
        RedactedUrl(cut(pam_sign::redact_url(url)))
    }
    /// The redacted text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn cut(mut text: String) -> String {
    if let Some((byte, _)) = text.char_indices().nth(MAX_SHOWN_URL_CHARS) {
        text.truncate(byte);
        text.push('…');
    }
    text
}

impl fmt::Display for RedactedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RedactedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_redact_credentials_only() {
        let url = RedactedUrl::from_parts(
            "http://127.0.0.1:9",
            "/publish/p/s/0/c/0/%22hi%22",
            &pam_sign::encode_query(&[
                ("uuid", "me you"),
                ("auth", "p0F2AkF0"),
                ("timestamp", "1"),
                ("signature", "v2.xyz"),
            ]),
        );
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/publish/p/s/0/c/0/%22hi%22?uuid=me%20you&auth=<redacted>\
             &timestamp=1&signature=<redacted>"
        );
    }

    #[test]
    fn text_redacts_revoke_token_and_query() {
        let url = RedactedUrl::from_url_text(
            "https://h/v3/pam/sub/grant/qEF2AkF0Gm%3D%3D?signature=v2.a&uuid=u",
        );
        assert_eq!(
            url.as_str(),
            "https://h/v3/pam/sub/grant/<redacted>?signature=<redacted>&uuid=u"
        );
        let grant = RedactedUrl::from_url_text("https://h/v3/pam/sub/grant?auth=x");
        assert_eq!(grant.as_str(), "https://h/v3/pam/sub/grant?auth=<redacted>");
    }

    #[test]
    fn long_urls_are_cut() {
        let long = format!("https://h/{}", "a".repeat(1000));
        let url = RedactedUrl::from_url_text(&long);
        assert_eq!(url.as_str().chars().count(), MAX_SHOWN_URL_CHARS + 1);
        assert!(url.as_str().ends_with('…'));
    }
}
