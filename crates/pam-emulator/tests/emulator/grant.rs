//! `POST /v3/pam/{sub}/grant`.

use pam_model::{GrantRequest, Permissions, ResourceKind};

use super::support::{Call, PUB, SECRET, SUB, channel_grant, client, start};

const FULL_GRANT: &str = r#"{
  "ttl": 60,
  "permissions": {
    "resources": {
      "channels": {"room-1": 3, "room 2/£": 255},
      "groups": {"lobby": 5},
      "uuids": {"alice": 104}
    },
    "patterns": {
      "channels": {"^private-.*$": 1},
      "groups": {},
      "uuids": {"^bot-[0-9]+$": 32}
    },
    "meta": {"plan": "gold", "level": 3, "ratio": 0.5, "beta": true, "none": null},
    "uuid": "alice"
  }
}"#;

#[tokio::test]
async fn a_grant_returns_a_token_that_holds_exactly_what_was_granted() {
    let emulator = start().await;
    let client = client();
    let before = emulator.access_manager().now();
    let answer = Call::new("POST", format!("/v3/pam/{SUB}/grant"))
        .json_body(FULL_GRANT)
        .signed_now(&emulator)
        .send(&client, &emulator)
        .await;
    let after = emulator.access_manager().now();
    assert_eq!(answer.status, 200, "{}", answer.body);
    let token_text = answer.json()["data"]["token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(
        answer.body,
        format!(
            r#"{{"data":{{"message":"Success","token":"{token_text}"}},"service":"Access Manager","status":200}}"#
        )
    );

    // Signed with the keyset's secret, and with no other.
    let token = pam_token::verify(&token_text, SECRET.as_bytes()).expect("verifies");
    assert!(matches!(
        pam_token::verify(&token_text, b"another secret"),
        Err(pam_token::Error::SignatureMismatch)
    ));

    // Exactly what was granted.
    let granted = GrantRequest::from_body_json(FULL_GRANT.as_bytes()).expect("valid body");
    assert_eq!(token.version(), 2);
    assert_eq!(token.ttl(), 60);
    assert!(before <= token.timestamp() && token.timestamp() <= after);
    assert_eq!(token.expires_at(), token.timestamp() + 3600);
    assert_eq!(token.authorized_user_id(), Some("alice"));
    let resources: Vec<_> = token
        .resources()
        .entries()
        .map(|e| e.to_resource())
        .collect();
    let patterns: Vec<_> = token
        .patterns()
        .entries()
        .map(|e| e.to_resource())
        .collect();
    assert_eq!(sorted(resources), sorted(granted.resources.clone()));
    assert_eq!(sorted(patterns), sorted(granted.patterns.clone()));
    assert_eq!(
        token.resources().get(ResourceKind::Channel, "room 2/£"),
        Some(Permissions::from_bits(255))
    );
    let json = token.to_json();
    assert_eq!(
        json["meta"],
        serde_json::json!({"plan": "gold", "level": 3, "ratio": 0.5, "beta": true, "none": null})
    );
    // PubNub's layout: every category in `res` and `pat`, even empty ones.
    assert_eq!(token.resources().categories().len(), 5);
    assert_eq!(token.patterns().categories().len(), 5);
    emulator.shutdown().await.expect("shutdown");
}

fn sorted(mut resources: Vec<pam_model::Resource>) -> Vec<(String, String, u8)> {
    let mut out: Vec<_> = resources
        .drain(..)
        .map(|r| (r.kind.to_string(), r.name, r.permissions.bits()))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn the_content_type_must_be_json() {
    let emulator = start().await;
    let client = client();
    let expected = r#"{"error":{"message":"Invalid JSON","source":"grant","details":[{"message":"Content-Type must be `application/json`.","location":"<root>","locationType":"body"}]},"service":"Access Manager","status":400}"#;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let answer = Call::new("POST", format!("/v3/pam/{SUB}/grant"))
            .raw_body(channel_grant("a", 3, 10).into_bytes(), content_type)
            .signed_now(&emulator)
            .send(&client, &emulator)
            .await;
        assert_eq!((answer.status, answer.body.as_str()), (400, expected));
    }
    let answer = Call::new("POST", format!("/v3/pam/{SUB}/grant"))
        .raw_body(
            channel_grant("a", 3, 10).into_bytes(),
            Some("application/json; charset=UTF-8"),
        )
        .signed_now(&emulator)
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn validation_errors_are_pubnubs_bodies() {
    let emulator = start().await;
    let client = client();
    let cases = [
        (
            r#"{"ttl":43201,"permissions":{"resources":{"channels":{"a":1}}}}"#,
            r#"{"error":{"message":"Invalid ttl","source":"grant","details":[{"message":"Range should be 1 to 43200 minute(s).","location":"ttl","locationType":"body"}]},"service":"Access Manager","status":400}"#,
        ),
        (
            r#"{"ttl":10,"permissions":{"resources":{"channels":{},"groups":{},"uuids":{}},"patterns":{"channels":{},"groups":{},"uuids":{}}}}"#,
            r#"{"error":{"message":"This grant contains no permissions","source":"grant","details":[{"message":"What are you granting?","location":"permissions","locationType":"body"}]},"service":"Access Manager","status":400}"#,
        ),
        (
            r#"{"ttl":10,"permissions":{"resources":{"uuids":{"uuid-1":0}}}}"#,
            r#"{"error":{"message":"Invalid permissions","source":"grant","details":[{"message":"Unexpected value: `permissions.resources.uuids.uuid-1` must be positive and non-zero.","location":"permissions.resources.uuids.uuid-1","locationType":"body"}]},"service":"Access Manager","status":400}"#,
        ),
    ];
    for (body, expected) in cases {
        let answer = Call::new("POST", format!("/v3/pam/{SUB}/grant"))
            .json_body(body)
            .signed_now(&emulator)
            .send(&client, &emulator)
            .await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (400, expected),
            "{body}"
        );
    }
    // Malformed JSON is refused by pam-model's reader, with its body.
    let answer = Call::new("POST", format!("/v3/pam/{SUB}/grant"))
        .json_body("{\"ttl\": 10, ")
        .signed_now(&emulator)
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.json()["error"]["source"], "grant");
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_wrong_or_missing_signature_is_refused() {
    let emulator = start().await;
    let client = client();
    let now = emulator.access_manager().now();
    let body = channel_grant("a", 3, 10);
    let answer = Call::new("POST", format!("/v3/pam/{SUB}/grant"))
        .json_body(&body)
        .signed(PUB, "not-the-secret", now)
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.body,
        r#"{"error":{"message":"Invalid signature","source":"grant","details":[{"message":"Client and server produced different signatures for the same inputs.","location":"signature","locationType":"query"}]},"service":"Access Manager","status":403}"#
    );

    let unsigned = Call::new("POST", format!("/v3/pam/{SUB}/grant"))
        .json_body(&body)
        .param("timestamp", &now.to_string())
        .send(&client, &emulator)
        .await;
    assert_eq!(unsigned.status, 403);
    let error = &unsigned.json()["error"];
    assert_eq!(error["message"], "Invalid signature");
    assert_eq!(error["details"][0]["location"], "signature");
    assert!(
        error["details"][0]["message"]
            .as_str()
            .expect("text")
            .contains("no `signature`"),
        "{}",
        unsigned.body
    );

    // A body changed after signing no longer matches.
    let mut tampered = Call::new("POST", format!("/v3/pam/{SUB}/grant"))
        .json_body(&body)
        .signed_now(&emulator);
    let target = tampered.target();
    tampered.body = channel_grant("b", 3, 10).into_bytes();
    let url = format!("{}{target}", emulator.url());
    let response = client
        .post(url)
        .header("Content-Type", "application/json")
        .body(tampered.body)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 403);
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_stale_timestamp_is_refused_naming_both_times() {
    let emulator = start_with_tolerance(30).await;
    let client = client();
    let now = emulator.access_manager().now();
    let body = channel_grant("a", 3, 10);
    for stale in [now - 120, now + 120] {
        let answer = Call::new("POST", format!("/v3/pam/{SUB}/grant"))
            .json_body(&body)
            .signed(PUB, SECRET, stale)
            .send(&client, &emulator)
            .await;
        assert_eq!(answer.status, 403, "{}", answer.body);
        let error = &answer.json()["error"];
        assert_eq!(error["message"], "Invalid timestamp");
        assert_eq!(error["source"], "grant");
        assert_eq!(error["details"][0]["location"], "timestamp");
        assert_eq!(error["details"][0]["locationType"], "query");
        let detail = error["details"][0]["message"].as_str().expect("text");
        assert!(detail.contains(&stale.to_string()), "{detail}");
        assert!(detail.contains("server time"), "{detail}");
        assert!(detail.contains("at most 30 s"), "{detail}");
    }
    // Within the tolerance is fine.
    let answer = Call::new("POST", format!("/v3/pam/{SUB}/grant"))
        .json_body(&body)
        .signed(PUB, SECRET, now - 10)
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    emulator.shutdown().await.expect("shutdown");
}

async fn start_with_tolerance(secs: u64) -> pam_emulator::Emulator {
    super::support::start_with(super::support::config().with_timestamp_tolerance(secs)).await
}

#[tokio::test]
async fn an_unknown_subscribe_key_is_refused() {
    let emulator = start().await;
    let client = client();
    let answer = Call::new("POST", "/v3/pam/sub-c-nobody/grant")
        .json_body(&channel_grant("a", 3, 10))
        .signed_now(&emulator)
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.body,
        r#"{"error":{"message":"Invalid Subscribe Key","source":"grant","details":[{"message":"No keyset has the subscribe key `sub-c-nobody`.","location":"subscribe-key","locationType":"path"}]},"service":"Access Manager","status":400}"#
    );
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn each_keyset_signs_its_own_tokens() {
    use super::support::{PUB_NO_REVOKE, SECRET_NO_REVOKE, SUB_NO_REVOKE};
    let emulator = start().await;
    let client = client();
    let now = emulator.access_manager().now();
    let answer = Call::new("POST", format!("/v3/pam/{SUB_NO_REVOKE}/grant"))
        .json_body(&channel_grant("a", 3, 10))
        .signed(PUB_NO_REVOKE, SECRET_NO_REVOKE, now)
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let token = answer.json()["data"]["token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert!(pam_token::verify(&token, SECRET_NO_REVOKE.as_bytes()).is_ok());
    assert!(pam_token::verify(&token, SECRET.as_bytes()).is_err());
    // Signed with the main keyset's keys, a request for this keyset is refused.
    let answer = Call::new("POST", format!("/v3/pam/{SUB_NO_REVOKE}/grant"))
        .json_body(&channel_grant("a", 3, 10))
        .signed(PUB, SECRET, now)
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 403);
    emulator.shutdown().await.expect("shutdown");
}

/// A key repeated in a grant body keeps its last value, as PubNub's server (Python's `json`)
/// reads it: the token holds the last `ttl`, `uuid`, bitmask and category object.
#[tokio::test]
async fn repeated_keys_in_a_grant_body_keep_their_last_value() {
    let emulator = start().await;
    let client = client();
    let body = r#"{"ttl":5,"ttl":7,"permissions":{"resources":{"channels":{"c":1,"c":2},"channels":{"d":3,"c":1}},"uuid":"u1","uuid":"u2"}}"#;
    let token = super::support::grant(&client, &emulator, body).await;
    let token = pam_token::verify(&token, SECRET.as_bytes()).expect("verifies");
    assert_eq!(token.ttl(), 7);
    assert_eq!(token.authorized_user_id(), Some("u2"));
    let channels: Vec<(&str, Permissions)> = token
        .resources()
        .entries()
        .map(|e| (e.name, e.permissions))
        .collect();
    assert_eq!(
        channels,
        [("d", Permissions::from_bits(3)), ("c", Permissions::READ)]
    );
}
