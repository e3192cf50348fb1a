//! When to try a request again, and how long to wait first.
//!
//! Retried: 429 (after its `Retry-After`, when it gives one in seconds), 502, 503, 504, and
//! connections that failed before the request went out. A connection that broke after it was
//! established is retried only for calls that are safe to repeat (not publish). Nothing else
//! is retried: other 4xx answers say the request itself is wrong, and repeating it cannot help.
//!
//! Waits grow exponentially with full jitter: before retry `n` (from 0) the client sleeps a
//! uniformly random time in `0..=min(max_backoff, initial_backoff * 2^n)`, so clients that
//! failed together do not come back together. Attempts and the total time are both bounded.

use std::time::Duration;

use rand::Rng;

/// The longest `Retry-After` honoured, in seconds. A server asking for more is treated as
/// "not now": the 429 is returned instead of waiting.
pub const MAX_RETRY_AFTER_SECS: u64 = 300;

/// How a client retries failed requests.
///
/// ```
/// use std::time::Duration;
/// use pam_http::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(3)
///     .with_max_elapsed(Duration::from_secs(10));
/// assert_eq!(policy.max_attempts, 3);
/// assert_eq!(RetryPolicy::none().max_attempts, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in total, the first included; `1` disables retries. `0` counts as `1`.
    pub max_attempts: u32,
    /// The cap of the first random wait.
    pub initial_backoff: Duration,
    /// The largest cap of a random wait.
    pub max_backoff: Duration,
    /// No retry starts after this much time since the first attempt began (waits included).
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, waits capped at 100 ms, 200 ms, 400 ms (at most 2 s), 30 s in total.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    #[must_use]
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The same policy with `max_attempts` attempts in total.
    #[must_use]
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// The same policy with these wait caps.
    #[must_use]
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// The same policy with this total time bound.
    #[must_use]
    pub fn with_max_elapsed(mut self, max_elapsed: Duration) -> Self {
        self.max_elapsed = max_elapsed;
        self
    }

    /// The cap of the wait before retry `retry_index` (0 for the first retry).
    #[must_use]
    pub fn backoff_cap(&self, retry_index: u32) -> Duration {
        let factor = 1u32.checked_shl(retry_index.min(31)).unwrap_or(u32::MAX);
        self.initial_backoff
            .checked_mul(factor)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }

    /// A random wait (full jitter) before retry `retry_index`.
    pub(crate) fn backoff(&self, retry_index: u32) -> Duration {
        let cap = self.backoff_cap(retry_index);
        let cap_nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::thread_rng().gen_range(0..=cap_nanos))
    }

    /// Attempts in total, at least one.
    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts.max(1)
    }
}

/// The wait a `Retry-After` header asks for, when it is a whole number of seconds no larger
/// than [`MAX_RETRY_AFTER_SECS`]. HTTP dates and anything else give `None` (the usual
/// backoff applies).
pub(crate) fn parse_retry_after(value: &[u8]) -> Option<Duration> {
    let text = std::str::from_utf8(value).ok()?.trim();
    if text.is_empty() || text.len() > 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: u64 = text.parse().ok()?;
    (secs <= MAX_RETRY_AFTER_SECS).then(|| Duration::from_secs(secs))
}

/// Whether an HTTP status is worth retrying.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_double_up_to_the_maximum() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff_cap(0), Duration::from_millis(100));
        assert_eq!(policy.backoff_cap(1), Duration::from_millis(200));
        assert_eq!(policy.backoff_cap(4), Duration::from_millis(1600));
        assert_eq!(policy.backoff_cap(5), Duration::from_secs(2));
        assert_eq!(policy.backoff_cap(u32::MAX), Duration::from_secs(2));
    }

    #[test]
    fn waits_stay_within_their_cap() {
        let policy = RetryPolicy::default();
        for retry in 0..8 {
            for _ in 0..50 {
                assert!(policy.backoff(retry) <= policy.backoff_cap(retry));
            }
        }
    }

    #[test]
    fn retry_after_accepts_plain_seconds_only() {
        assert_eq!(parse_retry_after(b"1"), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after(b" 30 "), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after(b"0"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(b"301"), None);
        assert_eq!(parse_retry_after(b"-1"), None);
        assert_eq!(parse_retry_after(b"1.5"), None);
        assert_eq!(parse_retry_after(b"Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after(b"99999999999999999999"), None);
        assert_eq!(parse_retry_after(b"\xff"), None);
    }

    #[test]
    fn retryable_statuses() {
        for status in [429, 502, 503, 504] {
            assert!(is_retryable_status(status));
        }
        for status in [200, 400, 401, 403, 404, 500, 501] {
            assert!(!is_retryable_status(status));
        }
    }

    #[test]
    fn zero_attempts_means_one() {
        assert_eq!(RetryPolicy::default().with_max_attempts(0).attempts(), 1);
    }
}
