//! The real tokens of `../shared/vectors/tokens/`, with what each must decode to.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// One corpus token.
#[derive(Debug, Clone)]
pub(crate) struct CorpusToken {
    /// The file's `id` (its name without `.json`).
    pub(crate) id: String,
    /// The token string exactly as in the source.
    pub(crate) token: String,
    /// The decoded content (`expected` in the file: the CLI's JSON shape).
    pub(crate) expected: Value,
}

/// The shared reference directory: `dir` when given, else `$PAM_SHARED_DIR`, else
/// `<repository>/../shared`; `None` when that does not exist.
pub(crate) fn shared_dir(dir: Option<&Path>) -> Option<PathBuf> {
    let chosen = match (dir, std::env::var_os("PAM_SHARED_DIR")) {
        (Some(dir), _) => dir.to_path_buf(),
        (None, Some(env)) => PathBuf::from(env),
        // crates/pam-bench -> the repository -> its sibling `shared`.
        (None, None) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    chosen.is_dir().then_some(chosen)
}

/// Every `tokens/*.json` under `shared`, sorted by id.
pub(crate) fn load(shared: &Path) -> Result<Vec<CorpusToken>, String> {
    let dir = shared.join("vectors/tokens");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    paths.iter().map(|path| read_one(path)).collect()
}

fn read_one(path: &Path) -> Result<CorpusToken, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let field = |name: &str| {
        value
            .get(name)
            .cloned()
            .ok_or_else(|| format!("{}: no `{name}` field", path.display()))
    };
    let id = field("id")?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{}: `id` is not a string", path.display()))?;
    let token = field("token")?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{}: `token` is not a string", path.display()))?;
    Ok(CorpusToken {
        id,
        token,
        expected: field("expected")?,
    })
}
