//! Grants a token, uses it, revokes it, and shows that it no longer works.
//!
//! Run with `cargo run -p pam-sdk --example revoke`. It starts the emulator on a free loopback
//! port, so it needs no PubNub account and no network.

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
    let device = PubNub::builder()
        .keyset(keyset(None))
        .user_id("device-7")
        .origin(emulator.url())
        .build()?;

    let token = server
        .grant_token(30)
        .resources(&[permissions::channel("telemetry").write()])
        .execute()
        .await?
        .token;
    device.set_token(&token);
    device
        .publish()
        .channel("telemetry")
        .message(21.5)
        .execute()
        .await?;
    println!("published with the token");

    server.revoke_token(&token).execute().await?;
    println!("revoked the token");

    match device
        .publish()
        .channel("telemetry")
        .message(21.7)
        .execute()
        .await
    {
        Err(Error::TokenRevoked { message, .. }) => println!("refused as expected: {message}"),
        other => return Err(format!("expected TokenRevoked, got {other:?}").into()),
    }

    emulator.shutdown().await?;
    Ok(())
}
