//! Hardening at workspace level (issue 6).
//!
//! - Secrets never leak: the logs of the whole stack (client, transport, HTTP server,
//!   emulator) captured over loopback; `Debug` and `Display` of every public type that holds a
//!   secret key or a token; the messages of every error a secret or token can reach.
//! - Properties across crates: a grant request's JSON body, answered by the emulator, gives a
//!   token that parses back to what was granted; the query a client encodes is what the
//!   server decodes and verifies, in any order, and any change to it is caught.
//! - One token, many strings: every encoding that verifies stays revoked once the token is.
//! - Limits: each bound of the README's "Limits" table lets its limit through and answers one
//!   past it with the error the table names.
//!
//! One test binary with modules keeps link times down. Servers are started on ephemeral
//! loopback ports by the tests that use them and stopped when they end.

#[path = "hardening/canonical_query.rs"]
mod canonical_query;
#[path = "hardening/grant_round_trip.rs"]
mod grant_round_trip;
#[path = "hardening/leak_check.rs"]
mod leak_check;
#[path = "hardening/limits.rs"]
mod limits;
#[path = "hardening/one_answer_server.rs"]
mod one_answer_server;
#[path = "hardening/secrets_in_debug.rs"]
mod secrets_in_debug;
#[path = "hardening/secrets_in_errors.rs"]
mod secrets_in_errors;
#[path = "hardening/secrets_in_logs.rs"]
mod secrets_in_logs;
#[path = "hardening/signed_call.rs"]
mod signed_call;
#[path = "hardening/token_variants.rs"]
mod token_variants;
