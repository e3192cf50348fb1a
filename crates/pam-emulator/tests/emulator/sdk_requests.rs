//! What PubNub's own SDKs send, over loopback: compressed publish bodies, the signature
//! schemes they use for publish, `/time/0` without `uuid` (in `time.rs`), and the one rule
//! for repeated identity and credential parameters.

use std::io::Write;

use base64::Engine as _;
use flate2::Compression;
use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
use hmac::Mac as _;

use super::support::{
    Answer, Call, PUB, SECRET, SUB, assert_sent, channel_grant, client, grant, start,
};
use pam_emulator::Emulator;
use pam_emulator::limits::MAX_BODY_BYTES;

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::new(2));
    encoder.write_all(data).expect("compress");
    encoder.finish().expect("compress")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).expect("compress");
    encoder.finish().expect("compress")
}

fn raw_deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(data).expect("compress");
    encoder.finish().expect("compress")
}

/// POSTs `body` with `Content-Encoding: encoding` to `target` (path and query).
async fn post_encoded(emulator: &Emulator, target: &str, encoding: &str, body: Vec<u8>) -> Answer {
    let response = client()
        .post(format!("{}{target}", emulator.url()))
        .header("Content-Type", "application/json")
        .header("Content-Encoding", encoding)
        .body(body)
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    Answer {
        status,
        body: response.text().await.expect("body"),
    }
}

#[tokio::test]
async fn compressed_publish_bodies_are_accepted_in_every_container() {
    let emulator = start().await;
    let token = grant(&client(), &emulator, &channel_grant("room", 2, 10)).await;
    let target = format!(
        "/publish/{PUB}/{SUB}/0/room/0?uuid=test-user&auth={}",
        pam_sign::percent_encode(&token)
    );
    let message = br#"{"text":"hello from an SDK"}"#;
    // Python sends zlib under `gzip`; JavaScript zlib under `deflate`; others real gzip or
    // raw deflate.
    for (encoding, body) in [
        ("gzip", zlib(message)),
        ("deflate", zlib(message)),
        ("gzip", gzip(message)),
        ("deflate", raw_deflate(message)),
    ] {
        let answer = post_encoded(&emulator, &target, encoding, body).await;
        assert_sent(&answer);
    }
    // The decompressed body is what must be JSON.
    let answer = post_encoded(&emulator, &target, "gzip", gzip(b"not json")).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(answer.body.contains("Invalid JSON"), "{}", answer.body);
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_deflate_bomb_gets_413_and_an_unknown_coding_415() {
    let emulator = start().await;
    let token = grant(&client(), &emulator, &channel_grant("room", 2, 10)).await;
    let target = format!(
        "/publish/{PUB}/{SUB}/0/room/0?uuid=test-user&auth={}",
        pam_sign::percent_encode(&token)
    );
    // 24 MiB of JSON-looking bytes in about 24 KiB (deflate's ratio tops out near 1000:1):
    // decompression stops at the body limit.
    let bomb = raw_deflate(&vec![b' '; 24 * 1024 * 1024]);
    assert!(bomb.len() < MAX_BODY_BYTES, "{} bytes", bomb.len());
    let answer = post_encoded(&emulator, &target, "deflate", bomb).await;
    assert_eq!(answer.status, 413, "{}", answer.body);
    assert!(
        answer.body.contains("decompresses to more than"),
        "{}",
        answer.body
    );
    let answer = post_encoded(&emulator, &target, "br", b"x".to_vec()).await;
    assert_eq!(answer.status, 415, "{}", answer.body);
    // The server still answers.
    let answer = Call::new("GET", "/time/0").send(&client(), &emulator).await;
    assert_eq!(answer.status, 200);
    emulator.shutdown().await.expect("shutdown");
}

/// HMAC-SHA256 with the test secret.
fn hmac(input: &str) -> Vec<u8> {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(input.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

#[tokio::test]
async fn server_signed_post_publish_accepts_each_sdk_scheme() {
    let emulator = start().await;
    let path = format!("/publish/{PUB}/{SUB}/0/room/0");
    let now = emulator.access_manager().now();
    // Sorted and encoded, as every SDK does.
    let query = format!("pnsdk=test&timestamp={now}&uuid=server");
    let body = r#"{"text":"signed"}"#;
    let url64 = base64::engine::general_purpose::URL_SAFE;
    let url64_no_pad = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let schemes = [
        // Python, Java, Kotlin: v1, padded, no prefix.
        (
            "v1",
            url64.encode(hmac(&format!("{SUB}\n{PUB}\n{path}\n{query}"))),
        ),
        // Rust `pubnub` 0.9: v1 without padding.
        (
            "v1 unpadded",
            url64_no_pad.encode(hmac(&format!("{SUB}\n{PUB}\n{path}\n{query}"))),
        ),
        // JavaScript: v2 as a GET without the body.
        (
            "v2 as GET",
            format!(
                "v2.{}",
                url64_no_pad.encode(hmac(&format!("GET\n{PUB}\n{path}\n{query}\n")))
            ),
        ),
        // v2 over the body.
        (
            "v2",
            format!(
                "v2.{}",
                url64_no_pad.encode(hmac(&format!("POST\n{PUB}\n{path}\n{query}\n{body}")))
            ),
        ),
    ];
    for (name, signature) in schemes {
        let target = format!(
            "{path}?{query}&signature={}",
            pam_sign::percent_encode(&signature)
        );
        let answer = post_encoded(&emulator, &target, "identity", body.as_bytes().to_vec()).await;
        assert_eq!(answer.status, 200, "{name}: {}", answer.body);
        // Compressed too: the signature covers the decompressed body.
        let answer = post_encoded(&emulator, &target, "gzip", zlib(body.as_bytes())).await;
        assert_eq!(answer.status, 200, "{name} compressed: {}", answer.body);
    }
    // A wrong secret is refused in the v1 scheme as in v2.
    let mut wrong = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"wrong").expect("key");
    wrong.update(format!("{SUB}\n{PUB}\n{path}\n{query}").as_bytes());
    let signature = url64.encode(wrong.finalize().into_bytes());
    let target = format!(
        "{path}?{query}&signature={}",
        pam_sign::percent_encode(&signature)
    );
    let answer = post_encoded(&emulator, &target, "identity", body.as_bytes().to_vec()).await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(answer.body.contains("Invalid signature"), "{}", answer.body);
    // Timestamps stay strict whatever the scheme.
    let stale = now - 3_600;
    let stale_query = format!("pnsdk=test&timestamp={stale}&uuid=server");
    let signature = url64.encode(hmac(&format!("{SUB}\n{PUB}\n{path}\n{stale_query}")));
    let target = format!(
        "{path}?{stale_query}&signature={}",
        pam_sign::percent_encode(&signature)
    );
    let answer = post_encoded(&emulator, &target, "identity", body.as_bytes().to_vec()).await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(answer.body.contains("Invalid timestamp"), "{}", answer.body);
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn repeated_identity_and_credential_parameters_are_refused() {
    let emulator = start().await;
    let client = client();
    let token = grant(&client, &emulator, &channel_grant("room", 2, 10)).await;
    let path = format!("/publish/{PUB}/{SUB}/0/room/0/1");
    for (name, first, second) in [
        ("uuid", "test-user", "someone-else"),
        ("auth", token.as_str(), "other"),
        ("auth", token.as_str(), token.as_str()),
    ] {
        let answer = Call::new("GET", path.clone())
            .query(&[("uuid", "test-user"), ("auth", &token)])
            .param(name, first)
            .param(name, second)
            .send(&client, &emulator)
            .await;
        assert_eq!(answer.status, 400, "{name}: {}", answer.body);
        assert!(
            answer.body.contains("Duplicate parameter"),
            "{}",
            answer.body
        );
        assert!(
            answer
                .body
                .contains(&format!("The `{name}` query parameter appears")),
            "{}",
            answer.body
        );
    }
    // Once each, it is published.
    let answer = Call::new("GET", path)
        .param("auth", &token)
        .send(&client, &emulator)
        .await;
    assert_sent(&answer);
    emulator.shutdown().await.expect("shutdown");
}
