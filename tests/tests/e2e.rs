//! End-to-end tests of the `pam` facade: against the local Access Manager emulator
//! (`facade`, `errors`), and against a misbehaving loopback server (`faults`, `wire`).
//!
//! One test binary with modules keeps link times down. Every server is started on an
//! ephemeral loopback port by the test that uses it, and stopped when the test ends.

#[path = "e2e/categories.rs"]
mod categories;
#[path = "e2e/error_sources.rs"]
mod error_sources;
#[path = "e2e/errors.rs"]
mod errors;
#[path = "e2e/facade.rs"]
mod facade;
#[path = "e2e/faults.rs"]
mod faults;
#[path = "e2e/faulty_server.rs"]
mod faulty_server;
#[path = "e2e/fixture.rs"]
mod fixture;
#[path = "e2e/patterns.rs"]
mod patterns;
#[path = "e2e/token_log.rs"]
mod token_log;
#[path = "e2e/token_refresh.rs"]
mod token_refresh;
#[path = "e2e/token_schedule.rs"]
mod token_schedule;
#[path = "e2e/wire.rs"]
mod wire;
