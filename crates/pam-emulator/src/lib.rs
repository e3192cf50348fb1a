#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod access_manager;
mod app_context;
mod authentication;
mod channel_groups;
mod clock;
mod config;
mod connection_limits;
mod connections;
mod content_encoding;
mod enforcement;
mod error;
mod grant;
mod history;
mod journal;
mod keyset;
mod keyset_state;
pub mod limits;
mod message_store;
mod presence;
mod publish;
mod request;
mod response;
mod rest_request;
mod rest_routes;
mod revocations;
mod revoke;
mod routes;
mod server;
mod subscribe;

pub use access_manager::AccessManager;
pub use config::{DEFAULT_LISTEN, DEFAULT_TIMESTAMP_TOLERANCE_SECS, EmulatorConfig};
pub use connection_limits::ConnectionLimits;
pub use error::Error;
pub use keyset::{DEMO_PUBLISH_KEY, DEMO_SECRET_KEY, DEMO_SUBSCRIBE_KEY, Keyset};
/// Redaction is shared with the client: one rule, one placeholder (see [`pam_sign::redact_target`]).
pub use pam_sign::{REDACTED, redact_target};
pub use request::Request;
pub use response::{CONTENT_TYPE, Response};
pub use server::Emulator;
