//! `pam serve` under a compression bomb: each gets 413, and the server's peak memory does not
//! grow by anything like what the bombs expand to. Runs the real binary and reads its peak
//! resident size from `/proc` (Linux; elsewhere the test says it did not run).

mod support;

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use support::ServeProcess as Server;

/// What each bomb expands to.
const EXPANDED_BYTES: usize = 28 * 1024 * 1024;

/// A zlib stream of `EXPANDED_BYTES` spaces, compressed without ever holding them.
fn bomb() -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..EXPANDED_BYTES / chunk.len() {
        encoder.write_all(&chunk).expect("compress");
    }
    encoder.finish().expect("compress")
}

/// The peak resident set size of process `pid`, in KiB (`VmHWM`).
#[cfg(target_os = "linux")]
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn deflate_bombs_get_413_with_memory_bounded() {
    let server = Server::start::<&str>(&[]);
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let url = format!(
        "{}/publish/pub-c-local-demo/sub-c-local-demo/0/room/0?uuid=u",
        server.url
    );
    let bomb = bomb();
    assert!(bomb.len() < 32 * 1024, "bomb of {} bytes", bomb.len());
    // Warm up (threads, buffers), then take the baseline.
    let warm = client
        .get(format!("{}/time/0", server.url))
        .send()
        .await
        .expect("answered");
    assert_eq!(warm.status().as_u16(), 200);
    let before = peak_rss_kib(server.id());
    let rounds = 16;
    for _ in 0..rounds {
        let response = client
            .post(&url)
            .header("Content-Type", "application/json")
            .header("Content-Encoding", "deflate")
            .body(bomb.clone())
            .send()
            .await
            .expect("answered");
        let status = response.status().as_u16();
        let body = response.text().await.expect("body");
        assert_eq!(status, 413, "{body}");
        assert!(body.contains("decompresses to more than"), "{body}");
    }
    let after = peak_rss_kib(server.id());
    let growth_kib = after.saturating_sub(before);
    println!(
        "{rounds} bombs of {} KiB expanding to {} MiB each: peak RSS {before} KiB -> {after} KiB (+{growth_kib} KiB)",
        bomb.len() / 1024,
        EXPANDED_BYTES / (1024 * 1024)
    );
    // Decompressing even one bomb whole would add 28 MiB.
    assert!(
        growth_kib < 8 * 1024,
        "peak RSS grew by {growth_kib} KiB: decompression is not bounded"
    );
}

#[cfg(not(target_os = "linux"))]
#[test]
fn deflate_bombs_get_413_with_memory_bounded() {
    println!("skipping: peak memory is read from /proc, which only Linux has");
}
