//! Test support: where the project's read-only reference data is, and reading it.
//!
//! The reference data (real tokens, signature vectors, error bodies, PubNub's acceptance
//! features) lives beside the checkout in `../shared` and is never copied into the project.
//! Tests find it here, in one place: `$PAM_SHARED_DIR` when set, else `<workspace>/../shared`.
//! When it is absent (a fresh clone), each accessor prints why the calling test is skipped and
//! returns `None`, so the test returns early and passes.
//!
//! The notice is written straight to the process's standard error, not through `eprintln!`,
//! which libtest captures for passing tests: a skip is always visible in the test output, and
//! `.ci/run` fails when `../shared` exists but a notice appears anyway.
//!
//! ```
//! if let Some(tokens) = pam_vectors::token_vectors() {
//!     assert!(tokens.iter().all(|t| t["token"].is_string()));
//! }
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The prefix of every skip notice; `.ci/run` looks for it.
pub const SKIP_NOTICE: &str = "skipping: ../shared not found";

/// The reference directory: `$PAM_SHARED_DIR`, else `<workspace root>/../shared`, whether or
/// not it exists.
#[must_use]
pub fn shared_path() -> PathBuf {
    match std::env::var_os("PAM_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        // This crate is `<workspace>/crates/pam-vectors`.
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

/// The reference directory when it exists; otherwise `None`, after printing a notice that
/// names `needed_for`.
#[must_use]
pub fn shared_dir(needed_for: &str) -> Option<PathBuf> {
    let dir = shared_path();
    if dir.is_dir() {
        Some(dir)
    } else {
        skip(&format!(
            "{SKIP_NOTICE} at {} (set PAM_SHARED_DIR); not run: {needed_for}",
            dir.display()
        ));
        None
    }
}

/// `vectors/<name>`, parsed as JSON; `None` (with a notice) when the reference data is absent.
///
/// # Panics
///
/// When the file exists but cannot be read or is not JSON: the reference data is broken, and
/// a test must not pass over it.
#[must_use]
pub fn vectors_file(name: &str) -> Option<Value> {
    let path = shared_dir(&format!("the checks over vectors/{name}"))?
        .join("vectors")
        .join(name);
    Some(read_json(&path))
}

/// Every `vectors/tokens/*.json`, sorted by file name; `None` (with a notice) when the
/// reference data is absent.
///
/// # Panics
///
/// When the directory or a file in it cannot be read or parsed.
#[must_use]
pub fn token_vectors() -> Option<Vec<Value>> {
    let dir = shared_dir("the checks over vectors/tokens")?.join("vectors/tokens");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "{} holds no token vector", dir.display());
    Some(paths.iter().map(|p| read_json(p)).collect())
}

/// `vectors/tokens/<id>.json`; `None` (with a notice) when the reference data is absent.
///
/// # Panics
///
/// When the vector does not exist or is not JSON.
#[must_use]
pub fn token_vector(id: &str) -> Option<Value> {
    let path = shared_dir(&format!("the token vector {id}"))?
        .join("vectors/tokens")
        .join(format!("{id}.json"));
    Some(read_json(&path))
}

/// `features/access`, PubNub's acceptance features; `None` (with a notice) when absent.
#[must_use]
pub fn features_dir() -> Option<PathBuf> {
    let dir = shared_dir("PubNub's acceptance features")?.join("features/access");
    if dir.is_dir() {
        Some(dir)
    } else {
        skip(&format!("{SKIP_NOTICE}: {} is missing", dir.display()));
        None
    }
}

/// Bytes of a lower- or upper-case hex string, as the vectors write signatures.
///
/// # Panics
///
/// On an odd length or a non-hex digit.
#[must_use]
pub fn hex(text: &str) -> Vec<u8> {
    assert!(text.len() % 2 == 0, "odd-length hex {text:?}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// Writes a notice straight to standard error (not captured by libtest).
pub fn skip(notice: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{notice}");
}

fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_decodes_both_cases() {
        assert_eq!(hex("00ffA0"), vec![0, 255, 160]);
    }
}
