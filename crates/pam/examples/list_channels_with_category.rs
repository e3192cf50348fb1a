//! Grants a categories-only token and lists all channel metadata with it, on a local Access
//! Manager whose keyset restricts that listing ("Disallow Get All Channel Metadata").
//!
//! Run with `cargo run -p pam-sdk --example list_channels_with_category`. It starts the
//! emulator on a free loopback port: no PubNub account, no network. The App Context calls are
//! plain HTTP here (the facade has no App Context API).

use pam::{CategoryKind, Keyset, PubNub, permissions};
use pam_emulator::{
    DEMO_PUBLISH_KEY, DEMO_SECRET_KEY, DEMO_SUBSCRIBE_KEY, Emulator, EmulatorConfig,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let keyset = pam_emulator::Keyset::demo().with_disallow_get_all_channel_metadata(true);
    let emulator =
        Emulator::start(EmulatorConfig::new(vec![keyset]).with_listen("127.0.0.1:0".parse()?))
            .await?;
    let server = PubNub::builder()
        .keyset(Keyset {
            subscribe_key: DEMO_SUBSCRIBE_KEY.into(),
            publish_key: Some(DEMO_PUBLISH_KEY.into()),
            secret_key: Some(DEMO_SECRET_KEY.into()),
        })
        .user_id("admin")
        .origin(emulator.url())
        .build()?;

    // An editor may set metadata on every channel, but holds no category.
    let editor = server
        .grant_token(60)
        .patterns(&[permissions::channel(".*").update()])
        .execute()
        .await?
        .token;
    for (channel, name) in [("lobby", "The lobby"), ("support", "Help desk")] {
        let path = format!("/v2/objects/{DEMO_SUBSCRIBE_KEY}/channels/{channel}");
        let body = format!(r#"{{"name":"{name}"}}"#);
        let (status, _) = http(emulator.url(), "PATCH", &path, &editor, &body).await?;
        println!("editor sets {channel:<8} -> {status}");
    }

    // A lister: nothing but `get` on the channels category.
    let lister = server
        .grant_token(60)
        .categories(&[permissions::channels_category().get()])
        .execute()
        .await?
        .token;
    let parsed = pam::parse_token(&lister)?;
    println!(
        "lister's token: categories {:?}, {} resources, {} patterns",
        parsed.categories(),
        parsed.resources().len(),
        parsed.patterns().len()
    );
    assert_eq!(
        parsed.categories().get(CategoryKind::Channels),
        Some(pam::Permissions::GET)
    );

    let list = format!("/v2/objects/{DEMO_SUBSCRIBE_KEY}/channels");
    let (status, body) = http(emulator.url(), "GET", &list, &lister, "").await?;
    println!("lister lists channels -> {status} {body}");
    let (status, body) = http(emulator.url(), "GET", &list, &editor, "").await?;
    println!("editor lists channels -> {status} {body}");

    emulator.shutdown().await?;
    Ok(())
}

/// One HTTP/1.1 request to `origin` (`http://127.0.0.1:PORT`) with `auth=token`: the status
/// and the body.
async fn http(
    origin: &str,
    method: &str,
    path: &str,
    token: &str,
    body: &str,
) -> Result<(u16, String), Box<dyn std::error::Error>> {
    let address = origin.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let query = format!("uuid=example&auth={}", pam_sign::encode_path_segment(token));
    let request = format!(
        "{method} {path}?{query} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or("no status line")?;
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .to_owned();
    Ok((status, body))
}
