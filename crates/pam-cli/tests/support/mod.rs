//! A real `pam serve` child process for the CLI's integration tests.

#![allow(dead_code, unreachable_pub)] // each test binary uses part of it

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// `pam serve --port 0 ARGS`, with its address read from the first line it prints; killed
/// (SIGKILL on Unix) and reaped when dropped. No `PUBNUB_*` variable leaks in from the
/// environment running the tests.
pub struct ServeProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl ServeProcess {
    /// Starts the server with `args` after `serve --port 0`.
    pub fn start<S: AsRef<OsStr>>(args: &[S]) -> ServeProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pam"))
            .args(["serve", "--port", "0"])
            .args(args)
            .env_remove("PUBNUB_SUBSCRIBE_KEY")
            .env_remove("PUBNUB_PUBLISH_KEY")
            .env_remove("PUBNUB_SECRET_KEY")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("pam serve starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("reads the first line");
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        ServeProcess { child, url }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM (Unix only) and waits up to `bound` for the process to exit; its exit
    /// status and how long it took, or `None` when it was still running (it is then killed).
    #[cfg(unix)]
    pub fn terminate(
        &mut self,
        bound: std::time::Duration,
    ) -> Option<(std::process::ExitStatus, std::time::Duration)> {
        let started = std::time::Instant::now();
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -TERM failed: {sent}");
        while started.elapsed() < bound {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some((status, started.elapsed()));
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }

    /// SIGKILL, and wait for the process to be gone.
    pub fn kill_9(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reaped");
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
