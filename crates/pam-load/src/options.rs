//! The driver's command line.

use std::path::PathBuf;
use std::time::Duration;

use crate::Plan;

/// What `pam-load` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The `pam` binary to run as the server (`pam serve`).
    pub server: PathBuf,
    /// Seconds of mixed traffic.
    pub seconds: u64,
    /// Workers sending at once.
    pub concurrency: usize,
    /// The most requests of the mixed traffic.
    pub max_requests: u64,
    /// The most revoked tokens re-checked after the run.
    pub max_rechecks: usize,
}

/// The usage line.
pub const USAGE: &str = "usage: pam-load --server PATH/TO/pam [--seconds N] [--concurrency C] \
                         [--max-requests M] [--max-rechecks R]";

/// Default `--seconds`.
pub const DEFAULT_SECONDS: u64 = 10;
/// Default `--concurrency`.
pub const DEFAULT_CONCURRENCY: usize = 16;
/// Default `--max-requests`: far more than a minute at full speed here, so time decides.
pub const DEFAULT_MAX_REQUESTS: u64 = 5_000_000;
/// Default `--max-rechecks`: above what a minute produces here, so every revoked token is
/// tried again.
pub const DEFAULT_MAX_RECHECKS: usize = 1_000_000;
/// The most workers accepted (each holds a connection).
pub const MAX_CONCURRENCY: usize = 4096;

impl Options {
    /// Reads the arguments after the program name.
    ///
    /// # Errors
    ///
    /// A message naming the bad argument, followed by [`USAGE`].
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let fail = |problem: String| format!("{problem}\n{USAGE}");
        let mut server = None;
        let mut options = Options {
            server: PathBuf::new(),
            seconds: DEFAULT_SECONDS,
            concurrency: DEFAULT_CONCURRENCY,
            max_requests: DEFAULT_MAX_REQUESTS,
            max_rechecks: DEFAULT_MAX_RECHECKS,
        };
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            let mut value = || {
                rest.next()
                    .ok_or_else(|| fail(format!("`{flag}` needs a value")))
            };
            let number = |text: &str, max: u64| {
                text.parse::<u64>()
                    .ok()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or_else(|| {
                        fail(format!(
                            "`{flag} {text}`: expected a whole number from 1 to {max}"
                        ))
                    })
            };
            match flag.as_str() {
                "--server" => server = Some(PathBuf::from(value()?)),
                "--seconds" => options.seconds = number(value()?, 24 * 60 * 60)?,
                "--concurrency" => {
                    options.concurrency =
                        usize::try_from(number(value()?, MAX_CONCURRENCY as u64)?)
                            .unwrap_or(MAX_CONCURRENCY);
                }
                "--max-requests" => options.max_requests = number(value()?, u64::MAX)?,
                "--max-rechecks" => {
                    options.max_rechecks =
                        usize::try_from(number(value()?, 10_000_000)?).unwrap_or(usize::MAX);
                }
                other => return Err(fail(format!("unknown argument `{other}`"))),
            }
        }
        options.server = server.ok_or_else(|| fail("`--server` is required".to_owned()))?;
        Ok(options)
    }

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
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_and_refuses() {
        let options = Options::parse(&strings(&[
            "--server",
            "/bin/pam",
            "--seconds",
            "60",
            "--concurrency",
            "64",
        ]))
        .unwrap();
        assert_eq!(options.server, PathBuf::from("/bin/pam"));
        assert_eq!((options.seconds, options.concurrency), (60, 64));
        assert_eq!(options.max_requests, DEFAULT_MAX_REQUESTS);
        assert_eq!(options.plan().duration, Duration::from_secs(60));
        for (args, expected) in [
            (&["--seconds", "5"][..], "`--server` is required"),
            (
                &["--server", "p", "--seconds", "0"][..],
                "`--seconds 0`: expected a whole number from 1",
            ),
            (
                &["--server", "p", "--concurrency", "9999"][..],
                "from 1 to 4096",
            ),
            (
                &["--server", "p", "--fast"][..],
                "unknown argument `--fast`",
            ),
            (&["--server"][..], "`--server` needs a value"),
        ] {
            let err = Options::parse(&strings(args)).unwrap_err();
            assert!(err.contains(expected), "{args:?}: {err}");
            assert!(err.ends_with(USAGE), "{err}");
        }
    }
}
