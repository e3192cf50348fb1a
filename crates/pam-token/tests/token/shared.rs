//! Locating the read-only reference data in `<workspace>/../shared`.

use std::path::PathBuf;

/// `$PAM_SHARED_DIR`, or `<workspace root>/../shared`; `None` (with the reason printed) when
/// it is absent, so that the calling test can return early and pass.
pub(crate) fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("PAM_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    if dir.join("vectors").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: ../shared not found at {} (set PAM_SHARED_DIR to run the vector tests)",
            dir.display()
        );
        None
    }
}

/// Every `vectors/tokens/*.json`, sorted by file name.
pub(crate) fn token_vectors() -> Option<Vec<serde_json::Value>> {
    let dir = shared_dir()?.join("vectors/tokens");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    Some(
        paths
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p)
                    .unwrap_or_else(|e| panic!("reading {}: {e}", p.display()));
                serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("parsing {}: {e}", p.display()))
            })
            .collect(),
    )
}

/// `vectors/<name>` as JSON.
pub(crate) fn vector_file(name: &str) -> Option<serde_json::Value> {
    let path = shared_dir()?.join("vectors").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display())))
}

pub(crate) fn hex(text: &str) -> Vec<u8> {
    assert!(text.len() % 2 == 0, "odd-length hex");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digit"))
        .collect()
}
