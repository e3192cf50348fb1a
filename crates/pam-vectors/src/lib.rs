//! Test support: the project's conformance vectors, and where PubNub's acceptance features are.
//!
//! The vectors (real tokens, signature vectors, error bodies, grant and revoke vectors) are
//! committed in this crate's `data/` directory (its README says where each came from), so
//! every clone runs the conformance tests. Each accessor prints, straight to standard error,
//! how many vectors it read and for which test, so the counts show in the test output.
//!
//! PubNub's acceptance features are not committed: they are read from `../shared/features`
//! (`$PAM_SHARED_DIR/features` when set). When they are absent, [`features_dir`] prints why
//! the suite is skipped and returns `None`; `.ci/run` fails when `../shared` exists but a
//! notice appears anyway.
//!
//! Notices are written straight to the process's standard error, not through `eprintln!`,
//! which libtest captures for passing tests.
//!
//! ```
//! let tokens = pam_vectors::token_vectors();
//! assert_eq!(tokens.len(), 53);
//! assert!(tokens.iter().all(|t| t["token"].is_string()));
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The prefix of every skip notice; `.ci/run` looks for it.
pub const SKIP_NOTICE: &str = "skipping: ../shared not found";

/// The shared reference directory (PubNub's acceptance features): `$PAM_SHARED_DIR`, else
/// `<workspace root>/../shared`, whether or not it exists.
#[must_use]
pub fn shared_path() -> PathBuf {
    match std::env::var_os("PAM_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        // This crate is `<workspace>/crates/pam-vectors`.
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

/// The shared reference directory when it exists; otherwise `None`, after printing a notice
/// that names `needed_for`.
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

/// The committed vectors: `<this crate>/data`.
#[must_use]
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// `data/<name>`, parsed as JSON; prints the length of each of its lists and which test read
/// it.
///
/// # Panics
///
/// When the file cannot be read or is not JSON: the vectors are broken, and a test must not
/// pass over them.
#[must_use]
pub fn vectors_file(name: &str) -> Value {
    let value = read_json(&data_dir().join(name));
    // The size of each list in the file, e.g. `signatures.json (vectors: 20, …)`.
    let counts: Vec<String> = value
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(key, v)| v.as_array().map(|list| format!("{key}: {}", list.len())))
        .collect();
    report(&format!("{name} ({}) read", counts.join(", ")));
    value
}

/// Every `data/tokens/*.json`, sorted by file name; prints how many and for which test.
///
/// # Panics
///
/// When the directory or a file in it cannot be read or parsed, or it holds no vector.
#[must_use]
pub fn token_vectors() -> Vec<Value> {
    let dir = data_dir().join("tokens");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "{} holds no token vector", dir.display());
    report(&format!("{} token vectors read", paths.len()));
    paths.iter().map(|p| read_json(p)).collect()
}

/// `data/tokens/<id>.json`.
///
/// # Panics
///
/// When the vector does not exist or is not JSON.
#[must_use]
pub fn token_vector(id: &str) -> Value {
    read_json(&data_dir().join("tokens").join(format!("{id}.json")))
}

/// Prints `conformance: {what} by {test}` straight to standard error (the test is the current
/// thread's name, which libtest sets to the test's path).
pub fn report(what: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    line_to_stderr(&format!("conformance: {what} by {test}"));
}

/// Writes `line` and a newline to standard error in one `write` (standard error is not
/// buffered, so `writeln!` would write piece by piece, and the pieces could interleave with
/// libtest's own output in a shared pipe).
fn line_to_stderr(line: &str) {
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
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
    line_to_stderr(notice);
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
