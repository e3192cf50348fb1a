//! `cargo xtask load --seconds N --concurrency C`: mixed traffic against a release server.
//!
//! Builds `pam` (the CLI) and `pam-load` (the driver, `crates/pam-load`) in release mode, then
//! runs the driver, which starts `pam serve --data-dir` on an ephemeral loopback port, sends
//! grant / revoke / publish traffic for N seconds from C workers, re-checks every revoked
//! token, and prints requests, answers by status, latency p50 / p99 / max and the server's
//! peak memory. Fails when the driver does: any 5xx, any revoked token accepted, any request
//! without an answer or with a wrong one, or a secret in the server's log.

use std::path::{Path, PathBuf};

use super::Task;
use super::fuzz::parse_positive;
use crate::XtaskError;
use crate::subprocess;

/// The `load` task.
pub const TASK: Task = Task {
    name: "load",
    arguments: "[--seconds N] [--concurrency C] [--max-requests M]",
    summary: "drive a release `pam serve` with mixed grant/revoke/publish traffic; prints latency, statuses, peak memory",
    run,
};

/// Default `--seconds`.
pub const DEFAULT_SECONDS: u64 = 60;
/// Default `--concurrency`.
pub const DEFAULT_CONCURRENCY: u64 = 64;

/// What the command line asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadArgs {
    /// Seconds of traffic.
    pub seconds: u64,
    /// Workers sending at once.
    pub concurrency: u64,
    /// The most requests, when bounded by count too.
    pub max_requests: Option<u64>,
}

impl LoadArgs {
    /// Reads `[--seconds N] [--concurrency C] [--max-requests M]`.
    ///
    /// # Errors
    ///
    /// [`XtaskError::Usage`] for an unknown option or a value that is not a number above 0.
    pub fn parse(args: &[String]) -> Result<LoadArgs, XtaskError> {
        let usage = |problem: String| {
            XtaskError::Usage(format!(
                "{problem}\nusage: cargo xtask {}",
                super::usage(&TASK)
            ))
        };
        let mut parsed = LoadArgs {
            seconds: DEFAULT_SECONDS,
            concurrency: DEFAULT_CONCURRENCY,
            max_requests: None,
        };
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            let slot = match flag.as_str() {
                "--seconds" => &mut parsed.seconds,
                "--concurrency" => &mut parsed.concurrency,
                "--max-requests" => parsed.max_requests.insert(0),
                other => return Err(usage(format!("unknown argument `{other}`"))),
            };
            let value = rest
                .next()
                .ok_or_else(|| usage(format!("`{flag}` needs a number")))?;
            *slot = parse_positive(value).ok_or_else(|| {
                usage(format!("`{flag} {value}`: expected a whole number above 0"))
            })?;
        }
        Ok(parsed)
    }

    /// The driver's arguments.
    #[must_use]
    pub fn driver_args(&self, server: &Path) -> Vec<String> {
        let mut out = vec![
            "--server".to_owned(),
            server.display().to_string(),
            "--seconds".to_owned(),
            self.seconds.to_string(),
            "--concurrency".to_owned(),
            self.concurrency.to_string(),
        ];
        if let Some(max) = self.max_requests {
            out.extend(["--max-requests".to_owned(), max.to_string()]);
        }
        out
    }
}

/// The release directory of the workspace's target directory (`$CARGO_TARGET_DIR` when set).
fn release_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_relative() {
                root.join(dir)
            } else {
                dir
            }
        })
        .unwrap_or_else(|| root.join("target"))
        .join("release")
}

fn run(root: &Path, args: &[String]) -> Result<(), XtaskError> {
    let args = LoadArgs::parse(args)?;
    let mut build = subprocess::cargo(root);
    build.args([
        "build",
        "--release",
        "--package",
        "pam-cli",
        "--package",
        "pam-load",
    ]);
    println!("load: {}", subprocess::describe(&build));
    subprocess::run_visible(&mut build)?;
    let release = release_dir(root);
    let server = release.join(format!("pam{}", std::env::consts::EXE_SUFFIX));
    let mut driver = std::process::Command::new(
        release.join(format!("pam-load{}", std::env::consts::EXE_SUFFIX)),
    );
    driver.current_dir(root).args(args.driver_args(&server));
    println!("load: {}", subprocess::describe(&driver));
    subprocess::run_visible(&mut driver)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_arguments_and_passes_them_on() {
        let args = LoadArgs::parse(&strings(&["--seconds", "60", "--concurrency", "64"])).unwrap();
        assert_eq!(
            args,
            LoadArgs {
                seconds: 60,
                concurrency: 64,
                max_requests: None
            }
        );
        assert_eq!(
            args.driver_args(Path::new("/t/pam")).join(" "),
            "--server /t/pam --seconds 60 --concurrency 64"
        );
        let bounded = LoadArgs::parse(&strings(&["--max-requests", "1000"])).unwrap();
        assert_eq!(bounded.max_requests, Some(1000));
        assert_eq!(bounded.seconds, DEFAULT_SECONDS);
        assert!(
            bounded
                .driver_args(Path::new("p"))
                .ends_with(&["--max-requests".to_owned(), "1000".to_owned()])
        );
        for (args, expected) in [
            (
                &["--seconds", "0"][..],
                "`--seconds 0`: expected a whole number above 0",
            ),
            (&["--concurrency"][..], "`--concurrency` needs a number"),
            (&["--fast"][..], "unknown argument `--fast`"),
        ] {
            let err = LoadArgs::parse(&strings(args)).unwrap_err().to_string();
            assert!(err.contains(expected), "{args:?}: {err}");
        }
    }
}
