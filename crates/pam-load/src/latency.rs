//! Request latencies and their percentiles.

use std::fmt;
use std::time::Duration;

/// Latencies of many requests, in microseconds.
#[derive(Debug, Clone, Default)]
pub struct Latencies {
    micros: Vec<u64>,
    sorted: bool,
}

impl Latencies {
    /// No latencies yet.
    #[must_use]
    pub fn new() -> Self {
        Latencies::default()
    }

    /// Records one request's latency.
    pub fn record(&mut self, latency: Duration) {
        self.micros
            .push(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
        self.sorted = false;
    }

    /// Adds every latency of `other`.
    pub fn merge(&mut self, other: &Latencies) {
        self.micros.extend_from_slice(&other.micros);
        self.sorted = false;
    }

    /// How many latencies were recorded.
    #[must_use]
    pub fn len(&self) -> usize {
        self.micros.len()
    }

    /// True when none were recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.micros.is_empty()
    }

    /// The `p`-th percentile (0 to 100) by the nearest-rank method; `None` when empty.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut latencies = pam_load::Latencies::new();
    /// for ms in 1..=100 {
    ///     latencies.record(Duration::from_millis(ms));
    /// }
    /// assert_eq!(latencies.percentile(50.0), Some(Duration::from_millis(50)));
    /// assert_eq!(latencies.percentile(99.0), Some(Duration::from_millis(99)));
    /// assert_eq!(latencies.percentile(100.0), Some(Duration::from_millis(100)));
    /// ```
    pub fn percentile(&mut self, p: f64) -> Option<Duration> {
        if self.micros.is_empty() {
            return None;
        }
        if !self.sorted {
            self.micros.sort_unstable();
            self.sorted = true;
        }
        let n = self.micros.len();
        // Nearest rank: the smallest value with at least p% of the values at or below it.
        let rank = ((p.clamp(0.0, 100.0) / 100.0) * n as f64).ceil() as usize;
        let index = rank.clamp(1, n) - 1;
        Some(Duration::from_micros(self.micros[index]))
    }

    /// p50, p99 and max.
    pub fn summary(&mut self) -> LatencySummary {
        LatencySummary {
            count: self.len(),
            p50: self.percentile(50.0),
            p99: self.percentile(99.0),
            max: self.percentile(100.0),
        }
    }
}

/// p50, p99 and max of some latencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencySummary {
    /// How many requests.
    pub count: usize,
    /// The median.
    pub p50: Option<Duration>,
    /// The 99th percentile.
    pub p99: Option<Duration>,
    /// The slowest.
    pub max: Option<Duration>,
}

/// `p50 1.23 ms, p99 8.40 ms, max 31.02 ms`.
impl fmt::Display for LatencySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Option<Duration>| match d {
            Some(d) => format!("{:.2} ms", d.as_secs_f64() * 1000.0),
            None => "-".to_owned(),
        };
        write!(
            f,
            "p50 {}, p99 {}, max {}",
            ms(self.p50),
            ms(self.p99),
            ms(self.max)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut latencies = Latencies::new();
        assert_eq!(latencies.percentile(50.0), None);
        for micros in [5, 1, 4, 2, 3] {
            latencies.record(Duration::from_micros(micros));
        }
        assert_eq!(latencies.percentile(0.0), Some(Duration::from_micros(1)));
        assert_eq!(latencies.percentile(50.0), Some(Duration::from_micros(3)));
        assert_eq!(latencies.percentile(99.0), Some(Duration::from_micros(5)));
        let mut other = Latencies::new();
        other.record(Duration::from_micros(100));
        latencies.merge(&other);
        let summary = latencies.summary();
        assert_eq!(summary.count, 6);
        assert_eq!(summary.max, Some(Duration::from_micros(100)));
        assert_eq!(summary.to_string(), "p50 0.00 ms, p99 0.10 ms, max 0.10 ms");
    }
}
