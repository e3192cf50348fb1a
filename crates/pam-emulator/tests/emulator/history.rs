//! History: fetch messages (range, max, include flags, several channels), message counts
//! and delete messages over the bounded in-memory store.

use pam_model::{GrantRequest, Permissions, Resource, ResourceKind};

use super::support::{Call, SUB, assert_sent, client, grant, message_call, start};

async fn token(client: &reqwest::Client, emulator: &pam_emulator::Emulator) -> String {
    let body = GrantRequest::new(30)
        .pattern(Resource::new(
            ResourceKind::Channel,
            "^log-",
            Permissions::from_bits(1 | 2 | 8),
        ))
        .to_body_json();
    grant(client, emulator, &body).await
}

async fn post(
    client: &reqwest::Client,
    emulator: &pam_emulator::Emulator,
    channel: &str,
    message: &str,
    token: &str,
    extra: &[(&str, &str)],
) -> u64 {
    let call = message_call("publish", channel, message, "writer", token, extra);
    assert_sent(&call.send(client, emulator).await)
}

fn fetch(channels: &str, token: &str, params: &[(&str, &str)]) -> Call<'static> {
    let mut call = Call::new(
        "GET",
        format!("/v3/history/sub-key/{SUB}/channel/{channels}"),
    )
    .param("auth", token);
    for (key, value) in params {
        call = call.param(key, value);
    }
    call
}

#[tokio::test]
async fn fetch_returns_stored_messages_in_range_oldest_first() {
    let emulator = start().await;
    let client = client();
    let token = token(&client, &emulator).await;
    let mut t = Vec::new();
    for i in 0..5 {
        t.push(post(&client, &emulator, "log-a", &i.to_string(), &token, &[]).await);
    }
    post(
        &client,
        &emulator,
        "log-a",
        r#"{"kept":false}"#,
        &token,
        &[("store", "0")],
    )
    .await;
    let meta_tt = post(
        &client,
        &emulator,
        "log-b",
        "\"b\"",
        &token,
        &[("meta", r#"{"m":1}"#)],
    )
    .await;

    let all = fetch("log-a", &token, &[]).send(&client, &emulator).await;
    assert_eq!(all.status, 200, "{}", all.body);
    let body = all.json();
    assert_eq!(body["status"], 200);
    assert_eq!(body["error"], false);
    let items = body["channels"]["log-a"].as_array().expect("log-a");
    let got: Vec<(String, String)> = items
        .iter()
        .map(|item| {
            (
                item["message"].to_string(),
                item["timetoken"].as_str().expect("string").to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> =
        (0..5).map(|i| (i.to_string(), t[i].to_string())).collect();
    assert_eq!(got, expected, "store=0 is not kept");
    assert_eq!(items[0]["uuid"], "writer");
    assert!(items[0]["message_type"].is_null());
    assert!(items[0].get("meta").is_none(), "meta only on request");

    // max keeps the newest; start is exclusive, end inclusive.
    let newest = fetch("log-a", &token, &[("max", "2")])
        .send(&client, &emulator)
        .await;
    let timetokens = |answer: &super::support::Answer, channel: &str| -> Vec<u64> {
        answer.json()["channels"][channel]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|item| item["timetoken"].as_str().unwrap().parse().unwrap())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(timetokens(&newest, "log-a"), [t[3], t[4]]);
    let start = t[3].to_string();
    let end = t[1].to_string();
    let slice = fetch("log-a", &token, &[("start", &start), ("end", &end)])
        .send(&client, &emulator)
        .await;
    assert_eq!(timetokens(&slice, "log-a"), [t[1], t[2]]);

    // Several channels at once, meta and uuid on request.
    let both = fetch(
        "log-a,log-b,log-empty",
        &token,
        &[
            ("include_meta", "true"),
            ("include_uuid", "false"),
            ("max", "1"),
        ],
    )
    .send(&client, &emulator)
    .await;
    let body = both.json();
    assert_eq!(
        body["channels"]["log-b"][0]["meta"],
        serde_json::json!({"m": 1})
    );
    assert_eq!(
        body["channels"]["log-b"][0]["timetoken"],
        meta_tt.to_string()
    );
    assert!(body["channels"]["log-b"][0].get("uuid").is_none());
    assert_eq!(body["channels"]["log-a"].as_array().map(Vec::len), Some(1));
    assert!(body["channels"].get("log-empty").is_none());
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn counts_and_deletes_follow_pubnub_bounds() {
    let emulator = start().await;
    let client = client();
    let token = token(&client, &emulator).await;
    let mut t = Vec::new();
    for i in 0..4 {
        t.push(post(&client, &emulator, "log-c", &i.to_string(), &token, &[]).await);
    }
    post(&client, &emulator, "log-d", "1", &token, &[]).await;

    let counts = Call::new(
        "GET",
        format!("/v3/history/sub-key/{SUB}/message-counts/log-c,log-d"),
    )
    .param("auth", &token)
    .param("channelsTimetoken", &format!("{},0", t[1]))
    .send(&client, &emulator)
    .await;
    assert_eq!(
        counts.body,
        r#"{"channels":{"log-c":2,"log-d":1},"error":false,"error_message":"","more":{},"status":200}"#
    );

    // Delete one message: end = its timetoken, start = end + 1.
    let delete = |start: String, end: String| {
        Call::new("DELETE", format!("/v3/history/sub-key/{SUB}/channel/log-c"))
            .param("auth", &token)
            .param("start", &start)
            .param("end", &end)
    };
    let answer = delete((t[2] + 1).to_string(), t[2].to_string())
        .send(&client, &emulator)
        .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, r#"{"status":200,"error":false,"error_message":""}"#)
    );
    let left = fetch("log-c", &token, &[]).send(&client, &emulator).await;
    let kept: Vec<String> = left.json()["channels"]["log-c"]
        .as_array()
        .expect("log-c")
        .iter()
        .map(|item| item["message"].to_string())
        .collect();
    assert_eq!(kept, ["0", "1", "3"]);

    // Without bounds, everything goes.
    let all = Call::new("DELETE", format!("/v3/history/sub-key/{SUB}/channel/log-c"))
        .param("auth", &token)
        .send(&client, &emulator)
        .await;
    assert_eq!(all.status, 200);
    let none = fetch("log-c", &token, &[]).send(&client, &emulator).await;
    assert_eq!(none.json()["channels"], serde_json::json!({}));
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn malformed_requests_change_nothing() {
    let emulator = start().await;
    let client = client();
    let token = token(&client, &emulator).await;
    let kept = post(&client, &emulator, "log-keep", "\"kept\"", &token, &[]).await;
    let path = format!("/v3/history/sub-key/{SUB}/channel/log-keep");
    for call in [
        Call::new("DELETE", path.clone()).param("start", "soon"),
        Call::new("DELETE", path.clone()).param("end", "1e9"),
        Call::new(
            "DELETE",
            format!("/v3/history/sub-key/{SUB}/channel/log-keep,log-x"),
        ),
        Call::new(
            "DELETE",
            "/v3/history/sub-key/sub-c-unknown/channel/log-keep".to_owned(),
        ),
        Call::new("GET", path.clone()).param("max", "-1"),
    ] {
        let answer = call.param("auth", &token).send(&client, &emulator).await;
        assert!(
            (400..500).contains(&answer.status),
            "{}: {}",
            answer.status,
            answer.body
        );
    }
    let answer = fetch("log-keep", &token, &[])
        .send(&client, &emulator)
        .await;
    let items = answer.json()["channels"]["log-keep"].clone();
    assert_eq!(items[0]["timetoken"], kept.to_string(), "{}", answer.body);
    assert_eq!(items.as_array().map(Vec::len), Some(1));
    emulator.shutdown().await.expect("shutdown");
}
