//! The server under load: a `pam serve` process on an ephemeral loopback port.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running `pam serve`, killed when dropped.
#[derive(Debug)]
pub struct ServeProcess {
    child: Child,
    url: String,
    log: PathBuf,
}

impl ServeProcess {
    /// Starts `binary serve --port 0` for one keyset, journaling revocations in `data_dir`,
    /// with its log (level info: one line per request) written to `log`; waits for its
    /// `listening on URL` line.
    ///
    /// The secret key is passed in the environment (`PUBNUB_SECRET_KEY`), not on the command
    /// line, where other processes could read it.
    ///
    /// # Errors
    ///
    /// A message when the process cannot start or does not print its address.
    pub fn start(
        binary: &Path,
        keys: (&str, &str, &str),
        data_dir: &Path,
        log: &Path,
    ) -> Result<ServeProcess, String> {
        let (subscribe_key, publish_key, secret_key) = keys;
        let log_file =
            File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut child = Command::new(binary)
            .args(["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir"])
            .arg(data_dir)
            .env("PUBNUB_SUBSCRIBE_KEY", subscribe_key)
            .env("PUBNUB_PUBLISH_KEY", publish_key)
            .env("PUBNUB_SECRET_KEY", secret_key)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let mut first = String::new();
        if let Some(stdout) = child.stdout.take() {
            let _ = BufReader::new(stdout).read_line(&mut first);
        }
        let Some(url) = first.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            let log_text = std::fs::read_to_string(log).unwrap_or_default();
            return Err(format!(
                "{} serve did not print `listening on URL` (first line {first:?}); its log:\n{log_text}",
                binary.display()
            ));
        };
        Ok(ServeProcess {
            url: url.to_owned(),
            child,
            log: log.to_owned(),
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:40123`.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The process id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Where its log goes.
    #[must_use]
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Its peak resident memory so far, in KiB (`VmHWM` of `/proc/PID/status`); `None` where
    /// there is no `/proc`.
    #[must_use]
    pub fn peak_memory_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        peak_memory_from_status(&status)
    }

    /// Whether it is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `VmHWM` line of a `/proc/PID/status` text, in KiB.
#[must_use]
pub fn peak_memory_from_status(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kib| kib.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vmhwm() {
        let status = "Name:\tpam\nVmPeak:\t  200000 kB\nVmHWM:\t   23456 kB\nVmRSS:\t 20000 kB\n";
        assert_eq!(peak_memory_from_status(status), Some(23_456));
        assert_eq!(peak_memory_from_status("Name:\tpam\n"), None);
    }

    #[test]
    fn reads_our_own_peak_memory() {
        if !Path::new("/proc/self/status").exists() {
            eprintln!("skipping: no /proc on this system");
            return;
        }
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        assert!(peak_memory_from_status(&status).is_some_and(|kib| kib > 0));
    }
}
