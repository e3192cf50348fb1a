//! The request log: one line per request, with `auth`, `signature` and revoke tokens
//! redacted, whatever the case or encoding of their names. Driven through the core (`AccessManager::handle`) so the log can be captured on
//! this thread.
//!
//! A test binary of its own, because tracing decides once per call site, for the whole
//! process, whether anyone listens. A capture with a subscriber scoped to this thread races
//! every other thread that reaches the same call site for the first time: under load such a
//! thread can finish caching "nobody listens" after the capture began, and the capture sees
//! nothing. With no other test in the process, no other thread logs.

use std::io::Write;
use std::sync::{Arc, Mutex};

use pam_emulator::{AccessManager, Request};

#[allow(dead_code)] // The shared helpers; this binary uses a few of them.
#[path = "emulator/support.rs"]
mod support;

use support::{Call, PUB, SUB, channel_grant, config};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn send(manager: &AccessManager, call: &Call<'_>) -> pam_emulator::Response {
    let target = call.target();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let headers: Vec<(&str, &str)> = call
        .content_type
        .map(|value| vec![("Content-Type", value)])
        .unwrap_or_default();
    manager.handle(&Request {
        method: call.method,
        path,
        query,
        headers: &headers,
        body: &call.body,
    })
}

#[test]
fn tokens_and_signatures_never_reach_the_log() {
    let manager = AccessManager::new(&config()).expect("valid config");
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();

    let now = manager.now();
    let token = tracing::subscriber::with_default(subscriber, || {
        let granted = send(
            &manager,
            &Call::new("POST", format!("/v3/pam/{SUB}/grant"))
                .json_body(&channel_grant("room", 2, 10))
                .signed(PUB, support::SECRET, now),
        );
        assert_eq!(granted.status, 200, "{}", granted.body);
        let body: serde_json::Value = serde_json::from_str(&granted.body).expect("JSON");
        let token = body["data"]["token"].as_str().expect("token").to_owned();
        let published = send(
            &manager,
            &Call::new("GET", format!("/publish/{PUB}/{SUB}/0/room/0/1")).param("auth", &token),
        );
        assert_eq!(published.status, 200, "{}", published.body);
        let revoked = send(
            &manager,
            &Call::new("DELETE", support::revoke_path(SUB, &token)).signed(
                PUB,
                support::SECRET,
                now,
            ),
        );
        assert_eq!(revoked.status, 200, "{}", revoked.body);
        // Other cases and encodings of a credential's name: ignored for authorization, but
        // never logged either.
        let variants = send(
            &manager,
            &Call::new("GET", "/time/0")
                .param("AUTH", &token)
                .param("Auth", &token)
                .param("Signature", &token),
        );
        assert_eq!(variants.status, 200, "{}", variants.body);
        let query = format!("uuid=u&%61uth={}", pam_sign::percent_encode(&token));
        let encoded_name = manager.handle(&Request {
            method: "GET",
            path: "/time/0",
            query: &query,
            headers: &[],
            body: b"",
        });
        assert_eq!(encoded_name.status, 200, "{}", encoded_name.body);
        token
    });

    let log = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("UTF-8");
    assert_eq!(log.lines().count(), 5, "{log}");
    assert!(log.contains("status=200"), "{log}");
    let redacted = pam_emulator::REDACTED;
    for shown in [
        format!("auth={redacted}"),
        format!("signature={redacted}"),
        format!("/grant/{redacted}"),
        format!("AUTH={redacted}&Auth={redacted}&Signature={redacted}"),
        format!("%61uth={redacted}"),
    ] {
        assert!(log.contains(&shown), "{shown} missing: {log}");
    }
    assert!(
        log.contains("uuid=test-user") || log.contains("uuid=\"test-user\""),
        "{log}"
    );
    let encoded = pam_sign::encode_path_segment(&token);
    let unpadded = token.trim_end_matches('=');
    assert!(!log.contains(unpadded), "token leaked: {log}");
    assert!(!log.contains(&encoded), "token leaked: {log}");
    assert!(!log.contains("v2."), "signature leaked: {log}");
    assert!(!log.contains(support::SECRET), "secret leaked: {log}");
}
