//! Parses a token offline and prints what it grants.
//!
//! Run with `cargo run -p pam-sdk --example parse [TOKEN]`. Without a token it grants one on a
//! local Access Manager (started on a free loopback port) and parses that.

use pam::{Keyset, PubNub, permissions};
use pam_emulator::{
    DEMO_PUBLISH_KEY, DEMO_SECRET_KEY, DEMO_SUBSCRIBE_KEY, Emulator, EmulatorConfig,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let text = match std::env::args().nth(1) {
        Some(token) => token,
        None => granted_token().await?,
    };
    let token = pam::parse_token(&text)?;

    println!("version      {}", token.version());
    println!("issued at    {} (Unix seconds)", token.timestamp());
    println!(
        "ttl          {} minute(s), expires at {}",
        token.ttl(),
        token.expires_at()
    );
    println!(
        "for user id  {}",
        token.authorized_user_id().unwrap_or("(anyone)")
    );
    for (label, grants) in [
        ("resource", token.resources()),
        ("pattern", token.patterns()),
    ] {
        for entry in grants.entries() {
            println!(
                "{label:<12} {} {:?}: {}",
                entry.kind, entry.name, entry.permissions
            );
        }
    }
    for (key, value) in token.meta().iter() {
        println!("meta         {key} = {}", value.to_json());
    }
    Ok(())
}

/// Grants a token on a freshly started emulator and checks it parses as granted.
async fn granted_token() -> Result<String, Box<dyn std::error::Error>> {
    let emulator =
        Emulator::start(EmulatorConfig::demo().with_listen("127.0.0.1:0".parse()?)).await?;
    let server = PubNub::builder()
        .keyset(Keyset {
            subscribe_key: DEMO_SUBSCRIBE_KEY.into(),
            publish_key: Some(DEMO_PUBLISH_KEY.into()),
            secret_key: Some(DEMO_SECRET_KEY.into()),
        })
        .user_id("admin")
        .origin(emulator.url())
        .build()?;
    let token = server
        .grant_token(15)
        .resources(&[permissions::channel("news").read()])
        .patterns(&[permissions::user_id("^bot-").get()])
        .meta([("issued-by", "parse example")])
        .execute()
        .await?
        .token;
    let parsed = server.parse_token(&token)?;
    assert_eq!(parsed.ttl(), 15);
    assert_eq!(
        parsed.resources().get(pam::ResourceKind::Channel, "news"),
        Some(pam::Permissions::READ)
    );
    emulator.shutdown().await?;
    Ok(token)
}
