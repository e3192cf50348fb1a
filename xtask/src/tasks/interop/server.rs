//! The `pam serve` processes the flows talk to.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::sdks::Layout;

/// How far ahead the second server's clock runs, for the clock-skew check.
pub const SKEWED_CLOCK_SECS: i64 = 3_600;

/// How long a server may take to exit after SIGTERM.
pub const STOP_DEADLINE: Duration = Duration::from_secs(15);

/// How long a server may take to print its address.
const START_DEADLINE: Duration = Duration::from_secs(30);

/// One keyset's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeysetKeys {
    /// Subscribe key.
    pub subscribe_key: &'static str,
    /// Publish key.
    pub publish_key: &'static str,
    /// Secret key.
    pub secret_key: &'static str,
}

/// The keysets every server serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keysets {
    /// Revocation enabled.
    pub main: KeysetKeys,
    /// Revocation disabled (for "Feature disabled").
    pub no_revocation: KeysetKeys,
}

impl Keysets {
    /// The suite's keysets.
    #[must_use]
    pub fn interop() -> Keysets {
        Keysets {
            main: KeysetKeys {
                subscribe_key: "sub-c-interop",
                publish_key: "pub-c-interop",
                secret_key: "sec-c-interop-8d1f0c",
            },
            no_revocation: KeysetKeys {
                subscribe_key: "sub-c-interop-norevoke",
                publish_key: "pub-c-interop-norevoke",
                secret_key: "sec-c-interop-norevoke-5b2e",
            },
        }
    }

    /// Both secret keys.
    pub fn secrets(&self) -> impl Iterator<Item = &'static str> {
        [self.main.secret_key, self.no_revocation.secret_key].into_iter()
    }

    /// The `pam serve --config` file serving both.
    #[must_use]
    pub fn config_toml(&self) -> String {
        let table = |k: &KeysetKeys, revocation: bool| {
            format!(
                "[[keysets]]\nsubscribe_key = \"{}\"\npublish_key = \"{}\"\nsecret_key = \"{}\"\nrevocation = {revocation}\n",
                k.subscribe_key, k.publish_key, k.secret_key
            )
        };
        format!(
            "# Written by `cargo xtask interop`.\n{}\n{}",
            table(&self.main, true),
            table(&self.no_revocation, false)
        )
    }
}

/// A running `pam serve`.
#[derive(Debug)]
pub struct Server {
    /// `main` or `skewed`.
    pub role: &'static str,
    /// `127.0.0.1:PORT`, as the SDKs take an origin.
    pub origin: String,
    child: Child,
    log: PathBuf,
}

impl Server {
    /// Starts `pam serve` on an ephemeral loopback port with `keysets` and the clock shifted
    /// by `clock_offset` seconds; its stderr (the request log) goes to
    /// `target/interop/serve-ROLE.log`.
    ///
    /// # Errors
    ///
    /// Why it did not start or did not print its address in time.
    pub fn start(
        layout: &Layout,
        keysets: &Keysets,
        role: &'static str,
        clock_offset: i64,
    ) -> Result<Server, String> {
        let config = layout.dir.join("pam-serve.toml");
        std::fs::write(&config, keysets.config_toml())
            .map_err(|e| format!("{}: {e}", config.display()))?;
        let log = layout.dir.join(format!("serve-{role}.log"));
        let log_file =
            std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let mut child = Command::new(layout.pam_bin())
            .args(["serve", "--host", "127.0.0.1", "--port", "0", "--config"])
            .arg(&config)
            .arg(format!("--clock-offset={clock_offset}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", layout.pam_bin().display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = sender.send(lines.next());
            // Keep draining so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let first = receiver.recv_timeout(START_DEADLINE);
        let origin = match first {
            Ok(Some(Ok(line))) => line
                .strip_prefix("listening on http://")
                .map(str::to_owned)
                .ok_or_else(|| format!("unexpected first line `{line}`")),
            Ok(_) => Err("exited before printing its address".to_owned()),
            Err(_) => Err(format!(
                "printed no address within {} s",
                START_DEADLINE.as_secs()
            )),
        };
        match origin {
            Ok(origin) => Ok(Server {
                role,
                origin,
                child,
                log,
            }),
            Err(why) => {
                let _ = child.kill();
                let _ = child.wait();
                let log_text = std::fs::read_to_string(&log).unwrap_or_default();
                Err(format!(
                    "{why}; log:\n{}",
                    super::checks::tail(&log_text, 10)
                ))
            }
        }
    }

    /// Sends SIGTERM (a kill elsewhere than Unix) and waits up to [`STOP_DEADLINE`]; returns
    /// the server's log.
    ///
    /// # Errors
    ///
    /// When it had to be killed, or exited with a failure status.
    pub fn stop(mut self) -> Result<String, String> {
        let pid = self.child.id().to_string();
        let signalled = if cfg!(unix) {
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .is_ok_and(|status| status.success())
        } else {
            self.child.kill().is_ok()
        };
        let started = Instant::now();
        let outcome = loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() || !cfg!(unix) => break Ok(()),
                Ok(Some(status)) => break Err(format!("exited with {status}")),
                Ok(None) if started.elapsed() > STOP_DEADLINE || !signalled => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break Err(format!(
                        "still running {} s after SIGTERM; killed",
                        STOP_DEADLINE.as_secs()
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => break Err(format!("waiting for it failed: {e}")),
            }
        };
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        outcome.map(|()| log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_serves_both_keysets_with_and_without_revocation() {
        let keysets = Keysets::interop();
        let text = keysets.config_toml();
        assert_eq!(text.matches("[[keysets]]").count(), 2);
        assert!(text.contains("revocation = true"));
        assert!(text.contains("revocation = false"));
        assert!(text.contains(keysets.no_revocation.subscribe_key));
    }
}
