//! The structured error body PubNub's Access Manager v3 answers with.
//!
//! ```json
//! {"status":400,"error":{"message":"Invalid ttl","source":"grant","details":[{
//!  "message":"Range should be 1 to 43200 minute(s).","location":"ttl","locationType":"body"}]},
//!  "service":"Access Manager"}
//! ```
//!
//! Grant validation produces it (see `GrantRequest::validate`), the emulator sends it, and the
//! client parses it, so a request refused locally and one refused by a server read the same.

use serde::{Deserialize, Serialize};

/// An Access Manager v3 error: HTTP status, message, source and details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The HTTP status (400, 403, …).
    pub status: u16,
    /// The error's headline, e.g. `Invalid ttl`.
    pub message: String,
    /// Which endpoint family answered: `grant`, `revoke`, …
    pub source: String,
    /// What exactly was wrong, and where.
    pub details: Vec<ErrorDetail>,
}

/// One detail of an [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// What was wrong, e.g. `Range should be 1 to 43200 minute(s).`
    pub message: String,
    /// Where: a body path such as `permissions.resources.uuids.uuid-1`, or a parameter name.
    pub location: String,
    /// `body`, `path` or `query`.
    #[serde(rename = "locationType")]
    pub location_type: String,
}

impl ErrorDetail {
    /// A detail.
    pub fn new(
        message: impl Into<String>,
        location: impl Into<String>,
        location_type: impl Into<String>,
    ) -> Self {
        ErrorDetail {
            message: message.into(),
            location: location.into(),
            location_type: location_type.into(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    #[serde(borrow)]
    error: WireError<'a>,
    service: std::borrow::Cow<'a, str>,
    status: u16,
}

#[derive(Serialize, Deserialize)]
struct WireError<'a> {
    #[serde(borrow)]
    message: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    source: std::borrow::Cow<'a, str>,
    #[serde(default)]
    details: Vec<ErrorDetail>,
}

impl ErrorBody {
    /// An error body with a single detail.
    pub fn new(
        status: u16,
        message: impl Into<String>,
        source: impl Into<String>,
        detail: ErrorDetail,
    ) -> Self {
        ErrorBody {
            status,
            message: message.into(),
            source: source.into(),
            details: vec![detail],
        }
    }

    /// The JSON PubNub sends, with `"service":"Access Manager"`.
    #[must_use]
    pub fn to_json(&self) -> String {
        let wire = Wire {
            error: WireError {
                message: self.message.as_str().into(),
                source: self.source.as_str().into(),
                details: self.details.clone(),
            },
            service: "Access Manager".into(),
            status: self.status,
        };
        serde_json::to_string(&wire).unwrap_or_else(|e| {
            // Serializing strings and integers cannot fail; keep a valid body regardless.
            format!(r#"{{"error":{{"message":"{e}","source":"serialize","details":[]}},"service":"Access Manager","status":500}}"#)
        })
    }

    /// Parses a v3 error body. `None` when `json` is not one (legacy 403 bodies, success
    /// bodies, other JSON).
    #[must_use]
    pub fn from_json(json: &[u8]) -> Option<ErrorBody> {
        let wire: Wire<'_> = serde_json::from_slice(json).ok()?;
        Some(ErrorBody {
            status: wire.status,
            message: wire.error.message.into_owned(),
            source: wire.error.source.into_owned(),
            details: wire.error.details,
        })
    }
}

impl std::fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.status)?;
        for d in &self.details {
            write!(
                f,
                "; {} at `{}` ({})",
                d.message, d.location, d.location_type
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_pubnub_shape() {
        let text = r#"{"error":{"message":"Invalid ttl","source":"grant","details":[{"message":"Range should be 1 to 43200 minute(s).","location":"ttl","locationType":"body"}]},"service":"Access Manager","status":400}"#;
        let body = ErrorBody::from_json(text.as_bytes()).expect("parses");
        assert_eq!(body.status, 400);
        assert_eq!(body.details[0].location, "ttl");
        assert_eq!(body.to_json(), text);
    }

    #[test]
    fn legacy_bodies_are_not_v3_errors() {
        let legacy =
            br#"{"status":403,"error":true,"service":"Access Manager","message":"Forbidden"}"#;
        assert_eq!(ErrorBody::from_json(legacy), None);
    }
}
