//! What a client is configured with, and the checks made before it is built.

use std::fmt;
use std::time::Duration;

use crate::RetryPolicy;
use crate::misuse::Misuse;
use crate::token_provider::{SharedTokenProvider, TokenRefreshPolicy};

/// PubNub's production origin.
pub const DEFAULT_ORIGIN: &str = "https://ps.pndsn.com";

/// The default limit for establishing a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The default limit for one whole attempt: connecting, sending and reading the response.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest user id accepted, in bytes (PubNub's limit is 92 characters; this leaves room
/// for multi-byte ones).
pub const MAX_USER_ID_BYTES: usize = 368;

/// The longest origin accepted, in bytes.
pub const MAX_ORIGIN_BYTES: usize = 2048;

/// The keys of a PubNub keyset.
///
/// The subscribe key is always needed; the publish key to publish; the secret key (server
/// side only) to grant and revoke tokens, and with it every request is signed. `Debug` never
/// shows the secret key.
///
/// ```
/// let keyset = pam_http::Keyset {
///     subscribe_key: "sub-c-1".into(),
///     publish_key: Some("pub-c-1".into()),
///     secret_key: Some("sec-c-1".into()),
/// };
/// assert!(!format!("{keyset:?}").contains("sec-c-1"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Keyset {
    /// The subscribe key (`sub-c-…`).
    pub subscribe_key: String,
    /// The publish key (`pub-c-…`), needed to publish and to sign.
    pub publish_key: Option<String>,
    /// The secret key (`sec-c-…`): grants and revokes, signs requests. Keep it on servers.
    pub secret_key: Option<String>,
}

impl fmt::Debug for Keyset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyset")
            .field("subscribe_key", &self.subscribe_key)
            .field("publish_key", &self.publish_key)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| crate::redact::REDACTED),
            )
            .finish()
    }
}

impl Keyset {
    /// Checks the keys: a non-empty subscribe key, a publish key whenever there is a secret
    /// key, and no key with a character that cannot go in a URL path.
    ///
    /// # Errors
    ///
    /// [`Misuse::EmptySubscribeKey`], [`Misuse::SecretKeyWithoutPublishKey`] or
    /// [`Misuse::InvalidKey`].
    pub fn validate(&self) -> Result<(), Misuse> {
        if self.subscribe_key.trim().is_empty() {
            return Err(Misuse::EmptySubscribeKey);
        }
        let publish_key = self.publish_key.as_deref().filter(|k| !k.is_empty());
        if self.secret_key.as_deref().is_some_and(|k| !k.is_empty()) && publish_key.is_none() {
            return Err(Misuse::SecretKeyWithoutPublishKey);
        }
        for (key, value) in [
            ("subscribe key", Some(self.subscribe_key.as_str())),
            ("publish key", publish_key),
        ] {
            if let Some(position) = value.and_then(bad_key_char) {
                return Err(Misuse::InvalidKey { key, position });
            }
        }
        Ok(())
    }
}

/// The first byte of a key that is not visible ASCII or is `/ ? # %`.
fn bad_key_char(key: &str) -> Option<usize> {
    key.bytes()
        .position(|b| !b.is_ascii_graphic() || matches!(b, b'/' | b'?' | b'#' | b'%'))
}

/// Everything a [`crate::Client`] is built from.
///
/// ```
/// use std::time::Duration;
/// use pam_http::{ClientConfig, Keyset};
///
/// let mut config = ClientConfig::new(
///     Keyset { subscribe_key: "sub-c-1".into(), ..Keyset::default() },
///     "client-7",
/// );
/// config.origin = "http://127.0.0.1:8090".into();
/// config.request_timeout = Duration::from_secs(3);
/// let client = pam_http::Client::new(config)?;
/// assert_eq!(client.origin(), "http://127.0.0.1:8090");
/// # Ok::<(), pam_http::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The keyset.
    pub keyset: Keyset,
    /// Who this client is: sent as `uuid` on every request.
    pub user_id: String,
    /// Where requests go: `https://host[:port]` or `http://host[:port]`, no path
    /// (default [`DEFAULT_ORIGIN`]).
    pub origin: String,
    /// Limit for establishing a connection (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub connect_timeout: Duration,
    /// Limit for one attempt, from connecting to the end of the response (default
    /// [`DEFAULT_REQUEST_TIMEOUT`]).
    pub request_timeout: Duration,
    /// How failed requests are retried.
    pub retry: RetryPolicy,
    /// Seconds added to the system clock, to test how the client copes with a wrong clock
    /// (it should notice the server's refusal and correct itself). Leave at 0 otherwise.
    pub clock_skew_for_testing: i64,
    /// Where fresh tokens come from; with one, the client keeps its token valid on its own
    /// (see [`crate::Client`], "Token lifecycle"). Default none.
    pub token_provider: Option<SharedTokenProvider>,
    /// When the provider is called, and how often it is retried.
    pub token_refresh: TokenRefreshPolicy,
    /// Whether a request whose token is known to be expired, or restricted to another user
    /// id, fails with [`crate::Error::TokenNotSent`] instead of being sent (default true).
    /// Conformance tools that want the server's own answer to such a token turn it off.
    pub check_token_before_sending: bool,
}

impl ClientConfig {
    /// A configuration with the default origin, timeouts and retries.
    pub fn new(keyset: Keyset, user_id: impl Into<String>) -> Self {
        ClientConfig {
            keyset,
            user_id: user_id.into(),
            origin: DEFAULT_ORIGIN.to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry: RetryPolicy::default(),
            clock_skew_for_testing: 0,
            token_provider: None,
            token_refresh: TokenRefreshPolicy::default(),
            check_token_before_sending: true,
        }
    }

    /// Checks the configuration and returns the normalized origin (no trailing `/`).
    pub(crate) fn validate(&self) -> Result<String, Misuse> {
        self.keyset.validate()?;
        if self.user_id.trim().is_empty() {
            return Err(Misuse::EmptyUserId);
        }
        if self.user_id.len() > MAX_USER_ID_BYTES {
            return Err(Misuse::UserIdTooLong {
                found: self.user_id.len(),
                limit: MAX_USER_ID_BYTES,
            });
        }
        normalize_origin(&self.origin)
    }
}

/// Checks that `origin` is `http(s)://host[:port]` with at most a trailing `/`, and returns it
/// without the slash.
fn normalize_origin(origin: &str) -> Result<String, Misuse> {
    let invalid = |problem: &str| Misuse::InvalidOrigin {
        origin: shown_origin(origin),
        problem: problem.to_owned(),
    };
    if origin.len() > MAX_ORIGIN_BYTES {
        return Err(invalid(&format!(
            "it has {} bytes; at most {MAX_ORIGIN_BYTES} are accepted",
            origin.len()
        )));
    }
    let trimmed = origin.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed).map_err(|e| {
        invalid(&format!(
            "not a URL ({e}); expected e.g. https://ps.pndsn.com"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(&format!(
            "the scheme is `{}`; only http and https are supported",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it names no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it carries credentials (user:password@); remove them",
        ));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "it has a path, query or fragment; give only scheme, host and port",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// The origin as an error may show it: cut short, and hidden when it holds credentials.
fn shown_origin(origin: &str) -> String {
    const MAX_SHOWN: usize = 100;
    if origin.contains('@') {
        return String::from("<redacted: it contains `@`>");
    }
    let mut shown: String = origin.chars().take(MAX_SHOWN).collect();
    if shown.len() < origin.len() {
        shown.push('…');
    }
    format!("{shown:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyset(publish: Option<&str>, secret: Option<&str>) -> Keyset {
        Keyset {
            subscribe_key: "sub-c-1".into(),
            publish_key: publish.map(Into::into),
            secret_key: secret.map(Into::into),
        }
    }

    #[test]
    fn secret_without_publish_key_is_refused() {
        assert!(matches!(
            keyset(None, Some("sec")).validate(),
            Err(Misuse::SecretKeyWithoutPublishKey)
        ));
        assert!(matches!(
            keyset(Some(""), Some("sec")).validate(),
            Err(Misuse::SecretKeyWithoutPublishKey)
        ));
        assert!(keyset(Some("pub"), Some("sec")).validate().is_ok());
        assert!(keyset(None, None).validate().is_ok());
    }

    #[test]
    fn keys_must_fit_in_paths() {
        let mut bad = keyset(Some("pub/x"), None);
        assert!(matches!(
            bad.validate(),
            Err(Misuse::InvalidKey {
                key: "publish key",
                position: 3
            })
        ));
        bad.subscribe_key = "  ".into();
        assert!(matches!(bad.validate(), Err(Misuse::EmptySubscribeKey)));
    }

    #[test]
    fn user_id_must_not_be_blank() {
        let config = ClientConfig::new(keyset(None, None), " ");
        assert!(matches!(config.validate(), Err(Misuse::EmptyUserId)));
        let long = ClientConfig::new(keyset(None, None), "u".repeat(MAX_USER_ID_BYTES + 1));
        assert!(matches!(long.validate(), Err(Misuse::UserIdTooLong { .. })));
    }

    #[test]
    fn origins_are_normalized_or_refused_with_a_reason() {
        assert_eq!(
            normalize_origin("http://127.0.0.1:8090/").ok().as_deref(),
            Some("http://127.0.0.1:8090")
        );
        assert_eq!(
            normalize_origin(DEFAULT_ORIGIN).ok().as_deref(),
            Some(DEFAULT_ORIGIN)
        );
        for (bad, says) in [
            ("ps.pndsn.com", "not a URL"),
            ("ftp://h", "scheme is `ftp`"),
            ("https://h/v3", "path"),
            ("https://h?x=1", "path, query"),
        ] {
            let message = normalize_origin(bad).unwrap_err().to_string();
            assert!(message.contains(says), "{bad}: {message}");
        }
        let message = normalize_origin("https://user:sec@h")
            .unwrap_err()
            .to_string();
        assert!(message.contains("credentials"), "{message}");
        assert!(!message.contains("sec"), "{message}");
    }

    #[test]
    fn debug_hides_the_secret() {
        let shown = format!("{:?}", keyset(Some("pub"), Some("sec-c-very-secret")));
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}
