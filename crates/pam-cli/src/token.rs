//! `pam token …`: parse, check, verify and issue tokens offline.

use std::process::ExitCode;

use crate::Failure;

/// Token subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum TokenCommand {}

pub(crate) fn run(cmd: TokenCommand) -> Result<ExitCode, Failure> {
    match cmd {}
}
