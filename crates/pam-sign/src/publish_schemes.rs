//! The signature schemes PubNub's SDKs use for publish, beside plain signature v2.
//!
//! See [`PublishScheme`] for the schemes and who sends each.

use crate::canonical::SortedParams;
use crate::signing_key::{HmacSha256, MAC_LEN, decode_mac, decode_signature, find_signature};
use crate::{Error, Request, SIGNATURE_BASE64_LEN, SIGNATURE_PREFIX, SigningKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac as _;

/// Which scheme a publish signature was made with.
///
/// PubNub's SDKs do not all sign a publish the same way, and PubNub accepts each of them:
///
/// | scheme | string to sign | signature | who sends it |
/// | --- | --- | --- | --- |
/// | [`PublishScheme::V2`] | `METHOD\nPUB\nPATH\nQUERY\nBODY` | `v2.` + base64url | this crate; any request |
/// | [`PublishScheme::V2AsGet`] | `GET\nPUB\nPATH\nQUERY\n` (no body, whatever the method) | `v2.` + base64url | JavaScript SDK, every `/publish` |
/// | [`PublishScheme::V1`] | `SUB\nPUB\nPATH\nQUERY` | base64url, no prefix, `=` padding optional | Python, Java, Kotlin, Rust `pubnub` SDKs, `POST /publish` |
///
/// `QUERY` is the canonical query of signature v2 (every parameter but `signature`, sorted,
/// percent-encoded). The body of a `POST /publish` is covered by [`PublishScheme::V2`] only;
/// the two SDK schemes sign the path and query, which hold the keys, channel, `uuid` and
/// `timestamp`, but not the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishScheme {
    /// Signature v2 over the request as sent, body included.
    V2,
    /// Signature v2 computed as for a `GET` without body (the JavaScript SDK's publish).
    V2AsGet,
    /// The older scheme: subscribe key first, no method, no body, no `v2.` prefix.
    V1,
}

impl SigningKey {
    /// Checks the `signature` of a publish or signal request (`/publish/…` or `/signal/…`)
    /// of the keyset with subscribe key `subscribe_key`, accepting each scheme PubNub's SDKs
    /// use, and says which one matched. Other requests get exactly
    /// [`SigningKey::verify`].
    ///
    /// The timestamp's freshness is not checked here (see [`crate::check_timestamp`]).
    ///
    /// ```
    /// use pam_sign::{PublishScheme, Request, SigningKey};
    ///
    /// let key = SigningKey::new("pub-c-1", "sec-c-1");
    /// let path = "/publish/pub-c-1/sub-c-1/0/room/0";
    /// // What the Python SDK sends for a server-side POST publish.
    /// let v1 = key.signature_v1("sub-c-1", path, &[("timestamp", "1700000000"), ("uuid", "me")]);
    /// let query = [("timestamp", "1700000000"), ("uuid", "me"), ("signature", v1.as_str())];
    /// let request = Request { method: "POST", path, query: &query, body: b"\"hi\"" };
    /// assert_eq!(key.verify_publish("sub-c-1", &request), Ok(PublishScheme::V1));
    /// ```
    ///
    /// # Errors
    ///
    /// Those of [`SigningKey::verify`]: a missing, duplicate or malformed signature, or
    /// [`Error::SignatureMismatch`] when no accepted scheme gives it.
    pub fn verify_publish(
        &self,
        subscribe_key: &str,
        request: &Request<'_>,
    ) -> Result<PublishScheme, Error> {
        let is_publish = request.path.starts_with("/publish/");
        let is_message = is_publish || request.path.starts_with("/signal/");
        let signature = find_signature(request)?;
        if !signature.starts_with(SIGNATURE_PREFIX) && is_publish && request.method == "POST" {
            let claimed = decode_v1(signature)?;
            return self
                .mac_v1(subscribe_key, request)
                .verify_slice(&claimed)
                .map(|()| PublishScheme::V1)
                .map_err(|_| Error::SignatureMismatch);
        }
        let claimed = decode_signature(signature)?;
        let params = SortedParams::new(request.query, None, None);
        if self
            .mac_over(request, &params)
            .verify_slice(&claimed)
            .is_ok()
        {
            return Ok(PublishScheme::V2);
        }
        if is_message {
            let as_get = Request {
                method: "GET",
                body: b"",
                ..*request
            };
            if self
                .mac_over(&as_get, &params)
                .verify_slice(&claimed)
                .is_ok()
            {
                return Ok(PublishScheme::V2AsGet);
            }
        }
        Err(Error::SignatureMismatch)
    }

    /// The [`PublishScheme::V1`] signature of a request to `path` with `query` (raw pairs,
    /// `timestamp` included): base64url without padding, no prefix.
    #[must_use]
    pub fn signature_v1(&self, subscribe_key: &str, path: &str, query: &[(&str, &str)]) -> String {
        let request = Request {
            method: "POST",
            path,
            query,
            body: b"",
        };
        URL_SAFE_NO_PAD.encode(self.mac_v1(subscribe_key, &request).finalize().into_bytes())
    }

    fn mac_v1(&self, subscribe_key: &str, request: &Request<'_>) -> HmacSha256 {
        let params = SortedParams::new(request.query, None, None);
        let mut mac = self.mac.clone();
        for part in [subscribe_key, self.publish_key(), request.path] {
            mac.update(part.as_bytes());
            mac.update(b"\n");
        }
        params.write_canonical(&mut mac);
        mac
    }
}

/// The MAC bytes of a [`PublishScheme::V1`] signature: 43 base64url characters, optionally
/// followed by one `=` (the Python SDK pads, the Rust SDK does not).
fn decode_v1(signature: &str) -> Result<[u8; MAC_LEN], Error> {
    let malformed = |problem| Error::MalformedSignature {
        problem,
        found_len: signature.len(),
    };
    let encoded = signature.strip_suffix('=').unwrap_or(signature);
    if encoded.len() != SIGNATURE_BASE64_LEN {
        return Err(malformed(
            "it has no `v2.` prefix and is not 43 base64url characters (the v1 publish scheme)",
        ));
    }
    decode_mac(encoded, signature.len(), "it is not base64url")
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE;
    use hmac::Mac as _;

    use super::*;

    const PATH: &str = "/publish/pub-c-1/sub-c-1/0/room%201/0";

    fn hmac(input: &str) -> Vec<u8> {
        let mut mac = <HmacSha256 as hmac::Mac>::new_from_slice(b"sec-c-1").unwrap();
        mac.update(input.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The string to sign written out by hand, as the SDKs build it.
    #[test]
    fn each_sdk_scheme_is_recognised() {
        let key = SigningKey::new("pub-c-1", "sec-c-1");
        let body = br#"{"text":"hi there"}"#;
        let query_text = "pnsdk=x&timestamp=1700000000&uuid=me%20too";
        let base = [
            ("uuid", "me too"),
            ("pnsdk", "x"),
            ("timestamp", "1700000000"),
        ];
        let check = |signature: String, method: &str, expected: Result<PublishScheme, Error>| {
            let mut query = base.to_vec();
            query.push(("signature", signature.as_str()));
            let request = Request {
                method,
                path: PATH,
                query: &query,
                body: if method == "POST" { body } else { b"" },
            };
            assert_eq!(
                key.verify_publish("sub-c-1", &request),
                expected,
                "{signature}"
            );
        };
        // Python: v1, padded.
        let v1 = URL_SAFE.encode(hmac(&format!("sub-c-1\npub-c-1\n{PATH}\n{query_text}")));
        assert!(v1.ends_with('='));
        check(v1.clone(), "POST", Ok(PublishScheme::V1));
        // Rust `pubnub` 0.9: v1 without padding.
        check(
            v1.trim_end_matches('=').to_owned(),
            "POST",
            Ok(PublishScheme::V1),
        );
        // v1 is for POST /publish only.
        check(v1.clone(), "GET", Err(malformed_len(v1.len())));
        // JavaScript: v2 as a GET, no body.
        let as_get = format!(
            "v2.{}",
            URL_SAFE_NO_PAD.encode(hmac(&format!("GET\npub-c-1\n{PATH}\n{query_text}\n")))
        );
        check(as_get.clone(), "POST", Ok(PublishScheme::V2AsGet));
        // Plain v2 over the body.
        let v2 = format!(
            "v2.{}",
            URL_SAFE_NO_PAD.encode(hmac(&format!(
                "POST\npub-c-1\n{PATH}\n{query_text}\n{}",
                std::str::from_utf8(body).unwrap()
            )))
        );
        check(v2, "POST", Ok(PublishScheme::V2));
        // Another subscribe key in v1 does not match.
        let other = URL_SAFE.encode(hmac(&format!("sub-c-2\npub-c-1\n{PATH}\n{query_text}")));
        check(other, "POST", Err(Error::SignatureMismatch));
    }

    fn malformed_len(found_len: usize) -> Error {
        Error::MalformedSignature {
            problem: "it does not start with `v2.`",
            found_len,
        }
    }

    #[test]
    fn v2_as_get_is_only_for_messages() {
        let key = SigningKey::new("pub-c-1", "sec-c-1");
        let path = "/v3/pam/sub-c-1/grant";
        let query = [("timestamp", "1")];
        let as_get = key.signature_for(&Request {
            method: "GET",
            path,
            query: &query,
            body: b"",
        });
        let signed = [("timestamp", "1"), ("signature", as_get.as_str())];
        let request = Request {
            method: "POST",
            path,
            query: &signed,
            body: b"{}",
        };
        assert_eq!(
            key.verify_publish("sub-c-1", &request),
            Err(Error::SignatureMismatch)
        );
    }

    #[test]
    fn malformed_v1_signatures_say_why() {
        let key = SigningKey::new("pub-c-1", "sec-c-1");
        for bad in ["abc", &"A".repeat(45), &format!("{}+", "A".repeat(42))] {
            let query = [("timestamp", "1"), ("signature", bad)];
            let request = Request {
                method: "POST",
                path: PATH,
                query: &query,
                body: b"1",
            };
            assert!(
                matches!(
                    key.verify_publish("sub-c-1", &request),
                    Err(Error::MalformedSignature { .. })
                ),
                "{bad}"
            );
        }
    }
}
