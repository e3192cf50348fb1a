//! The logs of the whole stack at TRACE level — the `pam` client and its transport, reqwest
//! and hyper, the emulator's HTTP server and core — while a server SDK grants and revokes and
//! a client publishes with a token, over loopback: no secret key, token or signature.
//!
//! The emulator answers on its own threads (and revokes on blocking threads), so the capture
//! is the process-wide subscriber, installed once for this test binary.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use pam::{Error, Keyset, PubNub, RetryPolicy, permissions};
use pam_emulator::{Emulator, EmulatorConfig};

use super::leak_check::{Secrets, signatures_in};
use super::signed_call::{PUB, SECRET, SUB};

/// Everything logged in this process since the subscriber was installed.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

fn capture() -> &'static Captured {
    static CAPTURE: OnceLock<Captured> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in this test binary");
        captured
    })
}

fn client(url: &str, secret: Option<&str>, user_id: &str) -> PubNub {
    PubNub::builder()
        .keyset(Keyset {
            subscribe_key: SUB.into(),
            publish_key: Some(PUB.into()),
            secret_key: secret.map(Into::into),
        })
        .user_id(user_id)
        .origin(url)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("valid client")
}

const WRONG_SECRET: &str = "sec-c-hardening-WRONG-77d1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_key_token_or_signature_reaches_the_logs() {
    let logs = capture();
    let config = EmulatorConfig::new(vec![pam_emulator::Keyset::new(SUB, PUB, SECRET)])
        .with_listen("127.0.0.1:0".parse().expect("address"));
    let emulator = Emulator::start(config).await.expect("emulator starts");
    let server = client(emulator.url(), Some(SECRET), "admin");
    let alice = client(emulator.url(), None, "alice");

    let granted = server
        .grant_token(10)
        .resources(&[permissions::channel("room").read().write()])
        .authorized_user_id("alice")
        .execute()
        .await
        .expect("granted")
        .token;
    let other = server
        .grant_token(10)
        .patterns(&[permissions::channel("^room-[0-9]+$").write()])
        .execute()
        .await
        .expect("granted")
        .token;
    alice.set_token(&granted);
    alice
        .publish()
        .channel("room")
        .message("hello")
        .execute()
        .await
        .expect("published with the token");
    server
        .revoke_token(granted.clone())
        .execute()
        .await
        .expect("revoked");
    let refused = alice
        .publish()
        .channel("room")
        .message("again")
        .execute()
        .await
        .expect_err("a revoked token is refused");
    assert!(matches!(refused, Error::TokenRevoked { .. }), "{refused}");
    alice.set_token(&other);
    let forbidden = alice
        .publish()
        .channel("elsewhere")
        .message("no")
        .execute()
        .await
        .expect_err("no grant on that channel");
    assert!(matches!(forbidden, Error::Forbidden { .. }), "{forbidden}");
    let wrong = client(emulator.url(), Some(WRONG_SECRET), "admin")
        .revoke_token(other.clone())
        .execute()
        .await
        .expect_err("signed with the wrong secret key");
    assert!(matches!(wrong, Error::InvalidSignature { .. }), "{wrong}");
    emulator.shutdown().await.expect("stops");

    let text = logs.text();
    // The capture saw both sides, so its silence about secrets means something.
    assert!(
        text.contains("pam_emulator"),
        "no emulator log captured:\n{text}"
    );
    assert!(text.contains("pam_http"), "no client log captured:\n{text}");
    assert!(
        text.contains("[redacted]") || text.contains("<redacted>"),
        "{text}"
    );
    let secrets = Secrets::new()
        .secret_key(SECRET)
        .secret_key(WRONG_SECRET)
        .token(&granted)
        .token(&other);
    secrets.assert_absent("the TRACE log of client and server", &text);
    assert_eq!(
        signatures_in(&text),
        Vec::<&str>::new(),
        "signatures in the log"
    );
    for error in [&refused, &forbidden, &wrong] {
        secrets.assert_shown_clean("a client error", error);
    }
}
