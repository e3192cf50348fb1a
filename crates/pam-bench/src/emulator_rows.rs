//! The emulator's cost per grant against its own `/time/0`, at many keep-alive connections,
//! with its peak memory.

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use pam_emulator::{DEMO_PUBLISH_KEY, DEMO_SECRET_KEY, DEMO_SUBSCRIBE_KEY};
use pam_sign::SigningKey;

use crate::emulator_process::EmulatorProcess;
use crate::grant_rows::NetPlan;
use crate::http_load::{Connection, saturate};
use crate::report::{Row, Status, Table, rate, ratio};
use crate::stats::median;

/// A grant is to cost at most this many `/time/0` requests.
pub(crate) const GRANT_TO_TIME_TARGET: f64 = 2.0;

/// The grant each load request makes: read + write on one channel for an hour.
const GRANT_BODY: &str = r#"{"ttl":60,"permissions":{"resources":{"channels":{"chat":3},"groups":{},"uuids":{}},"patterns":{"channels":{},"groups":{},"uuids":{}},"meta":{}}}"#;

fn time_request(addr: SocketAddr) -> Vec<u8> {
    format!("GET /time/0?uuid=bench-load&pnsdk=pam-bench HTTP/1.1\r\nHost: {addr}\r\n\r\n")
        .into_bytes()
}

/// A grant request signed now (the emulator accepts a timestamp within 60 s).
fn grant_request(addr: SocketAddr) -> Vec<u8> {
    let path = format!("/v3/pam/{DEMO_SUBSCRIBE_KEY}/grant");
    let query = [("uuid", "bench-load"), ("pnsdk", "pam-bench")];
    let request = pam_sign::Request {
        method: "POST",
        path: &path,
        query: &query,
        body: GRANT_BODY.as_bytes(),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let signed = SigningKey::new(DEMO_PUBLISH_KEY, DEMO_SECRET_KEY).sign(&request, now);
    let [timestamp, signature] = signed.query_pairs();
    let target = format!(
        "{path}?{}",
        pam_sign::encode_query(&[
            query[0],
            query[1],
            (timestamp.0, timestamp.1.as_str()),
            (signature.0, signature.1.as_str()),
        ])
    );
    format!(
        "POST {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{GRANT_BODY}",
        GRANT_BODY.len()
    )
    .into_bytes()
}

/// Adds the emulator section to `table`.
pub(crate) async fn add_rows(
    emulator: &EmulatorProcess,
    plan: NetPlan,
    table: &mut Table,
) -> Result<(), String> {
    let addr = emulator.addr();
    let mut connections = Vec::with_capacity(plan.concurrency);
    for _ in 0..plan.concurrency {
        connections.push(Connection::open(addr).await?);
    }
    let time = time_request(addr);
    // Warm up both paths (and check the grant is accepted: `saturate` fails on non-200).
    let (back, _) = saturate(connections, &time, plan.window / 4).await?;
    let (mut connections, _) = saturate(back, &grant_request(addr), plan.window / 4).await?;

    let mut rates = [Vec::new(), Vec::new()];
    for round in 0..plan.concurrent_rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for which in order {
            let request = if which == 0 {
                time.clone()
            } else {
                grant_request(addr)
            };
            let (back, per_sec) = saturate(connections, &request, plan.window).await?;
            connections = back;
            rates[which].push(per_sec);
        }
    }
    drop(connections);
    let time_rate = median(&rates[0]);
    let grant_rate = median(&rates[1]);
    let cost = time_rate / grant_rate;
    table.section(&format!(
        "the emulator at {} keep-alive connections (raw HTTP/1.1 load, median of {} windows of {} ms each)",
        plan.concurrency,
        plan.concurrent_rounds,
        plan.window.as_millis()
    ));
    table.row(Row {
        what: "grant throughput vs its own `GET /time/0`".to_owned(),
        ours: format!("grant {}", rate(grant_rate)),
        floor: format!("/time/0 {}", rate(time_rate)),
        over_floor: ratio(cost),
        target: format!("grant ≤ {GRANT_TO_TIME_TARGET}× a /time/0"),
        status: Some(Status::check(cost <= GRANT_TO_TIME_TARGET)),
        ..Row::default()
    });
    let memory = emulator.memory()?;
    table.row(Row {
        what: "emulator peak memory over the whole run (VmHWM; VmRSS at the end)".to_owned(),
        ours: format!(
            "{:.1} MiB ({:.1} MiB)",
            memory.peak_kib as f64 / 1024.0,
            memory.now_kib as f64 / 1024.0
        ),
        status: Some(Status::Info),
        ..Row::default()
    });
    Ok(())
}
