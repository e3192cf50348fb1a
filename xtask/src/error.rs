//! The one error type of xtask: every failure says what went wrong and where.

use std::io;
use std::path::PathBuf;

/// Everything an xtask task can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XtaskError {
    /// `cargo xtask interop`: some checks failed or could not run (each is printed above).
    #[error("interop: {failed} check(s) failed, {passed} passed")]
    Interop {
        /// Checks that passed.
        passed: usize,
        /// Checks that failed or did not run.
        failed: usize,
    },
    /// The command line was wrong; the message says how to call the task.
    #[error("{0}")]
    Usage(String),
    /// Reading or writing a file or directory failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A program (cargo, git) could not be started at all.
    #[error("could not run `{command}`: {source}")]
    Spawn {
        /// The command line, as a person would type it.
        command: String,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A program ran and reported failure.
    #[error("`{command}` failed ({status}){}", indent_output(stderr))]
    CommandFailed {
        /// The command line, as a person would type it.
        command: String,
        /// Its exit status.
        status: String,
        /// What it wrote to stderr (empty when stderr went to the terminal).
        stderr: String,
    },
    /// A version string is not `MAJOR.MINOR.PATCH[-PRE][+BUILD]`.
    #[error("invalid version `{input}`: {source} (expected MAJOR.MINOR.PATCH[-PRE][+BUILD])")]
    InvalidVersion {
        /// The text given (cut at 256 characters).
        input: String,
        /// What the semver parser found wrong.
        #[source]
        source: semver::Error,
    },
    /// A release must move the version forward.
    #[error(
        "version {requested} is not above the current version {current}; choose a higher version"
    )]
    VersionNotAbove {
        /// The version asked for.
        requested: String,
        /// The version in `[workspace.package]`.
        current: String,
    },
    /// The git tree has uncommitted or untracked files.
    #[error(
        "refusing to release: the git tree at {} is not clean (`git status --porcelain` lists {} entr{}); commit or remove them first:\n{}",
        root.display(),
        entries.len(),
        if entries.len() == 1 { "y" } else { "ies" },
        list_some(entries, 20)
    )]
    DirtyTree {
        /// The workspace root.
        root: PathBuf,
        /// The lines `git status --porcelain` printed.
        entries: Vec<String>,
    },
    /// A manifest (`Cargo.toml`) is not valid TOML or lacks what a task needs.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// The 1-based line, when one line is at fault.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// `CHANGELOG.md` cannot be released as it stands.
    #[error("{}: {message}", path.display())]
    Changelog {
        /// The changelog.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// `cargo metadata` failed or printed something `cargo_metadata` could not read.
    #[error("`cargo metadata` on {}: {source}", manifest.display())]
    Metadata {
        /// The manifest it ran on.
        manifest: PathBuf,
        /// What went wrong.
        #[source]
        source: cargo_metadata::Error,
    },
    /// The workspace breaks one or more tidy rules.
    #[error("tidy: {} problem(s):\n{}", .0.len(), .0.iter().map(|v| format!("  {v}")).collect::<Vec<_>>().join("\n"))]
    Tidy(Vec<crate::tasks::tidy::Violation>),
    /// After the version bump, some manifest still names another version.
    #[error("the version bump is inconsistent:\n{}", .0.iter().map(|v| format!("  {v}")).collect::<Vec<_>>().join("\n"))]
    InconsistentBump(Vec<String>),
    /// Package names we would publish belong to someone else on crates.io.
    #[error("crates.io names taken by someone else:\n{}", .0.iter().map(|v| format!("  {v}")).collect::<Vec<_>>().join("\n"))]
    NamesTaken(Vec<String>),
    /// A step of `cargo xtask ci` failed.
    #[error(
        "ci: step {index}/{total} failed: `{command}` ({status}); fix it and rerun `cargo xtask ci`"
    )]
    CiStep {
        /// 1-based step number.
        index: usize,
        /// Number of steps.
        total: usize,
        /// The step's command line.
        command: String,
        /// Its exit status.
        status: String,
    },
}

fn list_some(entries: &[String], shown: usize) -> String {
    let mut lines: Vec<String> = entries
        .iter()
        .take(shown)
        .map(|e| format!("  {e}"))
        .collect();
    if entries.len() > shown {
        lines.push(format!("  … and {} more", entries.len() - shown));
    }
    lines.join("\n")
}

fn indent_output(stderr: &str) -> String {
    let trimmed = stderr.trim_end();
    if trimmed.is_empty() {
        return String::new();
    }
    let lines: Vec<&str> = trimmed.lines().collect();
    // Keep the end: cargo puts the actual error last.
    let start = lines.len().saturating_sub(40);
    let mut out = String::from(":");
    for line in &lines[start..] {
        out.push_str("\n  ");
        out.push_str(line);
    }
    out
}

impl XtaskError {
    /// An [`XtaskError::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        XtaskError::Io {
            path: path.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_dirty_listing_is_cut_and_counted() {
        let entries: Vec<String> = (0..25).map(|i| format!("?? file{i}")).collect();
        let text = XtaskError::DirtyTree {
            root: PathBuf::from("/w"),
            entries,
        }
        .to_string();
        assert!(text.contains("lists 25 entries"), "{text}");
        assert!(text.contains("  ?? file19\n  … and 5 more"), "{text}");
        assert!(!text.contains("file20"), "{text}");
    }

    #[test]
    fn command_failures_show_the_end_of_stderr() {
        let stderr: String = (0..50).map(|i| format!("line {i}\n")).collect();
        let text = XtaskError::CommandFailed {
            command: "cargo x".into(),
            status: "exit status: 1".into(),
            stderr,
        }
        .to_string();
        assert!(
            text.starts_with("`cargo x` failed (exit status: 1):\n  line 10\n"),
            "{text}"
        );
        assert!(text.ends_with("  line 49"), "{text}");
    }
}
