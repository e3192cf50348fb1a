//! Whatever the bytes, the core answers: no panic, a status from 200 to 599 (never 5xx for
//! these inputs, which never reach the journal) and a JSON body.

use pam_emulator::{AccessManager, Request};
use proptest::prelude::*;

use super::support::{PUB, SUB, config};

/// Paths that reach each endpoint's parsing, with arbitrary text spliced in.
fn path() -> impl Strategy<Value = String> {
    let text = "[ -~]{0,40}|[^/]{0,10}";
    prop_oneof![
        Just("/time/0".to_owned()),
        text.prop_map(|t| format!("/v3/pam/{SUB}/grant/{t}")),
        text.prop_map(|t| format!("/v3/pam/{t}/grant")),
        text.prop_map(|t| format!("/publish/{PUB}/{SUB}/0/{t}/0/{t}")),
        text.prop_map(|t| format!("/publish/{PUB}/{SUB}/0/ch/0{t}")),
        text.prop_map(|t| format!("/signal/{t}/{SUB}/0/ch/0/1")),
        "/[ -~]{0,60}",
        "[ -~]{0,20}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        "uuid=u&[ -~]{0,80}",
        "uuid=u&auth=[A-Za-z0-9_=%-]{0,120}",
        "uuid=u&timestamp=[0-9]{0,12}&signature=v2\\.[A-Za-z0-9_-]{0,50}",
        "[ -~]{0,80}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_core_answers_anything_with_json(
        method in prop_oneof![Just("GET".to_owned()), Just("POST".to_owned()), Just("DELETE".to_owned()), "[A-Z]{0,8}"],
        path in path(),
        query in query(),
        content_type in prop_oneof![Just("application/json".to_owned()), "[ -~]{0,30}"],
        body in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let manager = AccessManager::new(&config()).expect("valid config");
        let headers = [("content-type", content_type.as_str())];
        let response = manager.handle(&Request {
            method: &method,
            path: &path,
            query: &query,
            headers: &headers,
            body: &body,
        });
        prop_assert!((200..500).contains(&response.status), "{} {}", response.status, response.body);
        prop_assert!(serde_json::from_str::<serde_json::Value>(&response.body).is_ok(), "{}", response.body);
    }

    #[test]
    fn grant_bodies_never_break_the_core(body in "[ -~]{0,300}") {
        let manager = AccessManager::new(&config()).expect("valid config");
        let now = manager.now();
        let path = format!("/v3/pam/{SUB}/grant");
        let query = [("uuid", "u")];
        let signed = pam_sign::SigningKey::new(PUB, super::support::SECRET).sign(
            &pam_sign::Request { method: "POST", path: &path, query: &query, body: body.as_bytes() },
            now,
        );
        let [(tk, tv), (sk, sv)] = signed.query_pairs();
        let target = pam_sign::encode_query(&[("uuid", "u"), (tk, tv.as_str()), (sk, sv.as_str())]);
        let response = manager.handle(&Request {
            method: "POST",
            path: &path,
            query: &target,
            headers: &[("Content-Type", "application/json")],
            body: body.as_bytes(),
        });
        prop_assert!(matches!(response.status, 200 | 400), "{} {}", response.status, response.body);
        prop_assert!(serde_json::from_str::<serde_json::Value>(&response.body).is_ok());
    }
}
