//! Channel groups: add, list, remove and delete, with PubNub's bodies, and the bounds.

use pam_model::{GrantRequest, Permissions, Resource, ResourceKind};

use super::support::{Call, SUB, client, grant, start};

fn group_call(group: &str, token: &str) -> Call<'static> {
    Call::new(
        "GET",
        format!("/v1/channel-registration/sub-key/{SUB}/channel-group/{group}"),
    )
    .param("auth", token)
}

const OK: &str = r#"{"status":200,"message":"OK","service":"channel-registry","error":false}"#;

#[tokio::test]
async fn add_list_remove_and_delete() {
    let emulator = start().await;
    let client = client();
    let body = GrantRequest::new(10)
        .resource(Resource::new(
            ResourceKind::ChannelGroup,
            "crew",
            Permissions::from_bits(4),
        ))
        .to_body_json();
    let token = grant(&client, &emulator, &body).await;
    let list = || group_call("crew", &token);

    let empty = list().send(&client, &emulator).await;
    assert_eq!(
        empty.body,
        r#"{"error":false,"payload":{"channels":[],"group":"crew"},"service":"channel-registry","status":200}"#
    );
    let added = group_call("crew", &token)
        .param("add", "b,a,c")
        .send(&client, &emulator)
        .await;
    assert_eq!((added.status, added.body.as_str()), (200, OK));
    let listed = list().send(&client, &emulator).await;
    assert_eq!(
        listed.json()["payload"]["channels"],
        serde_json::json!(["a", "b", "c"])
    );
    let removed = group_call("crew", &token)
        .param("remove", "b")
        .send(&client, &emulator)
        .await;
    assert_eq!((removed.status, removed.body.as_str()), (200, OK));
    assert_eq!(
        list().send(&client, &emulator).await.json()["payload"]["channels"],
        serde_json::json!(["a", "c"])
    );
    let deleted = Call::new(
        "GET",
        format!("/v1/channel-registration/sub-key/{SUB}/channel-group/crew/remove"),
    )
    .param("auth", &token)
    .send(&client, &emulator)
    .await;
    assert_eq!((deleted.status, deleted.body.as_str()), (200, OK));
    assert_eq!(
        list().send(&client, &emulator).await.json()["payload"]["channels"],
        serde_json::json!([])
    );
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_group_holds_at_most_its_limit_of_channels() {
    let emulator = start().await;
    let client = client();
    let body = GrantRequest::new(10)
        .resource(Resource::new(
            ResourceKind::ChannelGroup,
            "big",
            Permissions::from_bits(4),
        ))
        .to_body_json();
    let token = grant(&client, &emulator, &body).await;
    let per_call = pam_emulator::limits::MAX_CHANNELS_PER_GROUP_CHANGE;
    let calls = pam_emulator::limits::MAX_CHANNELS_PER_GROUP / per_call;
    for call in 0..calls {
        let names: Vec<String> = (0..per_call).map(|i| format!("c{call}-{i}")).collect();
        let answer = group_call("big", &token)
            .param("add", &names.join(","))
            .send(&client, &emulator)
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let answer = group_call("big", &token)
        .param("add", "one-more")
        .send(&client, &emulator)
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.json()["message"], "Channel group is full");
    // Nothing was lost or added.
    let listed = group_call("big", &token).send(&client, &emulator).await;
    assert_eq!(
        listed.json()["payload"]["channels"]
            .as_array()
            .map(Vec::len),
        Some(pam_emulator::limits::MAX_CHANNELS_PER_GROUP)
    );
    emulator.shutdown().await.expect("shutdown");
}
