//! Where `pam token issue` and `pam token verify` get the secret key.
//!
//! A secret on the command line is visible to every user of the machine (`ps`, `/proc`) and
//! lands in shell history, so these commands read it, in order, from:
//!
//! 1. `--secret-key KEY`, still accepted for scripts that pass it, with a warning on stderr;
//! 2. the `PUBNUB_SECRET_KEY` environment variable;
//! 3. standard input (`pam token issue … < key-file`, or a pipe from a secret manager), read up
//!    to [`MAX_SECRET_KEY_LEN`] bytes, surrounding whitespace and the final newline removed.
//!
//! Standard input is not read when it is a terminal (the key would be echoed on screen and
//! kept in the scrollback) or when it already carries the token (`pam token verify -`): the
//! error then says to set `PUBNUB_SECRET_KEY`.

use std::io::IsTerminal;

use crate::Failure;
use crate::bounded_stdin;
use crate::failure::eprintln;

/// The environment variable read when `--secret-key` is not given.
pub(crate) const ENV_VAR: &str = "PUBNUB_SECRET_KEY";

/// Standard input longer than this is refused: no PubNub secret key comes close.
pub(crate) const MAX_SECRET_KEY_LEN: usize = 4096;

/// The warning printed when the secret key comes from the command line.
pub(crate) const COMMAND_LINE_WARNING: &str = "pam: warning: --secret-key puts the secret key in \
the process list and the shell history; set PUBNUB_SECRET_KEY or pipe the key on standard input \
instead";

/// The `--secret-key` flag of the offline token commands.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SecretKeyArg {
    /// Secret key on the command line: discouraged (other users see it in `ps`, the shell keeps
    /// it in history) and warned about. By default the key is read from PUBNUB_SECRET_KEY,
    /// else from standard input.
    #[arg(long, value_name = "KEY")]
    secret_key: Option<String>,
}

impl SecretKeyArg {
    /// The secret key, from the flag, `PUBNUB_SECRET_KEY` or standard input (see the module
    /// docs). `stdin_holds_token` is true when the token itself is read from standard input.
    pub(crate) fn resolve(self, stdin_holds_token: bool) -> Result<String, Failure> {
        if let Some(key) = self.secret_key {
            eprintln(COMMAND_LINE_WARNING);
            return non_empty(key, "--secret-key");
        }
        match std::env::var(ENV_VAR) {
            Ok(key) => return non_empty(key, ENV_VAR),
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Failure::input(format!("{ENV_VAR} is not valid UTF-8")));
            }
            Err(std::env::VarError::NotPresent) => {}
        }
        if stdin_holds_token {
            return Err(Failure::input(format!(
                "no secret key: standard input carries the token (`-`), so set {ENV_VAR}"
            )));
        }
        if std::io::stdin().is_terminal() {
            return Err(Failure::input(format!(
                "no secret key: set {ENV_VAR} or pipe the key on standard input \
                 (`… < key-file`); it is not read from a terminal, where it would be echoed"
            )));
        }
        let key = bounded_stdin::read(MAX_SECRET_KEY_LEN, "secret key")?;
        non_empty(key, "standard input")
    }
}

/// `key` without surrounding whitespace, or an error naming `source` when nothing is left.
fn non_empty(key: String, source: &str) -> Result<String, Failure> {
    let trimmed = key.trim();
    if trimmed.is_empty() {
        let hint = if source == "standard input" {
            format!("; set {ENV_VAR} or pipe the key on standard input")
        } else {
            String::new()
        };
        return Err(Failure::input(format!(
            "no secret key: {source} is empty{hint}"
        )));
    }
    Ok(trimmed.to_owned())
}
