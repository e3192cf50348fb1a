//! `GET /time/0`.

use super::support::{Call, client, start};

#[tokio::test]
async fn time_answers_a_17_digit_timetoken_near_the_server_clock() {
    let emulator = start().await;
    let client = client();
    let before = emulator.access_manager().now();
    let answer = Call::new("GET", "/time/0").send(&client, &emulator).await;
    let after = emulator.access_manager().now();
    assert_eq!(answer.status, 200, "{}", answer.body);
    let value = answer.json();
    let array = value.as_array().expect("array");
    assert_eq!(array.len(), 1);
    let timetoken = array[0].as_u64().expect("integer");
    assert_eq!(timetoken.to_string().len(), 17);
    let secs = timetoken / 10_000_000;
    assert!(
        before <= secs && secs <= after,
        "{before} <= {secs} <= {after}"
    );
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn the_clock_offset_moves_the_server_time() {
    let emulator =
        super::support::start_with(super::support::config().with_clock_offset(-86_400)).await;
    let client = client();
    let answer = Call::new("GET", "/time/0").send(&client, &emulator).await;
    let secs = answer.json()[0].as_u64().expect("integer") / 10_000_000;
    let system = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    assert!(secs + 86_000 < system, "server {secs}, system {system}");
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn time_needs_no_uuid_and_every_other_request_does() {
    let emulator = start().await;
    let client = client();
    // PubNub answers `/time/0` without a `uuid`, as the SDKs call it.
    for query in [&[][..], &[("uuid", "")][..]] {
        let answer = Call::new("GET", "/time/0")
            .query(query)
            .send(&client, &emulator)
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(
            answer.json()[0].as_u64().map(|t| t.to_string().len()),
            Some(17)
        );
    }
    for query in [&[][..], &[("uuid", "")][..]] {
        let path = format!(
            "/publish/{}/{}/0/ch/0/1",
            super::support::PUB,
            super::support::SUB
        );
        let answer = Call::new("GET", path)
            .query(query)
            .send(&client, &emulator)
            .await;
        assert_eq!(answer.status, 400);
        assert_eq!(
            answer.body,
            r#"{"message":"Missing uuid","payload":{"details":[{"message":"The `uuid` query parameter is required and must not be empty.","location":"uuid","locationType":"query"}]},"error":true,"service":"Access Manager","status":400}"#
        );
    }
    // The v3 endpoints answer in their own shape.
    let answer = Call::new("POST", format!("/v3/pam/{}/grant", super::support::SUB))
        .query(&[])
        .json_body("{}")
        .signed_now(&emulator)
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.body,
        r#"{"error":{"message":"Missing uuid","source":"grant","details":[{"message":"The `uuid` query parameter is required and must not be empty.","location":"uuid","locationType":"query"}]},"service":"Access Manager","status":400}"#
    );
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn unknown_paths_and_methods_are_refused_with_json() {
    let emulator = start().await;
    let client = client();
    let answer = Call::new("GET", "/v2/unsubscribe/x/y/0")
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json()["message"], "Not Found");
    let answer = Call::new("POST", "/time/0").send(&client, &emulator).await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.json()["message"], "Method Not Allowed");
    assert_eq!(answer.json()["payload"]["allow"][0], "GET");
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn malformed_query_escapes_are_a_400_naming_the_parameter() {
    let emulator = start().await;
    let client = client();
    let url = format!("{}/time/0?uuid=a%ZZ", emulator.url());
    let response = client.get(url).send().await.expect("answered");
    assert_eq!(response.status().as_u16(), 400);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["message"], "Invalid query");
    assert_eq!(body["payload"]["details"][0]["location"], "uuid");
    emulator.shutdown().await.expect("shutdown");
}
