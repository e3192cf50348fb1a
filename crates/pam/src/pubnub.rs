//! The client users hold, and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use pam_http::{
    Client, ClientConfig, Error, Keyset, Misuse, RetryPolicy, SharedTokenProvider, TokenEvent,
    TokenProvider, TokenRefreshPolicy, TokenStatus,
};

use crate::{GrantTokenBuilder, PublishBuilder, RevokeTokenBuilder};

/// A PubNub client for Access Manager: grants and revokes tokens (with a secret key), parses
/// them, carries one, and publishes with it.
///
/// Build it with [`PubNub::builder`]. Cloning is cheap; clones share the connection pool, the
/// token and the clock correction. `Debug` never shows the secret key or the token.
#[derive(Clone)]
pub struct PubNub {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) client: Client,
    #[cfg(feature = "blocking")]
    pub(crate) blocking: crate::blocking::BlockingRuntime,
}

impl PubNub {
    /// A builder; [`PubNubBuilder::keyset`] and [`PubNubBuilder::user_id`] are required.
    #[must_use]
    pub fn builder() -> PubNubBuilder {
        PubNubBuilder::default()
    }

    /// Starts a grant of a token valid for `ttl_minutes` (1 to 43200). Needs the secret key.
    ///
    /// See [`GrantTokenBuilder`].
    pub fn grant_token(&self, ttl_minutes: u32) -> GrantTokenBuilder {
        GrantTokenBuilder::new(self.clone(), ttl_minutes)
    }

    /// Starts the revocation of `token`. Needs the secret key, and revocation enabled on the
    /// keyset.
    pub fn revoke_token(&self, token: impl Into<String>) -> RevokeTokenBuilder {
        RevokeTokenBuilder::new(self.clone(), token.into())
    }

    /// Starts a publish (needs the publish key; sends the token set with
    /// [`PubNub::set_token`] as `auth`).
    pub fn publish(&self) -> PublishBuilder {
        PublishBuilder::new(self.clone())
    }

    /// Parses a token offline, without checking its signature; the same as
    /// [`crate::parse_token`].
    ///
    /// # Errors
    ///
    /// [`crate::TokenError`] saying what is wrong with the string and where.
    pub fn parse_token(&self, token: &str) -> Result<crate::Token, crate::TokenError> {
        crate::parse_token(token)
    }

    /// Sets the token every later request of this client (and its clones) carries as `auth`.
    /// An empty string clears it.
    ///
    /// The token is parsed offline: one already expired, or restricted to another user id,
    /// is logged as a warning (`tracing`) and [`PubNub::token_status`] says why; requests then
    /// fail fast with [`Error::TokenNotSent`] instead of being refused by the server (with a
    /// token provider, the client gets a new token first).
    pub fn set_token(&self, token: impl Into<String>) {
        self.shared.client.set_token(token);
    }

    /// The token in use: set with [`PubNub::set_token`] or obtained from the token provider.
    #[must_use]
    pub fn get_token(&self) -> Option<String> {
        self.shared.client.token()
    }

    /// What the client knows about its token, from parsing it offline: expiry, authorized
    /// user id, when the provider will refresh it, and why it will not be sent if it will not.
    #[must_use]
    pub fn token_status(&self) -> Option<TokenStatus> {
        self.shared.client.token_status()
    }

    /// Token events from now on: refreshed, refresh failed, expired, replaced. None holds the
    /// token.
    #[must_use]
    pub fn token_events(&self) -> tokio::sync::broadcast::Receiver<TokenEvent> {
        self.shared.client.token_events()
    }

    /// Gets a new token from the provider now (or waits for the refresh under way).
    ///
    /// # Errors
    ///
    /// [`Error::TokenRefreshFailed`] when the provider failed;
    /// [`Misuse::TokenProviderRequired`] without a provider.
    pub async fn refresh_token(&self) -> Result<(), Error> {
        self.shared.client.refresh_token().await
    }

    /// [`PubNub::refresh_token`] for code without an async runtime.
    ///
    /// # Errors
    ///
    /// As [`PubNub::refresh_token`].
    #[cfg(feature = "blocking")]
    pub fn refresh_token_blocking(&self) -> Result<(), Error> {
        let client = self.shared.client.clone();
        self.block_on(async move { client.refresh_token().await })
    }

    /// Stops sending a token.
    pub fn clear_token(&self) {
        self.shared.client.clear_token();
    }

    /// The user id this client sends as `uuid`.
    #[must_use]
    pub fn user_id(&self) -> &str {
        self.shared.client.user_id()
    }

    /// The origin requests go to.
    #[must_use]
    pub fn origin(&self) -> &str {
        self.shared.client.origin()
    }

    /// The clock correction learnt from the server, in seconds (0 until a timestamp was
    /// refused once).
    #[must_use]
    pub fn clock_offset_secs(&self) -> i64 {
        self.shared.client.clock_offset_secs()
    }

    /// The transport underneath, for calls the facade does not wrap (such as
    /// [`pam_http::Client::time`] or [`pam_http::Client::grant_unvalidated`]).
    #[must_use]
    pub fn transport(&self) -> &Client {
        &self.shared.client
    }
}

impl fmt::Debug for PubNub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PubNub").field(&self.shared.client).finish()
    }
}

/// Builds a [`PubNub`].
///
/// ```
/// use pam::{Error, Keyset, Misuse, PubNub};
///
/// // A secret key cannot sign without the publish key.
/// let error = PubNub::builder()
///     .keyset(Keyset {
///         subscribe_key: "sub-c-1".into(),
///         publish_key: None,
///         secret_key: Some("sec-c-1".into()),
///     })
///     .user_id("admin")
///     .build()
///     .unwrap_err();
/// assert!(matches!(error, Error::Misuse(Misuse::SecretKeyWithoutPublishKey)));
///
/// // An empty user id is refused too.
/// let error = PubNub::builder()
///     .keyset(Keyset { subscribe_key: "sub-c-1".into(), ..Keyset::default() })
///     .user_id("")
///     .build()
///     .unwrap_err();
/// assert!(matches!(error, Error::Misuse(Misuse::EmptyUserId)));
/// ```
#[derive(Debug, Default, Clone)]
pub struct PubNubBuilder {
    keyset: Option<Keyset>,
    user_id: Option<String>,
    origin: Option<String>,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    clock_skew_for_testing: i64,
    token_provider: Option<SharedTokenProvider>,
    token_refresh: Option<TokenRefreshPolicy>,
    check_token_before_sending: Option<bool>,
}

impl PubNubBuilder {
    /// The keyset (required): subscribe key, and the publish and secret keys as needed.
    #[must_use]
    pub fn keyset(mut self, keyset: Keyset) -> Self {
        self.keyset = Some(keyset);
        self
    }

    /// The user id this client sends as `uuid` (required, non-empty).
    #[must_use]
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// Where requests go: `https://host[:port]` or `http://host[:port]` (default
    /// [`pam_http::DEFAULT_ORIGIN`], PubNub's `https://ps.pndsn.com`).
    #[must_use]
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// The limit for establishing a connection (default
    /// [`pam_http::DEFAULT_CONNECT_TIMEOUT`]).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The limit for one attempt, from connecting to the end of the response (default
    /// [`pam_http::DEFAULT_REQUEST_TIMEOUT`]).
    #[must_use]
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// How failed requests are retried (default [`RetryPolicy::default`];
    /// [`RetryPolicy::none`] disables retries).
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Where fresh tokens come from: an async closure (or a [`TokenProvider`] of your own)
    /// returning a token, typically by asking your server, which grants it with `pam`.
    ///
    /// With a provider the client keeps its token valid on its own: it gets its first token
    /// on first use, refreshes ahead of expiry (see [`TokenRefreshPolicy`]), one refresh at a
    /// time for all requests, and after a 403 "Token is expired." or "Token is revoked." gets
    /// a new token once and sends the request once more. [`PubNub::set_token`] still works.
    ///
    /// ```no_run
    /// # fn build(keyset: pam::Keyset) -> Result<pam::PubNub, pam::Error> {
    /// let client = pam::PubNub::builder()
    ///     .keyset(keyset)
    ///     .user_id("bob")
    ///     .token_provider(|| async {
    ///         // Ask your server for a token for "bob".
    ///         Ok::<_, std::io::Error>(String::from("qEF2AkF0…"))
    ///     })
    ///     .build()?;
    /// # Ok(client)
    /// # }
    /// ```
    #[must_use]
    pub fn token_provider(mut self, provider: impl TokenProvider) -> Self {
        self.token_provider = Some(SharedTokenProvider::new(provider));
        self
    }

    /// When the token provider is called, and how it is retried (default
    /// [`TokenRefreshPolicy::default`]: at 80 % of the lifetime, up to 10 % earlier at random,
    /// at least 10 s before expiry; 3 calls per refresh).
    #[must_use]
    pub fn token_refresh_policy(mut self, policy: TokenRefreshPolicy) -> Self {
        self.token_refresh = Some(policy);
        self
    }

    /// Whether a request whose token is known to be dead (expired, or for another user id)
    /// fails fast with [`Error::TokenNotSent`] instead of being sent (default true). Turn it
    /// off only to see the server's own answer to such a token, as conformance tests do.
    #[must_use]
    pub fn check_token_before_sending(mut self, check: bool) -> Self {
        self.check_token_before_sending = Some(check);
        self
    }

    /// Pretends the system clock is `secs` seconds off, to see the client correct itself
    /// from the server's time. For tests only.
    #[must_use]
    pub fn clock_skew_for_testing(mut self, secs: i64) -> Self {
        self.clock_skew_for_testing = secs;
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Misuse`]: [`Misuse::MissingSetting`] without a keyset or user id,
    /// [`Misuse::EmptyUserId`], [`Misuse::EmptySubscribeKey`],
    /// [`Misuse::SecretKeyWithoutPublishKey`], [`Misuse::InvalidOrigin`]; [`Error::Setup`]
    /// when the TLS stack cannot be initialised.
    pub fn build(self) -> Result<PubNub, Error> {
        let keyset = self
            .keyset
            .ok_or(Misuse::MissingSetting { setting: "keyset" })?;
        let user_id = self
            .user_id
            .ok_or(Misuse::MissingSetting { setting: "user_id" })?;
        let mut config = ClientConfig::new(keyset, user_id);
        if let Some(origin) = self.origin {
            config.origin = origin;
        }
        if let Some(timeout) = self.connect_timeout {
            config.connect_timeout = timeout;
        }
        if let Some(timeout) = self.request_timeout {
            config.request_timeout = timeout;
        }
        if let Some(retry) = self.retry {
            config.retry = retry;
        }
        config.clock_skew_for_testing = self.clock_skew_for_testing;
        config.token_provider = self.token_provider;
        if let Some(policy) = self.token_refresh {
            config.token_refresh = policy;
        }
        if let Some(check) = self.check_token_before_sending {
            config.check_token_before_sending = check;
        }
        Ok(PubNub {
            shared: Arc::new(Shared {
                client: Client::new(config)?,
                #[cfg(feature = "blocking")]
                blocking: crate::blocking::BlockingRuntime::default(),
            }),
        })
    }
}
