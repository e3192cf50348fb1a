//! What a grant asks for.

use std::collections::BTreeMap;

use crate::Resource;

/// A scalar value of grant `meta`. PubNub documents grant meta as scalar-only.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    /// A string.
    String(String),
    /// An integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// Null.
    Null,
}

/// A grant-token request: how long, on what, for whom, with which meta.
///
/// `resources` and `patterns` keep their order; an entry with no permission bits is kept (and
/// refused by validation with the server's own message), never dropped.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GrantRequest {
    /// Lifetime in minutes (PubNub accepts 1..=43200).
    pub ttl: u32,
    /// Explicitly named resources.
    pub resources: Vec<Resource>,
    /// Regular-expression patterns (the `name` of each entry is the pattern).
    pub patterns: Vec<Resource>,
    /// The only user id allowed to use the token, if any.
    pub authorized_user_id: Option<String>,
    /// Scalar meta embedded in the token.
    pub meta: BTreeMap<String, MetaValue>,
}
