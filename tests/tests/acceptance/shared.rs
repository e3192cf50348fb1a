//! Where the reference data is: `<workspace root>/../shared`, or `PAM_SHARED_DIR`.

use std::path::PathBuf;

/// The token PubNub's contract runners use as "a known token" (id of a file in
/// `vectors/tokens`): it has an authorized user id, and user id resources and patterns.
pub(crate) const KNOWN_TOKEN_VECTOR: &str = "contract_all_permissions";

/// The shared reference directory.
pub(crate) fn shared_dir() -> PathBuf {
    match std::env::var_os("PAM_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

/// `features/access` of the shared directory, or `None` after printing why the run is
/// skipped.
pub(crate) fn features_dir() -> Option<PathBuf> {
    let dir = shared_dir().join("features/access");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: ../shared not found ({} is not a directory; set PAM_SHARED_DIR to the \
             shared reference directory to run PubNub's acceptance features)",
            dir.display()
        );
        None
    }
}

/// The vector `vectors/tokens/{id}.json`, parsed.
pub(crate) fn token_vector(id: &str) -> Result<serde_json::Value, String> {
    let path = shared_dir()
        .join("vectors/tokens")
        .join(format!("{id}.json"));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read the token vector {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))
}
