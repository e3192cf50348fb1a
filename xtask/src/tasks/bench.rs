//! `cargo xtask bench [ARGUMENTS]`: the side-by-side benchmarks, as one table.
//!
//! Builds `crates/pam-bench` in release mode and runs it with the arguments given. That crate
//! is a workspace of its own (the root manifest excludes it), so the official `pubnub` crate
//! it measures against, with its TLS stack, is built only here and never by CI or by
//! `cargo test --workspace`; it shares the workspace's target directory. The criterion
//! benches of the library crates are separate: `cargo bench -p pam-token` (or `pam-sign`,
//! `pam-model`).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Task;
use crate::XtaskError;
use crate::subprocess;

/// The `bench` task.
pub const TASK: Task = Task {
    name: "bench",
    arguments: "[--quick] [--only SECTIONS] [--profile WHAT [--iterations N]]",
    summary: "pam vs pubnub 0.9 and the floor (parse, verify, authorize, grant, emulator): one table",
    run,
};

/// The bench crate's manifest, relative to the workspace root.
pub const MANIFEST: &str = "crates/pam-bench/Cargo.toml";

/// The target directory the bench crate builds into: `$CARGO_TARGET_DIR` when set (relative
/// to the workspace root), else the workspace's `target`.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_relative() => root.join(dir),
        Some(dir) => dir,
        None => root.join("target"),
    }
}

/// `cargo run --release` of the bench crate with `args` passed on.
pub fn command(root: &Path, args: &[String]) -> Command {
    let mut command = subprocess::cargo(root);
    command
        .args(["run", "--release", "--manifest-path"])
        .arg(root.join(MANIFEST))
        .arg("--target-dir")
        .arg(target_dir(root))
        .arg("--")
        .args(args);
    command
}

fn run(root: &Path, args: &[String]) -> Result<(), XtaskError> {
    subprocess::run_visible(&mut command(root, args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_the_bench_crate_in_release_with_the_arguments() {
        let root = Path::new("/repo");
        let described = subprocess::describe(&command(root, &["--quick".to_owned()]));
        let target = target_dir(root);
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
