//! A client sets a token and publishes with it; switching tokens switches what it may do.
//!
//! Run with `cargo run -p pam-sdk --example publish_with_token`. It starts the emulator on a
//! free loopback port, so it needs no PubNub account and no network.

use pam::{Error, Keyset, PubNub, permissions};
use pam_emulator::{
    DEMO_PUBLISH_KEY, DEMO_SECRET_KEY, DEMO_SUBSCRIBE_KEY, Emulator, EmulatorConfig,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator =
        Emulator::start(EmulatorConfig::demo().with_listen("127.0.0.1:0".parse()?)).await?;
    let keyset = |secret: Option<&str>| Keyset {
        subscribe_key: DEMO_SUBSCRIBE_KEY.into(),
        publish_key: Some(DEMO_PUBLISH_KEY.into()),
        secret_key: secret.map(Into::into),
    };
    let server = PubNub::builder()
        .keyset(keyset(Some(DEMO_SECRET_KEY)))
        .user_id("admin")
        .origin(emulator.url())
        .build()?;
    let grant_write = |channel: &'static str| {
        server
            .grant_token(10)
            .resources(&[permissions::channel(channel).write()])
            .authorized_user_id("bob")
            .execute()
    };
    let news_token = grant_write("news").await?.token;
    let sports_token = grant_write("sports").await?.token;

    // Bob's client has no secret key: what it may do is what its token says.
    let bob = PubNub::builder()
        .keyset(keyset(None))
        .user_id("bob")
        .origin(emulator.url())
        .build()?;

    bob.set_token(&news_token);
    let timetoken = bob
        .publish()
        .channel("news")
        .message(serde_json::json!({"headline": "tokens work"}))
        .execute()
        .await?;
    println!("published to news at timetoken {timetoken}");
    match bob
        .publish()
        .channel("sports")
        .message("goal")
        .execute()
        .await
    {
        Err(Error::Forbidden { channels, .. }) => println!("sports refused: {channels:?}"),
        other => return Err(format!("expected Forbidden, got {other:?}").into()),
    }

    bob.set_token(&sports_token);
    assert_eq!(bob.get_token().as_deref(), Some(sports_token.as_str()));
    bob.publish()
        .channel("sports")
        .message("goal")
        .execute()
        .await?;
    println!("with the other token, sports works");
    assert!(matches!(
        bob.publish()
            .channel("news")
            .message("late")
            .execute()
            .await,
        Err(Error::Forbidden { .. })
    ));

    emulator.shutdown().await?;
    Ok(())
}
