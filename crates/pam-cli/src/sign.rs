//! `pam sign`: compute a request signature (v2) without sending anything.

use std::process::ExitCode;

use crate::Failure;

/// Print the v2 signature of a request.
///
/// The query is signed exactly as given (add `--query timestamp=…` yourself, as PubNub
/// requires one on signed requests). Keys may come from `PUBNUB_PUBLISH_KEY` and
/// `PUBNUB_SECRET_KEY`.
#[derive(Debug, clap::Args)]
pub(crate) struct SignArgs {
    /// HTTP method, e.g. GET, POST, DELETE.
    #[arg(long)]
    method: String,
    /// Publish key
    #[arg(long, env = "PUBNUB_PUBLISH_KEY", hide_env_values = true)]
    publish_key: String,
    /// Secret key (never printed)
    #[arg(long, env = "PUBNUB_SECRET_KEY", hide_env_values = true)]
    secret_key: String,
    /// Request path exactly as sent (already percent-encoded), e.g. /v3/pam/sub-c-1/grant.
    #[arg(long)]
    path: String,
    /// A query parameter as KEY=VALUE, raw (not percent-encoded); repeat for more.
    #[arg(long = "query", value_name = "KEY=VALUE")]
    query: Vec<String>,
    /// The request body, as text (POST/PATCH).
    #[arg(long, default_value = "")]
    body: String,
}

pub(crate) fn run(args: SignArgs) -> Result<ExitCode, Failure> {
    let pairs = args
        .query
        .iter()
        .map(|kv| {
            kv.split_once('=').ok_or_else(|| {
                Failure::input(format!(
                    "--query `{kv}`: expected KEY=VALUE (an `=` between the name and the value)"
                ))
            })
        })
        .collect::<Result<Vec<(&str, &str)>, _>>()?;
    if args.method.is_empty() || !args.method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Failure::input(format!(
            "--method `{}`: expected an HTTP method such as GET or POST",
            args.method
        )));
    }
    if !args.path.starts_with('/') {
        return Err(Failure::input(format!(
            "--path `{}`: expected an absolute path starting with `/`",
            args.path
        )));
    }
    let method = args.method.to_ascii_uppercase();
    let request = pam_sign::Request {
        method: &method,
        path: &args.path,
        query: &pairs,
        body: args.body.as_bytes(),
    };
    let key = pam_sign::SigningKey::new(args.publish_key, args.secret_key);
    crate::failure::println(&key.signature_for(&request))?;
    Ok(ExitCode::SUCCESS)
}
