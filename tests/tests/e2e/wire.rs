//! What goes on the wire, checked from the server's side, and what never leaks out of it.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use pam::{Keyset, PubNub, RetryPolicy, permissions};

use crate::faulty_server::{FaultyServer, Reply};

const GRANTED: &str = r#"{"data":{"message":"Success","token":"token-from-the-faulty-server"},"service":"Access Manager","status":200}"#;
const REVOKED: &str = r#"{"data":{"message":"Success"},"service":"Access Manager","status":200}"#;
const SENT: &str = r#"[1,"Sent","17000000000000000"]"#;
const TOKEN: &str = "p0F2AkF0Gsecret+token/value==";
const SECRET: &str = "sec-c-do-not-print";

fn server_client(server: &FaultyServer) -> PubNub {
    PubNub::builder()
        .keyset(Keyset {
            subscribe_key: "sub-c-wire".into(),
            publish_key: Some("pub-c-wire".into()),
            secret_key: Some(SECRET.into()),
        })
        .user_id("admin user")
        .origin(server.url())
        .retry_policy(
            RetryPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .build()
        .expect("valid client")
}

#[tokio::test]
async fn every_request_carries_identity_and_signed_ones_a_signature() {
    let server = FaultyServer::start(vec![
        Reply::json(200, GRANTED),
        Reply::json(200, REVOKED),
        Reply::json(200, SENT),
        Reply::json(200, "[17000000000000000]"),
    ])
    .await;
    let pubnub = server_client(&server);
    pubnub.set_token(TOKEN);
    pubnub
        .grant_token(15)
        .resources(&[permissions::channel("chat").read().write()])
        .execute()
        .await
        .expect("granted");
    pubnub.revoke_token(TOKEN).execute().await.expect("revoked");
    let timetoken = pubnub
        .publish()
        .channel("chat room")
        .message(serde_json::json!({"text": "hi & bye"}))
        .execute()
        .await
        .expect("published");
    assert_eq!(timetoken.as_u64(), 17_000_000_000_000_000);
    let time = pubnub.transport().time().await.expect("time");
    assert_eq!(time.unix_seconds(), 1_700_000_000);

    let requests = server.requests();
    let [grant, revoke, publish, time] = requests.as_slice() else {
        panic!("expected 4 requests, got {requests:?}");
    };
    for request in &requests {
        assert_eq!(request.query_param("uuid"), Some("admin%20user"));
        let pnsdk = request.query_param("pnsdk").expect("pnsdk");
        assert!(pnsdk.starts_with("pam-rust%2F"), "{pnsdk}");
        let request_id = request.query_param("requestid").expect("requestid");
        assert_eq!(request_id.len(), 36, "{request_id}");
    }
    // Request ids differ between calls.
    assert_ne!(
        grant.query_param("requestid"),
        revoke.query_param("requestid")
    );

    assert_eq!(grant.method, "POST");
    assert_eq!(grant.path(), "/v3/pam/sub-c-wire/grant");
    assert_eq!(grant.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&grant.body).expect("a JSON body");
    assert_eq!(body["ttl"], 15);
    assert_eq!(body["permissions"]["resources"]["channels"]["chat"], 3);

    assert_eq!(revoke.method, "DELETE");
    assert_eq!(
        revoke.path(),
        format!(
            "/v3/pam/sub-c-wire/grant/{}",
            pam_sign::encode_path_segment(TOKEN)
        )
    );

    assert_eq!(publish.method, "GET");
    assert_eq!(
        publish.path(),
        "/publish/pub-c-wire/sub-c-wire/0/chat%20room/0/%7B%22text%22%3A%22hi%20%26%20bye%22%7D"
    );
    assert_eq!(
        publish.query_param("auth"),
        Some(pam_sign::percent_encode(TOKEN).as_str())
    );
    assert_eq!(time.path(), "/time/0");

    // Grant and revoke are signed and carry no token; publish is signed (the client has a
    // secret key) and carries the token; time is never signed.
    for signed in [grant, revoke, publish] {
        assert!(signed.query_param("timestamp").is_some(), "{signed:?}");
        let signature = signed.query_param("signature").expect("signature");
        assert!(signature.starts_with("v2."), "{signature}");
    }
    assert_eq!(grant.query_param("auth"), None);
    assert_eq!(revoke.query_param("auth"), None);
    assert_eq!(time.query_param("signature"), None);
}

#[tokio::test]
async fn the_signature_sent_verifies_with_the_secret_key() {
    let server = FaultyServer::start(vec![Reply::json(200, GRANTED)]).await;
    let pubnub = server_client(&server);
    pubnub
        .grant_token(5)
        .resources(&[permissions::user_id("u 1").get()])
        .execute()
        .await
        .expect("granted");
    let grant = &server.requests()[0];
    let query: Vec<(String, String)> = grant
        .target
        .split_once('?')
        .expect("a query")
        .1
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').expect("key=value");
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let pairs: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let request = pam_sign::Request {
        method: "POST",
        path: grant.path(),
        query: &pairs,
        body: &grant.body,
    };
    assert_eq!(
        pam_sign::SigningKey::new("pub-c-wire", SECRET).verify(&request),
        Ok(())
    );
    assert!(
        pam_sign::SigningKey::new("pub-c-wire", "another secret")
            .verify(&request)
            .is_err()
    );
}

/// Decodes `%XY` escapes (the client never sends `+`).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ASCII hex");
            out.push(u8::from_str_radix(hex, 16).expect("hex digits"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

/// Collects everything `tracing` writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

#[tokio::test]
async fn errors_debug_output_and_logs_never_show_credentials() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = FaultyServer::start(vec![
        Reply::raw(503, "text/html", "busy"),
        Reply::raw(502, "text/html", "bad gateway"),
        Reply::raw(504, "text/html", "gateway timeout"),
        Reply::raw(503, "text/html", "still busy"),
        Reply::raw(503, "text/html", "busy publishing"),
    ])
    .await;
    let pubnub = server_client(&server);
    pubnub.set_token(TOKEN);
    let revoke_error = pubnub.revoke_token(TOKEN).execute().await.unwrap_err();
    let publish_error = pubnub
        .publish()
        .channel("c")
        .message(1)
        .execute()
        .await
        .unwrap_err();

    let signatures: Vec<String> = server
        .requests()
        .iter()
        .filter_map(|r| r.query_param("signature").map(str::to_owned))
        .collect();
    assert_eq!(signatures.len(), 5);
    let shown = [
        revoke_error.to_string(),
        format!("{revoke_error:?}"),
        publish_error.to_string(),
        format!("{publish_error:?}"),
        format!("{pubnub:?}"),
        logs.text(),
    ];
    let encoded_token = pam_sign::percent_encode(TOKEN);
    for text in &shown {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(!text.contains(&encoded_token), "token leaked: {text}");
        assert!(!text.contains("secret+token"), "token leaked: {text}");
        assert!(!text.contains(SECRET), "secret leaked: {text}");
        for signature in &signatures {
            assert!(
                !text.contains(signature.as_str()),
                "signature leaked: {text}"
            );
        }
    }
    assert!(shown[0].contains("/grant/<redacted>"), "{}", shown[0]);
    assert!(shown[2].contains("auth=<redacted>"), "{}", shown[2]);
    let log_text = logs.text();
    assert!(log_text.contains("retrying"), "{log_text}");
    assert!(log_text.contains("signature=<redacted>"), "{log_text}");
}
