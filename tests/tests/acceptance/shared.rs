//! The reference data the features need, found by `pam-vectors` (`<workspace root>/../shared`,
//! or `PAM_SHARED_DIR`).

use std::path::PathBuf;

/// The token PubNub's contract runners use as "a known token" (id of a file in
/// `vectors/tokens`): it has an authorized user id, and user id resources and patterns.
pub(crate) const KNOWN_TOKEN_VECTOR: &str = "contract_all_permissions";

/// `features/access` of the shared directory, or `None` after printing why the run is
/// skipped.
pub(crate) fn features_dir() -> Option<PathBuf> {
    pam_vectors::features_dir()
}

/// The vector `vectors/tokens/{id}.json`, parsed (an error when the reference data is gone).
pub(crate) fn token_vector(id: &str) -> Result<serde_json::Value, String> {
    pam_vectors::token_vector(id)
        .ok_or_else(|| format!("the token vector {id} needs ../shared, which is absent"))
}
