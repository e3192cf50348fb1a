//! Where a client gets fresh tokens, when it asks, and what it tells the application.
//!
//! A [`TokenProvider`] is the application's own way of obtaining a token, typically a call to
//! its server, which grants one with its secret key. A client built with one keeps its token
//! valid on its own: see [`crate::Client`] ("Token lifecycle") for the rules.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::error::Cause;
use crate::retry::doubling_backoff_cap;

/// The future a [`TokenProvider`] returns.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<String, Cause>> + Send + 'a>>;

/// A source of fresh tokens, called by the client ahead of expiry, when its token is expired
/// or revoked, and when it has none yet.
///
/// Any `Fn() -> impl Future<Output = Result<String, E>>` closure is a provider (`E` any error,
/// or a `String`); implement the trait on a type of your own when you prefer:
///
/// ```
/// use pam_http::{TokenFuture, TokenProvider};
///
/// struct FromMyServer {
///     url: String,
/// }
///
/// impl TokenProvider for FromMyServer {
///     fn fetch_token(&self) -> TokenFuture<'_> {
///         Box::pin(async move {
///             // Ask `self.url` for a token here.
///             Err(format!("{} is not reachable in this example", self.url).into())
///         })
///     }
/// }
///
/// // The same as a closure:
/// fn takes(_: impl TokenProvider) {}
/// takes(|| async { Ok::<_, std::io::Error>("token".to_owned()) });
/// takes(FromMyServer { url: "https://example.com/token".into() });
/// ```
///
/// The client calls it at most once at a time, retries it within
/// [`TokenRefreshPolicy::max_attempts`], and never shows what it returns or the text of its
/// errors in a log line (the error is kept as the `source()` of
/// [`crate::Error::TokenRefreshFailed`]).
pub trait TokenProvider: Send + Sync + 'static {
    /// Obtains a fresh token.
    fn fetch_token(&self) -> TokenFuture<'_>;
}

impl<F, Fut, E> TokenProvider for F
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, E>> + Send + 'static,
    E: Into<Cause>,
{
    fn fetch_token(&self) -> TokenFuture<'_> {
        let future = self();
        Box::pin(async move { future.await.map_err(Into::into) })
    }
}

/// A [`TokenProvider`] shared by a client and its clones.
#[derive(Clone)]
pub struct SharedTokenProvider(pub(crate) Arc<dyn TokenProvider>);

impl SharedTokenProvider {
    /// Wraps `provider`.
    pub fn new(provider: impl TokenProvider) -> Self {
        SharedTokenProvider(Arc::new(provider))
    }
}

impl fmt::Debug for SharedTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenProvider")
    }
}

/// When a client with a [`TokenProvider`] refreshes its token, and how hard it tries.
///
/// A token issued at `t` for `ttl` minutes lives `L = ttl * 60` seconds. The client refreshes
/// it at `min(t + refresh_at * L, t + L - min_margin)`, moved earlier by a random part of
/// `jitter * L` (so that many clients given tokens together do not refresh together), and
/// never before `t`. With the defaults a 1-minute token is refreshed between 42 s and 48 s
/// after it was issued, a 60-minute token between 42 and 48 minutes.
///
/// ```
/// use std::time::Duration;
/// use pam_http::TokenRefreshPolicy;
///
/// let policy = TokenRefreshPolicy::default()
///     .with_refresh_at(0.5)
///     .with_min_margin(Duration::from_secs(60));
/// assert_eq!(policy.refresh_at, 0.5);
/// assert_eq!(policy.max_attempts, 3);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TokenRefreshPolicy {
    /// The fraction of a token's lifetime after which it is refreshed (0 to 1; default 0.8).
    pub refresh_at: f64,
    /// The largest fraction of the lifetime the refresh is moved earlier by, at random
    /// (0 to 1; default 0.1).
    pub jitter: f64,
    /// The refresh happens at least this long before expiry (default 10 s).
    pub min_margin: Duration,
    /// Calls of the provider per refresh, the first included (default 3; `0` counts as 1).
    pub max_attempts: u32,
    /// The cap of the first random wait between calls (default 200 ms; it doubles, full
    /// jitter, up to [`TokenRefreshPolicy::max_backoff`]).
    pub initial_backoff: Duration,
    /// The largest cap of a wait between calls (default 5 s).
    pub max_backoff: Duration,
    /// The longest one call of the provider may take (default 30 s); a call that takes longer
    /// counts as failed.
    pub call_timeout: Duration,
    /// After a refresh failed, requests that need a new token get that failure without a new
    /// call of the provider for this long (default 5 s), so a broken provider is not hammered.
    pub failure_cooldown: Duration,
}

impl Default for TokenRefreshPolicy {
    fn default() -> Self {
        TokenRefreshPolicy {
            refresh_at: 0.8,
            jitter: 0.1,
            min_margin: Duration::from_secs(10),
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            call_timeout: Duration::from_secs(30),
            failure_cooldown: Duration::from_secs(5),
        }
    }
}

impl TokenRefreshPolicy {
    /// The same policy refreshing at `fraction` of the lifetime (clamped to 0..=1).
    #[must_use]
    pub fn with_refresh_at(mut self, fraction: f64) -> Self {
        self.refresh_at = fraction;
        self
    }

    /// The same policy with `fraction` of the lifetime as jitter (clamped to 0..=1).
    #[must_use]
    pub fn with_jitter(mut self, fraction: f64) -> Self {
        self.jitter = fraction;
        self
    }

    /// The same policy refreshing at least `margin` before expiry.
    #[must_use]
    pub fn with_min_margin(mut self, margin: Duration) -> Self {
        self.min_margin = margin;
        self
    }

    /// The same policy calling the provider at most `max_attempts` times per refresh.
    #[must_use]
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// The same policy with these caps for the waits between calls.
    #[must_use]
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// The same policy with this limit for one call of the provider.
    #[must_use]
    pub fn with_call_timeout(mut self, limit: Duration) -> Self {
        self.call_timeout = limit;
        self
    }

    /// The same policy with this cooldown after a failed refresh.
    #[must_use]
    pub fn with_failure_cooldown(mut self, cooldown: Duration) -> Self {
        self.failure_cooldown = cooldown;
        self
    }

    /// When to refresh a token issued at `issued_ms` expiring at `expires_ms` (Unix
    /// milliseconds), given `random` in `0..=1` for the jitter.
    pub(crate) fn refresh_time_ms(&self, issued_ms: u64, expires_ms: u64, random: f64) -> u64 {
        let life = expires_ms.saturating_sub(issued_ms) as f64;
        let fraction = clamp_fraction(self.refresh_at);
        let jitter = clamp_fraction(self.jitter) * life * random.clamp(0.0, 1.0);
        let margin = u64::try_from(self.min_margin.as_millis()).unwrap_or(u64::MAX);
        let latest = expires_ms.saturating_sub(margin) as f64;
        let at = (issued_ms as f64 + fraction * life).min(latest) - jitter;
        // Float to integer casts saturate; never before the issue time.
        (at.max(issued_ms as f64)) as u64
    }

    /// Calls per refresh, at least one.
    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts.max(1)
    }

    /// The cap of the wait before call `retry_index + 2`.
    pub(crate) fn backoff_cap(&self, retry_index: u32) -> Duration {
        doubling_backoff_cap(self.initial_backoff, self.max_backoff, retry_index)
    }
}

fn clamp_fraction(value: f64) -> f64 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, 1.0)
    }
}

/// Where the token a client holds came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenOrigin {
    /// `set_token`.
    SetByApplication,
    /// The client's [`TokenProvider`].
    Provider,
}

/// Something that happened to a client's token. Never holds the token itself.
///
/// Subscribe with [`crate::Client::token_events`]; every event is also a `tracing` event of
/// target `pam_http::token`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenEvent {
    /// The provider gave a new token, now in use.
    Refreshed {
        /// Its expiry, Unix seconds.
        expires_at: u64,
        /// When the client plans to refresh it, Unix milliseconds.
        refresh_at_ms: u64,
        /// Calls of the provider this refresh took.
        attempts: u32,
    },
    /// A refresh failed after `attempts` calls of the provider.
    RefreshFailed {
        /// Calls of the provider made.
        attempts: u32,
        /// What failed, without the provider's own error text (which may hold anything).
        reason: String,
    },
    /// The token in use expired (by the client's clock, corrected by the server's) before a
    /// new one was in place.
    Expired {
        /// Its expiry, Unix seconds.
        expired_at: u64,
    },
    /// The application set (or cleared) the token.
    Replaced {
        /// The new token's expiry, when it parses; `None` when cleared or unparsable.
        expires_at: Option<u64>,
        /// Whether the client already knows the new token cannot work (expired, another
        /// user id, not a token).
        unusable: bool,
    },
}

/// What the client knows about its token, from parsing it offline.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenStatus {
    /// Where it came from.
    pub origin: TokenOrigin,
    /// Its expiry, Unix seconds; `None` when it does not parse as a PAM v3 token.
    pub expires_at: Option<u64>,
    /// The user id it is restricted to, if any.
    pub authorized_user_id: Option<String>,
    /// When a provider will refresh it, Unix milliseconds (`None` without a provider).
    pub refresh_at_ms: Option<u64>,
    /// Why the client will not send it, if it will not: it is expired, restricted to another
    /// user id, or not a token. Without a provider such a request fails with
    /// [`crate::Error::TokenNotSent`]; with one, the client refreshes first.
    pub problem: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_falls_in_the_window() {
        let policy = TokenRefreshPolicy::default();
        // A 1-minute token: 48 s at most, 42 s at least.
        assert_eq!(policy.refresh_time_ms(0, 60_000, 0.0), 48_000);
        assert_eq!(policy.refresh_time_ms(0, 60_000, 1.0), 42_000);
        // A 20-second lifetime: the margin (10 s) wins over 80 %.
        assert_eq!(policy.refresh_time_ms(0, 20_000, 0.0), 10_000);
        // Never before the issue time, whatever the settings.
        let odd = policy
            .clone()
            .with_refresh_at(f64::NAN)
            .with_jitter(7.0)
            .with_min_margin(Duration::from_secs(3600));
        assert_eq!(odd.refresh_time_ms(5_000, 65_000, 1.0), 5_000);
    }

    #[test]
    fn backoff_caps_double_to_the_maximum() {
        let policy = TokenRefreshPolicy::default();
        assert_eq!(policy.backoff_cap(0), Duration::from_millis(200));
        assert_eq!(policy.backoff_cap(1), Duration::from_millis(400));
        assert_eq!(policy.backoff_cap(10), Duration::from_secs(5));
        assert_eq!(policy.with_max_attempts(0).attempts(), 1);
    }
}
