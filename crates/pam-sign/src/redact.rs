//! Redaction of credentials in request targets and URLs, for logs, errors and `Debug`.
//!
//! PubNub requests carry credentials in their query (`auth`, `signature`) and a revoke
//! carries the token itself in its path (`/v3/pam/{sub}/grant/{token}`). The client
//! (`pam-http`) and the emulator (`pam-emulator`) both print requests, so both redact through
//! this one module, with one placeholder, [`REDACTED`].
//!
//! A parameter counts as a credential by its name read the way a server could read it:
//! percent-decoded (`%61uth`), `+` as a space, and in any ASCII case (`AUTH`, `Signature`),
//! so a variant a server ignores today is still never printed.

use std::borrow::Cow;

/// What replaces a redacted value.
pub const REDACTED: &str = "<redacted>";

/// Names (lowercase) of the query parameters whose values are credentials.
pub const CREDENTIAL_PARAMETERS: [&str; 8] = [
    "auth",
    "auth_key",
    "authkey",
    "signature",
    "token",
    "secret",
    "secret_key",
    "secretkey",
];

/// Whether a query parameter named `name` (raw as sent, or already decoded) carries a
/// credential: its name, percent-decoded with `+` as a space, is one of
/// [`CREDENTIAL_PARAMETERS`] in any ASCII case.
///
/// ```
/// assert!(pam_sign::is_credential_parameter("auth"));
/// assert!(pam_sign::is_credential_parameter("AUTH"));
/// assert!(pam_sign::is_credential_parameter("Sign%61ture"));
/// assert!(!pam_sign::is_credential_parameter("uuid"));
/// ```
#[must_use]
pub fn is_credential_parameter(name: &str) -> bool {
    let decoded = decode_lossy(name);
    CREDENTIAL_PARAMETERS
        .iter()
        .any(|credential| decoded.eq_ignore_ascii_case(credential))
}

/// The request target `path?query` with every credential replaced by [`REDACTED`]: the value
/// of each parameter for which [`is_credential_parameter`] holds, and the token segment (and
/// anything after it) of a revoke path `/v3/pam/{sub}/grant/{token}`, its fixed segments
/// matched in any case. Everything else is kept as sent.
///
/// ```
/// let shown = pam_sign::redact_target(
///     "/v3/pam/sub-c-1/grant/qEF2AkF0GmB4",
///     "uuid=admin&signature=v2.abc&timestamp=1&AUTH=tok",
/// );
/// assert_eq!(
///     shown,
///     "/v3/pam/sub-c-1/grant/<redacted>?uuid=admin&signature=<redacted>&timestamp=1&AUTH=<redacted>"
/// );
/// ```
#[must_use]
pub fn redact_target(path: &str, query: &str) -> String {
    let mut out = String::with_capacity(path.len() + query.len() + 1);
    push_redacted_path(path, &mut out);
    if !query.is_empty() {
        out.push('?');
        push_redacted_query(query, &mut out);
    }
    out
}

/// A whole URL (`scheme://host/path?query`, or a bare target) with its credentials
/// redacted as [`redact_target`] does; a `#fragment` is dropped.
///
/// ```
/// assert_eq!(
///     pam_sign::redact_url("https://ps.pndsn.com/time/0?uuid=me&auth=p0F2AkF0Gm"),
///     "https://ps.pndsn.com/time/0?uuid=me&auth=<redacted>"
/// );
/// ```
#[must_use]
pub fn redact_url(url: &str) -> String {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    let (before_query, query) = url.split_once('?').unwrap_or((url, ""));
    let path_start = match before_query.find("://") {
        Some(scheme_end) => before_query[scheme_end + 3..]
            .find('/')
            .map_or(before_query.len(), |at| scheme_end + 3 + at),
        None => 0,
    };
    let (origin, path) = before_query.split_at(path_start);
    let mut out = String::with_capacity(url.len());
    out.push_str(origin);
    out.push_str(&redact_target(path, query));
    if query.is_empty() && url.ends_with('?') {
        out.push('?');
    }
    out
}

fn push_redacted_path(path: &str, out: &mut String) {
    let segments: Vec<&str> = path.split('/').collect();
    let is_fixed = |index: usize, expected: &str| {
        segments
            .get(index)
            .is_some_and(|segment| decode_lossy(segment).eq_ignore_ascii_case(expected))
    };
    let is_revoke = segments.len() >= 6
        && segments[0].is_empty()
        && is_fixed(1, "v3")
        && is_fixed(2, "pam")
        && is_fixed(4, "grant");
    if is_revoke {
        out.push_str(&segments[..5].join("/"));
        out.push('/');
        out.push_str(REDACTED);
    } else {
        out.push_str(path);
    }
}

fn push_redacted_query(query: &str, out: &mut String) {
    for (index, piece) in query.split('&').enumerate() {
        if index > 0 {
            out.push('&');
        }
        match piece.split_once('=') {
            Some((name, _)) if is_credential_parameter(name) => {
                out.push_str(name);
                out.push('=');
                out.push_str(REDACTED);
            }
            _ => out.push_str(piece),
        }
    }
}

/// `text` percent-decoded with `+` as a space; a bad escape or non-UTF-8 byte is kept as
/// is (lossy), which is enough to recognise a name.
fn decode_lossy(text: &str) -> Cow<'_, str> {
    if !text.contains(['%', '+']) {
        return Cow::Borrowed(text);
    }
    let spaced = text.replace('+', " ");
    Cow::Owned(
        percent_encoding::percent_decode_str(&spaced)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_credentials_in_any_case_and_encoding() {
        assert_eq!(
            redact_target(
                "/time/0",
                "%61uth=t1&a%75th=t2&sign%61ture=v2.x&AUTH=t3&Auth=t4&au+th=kept&token=t5\
                 &secret_key=s&uuid=u&auth"
            ),
            "/time/0?%61uth=<redacted>&a%75th=<redacted>&sign%61ture=<redacted>\
             &AUTH=<redacted>&Auth=<redacted>&au+th=kept&token=<redacted>\
             &secret_key=<redacted>&uuid=u&auth"
        );
    }

    #[test]
    fn redacts_revoke_tokens_and_what_follows() {
        assert_eq!(
            redact_target("/v3/pam/s/grant/tok/more", ""),
            "/v3/pam/s/grant/<redacted>"
        );
        assert_eq!(
            redact_target("/V3/PAM/s/Gr%61nt/tok", ""),
            "/V3/PAM/s/Gr%61nt/<redacted>"
        );
        assert_eq!(
            redact_target("/v3/pam/s/grant", "a=1"),
            "/v3/pam/s/grant?a=1"
        );
        assert_eq!(
            redact_target("/publish/p/s/0/grant/0/tok", ""),
            "/publish/p/s/0/grant/0/tok"
        );
    }

    #[test]
    fn urls_keep_their_origin() {
        assert_eq!(
            redact_url("https://h/v3/pam/sub/grant/qEF2%3D%3D?signature=v2.a&uuid=u#f"),
            "https://h/v3/pam/sub/grant/<redacted>?signature=<redacted>&uuid=u"
        );
        assert_eq!(redact_url("http://h"), "http://h");
        assert_eq!(redact_url("/time/0?auth=x"), "/time/0?auth=<redacted>");
    }

    #[test]
    fn bad_escapes_do_not_hide_a_name() {
        assert!(is_credential_parameter("auth"));
        assert!(!is_credential_parameter("auth%zz"));
        assert!(!is_credential_parameter("%FF"));
    }
}
