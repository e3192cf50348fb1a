//! `pam grant`: ask Access Manager for a token.

use std::process::ExitCode;

use pam::{Resource, ResourcePermissions};

use crate::Failure;
use crate::connection::{self, ConnectionArgs};
use crate::failure::println;
use crate::grant_flags::GrantFlags;
use crate::keys::KeyArgs;

const AFTER_HELP: &str = "\
Prints the token on one line, so TOKEN=$(pam grant ...) works. The grant is checked locally
first with the server's own rules; a refused grant prints the server's error (message, detail
and location) on one line and exits 2.

Example, against `pam serve` (demo keyset):
  pam grant --origin http://127.0.0.1:8090 --subscribe-key sub-c-local-demo \\
    --publish-key pub-c-local-demo --secret-key sec-c-local-demo \\
    --ttl 60 --channel chat=read,write --authorized-uuid bob

A token that may list all channel metadata (and nothing else):
  pam grant ... --ttl 60 --category channels=get";

/// Grant a token (server side: needs the secret key) and print it.
///
/// Permissions are given as NAME=PERMS, PERMS comma-separated (read,write,manage,delete,get,
/// update,join). The split is at the last `=`, so a pattern may itself contain `=`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub(crate) struct GrantArgs {
    #[command(flatten)]
    keys: KeyArgs,
    #[command(flatten)]
    connection: ConnectionArgs,
    #[command(flatten)]
    grant: GrantFlags,
}

fn boxed(entries: &[Resource]) -> Vec<Box<dyn ResourcePermissions>> {
    entries
        .iter()
        .map(|e| Box::new(e.clone()) as Box<dyn ResourcePermissions>)
        .collect()
}

/// The request's categories as the facade's builders (`--category` only lets `get` through).
fn categories(request: &pam::GrantRequest) -> Vec<pam::permissions::CategoryPermissions> {
    request
        .categories
        .keys()
        .map(|kind| *pam::permissions::category(*kind).get())
        .collect()
}

pub(crate) fn run(args: GrantArgs) -> Result<ExitCode, Failure> {
    let request = args.grant.to_request()?;
    let keyset = connection::server_keyset(&args.keys, "pam grant")?;
    let pubnub = args.connection.client(keyset)?;
    let mut builder = pubnub
        .grant_token(request.ttl)
        .resources(&boxed(&request.resources))
        .patterns(&boxed(&request.patterns))
        .categories(&categories(&request))
        .meta(request.meta.clone());
    if let Some(user_id) = &request.authorized_user_id {
        builder = builder.authorized_user_id(user_id.clone());
    }
    let result = connection::block_on(builder.execute())?;
    match result {
        Ok(granted) => {
            println(&granted.token)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(error @ pam::Error::InvalidRequest { .. }) => Err(Failure::input(error.to_string())),
        Err(error) => Err(Failure::Request(error)),
    }
}
