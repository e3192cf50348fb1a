//! The tasks `cargo xtask` runs, one module each.
//!
//! To add a task (`bench`, `fuzz`, `load`, …): write a module here with a `pub const TASK:
//! Task` and add it to [`TASKS`]; `cargo xtask` lists it and dispatches to it.

pub mod bench;
pub mod ci;
pub mod fuzz;
pub mod interop;
pub mod load;
pub mod release;
pub mod tidy;

use std::path::Path;

use crate::XtaskError;

/// One `cargo xtask` task.
#[derive(Debug, Clone, Copy)]
pub struct Task {
    /// The name typed after `cargo xtask`.
    pub name: &'static str,
    /// Arguments, for the usage line (empty when there are none).
    pub arguments: &'static str,
    /// One line saying what it does.
    pub summary: &'static str,
    /// Runs the task on the workspace at the given root with the arguments after its name.
    pub run: fn(&Path, &[String]) -> Result<(), XtaskError>,
}

/// Every task, in the order `cargo xtask` lists them.
pub const TASKS: &[Task] = &[
    bench::TASK,
    ci::TASK,
    fuzz::TASK,
    interop::TASK,
    load::TASK,
    release::TASK,
    tidy::TASK,
];

/// The task called `name`.
pub fn find(name: &str) -> Option<&'static Task> {
    TASKS.iter().find(|task| task.name == name)
}

/// The task list `cargo xtask` prints: one line per task.
pub fn listing() -> String {
    let width = TASKS.iter().map(|t| usage(t).len()).max().unwrap_or(0);
    let mut out = String::from("Usage: cargo xtask <task> [arguments]\n\nTasks:\n");
    for task in TASKS {
        out.push_str(&format!("  {:width$}  {}\n", usage(task), task.summary));
    }
    out
}

/// `name arguments`, as typed.
pub fn usage(task: &Task) -> String {
    if task.arguments.is_empty() {
        task.name.to_string()
    } else {
        format!("{} {}", task.name, task.arguments)
    }
}

/// Fails with a usage error when `args` is not empty (for tasks without arguments).
pub fn expect_no_arguments(task: &Task, args: &[String]) -> Result<(), XtaskError> {
    match args.first() {
        None => Ok(()),
        Some(extra) => Err(XtaskError::Usage(format!(
            "`cargo xtask {}` takes no arguments, found `{extra}`\nusage: cargo xtask {}",
            task.name,
            usage(task)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_has_one_line_per_task() {
        let listing = listing();
        for task in TASKS {
            let lines: Vec<&str> = listing
                .lines()
                .filter(|l| l.trim_start().starts_with(&format!("{} ", task.name)))
                .collect();
            assert_eq!(lines.len(), 1, "{listing}");
            assert!(lines[0].contains(task.summary));
        }
        let names: Vec<&str> = TASKS.iter().map(|t| t.name).collect();
        assert_eq!(
            names,
            ["bench", "ci", "fuzz", "interop", "load", "release", "tidy"]
        );
    }

    #[test]
    fn unknown_arguments_are_usage_errors() {
        let err = expect_no_arguments(&tidy::TASK, &["--fix".to_string()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`cargo xtask tidy` takes no arguments, found `--fix`"),
            "{err}"
        );
        assert!(find("nope").is_none());
        assert!(find("release").is_some());
    }
}
