//! The request as the signer sees it.

use std::fmt;

use crate::Error;

/// One HTTP request, as much of it as signature v2 covers.
///
/// Borrowed throughout, so describing a request costs nothing. `query` holds raw (decoded)
/// values in the order they are sent; `path` is exactly as sent, already percent-encoded.
/// `Debug` shows the value of every credential parameter (see
/// [`crate::is_credential_parameter`]) as `<redacted>` and the body by length.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// HTTP method in uppercase, such as `POST`.
    pub method: &'a str,
    /// Path exactly as sent, already percent-encoded, such as `/v3/pam/sub-c-1/grant`.
    pub path: &'a str,
    /// Query parameters as raw (not percent-encoded) key/value pairs.
    pub query: &'a [(&'a str, &'a str)],
    /// Body bytes (empty for `GET` and `DELETE`).
    pub body: &'a [u8],
}

impl Request<'_> {
    /// The value of the request's `timestamp` parameter.
    ///
    /// # Errors
    ///
    /// [`Error::MissingTimestamp`] when there is none, [`Error::DuplicateParameter`] when there
    /// are several, [`Error::MalformedTimestamp`] when it is not 1 to 20 decimal digits that
    /// fit in a `u64`.
    pub fn timestamp(&self) -> Result<u64, Error> {
        crate::timestamp::request_timestamp(self)
    }
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Query<'q>(&'q [(&'q str, &'q str)]);
        impl fmt::Debug for Query<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list()
                    .entries(self.0.iter().map(|&(key, value)| {
                        if crate::is_credential_parameter(key) {
                            (key, crate::REDACTED)
                        } else {
                            (key, value)
                        }
                    }))
                    .finish()
            }
        }
        struct BodyLen(usize);
        impl fmt::Debug for BodyLen {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "<{} bytes>", self.0)
            }
        }
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &Query(self.query))
            .field("body", &BodyLen(self.body.len()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_credentials_and_hides_body() {
        let request = Request {
            method: "DELETE",
            path: "/v3/pam/sub/grant/tok",
            query: &[
                ("auth", "secret-token"),
                ("signature", "v2.abc"),
                ("uuid", "me"),
            ],
            body: b"private body",
        };
        let shown = format!("{request:?}");
        assert!(!shown.contains("secret-token"), "{shown}");
        assert!(!shown.contains("v2.abc"), "{shown}");
        assert!(!shown.contains("private body"), "{shown}");
        assert!(shown.contains("\"uuid\", \"me\""), "{shown}");
        assert!(shown.contains("<12 bytes>"), "{shown}");
    }
}
