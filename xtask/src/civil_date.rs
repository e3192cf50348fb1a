//! Calendar dates from the system clock without a date crate.
//!
//! [`CivilDate::from_days_since_epoch`] converts a count of days since 1970-01-01 to a
//! proleptic Gregorian date with the well-known "civil from days" construction: shift the epoch
//! to 0000-03-01 so the leap day ends a year, split into 400-year eras (146 097 days each),
//! then into years of the era and days of the year, and map the March-based day of the year to
//! month and day. Dates are UTC: the changelog records the UTC day a release was cut.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CivilDate {
    /// Year, e.g. 2026.
    pub year: i64,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of the month, 1..=31.
    pub day: u32,
}

/// Days in one 400-year Gregorian cycle.
const DAYS_PER_ERA: i64 = 146_097;
/// Days from 0000-03-01 to 1970-01-01.
const EPOCH_SHIFT: i64 = 719_468;

impl CivilDate {
    /// The date `days` days after 1970-01-01 (negative: before it).
    pub fn from_days_since_epoch(days: i64) -> Self {
        let z = days + EPOCH_SHIFT;
        let era = z.div_euclid(DAYS_PER_ERA);
        let day_of_era = z.rem_euclid(DAYS_PER_ERA); // 0..=146096
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // 0..=399
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // 0..=365, from March 1
        let month_from_march = (5 * day_of_year + 2) / 153; // 0..=11, March = 0
        let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
        let month = if month_from_march < 10 {
            month_from_march + 3
        } else {
            month_from_march - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        CivilDate {
            year,
            month: month as u32,
            day: day as u32,
        }
    }

    /// The date of `time` in UTC.
    pub fn from_system_time(time: SystemTime) -> Self {
        let seconds = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => after.as_secs() as i64,
            Err(before) => {
                let secs = before.duration().as_secs() as i64;
                let partial = i64::from(before.duration().subsec_nanos() > 0);
                -(secs + partial)
            }
        };
        Self::from_days_since_epoch(seconds.div_euclid(86_400))
    }

    /// Today's date in UTC.
    pub fn today_utc() -> Self {
        Self::from_system_time(SystemTime::now())
    }
}

impl fmt::Display for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn known_days_map_to_known_dates() {
        // Reference values produced by GNU `date -u -d @$((days*86400)) +%F`.
        for (days, expected) in [
            (0, "1970-01-01"),
            (-1, "1969-12-31"),
            (10_957, "2000-01-01"),
            (11_016, "2000-02-29"),
            (19_723, "2024-01-01"),
            (19_782, "2024-02-29"),
            (-719_468, "0000-03-01"),
        ] {
            assert_eq!(
                CivilDate::from_days_since_epoch(days).to_string(),
                expected,
                "days = {days}"
            );
        }
    }

    #[test]
    fn consecutive_days_are_consecutive_dates() {
        // Walk 1900-01-01 .. 2100-12-31 and check every step is "next day" by calendar rules.
        let days_in_month = |y: i64, m: u32| match m {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            _ => 28,
        };
        let start = -25_567; // 1900-01-01
        let mut previous = CivilDate::from_days_since_epoch(start);
        assert_eq!(previous.to_string(), "1900-01-01");
        for days in start + 1..=47_846 {
            let date = CivilDate::from_days_since_epoch(days);
            let expected = if previous.day < days_in_month(previous.year, previous.month) {
                CivilDate {
                    day: previous.day + 1,
                    ..previous
                }
            } else if previous.month < 12 {
                CivilDate {
                    month: previous.month + 1,
                    day: 1,
                    ..previous
                }
            } else {
                CivilDate {
                    year: previous.year + 1,
                    month: 1,
                    day: 1,
                }
            };
            assert_eq!(date, expected, "days = {days}");
            previous = date;
        }
        assert_eq!(previous.to_string(), "2100-12-31");
    }

    #[test]
    fn system_times_before_the_epoch_round_down() {
        let just_before = UNIX_EPOCH - Duration::from_millis(1);
        assert_eq!(
            CivilDate::from_system_time(just_before).to_string(),
            "1969-12-31"
        );
        let exactly_one_day_before = UNIX_EPOCH - Duration::from_secs(86_400);
        assert_eq!(
            CivilDate::from_system_time(exactly_one_day_before).to_string(),
            "1969-12-31"
        );
        let late_on_first_day = UNIX_EPOCH + Duration::from_secs(86_399);
        assert_eq!(
            CivilDate::from_system_time(late_on_first_day).to_string(),
            "1970-01-01"
        );
    }

    #[test]
    fn today_agrees_with_the_date_command_when_available() {
        let before = CivilDate::today_utc().to_string();
        let output = match std::process::Command::new("date")
            .args(["-u", "+%Y-%m-%d"])
            .output()
        {
            Ok(output) if output.status.success() => output,
            _ => {
                eprintln!("skipping: no `date` command to compare with");
                return;
            }
        };
        let after = CivilDate::today_utc().to_string();
        let from_date = String::from_utf8_lossy(&output.stdout).trim().to_string();
        // Around midnight the day may change between the calls; it must match one of them.
        assert!(
            from_date == before || from_date == after,
            "date says {from_date}, we computed {before} / {after}"
        );
    }
}
