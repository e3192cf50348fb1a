//! Grants a token on a local Access Manager and shows what it allows.
//!
//! Run with `cargo run -p pam-sdk --example grant`. It starts the emulator on a free loopback
//! port, so it needs no PubNub account and no network.

use pam::{AccessRequest, Keyset, Permission, PubNub, ResourceKind, permissions};
use pam_emulator::{
    DEMO_PUBLISH_KEY, DEMO_SECRET_KEY, DEMO_SUBSCRIBE_KEY, Emulator, EmulatorConfig,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator =
        Emulator::start(EmulatorConfig::demo().with_listen("127.0.0.1:0".parse()?)).await?;

    // A server-side client: it holds the secret key, so it may grant.
    let server = PubNub::builder()
        .keyset(Keyset {
            subscribe_key: DEMO_SUBSCRIBE_KEY.into(),
            publish_key: Some(DEMO_PUBLISH_KEY.into()),
            secret_key: Some(DEMO_SECRET_KEY.into()),
        })
        .user_id("admin")
        .origin(emulator.url())
        .build()?;

    let result = server
        .grant_token(60)
        .resources(&[
            permissions::channel("chat").read().write(),
            permissions::channel_group("lobby").read(),
            permissions::user_id("alice").get().update(),
        ])
        .patterns(&[permissions::channel("^support-.*$").read()])
        .authorized_user_id("alice")
        .meta([("plan", "pro")])
        .execute()
        .await?;
    println!("granted: {}…", &result.token[..result.token.len().min(24)]);

    let token = pam::parse_token(&result.token)?;
    assert_eq!(token.ttl(), 60);
    assert_eq!(token.authorized_user_id(), Some("alice"));
    let now = token.timestamp();
    let write_chat =
        AccessRequest::new(ResourceKind::Channel, "chat", Permission::Write, now).by("alice");
    let read_support =
        AccessRequest::new(ResourceKind::Channel, "support-42", Permission::Read, now).by("alice");
    let write_support =
        AccessRequest::new(ResourceKind::Channel, "support-42", Permission::Write, now).by("alice");
    assert!(token.authorize(&write_chat).is_allowed());
    assert!(token.authorize(&read_support).is_allowed());
    assert!(!token.authorize(&write_support).is_allowed());
    println!("alice may write `chat` and read `support-*`, but not write `support-*`");

    emulator.shutdown().await?;
    Ok(())
}
