//! The tasks `cargo xtask` runs, one module each, and the command line that picks one (clap).
//!
//! To add a task (`bench`, `fuzz`, `load`, …): write a module here with its arguments (a
//! `clap::Args` struct, or none) and a `run` function, and add a variant to [`Task`]; its doc
//! comment is the line `cargo xtask` lists.

pub mod bench;
pub mod ci;
pub mod fuzz;
pub mod interop;
pub mod load;
pub mod release;
pub mod tidy;

use std::path::Path;

use clap::{CommandFactory, Parser, Subcommand};

use crate::XtaskError;

/// `cargo xtask`: the project's automation. Without a task it lists the tasks.
///
/// Each task's options: `cargo xtask help TASK`.
#[derive(Debug, Parser)]
#[command(name = "xtask", bin_name = "cargo xtask", term_width = 0)]
pub struct Cli {
    /// The task to run.
    #[command(subcommand)]
    pub task: Option<Task>,
}

/// One `cargo xtask` task, with its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Task {
    /// Benchmark pam vs pubnub 0.9 and the floor (parse, verify, authorize, grant, emulator): one table
    Bench(bench::BenchArgs),
    /// Run what CI runs: fmt check, clippy -D warnings, tests (incl. tidy), each crate built alone, docs -D warnings; stops at the first failure
    Ci,
    /// Run one cargo-fuzz target for N seconds (default 60), corpus seeded from the committed vectors; prints execs and coverage
    Fuzz(fuzz::FuzzArgs),
    /// Install the pinned official SDKs under target/interop and run their flows against `pam serve`
    Interop(interop::InteropArgs),
    /// Drive a release `pam serve` with mixed grant/revoke/publish traffic; prints latency, statuses, peak memory
    Load(load::LoadArgs),
    /// Bump all crates to VERSION, date the changelog, package and check; --dry-run changes nothing, --execute publishes
    Release(release::ReleaseArgs),
    /// Check crate metadata, internal versions, layering, pure crates' and unused dependencies
    Tidy,
}

impl Task {
    /// Runs the task on the workspace at `root`.
    pub fn run(self, root: &Path) -> Result<(), XtaskError> {
        match self {
            Task::Bench(args) => bench::run(root, &args),
            Task::Ci => ci::run(root),
            Task::Fuzz(args) => fuzz::run(root, &args),
            Task::Interop(args) => interop::run(root, &args),
            Task::Load(args) => load::run(root, &args),
            Task::Release(args) => release::run(root, &args),
            Task::Tidy => tidy::run(root),
        }
    }
}

/// Reads a command line (`args` without the program name); `Ok(None)` when no task is named.
///
/// # Errors
///
/// clap's error for `--help` (kind `DisplayHelp`) or a bad command line; printing it gives the
/// help or the error with the usage.
pub fn parse<I, T>(args: I) -> Result<Option<Task>, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let program = std::iter::once(std::ffi::OsString::from("cargo xtask"));
    Cli::try_parse_from(program.chain(args.into_iter().map(Into::into))).map(|cli| cli.task)
}

/// The task list `cargo xtask` prints: the usage, then one line per task.
pub fn listing() -> String {
    Cli::command().render_help().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_has_one_line_per_task() {
        let listing = listing();
        assert!(
            listing.contains("Usage: cargo xtask [COMMAND]"),
            "{listing}"
        );
        let mut names = Vec::new();
        for command in Cli::command().get_subcommands() {
            let name = command.get_name();
            if name == "help" {
                continue;
            }
            let summary = command
                .get_about()
                .expect("every task has a summary")
                .to_string();
            let lines: Vec<&str> = listing
                .lines()
                .filter(|l| l.trim_start().starts_with(&format!("{name} ")))
                .collect();
            assert_eq!(lines.len(), 1, "{listing}");
            assert!(lines[0].contains(&summary), "{listing}");
            names.push(name.to_string());
        }
        assert_eq!(
            names,
            ["bench", "ci", "fuzz", "interop", "load", "release", "tidy"]
        );
    }

    #[test]
    fn no_task_lists_and_unknown_things_are_usage_errors() {
        assert_eq!(parse(Vec::<String>::new()).unwrap(), None);
        assert_eq!(parse(["tidy"]).unwrap(), Some(Task::Tidy));
        let err = parse(["tidy", "--fix"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.to_string().contains("unexpected argument '--fix'"),
            "{err}"
        );
        let err = parse(["nope"]).unwrap_err();
        assert!(
            err.to_string().contains("unrecognized subcommand 'nope'"),
            "{err}"
        );
        let help = parse(["release", "--help"]).unwrap_err();
        assert_eq!(help.exit_code(), 0);
        assert!(
            help.to_string().contains("Usage: cargo xtask release"),
            "{help}"
        );
    }
}
