//! `DELETE /v3/pam/{sub}/grant/{token}`.

use pam_model::{GrantRequest, Permissions, Resource, ResourceKind};

use super::support::{
    Call, PUB_NO_REVOKE, SECRET, SECRET_NO_REVOKE, SUB, SUB_NO_REVOKE, channel_grant, client,
    grant, publish, revoke, revoke_path, start,
};

const REVOKE_SUCCESS: &str =
    r#"{"data":{"message":"Success"},"service":"Access Manager","status":200}"#;

#[tokio::test]
async fn a_revoked_token_is_refused_from_then_on() {
    let emulator = start().await;
    let client = client();
    let token = grant(&client, &emulator, &channel_grant("room", 2, 10)).await;
    super::support::assert_sent(&publish(&client, &emulator, "room", &token).await);

    let answer = revoke(&client, &emulator, &token).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, REVOKE_SUCCESS));

    let refused = publish(&client, &emulator, "room", &token).await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.body,
        r#"{"message":"Token is revoked.","error":true,"service":"Access Manager","status":403}"#
    );

    // Revoking again is still a success.
    let again = revoke(&client, &emulator, &token).await;
    assert_eq!((again.status, again.body.as_str()), (200, REVOKE_SUCCESS));
    assert_eq!(emulator.access_manager().revocation_count(), 1);
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn revoke_must_be_signed() {
    let emulator = start().await;
    let client = client();
    let token = grant(&client, &emulator, &channel_grant("room", 2, 10)).await;
    let answer = Call::new("DELETE", revoke_path(SUB, &token))
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.json()["error"]["message"], "Invalid signature");
    assert_eq!(answer.json()["error"]["source"], "revoke");
    let answer = Call::new("DELETE", revoke_path(SUB, &token))
        .signed(
            super::support::PUB,
            "wrong",
            emulator.access_manager().now(),
        )
        .send(&client, &emulator)
        .await;
    assert_eq!(
        answer.body,
        r#"{"error":{"message":"Invalid signature","source":"revoke","details":[{"message":"Client and server produced different signatures for the same inputs.","location":"signature","locationType":"query"}]},"service":"Access Manager","status":403}"#
    );
    super::support::assert_sent(&publish(&client, &emulator, "room", &token).await);
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn revocation_disabled_answers_feature_disabled() {
    let emulator = start().await;
    let client = client();
    let grant_request = GrantRequest::new(10).resource(Resource::new(
        ResourceKind::Channel,
        "room",
        Permissions::from_bits(2),
    ));
    let now = emulator.access_manager().now();
    let token = emulator
        .issue_token(1, &grant_request, now)
        .expect("keyset 1");
    let answer = Call::new("DELETE", revoke_path(SUB_NO_REVOKE, &token))
        .signed(PUB_NO_REVOKE, SECRET_NO_REVOKE, now)
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.body,
        r#"{"error":{"message":"Feature disabled","source":"revoke","details":[{"message":"Token revocation is disabled.","location":"subscribe-key","locationType":"path"}]},"service":"Access Manager","status":403}"#
    );
    emulator.shutdown().await.expect("shutdown");
}

/// The invalid-token answer's detail message, after checking the rest of the body.
fn invalid_token_detail(answer: &super::support::Answer) -> String {
    assert_eq!(answer.status, 400, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["status"], 400);
    assert_eq!(body["service"], "Access Manager");
    assert_eq!(body["error"]["message"], "Invalid token");
    assert_eq!(body["error"]["source"], "revoke");
    assert_eq!(body["error"]["details"][0]["location"], "token");
    assert_eq!(body["error"]["details"][0]["locationType"], "path");
    body["error"]["details"][0]["message"]
        .as_str()
        .expect("text")
        .to_owned()
}

#[tokio::test]
async fn expired_unparseable_and_foreign_tokens_are_invalid() {
    let emulator = start().await;
    let client = client();
    let now = emulator.access_manager().now();
    let grant_request = GrantRequest::new(1).resource(Resource::new(
        ResourceKind::Channel,
        "room",
        Permissions::from_bits(2),
    ));

    // Expired: issued two minutes ago for one minute. PubNub's recorded body, key for key.
    let expired = emulator
        .issue_token(0, &grant_request, now - 120)
        .expect("keyset 0");
    let answer = revoke(&client, &emulator, &expired).await;
    assert_eq!(
        answer.json(),
        serde_json::json!({"error":{"details":[{"location":"token","locationType":"path","message":"Token is expired."}],"message":"Invalid token","source":"revoke"},"service":"Access Manager","status":400})
    );

    // Unparseable.
    let answer = revoke(&client, &emulator, "not a token").await;
    let detail = invalid_token_detail(&answer);
    assert!(detail.starts_with("Token could not be parsed"), "{detail}");

    // Foreign: a well-formed token signed with another secret.
    let foreign = pam_token::issue(&grant_request, now, b"someone else's secret");
    let answer = revoke(&client, &emulator, &foreign).await;
    let detail = invalid_token_detail(&answer);
    assert!(detail.contains("not issued by this keyset"), "{detail}");

    // Parses, but its `sig` is 4 bytes (pubnub 0.9's categories fixture): never this keyset's.
    let short_sig =
        "qGF2AmF0GmFLd-NjdHRsGQWgY3Jlc6BjcGF0oGRtZXRhoGNjYXSiZGNoYW4YIGR1dWlkGCBjc2lnRAECAwQ=";
    let answer = revoke(&client, &emulator, short_sig).await;
    let detail = invalid_token_detail(&answer);
    assert!(
        detail.starts_with("Token was not issued by this keyset: `sig` is 4 bytes long"),
        "{detail}"
    );

    // A token of the other keyset is foreign here too.
    let other = pam_token::issue(&grant_request, now, SECRET_NO_REVOKE.as_bytes());
    let detail = invalid_token_detail(&revoke(&client, &emulator, &other).await);
    assert!(detail.contains("not issued by this keyset"), "{detail}");

    // Not valid percent-encoding in the path.
    let answer = Call::new("DELETE", format!("/v3/pam/{SUB}/grant/%FF%FE"))
        .signed_now(&emulator)
        .send(&client, &emulator)
        .await;
    let detail = invalid_token_detail(&answer);
    assert!(detail.contains("percent-encoded"), "{detail}");
    assert_eq!(emulator.access_manager().revocation_count(), 0);
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn tokens_with_padding_and_unpadded_tokens_both_revoke() {
    let emulator = start().await;
    let client = client();
    let token = grant(&client, &emulator, &channel_grant("r", 2, 10)).await;
    // The path segment is percent-encoded (`=` is `%3D`); the server decodes it.
    assert!(revoke_path(SUB, &token).contains("grant/"));
    let unpadded = token.trim_end_matches('=');
    let answer = revoke(&client, &emulator, unpadded).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(publish(&client, &emulator, "r", &token).await.status, 403);
    assert!(pam_token::verify(&token, SECRET.as_bytes()).is_ok());
    emulator.shutdown().await.expect("shutdown");
}
