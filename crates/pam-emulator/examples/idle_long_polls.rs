//! Measures what idle subscribe long-polls cost the emulator: resident memory and open file
//! descriptors with N polls held, and how long shutdown takes to answer them all.
//!
//! ```text
//! cargo run --release -p pam-emulator --example idle_long_polls -- 1000
//! ```
//!
//! The emulator runs in this process and is measured through `/proc/self` (Linux only); the
//! N clients run in a child process (this program again, with `client` as first argument)
//! so their sockets and buffers are not counted.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pam_emulator::{ConnectionLimits, Emulator, EmulatorConfig, Keyset};
use pam_model::{GrantRequest, Permissions, Resource, ResourceKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SUB: &str = "sub-c-measure";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if args.first().map(String::as_str) == Some("client") {
        return runtime.block_on(client(&args[1..]));
    }
    let polls: usize = args.first().map_or(Ok(1000), |n| n.parse())?;
    runtime.block_on(server(polls))
}

/// Resident memory in KiB and open descriptors of this process.
fn footprint() -> Result<(u64, usize), Box<dyn std::error::Error>> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let rss_kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or("no VmRSS in /proc/self/status")?;
    let fds = std::fs::read_dir("/proc/self/fd")?.count();
    Ok((rss_kib, fds))
}

async fn server(polls: usize) -> Result<(), Box<dyn std::error::Error>> {
    let config = EmulatorConfig::new(vec![Keyset::new(SUB, "pub-c-measure", "sec-c-measure")])
        .with_listen("127.0.0.1:0".parse()?)
        .with_subscribe_hold(300)
        // Each held poll is an open connection: allow them all (plus the warm-up one).
        .with_connection_limits(ConnectionLimits::default().with_max_connections(polls + 16));
    let emulator = Emulator::start(config).await?;
    let grant = GrantRequest::new(60).pattern(Resource::new(
        ResourceKind::Channel,
        ".*",
        Permissions::from_bits(1),
    ));
    let token = emulator.issue_token(0, &grant, emulator.access_manager().now())?;

    // Warm up: one poll held and answered, so lazily built state is not counted.
    let warm_up = spawn_clients(&emulator, &token, 1)?;
    wait_for_held(&emulator, 1).await?;
    let before = footprint()?;
    let clients = spawn_clients(&emulator, &token, polls)?;
    wait_for_held(&emulator, polls + 1).await?;
    // Let every connection settle (buffers allocated, nothing in flight).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let held = footprint()?;

    let started = Instant::now();
    emulator.shutdown().await?;
    let shutdown = started.elapsed();
    let answered = finish(clients)?;
    finish(warm_up)?;

    println!("idle long-polls held: {polls}");
    println!(
        "resident memory: {} KiB before, {} KiB held, {} bytes per poll",
        before.0,
        held.0,
        (held.0.saturating_sub(before.0) * 1024) / polls as u64
    );
    println!(
        "file descriptors: {} before, {} held ({} per poll)",
        before.1,
        held.1,
        (held.1.saturating_sub(before.1) as f64) / polls as f64
    );
    println!("shutdown answered {answered} polls in {shutdown:?}");
    Ok(())
}

async fn wait_for_held(emulator: &Emulator, count: usize) -> Result<(), String> {
    for _ in 0..6000 {
        if emulator.access_manager().held_polls() >= count {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Err(format!(
        "only {} of {count} polls were held after 60 s",
        emulator.access_manager().held_polls()
    ))
}

fn spawn_clients(
    emulator: &Emulator,
    token: &str,
    polls: usize,
) -> Result<std::process::Child, Box<dyn std::error::Error>> {
    let mut child = Command::new(std::env::current_exe()?)
        .arg("client")
        .arg(emulator.local_addr().to_string())
        .arg(polls.to_string())
        // A cursor of the current second: before every later event, after every earlier one.
        .arg((emulator.access_manager().now() * 10_000_000).to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    // The token goes through stdin, not the command line.
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    writeln!(stdin, "{token}")?;
    Ok(child)
}

/// Waits for a client process and returns how many of its polls were answered.
fn finish(child: std::process::Child) -> Result<usize, Box<dyn std::error::Error>> {
    let output = child.wait_with_output()?;
    let line = BufReader::new(output.stdout.as_slice())
        .lines()
        .next()
        .ok_or("the client printed nothing")??;
    Ok(line.trim().parse()?)
}

/// The client side: N connections, each subscribing to a channel of its own with the given
/// cursor (so nothing is delivered and the poll is held), then reading its answer.
async fn client(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let addr = args.first().ok_or("missing address")?.clone();
    let polls: usize = args.get(1).ok_or("missing count")?.parse()?;
    let cursor = args.get(2).ok_or("missing cursor")?.clone();
    let mut token = String::new();
    std::io::stdin().read_line(&mut token)?;
    let token = token.trim().to_owned();
    let mut tasks = Vec::with_capacity(polls);
    for i in 0..polls {
        let mut stream = tokio::net::TcpStream::connect(&addr).await?;
        let request = format!(
            "GET /v2/subscribe/{SUB}/idle-{i}/0?uuid=client-{i}&auth={token}&tt={cursor} \
             HTTP/1.1\r\nHost: {addr}\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        tasks.push(tokio::spawn(async move {
            let mut answer = Vec::new();
            let mut buffer = [0u8; 4096];
            loop {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        answer.extend_from_slice(&buffer[..n]);
                        if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"]}") {
                            break;
                        }
                    }
                }
            }
            answer.starts_with(b"HTTP/1.1 200")
        }));
    }
    let mut answered = 0;
    for task in tasks {
        if task.await? {
            answered += 1;
        }
    }
    println!("{answered}");
    Ok(())
}
