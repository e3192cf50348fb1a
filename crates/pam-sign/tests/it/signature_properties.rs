//! Property tests: signing round-trips, tampering is caught, encoding is injective.

use pam_sign::{Error, Request, SigningKey, canonical_query, percent_encode};
use proptest::prelude::*;

/// Decodes `%XY` escapes (test-only inverse of `percent_encode`); `None` on a bad escape or
/// bytes that are not UTF-8.
fn percent_decode(encoded: &str) -> Option<String> {
    let bytes = encoded.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = encoded.get(index + 1..index + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("GET".to_owned()),
        Just("POST".to_owned()),
        Just("DELETE".to_owned()),
        Just("PATCH".to_owned()),
    ]
}

/// Query keys other than the two the signer manages itself.
fn param_key() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_.-]{1,12}".prop_filter("signer-managed key", |key| {
        key != "timestamp" && key != "signature"
    })
}

fn query() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((param_key(), "\\PC{0,16}"), 0..8)
}

fn borrowed(query: &[(String, String)]) -> Vec<(&str, &str)> {
    query
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect()
}

/// `query` followed by the signer's `timestamp` and `signature`.
fn signed_query(key: &SigningKey, request: &Request<'_>, timestamp: u64) -> Vec<(String, String)> {
    let signed = key.sign(request, timestamp);
    request
        .query
        .iter()
        .map(|&(key, value)| (key.to_owned(), value.to_owned()))
        .chain(
            signed
                .query_pairs()
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value)),
        )
        .collect()
}

/// Replaces the character at `at % len` (or inserts one into an empty string) with a
/// different character.
fn change_char(text: &str, at: usize, replacement: char) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return replacement.to_string();
    }
    let at = at % chars.len();
    chars[at] = if chars[at] == replacement {
        if replacement == 'a' { 'b' } else { 'a' }
    } else {
        replacement
    };
    chars.into_iter().collect()
}

proptest! {
    #[test]
    fn sign_then_verify_holds(
        publish_key in "\\PC{0,20}",
        secret_key in "\\PC{0,40}",
        method in method(),
        path in "/[!-~]{0,40}",
        query in query(),
        body in prop::collection::vec(any::<u8>(), 0..200),
        timestamp in any::<u64>(),
    ) {
        let key = SigningKey::new(publish_key, secret_key);
        let query = borrowed(&query);
        let request = Request { method: &method, path: &path, query: &query, body: &body };
        let sent = signed_query(&key, &request, timestamp);
        let sent = borrowed(&sent);
        let received = Request { query: &sent, ..request };
        prop_assert_eq!(key.verify(&received), Ok(()));
        prop_assert_eq!(key.verify_fresh(&received, timestamp, 0), Ok(timestamp));
    }

    #[test]
    fn changed_body_byte_fails(
        query in query(),
        body in prop::collection::vec(any::<u8>(), 1..200),
        at in any::<usize>(),
        flip in 1u8..=255,
    ) {
        let key = SigningKey::new("pub", "sec");
        let query = borrowed(&query);
        let request = Request { method: "POST", path: "/p", query: &query, body: &body };
        let sent = signed_query(&key, &request, 1);
        let sent = borrowed(&sent);
        let mut tampered = body.clone();
        let at = at % tampered.len();
        tampered[at] ^= flip;
        let received = Request { query: &sent, body: &tampered, ..request };
        prop_assert_eq!(key.verify(&received), Err(Error::SignatureMismatch));
    }

    #[test]
    fn changed_path_byte_fails(
        path in "/[!-~]{0,40}",
        at in any::<usize>(),
        replacement in proptest::char::range('!', '~'),
    ) {
        let key = SigningKey::new("pub", "sec");
        let request = Request { method: "GET", path: &path, query: &[], body: b"" };
        let sent = signed_query(&key, &request, 1);
        let sent = borrowed(&sent);
        let tampered = change_char(&path, at, replacement);
        let received = Request { path: &tampered, query: &sent, ..request };
        prop_assert_eq!(key.verify(&received), Err(Error::SignatureMismatch));
    }

    #[test]
    fn changed_query_value_fails(
        query in prop::collection::vec((param_key(), "\\PC{0,16}"), 1..8),
        which in any::<usize>(),
        at in any::<usize>(),
        replacement in any::<char>(),
    ) {
        let key = SigningKey::new("pub", "sec");
        let borrowed_query = borrowed(&query);
        let request = Request { method: "GET", path: "/p", query: &borrowed_query, body: b"" };
        let mut sent = signed_query(&key, &request, 1);
        // The signed parameters come after the request's own, so `which` picks one of those.
        let which = which % query.len();
        sent[which].1 = change_char(&sent[which].1, at, replacement);
        let sent = borrowed(&sent);
        let received = Request { query: &sent, ..request };
        prop_assert_eq!(key.verify(&received), Err(Error::SignatureMismatch));
    }

    #[test]
    fn changed_timestamp_fails(timestamp in any::<u64>(), other in any::<u64>()) {
        prop_assume!(timestamp != other);
        let key = SigningKey::new("pub", "sec");
        let request = Request { method: "GET", path: "/p", query: &[], body: b"" };
        let mut sent = signed_query(&key, &request, timestamp);
        sent[0].1 = other.to_string();
        let sent = borrowed(&sent);
        let received = Request { query: &sent, ..request };
        prop_assert_eq!(key.verify(&received), Err(Error::SignatureMismatch));
    }

    #[test]
    fn changed_signature_byte_fails(
        query in query(),
        at in 0usize..pam_sign::SIGNATURE_LEN,
        replacement in prop_oneof![
            proptest::char::range('A', 'Z'),
            proptest::char::range('a', 'z'),
            proptest::char::range('0', '9'),
            Just('-'), Just('_'), Just('='), Just('+'), Just('/'), Just('.'),
        ],
    ) {
        let key = SigningKey::new("pub", "sec");
        let borrowed_query = borrowed(&query);
        let request = Request { method: "GET", path: "/p", query: &borrowed_query, body: b"" };
        let mut sent = signed_query(&key, &request, 1);
        let signature = &mut sent.last_mut().expect("signature was appended").1;
        let tampered = change_char(signature, at, replacement);
        prop_assert_ne!(&tampered, &*signature);
        *signature = tampered;
        let sent = borrowed(&sent);
        let received = Request { query: &sent, ..request };
        let outcome = key.verify(&received);
        prop_assert!(
            matches!(
                outcome,
                Err(Error::SignatureMismatch | Error::MalformedSignature { .. })
            ),
            "unexpected outcome {:?}",
            outcome
        );
    }

    #[test]
    fn other_secret_or_publish_key_fails(secret in "\\PC{0,20}", other in "\\PC{0,20}") {
        prop_assume!(secret != other);
        let key = SigningKey::new("pub", secret.as_str());
        let request = Request { method: "GET", path: "/p", query: &[], body: b"" };
        let sent = signed_query(&key, &request, 1);
        let sent = borrowed(&sent);
        let received = Request { query: &sent, ..request };
        prop_assert_eq!(
            SigningKey::new("pub", other.as_str()).verify(&received),
            Err(Error::SignatureMismatch)
        );
        prop_assert_eq!(
            SigningKey::new("pub2", secret).verify(&received),
            Err(Error::SignatureMismatch)
        );
    }

    #[test]
    fn canonical_query_ignores_input_order(
        shuffled in query().prop_flat_map(|query| {
            (Just(query.clone()), Just(query).prop_shuffle())
        }),
    ) {
        let (original, shuffled) = shuffled;
        prop_assert_eq!(canonical_query(&original), canonical_query(&shuffled));
    }

    #[test]
    fn canonical_query_decodes_back_to_its_parameters(
        query in prop::collection::vec(("\\PC{0,8}", "\\PC{0,8}"), 0..8),
    ) {
        let canonical = canonical_query(&query);
        let mut decoded: Vec<(String, String)> = if canonical.is_empty() {
            Vec::new()
        } else {
            canonical
                .split('&')
                .map(|pair| {
                    let (key, value) = pair.split_once('=').expect("every pair has `=`");
                    (
                        percent_decode(key).expect("key decodes"),
                        percent_decode(value).expect("value decodes"),
                    )
                })
                .collect()
        };
        let mut expected: Vec<(String, String)> =
            query.into_iter().filter(|(key, _)| key != "signature").collect();
        expected.sort();
        decoded.sort();
        prop_assert_eq!(decoded, expected);
    }

    #[test]
    fn percent_encode_round_trips_and_emits_only_allowed_characters(value in "\\PC{0,40}|.{0,40}") {
        let encoded = percent_encode(&value);
        let decoded = percent_decode(&encoded);
        prop_assert_eq!(decoded.as_deref(), Some(value.as_str()));
        let bytes = encoded.as_bytes();
        let mut index = 0;
        while index < bytes.len() {
            let byte = bytes[index];
            if byte == b'%' {
                let hex = &bytes[index + 1..index + 3];
                prop_assert!(
                    hex.iter().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b)),
                    "escape {:?} in {:?} is not two uppercase hex digits", hex, encoded
                );
                index += 3;
            } else {
                prop_assert!(
                    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'),
                    "byte {:?} emitted literally in {:?}", char::from(byte), encoded
                );
                index += 1;
            }
        }
    }

    #[test]
    fn percent_encode_is_injective(first in "\\PC{0,12}", second in "\\PC{0,12}") {
        prop_assume!(first != second);
        prop_assert_ne!(percent_encode(&first), percent_encode(&second));
    }
}
