//! Subscribe: handshake, long-poll delivery of messages and signals in order and once per
//! cursor, groups, presence events, the hold bound, and shutdown with held polls.

use std::time::Duration;

use pam_model::{GrantRequest, Permissions, Resource, ResourceKind};

use super::support::{
    Answer, Call, SUB, assert_sent, client, config, grant, message_call, start, start_with,
};

/// A token granting read and write on every channel and read and manage on every group.
async fn full_token(client: &reqwest::Client, emulator: &pam_emulator::Emulator) -> String {
    let body = GrantRequest::new(30)
        .pattern(Resource::new(
            ResourceKind::Channel,
            ".*",
            Permissions::from_bits(1 | 2 | 8),
        ))
        .pattern(Resource::new(
            ResourceKind::ChannelGroup,
            ".*",
            Permissions::from_bits(1 | 4),
        ))
        .to_body_json();
    grant(client, emulator, &body).await
}

fn subscribe_call(channels: &str, token: &str, user: &str, cursor: Option<&str>) -> Call<'static> {
    let mut call = Call::new("GET", format!("/v2/subscribe/{SUB}/{channels}/0"))
        .query(&[("uuid", user), ("auth", token)]);
    if let Some(cursor) = cursor {
        call = call.param("tt", cursor).param("tr", "1");
    }
    call
}

/// The cursor of a subscribe answer.
fn cursor_of(answer: &Answer) -> String {
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()["t"]["t"]
        .as_str()
        .expect("cursor is a string")
        .to_owned()
}

async fn publish_as(
    client: &reqwest::Client,
    emulator: &pam_emulator::Emulator,
    kind: &str,
    channel: &str,
    message: &str,
    token: &str,
    extra: &[(&str, &str)],
) -> u64 {
    let call = message_call(kind, channel, message, "publisher", token, extra);
    assert_sent(&call.send(client, emulator).await)
}

/// Waits (bounded) until the emulator holds `count` long-polls.
async fn until_held(emulator: &pam_emulator::Emulator, count: usize) {
    for _ in 0..1000 {
        if emulator.access_manager().held_polls() == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "expected {count} held polls, found {}",
        emulator.access_manager().held_polls()
    );
}

#[tokio::test]
async fn a_held_poll_receives_messages_and_signals_in_order_once_per_cursor() {
    let emulator = start().await;
    let client = client();
    let token = full_token(&client, &emulator).await;

    let handshake = subscribe_call("room", &token, "reader", None)
        .send(&client, &emulator)
        .await;
    assert_eq!(handshake.json()["m"], serde_json::json!([]));
    let cursor = cursor_of(&handshake);
    assert_eq!(cursor.len(), 17, "{cursor}");

    // The poll is held: nothing has been published yet.
    let poll = {
        let (client, call) = (
            client.clone(),
            subscribe_call("room", &token, "reader", Some(&cursor)),
        );
        let url = emulator.url().to_owned();
        tokio::spawn(async move { send_to(&client, &url, &call).await })
    };
    until_held(&emulator, 1).await;
    // Other requests are answered while it is held.
    let time = Call::new("GET", "/time/0").send(&client, &emulator).await;
    assert_eq!(time.status, 200);
    assert!(!poll.is_finished());

    let first = publish_as(
        &client,
        &emulator,
        "publish",
        "room",
        r#"{"text":"hello"}"#,
        &token,
        &[
            ("meta", r#"{"lang":"en"}"#),
            ("custom_message_type", "chat-text"),
        ],
    )
    .await;
    let answer = poll.await.expect("poll task");
    let body = answer.json();
    let events = body["m"].as_array().expect("m");
    assert_eq!(events.len(), 1, "{}", answer.body);
    let event = &events[0];
    assert_eq!(event["c"], "room");
    assert_eq!(event["d"], serde_json::json!({"text": "hello"}));
    assert_eq!(event["i"], "publisher");
    assert_eq!(event["k"], SUB);
    assert_eq!(event["p"]["t"], first.to_string());
    assert_eq!(event["u"], serde_json::json!({"lang": "en"}));
    assert_eq!(event["cmt"], "chat-text");
    assert!(event.get("e").is_none(), "a message has no `e`");
    assert!(event.get("b").is_none(), "a direct subscription has no `b`");
    let after_first = cursor_of(&answer);
    assert_eq!(after_first, first.to_string());

    // Two more events, one a signal, and one on another channel: delivered in order.
    let second = publish_as(&client, &emulator, "signal", "room", "1", &token, &[]).await;
    publish_as(&client, &emulator, "publish", "elsewhere", "0", &token, &[]).await;
    let third = publish_as(&client, &emulator, "publish", "room", "\"3\"", &token, &[]).await;
    let answer = subscribe_call("room", &token, "reader", Some(&after_first))
        .send(&client, &emulator)
        .await;
    let body = answer.json();
    let timetokens: Vec<&str> = body["m"]
        .as_array()
        .expect("m")
        .iter()
        .map(|event| event["p"]["t"].as_str().expect("t"))
        .collect();
    assert_eq!(timetokens, [second.to_string(), third.to_string()]);
    assert_eq!(body["m"][0]["e"], 1, "a signal has `e` = 1");
    assert_eq!(cursor_of(&answer), third.to_string());

    // The same cursor again gives the same events; the new cursor gives nothing new.
    let again = subscribe_call("room", &token, "reader", Some(&after_first))
        .send(&client, &emulator)
        .await;
    assert_eq!(again.json()["m"], body["m"]);
    emulator.shutdown().await.expect("shutdown");
}

/// Sends `call` to the emulator at `url` (for spawned tasks).
async fn send_to(client: &reqwest::Client, url: &str, call: &Call<'static>) -> Answer {
    let response = client
        .get(format!("{url}{}", call.target()))
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    Answer {
        status,
        body: response.text().await.expect("body"),
    }
}

#[tokio::test]
async fn a_poll_is_held_no_longer_than_the_hold_time() {
    let emulator = start_with(config().with_subscribe_hold(1)).await;
    let client = client();
    let token = full_token(&client, &emulator).await;
    let cursor = cursor_of(
        &subscribe_call("quiet", &token, "reader", None)
            .send(&client, &emulator)
            .await,
    );
    let answer = subscribe_call("quiet", &token, "reader", Some(&cursor))
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.json()["m"], serde_json::json!([]));
    let next: u64 = cursor_of(&answer).parse().expect("digits");
    assert!(next > cursor.parse::<u64>().expect("digits"));
    assert_eq!(emulator.access_manager().held_polls(), 0);
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn shutdown_answers_every_held_poll() {
    // Held for up to five minutes: only the shutdown can end these polls within the test.
    let emulator = start_with(config().with_subscribe_hold(300)).await;
    let client = client();
    let token = full_token(&client, &emulator).await;
    let cursor = cursor_of(
        &subscribe_call("quiet", &token, "reader", None)
            .send(&client, &emulator)
            .await,
    );
    let polls: Vec<_> = (0..20)
        .map(|i| {
            let client = client.clone();
            let url = emulator.url().to_owned();
            let call = subscribe_call("quiet", &token, &format!("reader-{i}"), Some(&cursor));
            tokio::spawn(async move { send_to(&client, &url, &call).await })
        })
        .collect();
    until_held(&emulator, 20).await;
    // A liveness bound, not a speed goal: without the release this would take 300 s.
    tokio::time::timeout(Duration::from_secs(60), emulator.shutdown())
        .await
        .expect("shutdown does not wait for the hold time")
        .expect("shutdown");
    for poll in polls {
        let answer = poll.await.expect("poll task");
        assert_eq!(answer.status, 200, "{}", answer.body);
        let body: serde_json::Value = serde_json::from_str(&answer.body).expect("json");
        assert_eq!(body["m"], serde_json::json!([]));
    }
}

#[tokio::test]
async fn groups_deliver_their_channels_with_the_group_as_subscription() {
    let emulator = start().await;
    let client = client();
    let token = full_token(&client, &emulator).await;
    let group_path = format!("/v1/channel-registration/sub-key/{SUB}/channel-group/team");
    let added = Call::new("GET", group_path.clone())
        .param("add", "team-a")
        .param("auth", &token)
        .send(&client, &emulator)
        .await;
    assert_eq!(added.status, 200, "{}", added.body);

    let handshake = Call::new("GET", format!("/v2/subscribe/{SUB}/,/0"))
        .query(&[
            ("uuid", "reader"),
            ("auth", &token),
            ("channel-group", "team"),
        ])
        .send(&client, &emulator)
        .await;
    let cursor = cursor_of(&handshake);
    // A channel added after the handshake is delivered too.
    Call::new("GET", group_path)
        .param("add", "team-b")
        .param("auth", &token)
        .send(&client, &emulator)
        .await;
    publish_as(
        &client,
        &emulator,
        "publish",
        "team-a",
        "\"a\"",
        &token,
        &[],
    )
    .await;
    publish_as(
        &client,
        &emulator,
        "publish",
        "outsider",
        "\"x\"",
        &token,
        &[],
    )
    .await;
    publish_as(
        &client,
        &emulator,
        "publish",
        "team-b",
        "\"b\"",
        &token,
        &[],
    )
    .await;
    let answer = Call::new("GET", format!("/v2/subscribe/{SUB}/,/0"))
        .query(&[
            ("uuid", "reader"),
            ("auth", &token),
            ("channel-group", "team"),
            ("tt", &cursor),
        ])
        .send(&client, &emulator)
        .await;
    let body = answer.json();
    let got: Vec<(String, String, String)> = body["m"]
        .as_array()
        .expect("m")
        .iter()
        .map(|event| {
            (
                event["c"].as_str().unwrap_or_default().to_owned(),
                event["b"].as_str().unwrap_or_default().to_owned(),
                event["d"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("team-a".into(), "team".into(), "a".into()),
            ("team-b".into(), "team".into(), "b".into())
        ]
    );
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn presence_channels_carry_join_and_leave() {
    let emulator = start().await;
    let client = client();
    let token = full_token(&client, &emulator).await;
    let watcher = subscribe_call("lobby-pnpres", &token, "watcher", None)
        .send(&client, &emulator)
        .await;
    let cursor = cursor_of(&watcher);

    let joined = subscribe_call("lobby", &token, "ann", None)
        .send(&client, &emulator)
        .await;
    assert_eq!(joined.status, 200);
    let here = Call::new("GET", format!("/v2/presence/sub-key/{SUB}/channel/lobby"))
        .param("auth", &token)
        .send(&client, &emulator)
        .await;
    assert_eq!(
        here.body,
        r#"{"message":"OK","occupancy":1,"service":"Presence","status":200,"uuids":["ann"]}"#
    );
    let left = Call::new(
        "GET",
        format!("/v2/presence/sub-key/{SUB}/channel/lobby/leave"),
    )
    .query(&[("uuid", "ann"), ("auth", &token)])
    .send(&client, &emulator)
    .await;
    assert_eq!(
        left.body,
        r#"{"status":200,"message":"OK","action":"leave","service":"Presence"}"#
    );

    let events = subscribe_call("lobby-pnpres", &token, "watcher", Some(&cursor))
        .send(&client, &emulator)
        .await;
    let body = events.json();
    let actions: Vec<(String, String, u64)> = body["m"]
        .as_array()
        .expect("m")
        .iter()
        .map(|event| {
            assert_eq!(event["c"], "lobby-pnpres");
            (
                event["d"]["action"].as_str().unwrap_or_default().to_owned(),
                event["d"]["uuid"].as_str().unwrap_or_default().to_owned(),
                event["d"]["occupancy"].as_u64().unwrap_or(99),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("join".into(), "ann".into(), 1),
            ("leave".into(), "ann".into(), 0)
        ]
    );
    // The watcher of a presence channel is not present on it, nor on the channel.
    let here = Call::new(
        "GET",
        format!("/v2/presence/sub-key/{SUB}/channel/lobby,lobby-pnpres"),
    )
    .param("auth", &token)
    .param("disable_uuids", "1")
    .send(&client, &emulator)
    .await;
    assert_eq!(
        here.json()["payload"],
        serde_json::json!({
            "channels": {"lobby": {"occupancy": 0}, "lobby-pnpres": {"occupancy": 0}},
            "total_channels": 2,
            "total_occupancy": 0
        })
    );
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_subscribe_needs_read_on_every_channel_and_group_it_names() {
    let emulator = start().await;
    let client = client();
    let body = GrantRequest::new(10)
        .resource(Resource::new(
            ResourceKind::Channel,
            "open",
            Permissions::from_bits(1),
        ))
        .to_body_json();
    let token = grant(&client, &emulator, &body).await;
    let answer = Call::new(
        "GET",
        format!("/v2/subscribe/{SUB}/open,closed,open-pnpres/0"),
    )
    .query(&[("uuid", "reader"), ("auth", &token), ("channel-group", "g")])
    .send(&client, &emulator)
    .await;
    assert_eq!(
        answer.body,
        r#"{"message":"Forbidden","payload":{"channels":["closed","open-pnpres"],"channel-groups":["g"]},"error":true,"service":"Access Manager","status":403}"#
    );
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn malformed_subscribes_lose_no_event() {
    let emulator = start().await;
    let client = client();
    let token = full_token(&client, &emulator).await;
    let cursor = cursor_of(
        &subscribe_call("keep", &token, "reader", None)
            .send(&client, &emulator)
            .await,
    );
    let sent = publish_as(
        &client,
        &emulator,
        "publish",
        "keep",
        "\"kept\"",
        &token,
        &[],
    )
    .await;
    for call in [
        subscribe_call("keep", &token, "reader", Some(&cursor)).param("heartbeat", "x"),
        subscribe_call("keep", &token, "reader", Some("12ab")),
        subscribe_call("keep", &token, "reader", Some(&cursor)).param("filter-expr", "a==1"),
        subscribe_call("keep%FF", &token, "reader", Some(&cursor)),
    ] {
        let answer = call.send(&client, &emulator).await;
        assert_eq!(answer.status, 400, "{}", answer.body);
        assert_eq!(answer.json()["error"], true);
    }
    let answer = subscribe_call("keep", &token, "reader", Some(&cursor))
        .send(&client, &emulator)
        .await;
    assert_eq!(
        answer.json()["m"][0]["p"]["t"],
        sent.to_string(),
        "{}",
        answer.body
    );
    emulator.shutdown().await.expect("shutdown");
}
