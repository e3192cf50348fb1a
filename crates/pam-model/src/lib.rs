#![doc = include_str!("../README.md")]

mod error_body;
mod grant;
mod kind;
mod permission;
pub mod permissions;
mod resource;

pub use error_body::{ErrorBody, ErrorDetail};
pub use grant::{GrantRequest, MetaValue};
pub use kind::ResourceKind;
pub use permission::{Permission, Permissions, UnknownPermission};
pub use resource::Resource;
