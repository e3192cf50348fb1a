//! Every facade call against a real emulator: grant, parse, set/get token, publish, revoke,
//! the blocking API, and a client whose clock is wrong.

use pam::{
    AccessRequest, Error, GrantTokenResult, Meta, Permission, Permissions, PubNub, ResourceKind,
    permissions,
};

use crate::fixture::{Fixture, now_secs};

#[tokio::test]
async fn grant_issues_a_token_with_everything_asked_for() {
    let fixture = Fixture::start().await;
    let server = fixture.server();
    let GrantTokenResult { token } = server
        .grant_token(120)
        .resources(&[
            permissions::channel("chat").read().write(),
            permissions::channel_group("lobby").read().manage(),
            permissions::user_id("alice").get().update().delete(),
        ])
        .patterns(&[permissions::channel("^support-[0-9]+$").read()])
        .authorized_user_id("alice")
        .meta([("plan", "pro")])
        .meta([("seats", 5)])
        .execute()
        .await
        .expect("granted");

    let parsed = pam::parse_token(&token).expect("the granted token parses");
    assert_eq!(parsed.version(), 2);
    assert_eq!(parsed.ttl(), 120);
    assert!(parsed.timestamp().abs_diff(now_secs()) < 300);
    assert_eq!(parsed.authorized_user_id(), Some("alice"));
    let resources = parsed.resources();
    assert_eq!(
        resources.get(ResourceKind::Channel, "chat"),
        Some(Permissions::READ | Permissions::WRITE)
    );
    assert_eq!(
        resources.get(ResourceKind::ChannelGroup, "lobby"),
        Some(Permissions::READ | Permissions::MANAGE)
    );
    assert_eq!(
        resources.get(ResourceKind::UserId, "alice"),
        Some(Permissions::GET | Permissions::UPDATE | Permissions::DELETE)
    );
    assert_eq!(
        parsed
            .patterns()
            .get(ResourceKind::Channel, "^support-[0-9]+$"),
        Some(Permissions::READ)
    );
    assert_eq!(parsed.meta().get("plan"), Some(&Meta::Text("pro".into())));
    assert_eq!(parsed.meta().get("seats"), Some(&Meta::Integer(5)));

    // The client's parse_token is the same parser, and the emulator signed the token with
    // the keyset's secret key.
    let again = server.parse_token(&token).expect("parses");
    assert_eq!(again.signature(), parsed.signature());
    pam::verify_token(&token, crate::fixture::SEC.as_bytes()).expect("signed by the keyset");

    let now = parsed.timestamp();
    let support = AccessRequest::new(ResourceKind::Channel, "support-7", Permission::Read, now);
    assert!(parsed.authorize(&support.by("alice")).is_allowed());
    assert!(!parsed.authorize(&support.by("mallory")).is_allowed());
}

#[tokio::test]
async fn set_token_switches_what_later_publishes_may_do() {
    let fixture = Fixture::start().await;
    let server = fixture.server();
    let grant_write = |channel: &'static str| {
        server
            .grant_token(10)
            .resources(&[permissions::channel(channel).write()])
            .execute()
    };
    let red = grant_write("red").await.expect("granted").token;
    let blue = grant_write("blue").await.expect("granted").token;

    let client = fixture.client("bob");
    assert_eq!(client.get_token(), None);
    let denied = client.publish().channel("red").message("x").execute().await;
    assert!(matches!(denied, Err(Error::Forbidden { .. })), "{denied:?}");

    client.set_token(&red);
    assert_eq!(client.get_token().as_deref(), Some(red.as_str()));
    let first = client
        .publish()
        .channel("red")
        .message(serde_json::json!({"n": 1}))
        .execute()
        .await
        .expect("red allowed with the red token");
    let error = client
        .publish()
        .channel("blue")
        .message("x")
        .execute()
        .await
        .unwrap_err();
    let Error::Forbidden { channels, .. } = &error else {
        panic!("expected Forbidden, got {error:?}");
    };
    assert_eq!(channels, &["blue"]);

    // A clone shares the token; setting it through the clone switches both.
    let clone = client.clone();
    clone.set_token(&blue);
    assert_eq!(client.get_token().as_deref(), Some(blue.as_str()));
    let second = client
        .publish()
        .channel("blue")
        .message([1, 2, 3])
        .execute()
        .await
        .expect("blue allowed with the blue token");
    assert!(second > first, "timetokens grow: {first} then {second}");
    let red_now = client.publish().channel("red").message("x").execute().await;
    assert!(
        matches!(red_now, Err(Error::Forbidden { .. })),
        "{red_now:?}"
    );

    client.clear_token();
    assert_eq!(clone.get_token(), None);
}

#[tokio::test]
async fn revoke_then_publish_is_refused_as_revoked() {
    let fixture = Fixture::start().await;
    let server = fixture.server();
    let token = server
        .grant_token(10)
        .resources(&[permissions::channel("news").write()])
        .execute()
        .await
        .expect("granted")
        .token;
    let client = fixture.client("reader");
    client.set_token(&token);
    client
        .publish()
        .channel("news")
        .message("before")
        .execute()
        .await
        .expect("allowed before the revocation");

    server
        .revoke_token(&token)
        .execute()
        .await
        .expect("revoked");

    let error = client
        .publish()
        .channel("news")
        .message("after")
        .execute()
        .await
        .unwrap_err();
    let Error::TokenRevoked { message, .. } = &error else {
        panic!("expected TokenRevoked, got {error:?}");
    };
    assert_eq!(message, "Token is revoked.");
    assert_eq!(error.status(), Some(403));
    assert_eq!(error.service(), Some("Access Manager"));
}

#[tokio::test]
async fn a_client_whose_clock_is_ten_minutes_off_still_grants() {
    let fixture = Fixture::start().await;
    for skew in [-600, 600] {
        let server = fixture
            .builder(Some(crate::fixture::SEC), "admin")
            .clock_skew_for_testing(skew)
            .build()
            .expect("valid client");
        assert_eq!(server.clock_offset_secs(), 0);
        let token = server
            .grant_token(5)
            .resources(&[permissions::channel("c").read()])
            .execute()
            .await
            .expect("granted after correcting the clock")
            .token;
        // The offset learnt cancels the skew (give or take the seconds the test took).
        let offset = server.clock_offset_secs();
        assert!((offset + skew).abs() <= 5, "skew {skew}, offset {offset}");
        // Later requests use the corrected clock straight away.
        server
            .revoke_token(&token)
            .execute()
            .await
            .expect("revoked");
        assert_eq!(server.clock_offset_secs(), offset);
    }
}

#[tokio::test]
async fn the_server_time_is_available_through_the_transport() {
    let fixture = Fixture::start().await;
    let time = fixture
        .client("anyone")
        .transport()
        .time()
        .await
        .expect("time");
    assert!(time.unix_seconds().abs_diff(now_secs()) < 300);
}

#[test]
fn the_blocking_api_works_without_a_runtime() {
    // The emulator needs a runtime; the code under test runs on this plain thread.
    let runtime = tokio::runtime::Runtime::new().expect("a runtime for the emulator");
    let fixture = runtime.block_on(Fixture::start());
    let server = fixture.server();
    let token = server
        .grant_token(10)
        .resources(&[permissions::channel("blocking").write()])
        .execute_blocking()
        .expect("granted")
        .token;
    let client = fixture.client("b");
    client.set_token(&token);
    let timetoken = client
        .publish()
        .channel("blocking")
        .message("hello")
        .execute_blocking()
        .expect("published");
    assert!(timetoken.as_u64() > 0);
    server
        .revoke_token(&token)
        .execute_blocking()
        .expect("revoked");
    let error = client
        .publish()
        .channel("blocking")
        .message("again")
        .execute_blocking()
        .unwrap_err();
    assert!(matches!(error, Error::TokenRevoked { .. }), "{error:?}");

    // Several threads may share one client.
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let server = server.clone();
            std::thread::spawn(move || {
                server
                    .grant_token(1)
                    .resources(&[permissions::user_id(format!("u{i}")).get()])
                    .execute_blocking()
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("no panic").expect("granted");
    }
    drop(fixture);
}

#[tokio::test]
async fn the_blocking_api_inside_async_code_does_not_deadlock() {
    let fixture = Fixture::start().await;
    let server = fixture.server();
    let result = tokio::task::spawn_blocking(move || {
        server
            .grant_token(1)
            .resources(&[permissions::channel("x").read()])
            .execute_blocking()
    })
    .await
    .expect("no panic");
    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn public_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<PubNub>();
    send_sync::<pam::PubNubBuilder>();
    send_sync::<pam::GrantTokenBuilder>();
    send_sync::<pam::RevokeTokenBuilder>();
    send_sync::<pam::PublishBuilder>();
    send_sync::<pam::Error>();
    send_sync::<pam::Token>();
    fn future_is_send<F: std::future::Future + Send>(_: F) {}
    let client = PubNub::builder()
        .keyset(crate::fixture::keyset(crate::fixture::SUB, None))
        .user_id("u")
        .build()
        .expect("valid");
    future_is_send(client.publish().channel("c").message(1).execute());
    future_is_send(client.grant_token(1).execute());
    future_is_send(client.revoke_token("t").execute());
}
