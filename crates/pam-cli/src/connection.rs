//! How `pam grant`, `pam revoke` and `pam publish` reach Access Manager: the origin, the user
//! id, the keyset from flags or `PUBNUB_*` variables, and a runtime for the request.

use std::future::Future;

use pam::{Keyset, PubNub};

use crate::Failure;
use crate::keys::{ClientKeyArgs, KeyArgs};

/// The user id requests are made as when none is given.
pub(crate) const DEFAULT_USER_ID: &str = "pam-cli";

/// Where requests go and who makes them.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ConnectionArgs {
    /// Access Manager's origin: PubNub, or a local one such as `pam serve`'s
    /// http://127.0.0.1:8090
    #[arg(
        long,
        env = "PUBNUB_ORIGIN",
        hide_env_values = true,
        value_name = "URL",
        default_value = pam::DEFAULT_ORIGIN
    )]
    origin: String,
    /// The user id requests are made as (sent as `uuid`; a token with an authorized user id
    /// works only for that one)
    #[arg(
        long,
        env = "PUBNUB_USER_ID",
        hide_env_values = true,
        value_name = "U",
        default_value = DEFAULT_USER_ID
    )]
    user_id: String,
}

impl ConnectionArgs {
    /// A client of `keyset` at the origin, as the user id.
    pub(crate) fn client(&self, keyset: Keyset) -> Result<PubNub, Failure> {
        PubNub::builder()
            .keyset(keyset)
            .user_id(self.user_id.clone())
            .origin(self.origin.clone())
            .build()
            .map_err(|error| match error {
                pam::Error::Misuse(misuse) => Failure::input(misuse.to_string()),
                other => Failure::Request(other),
            })
    }
}

/// A flag's value, unless it is missing or empty.
fn given(value: Option<&String>) -> Option<String> {
    value.filter(|v| !v.is_empty()).cloned()
}

/// The error for keys `command` needs and did not get, naming flags and variables.
fn missing_keys(command: &str, missing: &[&str]) -> Failure {
    Failure::input(format!("{command} needs {}", missing.join(", ")))
}

/// All three keys (grant and revoke are signed with the secret key).
pub(crate) fn server_keyset(keys: &KeyArgs, command: &str) -> Result<Keyset, Failure> {
    let sub = given(keys.subscribe_key.as_ref());
    let publish = given(keys.publish_key.as_ref());
    let secret = given(keys.secret_key.as_ref());
    match (sub, publish, secret) {
        (Some(subscribe_key), Some(publish_key), Some(secret_key)) => Ok(Keyset {
            subscribe_key,
            publish_key: Some(publish_key),
            secret_key: Some(secret_key),
        }),
        (sub, publish, secret) => {
            let missing: Vec<&str> = [
                (sub.is_none(), "--subscribe-key (PUBNUB_SUBSCRIBE_KEY)"),
                (publish.is_none(), "--publish-key (PUBNUB_PUBLISH_KEY)"),
                (secret.is_none(), "--secret-key (PUBNUB_SECRET_KEY)"),
            ]
            .into_iter()
            .filter_map(|(is_missing, name)| is_missing.then_some(name))
            .collect();
            Err(missing_keys(command, &missing))
        }
    }
}

/// The subscribe and publish keys, and no secret key.
pub(crate) fn client_keyset(keys: &ClientKeyArgs, command: &str) -> Result<Keyset, Failure> {
    let sub = given(keys.subscribe_key.as_ref());
    let publish = given(keys.publish_key.as_ref());
    match (sub, publish) {
        (Some(subscribe_key), Some(publish_key)) => Ok(Keyset {
            subscribe_key,
            publish_key: Some(publish_key),
            secret_key: None,
        }),
        (sub, publish) => {
            let missing: Vec<&str> = [
                (sub.is_none(), "--subscribe-key (PUBNUB_SUBSCRIBE_KEY)"),
                (publish.is_none(), "--publish-key (PUBNUB_PUBLISH_KEY)"),
            ]
            .into_iter()
            .filter_map(|(is_missing, name)| is_missing.then_some(name))
            .collect();
            Err(missing_keys(command, &missing))
        }
    }
}

/// Runs `future` on a single-threaded runtime built for this one command.
pub(crate) fn block_on<T>(future: impl Future<Output = T>) -> Result<T, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Failure::Io {
            context: "cannot start the async runtime".to_owned(),
            source,
        })?;
    Ok(runtime.block_on(future))
}
