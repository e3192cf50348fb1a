//! When to try a request again, and how long to wait first.
//!
//! Retried: 429 (after its `Retry-After`, in seconds or as an HTTP date), 502, 503, 504, and
//! connections that failed before the request went out. A connection that broke after it was
//! established is retried only for calls that are safe to repeat (not publish). Nothing else
//! is retried: other 4xx answers say the request itself is wrong, and repeating it cannot help.
//!
//! Waits grow exponentially with full jitter: before retry `n` (from 0) the client sleeps a
//! uniformly random time in `0..=min(max_backoff, initial_backoff * 2^n)`, so clients that
//! failed together do not come back together. Attempts and the total time are both bounded.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// The longest `Retry-After` honoured, in seconds. A server asking for more (or for more than
/// is left of [`RetryPolicy::max_elapsed`]) is not waited for: the 429 is returned at once as
/// [`crate::Error::RateLimited`], which carries the wait the server asked for.
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
        doubling_backoff_cap(self.initial_backoff, self.max_backoff, retry_index)
    }

    /// A random wait (full jitter) before retry `retry_index`.
    pub(crate) fn backoff(&self, retry_index: u32) -> Duration {
        full_jitter(self.backoff_cap(retry_index))
    }

    /// Attempts in total, at least one.
    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts.max(1)
    }
}

/// The cap of the wait before retry `retry_index` (0 for the first retry): `initial` doubled
/// `retry_index` times, never more than `max` (an overflow is `max`). The one backoff
/// schedule of this crate: request retries ([`RetryPolicy`]) and token provider calls
/// ([`crate::TokenRefreshPolicy`]) both wait by it.
pub(crate) fn doubling_backoff_cap(initial: Duration, max: Duration, retry_index: u32) -> Duration {
    let factor = 1u32.checked_shl(retry_index.min(31)).unwrap_or(u32::MAX);
    initial.checked_mul(factor).unwrap_or(max).min(max)
}

/// A uniformly random wait in `0..=cap` ("full jitter"), so clients that failed together do
/// not come back together.
pub(crate) fn full_jitter(cap: Duration) -> Duration {
    let cap_nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(rand::thread_rng().gen_range(0..=cap_nanos))
}

/// The wait a `Retry-After` header asked for, exactly as asked (not capped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryAfter(pub(crate) Duration);

impl RetryAfter {
    /// Whether the server asked for more than [`MAX_RETRY_AFTER_SECS`]: the client does not
    /// wait that long, it returns the 429 as [`crate::Error::RateLimited`] instead.
    pub(crate) fn exceeds_cap(self) -> bool {
        self.0 > Duration::from_secs(MAX_RETRY_AFTER_SECS)
    }
}

/// The wait a `Retry-After` header asks for, in either of its forms (RFC 9110 §10.2.3): a
/// whole number of seconds, or an HTTP date, which counts from `now` (a date already past is
/// no wait). A number too large for a `Duration` is the longest wait; anything else is `None`
/// (the usual backoff applies).
pub(crate) fn parse_retry_after(value: &[u8], now: SystemTime) -> Option<RetryAfter> {
    let text = std::str::from_utf8(value).ok()?.trim();
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        let secs = text.parse::<u64>().unwrap_or(u64::MAX);
        return Some(RetryAfter(Duration::from_secs(secs)));
    }
    let date = httpdate::parse_http_date(text).ok()?;
    Some(RetryAfter(
        date.duration_since(now).unwrap_or(Duration::ZERO),
    ))
}

/// Whether an HTTP status is worth retrying.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

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

    fn at(unix_secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(unix_secs)
    }

    #[test]
    fn retry_after_in_seconds_is_kept_whole() {
        let now = at(1_700_000_000);
        let secs = |s: u64| Some(RetryAfter(Duration::from_secs(s)));
        assert_eq!(parse_retry_after(b"1", now), secs(1));
        assert_eq!(parse_retry_after(b" 30 ", now), secs(30));
        assert_eq!(parse_retry_after(b"0", now), secs(0));
        // Above the cap the wait is still what the server asked for: the caller decides.
        assert_eq!(parse_retry_after(b"301", now), secs(301));
        assert_eq!(parse_retry_after(b"3600", now), secs(3600));
        assert!(!RetryAfter(Duration::from_secs(300)).exceeds_cap());
        assert!(RetryAfter(Duration::from_secs(301)).exceeds_cap());
        assert_eq!(parse_retry_after(b"-1", now), None);
        assert_eq!(parse_retry_after(b"1.5", now), None);
        assert_eq!(parse_retry_after(b"", now), None);
        assert_eq!(parse_retry_after(b"\xff", now), None);
        // Absurdly many digits are a wait longer than anyone would honour, not a failure.
        let huge = parse_retry_after(b"99999999999999999999", now).expect("a wait");
        assert!(huge.exceeds_cap());
    }

    #[test]
    fn retry_after_as_an_http_date_is_the_time_until_then() {
        // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480.
        let date = b"Wed, 21 Oct 2015 07:28:00 GMT";
        assert_eq!(
            parse_retry_after(date, at(1_445_412_480 - 90)),
            Some(RetryAfter(Duration::from_secs(90)))
        );
        // A date already past means "now".
        assert_eq!(
            parse_retry_after(date, at(1_445_412_480 + 5)),
            Some(RetryAfter(Duration::ZERO))
        );
        // An hour ahead is above the cap.
        let hour = parse_retry_after(date, at(1_445_412_480 - 3600)).expect("a wait");
        assert!(hour.exceeds_cap());
        assert_eq!(
            parse_retry_after(b"Wed, 32 Oct 2015 07:28:00 GMT", at(0)),
            None
        );
        assert_eq!(parse_retry_after(b"tomorrow", at(0)), None);
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
