//! `pam publish`: publish a message as a client, with a token.

use std::process::ExitCode;

use crate::Failure;
use crate::connection::{self, ConnectionArgs};
use crate::failure::{eprintln, println};
use crate::keys::ClientKeyArgs;

const AFTER_HELP: &str = "\
Publishes as a client: with the subscribe and publish keys and the token, never the secret key
(a request signed with the secret key skips the token check). Prints the message's timetoken.

Exit codes: 0 published; 1 Access Manager refused the token (Forbidden, Token is expired.,
Token is revoked.), with its answer on stderr, or the token was not sent because it is
expired or for another user id; 2 bad input or any other error.";

/// Publish a message to a channel with a token, as a client would.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub(crate) struct PublishArgs {
    /// The channel.
    #[arg(long, value_name = "NAME")]
    channel: String,
    /// The message, as JSON (a string needs its quotes: --message '"hello"').
    #[arg(long, value_name = "JSON")]
    message: String,
    /// The token sent as `auth` (without one, Access Manager refuses the publish)
    #[arg(long, env = "PUBNUB_TOKEN", hide_env_values = true)]
    token: Option<String>,
    #[command(flatten)]
    keys: ClientKeyArgs,
    #[command(flatten)]
    connection: ConnectionArgs,
}

pub(crate) fn run(args: PublishArgs) -> Result<ExitCode, Failure> {
    if args.channel.is_empty() {
        return Err(Failure::input("--channel is empty"));
    }
    let message: serde_json::Value = serde_json::from_str(&args.message).map_err(|e| {
        Failure::input(format!(
            "--message is not JSON ({e}); a string needs its quotes, e.g. --message '\"hello\"'"
        ))
    })?;
    let keyset = connection::client_keyset(&args.keys, "pam publish")?;
    let pubnub = args.connection.client(keyset)?;
    if let Some(token) = args
        .token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        pubnub.set_token(token);
    }
    let result = connection::block_on(
        pubnub
            .publish()
            .channel(args.channel)
            .message(message)
            .execute(),
    )?;
    match result {
        Ok(timetoken) => {
            println(&timetoken.as_u64().to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Err(
            denied @ (pam::Error::Forbidden { .. }
            | pam::Error::TokenExpired { .. }
            | pam::Error::TokenRevoked { .. }
            | pam::Error::TokenNotSent { .. }),
        ) => {
            eprintln(&format!("pam: {denied}"));
            Ok(ExitCode::from(1))
        }
        Err(error) => Err(Failure::Request(error)),
    }
}
