//! The refresh schedule of a client with a token provider, in paused time: the refresh comes
//! before expiry, within the configured window, with jitter between clients.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pam::{GrantRequest, TokenEvent, TokenRefreshPolicy, permissions};

use crate::fixture::Fixture;
use crate::token_refresh::Issuer;

#[tokio::test(start_paused = true)]
async fn refresh_happens_before_expiry_within_the_window_with_jitter() {
    let fixture = Fixture::start().await;
    let mut clients = Vec::new();
    let mut call_times = Vec::new();
    for i in 0..8 {
        let times: Arc<Mutex<Vec<Duration>>> = Arc::default();
        let started = tokio::time::Instant::now();
        let issuer = Issuer { offset: 0 };
        let seen = Arc::clone(&times);
        let user = format!("user-{i}");
        let client = fixture
            .builder(None, &user)
            .token_provider(move || {
                seen.lock().expect("lock").push(started.elapsed());
                let grant = GrantRequest::new(1).resource(permissions::channel("c").write());
                let token = issuer.issue(&grant);
                async move { token }
            })
            .build()
            .expect("valid client");
        clients.push(client);
        call_times.push(times);
    }
    let mut events = clients[0].token_events();
    for client in &clients {
        client.refresh_token().await.expect("the first token");
    }
    // Paused time: this sleep advances the clock as far as the timers ask, instantly.
    tokio::time::sleep(Duration::from_secs(59)).await;
    let mut second_calls = Vec::new();
    for times in &call_times {
        let times = times.lock().expect("lock").clone();
        assert_eq!(
            times.len(),
            2,
            "one refresh within the token's minute: {times:?}"
        );
        let refreshed = times[1];
        // Default policy: 80 % of 60 s, up to 10 % earlier; the issue time has whole seconds,
        // so up to 1 s earlier still. Always before expiry.
        assert!(
            refreshed >= Duration::from_secs(41) && refreshed <= Duration::from_secs(48),
            "refreshed after {refreshed:?}"
        );
        second_calls.push(refreshed);
    }
    second_calls.sort();
    second_calls.dedup();
    assert!(
        second_calls.len() > 1,
        "eight clients refreshed at the same instant: no jitter ({second_calls:?})"
    );
    let mut refreshed_events = 0;
    while let Ok(event) = events.try_recv() {
        if let TokenEvent::Refreshed { attempts, .. } = event {
            assert_eq!(attempts, 1);
            refreshed_events += 1;
        }
    }
    assert_eq!(refreshed_events, 2, "the first fetch and the refresh");
}

#[tokio::test(start_paused = true)]
async fn a_configured_window_is_followed() {
    let fixture = Fixture::start().await;
    let times: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let started = tokio::time::Instant::now();
    let seen = Arc::clone(&times);
    let issuer = Issuer { offset: 0 };
    // Half of a 10-minute lifetime, no jitter; a 6-minute margin wins: 4 minutes.
    let client = fixture
        .builder(None, "bob")
        .token_refresh_policy(
            TokenRefreshPolicy::default()
                .with_refresh_at(0.5)
                .with_jitter(0.0)
                .with_min_margin(Duration::from_secs(360)),
        )
        .token_provider(move || {
            seen.lock().expect("lock").push(started.elapsed());
            let grant = GrantRequest::new(10).resource(permissions::channel("c").write());
            let token = issuer.issue(&grant);
            async move { token }
        })
        .build()
        .expect("valid client");
    client.refresh_token().await.expect("the first token");
    tokio::time::sleep(Duration::from_secs(299)).await;
    let times = times.lock().expect("lock").clone();
    assert_eq!(times.len(), 2, "{times:?}");
    assert!(
        times[1] >= Duration::from_secs(239) && times[1] <= Duration::from_secs(240),
        "refreshed after {:?}",
        times[1]
    );
}
