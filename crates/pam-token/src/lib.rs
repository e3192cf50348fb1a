#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
//!
//! # Authorization
//!
//! [`Token::authorize`] decides an [`AccessRequest`] in this order:
//! 1. expired (`now >= t + ttl * 60`): [`Decision::Expired`];
//! 2. the token names an authorized user id and the request's differs or is missing:
//!    [`Decision::UserMismatch`];
//! 3. the name has an entry in `res` for its category: that entry alone decides
//!    ([`Decision::Allowed`] or [`Decision::MissingPermissions`]);
//! 4. otherwise the first `pat` entry of that category, in token order, whose regex matches the
//!    name anywhere (unanchored, as [`regex::Regex::is_match`]) decides; a pattern that does
//!    not compile before a match is [`Decision::InvalidPattern`];
//! 5. nothing matched: [`Decision::NoMatch`].
//!
//! [`Operation::requirements`] says which permission each PubNub operation needs.
//!
//! # Features
//!
//! Both are on by default; without them the crate parses, issues and verifies tokens only.
//! - `authorize`: [`Token::authorize`], [`AccessRequest`], [`Decision`], [`check_patterns`]
//!   (brings in `regex`);
//! - `json`: [`Token::to_json`], [`Meta::to_json`] / [`Meta::from_json`], and `Serialize` for
//!   [`Token`], [`Meta`] and [`MetaMap`] (brings in `serde` and `serde_json`).

#[cfg(feature = "authorize")]
mod authorize;
mod base64url;
mod cbor_reader;
mod cbor_writer;
mod error;
mod issue;
#[cfg(feature = "json")]
mod json_view;
mod limits;
mod meta;
#[cfg(feature = "json")]
mod meta_json;
mod meta_reader;
mod operation;
mod parse;
#[cfg(feature = "authorize")]
mod pattern_check;
mod token;
mod verify;

#[cfg(feature = "authorize")]
pub use authorize::{AccessRequest, Decision, MatchedBy};
pub use error::Error;
pub use issue::{TokenBuilder, issue};
pub use limits::{
    MAX_CBOR_LEN, MAX_COMPILED_PATTERNS, MAX_ITEMS, MAX_META_DEPTH, MAX_TOKEN_LEN,
    PATTERN_DFA_SIZE_LIMIT, PATTERN_NEST_LIMIT, PATTERN_SIZE_LIMIT,
};
pub use meta::{Meta, MetaMap};
pub use operation::{Operation, Requirement, UnknownOperation};
pub use parse::{parse, parse_cbor};
#[cfg(feature = "authorize")]
pub use pattern_check::{PatternError, check_patterns};
pub use token::{Category, CategoryGrants, Entry, Grants, Token};
pub use verify::{verify, verify_cbor, verify_signature, verify_signature_cbor};

/// The vocabulary tokens are made of, re-exported from `pam-model`.
pub use pam_model::{CategoryKind, GrantRequest, Permission, Permissions, Resource, ResourceKind};
