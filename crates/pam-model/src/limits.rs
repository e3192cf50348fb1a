//! The bounds a grant must stay within, and which one was crossed.
//!
//! PubNub publishes only the ttl range. The other limits are this crate's own: they bound
//! the work an untrusted grant body can cause (parsing, regex analysis, token size) and are
//! generous for real grants. Both [`GrantRequest::validate`](crate::GrantRequest::validate)
//! (on the client, before sending) and
//! [`GrantRequest::from_body_json`](crate::GrantRequest::from_body_json) (on the emulator,
//! when receiving) enforce them, so both sides refuse the same requests.

use std::fmt;

/// The smallest ttl PubNub accepts, in minutes.
pub const MIN_TTL: u32 = 1;

/// The largest ttl PubNub accepts by default, in minutes (30 days).
pub const MAX_TTL: u32 = 43_200;

/// The largest grant body, in bytes, that is parsed. Checked on the raw bytes before parsing,
/// and on the canonical body ([`GrantRequest::to_body_json`](crate::GrantRequest::to_body_json))
/// by validation.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The most entries (resources and patterns together, every kind included) one grant may
/// name.
pub const MAX_ENTRIES: usize = 1_000;

/// The most `meta` entries one grant may carry.
pub const MAX_META_ENTRIES: usize = 100;

/// The longest resource name, meta key or authorized user id, in bytes (UTF-8).
pub const MAX_NAME_BYTES: usize = 1_024;

/// The longest regular-expression pattern, in bytes (UTF-8).
pub const MAX_PATTERN_BYTES: usize = 1_024;

/// How deeply groups, classes and repetitions may nest inside one pattern.
pub const MAX_PATTERN_NESTING: u32 = 32;

/// The largest count a counted repetition (`a{n}`, `a{n,m}`) may use. Python's own limit is
/// far higher; past this one the pattern is refused with Python's message for its limit,
/// `the repetition number is too large`.
pub const MAX_REPETITION_COUNT: u32 = 1_000;

/// The largest estimated expansion of a pattern: the number of atoms it would hold once every
/// counted repetition is unrolled (`(?:ab){3}` counts 6). Bounds the size of the automaton a
/// token checker compiles from it.
pub const MAX_PATTERN_EXPANSION: u64 = 10_000;

/// Which bound a grant crossed (see [`ValidationError::TooLarge`](crate::ValidationError::TooLarge)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// The body is longer than [`MAX_BODY_BYTES`].
    Body,
    /// More than [`MAX_ENTRIES`] resources and patterns.
    Entries,
    /// A resource name longer than [`MAX_NAME_BYTES`].
    ResourceName,
    /// A pattern longer than [`MAX_PATTERN_BYTES`].
    Pattern,
    /// More than [`MAX_META_ENTRIES`] meta entries.
    MetaEntries,
    /// A meta key longer than [`MAX_NAME_BYTES`].
    MetaKey,
    /// An authorized user id longer than [`MAX_NAME_BYTES`].
    AuthorizedUserId,
}

impl Limit {
    /// The largest value allowed.
    #[must_use]
    pub const fn max(self) -> usize {
        match self {
            Limit::Body => MAX_BODY_BYTES,
            Limit::Entries => MAX_ENTRIES,
            Limit::ResourceName | Limit::MetaKey | Limit::AuthorizedUserId => MAX_NAME_BYTES,
            Limit::Pattern => MAX_PATTERN_BYTES,
            Limit::MetaEntries => MAX_META_ENTRIES,
        }
    }

    /// What the limit counts: `bytes` or `entries`.
    #[must_use]
    pub const fn unit(self) -> &'static str {
        match self {
            Limit::Entries | Limit::MetaEntries => "entries",
            Limit::Body
            | Limit::ResourceName
            | Limit::Pattern
            | Limit::MetaKey
            | Limit::AuthorizedUserId => "bytes",
        }
    }
}

/// What is limited: `grant body`, `resources and patterns`, `resource name`, …
impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::Body => "grant body",
            Limit::Entries => "resources and patterns",
            Limit::ResourceName => "resource name",
            Limit::Pattern => "pattern",
            Limit::MetaEntries => "meta",
            Limit::MetaKey => "meta key",
            Limit::AuthorizedUserId => "authorized user id",
        })
    }
}
