//! `cargo xtask ci`: if this passes locally, CI is green.
//!
//! Runs, in order, stopping at the first failure: formatting check, clippy with warnings as
//! errors, the whole test suite (which includes the tidy rules, the conformance tests over the
//! committed vectors, and PubNub's acceptance features from `../shared`, which skip with a
//! printed reason when it is absent), each publishable crate checked on its own (see
//! [`alone_checks`]), the builds outside the main workspace (see [`outside_checks`]), the
//! official SDKs against `pam serve` (see [`interop_steps`]; they install from PyPI, npm and
//! crates.io), and the docs with rustdoc warnings as errors: the steps of `.ci/run`, which
//! also reads the test output for the conformance and acceptance counts.

use std::path::Path;
use std::process::Command;

use crate::XtaskError;
use crate::subprocess;

/// The CI steps for the workspace at `root`, in order.
pub fn steps(root: &Path) -> Vec<Command> {
    let cargo = |args: &[&str]| cargo_step(root, args);
    let mut doc = cargo(&["doc", "--workspace", "--no-deps"]);
    doc.env("RUSTDOCFLAGS", "-D warnings");
    vec![
        cargo(&["fmt", "--all", "--check"]),
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
        cargo(&["test", "--workspace"]),
    ]
    .into_iter()
    .chain(alone_checks(root))
    .chain(outside_checks(root))
    .chain(interop_steps(root))
    .chain([doc])
    .collect()
}

/// `cargo ARGS` in the workspace at `root`.
fn cargo_step(root: &Path, args: &[&str]) -> Command {
    let mut command = subprocess::cargo(root);
    command.args(args);
    command
}

/// The builds CI makes outside the main workspace, so they cannot rot unseen: pam-token
/// without its default features (a parse-and-verify-only user), the fuzz targets (checked;
/// running them needs cargo-fuzz), the side-by-side benchmarks (linted) and the Rust interop
/// flows (format).
pub fn outside_checks(root: &Path) -> Vec<Command> {
    let cargo = |args: &[&str]| cargo_step(root, args);
    vec![
        cargo(&["build", "-p", "pam-token", "--no-default-features"]),
        cargo(&[
            "check",
            "--manifest-path",
            "fuzz/Cargo.toml",
            "--all-targets",
        ]),
        cargo(&[
            "clippy",
            "--manifest-path",
            "crates/pam-bench/Cargo.toml",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
        cargo(&[
            "fmt",
            "--manifest-path",
            "interop/rust/Cargo.toml",
            "--check",
        ]),
    ]
}

/// PubNub's official SDKs against `pam serve`: `cargo xtask interop` (Python, JavaScript and
/// Rust, pinned) and the pam-bench workspace's tests (the `pubnub` 0.9 categories test among them).
pub fn interop_steps(root: &Path) -> Vec<Command> {
    let cargo = |args: &[&str]| cargo_step(root, args);
    vec![
        cargo(&["xtask", "interop"]),
        cargo(&["test", "--manifest-path", "crates/pam-bench/Cargo.toml"]),
    ]
}

/// `cargo check -p CRATE` for each publishable crate on its own, and pam-sdk with `blocking`.
///
/// A workspace build unifies features across all crates, so a library that uses a tokio (or
/// other) feature it does not enable itself still builds there, and fails for a user who
/// depends on it alone. Built one by one, each crate gets only the features it asks for.
pub fn alone_checks(root: &Path) -> Vec<Command> {
    let check = |args: &[&str]| {
        let mut command = subprocess::cargo(root);
        command.args(["check", "--quiet"]).args(args);
        command
    };
    crate::layering::PUBLISH_ORDER
        .iter()
        .map(|name| check(&["-p", name]))
        .chain([check(&["-p", "pam-sdk", "--features", "blocking"])])
        .collect()
}

/// Runs the steps one after the other; the first failing step ends the run with an error that
/// names it.
pub fn run_steps(steps: Vec<Command>) -> Result<(), XtaskError> {
    let total = steps.len();
    for (index, mut step) in steps.into_iter().enumerate() {
        let described = subprocess::describe(&step);
        println!("ci: [{}/{total}] {described}", index + 1);
        match subprocess::run_visible(&mut step) {
            Ok(()) => {}
            Err(XtaskError::CommandFailed { status, .. }) => {
                return Err(XtaskError::CiStep {
                    index: index + 1,
                    total,
                    command: described,
                    status,
                });
            }
            Err(other) => return Err(other),
        }
    }
    println!("ci: all {total} steps passed");
    Ok(())
}

/// Runs the CI steps on the workspace at `root`.
pub fn run(root: &Path) -> Result<(), XtaskError> {
    run_steps(steps(root))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_the_documented_commands_in_order() {
        let described: Vec<String> = steps(Path::new("."))
            .iter()
            .map(subprocess::describe)
            .collect();
        assert_eq!(
            described,
            [
                "cargo fmt --all --check",
                "cargo clippy --workspace --all-targets -- -D warnings",
                "cargo test --workspace",
                "cargo check --quiet -p pam-model",
                "cargo check --quiet -p pam-sign",
                "cargo check --quiet -p pam-token",
                "cargo check --quiet -p pam-http",
                "cargo check --quiet -p pam-sdk",
                "cargo check --quiet -p pam-emulator",
                "cargo check --quiet -p pam-cli",
                "cargo check --quiet -p pam-sdk --features blocking",
                "cargo build -p pam-token --no-default-features",
                "cargo check --manifest-path fuzz/Cargo.toml --all-targets",
                "cargo clippy --manifest-path crates/pam-bench/Cargo.toml --all-targets -- -D warnings",
                "cargo fmt --manifest-path interop/rust/Cargo.toml --check",
                "cargo xtask interop",
                "cargo test --manifest-path crates/pam-bench/Cargo.toml",
                "RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps",
            ]
        );
    }

    #[test]
    fn stops_at_the_first_failing_step() {
        let dir = crate::scratch::temp_dir("xtask-ci").unwrap();
        let marker = dir.path().join("third-step-ran");
        let mut ok = Command::new("git");
        ok.arg("--version");
        let mut failing = Command::new("git");
        failing.args(["definitely-not-a-git-subcommand"]);
        let mut never = Command::new("git");
        never
            .current_dir(dir.path())
            .args(["init", "-q"])
            .arg(&marker);
        let err = run_steps(vec![ok, failing, never]).unwrap_err();
        match &err {
            XtaskError::CiStep {
                index,
                total,
                command,
                ..
            } => {
                assert_eq!((*index, *total), (2, 3));
                assert_eq!(command, "git definitely-not-a-git-subcommand");
            }
            other => panic!("expected a CiStep error, got {other}"),
        }
        assert!(
            err.to_string()
                .starts_with("ci: step 2/3 failed: `git definitely-not-a-git-subcommand`")
        );
        assert!(!marker.exists(), "a step after the failing one ran");
    }
}
