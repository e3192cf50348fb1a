//! A minimal HTTP/1.1 keep-alive client for load: prepared request bytes written on a
//! connection, the response read by its `Content-Length`. Nothing but the server is measured.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longest response head accepted.
const MAX_HEAD: usize = 16 * 1024;

/// One keep-alive connection.
#[derive(Debug)]
pub(crate) struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    /// Connects to `addr` (Nagle off, as HTTP clients do).
    pub(crate) async fn open(addr: SocketAddr) -> Result<Connection, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        Ok(Connection {
            stream,
            buffer: Vec::with_capacity(4096),
        })
    }

    /// Sends `request` and reads the whole response; returns its status code.
    pub(crate) async fn round_trip(&mut self, request: &[u8]) -> Result<u16, String> {
        self.stream
            .write_all(request)
            .await
            .map_err(|e| format!("write: {e}"))?;
        self.buffer.clear();
        let head_end = loop {
            if let Some(at) = find(&self.buffer, b"\r\n\r\n") {
                break at + 4;
            }
            if self.buffer.len() > MAX_HEAD {
                return Err("response head too long".to_owned());
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buffer[..head_end])
            .map_err(|_| "response head is not UTF-8".to_owned())?;
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| format!("no status in {head:?}"))?;
        let length: usize = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .ok_or_else(|| format!("no Content-Length in {head:?}"))?;
        while self.buffer.len() < head_end + length {
            self.fill().await?;
        }
        Ok(status)
    }

    async fn fill(&mut self) -> Result<(), String> {
        let read = self
            .stream
            .read_buf(&mut self.buffer)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if read == 0 {
            return Err("the server closed the connection".to_owned());
        }
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Runs `request` in a loop on every connection until `window` has passed; returns the
/// connections and the requests per second achieved (responses not `200` are errors).
pub(crate) async fn saturate(
    connections: Vec<Connection>,
    request: &[u8],
    window: Duration,
) -> Result<(Vec<Connection>, f64), String> {
    let start = Instant::now();
    let deadline = start + window;
    let tasks: Vec<_> = connections
        .into_iter()
        .map(|mut connection| {
            let request = request.to_vec();
            tokio::spawn(async move {
                let mut done = 0u64;
                while Instant::now() < deadline {
                    let status = connection.round_trip(&request).await?;
                    if status != 200 {
                        return Err(format!("status {status}"));
                    }
                    done += 1;
                }
                Ok::<_, String>((connection, done))
            })
        })
        .collect();
    let mut back = Vec::with_capacity(tasks.len());
    let mut total = 0u64;
    for task in tasks {
        let (connection, done) = task.await.map_err(|e| e.to_string())??;
        back.push(connection);
        total += done;
    }
    let elapsed = start.elapsed().as_secs_f64();
    Ok((back, total as f64 / elapsed))
}
