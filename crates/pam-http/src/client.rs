//! The client: one connection pool, the keys, the token, the corrected clock, and the loop
//! that sends a request, retries it when that can help and turns the answer into a result.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pam_sign::SigningKey;
use reqwest::Method;
use tracing::{debug, info, warn};

use pam_model::{Permission, ResourceKind};

use crate::answer::{Answer, MAX_RESPONSE_BYTES};
use crate::attempt_failure::{Failure, describe, failure};
use crate::clock::Clock;
use crate::config::{ClientConfig, Keyset};
use crate::error::{Error, Operation};
use crate::redact::{REDACTED, RedactedUrl};
use crate::retry::{RetryPolicy, is_retryable_status, parse_retry_after};
use crate::token_lifecycle::{Lifecycle, TokenState};

/// The `pnsdk` value sent with every request.
pub const PNSDK: &str = concat!("pam-rust/", env!("CARGO_PKG_VERSION"));

/// A PubNub Access Manager client: grant, revoke, time and publish over HTTP.
///
/// Cloning is cheap and clones share everything: the connection pool, the token set with
/// [`Client::set_token`] and the clock offset learnt from the server. `Debug` shows neither the
/// secret key nor the token.
///
/// # Token lifecycle
///
/// Every token the client is given is parsed offline, so it knows its expiry and authorized
/// user id. Before a request is sent, a token that is expired (by the local clock corrected by
/// the server's time, fetched once from `/time/0` before the client first calls a token
/// expired, so a clock that runs ahead does not kill valid tokens) or restricted to another
/// user id fails the request with
/// [`Error::TokenNotSent`], unless the check is turned off
/// ([`ClientConfig::check_token_before_sending`]).
///
/// With a [`crate::TokenProvider`] ([`ClientConfig::token_provider`]) the client keeps its
/// token valid itself:
/// - the first token is fetched on first use (or [`Client::refresh_token`]);
/// - a background task refreshes it ahead of expiry, at the time [`crate::TokenRefreshPolicy`]
///   gives (jittered), while requests keep using the current token: a slow provider holds up
///   no request whose token is still valid;
/// - a request whose token cannot work waits for a new one instead of failing;
/// - one refresh runs at a time: every request that needs a token waits for the same one and
///   gets its result or its error ([`Error::TokenRefreshFailed`]);
/// - after a 403 "Token is expired." or "Token is revoked." the client gets a new token once
///   and sends the request once more (a 403 means the request was not accepted, so this holds
///   for publish too); a second refusal is returned. An expired 403 for a token the client
///   thought alive also makes it fetch the server's time and correct its clock;
/// - a 403 "Forbidden" (a missing permission) is never retried: its error carries the
///   token's own offline check ([`crate::Denial`]: resource, permission, deciding entry);
/// - a failing provider is called at most [`crate::TokenRefreshPolicy::max_attempts`] times
///   per refresh, with backoff, and not again within the failure cooldown.
///
/// [`Client::token_events`] reports what happens (refreshed, refresh failed, expired,
/// replaced), as do `tracing` events of target `pam_http::token`; none shows a token.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    http: reqwest::Client,
    origin: String,
    keyset: Keyset,
    user_id: String,
    signing_key: Option<SigningKey>,
    pub(crate) lifecycle: Lifecycle,
    pub(crate) clock: Clock,
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
    /// The resource and permission the call needs from the token, for the offline check
    /// that explains a 403 "Forbidden".
    pub(crate) access: Option<(ResourceKind, String, Permission)>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The refresh schedule holds no strong reference; wake it so that it ends.
        self.lifecycle.wake();
    }
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
        let client = Client {
            inner: Arc::new(Inner {
                http,
                origin,
                keyset,
                user_id: config.user_id,
                signing_key,
                lifecycle: Lifecycle::new(
                    config.token_provider,
                    config.token_refresh,
                    config.check_token_before_sending,
                ),
                clock: Clock::new(config.clock_skew_for_testing),
                retry: config.retry,
                connect_timeout: config.connect_timeout,
                request_timeout: config.request_timeout,
            }),
        };
        // Built inside a runtime: the refresh schedule starts now; otherwise on first use.
        client.ensure_scheduler();
        Ok(client)
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

    /// The correction applied to the local clock when signing, in seconds (server time minus
    /// local time), learnt the last time the server refused a timestamp. 0 until then.
    #[must_use]
    pub fn clock_offset_secs(&self) -> i64 {
        self.inner.clock.offset_secs()
    }

    /// Sends `call` with the token it needs: checked before sending (refreshed first when it
    /// cannot work and a provider is set), replaced once and the call sent once more after a
    /// 403 "Token is expired." or "Token is revoked." when a provider is set. A 403
    /// "Forbidden" is explained by the token's own offline check, and not retried.
    pub(crate) async fn send(&self, call: &Call) -> Result<(Answer, RedactedUrl), Error> {
        if !call.with_auth {
            return self.send_with(call, None).await;
        }
        if call.operation == Operation::Time {
            // The time is public: whatever the token's state, it is only carried along.
            let current = self.inner.lifecycle.current();
            return self.send_with(call, current.as_deref()).await;
        }
        let token = self.token_for(call.operation).await?;
        let result = self.send_with(call, token.as_deref()).await;
        let Some(used) = token else {
            return result;
        };
        match result {
            Err(Error::TokenExpired { .. } | Error::TokenRevoked { .. })
                if self.has_token_provider() =>
            {
                info!(operation = %call.operation, "the server refused the token; getting a new one and sending once more");
                if matches!(result, Err(Error::TokenExpired { .. })) {
                    // The client thought the token alive: its clock is probably off.
                    self.correct_clock(call.operation).await;
                }
                // One refresh for every request refused with the same token.
                let fresh = self.refresh(call.operation, Some(used.generation)).await?;
                self.send_with(call, Some(&fresh)).await
            }
            Err(Error::Forbidden {
                operation,
                service,
                message,
                channels,
                channel_groups,
                denial: None,
            }) => Err(Error::Forbidden {
                operation,
                service,
                message,
                channels,
                channel_groups,
                denial: call
                    .access
                    .as_ref()
                    .and_then(|access| self.denial(&used, access))
                    .map(Box::new),
            }),
            other => other,
        }
    }

    /// Sends `call` with `token` as `auth`, retrying as the policy allows and correcting the
    /// clock once if the server refuses the timestamp. Returns the successful answer and the
    /// URL shown for it.
    async fn send_with(
        &self,
        call: &Call,
        token: Option<&TokenState>,
    ) -> Result<(Answer, RedactedUrl), Error> {
        let auth = token.map(|t| &*t.text);
        let inner = &*self.inner;
        let started = Instant::now();
        let request_id = new_request_id();
        let mut attempts = 0u32;
        let mut retries = 0u32;
        let mut clock_corrected = false;
        loop {
            attempts += 1;
            let query = pam_sign::encode_query(&self.query(call, &request_id, auth));
            let shown = RedactedUrl::from_parts(&inner.origin, &call.shown_path, &query);
            let url = format!("{}{}?{query}", inner.origin, call.path);
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
    fn query(
        &self,
        call: &Call,
        request_id: &str,
        auth: Option<&str>,
    ) -> Vec<(&'static str, String)> {
        let inner = &*self.inner;
        let mut query = vec![
            ("uuid", inner.user_id.clone()),
            ("pnsdk", PNSDK.to_owned()),
            ("requestid", request_id.to_owned()),
        ];
        if let (true, Some(token)) = (call.with_auth, auth) {
            query.push(("auth", token.to_owned()));
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

    /// The current token's text, for `/time/0` (which carries it like any request).
    fn lifecycle_token(&self) -> Option<Arc<str>> {
        self.inner.lifecycle.current().map(|t| Arc::clone(&t.text))
    }

    /// Asks the server for its time (one attempt, unsigned) and adopts it; false when that
    /// failed. Called when the server refused a timestamp, and before the client decides on
    /// its own that a token is expired.
    pub(crate) async fn correct_clock(&self, operation: Operation) -> bool {
        let call = Call::time();
        let auth = self.lifecycle_token();
        let query = pam_sign::encode_query(&self.query(&call, &new_request_id(), auth.as_deref()));
        let url = format!("{}{}?{query}", self.inner.origin, call.path);
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
                      "corrected the clock to the server's time");
                true
            }
            Err(error) => {
                warn!(%operation, %error, "the server's time could not be fetched");
                false
            }
        }
    }
}

/// Whether waiting `wait` more still ends within the policy's total time.
fn fits(started: Instant, wait: Duration, policy: &RetryPolicy) -> bool {
    started.elapsed().saturating_add(wait) <= policy.max_elapsed
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
            .field("token", &self.inner.lifecycle.current().map(|_| REDACTED))
            .field("token_provider", &self.has_token_provider())
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
        let call = Call {
            operation: Operation::Publish,
            method: Method::GET,
            path: "/publish/pub/sub/0/c/0/1".into(),
            shown_path: "/publish/pub/sub/0/c/0/1".into(),
            json_body: None,
            signed: true,
            with_auth: true,
            access: None,
        };
        let query = client.query(&call, "rid", Some("tok"));
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
