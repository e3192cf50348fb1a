#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod access_manager;
mod app_context;
mod authentication;
mod clock;
mod config;
mod error;
mod grant;
mod journal;
mod keyset;
pub mod limits;
mod publish;
mod redact;
mod request;
mod response;
mod revocations;
mod revoke;
mod routes;
mod server;

pub use access_manager::AccessManager;
pub use config::{DEFAULT_LISTEN, DEFAULT_TIMESTAMP_TOLERANCE_SECS, EmulatorConfig};
pub use error::Error;
pub use keyset::{DEMO_PUBLISH_KEY, DEMO_SECRET_KEY, DEMO_SUBSCRIBE_KEY, Keyset};
pub use redact::{REDACTED, redact_target};
pub use request::Request;
pub use response::{CONTENT_TYPE, Response};
pub use server::Emulator;
