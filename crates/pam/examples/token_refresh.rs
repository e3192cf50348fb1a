//! A client that keeps its token valid: the app's server grants 1-minute tokens, and a client
//! with a token provider publishes every second for three minutes without one refusal.
//!
//! Run with `cargo run -p pam-sdk --example token_refresh` (three minutes), or give the number
//! of seconds to run: `cargo run -p pam-sdk --example token_refresh -- 20`. It starts the
//! emulator on a free loopback port, so it needs no PubNub account and no network.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use pam::{Keyset, PubNub, TokenEvent, permissions};
use pam_emulator::{
    DEMO_PUBLISH_KEY, DEMO_SECRET_KEY, DEMO_SUBSCRIBE_KEY, Emulator, EmulatorConfig,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: u64 = match std::env::args().nth(1) {
        Some(text) => text
            .parse()
            .map_err(|e| format!("the number of seconds to run, {text:?}: {e}"))?,
        None => 180,
    };
    let emulator =
        Emulator::start(EmulatorConfig::demo().with_listen("127.0.0.1:0".parse()?)).await?;
    let keyset = |secret: Option<&str>| Keyset {
        subscribe_key: DEMO_SUBSCRIBE_KEY.into(),
        publish_key: Some(DEMO_PUBLISH_KEY.into()),
        secret_key: secret.map(Into::into),
    };

    // The app's server: it holds the secret key and grants Bob 1-minute tokens. In a real app
    // the provider below would ask this server over HTTP.
    let server = PubNub::builder()
        .keyset(keyset(Some(DEMO_SECRET_KEY)))
        .user_id("admin")
        .origin(emulator.url())
        .build()?;
    let grants = Arc::new(AtomicU32::new(0));

    // Bob's client: no secret key, a token provider instead of `set_token`.
    let provider_grants = Arc::clone(&grants);
    let bob = PubNub::builder()
        .keyset(keyset(None))
        .user_id("bob")
        .origin(emulator.url())
        .token_provider(move || {
            let server = server.clone();
            provider_grants.fetch_add(1, Ordering::Relaxed);
            async move {
                let granted = server
                    .grant_token(1)
                    .resources(&[permissions::channel("chat").write()])
                    .authorized_user_id("bob")
                    .execute()
                    .await?;
                Ok::<_, pam::Error>(granted.token)
            }
        })
        .build()?;

    // Say when the token changes (events never hold the token itself).
    let mut events = bob.token_events();
    tokio::spawn(async move {
        while let Ok(event) = events.recv().await {
            if let TokenEvent::Refreshed {
                expires_at,
                refresh_at_ms,
                ..
            } = event
            {
                println!(
                    "  new token: expires at {expires_at}, next refresh at {}.{:03}",
                    refresh_at_ms / 1000,
                    refresh_at_ms % 1000
                );
            }
        }
    });

    println!("publishing every second for {seconds} s with 1-minute tokens");
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    let mut refused = 0u32;
    for n in 0..seconds {
        ticks.tick().await;
        match bob.publish().channel("chat").message(n).execute().await {
            Ok(_) if n % 10 == 0 => println!("{n:>4} s: published"),
            Ok(_) => {}
            Err(error) => {
                refused += 1;
                println!("{n:>4} s: refused: {error}");
            }
        }
    }
    let granted = grants.load(Ordering::Relaxed);
    println!("{seconds} publishes, {refused} refused, {granted} tokens granted");
    emulator.shutdown().await?;
    if refused > 0 {
        return Err(format!("{refused} publishes were refused").into());
    }
    Ok(())
}
