//! The emulator over real loopback HTTP: each test starts its own emulator on an ephemeral
//! port, talks to it with a plain HTTP client (reqwest; not this project's SDK), signs with
//! `pam-sign`, and stops it.

mod emulator {
    pub(crate) mod support;

    mod app_context;
    mod channel_groups;
    mod concurrency;
    mod grant;
    mod history;
    mod hostile_clients;
    mod limits;
    mod logging;
    mod persistence;
    mod publish;
    mod revoke;
    mod robustness;
    mod sdk_requests;
    mod shared_vectors;
    mod subscribe;
    mod time;
    mod token_matrix;
}
