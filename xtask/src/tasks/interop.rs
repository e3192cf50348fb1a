//! `cargo xtask interop`: PubNub's official SDKs, pinned, against a `pam serve` built from this
//! workspace.
//!
//! What it does, in order:
//!
//! 1. builds `pam` (`cargo build -p pam-cli`);
//! 2. installs each pinned SDK under `target/interop/` (skipped when the pinned version is
//!    already there): Python `pubnub==10.8.0` in a venv (`target/interop/python`),
//!    JavaScript `pubnub@11.0.2` with npm (`target/interop/js`), and the Rust crate
//!    `pubnub` 0.9.0 through the workspace `interop/rust/` (its own `Cargo.lock`, excluded
//!    from the root workspace like `crates/pam-bench`, built `--locked` into
//!    `target/interop/rust`). A registry that cannot be reached is reported as a failed
//!    check naming the registry, never skipped;
//! 3. starts two `pam serve` on ephemeral loopback ports with the keysets of
//!    [`server::Keysets::interop`]: the main one, and one whose clock is an hour ahead (for
//!    the clock-skew check);
//! 4. runs every SDK's flows (`interop/python/run.py`, `interop/js/run.cjs`, the
//!    `pam-interop-rust` binary) and prints one line per check;
//! 5. stops the servers with SIGTERM (a check: each exits within its shutdown deadline), checks
//!    their logs show no credential in clear, and prints `interop: N passed, M failed`.
//!
//! It fails (non-zero exit) when any check fails or did not run.
//!
//! # Adding flows
//!
//! The flows are scripts in `interop/`, discovered by each language's runner, so a new flow
//! needs no change here:
//!
//! - Python: a module `interop/python/flows_<topic>.py` with functions `flow_<name>(ctx)`;
//! - JavaScript: a module `interop/js/flows_<topic>.cjs` exporting `flow_<name>(ctx)` (async);
//! - Rust: a module `interop/rust/src/flows_<topic>.rs` with
//!   `async fn <name>(ctx: &mut Context) -> Result<(), String>`, listed in `run_flows!` in
//!   `interop/rust/src/main.rs`.
//!
//! A flow reports each check with `ctx.check(name, passed, detail)`. Its context knows the
//! servers' origins, the keysets and the `pam` binary (see `interop/README.md` for the
//! environment the runners receive). A new SDK is a new [`sdks::Sdk`] in [`sdks::SDKS`].

pub mod checks;
pub mod sdks;
pub mod server;

use std::path::Path;

use crate::XtaskError;
use crate::subprocess;
use checks::Tally;

/// `cargo xtask interop`'s arguments.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct InteropArgs {
    /// An SDK to run (repeatable); all of them when none is named.
    #[arg(long = "sdk", value_name = "NAME",
          value_parser = clap::builder::PossibleValuesParser::new(sdks::SDKS.iter().map(|sdk| sdk.name)))]
    pub sdks: Vec<String>,
}

impl InteropArgs {
    /// The SDKs to run, in [`sdks::SDKS`] order, each once: all of them when none is named.
    pub fn chosen(&self) -> Vec<&'static sdks::Sdk> {
        sdks::SDKS
            .iter()
            .filter(|sdk| self.sdks.is_empty() || self.sdks.iter().any(|name| name == sdk.name))
            .collect()
    }
}

/// Runs the interop suite with `args` on the workspace at `root`.
///
/// # Errors
///
/// Any failed check, or a build, install or server start that failed.
pub fn run(root: &Path, args: &InteropArgs) -> Result<(), XtaskError> {
    let chosen = args.chosen();
    let layout = sdks::Layout::new(root);
    std::fs::create_dir_all(&layout.dir).map_err(|source| XtaskError::Io {
        path: layout.dir.clone(),
        source,
    })?;
    println!("interop: building pam");
    subprocess::run_visible(
        subprocess::cargo(root).args(["build", "--quiet", "-p", "pam-cli", "--bin", "pam"]),
    )?;
    let keysets = server::Keysets::interop();
    let mut tally = Tally::default();
    let mut servers = Vec::new();
    for (role, clock_offset) in [("main", 0), ("skewed", server::SKEWED_CLOCK_SECS)] {
        match server::Server::start(&layout, &keysets, role, clock_offset) {
            Ok(server) => servers.push(server),
            Err(why) => tally.record("harness", &format!("start the {role} pam serve"), Err(why)),
        }
    }
    if let [main, skewed] = servers.as_slice() {
        println!(
            "interop: pam serve at {} (main) and {} (clock +{} s)",
            main.origin,
            skewed.origin,
            server::SKEWED_CLOCK_SECS
        );
        let env = sdks::environment(&layout, &keysets, &main.origin, &skewed.origin);
        for sdk in chosen {
            println!("interop: {} (pubnub {})", sdk.name, sdk.version);
            match (sdk.prepare)(&layout) {
                Ok(mut command) => {
                    command.envs(env.iter().map(|(k, v)| (k, v)));
                    tally.absorb_flows(sdk.name, &mut command, sdks::FLOWS_DEADLINE);
                }
                Err(why) => tally.record(
                    sdk.name,
                    &format!("install pubnub {}", sdk.version),
                    Err(why),
                ),
            }
        }
    }
    for server in servers {
        let role = server.role;
        let stopped = server.stop();
        tally.record(
            "harness",
            &format!(
                "{role} pam serve exits on SIGTERM within {} s",
                server::STOP_DEADLINE.as_secs()
            ),
            stopped.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        if let Ok(log) = stopped {
            tally.record(
                "harness",
                &format!("{role} pam serve log shows no credential in clear"),
                checks::log_is_redacted(&log, &keysets),
            );
        }
    }
    println!("interop: {} passed, {} failed", tally.passed, tally.failed);
    if tally.failed == 0 && tally.passed > 0 {
        Ok(())
    } else {
        Err(XtaskError::Interop {
            passed: tally.passed,
            failed: tally.failed.max(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdks_are_chosen_by_name_or_all() {
        let parse = |args: &[&str]| {
            crate::tasks::parse(std::iter::once("interop").chain(args.iter().copied()))
        };
        let Some(crate::tasks::Task::Interop(all)) = parse(&[]).unwrap() else {
            panic!("`interop` is the interop task");
        };
        assert_eq!(all.chosen().len(), sdks::SDKS.len());
        let Some(crate::tasks::Task::Interop(one)) = parse(&["--sdk", "js"]).unwrap() else {
            panic!("`interop --sdk js` is the interop task");
        };
        assert_eq!(
            one.chosen().iter().map(|s| s.name).collect::<Vec<_>>(),
            ["js"]
        );
        let err = parse(&["--sdk", "cobol"]).unwrap_err().to_string();
        assert!(err.contains("cobol"), "{err}");
        assert!(parse(&["--fast"]).is_err());
    }
}
