//! Redaction of request targets for logs: PubNub URLs carry credentials in their query
//! (`auth`, `signature`) and revoke paths carry the token itself.

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Query parameters whose values are credentials.
const SECRET_PARAMETERS: [&str; 3] = ["auth", "signature", "token"];

/// The request target (`path?query`) with the values of `auth`, `signature` and `token`
/// (keys read as the server reads them, so `%61uth` counts) replaced by [`REDACTED`], and with the token segment of a revoke path
/// (`/v3/pam/{sub}/grant/{token}`) replaced too. Everything else is kept as sent.
///
/// ```
/// let shown = pam_emulator::redact_target(
///     "/v3/pam/sub-c-1/grant/qEF2AkF0GmB4",
///     "uuid=admin&signature=v2.abc&timestamp=1",
/// );
/// assert_eq!(
///     shown,
///     "/v3/pam/sub-c-1/grant/[redacted]?uuid=admin&signature=[redacted]&timestamp=1"
/// );
/// ```
#[must_use]
pub fn redact_target(path: &str, query: &str) -> String {
    let mut out = String::with_capacity(path.len() + query.len() + 1);
    let segments: Vec<&str> = path.split('/').collect();
    let is_revoke_path = segments.len() >= 6
        && segments[0].is_empty()
        && segments[1] == "v3"
        && segments[2] == "pam"
        && segments[4] == "grant";
    if is_revoke_path {
        out.push_str(&segments[..5].join("/"));
        out.push('/');
        out.push_str(REDACTED);
    } else {
        out.push_str(path);
    }
    if !query.is_empty() {
        out.push('?');
        for (index, piece) in query.split('&').enumerate() {
            if index > 0 {
                out.push('&');
            }
            match piece.split_once('=') {
                Some((key, _)) if is_secret_parameter(key) => {
                    out.push_str(key);
                    out.push('=');
                    out.push_str(REDACTED);
                }
                _ => out.push_str(piece),
            }
        }
    }
    out
}

/// Whether the raw query key `key` names a credential, read as the server reads keys (so an
/// encoded `%61uth` is `auth` too).
fn is_secret_parameter(key: &str) -> bool {
    SECRET_PARAMETERS.contains(&key)
        || crate::request::percent_decode(key, true)
            .is_ok_and(|decoded| SECRET_PARAMETERS.contains(&decoded.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_auth_anywhere_and_keeps_the_rest() {
        assert_eq!(
            redact_target("/publish/p/s/0/ch/0/%22hi%22", "auth=tok&uuid=u&auth=again"),
            "/publish/p/s/0/ch/0/%22hi%22?auth=[redacted]&uuid=u&auth=[redacted]"
        );
        assert_eq!(redact_target("/time/0", ""), "/time/0");
        assert_eq!(
            redact_target("/v3/pam/s/grant", "signature=x"),
            "/v3/pam/s/grant?signature=[redacted]"
        );
    }

    #[test]
    fn redacts_credentials_whose_key_is_percent_encoded() {
        // The server decodes `%61uth` to `auth` and uses its value as the token.
        assert_eq!(
            redact_target(
                "/time/0",
                "%61uth=tok&a%75th=t2&sign%61ture=v2.x&au+th=kept"
            ),
            "/time/0?%61uth=[redacted]&a%75th=[redacted]&sign%61ture=[redacted]&au+th=kept"
        );
    }

    #[test]
    fn redacts_extra_segments_after_a_revoke_token() {
        assert_eq!(
            redact_target("/v3/pam/s/grant/tok/more", ""),
            "/v3/pam/s/grant/[redacted]"
        );
    }
}
