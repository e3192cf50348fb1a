//! The driver's command line.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::RangedU64ValueParser;

use crate::Plan;

/// What `pam-load` was asked to do: its command line, read by clap.
#[derive(Debug, Clone, PartialEq, Eq, clap::Parser)]
#[command(
    name = "pam-load",
    about = "Mixed grant / revoke / publish traffic against a release `pam serve` on loopback \
             (run it through `cargo xtask load`)."
)]
pub struct Options {
    /// The `pam` binary to run as the server (`pam serve`).
    #[arg(long, value_name = "PATH/TO/pam")]
    pub server: PathBuf,
    /// Seconds of mixed traffic.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SECONDS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_SECONDS))]
    pub seconds: u64,
    /// Workers sending at once.
    #[arg(long, value_name = "C", default_value_t = DEFAULT_CONCURRENCY,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_CONCURRENCY as u64))]
    pub concurrency: usize,
    /// The most requests of the mixed traffic.
    #[arg(long, value_name = "M", default_value_t = DEFAULT_MAX_REQUESTS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_requests: u64,
    /// The most revoked tokens re-checked after the run.
    #[arg(long, value_name = "R", default_value_t = DEFAULT_MAX_RECHECKS,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_RECHECKS as u64))]
    pub max_rechecks: usize,
}

/// Default `--seconds`.
pub const DEFAULT_SECONDS: u64 = 10;
/// The longest run accepted, in seconds (a day).
pub const MAX_SECONDS: u64 = 24 * 60 * 60;
/// Default `--concurrency`.
pub const DEFAULT_CONCURRENCY: usize = 16;
/// Default `--max-requests`: far more than a minute at full speed here, so time decides.
pub const DEFAULT_MAX_REQUESTS: u64 = 5_000_000;
/// Default `--max-rechecks`: above what a minute produces here, so every revoked token is
/// tried again.
pub const DEFAULT_MAX_RECHECKS: usize = 1_000_000;
/// The most workers accepted (each holds a connection).
pub const MAX_CONCURRENCY: usize = 4096;
/// The most `--max-rechecks` accepted.
pub const MAX_RECHECKS: usize = 10_000_000;

impl Options {
    /// The traffic plan these options describe.
    #[must_use]
    pub fn plan(&self) -> Plan {
        Plan {
            duration: Duration::from_secs(self.seconds),
            concurrency: self.concurrency,
            max_requests: self.max_requests,
            max_rechecks: self.max_rechecks,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::try_parse_from(std::iter::once("pam-load").chain(args.iter().copied()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn parses_and_refuses() {
        let options = parse(&[
            "--server",
            "/bin/pam",
            "--seconds",
            "60",
            "--concurrency",
            "64",
        ])
        .unwrap();
        assert_eq!(options.server, PathBuf::from("/bin/pam"));
        assert_eq!((options.seconds, options.concurrency), (60, 64));
        assert_eq!(options.max_requests, DEFAULT_MAX_REQUESTS);
        assert_eq!(options.max_rechecks, DEFAULT_MAX_RECHECKS);
        assert_eq!(options.plan().duration, Duration::from_secs(60));
        for (args, expected) in [
            (&["--seconds", "5"][..], "--server <PATH/TO/pam>"),
            (
                &["--server", "p", "--seconds", "0"][..],
                "invalid value '0' for '--seconds <N>': 0 is not in 1..=86400",
            ),
            (
                &["--server", "p", "--concurrency", "9999"][..],
                "9999 is not in 1..=4096",
            ),
            (
                &["--server", "p", "--fast"][..],
                "unexpected argument '--fast'",
            ),
            (&["--server"][..], "a value is required for '--server"),
        ] {
            let err = parse(args).unwrap_err();
            assert!(err.contains(expected), "{args:?}: {err}");
            assert!(err.contains("For more information, try '--help'."), "{err}");
        }
    }

    #[test]
    fn help_lists_every_flag() {
        let help = parse(&["--help"]).unwrap_err();
        for flag in [
            "--server <PATH/TO/pam>",
            "--seconds <N>",
            "--concurrency <C>",
            "--max-requests <M>",
            "--max-rechecks <R>",
            "[default: 10]",
        ] {
            assert!(help.contains(flag), "{flag}: {help}");
        }
    }
}
