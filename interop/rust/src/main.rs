//! Interop flows of the official Rust `pubnub` crate (0.9.0) against a running `pam serve`.
//!
//! Started by `cargo xtask interop` with the environment described in interop/README.md. Every
//! flow is an `async fn(&mut Context) -> Result<(), String>` listed in [`FLOWS`] order in
//! `main`; a flow reports each check with [`Context::check`], whose lines (`ok NAME` /
//! `FAIL NAME<TAB>why`) are what the harness counts. An `Err` from a flow is one failed check.
//! To add flows, write a module `flows_*.rs` with such functions and list them in `main`.

mod flows_access;
mod flows_realtime;

use pubnub::transport::TransportReqwest;
use pubnub::{Keyset, PubNubClient, PubNubClientBuilder};

/// What a flow needs: the servers, the keysets, the `pam` binary, and `check`.
#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) origin: String,
    pub(crate) skewed_origin: String,
    pub(crate) sub: String,
    pub(crate) publish: String,
    pub(crate) secret: String,
    pub(crate) sub_norevoke: String,
    pub(crate) pub_norevoke: String,
    pub(crate) secret_norevoke: String,
    pub(crate) pam_bin: String,
    flow: &'static str,
    failures: usize,
}

/// Which keyset, secret and server a client uses.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientOptions<'a> {
    /// The secret key, or `None` for a client without one.
    pub(crate) secret: Option<&'a str>,
    pub(crate) sub: Option<&'a str>,
    pub(crate) publish: Option<&'a str>,
    pub(crate) origin: Option<&'a str>,
}

impl Context {
    fn from_env() -> Result<Context, String> {
        let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
        Ok(Context {
            origin: var("PAM_ORIGIN")?,
            skewed_origin: var("PAM_SKEWED_ORIGIN")?,
            sub: var("PAM_SUB")?,
            publish: var("PAM_PUB")?,
            secret: var("PAM_SECRET")?,
            sub_norevoke: var("PAM_SUB_NOREVOKE")?,
            pub_norevoke: var("PAM_PUB_NOREVOKE")?,
            secret_norevoke: var("PAM_SECRET_NOREVOKE")?,
            pam_bin: var("PAM_BIN")?,
            flow: "",
            failures: 0,
        })
    }

    /// Options for a client of the main keyset with its secret key, on the main server.
    pub(crate) fn admin(&self) -> ClientOptions<'_> {
        ClientOptions {
            secret: Some(&self.secret),
            sub: None,
            publish: None,
            origin: None,
        }
    }

    /// A client for `user_id` pointed at the emulator over plain HTTP.
    pub(crate) fn client(
        &self,
        user_id: &str,
        options: ClientOptions<'_>,
    ) -> Result<PubNubClient, String> {
        let mut transport = TransportReqwest::new();
        transport.set_hostname(format!("http://{}", options.origin.unwrap_or(&self.origin)));
        PubNubClientBuilder::with_transport(transport)
            .with_keyset(Keyset {
                subscribe_key: options.sub.unwrap_or(&self.sub).to_owned(),
                publish_key: Some(options.publish.unwrap_or(&self.publish).to_owned()),
                secret_key: options.secret.map(str::to_owned),
            })
            .with_user_id(user_id)
            .build()
            .map_err(|e| format!("client: {e}"))
    }

    /// `pam token parse --json TOKEN`.
    pub(crate) fn pam_parse(&self, token: &str) -> Result<serde_json::Value, String> {
        let output = std::process::Command::new(&self.pam_bin)
            .args(["token", "parse", "--json", token])
            .output()
            .map_err(|e| format!("{}: {e}", self.pam_bin))?;
        if !output.status.success() {
            return Err(format!(
                "pam token parse: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        serde_json::from_slice(&output.stdout).map_err(|e| format!("pam token parse: {e}"))
    }

    /// Reports that `outcome` succeeded, with the outcome as the detail otherwise.
    pub(crate) fn check_ok<T: std::fmt::Debug, E: std::fmt::Debug>(
        &mut self,
        name: &str,
        outcome: &Result<T, E>,
    ) {
        self.check(name, outcome.is_ok(), format!("{outcome:?}"));
    }

    /// Reports that `outcome` was refused with HTTP `status` (an error `(status, message)`).
    pub(crate) fn check_refused<T: std::fmt::Debug>(
        &mut self,
        name: &str,
        status: u16,
        outcome: &Result<T, (u16, String)>,
    ) {
        let refused = matches!(outcome, Err((seen, _)) if *seen == status);
        self.check(name, refused, format!("{outcome:?}"));
    }

    /// Reports one check.
    pub(crate) fn check(&mut self, name: &str, passed: bool, detail: impl std::fmt::Display) {
        if passed {
            println!("ok {}: {name}", self.flow);
        } else {
            self.failures += 1;
            let detail: String = detail
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let detail: String = detail.chars().take(400).collect();
            println!("FAIL {}: {name}\t{detail}", self.flow);
        }
    }
}

/// Runs each listed flow with its name set for the check lines.
macro_rules! run_flows {
    ($ctx:expr, $($module:ident::$flow:ident),* $(,)?) => {
        $(
            $ctx.flow = stringify!($flow);
            if let Err(error) = $module::$flow(&mut $ctx).await {
                $ctx.check("runs to the end", false, error);
            }
        )*
    };
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut ctx = match Context::from_env() {
        Ok(ctx) => ctx,
        Err(error) => {
            println!("FAIL setup: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    run_flows!(
        ctx,
        flows_access::grant_and_parse,
        flows_access::publish_with_token,
        flows_access::server_signed_publish,
        flows_access::revoke,
        flows_access::errors,
        flows_realtime::subscribe_receives_what_another_client_published,
        flows_realtime::revoked_token_cannot_subscribe,
    );
    if ctx.failures == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
