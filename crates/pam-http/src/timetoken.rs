//! PubNub's timetoken: a point in time in units of 100 ns since the Unix epoch.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Timetoken units per second (one unit is 100 ns).
pub const TIMETOKEN_UNITS_PER_SEC: u64 = 10_000_000;

/// A PubNub timetoken: 100-nanosecond units since the Unix epoch, 17 digits today.
///
/// `/time/0` answers one, and a publish answers the one the message was stored under.
///
/// ```
/// let tt = pam_http::Timetoken::new(17_000_000_001_234_567);
/// assert_eq!(tt.unix_seconds(), 1_700_000_000);
/// assert_eq!(tt.to_string(), "17000000001234567");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timetoken(u64);

impl Timetoken {
    /// The timetoken with this value.
    #[must_use]
    pub const fn new(units: u64) -> Self {
        Timetoken(units)
    }

    /// The raw value, in 100 ns units.
    #[must_use]
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// Whole Unix seconds.
    #[must_use]
    pub const fn unix_seconds(self) -> u64 {
        self.0 / TIMETOKEN_UNITS_PER_SEC
    }

    /// The point in time as a [`SystemTime`].
    #[must_use]
    pub fn to_system_time(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_nanos(self.0.saturating_mul(100))
    }
}

impl From<Timetoken> for u64 {
    fn from(tt: Timetoken) -> u64 {
        tt.0
    }
}

impl fmt::Display for Timetoken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}
