//! Keys from flags or `PUBNUB_*` environment variables.

/// Keys given on the command line; each falls back to its `PUBNUB_*` variable (clap `env`).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct KeyArgs {
    /// Publish key
    #[arg(long, env = "PUBNUB_PUBLISH_KEY", hide_env_values = true)]
    pub(crate) publish_key: Option<String>,
    /// Subscribe key
    #[arg(long, env = "PUBNUB_SUBSCRIBE_KEY", hide_env_values = true)]
    pub(crate) subscribe_key: Option<String>,
    /// Secret key (never printed)
    #[arg(long, env = "PUBNUB_SECRET_KEY", hide_env_values = true)]
    pub(crate) secret_key: Option<String>,
}

/// The keys of a client that publishes with a token: no secret key, so Access Manager checks
/// the token (a request signed with the secret key skips that check).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ClientKeyArgs {
    /// Publish key
    #[arg(long, env = "PUBNUB_PUBLISH_KEY", hide_env_values = true)]
    pub(crate) publish_key: Option<String>,
    /// Subscribe key
    #[arg(long, env = "PUBNUB_SUBSCRIBE_KEY", hide_env_values = true)]
    pub(crate) subscribe_key: Option<String>,
}
