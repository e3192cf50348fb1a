//! The real tokens of the committed vectors (`pam-vectors`): every one parses and reads as `expected` says; the
//! invalid inputs are all refused.

use base64::Engine as _;
use serde_json::Value;

use pam_vectors::{hex, token_vectors, vectors_file};

/// Checks one vector; returns what differs.
fn check(vector: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let token_text = vector["token"].as_str().expect("token is a string");
    let expected = &vector["expected"];
    let token = match pam_token::parse(token_text) {
        Ok(t) => t,
        Err(e) => return vec![format!("does not parse: {e}")],
    };
    let json = token.to_json();
    for field in [
        "version",
        "timestamp",
        "ttl",
        "authorized_uuid",
        "resources",
        "patterns",
        "meta",
    ] {
        if json[field] != expected[field] {
            problems.push(format!(
                "{field}: got {}, expected {}",
                json[field], expected[field]
            ));
        }
    }
    let timestamp = expected["timestamp"].as_u64().expect("timestamp");
    let ttl = expected["ttl"].as_u64().expect("ttl");
    if json["expires_at"] != timestamp + ttl * 60 {
        problems.push(format!("expires_at: got {}", json["expires_at"]));
    }
    let signature = hex(expected["signature"]["hex"]
        .as_str()
        .expect("signature hex"));
    if token.signature()[..] != signature[..] {
        problems.push("signature bytes differ".to_owned());
    }
    let printed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&signature);
    if json["signature"] != printed.as_str() {
        problems.push(format!(
            "signature: got {}, expected {printed}",
            json["signature"]
        ));
    }
    for (section, grants) in [
        ("resources", token.resources()),
        ("patterns", token.patterns()),
    ] {
        let order: Vec<&str> = grants.categories().map(|c| c.kind().token_key()).collect();
        let expected_order: Vec<&str> = expected[format!("{section}_cbor_category_order")]
            .as_array()
            .expect("category order")
            .iter()
            .map(|v| v.as_str().expect("category key"))
            .collect();
        if order != expected_order {
            problems.push(format!(
                "{section} order: got {order:?}, expected {expected_order:?}"
            ));
        }
    }

    // The same token unpadded, padded, in the standard alphabet, and as raw CBOR.
    let bare = token_text.trim_end_matches('=');
    let padded = format!("{bare}{}", "=".repeat((4 - bare.len() % 4) % 4));
    let standard = padded.replace('-', "+").replace('_', "/");
    for (form, text) in [
        ("unpadded", bare),
        ("padded", &padded),
        ("standard alphabet", &standard),
    ] {
        match pam_token::parse(text) {
            Ok(again) if again.to_json() == json => {}
            Ok(_) => problems.push(format!("{form} form reads differently")),
            Err(e) => problems.push(format!("{form} form does not parse: {e}")),
        }
    }
    let raw = hex(vector["cbor"]["raw_hex"].as_str().expect("raw_hex"));
    match pam_token::parse_cbor(&raw) {
        Ok(again) if again.to_json() == json => {}
        Ok(_) => problems.push("raw CBOR reads differently".to_owned()),
        Err(e) => problems.push(format!("raw CBOR does not parse: {e}")),
    }
    problems
}

#[test]
fn every_token_vector_reads_as_expected() {
    let vectors = token_vectors();
    let mut failures = Vec::new();
    for vector in &vectors {
        let id = vector["id"].as_str().unwrap_or("<no id>");
        for problem in check(vector) {
            failures.push(format!("{id}: {problem}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        vectors.len() >= 53,
        "expected the 53 committed token vectors, checked {}",
        vectors.len()
    );
    eprintln!("checked {} token vectors", vectors.len());
}

#[test]
fn unpadded_php_snippet_equals_csharp_legacy_token() {
    let vectors = token_vectors();
    let by_id = |id: &str| {
        let vector = vectors
            .iter()
            .find(|v| v["id"] == id)
            .unwrap_or_else(|| panic!("vector {id} is missing"));
        pam_token::parse(vector["token"].as_str().expect("token"))
            .unwrap_or_else(|e| panic!("{id}: {e}"))
    };
    let php = by_id("php_snippet_unpadded");
    let csharp = by_id("csharp_legacy_users_spaces_patterns");
    assert_eq!(php.to_json(), csharp.to_json());
    assert_eq!(php.signature(), csharp.signature());
    assert_eq!(php.patterns().len(), 4);
}

#[test]
fn every_invalid_input_is_refused_with_a_short_message() {
    let file = vectors_file("invalid_tokens.json");
    let cases = file["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    for case in cases {
        let input = case["input"].as_str().expect("input");
        match pam_token::parse(input) {
            Ok(token) => panic!("{input:?} parsed: {token:?}"),
            Err(e) => {
                let message = e.to_string();
                eprintln!("{input:?}\n    -> {message}");
                assert!(!message.contains('\n'), "{message}");
                if input.len() > 20 {
                    assert!(
                        !message.contains(input),
                        "message repeats the token: {message}"
                    );
                }
            }
        }
    }
}

#[test]
fn invalid_inputs_fail_for_the_documented_reason() {
    use pam_token::Error;
    // 62 characters whose last one carries bits past the end: not canonical base64.
    let err = pam_token::parse("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidBase64 {
                position: Some(61),
                ..
            }
        ),
        "{err}"
    );
    // The same alphabet, canonical: a uint followed by 44 bytes.
    let err = pam_token::parse("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz01234567")
        .unwrap_err();
    assert!(
        matches!(err, Error::WrongType { ref field, found: "an unsigned integer", .. } if field == "token"),
        "{err}"
    );
    // "hello world": a text string.
    let err = pam_token::parse("aGVsbG8gd29ybGQ=").unwrap_err();
    assert!(
        matches!(
            err,
            Error::WrongType {
                found: "a text string",
                ..
            }
        ),
        "{err}"
    );
    // A lone indefinite-length array head.
    let err = pam_token::parse("nw==").unwrap_err();
    assert!(matches!(err, Error::Unsupported { offset: 0, .. }), "{err}");
    assert_eq!(pam_token::parse(""), Err(Error::Empty));
    assert!(matches!(
        pam_token::parse("   "),
        Err(Error::InvalidBase64 {
            position: Some(0),
            ..
        })
    ));
    assert!(matches!(
        pam_token::parse("bad-token"),
        Err(Error::InvalidBase64 { position: None, .. })
    ));
}

#[test]
fn go_fake_token_is_refused_as_strictly_as_documented() {
    // pubnub/go's hand-made token: `res` closes early, so its `uuid: {}` lands at the top
    // level (then an integer `uuid`, then trailing bytes).
    let fake = "qEF2AkF0GmEI03xDdHRsGDxDcmVzpURjaGFuoWNjaDEY70NncnChY2NnMRjvQ3VzcqBDc3BjoER1dWlkoER1dWlkoER1dWlkDHQFQ3NpZ1ggZGI4ZDJhMGYtYjUyYy00YWJhLWJjOTEtNGM5NGQwM2ZlMzY3";
    let err = pam_token::parse(fake).unwrap_err();
    // The first problem in reading order: a map where the authorized uuid (text) belongs.
    assert!(
        matches!(&err, pam_token::Error::WrongType { field, expected: "a text string", found: "a map", .. } if field == "uuid"),
        "{err}"
    );
}
