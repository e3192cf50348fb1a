//! The HTTP layer: hyper and axum on tokio in front of [`AccessManager::handle`].
//!
//! Connections are accepted by `crate::connections` (timeouts, connection cap, graceful
//! shutdown with a deadline). Every request goes to one handler, which bounds the request
//! target and body (and the time to receive the body), then runs
//! the core and writes its answer: on the async worker for small requests, on a blocking
//! thread for a revoke (it may wait for fsync) and for large bodies.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::{Body, HttpBody};
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, header};
use pam_model::GrantRequest;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::limits::{MAX_BODY_BYTES, MAX_DISCARDED_BODY_BYTES, MAX_REQUEST_TARGET_BYTES};
use crate::response::CONTENT_TYPE;
use crate::{AccessManager, EmulatorConfig, Error, Keyset, Request, Response};

/// A running emulator: an HTTP server on a socket of its own, serving an [`AccessManager`].
///
/// Dropping it stops the server without waiting; [`Emulator::shutdown`] stops it gracefully
/// (in-flight requests are answered) and waits.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), pam_emulator::Error> {
/// use pam_emulator::{Emulator, EmulatorConfig, Keyset};
///
/// let config = EmulatorConfig::new(vec![Keyset::new("sub-c-1", "pub-c-1", "sec-c-1")])
///     .with_listen("127.0.0.1:0".parse().unwrap());
/// let emulator = Emulator::start(config).await?;
/// assert!(emulator.url().starts_with("http://127.0.0.1:"));
/// assert_eq!(emulator.keysets().next().unwrap().subscribe_key(), "sub-c-1");
/// emulator.shutdown().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Emulator {
    local_addr: SocketAddr,
    url: String,
    access_manager: Arc<AccessManager>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Emulator {
    /// Validates `config`, loads revocations from its data directory (if any), binds its
    /// address (port 0: a free port) and starts serving on the current tokio runtime (call
    /// it from within one; any flavor works).
    ///
    /// # Errors
    ///
    /// Those of [`AccessManager::new`], and [`Error::Bind`].
    pub async fn start(config: EmulatorConfig) -> Result<Emulator, Error> {
        let listen = config.listen;
        let config_limits = config.connection_limits;
        // Loading the journal is file I/O: keep it off the async worker threads.
        let access_manager = tokio::task::spawn_blocking(move || AccessManager::new(&config))
            .await
            .map_err(|join| Error::Serve {
                source: std::io::Error::other(join.to_string()),
            })??;
        let access_manager = Arc::new(access_manager);
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| Error::Bind {
                addr: listen,
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: listen,
            source,
        })?;
        let limits = config_limits;
        let router = axum::Router::new()
            .fallback(serve_request)
            .with_state(Arc::new(Shared {
                access_manager: Arc::clone(&access_manager),
                body_timeout: limits.body_timeout,
            }));
        let (stop, stopped) = oneshot::channel::<()>();
        // A dropped sender stops the server too.
        let task = tokio::spawn(crate::connections::serve(listener, router, limits, stopped));
        tracing::info!(address = %local_addr, "Access Manager emulator listening");
        Ok(Emulator {
            local_addr,
            url: format!("http://{}", connectable(local_addr)),
            access_manager,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The base URL clients use, e.g. `http://127.0.0.1:8090` (an unspecified listen address
    /// such as `0.0.0.0` is shown as loopback).
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bound socket address (with the port chosen when 0 was asked for).
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The keysets served.
    pub fn keysets(&self) -> impl ExactSizeIterator<Item = &Keyset> {
        self.access_manager.keysets()
    }

    /// The Access Manager behind the server (its clock, revocations, token issuer).
    #[must_use]
    pub fn access_manager(&self) -> &AccessManager {
        &self.access_manager
    }

    /// Issues a token directly; see [`AccessManager::issue_token`].
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchKeyset`] when the index is out of range.
    pub fn issue_token(
        &self,
        keyset_index: usize,
        grant: &GrantRequest,
        timestamp: u64,
    ) -> Result<String, Error> {
        self.access_manager
            .issue_token(keyset_index, grant, timestamp)
    }

    /// Stops accepting connections, lets in-flight requests finish, closes idle
    /// connections and waits until the server has stopped: at most the configured
    /// shutdown timeout ([`crate::ConnectionLimits::shutdown_timeout`]), after which the
    /// connections still open are closed.
    ///
    /// # Errors
    ///
    /// [`Error::Serve`] when the server had failed.
    pub async fn shutdown(mut self) -> Result<(), Error> {
        // Held subscribe long-polls are in-flight requests: answer them now.
        self.access_manager.release_held_polls();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => match task.await {
                Ok(result) => result.map_err(|source| Error::Serve { source }),
                Err(join) => Err(Error::Serve {
                    source: std::io::Error::other(join.to_string()),
                }),
            },
            None => Ok(()),
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.access_manager.release_held_polls();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Largest body answered on the async worker itself; larger ones go to a blocking thread.
///
/// A grant body of this size validates in well under a millisecond, so answering inline never
/// holds a worker for long, and it saves the two thread hand-offs of `spawn_blocking`, which
/// cost more than answering a small request does (`cargo xtask bench`: at 32 connections
/// they were most of a `/time/0`'s cost).
const INLINE_BODY_LIMIT: usize = 4 * 1024;

/// Whether a request is answered on the async worker: any request but a revoke (`DELETE`,
/// which with a data directory waits for fsync), with a body of at most
/// [`INLINE_BODY_LIMIT`] bytes.
fn answers_inline(method: &Method, body_len: usize) -> bool {
    *method != Method::DELETE && body_len <= INLINE_BODY_LIMIT
}

/// The address a client on this machine connects to for `addr`.
fn connectable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}

/// What every request handler shares.
struct Shared {
    access_manager: Arc<AccessManager>,
    body_timeout: std::time::Duration,
}

/// Why a body could not be read.
enum BodyError {
    TooLarge,
    Read(axum::Error),
}

/// Reads `body` when it has at most `limit` bytes. A larger body is read on and discarded up
/// to [`MAX_DISCARDED_BODY_BYTES`], so the client can read the `413`.
async fn read_body(mut body: Body, limit: usize) -> Result<Vec<u8>, BodyError> {
    let mut out = Vec::new();
    let mut total = 0usize;
    loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None if total > limit => return Err(BodyError::TooLarge),
            None => return Ok(out),
            Some(Err(error)) if total > limit => {
                tracing::debug!(%error, "discarding an oversized body failed");
                return Err(BodyError::TooLarge);
            }
            Some(Err(error)) => return Err(BodyError::Read(error)),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    total = total.saturating_add(data.len());
                    if total <= limit {
                        out.extend_from_slice(&data);
                    } else {
                        out = Vec::new();
                        if total > limit.saturating_add(MAX_DISCARDED_BODY_BYTES) {
                            return Err(BodyError::TooLarge);
                        }
                    }
                }
            }
        }
    }
}

fn into_http(response: Response) -> axum::response::Response {
    let mut http = axum::response::Response::new(Body::from(response.body));
    *http.status_mut() =
        StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    http.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    http
}

async fn serve_request(
    State(shared): State<Arc<Shared>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let access_manager = Arc::clone(&shared.access_manager);
    let (parts, body) = request.into_parts();
    let target_len = parts
        .uri
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if target_len > MAX_REQUEST_TARGET_BYTES {
        return into_http(Response::target_too_long(
            target_len,
            MAX_REQUEST_TARGET_BYTES,
        ));
    }
    let declared_len = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if let Some(declared) =
        declared_len.filter(|&len| len > MAX_BODY_BYTES.saturating_add(MAX_DISCARDED_BODY_BYTES))
    {
        return into_http(Response::body_too_large(Some(declared), MAX_BODY_BYTES));
    }
    let read = tokio::time::timeout(shared.body_timeout, read_body(body, MAX_BODY_BYTES)).await;
    let Ok(read) = read else {
        tracing::info!(
            timeout_secs = shared.body_timeout.as_secs_f64(),
            "request body not received in time; closing the connection"
        );
        let mut http = into_http(Response::legacy(408, "Request Timeout"));
        http.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return http;
    };
    let body = match read {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return into_http(Response::body_too_large(declared_len, MAX_BODY_BYTES));
        }
        Err(BodyError::Read(error)) => {
            tracing::debug!(%error, "request body could not be read");
            return into_http(Response::legacy(400, "Bad Request"));
        }
    };
    let method = parts.method.clone();
    let body_len = body.len();
    let core = Arc::clone(&access_manager);
    let answer = move || {
        let headers: Vec<(&str, &str)> = parts
            .headers
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
            .collect();
        core.handle_or_hold(&Request {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query().unwrap_or(""),
            headers: &headers,
            body: &body,
        })
    };
    let handled = if answers_inline(&method, body_len) {
        std::panic::catch_unwind(AssertUnwindSafe(answer)).map_err(|_| "the core panicked")
    } else {
        tokio::task::spawn_blocking(answer)
            .await
            .map_err(|_| "the core's blocking task failed")
    };
    match handled {
        // A subscribe long-poll waits here, on this connection's task, holding no thread.
        Ok((_, Some(held))) => into_http(access_manager.wait(held).await),
        Ok((response, None)) => into_http(response),
        Err(error) => {
            tracing::error!(error, "request handling failed");
            into_http(Response::legacy(500, "Internal Server Error"))
        }
    }
}
