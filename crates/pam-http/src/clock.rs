//! The clock that timestamps signed requests, corrected to the server's.
//!
//! Access Manager accepts a signed request only when its `timestamp` is within 60 s of the
//! server's time. A machine whose clock is off would be refused forever; instead, when the
//! server rejects a timestamp, the client asks it for the time (`GET /time/0`), keeps the
//! difference as an offset and signs every later request with the corrected clock.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Unix seconds for signing: the system clock, plus a skew injected for tests, plus the
/// offset learnt from the server.
#[derive(Debug)]
pub(crate) struct Clock {
    /// Seconds added to the system clock to simulate a machine whose clock is wrong.
    skew_for_testing: i64,
    /// Seconds to add to the (skewed) local clock to get the server's time.
    offset: AtomicI64,
    /// Whether the offset was ever learnt from the server.
    synced: AtomicBool,
}

impl Clock {
    pub(crate) fn new(skew_for_testing: i64) -> Self {
        Clock {
            skew_for_testing,
            offset: AtomicI64::new(0),
            synced: AtomicBool::new(false),
        }
    }

    /// The local clock (with the test skew), Unix seconds; may be negative for absurd skews.
    fn local_secs(&self) -> i64 {
        let system = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
        };
        system.saturating_add(self.skew_for_testing)
    }

    /// The corrected time to sign with, Unix seconds.
    pub(crate) fn now_secs(&self) -> u64 {
        let corrected = self
            .local_secs()
            .saturating_add(self.offset.load(Ordering::Relaxed));
        u64::try_from(corrected).unwrap_or(0)
    }

    /// The corrected time in Unix milliseconds.
    pub(crate) fn now_millis(&self) -> u64 {
        let local_ms = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
        };
        let shift_secs = self
            .skew_for_testing
            .saturating_add(self.offset.load(Ordering::Relaxed));
        let corrected = local_ms.saturating_add(shift_secs.saturating_mul(1000));
        u64::try_from(corrected).unwrap_or(0)
    }

    /// The corrected time as a [`SystemTime`], to the second.
    pub(crate) fn now(&self) -> SystemTime {
        UNIX_EPOCH + std::time::Duration::from_secs(self.now_secs())
    }

    /// Learns the server's time: later calls of [`Clock::now_secs`] follow it.
    pub(crate) fn correct_to(&self, server_secs: u64) {
        let server = i64::try_from(server_secs).unwrap_or(i64::MAX);
        self.offset
            .store(server.saturating_sub(self.local_secs()), Ordering::Relaxed);
        self.synced.store(true, Ordering::Relaxed);
    }

    /// Whether the server's time was ever learnt.
    pub(crate) fn is_synced(&self) -> bool {
        self.synced.load(Ordering::Relaxed)
    }

    /// The offset learnt so far, seconds (server minus local).
    pub(crate) fn offset_secs(&self) -> i64 {
        self.offset.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correction_cancels_the_skew() {
        let honest = Clock::new(0);
        let skewed = Clock::new(-600);
        let reference = honest.now_secs();
        assert!(reference.abs_diff(skewed.now_secs()) >= 590);
        skewed.correct_to(honest.now_secs());
        assert!(skewed.offset_secs() >= 590, "{}", skewed.offset_secs());
        assert!(honest.now_secs().abs_diff(skewed.now_secs()) <= 2);
    }

    #[test]
    fn absurd_skews_do_not_overflow() {
        let clock = Clock::new(i64::MIN);
        assert_eq!(clock.now_secs(), 0);
        clock.correct_to(u64::MAX);
        let _ = clock.now_secs();
    }
}
