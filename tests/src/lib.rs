//! Workspace-level tests of `pam`: the facade against the emulator end to end (`tests/e2e.rs`),
//! PubNub's acceptance features (`tests/acceptance/`), hardening (`tests/hardening*.rs`).
//!
//! The library itself holds one thing: the root README's Rust examples, compiled as doctests
//! so the README cannot drift from the API.

#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
mod readme {}
