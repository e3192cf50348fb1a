//! The real tokens of the committed vectors (`crates/pam-vectors/data/tokens/`), with what
//! each must decode to, read the way the tests read them (`pam-vectors`).

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

/// Every corpus token, sorted by id.
pub(crate) fn load() -> Result<Vec<CorpusToken>, String> {
    pam_vectors::token_vectors()
        .into_iter()
        .map(|vector| {
            let text = |field: &str| {
                vector[field]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("a token vector without a string `{field}`: {vector}"))
            };
            Ok(CorpusToken {
                id: text("id")?,
                token: text("token")?,
                expected: vector["expected"].clone(),
            })
        })
        .collect::<Result<Vec<_>, String>>()
}
