//! Why a grant is refused, and the body PubNub answers with for it.

use std::fmt;

use crate::limits::{Limit, MAX_TTL, MIN_TTL};
use crate::{CategoryKind, ErrorBody, ErrorDetail, ResourceKind};

/// Why a grant request is refused: by [`GrantRequest::validate`](crate::GrantRequest::validate)
/// or, for a body that is not a grant at all, by
/// [`GrantRequest::from_body_json`](crate::GrantRequest::from_body_json).
///
/// [`to_error_body`](ValidationError::to_error_body) gives the 400 body PubNub sends for it,
/// word for word where PubNub's text is known. `Display` is one line naming what was wrong and
/// where (the body location, e.g. `permissions.patterns.uuids.^a+$`).
///
/// [`DuplicateEntry`](ValidationError::DuplicateEntry) and
/// [`NonFiniteMeta`](ValidationError::NonFiniteMeta) are programmer errors: a request built in
/// code can hold them, a parsed body never does. Every other variant can come from untrusted
/// input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// The ttl is outside 1..=43200 minutes. Bodies with a negative or huge ttl report it
    /// saturated to the `i64` range.
    #[error("invalid ttl {ttl} at `ttl`: PubNub accepts {MIN_TTL} to {MAX_TTL} minutes")]
    InvalidTtl {
        /// The ttl that was given, in minutes.
        ttl: i64,
    },

    /// The grant names no channel, channel group or user id, neither as resource nor as
    /// pattern, and no category. Legacy user and space entries do not count: PubNub answers a
    /// grant holding only those with this same error.
    #[error(
        "the grant contains no permissions at `permissions`: it names no channel, channel group, user id or category"
    )]
    NoPermissions,

    /// A category is given a bitmask other than `get` (32), the only permission a category
    /// can hold (or, in a body, a value that is not an integer from 0 to 255).
    #[error("{category} has bitmask {} at `permissions.categories.{}`: a category can only hold `get` (32)", OneLine(.found), .category.plural_name())]
    InvalidCategoryPermissions {
        /// The category.
        category: CategoryKind,
        /// The value found, as JSON text or a type name (`64`, `0`, `a string`, …).
        found: String,
    },

    /// A body's `permissions.categories` names something other than `channels` or `uuids`.
    #[error("unknown category `{}` at `permissions.categories.{}`: expected `channels` or `uuids`", OneLine(.name), OneLine(.name))]
    UnknownCategory {
        /// The name found.
        name: String,
    },

    /// An entry grants nothing (bitmask 0). PubNub refuses it rather than dropping it.
    #[error("{kind} {} `{}` grants no permission (bitmask 0) at `{}`", noun(.pattern), OneLine(.name), EntryLocation::one_line(.kind, .name, .pattern))]
    ZeroPermissions {
        /// The entry's kind.
        kind: ResourceKind,
        /// The resource name or pattern.
        name: String,
        /// True for a pattern entry, false for a named resource.
        pattern: bool,
    },

    /// A body gave an entry a bitmask that is not an integer from 0 to 255.
    #[error("{kind} {} `{}` has bitmask {found} at `{}`: expected an integer from 1 to 255", noun(.pattern), OneLine(.name), EntryLocation::one_line(.kind, .name, .pattern))]
    InvalidBitmask {
        /// The entry's kind.
        kind: ResourceKind,
        /// The resource name or pattern.
        name: String,
        /// True for a pattern entry.
        pattern: bool,
        /// The value found, as JSON text or a type name (`a string`, `-1`, `1.5`, …).
        found: String,
    },

    /// The same kind and name appear twice in `resources` (or twice in `patterns`) of a
    /// request built by pushing to its fields directly. Programmer error: the adders merge
    /// such entries and parsing keeps one, so a body never produces it.
    #[error("{kind} {} `{}` is listed more than once at `{}`", noun(.pattern), OneLine(.name), EntryLocation::one_line(.kind, .name, .pattern))]
    DuplicateEntry {
        /// The entry's kind.
        kind: ResourceKind,
        /// The resource name or pattern.
        name: String,
        /// True for a pattern entry.
        pattern: bool,
    },

    /// A pattern is not a regular expression PubNub accepts. `reason` is worded as Python's
    /// `re` words it (`multiple repeat`, `unterminated character set`, …).
    #[error("{kind} pattern `{}` is not a valid regular expression at `{}`: {}", OneLine(.pattern), EntryLocation::one_line(.kind, .pattern, &true), OneLine(.reason))]
    InvalidRegex {
        /// The entry's kind.
        kind: ResourceKind,
        /// The pattern.
        pattern: String,
        /// What is wrong with it, without a trailing period.
        reason: String,
    },

    /// A pattern contains a capturing group (named groups included); PubNub only allows
    /// `(?:…)`.
    #[error("{kind} pattern `{}` has a capturing group at `{}`: only non-capturing groups `(?:…)` are allowed", OneLine(.pattern), EntryLocation::one_line(.kind, .pattern, &true))]
    CapturingGroup {
        /// The entry's kind.
        kind: ResourceKind,
        /// The pattern.
        pattern: String,
    },

    /// A meta value is an object or an array; grant meta is scalar-only.
    #[error(
        "meta value at `meta.{}` is an object or array: meta values must be strings, numbers, booleans or null",
        OneLine(.key)
    )]
    NestedMeta {
        /// The meta key.
        key: String,
    },

    /// A meta value is a NaN or infinite float, which JSON cannot carry. Programmer error:
    /// a parsed body never produces it.
    #[error("meta value at `meta.{}` is not a finite number", OneLine(.key))]
    NonFiniteMeta {
        /// The meta key.
        key: String,
    },

    /// The body is not JSON, or not shaped like a grant body: a syntax error, a value of the
    /// wrong type, an unknown resource type, a missing ttl.
    #[error("invalid grant body at `{}`: {}", OneLine(.location), OneLine(.reason))]
    InvalidJson {
        /// Where: `<root>` for syntax errors, else a body path such as `ttl`.
        location: String,
        /// What was wrong, without a trailing period.
        reason: String,
    },

    /// A bound of [`limits`](crate::limits) was crossed. When parsing stops at the first
    /// entry past a count limit, `found` is that limit plus one.
    #[error("{limit} too large at `{}`: {found} {}, at most {} allowed", OneLine(.location), .limit.unit(), .limit.max())]
    TooLarge {
        /// Which bound.
        limit: Limit,
        /// The size or count found.
        found: usize,
        /// Where: a body path such as `permissions.resources.channels`, or `<root>`.
        location: String,
    },
}

impl ValidationError {
    /// The body location PubNub reports for this error: `ttl`, `permissions`,
    /// `permissions.resources.uuids.uuid-1`, `meta.<key>`, `<root>`, …
    #[must_use]
    pub fn location(&self) -> String {
        match self {
            ValidationError::InvalidTtl { .. } => "ttl".to_owned(),
            ValidationError::NoPermissions => "permissions".to_owned(),
            ValidationError::ZeroPermissions {
                kind,
                name,
                pattern,
            }
            | ValidationError::InvalidBitmask {
                kind,
                name,
                pattern,
                ..
            }
            | ValidationError::DuplicateEntry {
                kind,
                name,
                pattern,
            } => EntryLocation::new(kind, name, pattern).to_string(),
            ValidationError::InvalidRegex { kind, pattern, .. }
            | ValidationError::CapturingGroup { kind, pattern } => {
                EntryLocation::new(kind, pattern, &true).to_string()
            }
            ValidationError::NestedMeta { key } | ValidationError::NonFiniteMeta { key } => {
                format!("meta.{key}")
            }
            ValidationError::InvalidCategoryPermissions { category, .. } => {
                format!("permissions.categories.{}", category.plural_name())
            }
            ValidationError::UnknownCategory { name } => format!("permissions.categories.{name}"),
            ValidationError::InvalidJson { location, .. }
            | ValidationError::TooLarge { location, .. } => location.clone(),
        }
    }

    /// The 400 body PubNub answers with: source `grant`, one detail with `locationType`
    /// `body`.
    ///
    /// Texts of the ttl, no-permissions, zero-bitmask, regex-syntax and capturing-group
    /// errors are PubNub's own. PubNub's text for the others is not known; they follow the
    /// same style: headline `Invalid permissions` (bitmask, duplicate, category, entry-count
    /// and name limits), `Invalid RegExp` (pattern limits), `Invalid meta` (meta), `Invalid uuid`
    /// (authorized user id limit) or `Invalid JSON` (body syntax, shape and size), and a
    /// detail such as ``Unexpected value: `meta.k` must be a string, number, boolean or
    /// null.``
    #[must_use]
    pub fn to_error_body(&self) -> ErrorBody {
        let location = self.location();
        let (message, detail) = match self {
            ValidationError::InvalidTtl { .. } => (
                "Invalid ttl",
                format!("Range should be {MIN_TTL} to {MAX_TTL} minute(s)."),
            ),
            ValidationError::NoPermissions => (
                "This grant contains no permissions",
                "What are you granting?".to_owned(),
            ),
            ValidationError::ZeroPermissions { .. } => (
                "Invalid permissions",
                format!("Unexpected value: `{location}` must be positive and non-zero."),
            ),
            ValidationError::InvalidBitmask { .. } => (
                "Invalid permissions",
                format!("Unexpected value: `{location}` must be an integer from 1 to 255."),
            ),
            ValidationError::InvalidCategoryPermissions { category, .. } => (
                "Invalid permissions",
                format!(
                    "Unexpected value: `{location}` must be 32 (get): the only permission the {category} can hold."
                ),
            ),
            ValidationError::UnknownCategory { .. } => (
                "Invalid permissions",
                format!("Unexpected key: `{location}` is not a category (channels, uuids)."),
            ),
            ValidationError::DuplicateEntry { .. } => (
                "Invalid permissions",
                format!("Unexpected value: `{location}` is given more than once."),
            ),
            ValidationError::InvalidRegex { reason, .. } => {
                ("Invalid RegExp", format!("Syntax error: {reason}."))
            }
            ValidationError::CapturingGroup { .. } => (
                "Invalid RegExp",
                "Only non-capturing groups are allowed. Try replacing `(` with `(?:`.".to_owned(),
            ),
            ValidationError::NestedMeta { .. } => (
                "Invalid meta",
                format!(
                    "Unexpected value: `{location}` must be a string, number, boolean or null."
                ),
            ),
            ValidationError::NonFiniteMeta { .. } => (
                "Invalid meta",
                format!("Unexpected value: `{location}` must be a finite number."),
            ),
            ValidationError::InvalidJson { reason, .. } => ("Invalid JSON", format!("{reason}.")),
            ValidationError::TooLarge { limit, found, .. } => (
                too_large_headline(*limit),
                format!(
                    "{} is too large: {found} {}, at most {} allowed.",
                    capitalized(*limit),
                    limit.unit(),
                    limit.max()
                ),
            ),
        };
        ErrorBody::new(
            400,
            message,
            "grant",
            ErrorDetail::new(detail, location, "body"),
        )
    }
}

fn too_large_headline(limit: Limit) -> &'static str {
    match limit {
        Limit::Body => "Invalid JSON",
        Limit::Pattern => "Invalid RegExp",
        Limit::MetaEntries | Limit::MetaKey => "Invalid meta",
        Limit::AuthorizedUserId => "Invalid uuid",
        Limit::Entries | Limit::ResourceName => "Invalid permissions",
    }
}

fn capitalized(limit: Limit) -> String {
    let text = limit.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

fn noun(pattern: &bool) -> &'static str {
    if *pattern { "pattern" } else { "resource" }
}

/// `permissions.<resources|patterns>.<plural kind>.<name>`, written without allocating.
pub(crate) struct EntryLocation<'a> {
    kind: ResourceKind,
    name: &'a str,
    pattern: bool,
    one_line: bool,
}

impl<'a> EntryLocation<'a> {
    /// The location as PubNub reports it, name verbatim.
    pub(crate) fn new(kind: &ResourceKind, name: &'a str, pattern: &bool) -> Self {
        EntryLocation {
            kind: *kind,
            name,
            pattern: *pattern,
            one_line: false,
        }
    }

    /// The location for messages: control characters of the name escaped.
    pub(crate) fn one_line(kind: &ResourceKind, name: &'a str, pattern: &bool) -> Self {
        EntryLocation {
            one_line: true,
            ..EntryLocation::new(kind, name, pattern)
        }
    }
}

impl fmt::Display for EntryLocation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "permissions.{}.{}.",
            section_name(self.pattern),
            self.kind.plural_name()
        )?;
        if self.one_line {
            write!(f, "{}", OneLine(self.name))
        } else {
            f.write_str(self.name)
        }
    }
}

/// Untrusted text inside a message: control characters (newlines included) escaped as
/// `\n`, `\u{1b}`, …, so a message stays one line and cannot forge log lines.
pub(crate) struct OneLine<'a>(pub(crate) &'a str);

impl fmt::Display for OneLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(char::is_control) {
            f.write_str(&rest[..at])?;
            let mut chars = rest[at..].chars();
            if let Some(control) = chars.next() {
                write!(f, "{}", control.escape_debug())?;
            }
            rest = chars.as_str();
        }
        f.write_str(rest)
    }
}

/// `patterns` or `resources`: the body key of one half of a grant.
pub(crate) const fn section_name(pattern: bool) -> &'static str {
    if pattern { "patterns" } else { "resources" }
}
