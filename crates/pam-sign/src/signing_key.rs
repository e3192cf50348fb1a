//! Signing and verifying with a keyset's secret key.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::canonical::{SortedParams, write_head};
use crate::encoding::Sink;
use crate::{
    Error, Request, SIGNATURE_BASE64_LEN, SIGNATURE_LEN, SIGNATURE_PARAM, SIGNATURE_PREFIX,
    TIMESTAMP_PARAM,
};

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Length of an HMAC-SHA256 output.
pub(crate) const MAC_LEN: usize = 32;

impl Sink for HmacSha256 {
    fn put(&mut self, text: &str) {
        self.update(text.as_bytes());
    }
}

/// A keyset's publish key and secret key, ready to sign and verify requests.
///
/// The secret key is turned into an HMAC-SHA256 key schedule once, in [`SigningKey::new`], and
/// the text itself is not kept; `Debug` shows the publish key and `<redacted>` in its place.
/// Signing never fails and never touches the network: it returns what to add to the request.
#[derive(Clone)]
pub struct SigningKey {
    publish_key: String,
    pub(crate) mac: HmacSha256,
}

/// What [`SigningKey::sign`] adds to a request: the signed `timestamp` and the `signature`.
///
/// Both values are made only of characters [`crate::percent_encode`] leaves literal, so they
/// read the same raw and encoded. `Debug` shows the signature as `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Signed {
    /// The `timestamp` parameter that was signed, Unix seconds.
    pub timestamp: u64,
    /// The `signature` parameter: `v2.` + base64url (no padding) of the HMAC-SHA256.
    pub signature: String,
}

impl Signed {
    /// The two query parameters to append to the request, `timestamp` then `signature`.
    ///
    /// ```
    /// let key = pam_sign::SigningKey::new("pub-c-1", "sec-c-1");
    /// let request = pam_sign::Request { method: "GET", path: "/time/0", query: &[], body: b"" };
    /// let signed = key.sign(&request, 1_700_000_000);
    /// let [(ts_key, ts), (sig_key, sig)] = signed.query_pairs();
    /// assert_eq!((ts_key, ts.as_str()), ("timestamp", "1700000000"));
    /// assert_eq!((sig_key, sig.as_str()), ("signature", signed.signature.as_str()));
    /// ```
    #[must_use]
    pub fn query_pairs(&self) -> [(&'static str, String); 2] {
        [
            (TIMESTAMP_PARAM, self.timestamp.to_string()),
            (SIGNATURE_PARAM, self.signature.clone()),
        ]
    }
}

impl fmt::Debug for Signed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signed")
            .field("timestamp", &self.timestamp)
            .field("signature", &"<redacted>")
            .finish()
    }
}

impl SigningKey {
    /// A signing key for the keyset with this publish key and secret key.
    pub fn new(publish_key: impl Into<String>, secret_key: impl Into<String>) -> Self {
        let secret_key: String = secret_key.into();
        // HMAC takes keys of any length (longer ones are hashed, shorter ones padded), so
        // `new_from_slice` cannot fail for it.
        let mac = <HmacSha256 as Mac>::new_from_slice(secret_key.as_bytes())
            .expect("HMAC-SHA256 accepts keys of any length");
        Self {
            publish_key: publish_key.into(),
            mac,
        }
    }

    /// The publish key, which is part of every string to sign.
    #[must_use]
    pub fn publish_key(&self) -> &str {
        &self.publish_key
    }

    /// Signs `request` with a `timestamp` parameter added, and returns that timestamp with the
    /// signature; append [`Signed::query_pairs`] to the query that is sent.
    ///
    /// The `timestamp` given here is the one signed. `request.query` should not carry its own
    /// `timestamp` or `signature`: any it has are left out of what is signed (the server would
    /// see them as extra parameters and reject the request), so the result never depends on a
    /// stale value.
    #[must_use]
    pub fn sign(&self, request: &Request<'_>, timestamp: u64) -> Signed {
        let timestamp_text = timestamp.to_string();
        let params = SortedParams::new(
            request.query,
            Some(TIMESTAMP_PARAM),
            Some((TIMESTAMP_PARAM, timestamp_text.as_str())),
        );
        Signed {
            timestamp,
            signature: encode_signature(&self.mac_over(request, &params).finalize().into_bytes()),
        }
    }

    /// The signature of `request` exactly as given: every query parameter except `signature`
    /// is signed, `timestamp` included when present.
    #[must_use]
    pub fn signature_for(&self, request: &Request<'_>) -> String {
        let params = SortedParams::new(request.query, None, None);
        encode_signature(&self.mac_over(request, &params).finalize().into_bytes())
    }

    /// The signature of an already built string to sign (see [`crate::string_to_sign`]):
    /// `v2.` + base64url without padding of HMAC-SHA256(secret key, `string_to_sign`).
    ///
    /// For tools that show or check each step, and for requests whose canonical query comes
    /// from elsewhere.
    #[must_use]
    pub fn signature_for_string_to_sign(&self, string_to_sign: &[u8]) -> String {
        let mut mac = self.mac.clone();
        mac.update(string_to_sign);
        encode_signature(&mac.finalize().into_bytes())
    }

    /// Checks the `signature` parameter of a received request against the signature this key
    /// gives for the rest of it, in constant time.
    ///
    /// The timestamp is signed like any other parameter but its freshness is not checked
    /// here: see [`SigningKey::verify_fresh`] and [`crate::check_timestamp`].
    ///
    /// # Errors
    ///
    /// [`Error::MissingSignature`], [`Error::DuplicateParameter`] for several `signature`
    /// parameters, [`Error::MalformedSignature`] when it is not `v2.` + 43 base64url
    /// characters, and [`Error::SignatureMismatch`] when it is not this key's signature of the
    /// request.
    pub fn verify(&self, request: &Request<'_>) -> Result<(), Error> {
        let claimed = decode_signature(find_signature(request)?)?;
        let params = SortedParams::new(request.query, None, None);
        self.mac_over(request, &params)
            .verify_slice(&claimed)
            .map_err(|_| Error::SignatureMismatch)
    }

    /// [`SigningKey::verify`], then checks that the request's `timestamp` is within
    /// `tolerance_secs` of `now` (both Unix seconds), and returns that timestamp.
    ///
    /// The signature is checked first, so a timestamp is only judged once it is known to be
    /// the signed one.
    ///
    /// # Errors
    ///
    /// Those of [`SigningKey::verify`], of [`Request::timestamp`] and of
    /// [`crate::check_timestamp`].
    pub fn verify_fresh(
        &self,
        request: &Request<'_>,
        now: u64,
        tolerance_secs: u64,
    ) -> Result<u64, Error> {
        self.verify(request)?;
        let timestamp = request.timestamp()?;
        crate::check_timestamp(timestamp, now, tolerance_secs)?;
        Ok(timestamp)
    }

    /// A MAC that has absorbed the whole string to sign of `request` with `params`.
    pub(crate) fn mac_over(&self, request: &Request<'_>, params: &SortedParams<'_>) -> HmacSha256 {
        let mut mac = self.mac.clone();
        write_head(&mut mac, &self.publish_key, request);
        params.write_canonical(&mut mac);
        mac.update(b"\n");
        mac.update(request.body);
        mac
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("publish_key", &self.publish_key)
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

/// `v2.` + base64url without padding.
fn encode_signature(mac: &[u8]) -> String {
    let mut signature = String::with_capacity(SIGNATURE_LEN);
    signature.push_str(SIGNATURE_PREFIX);
    URL_SAFE_NO_PAD.encode_string(mac, &mut signature);
    signature
}

/// The request's single `signature` value.
pub(crate) fn find_signature<'r>(request: &Request<'r>) -> Result<&'r str, Error> {
    let mut found = None;
    let mut count = 0;
    for &(key, value) in request.query {
        if key == SIGNATURE_PARAM {
            count += 1;
            found = Some(value);
        }
    }
    match (found, count) {
        (None, _) => Err(Error::MissingSignature),
        (Some(value), 1) => Ok(value),
        (Some(_), count) => Err(Error::DuplicateParameter {
            name: SIGNATURE_PARAM,
            count,
        }),
    }
}

/// The MAC bytes of a `v2.` signature; the length is checked before decoding, so any input
/// costs at most one fixed-size decode.
pub(crate) fn decode_signature(signature: &str) -> Result<[u8; MAC_LEN], Error> {
    let malformed = |problem| Error::MalformedSignature {
        problem,
        found_len: signature.len(),
    };
    let encoded = signature
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or_else(|| malformed("it does not start with `v2.`"))?;
    if encoded.len() != SIGNATURE_BASE64_LEN {
        return Err(malformed("wrong length"));
    }
    decode_mac(
        encoded,
        signature.len(),
        "it is not base64url without padding",
    )
}

/// The MAC bytes of `encoded`, base64url without padding whose length the caller has checked
/// is [`SIGNATURE_BASE64_LEN`]. Shared by the `v2.` scheme and the v1 publish scheme; each
/// names its own expectation in `not_base64`, the problem reported when the characters do not
/// decode. `signature_len` is the length of the whole signature, for the error.
pub(crate) fn decode_mac(
    encoded: &str,
    signature_len: usize,
    not_base64: &'static str,
) -> Result<[u8; MAC_LEN], Error> {
    let malformed = |problem| Error::MalformedSignature {
        problem,
        found_len: signature_len,
    };
    // Room for the decoder's length estimate (33 bytes for 43 characters).
    let mut decoded = [0u8; MAC_LEN + 3];
    let len = URL_SAFE_NO_PAD
        .decode_slice(encoded, &mut decoded)
        .map_err(|_| malformed(not_base64))?;
    let mut mac = [0u8; MAC_LEN];
    match decoded.get(..len) {
        Some(bytes) if len == MAC_LEN => mac.copy_from_slice(bytes),
        _ => return Err(malformed("it does not decode to 32 bytes")),
    }
    Ok(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(query: &'a [(&'a str, &'a str)]) -> Request<'a> {
        Request {
            method: "POST",
            path: "/v3/pam/sub-c-1/grant",
            query,
            body: br#"{"ttl":15}"#,
        }
    }

    #[test]
    fn debug_never_shows_secret_or_signature() {
        let key = SigningKey::new("pub-c-visible", "sec-c-hidden");
        let shown = format!("{key:?}");
        assert!(shown.contains("pub-c-visible"), "{shown}");
        assert!(!shown.contains("sec-c-hidden"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");

        let signed = key.sign(&request(&[]), 1);
        let shown = format!("{signed:?}");
        assert!(!shown.contains(&signed.signature[3..]), "{shown}");
    }

    #[test]
    fn sign_matches_signature_for_with_timestamp_added() {
        let key = SigningKey::new("pub", "sec");
        let signed = key.sign(&request(&[("uuid", "me")]), 1_700_000_000);
        let explicit = key.signature_for(&request(&[("uuid", "me"), ("timestamp", "1700000000")]));
        assert_eq!(signed.signature, explicit);
        assert_eq!(signed.signature.len(), SIGNATURE_LEN);
    }

    #[test]
    fn sign_replaces_a_timestamp_already_in_the_query() {
        let key = SigningKey::new("pub", "sec");
        let stale = key.sign(&request(&[("timestamp", "5"), ("uuid", "me")]), 9);
        let clean = key.sign(&request(&[("uuid", "me")]), 9);
        assert_eq!(stale, clean);
    }

    #[test]
    fn signature_for_string_to_sign_agrees_with_signature_for() {
        let key = SigningKey::new("pub", "sec");
        let req = request(&[("a", "b c"), ("timestamp", "7")]);
        assert_eq!(
            key.signature_for_string_to_sign(&crate::string_to_sign("pub", &req)),
            key.signature_for(&req)
        );
    }

    #[test]
    fn malformed_signatures_say_why() {
        let a42 = "A".repeat(42);
        let cases = [
            ("v1.abc".to_owned(), "does not start"),
            ("v2.".to_owned(), "wrong length"),
            (format!("v2.{a42}A="), "wrong length"),
            (format!("v2.{a42}+"), "not base64url"),
            (format!("v2.{a42}="), "not base64url"),
            // The last character carries bits past the 32 bytes: not canonical base64.
            (format!("v2.{a42}B"), "not base64url"),
        ];
        let key = SigningKey::new("pub", "sec");
        for (signature, why) in &cases {
            let query = [("timestamp", "1"), ("signature", signature.as_str())];
            match key.verify(&request(&query)) {
                Err(Error::MalformedSignature { problem, found_len }) => {
                    assert!(problem.contains(why), "{signature}: {problem}");
                    assert_eq!(found_len, signature.len());
                }
                other => panic!("{signature}: expected MalformedSignature, got {other:?}"),
            }
        }
    }

    #[test]
    fn missing_and_duplicate_signatures_are_rejected() {
        let key = SigningKey::new("pub", "sec");
        assert_eq!(
            key.verify(&request(&[("timestamp", "1")])),
            Err(Error::MissingSignature)
        );
        let good = key.signature_for(&request(&[]));
        assert_eq!(
            key.verify(&request(&[("signature", &good), ("signature", &good)])),
            Err(Error::DuplicateParameter {
                name: "signature",
                count: 2
            })
        );
    }

    #[test]
    fn verify_fresh_checks_signature_before_time() {
        let key = SigningKey::new("pub", "sec");
        let signed = key.sign(&request(&[]), 1_000);
        let [(tk, tv), (sk, sv)] = signed.query_pairs();
        let query = [(tk, tv.as_str()), (sk, sv.as_str())];
        assert_eq!(key.verify_fresh(&request(&query), 1_030, 60), Ok(1_000));
        assert_eq!(
            key.verify_fresh(&request(&query), 2_000, 60),
            Err(Error::TimestampOutOfRange {
                timestamp: 1_000,
                now: 2_000,
                tolerance_secs: 60
            })
        );
        let other = SigningKey::new("pub", "other");
        assert_eq!(
            other.verify_fresh(&request(&query), 2_000, 60),
            Err(Error::SignatureMismatch)
        );
    }

    #[test]
    fn unsigned_timestamp_missing_is_reported_after_signature_check() {
        let key = SigningKey::new("pub", "sec");
        let signature = key.signature_for(&request(&[]));
        assert_eq!(
            key.verify_fresh(&request(&[("signature", &signature)]), 0, 60),
            Err(Error::MissingTimestamp)
        );
    }
}
