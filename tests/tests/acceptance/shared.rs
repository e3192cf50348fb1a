//! The reference data the features need, found by `pam-vectors`: the features in
//! `<workspace root>/../shared` (or `PAM_SHARED_DIR`), the token vectors committed.

use std::path::PathBuf;

/// The token PubNub's contract runners use as "a known token" (id of a file in
/// `vectors/tokens`): it has an authorized user id, and user id resources and patterns.
pub(crate) const KNOWN_TOKEN_VECTOR: &str = "contract_all_permissions";

/// `features/access` of the shared directory, or `None` after printing why the run is
/// skipped.
pub(crate) fn features_dir() -> Option<PathBuf> {
    pam_vectors::features_dir()
}

/// The committed vector `tokens/{id}.json`, parsed.
pub(crate) fn token_vector(id: &str) -> Result<serde_json::Value, String> {
    Ok(pam_vectors::token_vector(id))
}
