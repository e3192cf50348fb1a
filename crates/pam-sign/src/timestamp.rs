//! The `timestamp` parameter: reading it from a request and checking its freshness.

use crate::{Error, Request, TIMESTAMP_PARAM};

/// The tolerance PubNub applies to request timestamps: ±60 seconds.
pub const DEFAULT_TIMESTAMP_TOLERANCE_SECS: u64 = 60;

/// The most digits a `timestamp` value may have (`u64::MAX` has 20).
const MAX_TIMESTAMP_DIGITS: usize = 20;

/// Accepts `timestamp` when it is at most `tolerance_secs` seconds before or after `now`.
///
/// Freshness is the server's policy, so it is separate from [`crate::SigningKey::verify`]; the
/// boundary is inclusive. PubNub accepts [`DEFAULT_TIMESTAMP_TOLERANCE_SECS`].
///
/// ```
/// use pam_sign::{check_timestamp, Error};
///
/// assert!(check_timestamp(1_000, 1_060, 60).is_ok());
/// assert_eq!(
///     check_timestamp(1_000, 1_061, 60),
///     Err(Error::TimestampOutOfRange { timestamp: 1_000, now: 1_061, tolerance_secs: 60 })
/// );
/// ```
pub fn check_timestamp(timestamp: u64, now: u64, tolerance_secs: u64) -> Result<(), Error> {
    if timestamp.abs_diff(now) <= tolerance_secs {
        Ok(())
    } else {
        Err(Error::TimestampOutOfRange {
            timestamp,
            now,
            tolerance_secs,
        })
    }
}

/// Parses a `timestamp` value: 1 to 20 decimal digits that fit in a `u64`.
pub(crate) fn parse_timestamp(value: &str) -> Result<u64, Error> {
    let digits_only = !value.is_empty()
        && value.len() <= MAX_TIMESTAMP_DIGITS
        && value.bytes().all(|byte| byte.is_ascii_digit());
    if !digits_only {
        return Err(Error::malformed_timestamp(value));
    }
    value
        .parse::<u64>()
        .map_err(|_| Error::malformed_timestamp(value))
}

/// The request's single `timestamp` parameter, parsed.
pub(crate) fn request_timestamp(request: &Request<'_>) -> Result<u64, Error> {
    let mut found = None;
    let mut count = 0;
    for &(key, value) in request.query {
        if key == TIMESTAMP_PARAM {
            count += 1;
            found = Some(value);
        }
    }
    match (found, count) {
        (None, _) => Err(Error::MissingTimestamp),
        (Some(value), 1) => parse_timestamp(value),
        (Some(_), count) => Err(Error::DuplicateParameter {
            name: TIMESTAMP_PARAM,
            count,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_is_inclusive_both_ways() {
        assert!(check_timestamp(100, 160, 60).is_ok());
        assert!(check_timestamp(160, 100, 60).is_ok());
        assert!(check_timestamp(100, 100, 0).is_ok());
        assert!(check_timestamp(100, 161, 60).is_err());
        assert!(check_timestamp(161, 100, 60).is_err());
        assert!(check_timestamp(u64::MAX, 0, u64::MAX).is_ok());
        assert!(check_timestamp(u64::MAX, 0, 60).is_err());
    }

    #[test]
    fn out_of_range_message_names_both_times_and_the_gap() {
        let message = check_timestamp(1_000, 1_100, 60).unwrap_err().to_string();
        assert!(message.contains("1000"), "{message}");
        assert!(message.contains("1100"), "{message}");
        assert!(message.contains("100 s away"), "{message}");
        assert!(message.contains("60 s"), "{message}");
    }

    #[test]
    fn parses_only_plain_decimal_digits() {
        assert_eq!(parse_timestamp("0"), Ok(0));
        assert_eq!(parse_timestamp("1583755527"), Ok(1_583_755_527));
        assert_eq!(parse_timestamp("18446744073709551615"), Ok(u64::MAX));
        for bad in [
            "",
            "+1",
            "-1",
            " 1",
            "1.5",
            "1e9",
            "18446744073709551616",
            "١٢",
        ] {
            assert!(
                matches!(parse_timestamp(bad), Err(Error::MalformedTimestamp { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn long_garbage_is_cut_in_the_error() {
        let garbage = "x".repeat(10_000);
        let Err(Error::MalformedTimestamp { found }) = parse_timestamp(&garbage) else {
            panic!("expected MalformedTimestamp");
        };
        assert_eq!(found.chars().count(), crate::MAX_ECHOED_TIMESTAMP_CHARS + 1);
        assert!(found.ends_with('…'));
    }

    #[test]
    fn request_timestamp_requires_exactly_one() {
        let request = |query| Request {
            method: "GET",
            path: "/time/0",
            query,
            body: b"",
        };
        assert_eq!(
            request_timestamp(&request(&[("uuid", "u"), ("timestamp", "42")])),
            Ok(42)
        );
        assert_eq!(
            request_timestamp(&request(&[("uuid", "u")])),
            Err(Error::MissingTimestamp)
        );
        assert_eq!(
            request_timestamp(&request(&[("timestamp", "1"), ("timestamp", "1")])),
            Err(Error::DuplicateParameter {
                name: "timestamp",
                count: 2
            })
        );
    }
}
