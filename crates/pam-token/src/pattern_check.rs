//! Checking at grant time that every pattern of a grant will work in [`Token::authorize`]:
//! compiled with the same limits, so a server never issues a token whose pattern is then
//! denied for being too large.
//!
//! [`Token::authorize`]: crate::Token::authorize

use pam_model::{GrantRequest, ResourceKind};

use crate::MAX_COMPILED_PATTERNS;
use crate::authorize::{build, describe};

/// A pattern of a grant that [`Token::authorize`](crate::Token::authorize) could not use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} pattern `{pattern}` cannot be used by the token checker: {reason}")]
#[non_exhaustive]
pub struct PatternError {
    /// The entry's kind.
    pub kind: ResourceKind,
    /// The pattern.
    pub pattern: String,
    /// Why, one line without a trailing period, e.g. `pattern is too complex: its compiled
    /// form exceeds the 1048576-byte size limit of the token checker`.
    pub reason: String,
}

/// Checks that each pattern of `request` compiles within [`PATTERN_SIZE_LIMIT`] and the other
/// limits [`Token::authorize`] uses, and that there are at most [`MAX_COMPILED_PATTERNS`] of
/// them, so every pattern a token issued for `request` holds is one `authorize` can decide.
///
/// Run it after `GrantRequest::validate` (which judges patterns by PubNub's rules, and bounds
/// their number and length): each pattern is compiled once, in about 3 ms at the size limit.
///
/// # Errors
///
/// The first pattern that does not compile, or the first past [`MAX_COMPILED_PATTERNS`].
///
/// [`PATTERN_SIZE_LIMIT`]: crate::PATTERN_SIZE_LIMIT
/// [`Token::authorize`]: crate::Token::authorize
///
/// # Example
///
/// ```
/// use pam_token::{GrantRequest, Permissions, Resource, ResourceKind, check_patterns};
///
/// let ordinary = GrantRequest::new(60)
///     .pattern(Resource::new(ResourceKind::Channel, r"^room-\w{2}$", Permissions::READ));
/// assert!(check_patterns(&ordinary).is_ok());
///
/// let huge = GrantRequest::new(60)
///     .pattern(Resource::new(ResourceKind::Channel, r"(?:\w{100}){10}", Permissions::READ));
/// let error = check_patterns(&huge).unwrap_err();
/// assert!(error.reason.contains("size limit"));
/// ```
pub fn check_patterns(request: &GrantRequest) -> Result<(), PatternError> {
    if let Some(entry) = request.patterns.get(MAX_COMPILED_PATTERNS) {
        return Err(PatternError {
            kind: entry.kind,
            pattern: entry.name.clone(),
            reason: format!(
                "a grant may hold at most {MAX_COMPILED_PATTERNS} patterns; the token checker \
                 uses no more"
            ),
        });
    }
    for entry in &request.patterns {
        build(&entry.name).map_err(|error| PatternError {
            kind: entry.kind,
            pattern: entry.name.clone(),
            reason: match error {
                regex::Error::CompiledTooBig(limit) => format!(
                    "pattern is too complex: its compiled form exceeds the {limit}-byte size \
                     limit of the token checker"
                ),
                other => describe(&other),
            },
        })?;
    }
    Ok(())
}
