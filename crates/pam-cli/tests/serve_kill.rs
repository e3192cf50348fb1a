//! `pam serve --data-dir`: a revoke answered 200 survives `kill -9`, whether the kill comes
//! right after the answer or in the middle of a stream of concurrent revokes.
//! Runs the real binary on an ephemeral port and talks to it with a plain HTTP client.

use std::path::Path;

use std::time::{SystemTime, UNIX_EPOCH};

const SUB: &str = "sub-c-kill";
const PUB: &str = "pub-c-kill";
const SECRET: &str = "sec-c-kill";

mod support;

use support::ServeProcess as Server;

/// The server's arguments: this test's keyset, revocations journaled in `data_dir`.
fn serve_args(data_dir: &Path) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = [
        "--subscribe-key",
        SUB,
        "--publish-key",
        PUB,
        "--secret-key",
        SECRET,
        "--data-dir",
    ]
    .iter()
    .map(Into::into)
    .collect();
    args.push(data_dir.into());
    args
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// Sends a request signed with the keyset's secret key.
async fn signed(
    client: &reqwest::Client,
    server: &Server,
    method: &str,
    path: &str,
    body: &[u8],
) -> (u16, String) {
    let query = [("uuid", "admin")];
    let request = pam_sign::Request {
        method,
        path,
        query: &query,
        body,
    };
    let signed = pam_sign::SigningKey::new(PUB, SECRET).sign(&request, now());
    let [(ts_key, ts), (sig_key, sig)] = signed.query_pairs();
    let target = pam_sign::encode_query(&[
        ("uuid", "admin"),
        (ts_key, ts.as_str()),
        (sig_key, sig.as_str()),
    ]);
    let url = format!("{}{path}?{target}", server.url);
    let response = client
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
            url,
        )
        .header("Content-Type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn grant(client: &reqwest::Client, server: &Server, channel: &str) -> String {
    let body =
        format!(r#"{{"ttl":30,"permissions":{{"resources":{{"channels":{{"{channel}":2}}}}}}}}"#);
    let (status, text) = signed(
        client,
        server,
        "POST",
        &format!("/v3/pam/{SUB}/grant"),
        body.as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    value["data"]["token"].as_str().expect("token").to_owned()
}

async fn publish(
    client: &reqwest::Client,
    server: &Server,
    channel: &str,
    token: &str,
) -> (u16, String) {
    let query = pam_sign::encode_query(&[("uuid", "user"), ("auth", token)]);
    let url = format!(
        "{}/publish/{PUB}/{SUB}/0/{channel}/0/%22hi%22?{query}",
        server.url
    );
    let response = client.get(url).send().await.expect("answered");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// A fresh data directory for `pam serve`, removed on drop.
fn data_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("pam-serve-{name}-"))
        .tempdir()
        .expect("temp dir")
}

#[tokio::test]
async fn a_revoke_answered_200_survives_kill_9() {
    let dir = data_dir("kill");
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");

    let mut revoked: Vec<String> = Vec::new();
    let mut kept: Vec<(String, String)> = Vec::new();
    for round in 0..3 {
        let server = Server::start(&serve_args(dir.path()));
        // Everything revoked in earlier rounds is still refused after the kill.
        for token in &revoked {
            let (status, body) = publish(&client, &server, "room-0", token).await;
            assert_eq!(status, 403, "{body}");
            assert!(body.contains("Token is revoked."), "{body}");
        }
        for (channel, token) in &kept {
            let (status, body) = publish(&client, &server, channel, token).await;
            assert_eq!(status, 200, "{body}");
        }
        let keep_channel = format!("keep-{round}");
        kept.push((
            keep_channel.clone(),
            grant(&client, &server, &keep_channel).await,
        ));
        let token = grant(&client, &server, &format!("room-{round}")).await;
        let path = format!(
            "/v3/pam/{SUB}/grant/{}",
            pam_sign::encode_path_segment(&token)
        );
        let (status, body) = signed(&client, &server, "DELETE", &path, b"").await;
        assert_eq!(status, 200, "{body}");
        // Killed right after the 200: no graceful shutdown, no flush at exit.
        server.kill_9();
        revoked.push(token);
    }
    let server = Server::start(&serve_args(dir.path()));
    for token in &revoked {
        let (status, body) = publish(&client, &server, "room-0", token).await;
        assert_eq!(
            (status, body.contains("Token is revoked.")),
            (403, true),
            "{body}"
        );
    }
}

/// Revokes `(channel, token)`s from `workers` concurrent loops until they run out or the
/// server dies; returns those whose revoke was answered 200, which `acknowledged` counts as
/// they come.
async fn revoke_stream(
    client: &reqwest::Client,
    url: &str,
    tokens: Vec<(String, String)>,
    workers: usize,
    acknowledged: &std::sync::atomic::AtomicUsize,
) -> Vec<(String, String)> {
    let queue = std::sync::Mutex::new(tokens);
    let done = std::sync::Mutex::new(Vec::new());
    let worker = || async {
        loop {
            let Some((channel, token)) = queue.lock().expect("queue").pop() else {
                return;
            };
            let path = format!(
                "/v3/pam/{SUB}/grant/{}",
                pam_sign::encode_path_segment(&token)
            );
            match signed_to(client, url, "DELETE", &path, b"").await {
                Some((200, _)) => {
                    done.lock().expect("done").push((channel, token));
                    acknowledged.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                Some((status, body)) => panic!("revoke answered {status}: {body}"),
                // The server was killed: this revoke's fate is unknown, and so are the rest.
                None => return,
            }
        }
    };
    let mut running = Vec::new();
    for _ in 0..workers {
        running.push(worker());
    }
    futures_join_all(running).await;
    done.into_inner().expect("done")
}

/// Waits for every future (a tiny `join_all`, so the test needs no extra crate).
async fn futures_join_all<F: std::future::Future<Output = ()>>(futures: Vec<F>) {
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    std::future::poll_fn(|cx| {
        pinned.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if pinned.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}

/// [`signed`] against a base URL; `None` when the server did not answer.
async fn signed_to(
    client: &reqwest::Client,
    url: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> Option<(u16, String)> {
    let query = [("uuid", "admin")];
    let request = pam_sign::Request {
        method,
        path,
        query: &query,
        body,
    };
    let signed = pam_sign::SigningKey::new(PUB, SECRET).sign(&request, now());
    let [(ts_key, ts), (sig_key, sig)] = signed.query_pairs();
    let target = pam_sign::encode_query(&[
        ("uuid", "admin"),
        (ts_key, ts.as_str()),
        (sig_key, sig.as_str()),
    ]);
    let response = client
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
            format!("{url}{path}?{target}"),
        )
        .body(body.to_vec())
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    Some((status, response.text().await.ok()?))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_in_the_middle_of_a_revoke_stream_loses_no_acknowledged_revoke() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    let dir = data_dir("kill-stream");
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    const TOKENS_PER_ROUND: usize = 120;
    const KILL_AFTER: usize = 40;

    let mut acknowledged_before: Vec<(String, String)> = Vec::new();
    let mut never_sent: Vec<(String, String)> = Vec::new();
    for round in 0..2 {
        let server = Server::start(&serve_args(dir.path()));
        let url = server.url.clone();
        let mut tokens = Vec::new();
        for i in 0..TOKENS_PER_ROUND {
            let channel = format!("stream-{round}-{i}");
            let token = grant(&client, &server, &channel).await;
            tokens.push((channel, token));
        }
        // A few tokens are never revoked: they must keep working, or the check below would
        // pass for a server that refuses everything.
        let spared = grant(&client, &server, &format!("spared-{round}")).await;
        never_sent.push((format!("spared-{round}"), spared));

        // Eight revokes in flight at a time; the server is killed by SIGKILL as soon as
        // KILL_AFTER of them have been answered 200, with others still on the wire.
        let acknowledged = AtomicUsize::new(0);
        let killer = async {
            while acknowledged.load(Ordering::SeqCst) < KILL_AFTER {
                tokio::task::yield_now().await;
            }
            server.kill_9();
        };
        let (done, ()) = tokio::join!(
            revoke_stream(&client, &url, tokens, 8, &acknowledged),
            killer
        );
        assert!(
            done.len() >= KILL_AFTER,
            "only {} revokes acknowledged",
            done.len()
        );
        assert!(
            done.len() < TOKENS_PER_ROUND,
            "the kill came after the stream ended; it proves nothing"
        );
        acknowledged_before.extend(done);

        // Restarted on the same data directory: every revoke answered 200, in this round
        // and the ones before, is still in force.
        let server = Server::start(&serve_args(dir.path()));
        for (channel, token) in &acknowledged_before {
            let (status, body) = publish(&client, &server, channel, token).await;
            assert_eq!(
                (status, body.contains("Token is revoked.")),
                (403, true),
                "an acknowledged revoke was lost: {body}"
            );
        }
        for (channel, token) in &never_sent {
            let (status, body) = publish(&client, &server, channel, token).await;
            assert_eq!(status, 200, "{body}");
        }
        server.kill_9();
    }
}

/// SIGTERM while one client holds half a request head and another half a body: the server
/// exits (status 0) within its shutdown deadline, and every revoke it had answered 200 is
/// still in force after a restart.
#[cfg(unix)]
#[tokio::test]
async fn sigterm_with_half_sent_requests_exits_within_the_deadline_keeping_every_revoke() {
    use std::io::Write;
    use std::time::Duration;

    let dir = data_dir("term");
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let shutdown_secs = 2;
    let mut args = serve_args(dir.path());
    // Long header and body timeouts: only the shutdown deadline can end the held requests.
    for arg in [
        "--header-timeout",
        "600",
        "--body-timeout",
        "600",
        "--shutdown-timeout",
        &shutdown_secs.to_string(),
    ] {
        args.push(arg.into());
    }
    let mut server = Server::start(&args);
    let mut revoked = Vec::new();
    for index in 0..5 {
        let token = grant(&client, &server, &format!("room-{index}")).await;
        let path = format!(
            "/v3/pam/{SUB}/grant/{}",
            pam_sign::encode_path_segment(&token)
        );
        let (status, body) = signed(&client, &server, "DELETE", &path, b"").await;
        assert_eq!(status, 200, "{body}");
        revoked.push(token);
    }
    let address = server.url.trim_start_matches("http://").to_owned();
    let mut half_head = std::net::TcpStream::connect(&address).expect("connects");
    half_head
        .write_all(b"DELETE /v3/pam/sub-c-kill/grant/abc HTTP/1.1\r\nHost: x\r\nX-Half")
        .expect("sent");
    let mut half_body = std::net::TcpStream::connect(&address).expect("connects");
    half_body
        .write_all(b"POST /v3/pam/sub-c-kill/grant?uuid=u HTTP/1.1\r\nHost: x\r\nContent-Length: 64\r\n\r\n{\"ttl\"")
        .expect("sent");
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The deadline plus room for a loaded machine; a server that waits on its clients
    // would still be running at the end of it.
    let bound = Duration::from_secs(shutdown_secs + 10);
    let (status, took) = server
        .terminate(bound)
        .unwrap_or_else(|| panic!("pam serve still ran {bound:?} after SIGTERM"));
    assert!(status.success(), "exit status {status}");
    println!("pam serve exited {took:?} after SIGTERM (shutdown deadline {shutdown_secs} s)");
    drop((half_head, half_body));

    let server = Server::start(&serve_args(dir.path()));
    for token in &revoked {
        let (status, body) = publish(&client, &server, "room-0", token).await;
        assert_eq!(
            (status, body.contains("Token is revoked.")),
            (403, true),
            "{body}"
        );
    }
}

/// A journal whose end a crash tore (a damaged last record and an incomplete one after it)
/// is repaired at start, and the server says so on standard error: how many records were
/// dropped and why.
#[test]
fn a_torn_journal_is_repaired_with_a_word_on_stderr() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    let dir = data_dir("torn");
    // The journal's header, one complete record whose checksum is wrong, 20 bytes of another.
    let mut journal = b"PAMREVOK".to_vec();
    journal.extend_from_slice(&1u32.to_le_bytes());
    journal.extend_from_slice(&48u32.to_le_bytes());
    journal.extend_from_slice(&[0xAB; 48]);
    journal.extend_from_slice(&[0xCD; 20]);
    let path = dir.path().join("revocations.journal");
    std::fs::write(&path, &journal).expect("journal written");

    let mut child = Command::new(env!("CARGO_BIN_EXE_pam"))
        .args(["serve", "--port", "0"])
        .args(serve_args(dir.path()))
        .env_remove("PUBNUB_SUBSCRIBE_KEY")
        .env_remove("PUBNUB_PUBLISH_KEY")
        .env_remove("PUBNUB_SECRET_KEY")
        .env("RUST_LOG", "off")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pam serve starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("reads the first line");
    assert!(first.starts_with("listening on "), "{first:?}");
    child.kill().expect("kill");
    child.wait().expect("reaped");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr read");
    let expected = format!(
        "pam-emulator: revocation journal {} repaired at start: dropped 2 records (the last \
         complete record's checksum does not match; the file ends in an incomplete record (20 \
         of 48 bytes))",
        path.display()
    );
    assert!(stderr.contains(&expected), "stderr was:\n{stderr}");
    // The repair is durable: the file is back to its header.
    assert_eq!(std::fs::read(&path).expect("journal").len(), 16);
}
