//! Standard input read up to a size limit, for the token and the secret key.

use std::io::Read;

use crate::Failure;

/// Standard input as text, refused when it holds more than `limit` bytes; `what` names the
/// expected content (`token`, `secret key`) in the errors.
pub(crate) fn read(limit: usize, what: &str) -> Result<String, Failure> {
    let mut text = String::new();
    std::io::stdin()
        .take(limit as u64 + 1)
        .read_to_string(&mut text)
        .map_err(|source| Failure::Io {
            context: format!("reading the {what} from standard input"),
            source,
        })?;
    if text.len() > limit {
        return Err(Failure::input(format!(
            "standard input holds more than {limit} bytes: not a {what}"
        )));
    }
    Ok(text)
}
