//! The server's clock: Unix seconds for timestamps and token times, and PubNub timetokens
//! (17 digits, units of 100 ns) that never repeat and never go backwards.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Timetoken units (100 ns) per second.
const TIMETOKENS_PER_SEC: u64 = 10_000_000;

/// The emulator's clock: the system clock shifted by a fixed offset.
#[derive(Debug)]
pub(crate) struct Clock {
    offset_secs: i64,
    last_timetoken: AtomicU64,
}

impl Clock {
    pub(crate) fn new(offset_secs: i64) -> Self {
        Clock {
            offset_secs,
            last_timetoken: AtomicU64::new(0),
        }
    }

    /// Time since the Unix epoch, offset applied (0 if the system clock is before 1970).
    fn since_epoch(&self) -> Duration {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let offset = Duration::from_secs(self.offset_secs.unsigned_abs());
        if self.offset_secs >= 0 {
            system.saturating_add(offset)
        } else {
            system.saturating_sub(offset)
        }
    }

    /// The server time in Unix seconds.
    pub(crate) fn now_secs(&self) -> u64 {
        self.since_epoch().as_secs()
    }

    /// A fresh timetoken: the server time in 100 ns units, strictly greater than every
    /// timetoken this clock returned before.
    pub(crate) fn next_timetoken(&self) -> u64 {
        let since = self.since_epoch();
        let now = since
            .as_secs()
            .saturating_mul(TIMETOKENS_PER_SEC)
            .saturating_add(u64::from(since.subsec_nanos() / 100));
        let mut last = self.last_timetoken.load(Ordering::Relaxed);
        loop {
            let next = now.max(last.saturating_add(1));
            match self.last_timetoken.compare_exchange_weak(
                last,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return next,
                Err(current) => last = current,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timetokens_have_17_digits_and_strictly_increase() {
        let clock = Clock::new(0);
        let mut previous = 0;
        for _ in 0..1000 {
            let t = clock.next_timetoken();
            assert_eq!(t.to_string().len(), 17, "{t}");
            assert!(t > previous);
            previous = t;
        }
    }

    #[test]
    fn the_offset_shifts_seconds() {
        let ahead = Clock::new(3600).now_secs();
        let plain = Clock::new(0).now_secs();
        let behind = Clock::new(-3600).now_secs();
        assert!(ahead >= plain + 3599, "{ahead} {plain}");
        assert!(behind + 3599 <= plain, "{behind} {plain}");
    }
}
