//! The traffic: workers that grant, publish, revoke and check, against one server.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pam_sign::{Request, SigningKey, encode_path_segment, encode_query};

use crate::tally::{Operation, Tally};

/// The server and keyset to drive.
#[derive(Clone)]
pub struct Target {
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub base_url: String,
    /// The keyset's subscribe key.
    pub subscribe_key: String,
    /// The keyset's publish key.
    pub publish_key: String,
    /// The keyset's secret key (signs grants and revokes).
    pub secret_key: String,
}

/// The secret key is never printed.
impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("base_url", &self.base_url)
            .field("subscribe_key", &self.subscribe_key)
            .field("publish_key", &self.publish_key)
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

/// How much traffic: until the deadline or the request budget, whichever comes first.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// How long the mixed traffic runs.
    pub duration: Duration,
    /// Workers sending at once.
    pub concurrency: usize,
    /// The most requests of the mixed traffic (the re-check after it comes on top).
    pub max_requests: u64,
    /// The most revoked tokens re-checked after the run.
    pub max_rechecks: usize,
}

/// What a run produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Counts and latencies, re-check included.
    pub tally: Tally,
    /// Every token the server issued (to look for in its log).
    pub issued: Vec<String>,
    /// How many revokes were answered `200`.
    pub revoked_total: usize,
    /// The revoked tokens that were re-checked after the run.
    pub rechecked: Vec<String>,
    /// Wall time of the mixed traffic.
    pub traffic_time: Duration,
}

/// The per-request timeout: a request that takes longer counts as a transport error.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long granted tokens live, in minutes.
const TTL_MINUTES: u32 = 60;

struct Shared {
    target: Target,
    key: SigningKey,
    http: reqwest::Client,
    started: AtomicU64,
    max_requests: u64,
    deadline: Instant,
}

impl Shared {
    /// Takes one request from the budget; false once it or the time is used up.
    fn take(&self) -> bool {
        Instant::now() < self.deadline
            && self.started.fetch_add(1, Ordering::Relaxed) < self.max_requests
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Sends one request and records its answer; returns the status and body when answered.
async fn send(
    shared: &Shared,
    tally: &mut Tally,
    operation: Operation,
    method: reqwest::Method,
    url: String,
    body: Option<String>,
) -> Option<(u16, String)> {
    let mut request = shared.http.request(method, url);
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body);
    }
    let started = Instant::now();
    let answer = async {
        let response = request.send().await?;
        let status = response.status().as_u16();
        Ok::<_, reqwest::Error>((status, response.text().await?))
    }
    .await;
    match answer {
        Ok((status, text)) => {
            tally.answer(operation, status, started.elapsed(), &text);
            Some((status, text))
        }
        Err(error) => {
            // `without_url`: the URL carries `auth` and `signature`.
            tally.transport_error(operation, &error.without_url().to_string());
            None
        }
    }
}

/// A signed request's URL, signed by `key` (the keyset's, or another to send a bad signature).
fn signed_url(shared: &Shared, method: &str, path: &str, body: &[u8], key: &SigningKey) -> String {
    let query = [("uuid", "load-admin")];
    let request = Request {
        method,
        path,
        query: &query,
        body,
    };
    let signed = key.sign(&request, now_secs());
    let [(ts_key, ts), (sig_key, sig)] = signed.query_pairs();
    let query = encode_query(&[
        ("uuid", "load-admin"),
        (ts_key, ts.as_str()),
        (sig_key, sig.as_str()),
    ]);
    format!("{}{path}?{query}", shared.target.base_url)
}

fn grant_body(channel: &str, ttl: u32) -> String {
    format!(r#"{{"ttl":{ttl},"permissions":{{"resources":{{"channels":{{"{channel}":3}}}}}}}}"#)
}

async fn grant(shared: &Shared, tally: &mut Tally, channel: &str) -> Option<String> {
    let path = format!("/v3/pam/{}/grant", shared.target.subscribe_key);
    let body = grant_body(channel, TTL_MINUTES);
    let url = signed_url(shared, "POST", &path, body.as_bytes(), &shared.key);
    let (status, text) = send(
        shared,
        tally,
        Operation::Grant,
        reqwest::Method::POST,
        url,
        Some(body),
    )
    .await?;
    if status != 200 {
        return None;
    }
    let token = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["data"]["token"].as_str().map(str::to_owned));
    if token.is_none() {
        tally.wrong_content(Operation::Grant, status, &text);
    }
    token
}

async fn publish(
    shared: &Shared,
    tally: &mut Tally,
    operation: Operation,
    channel: &str,
    token: Option<&str>,
) -> Option<(u16, String)> {
    let mut query = vec![("uuid", "load-user")];
    if let Some(token) = token {
        query.push(("auth", token));
    }
    let url = format!(
        "{}/publish/{}/{}/0/{channel}/0/%22load%22?{}",
        shared.target.base_url,
        shared.target.publish_key,
        shared.target.subscribe_key,
        encode_query(&query)
    );
    let answer = send(shared, tally, operation, reqwest::Method::GET, url, None).await?;
    if operation.uses_revoked_token() && answer.0 == 403 && !answer.1.contains("Token is revoked.")
    {
        tally.wrong_content(operation, answer.0, &answer.1);
    }
    Some(answer)
}

async fn revoke(shared: &Shared, tally: &mut Tally, token: &str) -> bool {
    let path = format!(
        "/v3/pam/{}/grant/{}",
        shared.target.subscribe_key,
        encode_path_segment(token)
    );
    let url = signed_url(shared, "DELETE", &path, b"", &shared.key);
    matches!(
        send(
            shared,
            tally,
            Operation::Revoke,
            reqwest::Method::DELETE,
            url,
            None
        )
        .await,
        Some((200, _))
    )
}

/// What one worker did.
#[derive(Default)]
struct WorkerOutcome {
    tally: Tally,
    issued: Vec<String>,
    revoked: Vec<(String, String)>,
    kept: Vec<(String, String)>,
}

async fn worker(shared: Arc<Shared>, index: usize) -> WorkerOutcome {
    let mut out = WorkerOutcome::default();
    let wrong_key = SigningKey::new(shared.target.publish_key.clone(), "not-the-secret-key");
    let mut round: u64 = 0;
    while shared.take() {
        let channel = format!("load-{index}-{round}");
        let Some(token) = grant(&shared, &mut out.tally, &channel).await else {
            round += 1;
            continue;
        };
        out.issued.push(token.clone());
        if !shared.take() {
            break;
        }
        publish(
            &shared,
            &mut out.tally,
            Operation::Publish,
            &channel,
            Some(&token),
        )
        .await;
        match round % 4 {
            0 | 1 => {
                if shared.take() && revoke(&shared, &mut out.tally, &token).await {
                    // From here on the token must be refused, at once and forever.
                    if shared.take() {
                        publish(
                            &shared,
                            &mut out.tally,
                            Operation::PublishRevoked,
                            &channel,
                            Some(&token),
                        )
                        .await;
                    }
                    out.revoked.push((channel, token));
                }
            }
            2 if shared.take() => match (round / 4) % 3 {
                0 => {
                    let path = format!("/v3/pam/{}/grant", shared.target.subscribe_key);
                    let body = grant_body(&channel, TTL_MINUTES);
                    let url = signed_url(&shared, "POST", &path, body.as_bytes(), &wrong_key);
                    send(
                        &shared,
                        &mut out.tally,
                        Operation::GrantBadSignature,
                        reqwest::Method::POST,
                        url,
                        Some(body),
                    )
                    .await;
                }
                1 => {
                    let path = format!("/v3/pam/{}/grant", shared.target.subscribe_key);
                    let body = grant_body(&channel, 0);
                    let url = signed_url(&shared, "POST", &path, body.as_bytes(), &shared.key);
                    send(
                        &shared,
                        &mut out.tally,
                        Operation::GrantInvalidTtl,
                        reqwest::Method::POST,
                        url,
                        Some(body),
                    )
                    .await;
                }
                _ => {
                    publish(
                        &shared,
                        &mut out.tally,
                        Operation::PublishWithoutToken,
                        &channel,
                        None,
                    )
                    .await;
                }
            },
            _ => out.kept.push((channel, token)),
        }
        round += 1;
    }
    out
}

/// Publishes with each `(channel, token)` as `operation`, `concurrency` at a time.
async fn recheck(
    shared: &Arc<Shared>,
    operation: Operation,
    tokens: Vec<(String, String)>,
    concurrency: usize,
) -> Tally {
    let queue = Arc::new(std::sync::Mutex::new(tokens));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let shared = Arc::clone(shared);
        let queue = Arc::clone(&queue);
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            loop {
                let next = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
                let Some((channel, token)) = next else { break };
                publish(&shared, &mut tally, operation, &channel, Some(&token)).await;
            }
            tally
        }));
    }
    let mut tally = Tally::default();
    for task in tasks {
        if let Ok(part) = task.await {
            tally.merge(part);
        }
    }
    tally
}

/// Runs the mixed traffic of `plan` against `target`, then publishes once more with every
/// revoked token (up to `plan.max_rechecks`) and with as many never-revoked ones.
///
/// # Errors
///
/// When the HTTP client cannot be built.
pub async fn drive(target: Target, plan: Plan) -> Result<Outcome, reqwest::Error> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(plan.concurrency)
        .build()?;
    let key = SigningKey::new(target.publish_key.clone(), target.secret_key.clone());
    let started = Instant::now();
    let shared = Arc::new(Shared {
        target,
        key,
        http,
        started: AtomicU64::new(0),
        max_requests: plan.max_requests,
        deadline: started + plan.duration,
    });
    let workers: Vec<_> = (0..plan.concurrency)
        .map(|index| tokio::spawn(worker(Arc::clone(&shared), index)))
        .collect();
    let mut outcome = Outcome::default();
    let mut revoked = Vec::new();
    let mut kept = Vec::new();
    for task in workers {
        match task.await {
            Ok(part) => {
                outcome.tally.merge(part.tally);
                outcome.issued.extend(part.issued);
                revoked.extend(part.revoked);
                kept.extend(part.kept);
            }
            Err(join) => outcome
                .tally
                .transport_error(Operation::Grant, &format!("worker failed: {join}")),
        }
    }
    outcome.traffic_time = started.elapsed();
    outcome.revoked_total = revoked.len();
    revoked.truncate(plan.max_rechecks);
    kept.truncate(plan.max_rechecks.min(revoked.len().max(1)));
    outcome.rechecked = revoked.iter().map(|(_, token)| token.clone()).collect();
    let again = recheck(
        &shared,
        Operation::RecheckRevoked,
        revoked,
        plan.concurrency,
    )
    .await;
    outcome.tally.merge(again);
    let kept = recheck(&shared, Operation::RecheckKept, kept, plan.concurrency).await;
    outcome.tally.merge(kept);
    Ok(outcome)
}
