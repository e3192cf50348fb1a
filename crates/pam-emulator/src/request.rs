//! A request as the emulator's core sees it (raw method, path, query, headers and body), and
//! the decoding of its path segments and query parameters.

use crate::limits::MAX_QUERY_PARAMETERS;

/// One HTTP request, as received: nothing decoded yet.
///
/// The HTTP server builds one per request and passes it to
/// [`AccessManager::handle`](crate::AccessManager::handle); anything else (a fuzz target, a
/// test) can build one directly.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// The method, e.g. `GET`.
    pub method: &'a str,
    /// The path exactly as sent, still percent-encoded, e.g. `/v3/pam/sub-c-1/grant`.
    pub path: &'a str,
    /// The query exactly as sent, without the `?` (empty when there is none).
    pub query: &'a str,
    /// The headers, names in any case. Only `Content-Type` and `Content-Encoding` are read.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body bytes.
    pub body: &'a [u8],
}

impl Request<'_> {
    /// The first value of header `name` (case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|&(_, value)| value)
    }
}

/// Requests carry `auth` and `signature` in their query, so `Debug` shows only the method
/// and the redacted target (see [`crate::redact_target`]).
impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("target", &crate::redact_target(self.path, self.query))
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// Why a path segment or query parameter could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// A `%` not followed by two hex digits.
    BadEscape { offset: usize },
    /// The decoded bytes are not UTF-8.
    NotUtf8,
    /// More than [`MAX_QUERY_PARAMETERS`] parameters.
    TooManyParameters { found: usize },
}

impl DecodeError {
    /// A sentence for an error detail, naming `what` (e.g. "query parameter `uuid`").
    pub(crate) fn describe(&self, what: &str) -> String {
        match self {
            DecodeError::BadEscape { offset } => format!(
                "The {what} has a `%` at character {offset} that is not followed by two hex digits."
            ),
            DecodeError::NotUtf8 => format!("The {what} does not decode to UTF-8 text."),
            DecodeError::TooManyParameters { found } => format!(
                "The query has {found} parameters; at most {MAX_QUERY_PARAMETERS} are accepted."
            ),
        }
    }
}

/// Decodes `%XX` escapes; with `plus_is_space`, `+` decodes to a space (form encoding).
///
/// Stricter than `percent-encoding` (and `form_urlencoded`), which does the decoding: they
/// pass a `%` not followed by two hex digits through as text and, for forms, replace bytes
/// that are not UTF-8 with U+FFFD. Here the first is [`DecodeError::BadEscape`] and the
/// second [`DecodeError::NotUtf8`], so a mangled credential is refused with the reason rather
/// than compared as other text.
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> Result<String, DecodeError> {
    let bytes = text.as_bytes();
    if let Some(offset) = bytes.iter().enumerate().position(|(i, &b)| {
        b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    }) {
        return Err(DecodeError::BadEscape { offset });
    }
    let spaced;
    let text = if plus_is_space && text.contains('+') {
        spaced = text.replace('+', " ");
        spaced.as_str()
    } else {
        text
    };
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| DecodeError::NotUtf8)
}

/// The decoded query parameters, in the order sent. A parameter without `=` has an empty
/// value; empty pieces (`a=1&&b=2`) are skipped.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Decodes `raw` (the query without `?`). On failure, returns the error and the raw name
    /// of the parameter at fault.
    pub(crate) fn parse(raw: &str) -> Result<Query, (DecodeError, String)> {
        let pieces: Vec<&str> = raw.split('&').filter(|p| !p.is_empty()).collect();
        if pieces.len() > MAX_QUERY_PARAMETERS {
            return Err((
                DecodeError::TooManyParameters {
                    found: pieces.len(),
                },
                String::new(),
            ));
        }
        let mut pairs = Vec::with_capacity(pieces.len());
        for piece in pieces {
            let (raw_key, raw_value) = piece.split_once('=').unwrap_or((piece, ""));
            let key = percent_decode(raw_key, true).map_err(|e| (e, shorten(raw_key)))?;
            let value = percent_decode(raw_value, true).map_err(|e| (e, key.clone()))?;
            pairs.push((key, value));
        }
        Ok(Query { pairs })
    }

    /// The first value of parameter `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// How many times parameter `key` appears.
    pub(crate) fn count(&self, key: &str) -> usize {
        self.pairs.iter().filter(|(k, _)| k == key).count()
    }

    /// The pairs, borrowed, as `pam_sign::Request::query` wants them.
    pub(crate) fn borrowed(&self) -> Vec<(&str, &str)> {
        self.pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

/// A parameter name cut to 40 characters for an error message.
fn shorten(text: &str) -> String {
    text.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_plus() {
        assert_eq!(percent_decode("a%20b+c", true).unwrap(), "a b c");
        assert_eq!(percent_decode("a%20b+c", false).unwrap(), "a b+c");
        assert_eq!(percent_decode("%C2%A3", false).unwrap(), "£");
        assert_eq!(percent_decode("%3d%3D", false).unwrap(), "==");
        assert_eq!(
            percent_decode("ab%2", false),
            Err(DecodeError::BadEscape { offset: 2 })
        );
        assert_eq!(
            percent_decode("%zz", false),
            Err(DecodeError::BadEscape { offset: 0 })
        );
        assert_eq!(percent_decode("%FF", false), Err(DecodeError::NotUtf8));
        // Why the escapes are checked here: the library alone passes a bad one through.
        let lenient = percent_encoding::percent_decode_str("%zz").decode_utf8();
        assert_eq!(lenient.as_deref(), Ok("%zz"));
    }

    #[test]
    fn parses_queries_in_order() {
        let q = Query::parse("uuid=me&auth=a%2Bb&flag&&x=1=2").unwrap();
        assert_eq!(q.get("uuid"), Some("me"));
        assert_eq!(q.get("auth"), Some("a+b"));
        assert_eq!(q.get("flag"), Some(""));
        assert_eq!(q.get("x"), Some("1=2"));
        assert_eq!(q.borrowed().len(), 4);
        let (error, name) = Query::parse("uuid=%FF").unwrap_err();
        assert_eq!((error, name.as_str()), (DecodeError::NotUtf8, "uuid"));
        let many = vec!["a=1"; MAX_QUERY_PARAMETERS + 1].join("&");
        assert!(matches!(
            Query::parse(&many),
            Err((DecodeError::TooManyParameters { .. }, _))
        ));
    }
}
