//! Offline authorization: does this token allow this request?
//!
//! The rules, in order:
//! 1. expired (`now >= t + ttl*60`): denied;
//! 2. the token names an authorized user id and the request's differs or is missing: denied;
//! 3. the name has an entry in `res` for its category: that entry alone decides;
//! 4. otherwise the first `pat` entry of that category, in token order, whose regex matches
//!    the name anywhere (unanchored, as [`regex::Regex::is_match`]) decides;
//! 5. nothing matched: denied.
//!
//! PubNub does not document steps 3 and 4; they follow PubNub's own offline checkers. This
//! module is the only place that encodes them, so the emulator and the CLI cannot disagree.
//!
//! A request for a whole category ([`AccessRequest::category`]: listing all channel or all
//! uuid metadata) goes through steps 1 and 2 and is then decided by the token's `cat` alone:
//! no resource or pattern entry grants a listing.

use std::fmt;
use std::sync::OnceLock;

use pam_model::{CategoryKind, Permissions, ResourceKind};
use regex::{Regex, RegexBuilder};

use crate::token::Token;
use crate::{
    Entry, MAX_COMPILED_PATTERNS, PATTERN_DFA_SIZE_LIMIT, PATTERN_NEST_LIMIT, PATTERN_SIZE_LIMIT,
};

/// One request to check: a permission (or several) on one named resource, made by a user id
/// at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessRequest<'a> {
    /// The kind of resource.
    pub kind: ResourceKind,
    /// Its name: a channel, a channel group, a user id.
    pub name: &'a str,
    /// The permissions needed; all of them must be granted.
    pub permissions: Permissions,
    /// The user id making the request, if known.
    pub user_id: Option<&'a str>,
    /// The time of the request, in Unix seconds.
    pub now: u64,
    /// A request for a whole category (`cat`) rather than a named resource: set by
    /// [`AccessRequest::category`]; `kind` and `name` are then not consulted.
    pub category: Option<CategoryKind>,
}

impl<'a> AccessRequest<'a> {
    /// A request for `permissions` (one [`Permission`](pam_model::Permission) or a set) on
    /// `name` at `now`, by no particular user id.
    #[must_use]
    pub fn new(
        kind: ResourceKind,
        name: &'a str,
        permissions: impl Into<Permissions>,
        now: u64,
    ) -> Self {
        AccessRequest {
            kind,
            name,
            permissions: permissions.into(),
            user_id: None,
            now,
            category: None,
        }
    }

    /// A request for `get` on the whole category `category` at `now`: listing all channel
    /// metadata (`channels`) or all uuid metadata (`uuids`). Only the token's `cat` can allow
    /// it; `kind` is set to the kind the category lists and `name` to `""`.
    #[must_use]
    pub fn category(category: CategoryKind, now: u64) -> Self {
        AccessRequest {
            kind: category.resource_kind(),
            name: "",
            permissions: category.grantable(),
            user_id: None,
            now,
            category: Some(category),
        }
    }

    /// The same request, made by `user_id`.
    #[must_use]
    pub fn by(mut self, user_id: &'a str) -> Self {
        self.user_id = Some(user_id);
        self
    }
}

/// The entry that decided a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy<'a> {
    /// An explicit entry of `res` with the requested name.
    Resource(Entry<'a>),
    /// A `pat` entry whose regex matched the requested name.
    Pattern(Entry<'a>),
}

impl<'a> MatchedBy<'a> {
    /// The entry.
    #[must_use]
    pub fn entry(&self) -> Entry<'a> {
        match self {
            MatchedBy::Resource(e) | MatchedBy::Pattern(e) => *e,
        }
    }

    /// The bits the entry grants.
    #[must_use]
    pub fn granted(&self) -> Permissions {
        self.entry().permissions
    }
}

impl fmt::Display for MatchedBy<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatchedBy::Resource(e) => write!(f, "resource entry {:?}", e.name),
            MatchedBy::Pattern(e) => write!(f, "pattern entry {:?}", e.name),
        }
    }
}

/// The answer to an [`AccessRequest`], with the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision<'a> {
    /// Allowed: `by` grants every permission in `needed`.
    Allowed {
        /// The kind of resource requested.
        kind: ResourceKind,
        /// The name requested.
        name: &'a str,
        /// The permissions requested.
        needed: Permissions,
        /// The entry that decided.
        by: MatchedBy<'a>,
    },
    /// Denied: the token expired at `expired_at` (`now >= expired_at`).
    Expired {
        /// `t + ttl * 60`.
        expired_at: u64,
        /// The request's time.
        now: u64,
    },
    /// Denied: the token may only be used by `authorized`.
    UserMismatch {
        /// The token's authorized user id.
        authorized: &'a str,
        /// The request's user id, if it had one.
        requested_by: Option<&'a str>,
    },
    /// Denied: no resource or pattern entry names or matches the resource.
    NoMatch {
        /// The kind of resource requested.
        kind: ResourceKind,
        /// The name requested.
        name: &'a str,
    },
    /// Denied: the deciding entry lacks some of the permissions requested.
    MissingPermissions {
        /// The kind of resource requested.
        kind: ResourceKind,
        /// The name requested.
        name: &'a str,
        /// The permissions requested.
        needed: Permissions,
        /// The entry that decided.
        by: MatchedBy<'a>,
    },
    /// Allowed: the token's `cat` grants every permission in `needed` on `category`.
    CategoryAllowed {
        /// The category requested.
        category: CategoryKind,
        /// The permissions requested.
        needed: Permissions,
        /// What the token's `cat` grants on it.
        granted: Permissions,
    },
    /// Denied: the token's `cat` lacks the category (`granted` is `None`) or some of the
    /// permissions requested on it.
    MissingCategory {
        /// The category requested.
        category: CategoryKind,
        /// The permissions requested.
        needed: Permissions,
        /// What the token's `cat` grants on it, if it has it.
        granted: Option<Permissions>,
    },
    /// Denied: a pattern before any match, in token order, is not a valid regex (or exceeds the
    /// size limits), so whether it matches is unknown.
    InvalidPattern {
        /// The kind of resource requested.
        kind: ResourceKind,
        /// The name requested.
        name: &'a str,
        /// The pattern's text.
        pattern: &'a str,
        /// Why it does not compile.
        reason: &'a str,
    },
}

impl Decision<'_> {
    /// True when the request is allowed.
    #[must_use]
    pub fn is_allowed(&self) -> bool {
        matches!(
            self,
            Decision::Allowed { .. } | Decision::CategoryAllowed { .. }
        )
    }

    /// The permissions requested that the deciding entry does not grant (all of them when no
    /// entry decided, none when allowed or denied for another reason).
    #[must_use]
    pub fn missing(&self) -> Permissions {
        match self {
            Decision::MissingPermissions { needed, by, .. } => needed.difference(by.granted()),
            Decision::MissingCategory {
                needed, granted, ..
            } => needed.difference(granted.unwrap_or(Permissions::NONE)),
            _ => Permissions::NONE,
        }
    }

    /// The message PubNub's server puts in a 403 body for this denial (`Token is expired.`
    /// or `Forbidden`); `None` when allowed.
    #[must_use]
    pub fn server_message(&self) -> Option<&'static str> {
        match self {
            Decision::Allowed { .. } | Decision::CategoryAllowed { .. } => None,
            Decision::Expired { .. } => Some("Token is expired."),
            _ => Some("Forbidden"),
        }
    }
}

/// One line: `allowed: …` or `denied: …`, with the reason.
impl fmt::Display for Decision<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Allowed {
                kind,
                name,
                needed,
                by,
            } => write!(
                f,
                "allowed: {kind} {name:?} needs {needed}; {by} grants {}",
                by.granted()
            ),
            Decision::Expired { expired_at, now } => write!(
                f,
                "denied: token expired at {expired_at} (now {now}, {}s later)",
                now.saturating_sub(*expired_at)
            ),
            Decision::UserMismatch {
                authorized,
                requested_by: Some(by),
            } => write!(
                f,
                "denied: token is restricted to user id {authorized:?}; the request was made by {by:?}"
            ),
            Decision::UserMismatch {
                authorized,
                requested_by: None,
            } => write!(
                f,
                "denied: token is restricted to user id {authorized:?}; the request names no user id"
            ),
            Decision::NoMatch { kind, name } => write!(
                f,
                "denied: no resource or pattern entry of the token covers {kind} {name:?}"
            ),
            Decision::MissingPermissions {
                kind,
                name,
                needed,
                by,
            } => write!(
                f,
                "denied: {kind} {name:?} needs {needed}; {by} grants {} (missing {})",
                by.granted(),
                needed.difference(by.granted())
            ),
            Decision::CategoryAllowed {
                category,
                needed,
                granted,
            } => write!(
                f,
                "allowed: listing needs {needed} on the {category}; the token's `cat.{}` grants {granted}",
                category.token_key()
            ),
            Decision::MissingCategory {
                category,
                needed,
                granted: None,
            } => write!(
                f,
                "denied: listing needs {needed} on the {category} (`cat.{}`); the token has no {category} (resource and pattern entries never grant a listing)",
                category.token_key()
            ),
            Decision::MissingCategory {
                category,
                needed,
                granted: Some(granted),
            } => write!(
                f,
                "denied: listing needs {needed} on the {category}; the token's `cat.{}` grants {granted} (missing {})",
                category.token_key(),
                needed.difference(*granted)
            ),
            Decision::InvalidPattern {
                kind,
                name,
                pattern,
                reason,
            } => write!(
                f,
                "denied: cannot decide {kind} {name:?}: pattern {pattern:?} does not compile ({reason})"
            ),
        }
    }
}

/// The token's patterns in the order of the pattern entries (stored back to back in
/// `Token::entries`), each compiled the first time a request reaches it; an error says why it
/// does not compile.
pub(crate) type CompiledPatterns = Box<[OnceLock<Result<Regex, String>>]>;

impl Token {
    /// Decides `request` by the rules in the [crate docs](crate#authorization).
    ///
    /// A pattern is compiled the first time a request reaches it, within
    /// [`PATTERN_SIZE_LIMIT`] and for the first [`MAX_COMPILED_PATTERNS`] patterns of the
    /// token, and kept: later requests, and clones made after that, reuse it. Deciding
    /// allocates nothing once the patterns it reaches are compiled.
    #[must_use]
    pub fn authorize<'a>(&'a self, request: &AccessRequest<'a>) -> Decision<'a> {
        if request.now >= self.expires_at {
            return Decision::Expired {
                expired_at: self.expires_at,
                now: request.now,
            };
        }
        if let Some(authorized) = self.authorized_user_id() {
            if request.user_id != Some(authorized) {
                return Decision::UserMismatch {
                    authorized,
                    requested_by: request.user_id,
                };
            }
        }
        if let Some(category) = request.category {
            let needed = request.permissions;
            return match self.categories().get(category) {
                Some(granted) if granted.contains(needed) => Decision::CategoryAllowed {
                    category,
                    needed,
                    granted,
                },
                granted => Decision::MissingCategory {
                    category,
                    needed,
                    granted,
                },
            };
        }
        let kind = request.kind;
        let name = request.name;
        let decide = |by: MatchedBy<'a>| {
            if by.granted().contains(request.permissions) {
                Decision::Allowed {
                    kind,
                    name,
                    needed: request.permissions,
                    by,
                }
            } else {
                Decision::MissingPermissions {
                    kind,
                    name,
                    needed: request.permissions,
                    by,
                }
            }
        };
        if let Some(range) = self.resources.get(kind) {
            for i in range.start as usize..range.end as usize {
                if self.str(self.entries[i].name) == name {
                    return decide(MatchedBy::Resource(self.entry(kind, i)));
                }
            }
        }
        if let Some(range) = self.patterns.get(kind) {
            let compiled = self.compiled_patterns();
            let base = self.patterns.entry_range().start;
            for i in range.start as usize..range.end as usize {
                let index = i - base;
                let pattern = compiled.get(index).map(|slot| {
                    slot.get_or_init(|| compile(self.str(self.entries[i].name), index))
                });
                match pattern {
                    Some(Ok(regex)) => {
                        if regex.is_match(name) {
                            return decide(MatchedBy::Pattern(self.entry(kind, i)));
                        }
                    }
                    Some(Err(reason)) => {
                        return Decision::InvalidPattern {
                            kind,
                            name,
                            pattern: self.str(self.entries[i].name),
                            reason,
                        };
                    }
                    None => break,
                }
            }
        }
        Decision::NoMatch { kind, name }
    }

    fn compiled_patterns(&self) -> &CompiledPatterns {
        self.compiled.get_or_init(|| {
            self.entries[self.patterns.entry_range()]
                .iter()
                .map(|_| OnceLock::new())
                .collect()
        })
    }
}

/// Compiles the `index`th pattern of a token within the documented limits; the error is one
/// line.
fn compile(pattern: &str, index: usize) -> Result<Regex, String> {
    if index >= MAX_COMPILED_PATTERNS {
        return Err(format!(
            "only the first {MAX_COMPILED_PATTERNS} patterns of a token are compiled"
        ));
    }
    build(pattern).map_err(|e| describe(&e))
}

/// Compiles one pattern with the limits of [`Token::authorize`].
pub(crate) fn build(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .size_limit(PATTERN_SIZE_LIMIT)
        .dfa_size_limit(PATTERN_DFA_SIZE_LIMIT)
        .nest_limit(PATTERN_NEST_LIMIT)
        .build()
}

/// Why a pattern does not compile, on one line.
pub(crate) fn describe(error: &regex::Error) -> String {
    match error {
        regex::Error::Syntax(text) => text
            .lines()
            .rev()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .map(|line| line.trim_start_matches("error: ").to_owned())
            .unwrap_or_else(|| text.clone()),
        regex::Error::CompiledTooBig(limit) => {
            format!("its compiled form exceeds the {limit}-byte size limit")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_errors_are_one_line() {
        let err = compile("(unclosed", 0).unwrap_err();
        assert!(!err.contains('\n'), "{err}");
        assert!(err.contains("unclosed"), "{err}");
        let big = compile("\\w{21}", 0).unwrap_err();
        assert!(big.contains("size limit"), "{big}");
        assert!(compile("^chan-\\S*$", 0).is_ok());
        assert!(compile("\\w+", 0).is_ok());
        let late = compile(".*", MAX_COMPILED_PATTERNS).unwrap_err();
        assert!(late.contains("first"), "{late}");
    }
}
