//! The load driver behind `cargo xtask load`: mixed grant / revoke / publish traffic against a
//! release `pam serve --data-dir` on an ephemeral loopback port, bounded in time and count.
//!
//! ```
//! use pam_load::{Operation, Tally};
//! use std::time::Duration;
//!
//! let mut tally = Tally::default();
//! tally.answer(Operation::Revoke, 200, Duration::from_millis(2), r#"{"status":200}"#);
//! // A publish with a token whose revoke was answered 200 must be refused.
//! tally.answer(Operation::PublishRevoked, 200, Duration::from_millis(1), r#"[1,"Sent","1"]"#);
//! assert_eq!(tally.revoked_but_accepted, 1);
//! assert_eq!(tally.by_status()[&200], 2);
//! ```
//!
//! Each worker loops: grant a token for a fresh channel (signed), publish with it (`200`);
//! then, by turns, revoke it (`200`) and publish again (`403 Token is revoked.`), or send one
//! request that must be refused (a grant signed with the wrong key: `403`; ttl 0: `400`; a
//! publish without a token: `403`), or keep it. When the time or the request budget is used
//! up, every revoked token is tried once more, and as many kept ones (which must still work).
//!
//! A run fails on any 5xx, any request without an answer, any answer other than the one the
//! request must get, any revoked token accepted, a server that exited, and a server log
//! holding the secret key or a whole token. The report gives requests, answers by status,
//! latency p50 / p99 / max (overall and per kind) and the server's peak memory (`VmHWM`).
//!
//! This is a `publish = false` crate of its own, outside the libraries: it needs an HTTP
//! client and a runtime in a release binary, which neither xtask (no async runtime or HTTP)
//! nor the `tests` package (dev-dependencies only) should carry.

#![forbid(unsafe_code)]

mod latency;
mod log_scan;
mod options;
mod report;
mod server;
mod tally;
mod traffic;

pub use latency::{Latencies, LatencySummary};
pub use log_scan::{LogFindings, MIN_TOKEN_RUN, scan_log};
pub use options::{
    DEFAULT_CONCURRENCY, DEFAULT_MAX_RECHECKS, DEFAULT_MAX_REQUESTS, DEFAULT_SECONDS,
    MAX_CONCURRENCY, MAX_RECHECKS, MAX_SECONDS, Options,
};
pub use report::Report;
pub use server::{ServeProcess, peak_memory_from_status};
pub use tally::{MAX_KEPT_UNEXPECTED, Operation, Tally, Unexpected};
pub use traffic::{Outcome, Plan, REQUEST_TIMEOUT, Target, drive};

/// Runs the whole load test of `options`: starts the server with a fresh keyset and data
/// directory under `work_dir`, drives it, reads its peak memory and log, stops it.
///
/// # Errors
///
/// A message when the server cannot be started or the HTTP client cannot be built.
pub async fn run(options: &Options, work_dir: &std::path::Path) -> Result<Report, String> {
    let data_dir = work_dir.join("data");
    let log = work_dir.join("server.log");
    let secret_key = format!(
        "sec-c-load-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    );
    let keys = ("sub-c-load", "pub-c-load", secret_key.as_str());
    let mut server = ServeProcess::start(&options.server, keys, &data_dir, &log)?;
    let target = Target {
        base_url: server.url().to_owned(),
        subscribe_key: keys.0.to_owned(),
        publish_key: keys.1.to_owned(),
        secret_key: secret_key.clone(),
    };
    let outcome = drive(target, options.plan())
        .await
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let peak_memory_kib = server.peak_memory_kib();
    let server_survived = server.is_running();
    drop(server);
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    let log = scan_log(&log_text, &secret_key, &outcome.issued);
    Ok(Report {
        options: options.clone(),
        outcome,
        peak_memory_kib,
        log,
        server_survived,
    })
}
