//! Every token-enforced endpoint beyond publish, through the same matrix: allowed by an
//! explicit entry, allowed by a pattern, allowed when signed with the secret key; refused
//! for the missing bit, an expired, a revoked, a wrong-authorized-uuid and a wrong-keyset
//! token; malformed input answered with a clear 4xx, never a 5xx.

use pam_model::{GrantRequest, Permissions, Resource, ResourceKind};

use super::support::{Answer, Call, SUB, client, grant, revoke, start};

/// Every bit grantable on a channel, and on a channel group.
const ALL_CHANNEL_BITS: u8 = 1 | 2 | 4 | 8 | 32 | 64 | 128;
const ALL_GROUP_BITS: u8 = 1 | 4;

/// One endpoint under test.
struct Case {
    name: &'static str,
    kind: ResourceKind,
    /// The bit the endpoint needs on the resource.
    bit: u8,
    /// Builds the request on resource `name`.
    call: fn(&str) -> Call<'static>,
    /// Requests that are malformed in one way each.
    malformed: fn() -> Vec<Call<'static>>,
}

fn grant_request(case: &Case, name: &str, bits: u8, pattern: bool) -> GrantRequest {
    let entry = Resource::new(case.kind, name, Permissions::from_bits(bits));
    if pattern {
        GrantRequest::new(10).pattern(entry)
    } else {
        GrantRequest::new(10).resource(entry)
    }
}

fn with_token(call: Call<'static>, token: &str) -> Call<'static> {
    call.param("auth", token)
}

fn assert_forbidden(case: &Case, answer: &Answer, name: &str, why: &str) {
    assert_eq!(answer.status, 403, "{} {why}: {}", case.name, answer.body);
    let body = answer.json();
    assert_eq!(body["message"], "Forbidden", "{} {why}", case.name);
    let list = if case.kind == ResourceKind::ChannelGroup {
        "channel-groups"
    } else {
        "channels"
    };
    assert_eq!(
        body["payload"][list],
        serde_json::json!([name]),
        "{} {why}: {}",
        case.name,
        answer.body
    );
}

async fn run(case: Case) {
    let emulator = start().await;
    let client = client();
    let (resource, pattern_resource) = if case.kind == ResourceKind::ChannelGroup {
        ("grp", "grp-7")
    } else {
        ("room", "room-7")
    };
    let ok = |answer: &Answer, why: &str| {
        assert_eq!(answer.status, 200, "{} {why}: {}", case.name, answer.body);
        answer.json()
    };

    // Allowed by an explicit entry.
    let body = grant_request(&case, resource, case.bit, false).to_body_json();
    let token = grant(&client, &emulator, &body).await;
    let answer = with_token((case.call)(resource), &token)
        .send(&client, &emulator)
        .await;
    ok(&answer, "explicit entry");

    // Allowed by a pattern.
    let prefix = if case.kind == ResourceKind::ChannelGroup {
        "^grp-[0-9]+$"
    } else {
        "^room-[0-9]+$"
    };
    let body = grant_request(&case, prefix, case.bit, true).to_body_json();
    let token = grant(&client, &emulator, &body).await;
    let answer = with_token((case.call)(pattern_resource), &token)
        .send(&client, &emulator)
        .await;
    ok(&answer, "pattern");
    // The pattern does not cover another name.
    let answer = with_token((case.call)(resource), &token)
        .send(&client, &emulator)
        .await;
    assert_forbidden(&case, &answer, resource, "outside the pattern");

    // Signed with the secret key: no token needed.
    let answer = (case.call)(resource)
        .signed_now(&emulator)
        .send(&client, &emulator)
        .await;
    ok(&answer, "signed");

    // Refused: every other bit, but not the one needed.
    let all = if case.kind == ResourceKind::ChannelGroup {
        ALL_GROUP_BITS
    } else {
        ALL_CHANNEL_BITS
    };
    let body = grant_request(&case, resource, all & !case.bit, false).to_body_json();
    let token = grant(&client, &emulator, &body).await;
    let answer = with_token((case.call)(resource), &token)
        .send(&client, &emulator)
        .await;
    assert_forbidden(&case, &answer, resource, "missing bit");
    // No token at all.
    let answer = (case.call)(resource).send(&client, &emulator).await;
    assert_forbidden(&case, &answer, resource, "no token");

    // Refused: expired.
    let now = emulator.access_manager().now();
    let expired = emulator
        .issue_token(
            0,
            &grant_request(&case, resource, case.bit, false),
            now - 11 * 60,
        )
        .expect("keyset 0");
    let answer = with_token((case.call)(resource), &expired)
        .send(&client, &emulator)
        .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (
            403,
            r#"{"message":"Token is expired.","error":true,"service":"Access Manager","status":403}"#
        ),
        "{} expired",
        case.name
    );

    // Refused: revoked.
    let body = grant_request(&case, resource, case.bit, false).to_body_json();
    let token = grant(&client, &emulator, &body).await;
    assert_eq!(revoke(&client, &emulator, &token).await.status, 200);
    let answer = with_token((case.call)(resource), &token)
        .send(&client, &emulator)
        .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (
            403,
            r#"{"message":"Token is revoked.","error":true,"service":"Access Manager","status":403}"#
        ),
        "{} revoked",
        case.name
    );

    // Refused: the token is for another user id.
    let body = grant_request(&case, resource, case.bit, false)
        .authorized_user_id("someone-else")
        .to_body_json();
    let token = grant(&client, &emulator, &body).await;
    let answer = with_token((case.call)(resource), &token)
        .send(&client, &emulator)
        .await;
    assert_forbidden(&case, &answer, resource, "wrong authorized uuid");

    // Refused: a token of the other keyset.
    let foreign = emulator
        .issue_token(1, &grant_request(&case, resource, case.bit, false), now)
        .expect("keyset 1");
    let answer = with_token((case.call)(resource), &foreign)
        .send(&client, &emulator)
        .await;
    assert_forbidden(&case, &answer, resource, "wrong keyset");

    // Malformed: a clear 4xx with a JSON body, never a 5xx. (Another ttl: the same grant
    // in the same second is the same token, which is revoked by now.)
    let body = GrantRequest::new(12)
        .resource(Resource::new(
            case.kind,
            resource,
            Permissions::from_bits(case.bit),
        ))
        .to_body_json();
    let token = grant(&client, &emulator, &body).await;
    for call in (case.malformed)() {
        let target = call.target();
        let answer = with_token(call, &token).send(&client, &emulator).await;
        assert!(
            (400..500).contains(&answer.status),
            "{} malformed {target}: {} {}",
            case.name,
            answer.status,
            answer.body
        );
        let body = answer.json();
        assert_eq!(body["error"], true, "{} malformed {target}", case.name);
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{} malformed {target}: {}",
            case.name,
            answer.body
        );
    }
    // And the endpoint still answers afterwards.
    let answer = with_token((case.call)(resource), &token)
        .send(&client, &emulator)
        .await;
    ok(&answer, "after malformed input");
    emulator.shutdown().await.expect("shutdown");
}

fn enc(name: &str) -> String {
    pam_sign::encode_path_segment(name)
}

#[tokio::test]
async fn subscribe_to_a_channel() {
    run(Case {
        name: "subscribe",
        kind: ResourceKind::Channel,
        bit: 1,
        call: |channel| Call::new("GET", format!("/v2/subscribe/{SUB}/{}/0", enc(channel))),
        malformed: || {
            vec![
                Call::new("GET", format!("/v2/subscribe/{SUB}/room/0")).param("tt", "soon"),
                Call::new("GET", format!("/v2/subscribe/{SUB}/room/0")).param("heartbeat", "-1"),
                Call::new("GET", format!("/v2/subscribe/{SUB}/,/0")),
                Call::new("GET", format!("/v2/subscribe/{SUB}/room%FF/0")),
                Call::new("GET", format!("/v2/subscribe/{SUB}/room%2/0")),
                Call::new("GET", format!("/v2/subscribe/{SUB}/room/0"))
                    .param("filter-expr", "uuid == 'x'"),
                Call::new("GET", "/v2/subscribe/sub-c-unknown/room/0"),
                Call::new("GET", format!("/v2/subscribe/{SUB}/room/0")).query(&[]),
                Call::new(
                    "GET",
                    format!(
                        "/v2/subscribe/{SUB}/{}/0",
                        (0..501)
                            .map(|i| format!("c{i}"))
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                ),
                Call::new("POST", format!("/v2/subscribe/{SUB}/room/0")),
            ]
        },
    })
    .await;
}

#[tokio::test]
async fn subscribe_through_a_group() {
    run(Case {
        name: "subscribe via group",
        kind: ResourceKind::ChannelGroup,
        bit: 1,
        call: |group| {
            Call::new("GET", format!("/v2/subscribe/{SUB}/,/0")).param("channel-group", group)
        },
        malformed: || {
            vec![
                Call::new("GET", format!("/v2/subscribe/{SUB}/,/0"))
                    .param("channel-group", "grp")
                    .param("tt", "-5"),
                Call::new("GET", format!("/v2/subscribe/{SUB}/,/0")).param("channel-group", ""),
            ]
        },
    })
    .await;
}

#[tokio::test]
async fn fetch_messages() {
    run(Case {
        name: "fetch messages",
        kind: ResourceKind::Channel,
        bit: 1,
        call: |channel| {
            Call::new(
                "GET",
                format!("/v3/history/sub-key/{SUB}/channel/{}", enc(channel)),
            )
        },
        malformed: || {
            let path = format!("/v3/history/sub-key/{SUB}/channel/room");
            vec![
                Call::new("GET", path.clone()).param("max", "many"),
                Call::new("GET", path.clone()).param("start", "1.5"),
                Call::new("GET", path.clone()).param("end", "x"),
                Call::new("GET", path.clone()).param("include_meta", "perhaps"),
                Call::new("GET", format!("/v3/history/sub-key/{SUB}/channel/,")),
                Call::new("PUT", path),
            ]
        },
    })
    .await;
}

#[tokio::test]
async fn message_counts() {
    run(Case {
        name: "message counts",
        kind: ResourceKind::Channel,
        bit: 1,
        call: |channel| {
            Call::new(
                "GET",
                format!("/v3/history/sub-key/{SUB}/message-counts/{}", enc(channel)),
            )
            .param("timetoken", "0")
        },
        malformed: || {
            let path = format!("/v3/history/sub-key/{SUB}/message-counts/room,other");
            vec![
                Call::new("GET", path.clone()),
                Call::new("GET", path.clone()).param("timetoken", "yesterday"),
                Call::new("GET", path.clone())
                    .param("timetoken", "1")
                    .param("channelsTimetoken", "1,2"),
                Call::new("GET", path.clone()).param("channelsTimetoken", "1,2,3"),
                Call::new("GET", path).param("channelsTimetoken", "1,b"),
            ]
        },
    })
    .await;
}

#[tokio::test]
async fn delete_messages() {
    run(Case {
        name: "delete messages",
        kind: ResourceKind::Channel,
        bit: 8,
        call: |channel| {
            Call::new(
                "DELETE",
                format!("/v3/history/sub-key/{SUB}/channel/{}", enc(channel)),
            )
        },
        malformed: || {
            let path = format!("/v3/history/sub-key/{SUB}/channel/room");
            vec![
                Call::new("DELETE", path.clone()).param("start", "x"),
                Call::new("DELETE", path).param("end", "-1"),
                Call::new("DELETE", format!("/v3/history/sub-key/{SUB}/channel/a,b")),
            ]
        },
    })
    .await;
}

#[tokio::test]
async fn here_now() {
    run(Case {
        name: "here now",
        kind: ResourceKind::Channel,
        bit: 1,
        call: |channel| {
            Call::new(
                "GET",
                format!("/v2/presence/sub-key/{SUB}/channel/{}", enc(channel)),
            )
        },
        malformed: || {
            vec![
                Call::new("GET", format!("/v2/presence/sub-key/{SUB}/channel/room"))
                    .param("disable_uuids", "maybe"),
                Call::new("GET", format!("/v2/presence/sub-key/{SUB}/channel/,")),
            ]
        },
    })
    .await;
}

#[tokio::test]
async fn heartbeat() {
    run(Case {
        name: "heartbeat",
        kind: ResourceKind::Channel,
        bit: 1,
        call: |channel| {
            Call::new(
                "GET",
                format!(
                    "/v2/presence/sub-key/{SUB}/channel/{}/heartbeat",
                    enc(channel)
                ),
            )
            .param("heartbeat", "60")
        },
        malformed: || {
            vec![
                Call::new(
                    "GET",
                    format!("/v2/presence/sub-key/{SUB}/channel/room/heartbeat"),
                )
                .param("heartbeat", "often"),
            ]
        },
    })
    .await;
}

#[tokio::test]
async fn leave() {
    run(Case {
        name: "leave",
        kind: ResourceKind::Channel,
        bit: 1,
        call: |channel| {
            Call::new(
                "GET",
                format!("/v2/presence/sub-key/{SUB}/channel/{}/leave", enc(channel)),
            )
        },
        malformed: || {
            vec![Call::new(
                "GET",
                format!("/v2/presence/sub-key/{SUB}/channel/,/leave"),
            )]
        },
    })
    .await;
}

fn group_path(group: &str) -> String {
    format!(
        "/v1/channel-registration/sub-key/{SUB}/channel-group/{}",
        enc(group)
    )
}

fn group_malformed() -> Vec<Call<'static>> {
    vec![
        Call::new("GET", group_path("grp")).param("add", ""),
        Call::new("GET", group_path("grp"))
            .param("add", "a")
            .param("remove", "b"),
        Call::new("GET", group_path("grp")).param(
            "add",
            &(0..201)
                .map(|i| format!("c{i}"))
                .collect::<Vec<_>>()
                .join(","),
        ),
        Call::new("GET", group_path("a,b")),
        Call::new("GET", group_path("grp%FF")),
        Call::new("DELETE", group_path("grp")),
    ]
}

#[tokio::test]
async fn add_channels_to_a_group() {
    run(Case {
        name: "add channels",
        kind: ResourceKind::ChannelGroup,
        bit: 4,
        call: |group| Call::new("GET", group_path(group)).param("add", "a,b"),
        malformed: group_malformed,
    })
    .await;
}

#[tokio::test]
async fn remove_channels_from_a_group() {
    run(Case {
        name: "remove channels",
        kind: ResourceKind::ChannelGroup,
        bit: 4,
        call: |group| Call::new("GET", group_path(group)).param("remove", "a"),
        malformed: group_malformed,
    })
    .await;
}

#[tokio::test]
async fn list_channels_of_a_group() {
    run(Case {
        name: "list channels",
        kind: ResourceKind::ChannelGroup,
        bit: 4,
        call: |group| Call::new("GET", group_path(group)),
        malformed: group_malformed,
    })
    .await;
}

#[tokio::test]
async fn delete_a_group() {
    run(Case {
        name: "delete group",
        kind: ResourceKind::ChannelGroup,
        bit: 4,
        call: |group| Call::new("GET", format!("{}/remove", group_path(group))),
        malformed: group_malformed,
    })
    .await;
}
