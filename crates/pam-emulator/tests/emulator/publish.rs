//! Publish (GET and POST) and signal, with token enforcement.

use pam_model::{GrantRequest, Permissions, Resource, ResourceKind};

use super::support::{
    Call, PUB, SECRET, SUB, assert_sent, channel_grant, client, grant, publish, start,
};

const FORBIDDEN_ROOM: &str = r#"{"message":"Forbidden","payload":{"channels":["room"]},"error":true,"service":"Access Manager","status":403}"#;

#[tokio::test]
async fn write_on_the_channel_allows_publish_post_and_signal() {
    let emulator = start().await;
    let client = client();
    let token = grant(&client, &emulator, &channel_grant("room", 2, 10)).await;
    let first = assert_sent(&publish(&client, &emulator, "room", &token).await);

    let posted = Call::new("POST", format!("/publish/{PUB}/{SUB}/0/room/0"))
        .param("auth", &token)
        .raw_body(
            br#"{"text":"hi","n":[1,2,3]}"#.to_vec(),
            Some("application/json"),
        )
        .send(&client, &emulator)
        .await;
    let second = assert_sent(&posted);

    let signal = Call::new("GET", format!("/signal/{PUB}/{SUB}/0/room/0/%22ping%22"))
        .param("auth", &token)
        .send(&client, &emulator)
        .await;
    let third = assert_sent(&signal);
    assert!(first < second && second < third, "timetokens increase");
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn missing_write_is_forbidden_listing_the_channel() {
    let emulator = start().await;
    let client = client();
    let read_only = grant(&client, &emulator, &channel_grant("room", 1, 10)).await;
    let answer = publish(&client, &emulator, "room", &read_only).await;
    assert_eq!((answer.status, answer.body.as_str()), (403, FORBIDDEN_ROOM));

    let signal = Call::new("GET", format!("/signal/{PUB}/{SUB}/0/room/0/1"))
        .param("auth", &read_only)
        .send(&client, &emulator)
        .await;
    assert_eq!((signal.status, signal.body.as_str()), (403, FORBIDDEN_ROOM));

    // Another channel than the one granted.
    let writer = grant(&client, &emulator, &channel_grant("elsewhere", 2, 10)).await;
    let answer = publish(&client, &emulator, "room", &writer).await;
    assert_eq!((answer.status, answer.body.as_str()), (403, FORBIDDEN_ROOM));

    // No token at all, and an empty one.
    let answer = Call::new("GET", format!("/publish/{PUB}/{SUB}/0/room/0/1"))
        .send(&client, &emulator)
        .await;
    assert_eq!((answer.status, answer.body.as_str()), (403, FORBIDDEN_ROOM));
    let answer = publish(&client, &emulator, "room", "").await;
    assert_eq!((answer.status, answer.body.as_str()), (403, FORBIDDEN_ROOM));

    // Garbage, and a well-formed token this keyset did not sign.
    let answer = publish(&client, &emulator, "room", "garbage").await;
    assert_eq!((answer.status, answer.body.as_str()), (403, FORBIDDEN_ROOM));
    let grant_request = GrantRequest::new(10).resource(Resource::new(
        ResourceKind::Channel,
        "room",
        Permissions::from_bits(2),
    ));
    let now = emulator.access_manager().now();
    let foreign = pam_token::issue(&grant_request, now, b"another secret");
    let answer = publish(&client, &emulator, "room", &foreign).await;
    assert_eq!((answer.status, answer.body.as_str()), (403, FORBIDDEN_ROOM));
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn patterns_and_names_with_special_characters_are_enforced() {
    let emulator = start().await;
    let client = client();
    let body = serde_json::json!({
        "ttl": 10,
        "permissions": {
            "resources": {"channels": {"a b/ç": 2}},
            "patterns": {"channels": {"^team-[0-9]+$": 2}}
        }
    })
    .to_string();
    let token = grant(&client, &emulator, &body).await;
    assert_sent(&publish(&client, &emulator, "a b/ç", &token).await);
    assert_sent(&publish(&client, &emulator, "team-42", &token).await);
    let answer = publish(&client, &emulator, "team-x", &token).await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.json()["payload"]["channels"][0], "team-x");
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn an_expired_token_is_refused_as_expired() {
    let emulator = start().await;
    let client = client();
    let grant_request = GrantRequest::new(1).resource(Resource::new(
        ResourceKind::Channel,
        "room",
        Permissions::from_bits(2),
    ));
    let now = emulator.access_manager().now();
    let expired = emulator
        .issue_token(0, &grant_request, now - 61)
        .expect("keyset 0");
    let answer = publish(&client, &emulator, "room", &expired).await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.body,
        r#"{"message":"Token is expired.","error":true,"service":"Access Manager","status":403}"#
    );
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn an_authorized_uuid_must_match_the_requests_uuid() {
    let emulator = start().await;
    let client = client();
    let body = serde_json::json!({
        "ttl": 10,
        "permissions": {"resources": {"channels": {"room": 2}}, "uuid": "alice"}
    })
    .to_string();
    let token = grant(&client, &emulator, &body).await;
    let as_alice = Call::new("GET", format!("/publish/{PUB}/{SUB}/0/room/0/1"))
        .query(&[("uuid", "alice"), ("auth", &token)])
        .send(&client, &emulator)
        .await;
    assert_sent(&as_alice);
    let as_bob = Call::new("GET", format!("/publish/{PUB}/{SUB}/0/room/0/1"))
        .query(&[("uuid", "bob"), ("auth", &token)])
        .send(&client, &emulator)
        .await;
    assert_eq!((as_bob.status, as_bob.body.as_str()), (403, FORBIDDEN_ROOM));
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_request_signed_with_the_secret_key_needs_no_token() {
    let emulator = start().await;
    let client = client();
    let now = emulator.access_manager().now();
    let signed = Call::new("GET", format!("/publish/{PUB}/{SUB}/0/room/0/%22admin%22"))
        .signed(PUB, SECRET, now)
        .send(&client, &emulator)
        .await;
    assert_sent(&signed);
    let posted = Call::new("POST", format!("/publish/{PUB}/{SUB}/0/room/0"))
        .raw_body(b"[1,2]".to_vec(), Some("application/json"))
        .signed(PUB, SECRET, now)
        .send(&client, &emulator)
        .await;
    assert_sent(&posted);

    // A wrong signature does not fall back to the token check: it is refused.
    let token = grant(&client, &emulator, &channel_grant("room", 2, 10)).await;
    let answer = Call::new("GET", format!("/publish/{PUB}/{SUB}/0/room/0/1"))
        .param("auth", &token)
        .signed(PUB, "wrong", now)
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.body,
        r#"{"error":{"message":"Invalid signature","source":"publish","details":[{"message":"Client and server produced different signatures for the same inputs.","location":"signature","locationType":"query"}]},"service":"Access Manager","status":403}"#
    );
    // A stale signed request names the timestamp and the server time.
    let answer = Call::new("GET", format!("/signal/{PUB}/{SUB}/0/room/0/1"))
        .signed(PUB, SECRET, now - 3600)
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 403);
    let detail = answer.json()["error"]["details"][0]["message"]
        .as_str()
        .expect("text")
        .to_owned();
    assert_eq!(answer.json()["error"]["message"], "Invalid timestamp");
    assert_eq!(answer.json()["error"]["source"], "signal");
    assert!(detail.contains(&(now - 3600).to_string()), "{detail}");
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn unknown_keys_are_refused() {
    let emulator = start().await;
    let client = client();
    let token = grant(&client, &emulator, &channel_grant("room", 2, 10)).await;
    let answer = Call::new("GET", "/publish/blah/blah/0/room/0/1")
        .param("auth", &token)
        .send(&client, &emulator)
        .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (
            400,
            r#"{"message":"Invalid Subscribe Key","error":true,"service":"Access Manager","status":400}"#
        )
    );
    let answer = Call::new("GET", format!("/publish/pub-c-wrong/{SUB}/0/room/0/1"))
        .param("auth", &token)
        .send(&client, &emulator)
        .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (
            400,
            r#"{"message":"Invalid Publish Key","error":true,"service":"Access Manager","status":400}"#
        )
    );
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_message_must_be_json() {
    let emulator = start().await;
    let client = client();
    let token = grant(&client, &emulator, &channel_grant("room", 2, 10)).await;
    let answer = Call::new("GET", format!("/publish/{PUB}/{SUB}/0/room/0/not%20json"))
        .param("auth", &token)
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    let value = answer.json();
    assert_eq!(value[0], 0);
    assert_eq!(value[1], "Invalid JSON");
    let answer = Call::new("POST", format!("/publish/{PUB}/{SUB}/0/room/0"))
        .param("auth", &token)
        .raw_body(b"{".to_vec(), Some("application/json"))
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    emulator.shutdown().await.expect("shutdown");
}
