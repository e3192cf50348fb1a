//! Times as people read them: UTC dates and "expires in 3h 5m".

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in Unix seconds.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `2025-05-22 12:34:56 UTC`, from `jiff`. A time past what it represents (the last day of the
/// year 9999) comes out as the plain number of seconds, said so: tokens carry any `u64`.
pub(crate) fn utc(unix: u64) -> String {
    match i64::try_from(unix)
        .ok()
        .and_then(|seconds| jiff::Timestamp::from_second(seconds).ok())
    {
        Some(time) => time.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => format!("{unix} s after 1970-01-01 UTC (past the year 9999)"),
    }
}

/// `expires in 1h 2m` or `expired 3d 4h ago`.
pub(crate) fn relative(at: u64, now: u64) -> String {
    if at > now {
        format!("expires in {}", span(at - now))
    } else {
        format!("expired {} ago", span(now - at))
    }
}

fn span(secs: u64) -> String {
    let (d, h, m, s) = (
        secs / 86_400,
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_747_918_912), "2025-05-22 13:01:52 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(4_107_542_400), "2100-03-01 00:00:00 UTC");
        assert_eq!(utc(253_402_128_000), "9999-12-30 00:00:00 UTC");
        assert_eq!(
            utc(u64::MAX),
            "18446744073709551615 s after 1970-01-01 UTC (past the year 9999)"
        );
    }

    #[test]
    fn spans() {
        assert_eq!(relative(100, 40), "expires in 1m 0s");
        assert_eq!(relative(100, 100 + 90_061), "expired 1d 1h ago");
        assert_eq!(relative(7_300, 0), "expires in 2h 1m");
    }
}
