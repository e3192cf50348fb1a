//! The accept loop: one task per connection under a cap, hyper's header timeout, a prompt
//! `503` for connections over the cap, and a graceful shutdown with a deadline.
//!
//! `axum::serve` has no header timeout, no connection cap and no shutdown deadline, so the
//! connections are served here with hyper's HTTP/1 server directly, in front of the same
//! axum router.

use std::io::ErrorKind;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinSet;

use crate::ConnectionLimits;
use crate::limits::MAX_PENDING_REFUSALS;

/// How long a refusal may take to write its `503` and read what the client had sent.
const REFUSAL_DEADLINE: Duration = Duration::from_secs(1);

/// How long accepting pauses after the system refused a new socket (out of file
/// descriptors), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// How often, at most, an accept failure or refused connections are logged.
const ACCEPT_ERROR_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// The `503` for a connection over the cap: complete, with `Connection: close`.
fn refusal_bytes() -> Vec<u8> {
    let body = crate::Response::legacy_with_payload(
        503,
        "Service Unavailable",
        Some(serde_json::json!({
            "details": [{
                "message": "Too many open connections; retry shortly.",
                "location": "connection",
                "locationType": "transport",
            }]
        })),
    )
    .body;
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: {}\r\nretry-after: 1\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n{body}",
        crate::CONTENT_TYPE,
        body.len()
    )
    .into_bytes()
}

/// Serves `router` on `listener` until `stop` fires (or its sender is dropped), then shuts
/// down gracefully within `limits.shutdown_timeout`.
pub(crate) async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: ConnectionLimits,
    mut stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let refusals = Arc::new(Semaphore::new(MAX_PENDING_REFUSALS));
    let refusal = Arc::new(refusal_bytes());
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let mut last_accept_error: Option<Instant> = None;
    let mut last_refusal_log: Option<Instant> = None;
    let mut refused_since_log: u64 = 0;
    loop {
        tokio::select! {
            _ = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => match Arc::clone(&permits).try_acquire_owned() {
                    Ok(permit) => {
                        let _ = stream.set_nodelay(true);
                        let service = TowerToHyperService::new(router.clone());
                        let connection = builder.serve_connection(TokioIo::new(stream), service);
                        let connection = graceful.watch(connection);
                        connections.spawn(async move {
                            if let Err(error) = connection.await {
                                tracing::debug!(%error, "connection ended with an error");
                            }
                            drop(permit);
                        });
                    }
                    Err(_) => {
                        refused_since_log += 1;
                        let now = Instant::now();
                        if last_refusal_log
                            .is_none_or(|at| now.duration_since(at) >= ACCEPT_ERROR_LOG_INTERVAL)
                        {
                            tracing::warn!(
                                refused = refused_since_log,
                                max_connections = limits.max_connections,
                                "connections refused: too many open connections"
                            );
                            last_refusal_log = Some(now);
                            refused_since_log = 0;
                        }
                        refuse(stream, &refusals, &refusal);
                    }
                },
                Err(error) => {
                    let now = Instant::now();
                    if last_accept_error
                        .is_none_or(|at| now.duration_since(at) >= ACCEPT_ERROR_LOG_INTERVAL)
                    {
                        tracing::warn!(%error, "accepting a connection failed; pausing briefly");
                        last_accept_error = Some(now);
                    }
                    if !matches!(error.kind(), ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset) {
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                }
            },
        }
    }
    drop(listener);
    let open = connections.len();
    if open > 0 {
        tracing::info!(
            open,
            deadline_secs = limits.shutdown_timeout.as_secs_f64(),
            "shutting down: finishing in-flight requests"
        );
    }
    if tokio::time::timeout(limits.shutdown_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            open = connections.len(),
            "shutdown deadline passed; closing the connections still open"
        );
    }
    connections.shutdown().await;
    Ok(())
}

/// Answers a connection over the cap with the `503` and closes it, on a task of its own (at
/// most [`MAX_PENDING_REFUSALS`] at once, each bounded by [`REFUSAL_DEADLINE`]); beyond that
/// the connection is closed without an answer.
fn refuse(stream: TcpStream, refusals: &Arc<Semaphore>, refusal: &Arc<Vec<u8>>) {
    let Ok(permit) = Arc::clone(refusals).try_acquire_owned() else {
        return;
    };
    let refusal = Arc::clone(refusal);
    tokio::spawn(async move {
        let mut stream = stream;
        let _ = tokio::time::timeout(REFUSAL_DEADLINE, async {
            stream.write_all(&refusal).await?;
            stream.shutdown().await?;
            // Read what the client sent, so closing does not reset the connection before
            // the client has read the answer.
            let mut sink = [0u8; 4096];
            while stream.read(&mut sink).await? > 0 {}
            Ok::<(), std::io::Error>(())
        })
        .await;
        drop(permit);
    });
}
