//! `pam revoke`: end a token before its time.

use std::process::ExitCode;

use crate::Failure;
use crate::connection::{self, ConnectionArgs};
use crate::failure::println;
use crate::keys::KeyArgs;
use crate::token::token_text;

/// Revoke a token (server side: needs the secret key, and revocation enabled on the keyset).
///
/// From then on Access Manager refuses the token with "Token is revoked.".
#[derive(Debug, clap::Args)]
pub(crate) struct RevokeArgs {
    /// The token, or `-` to read it from standard input.
    token: String,
    #[command(flatten)]
    keys: KeyArgs,
    #[command(flatten)]
    connection: ConnectionArgs,
}

pub(crate) fn run(args: RevokeArgs) -> Result<ExitCode, Failure> {
    let token = token_text(&args.token)?;
    if token.is_empty() {
        return Err(Failure::input("the token is empty"));
    }
    let keyset = connection::server_keyset(&args.keys, "pam revoke")?;
    let pubnub = args.connection.client(keyset)?;
    connection::block_on(pubnub.revoke_token(token).execute())??;
    println("revoked: Access Manager now refuses the token with \"Token is revoked.\"")?;
    Ok(ExitCode::SUCCESS)
}
