//! `pam serve --data-dir`: a revoke answered 200 survives `kill -9` right after the answer.
//! Runs the real binary on an ephemeral port and talks to it with a plain HTTP client.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

const SUB: &str = "sub-c-kill";
const PUB: &str = "pub-c-kill";
const SECRET: &str = "sec-c-kill";

/// A running `pam serve`; killed (SIGKILL on Unix) when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(data_dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pam"))
            .args([
                "serve",
                "--port",
                "0",
                "--subscribe-key",
                SUB,
                "--publish-key",
                PUB,
            ])
            .args(["--secret-key", SECRET, "--data-dir"])
            .arg(data_dir)
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
            .expect("first line");
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Server { child, url }
    }

    /// SIGKILL, and wait for the process to be gone.
    fn kill_9(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn a_revoke_answered_200_survives_kill_9() {
    let dir = TempDir(std::env::temp_dir().join(format!("pam-serve-kill-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");

    let mut revoked: Vec<String> = Vec::new();
    let mut kept: Vec<(String, String)> = Vec::new();
    for round in 0..3 {
        let server = Server::start(&dir.0);
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
    let server = Server::start(&dir.0);
    for token in &revoked {
        let (status, body) = publish(&client, &server, "room-0", token).await;
        assert_eq!(
            (status, body.contains("Token is revoked.")),
            (403, true),
            "{body}"
        );
    }
}
