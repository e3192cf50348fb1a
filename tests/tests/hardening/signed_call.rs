//! Requests to the emulator's core (`AccessManager::handle`), signed as a server SDK signs.

use pam_emulator::{AccessManager, EmulatorConfig, Keyset, Request, Response};
use pam_sign::{SigningKey, encode_query};

pub(crate) const SUB: &str = "sub-c-hardening";
pub(crate) const PUB: &str = "pub-c-hardening";
pub(crate) const SECRET: &str = "sec-c-hardening-4f1e9a7c0b2d";

/// An Access Manager for [`SUB`], revocations in memory.
pub(crate) fn manager() -> AccessManager {
    AccessManager::new(&EmulatorConfig::new(vec![Keyset::new(SUB, PUB, SECRET)]))
        .expect("valid configuration")
}

/// Signs `method path` with `pairs` (plus `uuid`) and `body` at the manager's time, then
/// sends the query in the order `order` puts the signed pairs in.
pub(crate) fn signed_in_order(
    manager: &AccessManager,
    method: &str,
    path: &str,
    pairs: &[(String, String)],
    body: &[u8],
    order: impl FnOnce(&mut Vec<(String, String)>),
) -> Response {
    let mut query: Vec<(String, String)> = vec![("uuid".into(), "admin".into())];
    query.extend(pairs.iter().cloned());
    let borrowed: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let signed = SigningKey::new(PUB, SECRET).sign(
        &pam_sign::Request {
            method,
            path,
            query: &borrowed,
            body,
        },
        manager.now(),
    );
    for (key, value) in signed.query_pairs() {
        query.push((key.to_owned(), value));
    }
    order(&mut query);
    let target = encode_query(&query);
    manager.handle(&Request {
        method,
        path,
        query: &target,
        headers: &[("Content-Type", "application/json")],
        body,
    })
}

/// A signed grant of `body`; returns the token or panics with the answer.
pub(crate) fn grant(manager: &AccessManager, body: &str) -> Result<String, Response> {
    let response = signed_in_order(
        manager,
        "POST",
        &format!("/v3/pam/{SUB}/grant"),
        &[],
        body.as_bytes(),
        |_| {},
    );
    if response.status != 200 {
        return Err(response);
    }
    let json: serde_json::Value = serde_json::from_str(&response.body).expect("JSON body");
    Ok(json["data"]["token"].as_str().expect("a token").to_owned())
}
