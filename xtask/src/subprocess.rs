//! Running cargo and git with errors that show the command line and its stderr.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::XtaskError;

/// A `cargo` command: the cargo that runs us (`$CARGO`) when set, else `cargo` from `PATH`.
pub fn cargo(dir: &Path) -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(program);
    command.current_dir(dir);
    command
}

/// A `git` command run in `dir`.
pub fn git(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command.current_dir(dir);
    command
}

/// The command line as a person would type it: environment settings, program name, arguments.
pub fn describe(command: &Command) -> String {
    let mut parts: Vec<String> = command
        .get_envs()
        .filter_map(|(key, value)| value.map(|v| format!("{}={}", key.to_string_lossy(), quote(v))))
        .collect();
    let program = Path::new(command.get_program());
    let name = if program.file_stem() == Some(OsStr::new("cargo")) {
        "cargo".to_string()
    } else {
        quote(command.get_program())
    };
    parts.push(name);
    parts.extend(command.get_args().map(quote));
    parts.join(" ")
}

fn quote(text: &OsStr) -> String {
    let text = text.to_string_lossy();
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@+,".contains(c))
    {
        text.into_owned()
    } else {
        format!("\"{}\"", text.replace('"', "\\\""))
    }
}

/// Runs `command` with the terminal as its stdout and stderr; fails on a non-zero exit.
pub fn run_visible(command: &mut Command) -> Result<(), XtaskError> {
    let described = describe(command);
    let status = command
        .stdin(Stdio::null())
        .status()
        .map_err(|source| XtaskError::Spawn {
            command: described.clone(),
            source,
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(XtaskError::CommandFailed {
            command: described,
            status: status.to_string(),
            stderr: String::new(),
        })
    }
}

/// What a captured command printed.
#[derive(Debug, Clone)]
pub struct Captured {
    /// Whether it exited with status 0.
    pub success: bool,
    /// Its exit status, as text.
    pub status: String,
    /// Its standard output (lossy UTF-8).
    pub stdout: String,
    /// Its standard error (lossy UTF-8).
    pub stderr: String,
}

/// Runs `command` capturing its output, whatever its exit status.
pub fn capture(command: &mut Command) -> Result<Captured, XtaskError> {
    let described = describe(command);
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|source| XtaskError::Spawn {
            command: described,
            source,
        })?;
    Ok(Captured {
        success: output.status.success(),
        status: output.status.to_string(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// Runs `command` capturing its output; fails (with its stderr) on a non-zero exit.
pub fn run_captured(command: &mut Command) -> Result<String, XtaskError> {
    let described = describe(command);
    let captured = capture(command)?;
    if captured.success {
        Ok(captured.stdout)
    } else {
        Err(XtaskError::CommandFailed {
            command: described,
            status: captured.status,
            stderr: captured.stderr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_commands_as_typed() {
        let mut command = Command::new("cargo");
        command
            .env("RUSTDOCFLAGS", "-D warnings")
            .args(["doc", "--workspace", "--no-deps"]);
        assert_eq!(
            describe(&command),
            "RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps"
        );
    }

    #[test]
    fn failures_carry_the_command_and_stderr() {
        let dir = std::env::temp_dir();
        let err = run_captured(git(&dir).args(["definitely-not-a-git-subcommand"]))
            .expect_err("git must reject an unknown subcommand");
        let text = err.to_string();
        assert!(
            text.contains("`git definitely-not-a-git-subcommand` failed"),
            "{text}"
        );
        assert!(text.contains("definitely-not-a-git-subcommand"), "{text}");
    }
}
