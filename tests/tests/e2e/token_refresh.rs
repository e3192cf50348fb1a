//! A client with a token provider keeps its token valid (issue 13): refresh ahead of expiry
//! with jitter, one refresh at a time, one refresh and one resend after an expired or revoked
//! 403, no retry of a missing permission, bounded retries of a failing provider, and no token
//! or secret in what it logs, shows or returns.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pam::{
    Error, GrantRequest, Permission, Permissions, PubNub, ResourceKind, TokenEvent, TokenProblem,
    TokenRefreshPolicy, permissions,
};
use tokio::sync::Notify;

use crate::fixture::{Fixture, SEC, now_secs};

/// A provider's counter of calls, shared with the test.
#[derive(Clone, Default)]
pub(crate) struct Calls(Arc<AtomicU32>);

impl Calls {
    fn count(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }
    fn add(&self) -> u32 {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// A token provider that counts its calls here and gets each token from
    /// `fetch(call, server)`, `call` counting from 1.
    fn provider<F, Fut>(&self, server: PubNub, fetch: F) -> impl Fn() -> Fut + Send + Sync + 'static
    where
        F: Fn(u32, PubNub) -> Fut + Send + Sync + 'static,
    {
        let calls = self.clone();
        move || fetch(calls.add(), server.clone())
    }
}

/// Issues tokens as the emulator does (its keyset's secret), at the emulator's time, without
/// a request: for providers that must give tokens with a chosen issue time.
#[derive(Clone)]
pub(crate) struct Issuer {
    /// The emulator's clock offset, seconds.
    pub(crate) offset: i64,
}

impl Issuer {
    /// A token issued now by the emulator's clock.
    pub(crate) fn issue(&self, grant: &GrantRequest) -> Result<String, std::convert::Infallible> {
        let now = now_secs().saturating_add_signed(self.offset);
        self.issue_at(grant, now)
    }

    /// A token issued at `timestamp` (Unix seconds).
    fn issue_at(
        &self,
        grant: &GrantRequest,
        timestamp: u64,
    ) -> Result<String, std::convert::Infallible> {
        Ok(pam_token::issue(grant, timestamp, SEC.as_bytes()))
    }
}

/// Quick provider retries, so that failure tests stay short.
fn quick_refresh() -> TokenRefreshPolicy {
    TokenRefreshPolicy::default()
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .with_failure_cooldown(Duration::from_secs(60))
}

/// A grant of write on `channel` for `user_id`, sent to the emulator by `server`.
async fn grant_write(server: &PubNub, channel: &str, user_id: &str) -> Result<String, Error> {
    grant_write_numbered(server, channel, user_id, 0).await
}

/// [`grant_write`] with `number` in the token's meta: two grants of the same content in the
/// same second give the same token, and revoking one would revoke both.
async fn grant_write_numbered(
    server: &PubNub,
    channel: &str,
    user_id: &str,
    number: u32,
) -> Result<String, Error> {
    Ok(server
        .grant_token(1)
        .resources(&[permissions::channel(channel).read().write()])
        .authorized_user_id(user_id)
        .meta([("grant", i64::from(number))])
        .execute()
        .await?
        .token)
}

async fn publish(client: &PubNub, channel: &str) -> Result<pam::Timetoken, Error> {
    client
        .publish()
        .channel(channel)
        .message("hello")
        .execute()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_requests_at_expiry_cause_one_provider_call() {
    let fixture = Fixture::start().await;
    let calls = Calls::default();
    let server = fixture.server();
    let client = fixture
        .builder(None, "bob")
        .token_provider(calls.provider(server, move |_, server| {
            async move {
                // Long enough for every request to find the refresh under way.
                tokio::time::sleep(Duration::from_millis(200)).await;
                grant_write(&server, "chat", "bob").await
            }
        }))
        .build()
        .expect("valid client");
    // A token whose minute ended an hour ago.
    let grant = GrantRequest::new(1).resource(permissions::channel("chat").write());
    let expired = fixture
        .emulator
        .issue_token(0, &grant, now_secs() - 3_600)
        .expect("issued");
    let mut events = client.token_events();
    client.set_token(expired);
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let client = client.clone();
        requests.spawn(async move { publish(&client, "chat").await });
    }
    while let Some(done) = requests.join_next().await {
        done.expect("the task ran")
            .expect("published with the new token");
    }
    assert_eq!(calls.count(), 1, "one refresh for all hundred requests");
    let (mut expired_events, mut refreshed_events) = (0, 0);
    while let Ok(event) = events.try_recv() {
        match event {
            TokenEvent::Expired { .. } => expired_events += 1,
            TokenEvent::Refreshed { .. } => refreshed_events += 1,
            _ => {}
        }
    }
    assert_eq!(expired_events, 1, "the expiry was reported, once");
    assert_eq!(refreshed_events, 1);
}

#[tokio::test]
async fn an_expired_token_causes_one_refresh_and_one_resend_then_success() {
    // The server's clock is two hours ahead: a token the client's clock thinks alive is
    // expired for the server. The 403 makes the client learn the server's time.
    let fixture = Fixture::start_with(|config| config.with_clock_offset(7_200)).await;
    let calls = Calls::default();
    let counted = calls.clone();
    let issuer = Issuer { offset: 7_200 };
    let client = fixture
        .builder(None, "bob")
        .token_provider(move || {
            let call = counted.add();
            let grant = GrantRequest::new(60).resource(permissions::channel("chat").write());
            let token = if call == 1 {
                // Issued by the client's clock: alive for the client, dead for the server.
                issuer.issue_at(&grant, now_secs())
            } else {
                issuer.issue(&grant)
            };
            async move { token }
        })
        .build()
        .expect("valid client");
    publish(&client, "chat")
        .await
        .expect("published after one refresh and one resend");
    assert_eq!(calls.count(), 2);
    assert!(
        client.clock_offset_secs() >= 7_100,
        "the client learnt the server's time: {}",
        client.clock_offset_secs()
    );
}

#[tokio::test]
async fn a_revoked_token_causes_one_refresh_and_one_resend_then_success() {
    let fixture = Fixture::start().await;
    let calls = Calls::default();
    let server = fixture.server();
    let client = fixture
        .builder(None, "bob")
        .token_provider(calls.provider(server, move |call, server| async move {
            grant_write_numbered(&server, "chat", "bob", call).await
        }))
        .build()
        .expect("valid client");
    client.refresh_token().await.expect("the first token");
    let first = client.get_token().expect("a token");
    fixture
        .server()
        .revoke_token(&first)
        .execute()
        .await
        .expect("revoked");
    publish(&client, "chat")
        .await
        .expect("published with a new token");
    assert_eq!(calls.count(), 2);
    assert_ne!(client.get_token().as_deref(), Some(first.as_str()));
}

#[tokio::test]
async fn a_second_refusal_is_returned() {
    let fixture = Fixture::start().await;
    let calls = Calls::default();
    let server = fixture.server();
    // Every token the provider gives is revoked before the client gets it.
    let client = fixture
        .builder(None, "bob")
        .token_provider(calls.provider(server, move |_, server| async move {
            let token = grant_write(&server, "chat", "bob").await?;
            server.revoke_token(&token).execute().await?;
            Ok::<_, Error>(token)
        }))
        .build()
        .expect("valid client");
    let error = publish(&client, "chat").await.unwrap_err();
    assert!(matches!(error, Error::TokenRevoked { .. }), "{error:?}");
    assert_eq!(calls.count(), 2, "one refresh, one resend, no more");
}

#[tokio::test]
async fn a_missing_permission_is_not_retried_and_names_resource_and_permission() {
    let fixture = Fixture::start().await;
    let calls = Calls::default();
    let server = fixture.server();
    let client = fixture
        .builder(None, "bob")
        .token_provider(calls.provider(server, move |_, server| async move {
            Ok::<_, Error>(
                server
                    .grant_token(5)
                    .resources(&[permissions::channel("chat").read()])
                    .execute()
                    .await?
                    .token,
            )
        }))
        .build()
        .expect("valid client");
    let error = publish(&client, "chat").await.unwrap_err();
    let Error::Forbidden {
        denial: Some(denial),
        ..
    } = &error
    else {
        panic!("expected Forbidden with the token's own check, got {error:?}");
    };
    assert_eq!(denial.kind, ResourceKind::Channel);
    assert_eq!(denial.name, "chat");
    assert_eq!(denial.needed, Permissions::from(Permission::Write));
    assert_eq!(denial.missing, Permissions::from(Permission::Write));
    let text = error.to_string();
    assert!(
        text.contains("\"chat\"") && text.contains("write"),
        "the message names the resource and the permission: {text}"
    );
    assert_eq!(
        calls.count(),
        1,
        "a missing permission is not a reason to refresh"
    );
}

#[tokio::test]
async fn a_failing_provider_gets_bounded_retries_then_a_typed_error() {
    let fixture = Fixture::start().await;
    let calls = Calls::default();
    let counted = calls.clone();
    let client = fixture
        .builder(None, "bob")
        .token_refresh_policy(quick_refresh())
        .token_provider(move || {
            counted.add();
            async {
                Err::<String, _>(std::io::Error::other(
                    "backend down; its config holds sec-c-provider-detail",
                ))
            }
        })
        .build()
        .expect("valid client");
    let error = publish(&client, "chat").await.unwrap_err();
    let Error::TokenRefreshFailed { attempts, .. } = &error else {
        panic!("expected TokenRefreshFailed, got {error:?}");
    };
    assert_eq!(*attempts, 3);
    assert_eq!(calls.count(), 3, "the policy's three calls, no more");
    // The provider's own text stays in source(), out of the message.
    let text = error.to_string();
    assert!(!text.contains("sec-c-provider-detail"), "{text}");
    let mut cause = std::error::Error::source(&error);
    let mut reached = false;
    while let Some(c) = cause {
        reached |= c
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.to_string().starts_with("backend down"));
        cause = c.source();
    }
    assert!(reached, "source() reaches the provider's error: {error:?}");
    // Within the cooldown, the next request gets the same failure without a call.
    let again = publish(&client, "chat").await.unwrap_err();
    assert!(
        matches!(again, Error::TokenRefreshFailed { .. }),
        "{again:?}"
    );
    assert_eq!(calls.count(), 3);
}

#[tokio::test]
async fn a_provider_that_panics_or_hangs_fails_that_call_only() {
    let fixture = Fixture::start().await;
    let calls = Calls::default();
    let server = fixture.server();
    let client = fixture
        .builder(None, "bob")
        .token_refresh_policy(quick_refresh().with_call_timeout(Duration::from_millis(200)))
        .token_provider(calls.provider(server, move |call, server| async move {
            match call {
                1 => panic!("the provider's own bug"),
                2 => std::future::pending::<Result<String, Error>>().await,
                _ => grant_write(&server, "chat", "bob").await,
            }
        }))
        .build()
        .expect("valid client");
    publish(&client, "chat")
        .await
        .expect("the third call of the provider gave a token");
    assert_eq!(calls.count(), 3);
}

#[tokio::test]
async fn a_slow_provider_does_not_block_requests_with_a_valid_token() {
    let fixture = Fixture::start().await;
    let gate = Arc::new(Notify::new());
    let calls = Calls::default();
    let server = fixture.server();
    let opened = Arc::clone(&gate);
    let client = fixture
        .builder(None, "bob")
        .token_provider(calls.provider(server, move |_, server| {
            let opened = Arc::clone(&opened);
            async move {
                opened.notified().await;
                grant_write(&server, "chat", "bob").await
            }
        }))
        .build()
        .expect("valid client");
    let mut events = client.token_events();
    // A one-minute token issued 50 s ago: past its refresh time, 10 s from expiry.
    let grant = GrantRequest::new(1)
        .resource(permissions::channel("chat").write())
        .authorized_user_id("bob");
    let old = fixture
        .emulator
        .issue_token(0, &grant, now_secs() - 50)
        .expect("issued");
    client.set_token(&old);
    publish(&client, "chat")
        .await
        .expect("published with the old, still valid token");
    // The refresh is under way and still waiting for its gate.
    assert_eq!(calls.count(), 1);
    assert_eq!(client.get_token().as_deref(), Some(old.as_str()));
    gate.notify_one();
    let refreshed = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Ok(TokenEvent::Refreshed { .. }) = events.recv().await {
                break;
            }
        }
    })
    .await;
    assert!(
        refreshed.is_ok(),
        "the refresh finished once the provider answered"
    );
    assert_ne!(client.get_token().as_deref(), Some(old.as_str()));
}

#[tokio::test]
async fn without_a_provider_a_dead_token_fails_fast_and_the_status_says_why() {
    let log = crate::token_log::Capture::default();
    let _guard = tracing::subscriber::set_default(log.subscriber());
    let fixture = Fixture::start().await;
    let client = fixture.client("bob");
    let grant = GrantRequest::new(1).resource(permissions::channel("chat").write());
    let expired = fixture
        .emulator
        .issue_token(0, &grant, now_secs() - 3_600)
        .expect("issued");
    client.set_token(&expired);
    let logged = log.text();
    assert!(
        logged.contains("WARN") && logged.contains("set_token: this token cannot work"),
        "set_token warns: {logged}"
    );
    let status = client.token_status().expect("a token");
    assert!(
        status
            .problem
            .as_deref()
            .is_some_and(|p| p.contains("expired")),
        "{status:?}"
    );
    let error = publish(&client, "chat").await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::TokenNotSent {
                problem: TokenProblem::Expired { .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_token_expired());
    // The time is public: an expired token does not stop it.
    let time = client.transport().time().await.expect("the server's time");
    assert!(time.unix_seconds() > 1_600_000_000);
    let for_alice = fixture
        .server()
        .grant_token(5)
        .resources(&[permissions::channel("chat").write()])
        .authorized_user_id("alice")
        .execute()
        .await
        .expect("granted")
        .token;
    client.set_token(&for_alice);
    let error = publish(&client, "chat").await.unwrap_err();
    let Error::TokenNotSent {
        problem: TokenProblem::OtherUser {
            authorized,
            user_id,
        },
        ..
    } = &error
    else {
        panic!("expected TokenNotSent(OtherUser), got {error:?}");
    };
    assert_eq!((authorized.as_str(), user_id.as_str()), ("alice", "bob"));
}

#[tokio::test]
async fn a_local_clock_that_runs_ahead_asks_the_server_before_calling_a_token_expired() {
    let fixture = Fixture::start().await;
    let token = grant_write(&fixture.server(), "chat", "bob")
        .await
        .expect("granted");
    // Two hours ahead: by its own clock the one-minute token expired long ago.
    let ahead = fixture
        .builder(None, "bob")
        .clock_skew_for_testing(7_200)
        .build()
        .expect("valid client");
    ahead.set_token(&token);
    publish(&ahead, "chat")
        .await
        .expect("the client learnt the server's time and sent the token");
    assert!(
        ahead.clock_offset_secs() <= -7_100,
        "offset {}",
        ahead.clock_offset_secs()
    );
    // The same with a provider: its tokens are not refused as expired either.
    let calls = Calls::default();
    let server = fixture.server();
    let with_provider = fixture
        .builder(None, "bob")
        .clock_skew_for_testing(7_200)
        .token_provider(calls.provider(server, move |_, server| async move {
            grant_write(&server, "chat", "bob").await
        }))
        .build()
        .expect("valid client");
    publish(&with_provider, "chat")
        .await
        .expect("the provider's token was accepted after the clock was corrected");
    assert_eq!(calls.count(), 1);
}

#[test]
fn the_blocking_api_refreshes_too() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime for the emulator");
    let fixture = runtime.block_on(Fixture::start());
    let calls = Calls::default();
    let server = fixture.server();
    let client = fixture
        .builder(None, "bob")
        .token_provider(calls.provider(server, move |_, server| async move {
            grant_write(&server, "chat", "bob").await
        }))
        .build()
        .expect("valid client");
    let grant = GrantRequest::new(1).resource(permissions::channel("chat").write());
    let expired = fixture
        .emulator
        .issue_token(0, &grant, now_secs() - 3_600)
        .expect("issued");
    client.set_token(expired);
    client
        .publish()
        .channel("chat")
        .message("from a plain thread")
        .execute_blocking()
        .expect("published after a refresh");
    assert_eq!(calls.count(), 1);
    drop(client);
    runtime.block_on(async move { drop(fixture) });
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_and_no_whole_token_in_logs_debug_or_errors() {
    let log = crate::token_log::Capture::default();
    let _guard = tracing::subscriber::set_default(log.subscriber());
    let fixture = Fixture::start().await;
    let tokens: Arc<Mutex<Vec<String>>> = Arc::default();
    let server = fixture.server();
    let seen = Arc::clone(&tokens);
    // Tokens that are revoked at once: refresh, resend, second refusal, all logged.
    let client = fixture
        .builder(None, "bob")
        .token_refresh_policy(quick_refresh())
        .token_provider(move || {
            let server = server.clone();
            let seen = Arc::clone(&seen);
            async move {
                let token = grant_write(&server, "chat", "bob").await?;
                seen.lock().expect("lock").push(token.clone());
                server.revoke_token(&token).execute().await?;
                Ok::<_, Error>(token)
            }
        })
        .build()
        .expect("valid client");
    let mut events = client.token_events();
    let error = publish(&client, "chat").await.unwrap_err();
    let mut shown = vec![
        format!("{error}"),
        format!("{error:?}"),
        format!("{client:?}"),
        format!("{:?}", client.token_status()),
    ];
    while let Ok(event) = events.try_recv() {
        shown.push(format!("{event:?}"));
    }
    let logged = log.text();
    assert!(logged.contains("token"), "the flow was logged: {logged}");
    shown.push(logged);
    let tokens = tokens.lock().expect("lock").clone();
    assert_eq!(tokens.len(), 2);
    for text in &shown {
        assert!(!text.contains(SEC), "the secret key leaked: {text}");
        for token in &tokens {
            let unpadded = token.trim_end_matches('=');
            assert!(!text.contains(unpadded), "a token leaked: {text}");
        }
    }
}
