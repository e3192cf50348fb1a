//! What the emulator shows of itself: `Debug` output without secrets. (The request log is
//! checked in `tests/request_log.rs`, a binary of its own; see there why.)

use pam_emulator::{AccessManager, Request};

use super::support::config;

#[test]
fn debug_output_hides_secrets() {
    let manager = AccessManager::new(&config()).expect("valid config");
    let shown = format!("{manager:?} {:?}", config());
    assert!(!shown.contains(super::support::SECRET), "{shown}");
    let request = Request {
        method: "GET",
        path: "/publish/p/s/0/c/0/1",
        query: "auth=secret-token&uuid=u",
        headers: &[],
        body: b"",
    };
    let shown = format!("{request:?}");
    assert!(!shown.contains("secret-token"), "{shown}");
}
