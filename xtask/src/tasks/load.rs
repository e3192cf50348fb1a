//! `cargo xtask load --seconds N --concurrency C`: mixed traffic against a release server.
//!
//! Builds `pam` (the CLI) and `pam-load` (the driver, `crates/pam-load`) in release mode, then
//! runs the driver, which starts `pam serve --data-dir` on an ephemeral loopback port, sends
//! grant / revoke / publish traffic for N seconds from C workers, re-checks every revoked
//! token, and prints requests, answers by status, latency p50 / p99 / max and the server's
//! peak memory. Fails when the driver does: any 5xx, any revoked token accepted, any request
//! without an answer or with a wrong one, or a secret in the server's log.

use std::path::Path;

use clap::value_parser;

use crate::XtaskError;
use crate::subprocess;

/// Default `--seconds`.
pub const DEFAULT_SECONDS: u64 = 60;
/// Default `--concurrency`.
pub const DEFAULT_CONCURRENCY: u64 = 64;

/// `cargo xtask load`'s arguments.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct LoadArgs {
    /// Seconds of traffic.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SECONDS,
          value_parser = value_parser!(u64).range(1..))]
    pub seconds: u64,
    /// Workers sending at once.
    #[arg(long, value_name = "C", default_value_t = DEFAULT_CONCURRENCY,
          value_parser = value_parser!(u64).range(1..))]
    pub concurrency: u64,
    /// The most requests, to bound the run by count too.
    #[arg(long, value_name = "M", value_parser = value_parser!(u64).range(1..))]
    pub max_requests: Option<u64>,
}

impl LoadArgs {
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

/// Builds the server and the driver in release mode, then runs the driver.
pub fn run(root: &Path, args: &LoadArgs) -> Result<(), XtaskError> {
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
    let release = crate::target_dir(root).join("release");
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

    fn parse(args: &[&str]) -> Result<LoadArgs, String> {
        match crate::tasks::parse(std::iter::once("load").chain(args.iter().copied())) {
            Ok(Some(crate::tasks::Task::Load(args))) => Ok(args),
            Ok(other) => Err(format!("not a load task: {other:?}")),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn parses_arguments_and_passes_them_on() {
        let args = parse(&["--seconds", "60", "--concurrency", "64"]).unwrap();
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
        let bounded = parse(&["--max-requests", "1000"]).unwrap();
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
                "invalid value '0' for '--seconds <N>'",
            ),
            (
                &["--concurrency"][..],
                "a value is required for '--concurrency <C>'",
            ),
            (&["--fast"][..], "unexpected argument '--fast'"),
        ] {
            let err = parse(args).unwrap_err();
            assert!(err.contains(expected), "{args:?}: {err}");
        }
    }
}
