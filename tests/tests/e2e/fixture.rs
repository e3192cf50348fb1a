//! A running emulator and the clients the end-to-end tests use against it.

use pam::{Keyset, PubNub, RetryPolicy};
use pam_emulator::{Emulator, EmulatorConfig};

/// The keyset the emulator serves in these tests.
pub(crate) const SUB: &str = "sub-c-e2e";
/// Its publish key.
pub(crate) const PUB: &str = "pub-c-e2e";
/// Its secret key.
pub(crate) const SEC: &str = "sec-c-e2e";
/// A second keyset, with token revocation disabled.
pub(crate) const SUB_NO_REVOKE: &str = "sub-c-e2e-norevoke";

/// An emulator on an ephemeral loopback port, stopped when dropped.
pub(crate) struct Fixture {
    pub(crate) emulator: Emulator,
}

impl Fixture {
    /// Starts an emulator serving [`SUB`] (revocation on) and [`SUB_NO_REVOKE`] (off).
    pub(crate) async fn start() -> Fixture {
        Fixture::start_with(|config| config).await
    }

    /// Starts an emulator with the standard keysets and `adjust` applied to its config.
    pub(crate) async fn start_with(
        adjust: impl FnOnce(EmulatorConfig) -> EmulatorConfig,
    ) -> Fixture {
        let config = EmulatorConfig::new(vec![
            pam_emulator::Keyset::new(SUB, PUB, SEC),
            pam_emulator::Keyset::new(SUB_NO_REVOKE, PUB, SEC).with_revocation(false),
        ])
        .with_listen("127.0.0.1:0".parse().expect("a socket address"));
        let emulator = Emulator::start(adjust(config))
            .await
            .expect("the emulator starts on a loopback port");
        Fixture { emulator }
    }

    /// The emulator's base URL.
    pub(crate) fn url(&self) -> &str {
        self.emulator.url()
    }

    /// A server-side client: all three keys, user id `admin`.
    pub(crate) fn server(&self) -> PubNub {
        self.builder(Some(SEC), "admin")
            .build()
            .expect("valid server client")
    }

    /// A client-side client: subscribe and publish keys only.
    pub(crate) fn client(&self, user_id: &str) -> PubNub {
        self.builder(None, user_id).build().expect("valid client")
    }

    /// A builder for keyset [`SUB`] at this emulator, with quick retries.
    pub(crate) fn builder(&self, secret: Option<&str>, user_id: &str) -> pam::PubNubBuilder {
        self.builder_for(keyset(SUB, secret), user_id)
    }

    /// A builder for any `keyset` (known to this emulator or not), with quick retries.
    pub(crate) fn builder_for(&self, keyset: Keyset, user_id: &str) -> pam::PubNubBuilder {
        PubNub::builder()
            .keyset(keyset)
            .user_id(user_id)
            .origin(self.url())
            .retry_policy(quick_retries())
    }

    /// A built client for `keyset`; see [`Fixture::builder_for`].
    pub(crate) fn client_for(&self, keyset: Keyset, user_id: &str) -> PubNub {
        self.builder_for(keyset, user_id)
            .build()
            .expect("valid client")
    }
}

/// A keyset with [`PUB`] and the given subscribe and secret keys.
pub(crate) fn keyset(subscribe_key: &str, secret: Option<&str>) -> Keyset {
    Keyset {
        subscribe_key: subscribe_key.into(),
        publish_key: Some(PUB.into()),
        secret_key: secret.map(Into::into),
    }
}

/// Retries with millisecond waits, so tests that retry stay quick.
pub(crate) fn quick_retries() -> RetryPolicy {
    RetryPolicy::default().with_backoff(
        std::time::Duration::from_millis(1),
        std::time::Duration::from_millis(20),
    )
}

/// Unix seconds now.
pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}
