//! `pam`: the command-line tool for PubNub Access Manager v3 tokens.
//!
//! Thin over the libraries: argument parsing and printing live here, everything else in
//! `pam-token`, `pam-sign`, `pam` (the client) and `pam-emulator`.
//!
//! Exit codes: 0 success (for `token check`: allowed), 1 denied / a step failed, 2 bad input
//! or error (one clear line on stderr, never a backtrace).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bounded_stdin;
mod connection;
mod demo;
mod failure;
mod grant;
mod grant_flags;
mod keys;
mod publish;
mod revoke;
mod secret_key;
mod serve;
mod sign;
mod time_text;
mod token;

use failure::Failure;

/// PubNub Access Manager v3 tokens: parse, check, verify, issue, sign, grant, revoke, publish,
/// a local server and a demo.
#[derive(Debug, Parser)]
#[command(name = "pam", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse, check, verify and issue tokens offline.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Compute a request signature (v2).
    Sign(sign::SignArgs),
    /// Run a local Access Manager (grant, revoke, publish, subscribe, history, presence, channel groups) for development and CI.
    Serve(serve::ServeArgs),
    /// Grant a token through Access Manager (needs the secret key) and print it.
    Grant(grant::GrantArgs),
    /// Revoke a token through Access Manager (needs the secret key).
    Revoke(revoke::RevokeArgs),
    /// Publish a message with a token, as a client (exit 1 when the token is refused).
    Publish(publish::PublishArgs),
    /// Walk through a token's life against a local Access Manager started in-process.
    Demo(demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print and exit 0; real usage errors exit 2 (clap's own code).
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let outcome = match cli.command {
        Command::Token(cmd) => token::run(cmd),
        Command::Sign(args) => sign::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Grant(args) => grant::run(args),
        Command::Revoke(args) => revoke::run(args),
        Command::Publish(args) => publish::run(args),
        Command::Demo(args) => demo::run(args),
    };
    match outcome {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("pam: {failure}");
            ExitCode::from(2)
        }
    }
}
