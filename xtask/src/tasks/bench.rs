//! `cargo xtask bench [ARGUMENTS]`: the side-by-side benchmarks, as one table.
//!
//! Builds `crates/pam-bench` in release mode and runs it with the arguments given. That crate
//! is a workspace of its own (the root manifest excludes it), so the official `pubnub` crate
//! it measures against, with its TLS stack, is built only here and never by CI or by
//! `cargo test --workspace`; it shares the workspace's target directory. The criterion
//! benches of the library crates are separate: `cargo bench -p pam-token` (or `pam-sign`,
//! `pam-model`).

use std::path::Path;
use std::process::Command;

use crate::XtaskError;
use crate::subprocess;

/// `cargo xtask bench`'s arguments: pam-bench's own, passed on (pam-bench checks the values).
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct BenchArgs {
    /// Fewer rounds and shorter windows (a smoke run; ratios are noisier).
    #[arg(long)]
    pub quick: bool,
    /// Run only these sections (comma-separated): parse, verify, authorize, grant, emulator.
    #[arg(long, value_name = "SECTIONS")]
    pub only: Option<String>,
    /// Run only pam's WHAT in a loop for 5 s, for `perf record` or `valgrind --tool=callgrind`
    /// (parse, parse-cbor, verify, verify-signature, authorize-10).
    #[arg(long, value_name = "WHAT")]
    pub profile: Option<String>,
    /// With --profile: N operations instead of 5 s (callgrind is slow).
    #[arg(long, value_name = "N", requires = "profile")]
    pub iterations: Option<u64>,
}

impl BenchArgs {
    /// The arguments for pam-bench.
    #[must_use]
    pub fn to_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.quick {
            out.push("--quick".to_owned());
        }
        let valued = [
            ("--only", self.only.clone()),
            ("--profile", self.profile.clone()),
            ("--iterations", self.iterations.map(|n| n.to_string())),
        ];
        for (flag, value) in valued {
            if let Some(value) = value {
                out.extend([flag.to_owned(), value]);
            }
        }
        out
    }
}

/// The bench crate's manifest, relative to the workspace root.
pub const MANIFEST: &str = "crates/pam-bench/Cargo.toml";

/// `cargo run --release` of the bench crate with `args` passed on, built into the workspace's
/// target directory.
pub fn command(root: &Path, args: &[String]) -> Command {
    let mut command = subprocess::cargo(root);
    command
        .args(["run", "--release", "--manifest-path"])
        .arg(root.join(MANIFEST))
        .arg("--target-dir")
        .arg(crate::target_dir(root))
        .arg("--")
        .args(args);
    command
}

/// Runs pam-bench with `args`.
pub fn run(root: &Path, args: &BenchArgs) -> Result<(), XtaskError> {
    subprocess::run_visible(&mut command(root, &args.to_args()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_the_bench_crate_in_release_with_the_arguments() {
        let root = Path::new("/repo");
        let described = subprocess::describe(&command(root, &["--quick".to_owned()]));
        let target = crate::target_dir(root);
        assert_eq!(
            described,
            format!(
                "cargo run --release --manifest-path /repo/crates/pam-bench/Cargo.toml --target-dir {} -- --quick",
                target.display()
            )
        );
        assert!(root.join(MANIFEST).ends_with("pam-bench/Cargo.toml"));
    }

    #[test]
    fn passes_the_flags_on() {
        let parsed = |args: &[&str]| match crate::tasks::parse(
            std::iter::once("bench").chain(args.iter().copied()),
        ) {
            Ok(Some(crate::tasks::Task::Bench(args))) => Ok(args.to_args().join(" ")),
            other => Err(format!("{other:?}")),
        };
        assert_eq!(parsed(&[]).unwrap(), "");
        assert_eq!(
            parsed(&["--quick", "--only", "parse,grant"]).unwrap(),
            "--quick --only parse,grant"
        );
        assert_eq!(
            parsed(&["--profile", "verify", "--iterations", "9"]).unwrap(),
            "--profile verify --iterations 9"
        );
        assert!(parsed(&["--iterations", "9"]).is_err());
        assert!(parsed(&["--fast"]).is_err());
    }

    #[test]
    fn the_bench_crate_is_outside_the_workspace() {
        let root = crate::workspace_root();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        let exclude = manifest
            .lines()
            .find(|line| line.trim_start().starts_with("exclude"))
            .unwrap_or_default();
        assert!(
            exclude.contains("\"crates/pam-bench\""),
            "the root manifest must exclude crates/pam-bench: {exclude:?}"
        );
        let bench = std::fs::read_to_string(root.join(MANIFEST)).unwrap();
        assert!(
            bench.contains("\n[workspace]\n"),
            "pam-bench must be its own workspace"
        );
        assert!(bench.contains("publish = false"));
    }
}
