//! The driver against real loopback servers: the emulator in-process (the run passes), and a
//! server that answers 200 to everything (the run must catch it).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use pam_emulator::{Emulator, EmulatorConfig, Keyset};
use pam_load::{Operation, Plan, Target, drive};

fn plan(max_requests: u64) -> Plan {
    Plan {
        // A cap only: the request budget ends these runs long before.
        duration: Duration::from_secs(120),
        concurrency: 4,
        max_requests,
        max_rechecks: 10_000,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_run_against_the_emulator_passes() {
    let config = EmulatorConfig::new(vec![Keyset::new("sub-c-load", "pub-c-load", "sec-c-load")])
        .with_listen("127.0.0.1:0".parse().expect("address"));
    let emulator = Emulator::start(config).await.expect("emulator starts");
    let target = Target {
        base_url: emulator.url().to_owned(),
        subscribe_key: "sub-c-load".into(),
        publish_key: "pub-c-load".into(),
        secret_key: "sec-c-load".into(),
    };
    let outcome = drive(target, plan(400)).await.expect("client");
    let tally = &outcome.tally;
    assert_eq!(tally.unexpected_count, 0, "{:?}", tally.unexpected);
    assert_eq!((tally.server_errors(), tally.transport_errors), (0, 0));
    assert_eq!(tally.revoked_but_accepted, 0);
    assert!(outcome.revoked_total > 0);
    assert_eq!(outcome.rechecked.len(), outcome.revoked_total);
    assert!(!outcome.issued.is_empty());
    let statuses = tally.by_status();
    for status in [200, 400, 403] {
        assert!(statuses.contains_key(&status), "{statuses:?}");
    }
    assert_eq!(
        tally.by_operation[&Operation::RecheckRevoked]
            .get(&403)
            .copied(),
        Some(outcome.revoked_total as u64)
    );
    emulator.shutdown().await.expect("stops");
}

/// A loopback HTTP/1.1 server that answers every request `200` with a grant-shaped body,
/// so revokes "succeed" and revoked tokens keep working.
fn start_yes_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream);
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    let mut first = true;
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" && !first {
                            break;
                        }
                        first = false;
                        if let Some((name, value)) = line.split_once(':') {
                            if name.eq_ignore_ascii_case("content-length") {
                                length = value.trim().parse().unwrap_or(0);
                            }
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    let answer = r#"{"status":200,"data":{"message":"Success","token":"qEF2AkF0GmVT8QBDdHRsGDw"},"service":"Access Manager"}"#;
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}",
                        answer.len()
                    );
                    if reader.get_mut().write_all(response.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_keeps_revoked_tokens_working_fails_the_run() {
    let target = Target {
        base_url: start_yes_server(),
        subscribe_key: "sub-c-load".into(),
        publish_key: "pub-c-load".into(),
        secret_key: "sec-c-load".into(),
    };
    let outcome = drive(target, plan(200)).await.expect("client");
    let tally = &outcome.tally;
    assert!(outcome.revoked_total > 0);
    assert!(tally.revoked_but_accepted > 0, "{:?}", tally.by_operation);
    assert!(tally.unexpected_count > 0);
    assert_eq!(tally.server_errors(), 0);
}
