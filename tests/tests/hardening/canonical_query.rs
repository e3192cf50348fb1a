//! Canonical query invariants end to end: the query a client encodes is exactly what the
//! emulator decodes and verifies, whatever order it is sent in; any change to it is caught;
//! and both encodings are injective on text chosen to collide (`=`, `&`, `%`, `+`, space).
//!
//! `pam-sign`'s own property tests cover order-independence of `canonical_query` and its
//! decoding back; these go through the server's decoder and through inputs built to collide.

use pam_sign::{canonical_query, encode_query};
use proptest::prelude::*;

use super::signed_call::{SUB, manager, signed_in_order};

const GRANT_BODY: &str = r#"{"ttl":5,"permissions":{"resources":{"channels":{"room":1}}}}"#;

/// Extra parameters: any text but the names the signer and the server reserve.
fn extra_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    let key = prop_oneof!["[a-zA-Z0-9_.~ +%&=-]{1,8}", "\\PC{1,6}"]
        .prop_filter("reserved name", |key| {
            !matches!(key.as_str(), "uuid" | "timestamp" | "signature" | "auth")
        });
    proptest::collection::vec((key, "\\PC{0,12}"), 0..8)
}

/// Pairs over a small alphabet of characters that matter to query syntax, so that distinct
/// inputs with equal encodings would be found if they existed.
fn colliding_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec(("[a=&%+ 2B]{0,3}", "[a=&%+ 2B]{0,3}"), 0..4)
}

fn sorted_without_signature(pairs: &[(String, String)]) -> Vec<(String, String)> {
    let mut kept: Vec<_> = pairs
        .iter()
        .filter(|(k, _)| k != "signature")
        .cloned()
        .collect();
    kept.sort();
    kept
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn a_signed_grant_verifies_whatever_order_its_query_is_sent_in(
        extra in extra_pairs(),
        order in proptest::collection::vec(any::<u64>(), 16),
    ) {
        let manager = manager();
        let response = signed_in_order(
            &manager,
            "POST",
            &format!("/v3/pam/{SUB}/grant"),
            &extra,
            GRANT_BODY.as_bytes(),
            |query| {
                let mut keyed: Vec<_> = query.drain(..).enumerate().map(|(i, p)| (order[i % order.len()], i, p)).collect();
                keyed.sort();
                query.extend(keyed.into_iter().map(|(_, _, p)| p));
            },
        );
        prop_assert_eq!(response.status, 200, "{}", response.body);
    }

    #[test]
    fn changing_any_sent_parameter_is_caught(
        extra in extra_pairs().prop_filter("at least one extra", |e| !e.is_empty()),
        which in any::<usize>(),
        appended in any::<char>(),
    ) {
        let manager = manager();
        let which = 1 + which % extra.len(); // after `uuid`, before `timestamp`
        let response = signed_in_order(
            &manager,
            "POST",
            &format!("/v3/pam/{SUB}/grant"),
            &extra,
            GRANT_BODY.as_bytes(),
            |query| query[which].1.push(appended),
        );
        prop_assert_eq!(response.status, 403, "{}", response.body);
        prop_assert!(response.body.contains("Invalid signature"), "{}", response.body);
    }

    #[test]
    fn query_encodings_are_injective_on_colliding_text(a in colliding_pairs(), b in colliding_pairs()) {
        prop_assert_eq!(encode_query(&a) == encode_query(&b), a == b, "{:?} / {:?}", a, b);
        prop_assert_eq!(
            canonical_query(&a) == canonical_query(&b),
            sorted_without_signature(&a) == sorted_without_signature(&b),
            "{:?} / {:?}", a, b
        );
    }
}
