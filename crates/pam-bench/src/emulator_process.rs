//! The emulator under test runs in a child process (this same binary, started with
//! [`CHILD_ARG`]), so its peak memory is its own and its threads are not ours.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use pam_emulator::{Emulator, EmulatorConfig};

/// The argument that makes this binary serve an emulator instead of benchmarking.
pub(crate) const CHILD_ARG: &str = "--serve-emulator";

/// How long the child may take to print its address, and to stop once told to.
const PATIENCE: Duration = Duration::from_secs(10);

/// The child's side: serves the demo keyset on a free loopback port, prints the base URL on
/// one line, and stops gracefully when its stdin closes.
pub(crate) fn serve() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("emulator child: cannot start a runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let served = runtime.block_on(async {
        let listen: SocketAddr = "127.0.0.1:0".parse().expect("a socket address");
        let emulator = Emulator::start(EmulatorConfig::demo().with_listen(listen))
            .await
            .map_err(|e| e.to_string())?;
        println!("{}", emulator.url());
        std::io::stdout().flush().map_err(|e| e.to_string())?;
        let _ = tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            std::io::stdin().read_to_end(&mut sink)
        })
        .await;
        emulator.shutdown().await.map_err(|e| e.to_string())
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("emulator child: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Peak and current resident memory of a process, from `/proc/<pid>/status`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Memory {
    /// `VmHWM`: peak resident set size, KiB.
    pub(crate) peak_kib: u64,
    /// `VmRSS`: resident set size now, KiB.
    pub(crate) now_kib: u64,
}

/// A running emulator child; dropping it closes its stdin and waits for it (killing it if it
/// does not stop within [`PATIENCE`]).
#[derive(Debug)]
pub(crate) struct EmulatorProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    url: String,
    addr: SocketAddr,
}

impl EmulatorProcess {
    /// Starts the child and waits for its address.
    pub(crate) fn spawn() -> Result<EmulatorProcess, String> {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
        let mut child = Command::new(exe)
            .arg(CHILD_ARG)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the emulator child: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or("the child has no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("reading the emulator's address: {e}"))?;
        let url = line.trim().to_owned();
        let addr = url
            .strip_prefix("http://")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| format!("the emulator child printed {url:?}, not http://ADDR"))?;
        Ok(EmulatorProcess {
            child,
            stdin,
            url,
            addr,
        })
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The socket address.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The child's memory now.
    pub(crate) fn memory(&self) -> Result<Memory, String> {
        let path = format!("/proc/{}/status", self.child.id());
        let status = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
                .ok_or_else(|| format!("{path}: no {name}"))
        };
        Ok(Memory {
            peak_kib: field("VmHWM:")?,
            now_kib: field("VmRSS:")?,
        })
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(_) => break,
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
