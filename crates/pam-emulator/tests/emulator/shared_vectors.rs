//! The emulator's bodies against the recorded and contract bodies of the committed
//! `error_bodies.json` (`pam-vectors`), compared as JSON values (key order differs between
//! PubNub's own bodies).

use pam_model::{GrantRequest, Permissions, Resource, ResourceKind};

use super::support::{
    Answer, Call, PUB_NO_REVOKE, SECRET_NO_REVOKE, SUB, SUB_NO_REVOKE, client, revoke, revoke_path,
    start,
};

/// The `body_json` of vector `id`.
fn expected(bodies: &serde_json::Value, id: &str) -> serde_json::Value {
    bodies["bodies"]
        .as_array()
        .expect("bodies")
        .iter()
        .find(|b| b["id"] == id)
        .unwrap_or_else(|| panic!("vector {id} is in error_bodies.json"))["body_json"]
        .clone()
}

fn grant_call(body: &str) -> Call<'static> {
    Call::new("POST", format!("/v3/pam/{SUB}/grant")).json_body(body)
}

#[tokio::test]
async fn bodies_match_error_bodies_json() {
    let bodies = pam_vectors::vectors_file("error_bodies.json");
    let emulator = start().await;
    let client = client();
    let now = emulator.access_manager().now();

    let grant_cases = [
        (
            "grant_invalid_ttl_43201",
            r#"{"ttl":43201,"permissions":{"resources":{"channels":{"a":1}}}}"#,
        ),
        (
            "contract_grantWithTTLExceedMaxTTL",
            r#"{"ttl":43201,"permissions":{"resources":{"channels":{"a":1}}}}"#,
        ),
        (
            "grant_no_permissions",
            r#"{"ttl":10,"permissions":{"resources":{"channels":{},"groups":{},"uuids":{}},"patterns":{"channels":{},"groups":{},"uuids":{}}}}"#,
        ),
        (
            "contract_grantWithoutAnyPermissionsError",
            r#"{"ttl":10,"permissions":{"resources":{"uuids":{"uuid-1":0}}}}"#,
        ),
        (
            "contract_grantWithRegExpSyntaxError",
            r#"{"ttl":10,"permissions":{"patterns":{"uuids":{"!<[^>]+>++":32}}}}"#,
        ),
        (
            "contract_grantWithRegExpNonCapturingError",
            r#"{"ttl":10,"permissions":{"patterns":{"uuids":{"(!<[^>]+>)+":32}}}}"#,
        ),
    ];
    for (id, body) in grant_cases {
        let answer = grant_call(body)
            .signed_now(&emulator)
            .send(&client, &emulator)
            .await;
        assert_eq!(
            answer.json(),
            expected(&bodies, id),
            "{id}: {}",
            answer.body
        );
    }

    let answer = Call::new("POST", format!("/v3/pam/{SUB}/grant"))
        .raw_body(
            br#"{"ttl":10,"permissions":{"resources":{"channels":{"a":1}}}}"#.to_vec(),
            None,
        )
        .signed_now(&emulator)
        .send(&client, &emulator)
        .await;
    assert_eq!(
        answer.json(),
        expected(&bodies, "grant_invalid_json_content_type")
    );

    let answer = grant_call(r#"{"ttl":10,"permissions":{"resources":{"channels":{"a":1}}}}"#)
        .signed(super::support::PUB, "wrong", now)
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.json(), expected(&bodies, "grant_invalid_signature"));

    // Success: same keys and values, another token.
    let answer = grant_call(r#"{"ttl":10,"permissions":{"resources":{"channels":{"a":1}}}}"#)
        .signed_now(&emulator)
        .send(&client, &emulator)
        .await;
    let mut got = answer.json();
    let mut want = expected(&bodies, "grant_success");
    got["data"]["token"] = serde_json::Value::Null;
    want["data"]["token"] = serde_json::Value::Null;
    assert_eq!(got, want);

    let channel_write = GrantRequest::new(1).resource(Resource::new(
        ResourceKind::Channel,
        "channel-1",
        Permissions::from_bits(2),
    ));
    let token = emulator
        .issue_token(0, &channel_write, now)
        .expect("keyset 0");
    let answer = revoke(&client, &emulator, &token).await;
    assert_eq!(answer.json(), expected(&bodies, "revoke_success"));

    let expired = emulator
        .issue_token(0, &channel_write, now - 3600)
        .expect("keyset 0");
    let answer = revoke(&client, &emulator, &expired).await;
    assert_eq!(answer.json(), expected(&bodies, "revoke_expired_token"));

    // "Feature disabled": error_bodies.json records status 400, but the contract it was
    // reconstructed from (revoke-token.feature, revokeFeatureDisabled) asserts 403, which the
    // emulator follows. Everything else must match.
    let other_token = emulator
        .issue_token(1, &channel_write, now)
        .expect("keyset 1");
    let answer: Answer = Call::new("DELETE", revoke_path(SUB_NO_REVOKE, &other_token))
        .signed(PUB_NO_REVOKE, SECRET_NO_REVOKE, now)
        .send(&client, &emulator)
        .await;
    let mut want = expected(&bodies, "contract_revokeFeatureDisabled");
    want["status"] = serde_json::json!(403);
    assert_eq!(answer.status, 403);
    assert_eq!(answer.json(), want);

    let answer = Call::new("GET", "/publish/blah/blah/0/channel-1/0/1")
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.json(), expected(&bodies, "invalid_subscribe_key"));

    let answer = super::support::publish(&client, &emulator, "not-permitted-channel", &token).await;
    assert_eq!(answer.json()["message"], "Token is revoked.");
    // Issued a second earlier: another token than the revoked one.
    let live = emulator
        .issue_token(0, &channel_write, now - 1)
        .expect("keyset 0");
    let answer = super::support::publish(&client, &emulator, "not-permitted-channel", &live).await;
    assert_eq!(
        answer.json(),
        expected(&bodies, "legacy_forbidden_channels")
    );
    emulator.shutdown().await.expect("shutdown");
}
