//! Hostile clients over real loopback TCP: slow heads, slow bodies, idle keep-alive
//! connections, a flood of connections past the cap, and a shutdown while a request is half
//! sent. Every wait below is an upper bound for a test that would otherwise hang, never a
//! speed goal: the configured timeouts are short and the bounds generous.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::support::{config, start_with};
use pam_emulator::{ConnectionLimits, Emulator};

/// The longest any step may take before the test fails instead of hanging.
const BOUND: Duration = Duration::from_secs(20);

fn limits() -> ConnectionLimits {
    ConnectionLimits::default()
        .with_header_timeout(Duration::from_secs(1))
        .with_body_timeout(Duration::from_secs(1))
}

async fn connect(emulator: &Emulator) -> TcpStream {
    TcpStream::connect(emulator.local_addr())
        .await
        .expect("connects")
}

/// Reads until the server closes the connection (or resets it); returns what was read and
/// how long it took. Fails the test after [`BOUND`].
async fn read_until_closed(stream: &mut TcpStream) -> (String, Duration) {
    let started = Instant::now();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(BOUND, stream.read(&mut buffer)).await {
            Err(_) => panic!(
                "the server kept the connection open for {BOUND:?}; read so far: {}",
                String::from_utf8_lossy(&seen)
            ),
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => seen.extend_from_slice(&buffer[..n]),
        }
    }
    (
        String::from_utf8_lossy(&seen).into_owned(),
        started.elapsed(),
    )
}

/// Sends `bytes` one at a time, `gap` apart, until the server closes the connection or
/// `bytes` run out; returns how many were written.
async fn trickle(stream: &mut TcpStream, bytes: &[u8], gap: Duration) -> usize {
    for (index, byte) in bytes.iter().enumerate() {
        if stream.write_all(&[*byte]).await.is_err() {
            return index;
        }
        tokio::time::sleep(gap).await;
    }
    bytes.len()
}

#[tokio::test]
async fn a_slow_header_is_cut_off_after_the_header_timeout() {
    let emulator = start_with(config().with_connection_limits(limits())).await;
    let mut stream = connect(&emulator).await;
    // One byte every 200 ms: a complete head would take 20 s.
    let head = format!(
        "GET /time/0 HTTP/1.1\r\nHost: x\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(60)
    );
    let sent = tokio::time::timeout(
        BOUND,
        trickle(&mut stream, head.as_bytes(), Duration::from_millis(200)),
    )
    .await
    .expect("the server cut the trickle off within the bound");
    assert!(
        sent < head.len(),
        "the whole head got through: {sent} bytes"
    );
    let (answer, _) = read_until_closed(&mut stream).await;
    assert!(!answer.contains("200 OK"), "{answer}");
    // The server still serves others.
    assert_time_answers(&emulator).await;
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_slow_body_gets_408_after_the_body_timeout() {
    let emulator = start_with(config().with_connection_limits(limits())).await;
    let mut stream = connect(&emulator).await;
    let path = format!(
        "/publish/{}/{}/0/room/0?uuid=u",
        super::support::PUB,
        super::support::SUB
    );
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("head sent");
    let body = vec![b' '; 100];
    let trickled = tokio::spawn(async move {
        let mut stream = stream;
        let sent = trickle(&mut stream, &body, Duration::from_millis(200)).await;
        (stream, sent)
    });
    let (mut stream, sent) = tokio::time::timeout(BOUND, trickled)
        .await
        .expect("the server cut the body off within the bound")
        .expect("trickle task");
    assert!(sent < 100, "the whole body got through");
    let (answer, _) = read_until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("Request Timeout"), "{answer}");
    assert_time_answers(&emulator).await;
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let emulator = start_with(config().with_connection_limits(limits())).await;
    let mut stream = connect(&emulator).await;
    stream
        .write_all(b"GET /time/0 HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("sent");
    let mut first = [0u8; 512];
    let n = tokio::time::timeout(BOUND, stream.read(&mut first))
        .await
        .expect("answered")
        .expect("read");
    assert!(
        first[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&first[..n])
    );
    // Then nothing: the server closes the kept-alive connection.
    let (rest, _) = read_until_closed(&mut stream).await;
    assert!(rest.is_empty() || !rest.contains("200"), "{rest}");
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn past_the_connection_cap_a_client_is_refused_promptly_then_served() {
    let cap = 8;
    let emulator = start_with(
        config().with_connection_limits(
            ConnectionLimits::default()
                .with_max_connections(cap)
                .with_header_timeout(Duration::from_secs(60)),
        ),
    )
    .await;
    // A flood of idle connections takes every slot (each is accepted and waits for a head).
    let mut flood = Vec::new();
    for _ in 0..cap {
        flood.push(connect(&emulator).await);
    }
    // Give the server the moment it needs to accept them all.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut extra = connect(&emulator).await;
    extra
        .write_all(b"GET /time/0 HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("sent");
    let (answer, _) = read_until_closed(&mut extra).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 1"),
        "{answer}"
    );
    assert!(answer.contains("Too many open connections"), "{answer}");
    // The flood ends; service resumes.
    drop(flood);
    let started = Instant::now();
    loop {
        let answer = raw_time(&emulator).await;
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(
            started.elapsed() < BOUND,
            "still refused after the flood: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn shutdown_ends_within_its_deadline_whatever_a_client_holds() {
    let deadline = Duration::from_secs(1);
    let emulator = start_with(
        config().with_connection_limits(
            ConnectionLimits::default()
                .with_header_timeout(Duration::from_secs(600))
                .with_body_timeout(Duration::from_secs(600))
                .with_shutdown_timeout(deadline),
        ),
    )
    .await;
    // One client with half a head, one with a head and half a body.
    let mut half_head = connect(&emulator).await;
    half_head
        .write_all(b"POST /v3/pam/sub/grant HTTP/1.1\r\nHost: x\r\nContent-Le")
        .await
        .expect("sent");
    let mut half_body = connect(&emulator).await;
    half_body
        .write_all(
            b"POST /v3/pam/sub/grant?uuid=u HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{\"ttl\"",
        )
        .await
        .expect("sent");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    tokio::time::timeout(BOUND, emulator.shutdown())
        .await
        .expect("shutdown returns within the bound")
        .expect("shutdown");
    let took = started.elapsed();
    assert!(took >= deadline / 2, "returned before waiting: {took:?}");
    // Both connections are closed.
    read_until_closed(&mut half_head).await;
    read_until_closed(&mut half_body).await;
}

async fn raw_time(emulator: &Emulator) -> String {
    let mut stream = connect(emulator).await;
    stream
        .write_all(b"GET /time/0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("sent");
    read_until_closed(&mut stream).await.0
}

async fn assert_time_answers(emulator: &Emulator) {
    let answer = raw_time(emulator).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
