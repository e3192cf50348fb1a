//! `pam_sign::SigningKey::verify` and the canonical query on arbitrary requests.
//!
//! The input's first four lines are the method, the path and two raw queries (`a=1&b=2`,
//! split but not decoded); the bytes after the first `0x00` are the body. Checked:
//! - `verify` accepts exactly a single `signature` parameter equal to the key's own signature
//!   of the rest of the request, and its errors are one line without the secret key;
//! - signing the request and appending `timestamp` and `signature` verifies, in any parameter
//!   order, and agrees with `string_to_sign`; `Debug` shows neither the signature nor the key;
//! - the canonical query is injective: two queries with the same canonical form hold the
//!   same parameters (as multisets, `signature` aside).

#![no_main]

use libfuzzer_sys::fuzz_target;
use pam_fuzz::{
    PUBLISH_KEY, RequestInput, SECRET_KEY, assert_no_secret, assert_one_line, query_pairs,
};
use pam_sign::{Error, Request, SigningKey, canonical_query, string_to_sign};

fn sorted_without_signature<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut kept: Vec<_> = pairs
        .iter()
        .copied()
        .filter(|(k, _)| *k != "signature")
        .collect();
    kept.sort_unstable();
    kept
}

fuzz_target!(|data: &[u8]| {
    let input = RequestInput::split(data);
    let (lines, _) = input.lines(4);
    let (method, path) = (lines[0], lines[1]);
    let query = query_pairs(lines[2]);
    let other = query_pairs(lines[3]);
    let key = SigningKey::new(PUBLISH_KEY, SECRET_KEY);
    let request = Request {
        method,
        path,
        query: &query,
        body: input.body,
    };

    // Verify as received.
    let outcome = key.verify(&request);
    let signatures: Vec<&str> = query
        .iter()
        .filter(|(k, _)| *k == "signature")
        .map(|&(_, v)| v)
        .collect();
    let genuine = signatures.len() == 1 && signatures[0] == key.signature_for(&request);
    assert_eq!(outcome.is_ok(), genuine, "{outcome:?}");
    if let Err(error) = &outcome {
        let message = error.to_string();
        assert_one_line(&message);
        assert_no_secret("verify error", &message, data);
    }
    let _ = key.verify_fresh(&request, 1_700_000_000, 60);
    assert_no_secret("SigningKey Debug", &format!("{key:?}"), data);

    // Sign, then verify in two parameter orders.
    let unsigned: Vec<(&str, &str)> = query
        .iter()
        .copied()
        .filter(|(k, _)| *k != "signature" && *k != "timestamp")
        .collect();
    let timestamp = u64::from(input.body.len() as u32) * 7919 + 1_600_000_000;
    let unsigned_request = Request {
        query: &unsigned,
        ..request
    };
    let signed = key.sign(&unsigned_request, timestamp);
    let [(ts_key, ts), (sig_key, sig)] = signed.query_pairs();
    let mut sent = unsigned.clone();
    sent.push((ts_key, ts.as_str()));
    sent.push((sig_key, sig.as_str()));
    let received = Request {
        query: &sent,
        ..request
    };
    assert_eq!(key.verify(&received), Ok(()));
    assert_eq!(key.verify_fresh(&received, timestamp, 0), Ok(timestamp));
    assert_eq!(
        key.signature_for_string_to_sign(&string_to_sign(PUBLISH_KEY, &received)),
        signed.signature
    );
    sent.reverse();
    let reversed = Request {
        query: &sent,
        ..request
    };
    assert_eq!(key.verify(&reversed), Ok(()));
    assert_eq!(
        SigningKey::new(PUBLISH_KEY, "another secret").verify(&reversed),
        Err(Error::SignatureMismatch)
    );
    let shown = format!("{reversed:?} {signed:?}");
    assert!(
        !shown.contains(&signed.signature),
        "Debug shows the signature: {shown}"
    );
    assert_no_secret("Request Debug", &shown, data);

    // The canonical query decides the multiset of parameters.
    if canonical_query(&query) == canonical_query(&other) {
        assert_eq!(
            sorted_without_signature(&query),
            sorted_without_signature(&other)
        );
    }
    let mut backwards = query.clone();
    backwards.reverse();
    assert_eq!(canonical_query(&query), canonical_query(&backwards));
});
