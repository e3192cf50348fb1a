//! The emulator's request handling, `pam_emulator::AccessManager::handle`, on arbitrary
//! requests: raw method, path, query, headers and body, no socket.
//!
//! Input: a flags byte, then lines `METHOD`, `PATH`, `QUERY`, then `Name: value` header lines,
//! then a `0x00` byte and the body. Flags let the fuzzer past the checks it cannot forge:
//! - bit 0: the query line is read as decoded `key=value` pairs, the request is signed with
//!   the keyset's secret at the emulator's current time, and the query sent is their encoding;
//! - bit 1: `{token}` in the path and query is replaced by a valid token for the keyset
//!   (issued at start-up, granting everything on every channel by pattern).
//!
//! Checked: no panic; the status is one the emulator documents, never a 5xx; the body is
//! JSON; no body holds the secret key; a token held where the emulator reads credentials is
//! neither echoed in the body nor shown by the request's `Debug` (which is what the emulator
//! logs); a granted token verifies with the keyset's secret and says what the grant body
//! asked for.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pam_emulator::{AccessManager, EmulatorConfig, Keyset, Request};
use pam_fuzz::{
    PUBLISH_KEY, RequestInput, SECRET_KEY, SUBSCRIBE_KEY, assert_no_secret, query_pairs,
    without_credentials,
};
use pam_model::{GrantRequest, ResourceKind, permissions};

const PLACEHOLDER: &str = "{token}";

fn config() -> EmulatorConfig {
    EmulatorConfig::new(vec![Keyset::new(SUBSCRIBE_KEY, PUBLISH_KEY, SECRET_KEY)])
}

/// A token granting everything on every channel, group and user id, valid for 30 days.
fn harness_token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| {
        let manager = AccessManager::new(&config()).expect("valid config");
        let grant = GrantRequest::new(pam_model::limits::MAX_TTL)
            .pattern(
                permissions::channel(".*")
                    .read()
                    .write()
                    .manage()
                    .delete()
                    .get()
                    .update()
                    .join(),
            )
            .pattern(permissions::channel_group(".*").read().manage())
            .pattern(permissions::user_id(".*").get().update().delete());
        manager
            .issue_token(0, &grant, manager.now())
            .expect("keyset 0 exists")
    })
}

fn check_grant_answer(request: &Request<'_>, body: &serde_json::Value) {
    let Some(token) = body["data"]["token"].as_str() else {
        panic!("a 200 to a grant has no token: {body}");
    };
    let parsed = pam_token::verify(token, SECRET_KEY.as_bytes()).expect("granted token verifies");
    let asked = GrantRequest::from_body_json(request.body).expect("a granted body parses");
    assert_eq!(parsed.ttl(), asked.ttl);
    assert_eq!(
        parsed.authorized_user_id(),
        asked.authorized_user_id.as_deref()
    );
    let names = |kind: ResourceKind| parsed.resources().category(kind).map_or(0, |c| c.len());
    let total: usize = ResourceKind::ALL.into_iter().map(names).sum();
    assert_eq!(total, asked.resources.len());
    for resource in &asked.resources {
        assert_eq!(
            parsed.resources().get(resource.kind, &resource.name),
            Some(resource.permissions)
        );
    }
    assert_eq!(parsed.patterns().len(), asked.patterns.len());
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let input = RequestInput::split(rest);
    let (lines, header_lines) = input.lines(3);
    let token = harness_token();
    let substitute = flags & 2 != 0;
    let path = if substitute {
        lines[1].replace(PLACEHOLDER, &pam_sign::encode_path_segment(token))
    } else {
        lines[1].to_owned()
    };
    let raw_query = if substitute {
        lines[2].replace(PLACEHOLDER, token)
    } else {
        lines[2].to_owned()
    };
    let headers: Vec<(&str, &str)> = header_lines
        .iter()
        .map(|line| {
            line.split_once(':')
                .map_or((*line, ""), |(k, v)| (k, v.trim()))
        })
        .collect();
    let manager = AccessManager::new(&config()).expect("valid config");

    let query = if flags & 1 != 0 {
        let mut pairs: Vec<(&str, &str)> = query_pairs(&raw_query)
            .into_iter()
            .filter(|(k, _)| *k != "timestamp" && *k != "signature")
            .collect();
        let unsigned = pam_sign::Request {
            method: lines[0],
            path: &path,
            query: &pairs,
            body: input.body,
        };
        let signed =
            pam_sign::SigningKey::new(PUBLISH_KEY, SECRET_KEY).sign(&unsigned, manager.now());
        let [(ts_key, ts), (sig_key, sig)] = signed.query_pairs();
        pairs.push((ts_key, &ts));
        pairs.push((sig_key, &sig));
        pam_sign::encode_query(&pairs)
    } else {
        raw_query.clone()
    };
    let request = Request {
        method: lines[0],
        path: &path,
        query: &query,
        headers: &headers,
        body: input.body,
    };

    let response = manager.handle(&request);
    assert!(
        // 412: an App Context `PATCH` whose `If-Match` is not the object's eTag.
        matches!(
            response.status,
            200 | 400 | 403 | 404 | 405 | 412 | 413 | 414
        ),
        "status {} for {request:?}: {}",
        response.status,
        response.body
    );
    let body: serde_json::Value = serde_json::from_str(&response.body)
        .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", response.body));
    assert_no_secret("response body", &response.body, data);
    // A token held where the emulator reads credentials (`auth`, `signature`, `token`, the
    // revoke path) is never echoed in the answer nor shown in the request's `Debug` (which is
    // what the emulator logs). Elsewhere (a channel name, say) it is the client's own text and
    // may come back, as PubNub lists denied channels.
    let unpadded = token.trim_end_matches('=');
    if !without_credentials(&path, &query).contains(unpadded) {
        assert!(
            !response.body.contains(unpadded),
            "response body holds the token: {}",
            response.body
        );
        let shown = format!("{request:?}");
        assert!(
            !shown.contains(unpadded),
            "Request Debug holds the token: {shown}"
        );
    }
    if response.status == 200 && lines[0] == "POST" && body["data"]["token"].is_string() {
        check_grant_answer(&request, &body);
    }
});
