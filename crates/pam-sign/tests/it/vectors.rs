//! Conformance over `pam-vectors`'s `signatures.json` and `revoke_paths.json`.
//!
//! The vectors are read at test time; when the shared directory is absent the tests print why
//! and pass.

use pam_sign::{Request, SigningKey, canonical_query, encode_path_segment, string_to_sign};
use serde_json::Value;

fn text<'v>(vector: &'v Value, field: &str) -> &'v str {
    vector[field].as_str().unwrap_or_else(|| {
        panic!(
            "vector {}: field `{field}` is missing or not a string",
            vector["id"]
        )
    })
}

#[test]
fn signature_vectors_reproduce() {
    let file = pam_vectors::vectors_file("signatures.json");
    let vectors = file["vectors"]
        .as_array()
        .expect("signatures.json: `vectors` is an array");
    let mut checked = 0;
    let mut from_params = 0;
    for vector in vectors {
        let id = text(vector, "id");
        let (method, publish_key, path) = (
            text(vector, "method"),
            text(vector, "publish_key"),
            text(vector, "path"),
        );
        let (canonical, body) = (text(vector, "canonical_query"), text(vector, "body"));
        let expected_sts = text(vector, "string_to_sign");
        let expected = text(vector, "expected_signature");
        let context = format!(
            "vector {id}: method={method:?} publish_key={publish_key:?} path={path:?} \
             canonical_query={canonical:?} body={body:?}"
        );
        let key = SigningKey::new(publish_key, text(vector, "secret_key"));

        // The HMAC layer, from the canonical query as given.
        let built = format!("{method}\n{publish_key}\n{path}\n{canonical}\n{body}");
        assert_eq!(built, expected_sts, "{context}: string to sign");
        assert_eq!(
            key.signature_for_string_to_sign(built.as_bytes()),
            expected,
            "{context}: signature from the given canonical query"
        );
        checked += 1;

        // The whole pipeline, from raw query parameters.
        let Some(params) = vector["query_params"].as_object() else {
            continue;
        };
        let query: Vec<(&str, &str)> = params
            .iter()
            .map(|(key, value)| {
                let value = value
                    .as_str()
                    .unwrap_or_else(|| panic!("{context}: query_params.{key} is not a string"));
                (key.as_str(), value)
            })
            .collect();
        let context = format!("{context} query_params={query:?}");
        assert_eq!(
            canonical_query(&query),
            canonical,
            "{context}: canonical query"
        );
        let request = Request {
            method,
            path,
            query: &query,
            body: body.as_bytes(),
        };
        assert_eq!(
            string_to_sign(publish_key, &request),
            expected_sts.as_bytes(),
            "{context}: string_to_sign"
        );
        assert_eq!(
            key.signature_for(&request),
            expected,
            "{context}: signature_for"
        );

        let mut received = query.clone();
        received.push(("signature", expected));
        let received = Request {
            query: &received,
            ..request
        };
        assert_eq!(key.verify(&received), Ok(()), "{context}: verify");

        if let Some(&(_, timestamp)) = query.iter().find(|(key, _)| *key == "timestamp") {
            let timestamp: u64 = timestamp.parse().expect("vector timestamps are integers");
            let without: Vec<(&str, &str)> = query
                .iter()
                .copied()
                .filter(|(key, _)| *key != "timestamp")
                .collect();
            let signed = key.sign(
                &Request {
                    query: &without,
                    ..request
                },
                timestamp,
            );
            assert_eq!(signed.signature, expected, "{context}: sign");
            assert_eq!(signed.timestamp, timestamp, "{context}: sign");
        }
        from_params += 1;
    }
    eprintln!("checked {checked} signature vectors, {from_params} of them from query_params");
    assert!(checked > 0, "signatures.json holds no vectors");
    assert!(from_params > 0, "no vector has query_params");
}

#[test]
fn raw_hmac_vectors_reproduce() {
    let file = pam_vectors::vectors_file("signatures.json");
    let vectors = file["hmac_primitive_vectors"]
        .as_array()
        .expect("signatures.json: `hmac_primitive_vectors` is an array");
    let mut checked = 0;
    for (index, vector) in vectors.iter().enumerate() {
        let secret = text(vector, "secret_key");
        let message = text(vector, "message");
        let padded = text(vector, "expected_base64url_padded");
        let key = SigningKey::new("", secret);
        let expected = format!("v2.{}", padded.trim_end_matches('='));
        assert_eq!(
            key.signature_for_string_to_sign(message.as_bytes()),
            expected,
            "hmac vector #{index} ({}): secret={secret:?} message={message:?}",
            vector["source"]
        );
        checked += 1;
    }
    eprintln!("checked {checked} raw HMAC vectors");
    assert!(checked > 0, "signatures.json holds no raw HMAC vectors");
}

#[test]
fn revoke_path_segments_match() {
    let file = pam_vectors::vectors_file("revoke_paths.json");
    let cases = file["cases"]
        .as_array()
        .expect("revoke_paths.json: `cases` is an array");
    let mut checked = 0;
    for (index, case) in cases.iter().enumerate() {
        let token = case["token"]
            .as_str()
            .unwrap_or_else(|| panic!("revoke case #{index}: `token` is not a string"));
        let expected = case["expected_path_segment"].as_str().unwrap_or_else(|| {
            panic!("revoke case #{index}: `expected_path_segment` is not a string")
        });
        assert_eq!(
            encode_path_segment(token),
            expected,
            "revoke case #{index}: token={token:?}"
        );
        assert_eq!(
            pam_sign::percent_encode(token),
            expected,
            "revoke case #{index}: query-value encoding of token={token:?}"
        );
        checked += 1;
    }
    eprintln!("checked {checked} revoke path vectors");
    assert!(checked > 0, "revoke_paths.json holds no cases");
}
