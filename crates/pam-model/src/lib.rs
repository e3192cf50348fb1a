#![doc = include_str!("../README.md")]

mod body_decode;
mod body_encode;
mod category;
mod error_body;
mod grant;
mod kind;
pub mod limits;
mod meta;
mod pattern_rules;
mod permission;
pub mod permissions;
mod resource;
mod validate;
mod validation_error;

pub use category::CategoryKind;
pub use error_body::{ErrorBody, ErrorDetail};
pub use grant::GrantRequest;
pub use kind::ResourceKind;
pub use limits::Limit;
pub use meta::MetaValue;
pub use permission::{Permission, Permissions, UnknownPermission};
pub use resource::Resource;
pub use validation_error::ValidationError;
