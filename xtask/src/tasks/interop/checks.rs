//! Counting checks: the lines the flow runners print, and the harness's own checks.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::server::Keysets;

/// Passed and failed checks so far; every check is printed as it is counted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Checks that passed.
    pub passed: usize,
    /// Checks that failed or could not run.
    pub failed: usize,
}

impl Tally {
    /// Counts and prints one check of `who` (an SDK, or `harness`).
    pub fn record(&mut self, who: &str, name: &str, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => {
                self.passed += 1;
                println!("  ok    {who:<7} {name}");
            }
            Err(why) => {
                self.failed += 1;
                println!("  FAIL  {who:<7} {name}: {why}");
            }
        }
    }

    /// Counts the check lines of a runner's output (`ok NAME`, `FAIL NAME<TAB>WHY`); other lines
    /// are shown as they are. A runner that exits non-zero without a `FAIL` line, prints no
    /// check at all, or outlives `deadline`, is one more failed check.
    pub fn absorb_flows(&mut self, who: &str, command: &mut Command, deadline: Duration) {
        let described = crate::subprocess::describe(command);
        let (status, stdout, stderr) = match run_with_deadline(command, deadline) {
            Ok(output) => output,
            Err(why) => {
                self.record(who, "flows run", Err(format!("`{described}`: {why}")));
                return;
            }
        };
        let before = self.clone();
        for line in stdout.lines() {
            if let Some(name) = line.strip_prefix("ok ") {
                self.record(who, name, Ok(()));
            } else if let Some(rest) = line.strip_prefix("FAIL ") {
                // `FAIL NAME<TAB>WHY`: check names may hold `:`, so a tab ends them.
                let (name, why) = rest.split_once('\t').unwrap_or((rest, "(no reason given)"));
                self.record(who, name, Err(why.to_owned()));
            } else if !line.trim().is_empty() {
                println!("        {who:<7} | {line}");
            }
        }
        let new_failures = self.failed - before.failed;
        let new_checks = new_failures + (self.passed - before.passed);
        let stderr_tail = tail(&stderr, 12);
        if new_checks == 0 {
            self.record(
                who,
                "flows run",
                Err(format!(
                    "no check was reported ({status}); stderr:\n{stderr_tail}"
                )),
            );
        } else if !status.success() && new_failures == 0 {
            self.record(
                who,
                "flows run",
                Err(format!(
                    "the runner exited with {status}; stderr:\n{stderr_tail}"
                )),
            );
        } else if new_failures > 0 && !stderr_tail.trim().is_empty() {
            println!("        {who:<7} | stderr (last lines):");
            for line in stderr_tail.lines() {
                println!("        {who:<7} | {line}");
            }
        }
    }
}

/// Runs `command` with its output captured, killing it if it is still running after
/// `deadline`.
pub fn run_with_deadline(
    command: &mut Command,
    deadline: Duration,
) -> Result<(std::process::ExitStatus, String, String), String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let stdout = child.stdout.take().map(read_to_end);
    let stderr = child.stderr.take().map(read_to_end);
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "still running after {} s; killed",
                    deadline.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("waiting for it failed: {e}")),
        }
    };
    let text = |reader: Option<std::thread::JoinHandle<String>>| {
        reader.and_then(|r| r.join().ok()).unwrap_or_default()
    };
    Ok((status, text(stdout), text(stderr)))
}

/// Reads `pipe` to its end on a thread of its own, as text.
fn read_to_end(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = pipe.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    })
}

/// The last `lines` lines of `text`.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Whether a `pam serve` log keeps every credential redacted: no secret key, and every `auth`,
/// `signature` or `token` value it shows is `<redacted>`.
///
/// # Errors
///
/// The first offending line, with the credential cut out.
pub fn log_is_redacted(log: &str, keysets: &Keysets) -> Result<(), String> {
    for line in log.lines() {
        if keysets.secrets().any(|secret| line.contains(secret)) {
            return Err("a secret key appears in the log".to_owned());
        }
        for marker in ["auth=", "signature=", "token="] {
            let mut rest = line;
            while let Some(at) = rest.find(marker) {
                let value = &rest[at + marker.len()..];
                // A marker inside a longer name (`timetoken=`, a history parameter) is not a
                // credential: only one that starts a parameter or a field counts.
                let starts_a_name = rest[..at]
                    .chars()
                    .next_back()
                    .is_none_or(|before| matches!(before, '?' | '&' | ' ' | '"'));
                if starts_a_name
                    && !(value.starts_with("<redacted>")
                        || value.starts_with('&')
                        || value.is_empty())
                {
                    let shown: String =
                        line[..line.len() - value.len()].chars().take(160).collect();
                    return Err(format!("a `{marker}` value is in clear after: {shown}"));
                }
                rest = value;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runner_lines_are_counted_and_silence_is_a_failure() {
        let mut tally = Tally::default();
        let mut command = Command::new("sh");
        command.args([
            "-c",
            "echo 'ok a: one'; printf 'FAIL a: two\\twhy\\n'; echo note",
        ]);
        tally.absorb_flows("sh", &mut command, Duration::from_secs(30));
        assert_eq!((tally.passed, tally.failed), (1, 1));

        let mut silent = Tally::default();
        tally_of(&mut silent, "exit 0");
        assert_eq!((silent.passed, silent.failed), (0, 1));

        let mut crashed = Tally::default();
        tally_of(&mut crashed, "echo 'ok a: one'; exit 3");
        assert_eq!((crashed.passed, crashed.failed), (1, 1));
    }

    fn tally_of(tally: &mut Tally, script: &str) {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        tally.absorb_flows("sh", &mut command, Duration::from_secs(30));
    }

    #[test]
    fn a_runner_past_its_deadline_is_killed_and_failed() {
        let mut tally = Tally::default();
        let mut command = Command::new("sleep");
        command.arg("30");
        tally.absorb_flows("sleep", &mut command, Duration::from_millis(200));
        assert_eq!((tally.passed, tally.failed), (0, 1));
    }

    #[test]
    fn logs_with_clear_credentials_are_caught() {
        let keysets = Keysets::interop();
        assert!(
            log_is_redacted(
                "GET /p?auth=<redacted>&uuid=u signature=<redacted>",
                &keysets
            )
            .is_ok()
        );
        assert!(log_is_redacted("GET /p?auth=qEF2AkF0", &keysets).is_err());
        assert!(log_is_redacted("GET /p?token=qEF2AkF0", &keysets).is_err());
        assert!(
            log_is_redacted(
                "GET /h?timetoken=17000000000000000&auth=<redacted>",
                &keysets
            )
            .is_ok()
        );
        let secret = keysets.secrets().next().unwrap().to_owned();
        assert!(log_is_redacted(&format!("key {secret}"), &keysets).is_err());
    }
}
