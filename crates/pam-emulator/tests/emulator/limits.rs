//! Size limits: 414 for a long request target, 413 for a large body, both with JSON bodies.

use pam_emulator::limits::{MAX_BODY_BYTES, MAX_REQUEST_TARGET_BYTES};

use super::support::{Call, PUB, SUB, channel_grant, client, grant, start};

#[tokio::test]
async fn a_request_target_over_the_limit_is_414() {
    let emulator = start().await;
    let client = client();
    let long = "x".repeat(MAX_REQUEST_TARGET_BYTES);
    let answer = Call::new("GET", "/time/0")
        .param("padding", &long)
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 414, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["message"], "Request URI Too Long");
    assert_eq!(body["error"], true);
    assert_eq!(body["service"], "Access Manager");
    assert_eq!(body["status"], 414);
    assert_eq!(body["payload"]["limit_bytes"], MAX_REQUEST_TARGET_BYTES);

    // Just under the limit is answered normally.
    let fits = "x".repeat(MAX_REQUEST_TARGET_BYTES - "/time/0?uuid=test-user&padding=".len());
    let answer = Call::new("GET", "/time/0")
        .param("padding", &fits)
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let emulator = start().await;
    let client = client();
    let token = grant(&client, &emulator, &channel_grant("room", 2, 10)).await;
    let big = format!("\"{}\"", "y".repeat(MAX_BODY_BYTES));
    let answer = Call::new("POST", format!("/publish/{PUB}/{SUB}/0/room/0"))
        .param("auth", &token)
        .raw_body(big.into_bytes(), Some("application/json"))
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 413, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["message"], "Payload Too Large");
    assert_eq!(body["status"], 413);
    assert_eq!(body["payload"]["limit_bytes"], MAX_BODY_BYTES);

    // Exactly at the limit is read and answered.
    let fits = format!("\"{}\"", "y".repeat(MAX_BODY_BYTES - 2));
    let answer = Call::new("POST", format!("/publish/{PUB}/{SUB}/0/room/0"))
        .param("auth", &token)
        .raw_body(fits.into_bytes(), Some("application/json"))
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let emulator = start().await;
    // A chunked body has no Content-Length: the limit applies while reading. Written by
    // hand over TCP, as the plainest possible client.
    let mut stream = tokio::net::TcpStream::connect(emulator.local_addr())
        .await
        .expect("connect");
    let head = format!(
        "POST /publish/{PUB}/{SUB}/0/room/0?uuid=u HTTP/1.1\r\nHost: localhost\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut request = head.into_bytes();
    for _ in 0..40 {
        request.extend_from_slice(b"400\r\n");
        request.extend_from_slice(&[b' '; 1024]);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    // The server may answer and close before reading everything; that is fine.
    let _ = stream.write_all(&request).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains(r#""message":"Payload Too Large""#), "{text}");
    emulator.shutdown().await.expect("shutdown");
}
