//! The client: one connection pool, the keys, the token, the corrected clock, and the loop
//! that sends a request, retries it when that can help and turns the answer into a result.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use pam_sign::SigningKey;
use reqwest::Method;
use tracing::{debug, info, warn};

use crate::answer::{Answer, MAX_RESPONSE_BYTES, cut};
use crate::clock::Clock;
use crate::config::{ClientConfig, Keyset};
use crate::error::{Error, Operation};
use crate::redact::{REDACTED, RedactedUrl};
use crate::retry::{RetryPolicy, is_retryable_status, parse_retry_after};

/// The `pnsdk` value sent with every request.
pub const PNSDK: &str = concat!("pam-rust/", env!("CARGO_PKG_VERSION"));

/// A PubNub Access Manager client: grant, revoke, time and publish over HTTP.
///
/// Cloning is cheap and clones share everything: the connection pool, the token set with
/// [`Client::set_token`] and the clock offset learnt from the server. `Debug` shows neither the
/// secret key nor the token.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    origin: String,
    keyset: Keyset,
    user_id: String,
    signing_key: Option<SigningKey>,
    token: RwLock<Option<Arc<str>>>,
    clock: Clock,
    retry: RetryPolicy,
    connect_timeout: Duration,
    request_timeout: Duration,
}

/// One call to make: what to send, and how to show it.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) operation: Operation,
    pub(crate) method: Method,
    /// The path exactly as sent (percent-encoded).
    pub(crate) path: String,
    /// The path as logs and errors show it (a token in it replaced).
    pub(crate) shown_path: String,
    /// A JSON body, sent with `Content-Type: application/json`.
    pub(crate) json_body: Option<Vec<u8>>,
    /// Whether the request is signed when the client has a secret key.
    pub(crate) signed: bool,
    /// Whether `auth=<token>` is added when a token is set.
    pub(crate) with_auth: bool,
}

/// Why an attempt produced no answer.
enum Failure {
    Timeout {
        connecting: bool,
        source: reqwest::Error,
    },
    Connect {
        may_have_been_sent: bool,
        source: reqwest::Error,
    },
    TooLarge {
        status: u16,
    },
}

impl Client {
    /// Checks `config` and builds a client with its own connection pool.
    ///
    /// # Errors
    ///
    /// [`Error::Misuse`] for a configuration that cannot work (empty subscribe key or user id,
    /// a secret key without a publish key, an origin that is not `http(s)://host[:port]`);
    /// [`Error::Setup`] when the TLS stack cannot be initialised.
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        let origin = config.validate()?;
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(PNSDK)
            .build()
            .map_err(|e| Error::Setup {
                reason: "the HTTP client (its TLS stack) cannot be built".to_owned(),
                source: Some(Box::new(e.without_url())),
            })?;
        let keyset = config.keyset;
        let signing_key = match (&keyset.publish_key, &keyset.secret_key) {
            (Some(publish), Some(secret)) if !secret.is_empty() => {
                Some(SigningKey::new(publish.as_str(), secret.as_str()))
            }
            _ => None,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                origin,
                keyset,
                user_id: config.user_id,
                signing_key,
                token: RwLock::new(None),
                clock: Clock::new(config.clock_skew_for_testing),
                retry: config.retry,
                connect_timeout: config.connect_timeout,
                request_timeout: config.request_timeout,
            }),
        })
    }

    /// The origin requests go to, without a trailing `/`.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.inner.origin
    }

    /// The user id sent as `uuid`.
    #[must_use]
    pub fn user_id(&self) -> &str {
        &self.inner.user_id
    }

    /// The keyset.
    #[must_use]
    pub fn keyset(&self) -> &Keyset {
        &self.inner.keyset
    }

    /// Whether the client signs requests (it has a secret key).
    #[must_use]
    pub fn signs_requests(&self) -> bool {
        self.inner.signing_key.is_some()
    }

    /// Sets the token sent as `auth` with every later request (except grant and revoke),
    /// from this client and all its clones.
    pub fn set_token(&self, token: impl Into<String>) {
        let token: String = token.into();
        *self
            .inner
            .token
            .write()
            .unwrap_or_else(PoisonError::into_inner) =
            (!token.is_empty()).then(|| Arc::from(token));
    }

    /// Stops sending a token.
    pub fn clear_token(&self) {
        *self
            .inner
            .token
            .write()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// The token set with [`Client::set_token`], if any.
    #[must_use]
    pub fn token(&self) -> Option<String> {
        self.current_token().map(|t| t.to_string())
    }

    fn current_token(&self) -> Option<Arc<str>> {
        self.inner
            .token
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The correction applied to the local clock when signing, in seconds (server time minus
    /// local time), learnt the last time the server refused a timestamp. 0 until then.
    #[must_use]
    pub fn clock_offset_secs(&self) -> i64 {
        self.inner.clock.offset_secs()
    }

    /// Sends `call`, retrying as the policy allows and correcting the clock once if the
    /// server refuses the timestamp. Returns the successful answer and the URL shown for it.
    pub(crate) async fn send(&self, call: &Call) -> Result<(Answer, RedactedUrl), Error> {
        let inner = &*self.inner;
        let started = Instant::now();
        let request_id = new_request_id();
        let mut attempts = 0u32;
        let mut retries = 0u32;
        let mut clock_corrected = false;
        loop {
            attempts += 1;
            let query = self.query(call, &request_id);
            let shown = RedactedUrl::from_parts(&inner.origin, &call.shown_path, &query);
            let url = format!(
                "{}{}?{}",
                inner.origin,
                call.path,
                pam_sign::encode_query(&query)
            );
            debug!(operation = %call.operation, attempt = attempts, url = %shown, "sending");
            let wait = match self.attempt(call, &url).await {
                Ok(answer) if answer.is_success() => return Ok((answer, shown)),
                Ok(answer) => {
                    if !clock_corrected
                        && call.signed
                        && self.signs_requests()
                        && answer.is_timestamp_refusal()
                    {
                        clock_corrected = true;
                        if self.correct_clock(call.operation).await {
                            continue;
                        }
                    }
                    let may_retry = call.operation.is_idempotent()
                        && is_retryable_status(answer.status)
                        && retries + 1 < inner.retry.attempts();
                    let wait = match answer.retry_after {
                        // Asked for longer than we ever wait: the 429 goes back at once, with
                        // the wait the server asked for.
                        Some(asked) if asked.exceeds_cap() => None,
                        Some(asked) => Some(asked.0),
                        None => Some(inner.retry.backoff(retries)),
                    };
                    match wait.filter(|_| may_retry) {
                        Some(wait) if fits(started, wait, &inner.retry) => {
                            warn!(operation = %call.operation, status = answer.status, url = %shown,
                                  wait_ms = wait.as_millis() as u64, "retrying after HTTP status");
                            wait
                        }
                        _ => return Err(answer.into_error(call.operation, shown, attempts)),
                    }
                }
                Err(Failure::Timeout { connecting, source }) => {
                    return Err(Error::Timeout {
                        operation: call.operation,
                        url: shown,
                        limit: if connecting {
                            inner.connect_timeout
                        } else {
                            inner.request_timeout
                        },
                        connecting,
                        attempts,
                        source: Some(Box::new(source)),
                    });
                }
                Err(Failure::TooLarge { status }) => {
                    return Err(Error::Decode {
                        operation: call.operation,
                        status,
                        url: shown,
                        reason: format!("the response is larger than {MAX_RESPONSE_BYTES} bytes"),
                        excerpt: String::new(),
                        source: None,
                    });
                }
                Err(Failure::Connect {
                    may_have_been_sent,
                    source,
                }) => {
                    let wait = inner.retry.backoff(retries);
                    let may_retry = (!may_have_been_sent || call.operation.is_idempotent())
                        && retries + 1 < inner.retry.attempts()
                        && fits(started, wait, &inner.retry);
                    if !may_retry {
                        return Err(Error::Connect {
                            operation: call.operation,
                            url: shown,
                            may_have_been_sent,
                            attempts,
                            source: Box::new(source),
                        });
                    }
                    let reason = describe(&source);
                    warn!(operation = %call.operation, url = %shown, %reason,
                          wait_ms = wait.as_millis() as u64, "retrying after a connection failure");
                    wait
                }
            };
            retries += 1;
            tokio::time::sleep(wait).await;
        }
    }

    /// The query of one attempt: `uuid`, `pnsdk`, `requestid`, `auth` when set, then the
    /// signed `timestamp` and `signature` when the call is signed.
    fn query(&self, call: &Call, request_id: &str) -> Vec<(&'static str, String)> {
        let inner = &*self.inner;
        let mut query = vec![
            ("uuid", inner.user_id.clone()),
            ("pnsdk", PNSDK.to_owned()),
            ("requestid", request_id.to_owned()),
        ];
        if call.with_auth {
            if let Some(token) = self.current_token() {
                query.push(("auth", token.to_string()));
            }
        }
        if let (true, Some(key)) = (call.signed, &inner.signing_key) {
            let pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let request = pam_sign::Request {
                method: call.method.as_str(),
                path: &call.path,
                query: &pairs,
                body: call.json_body.as_deref().unwrap_or_default(),
            };
            let signed = key.sign(&request, inner.clock.now_secs());
            query.extend(signed.query_pairs());
        }
        query
    }

    /// One attempt: send, and read the whole (bounded) answer.
    async fn attempt(&self, call: &Call, url: &str) -> Result<Answer, Failure> {
        let mut request = self.inner.http.request(call.method.clone(), url);
        if let Some(body) = &call.json_body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let mut response = request.send().await.map_err(failure)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| parse_retry_after(v.as_bytes(), self.inner.clock.now()));
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failure)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(Failure::TooLarge { status });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }

    /// Asks the server for its time (one attempt, unsigned) and adopts it; false when that
    /// failed.
    async fn correct_clock(&self, operation: Operation) -> bool {
        let call = Call::time();
        let query = self.query(&call, &new_request_id());
        let url = format!(
            "{}{}?{}",
            self.inner.origin,
            call.path,
            pam_sign::encode_query(&query)
        );
        let shown = RedactedUrl::from_parts(&self.inner.origin, &call.shown_path, &query);
        let server_time = match self.attempt(&call, &url).await {
            Ok(answer) if answer.is_success() => {
                crate::endpoints::decode_time(&answer, &shown).map_err(|e| e.to_string())
            }
            Ok(answer) => Err(answer.into_error(Operation::Time, shown, 1).to_string()),
            Err(failure) => Err(failure.describe()),
        };
        match server_time {
            Ok(server) => {
                self.inner.clock.correct_to(server.unix_seconds());
                info!(%operation, offset_secs = self.inner.clock.offset_secs(),
                      "the server refused the request timestamp; corrected the clock, retrying");
                true
            }
            Err(error) => {
                warn!(%operation, %error,
                      "the server refused the request timestamp and its time could not be fetched");
                false
            }
        }
    }
}

impl Failure {
    fn describe(&self) -> String {
        match self {
            Failure::Timeout {
                connecting: true, ..
            } => "timed out connecting".to_owned(),
            Failure::Timeout {
                connecting: false, ..
            } => "timed out waiting for the response".to_owned(),
            Failure::Connect { source, .. } => describe(source),
            Failure::TooLarge { .. } => {
                format!("the response is larger than {MAX_RESPONSE_BYTES} bytes")
            }
        }
    }
}

/// Whether waiting `wait` more still ends within the policy's total time.
fn fits(started: Instant, wait: Duration, policy: &RetryPolicy) -> bool {
    started.elapsed().saturating_add(wait) <= policy.max_elapsed
}

/// Sorts a transport error into timeout, connect-before-sending and lost-after-connecting;
/// the error is kept (as the cause) without its URL, which may carry credentials.
fn failure(error: reqwest::Error) -> Failure {
    let connecting = error.is_connect();
    let source = error.without_url();
    if source.is_timeout() {
        Failure::Timeout { connecting, source }
    } else {
        Failure::Connect {
            may_have_been_sent: !connecting,
            source,
        }
    }
}

/// A reqwest error and its causes, one after the other (the URL left out by the caller).
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    cut(&text, 300)
}

/// A random request id: a UUID v4 in its hyphenated lowercase form.
fn new_request_id() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Client")
            .field("origin", &inner.origin)
            .field("user_id", &inner.user_id)
            .field("keyset", &inner.keyset)
            .field("token", &self.current_token().map(|_| REDACTED))
            .field("clock_offset_secs", &inner.clock.offset_secs())
            .field("retry", &inner.retry)
            .field("connect_timeout", &inner.connect_timeout)
            .field("request_timeout", &inner.request_timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_uuid_v4_and_differ() {
        let a = new_request_id();
        let b = new_request_id();
        assert_ne!(a, b);
        let parsed = uuid::Uuid::parse_str(&a).expect("a UUID");
        assert_eq!(parsed.get_version(), Some(uuid::Version::Random));
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(parsed.hyphenated().to_string(), a);
    }

    #[test]
    fn debug_hides_secret_and_token() {
        let client = Client::new(ClientConfig::new(
            Keyset {
                subscribe_key: "sub".into(),
                publish_key: Some("pub".into()),
                secret_key: Some("sec-c-hidden".into()),
            },
            "admin",
        ))
        .expect("valid config");
        client.set_token("p0F2-token-hidden");
        let shown = format!("{client:?}");
        assert!(!shown.contains("hidden"), "{shown}");
        assert_eq!(client.token().as_deref(), Some("p0F2-token-hidden"));
        client.clear_token();
        assert_eq!(client.token(), None);
    }

    #[test]
    fn query_has_identity_auth_and_signature() {
        let client = Client::new(ClientConfig::new(
            Keyset {
                subscribe_key: "sub".into(),
                publish_key: Some("pub".into()),
                secret_key: Some("sec".into()),
            },
            "admin",
        ))
        .expect("valid config");
        client.set_token("tok");
        let call = Call {
            operation: Operation::Publish,
            method: Method::GET,
            path: "/publish/pub/sub/0/c/0/1".into(),
            shown_path: "/publish/pub/sub/0/c/0/1".into(),
            json_body: None,
            signed: true,
            with_auth: true,
        };
        let query = client.query(&call, "rid");
        let keys: Vec<&str> = query.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            keys,
            [
                "uuid",
                "pnsdk",
                "requestid",
                "auth",
                "timestamp",
                "signature"
            ]
        );
        assert_eq!(query[1].1, PNSDK);
        let pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let request = pam_sign::Request {
            method: "GET",
            path: &call.path,
            query: &pairs,
            body: b"",
        };
        assert_eq!(SigningKey::new("pub", "sec").verify(&request), Ok(()));
    }
}
