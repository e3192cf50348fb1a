//! The grant round trip through one emulator on loopback: pam's client against `pubnub` 0.9
//! with the same keyset and origin.
//!
//! `pubnub` 0.9 takes its origin from its transport: `TransportReqwest::set_hostname` with the
//! emulator's `http://127.0.0.1:PORT`, passed to `PubNubClientBuilder::with_transport`. Its
//! reqwest client speaks plain HTTP to such an origin, so no custom transport is needed.

use std::time::{Duration, Instant};

use pam_emulator::{DEMO_PUBLISH_KEY, DEMO_SECRET_KEY, DEMO_SUBSCRIBE_KEY};
use pubnub::transport::TransportReqwest;

use crate::report::{Row, Status, Table, nanos, rate, ratio};
use crate::stats::{median, percentile};

/// How much network work to do.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NetPlan {
    /// Sequential rounds; each runs `sequential_batch` grants of each client.
    pub(crate) sequential_rounds: usize,
    /// Grants per client per sequential round.
    pub(crate) sequential_batch: usize,
    /// Concurrent rounds; each runs each client for `window`.
    pub(crate) concurrent_rounds: usize,
    /// How long one concurrent measurement lasts.
    pub(crate) window: Duration,
    /// Concurrent tasks (or connections, for the emulator rows).
    pub(crate) concurrency: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Ours,
    Pubnub,
}

#[derive(Clone)]
struct Clients {
    ours: pam::PubNub,
    pubnub: pubnub::PubNubClient,
}

impl Clients {
    fn new(origin: &str) -> Result<Clients, String> {
        let ours = pam::PubNub::builder()
            .keyset(pam::Keyset {
                subscribe_key: DEMO_SUBSCRIBE_KEY.into(),
                publish_key: Some(DEMO_PUBLISH_KEY.into()),
                secret_key: Some(DEMO_SECRET_KEY.into()),
            })
            .user_id("bench-admin")
            .origin(origin)
            .build()
            .map_err(|e| format!("pam client: {e}"))?;
        let mut transport = TransportReqwest::new();
        transport.set_hostname(origin);
        let pubnub = pubnub::PubNubClientBuilder::with_transport(transport)
            .with_keyset(pubnub::Keyset {
                subscribe_key: DEMO_SUBSCRIBE_KEY.to_owned(),
                publish_key: Some(DEMO_PUBLISH_KEY.to_owned()),
                secret_key: Some(DEMO_SECRET_KEY.to_owned()),
            })
            .with_user_id("bench-admin")
            .build()
            .map_err(|e| format!("pubnub client: {e}"))?;
        Ok(Clients { ours, pubnub })
    }

    /// One grant of read + write on channel `chat` for 60 minutes; the token.
    async fn grant(&self, side: Side) -> Result<String, String> {
        match side {
            Side::Ours => self
                .ours
                .grant_token(60)
                .resources(&[pam::permissions::channel("chat").read().write()])
                .execute()
                .await
                .map(|r| r.token)
                .map_err(|e| format!("pam grant: {e}")),
            Side::Pubnub => self
                .pubnub
                .grant_token(60)
                .resources(&[pubnub::access::permissions::channel("chat").read().write()])
                .execute()
                .await
                .map(|r| r.token)
                .map_err(|e| format!("pubnub grant: {e}")),
        }
    }
}

/// Grants per second with `tasks` tasks sharing one client, for `window`.
async fn concurrent(
    clients: &Clients,
    side: Side,
    tasks: usize,
    window: Duration,
) -> Result<f64, String> {
    let start = Instant::now();
    let deadline = start + window;
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let clients = clients.clone();
            tokio::spawn(async move {
                let mut done = 0u64;
                while Instant::now() < deadline {
                    clients.grant(side).await?;
                    done += 1;
                }
                Ok::<u64, String>(done)
            })
        })
        .collect();
    let mut total = 0;
    for handle in handles {
        total += handle.await.map_err(|e| e.to_string())??;
    }
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

/// Adds the grant round-trip section to `table`.
pub(crate) async fn add_rows(origin: &str, plan: NetPlan, table: &mut Table) -> Result<(), String> {
    let clients = Clients::new(origin)?;
    // Both clients must get a real token that grants what was asked.
    for side in [Side::Ours, Side::Pubnub] {
        let token = clients.grant(side).await?;
        let parsed = pam_token::parse(&token).map_err(|e| format!("{side:?} token: {e}"))?;
        let perms = parsed
            .resources()
            .get(pam_token::ResourceKind::Channel, "chat")
            .ok_or_else(|| format!("{side:?}: the token does not name `chat`"))?;
        if perms.bits() != 3 {
            return Err(format!("{side:?}: `chat` has bits {}, not 3", perms.bits()));
        }
        for _ in 0..20 {
            clients.grant(side).await?;
        }
    }

    let mut latencies = [Vec::new(), Vec::new()];
    for round in 0..plan.sequential_rounds {
        let order = if round % 2 == 0 {
            [Side::Ours, Side::Pubnub]
        } else {
            [Side::Pubnub, Side::Ours]
        };
        for side in order {
            for _ in 0..plan.sequential_batch {
                let start = Instant::now();
                clients.grant(side).await?;
                latencies[side as usize].push(start.elapsed().as_nanos() as f64);
            }
        }
    }
    let mut rates = [Vec::new(), Vec::new()];
    for round in 0..plan.concurrent_rounds {
        let order = if round % 2 == 0 {
            [Side::Ours, Side::Pubnub]
        } else {
            [Side::Pubnub, Side::Ours]
        };
        for side in order {
            rates[side as usize]
                .push(concurrent(&clients, side, plan.concurrency, plan.window).await?);
        }
    }

    table.section(&format!(
        "grant round trip through one emulator on loopback (separate process; {} sequential grants each, interleaved in batches of {})",
        plan.sequential_rounds * plan.sequential_batch,
        plan.sequential_batch
    ));
    for (label, p) in [("p50", 50.0), ("p99", 99.0)] {
        let ours = percentile(&latencies[0], p);
        let theirs = percentile(&latencies[1], p);
        table.row(Row {
            what: format!("sequential latency {label}"),
            ours: nanos(ours),
            pubnub: nanos(theirs),
            speedup: ratio(theirs / ours),
            target: "no slower (≥ 1×)".to_owned(),
            status: Some(Status::check(theirs / ours >= 1.0)),
            ..Row::default()
        });
    }
    let ours = median(&rates[0]);
    let theirs = median(&rates[1]);
    table.row(Row {
        what: format!(
            "throughput, {} concurrent tasks on one client (median of {} windows of {} ms)",
            plan.concurrency,
            plan.concurrent_rounds,
            plan.window.as_millis()
        ),
        ours: rate(ours),
        pubnub: rate(theirs),
        speedup: ratio(ours / theirs),
        target: "no slower (≥ 1×)".to_owned(),
        status: Some(Status::check(ours / theirs >= 1.0)),
        ..Row::default()
    });
    Ok(())
}
