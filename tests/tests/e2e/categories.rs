//! Categories end to end: the facade grants against the emulator, the token parses back to the
//! same categories (and shows them in the CLI contract), a category token lists App Context
//! where the keyset restricts it, and bad categories are refused before sending with the body
//! the emulator answers.

use pam::{
    AccessRequest, CategoryKind, Error, GrantRequest, Permissions, ResourceKind, permissions,
};
use serde_json::json;

use crate::fixture::{Fixture, SEC, SUB};

fn get_only() -> serde_json::Value {
    json!({"bitmask": 32, "read": false, "write": false, "manage": false, "delete": false,
        "create": false, "get": true, "update": false, "join": false})
}

#[tokio::test]
async fn three_kinds_of_token_round_trip_through_the_emulator() {
    let fixture = Fixture::start().await;
    let server = fixture.server();

    let only = server
        .grant_token(30)
        .categories(&[permissions::channels_category().get()])
        .execute()
        .await
        .expect("a categories-only grant is accepted")
        .token;
    let parsed = pam::parse_token(&only).expect("parses");
    assert_eq!(
        parsed.categories().iter().collect::<Vec<_>>(),
        [(CategoryKind::Channels, Permissions::GET)]
    );
    assert!(parsed.resources().is_empty() && parsed.patterns().is_empty());
    assert_eq!(
        parsed.to_json()["categories"],
        json!({"channels": get_only()})
    );
    pam::verify_token(&only, SEC.as_bytes()).expect("signed by the keyset");

    let all = server
        .grant_token(30)
        .resources(&[permissions::channel("chat").read()])
        .patterns(&[permissions::user_id("^bot-").get()])
        .categories(&[
            permissions::uuids_category().get(),
            permissions::channels_category().get(),
        ])
        .execute()
        .await
        .expect("granted")
        .token;
    let parsed = pam::parse_token(&all).expect("parses");
    assert_eq!(parsed.categories().len(), 2);
    assert_eq!(
        parsed.resources().get(ResourceKind::Channel, "chat"),
        Some(Permissions::READ)
    );
    assert_eq!(
        parsed.patterns().get(ResourceKind::UserId, "^bot-"),
        Some(Permissions::GET)
    );
    assert_eq!(
        parsed.to_json()["categories"],
        json!({"channels": get_only(), "uuids": get_only()})
    );
    let now = parsed.timestamp();
    assert!(
        parsed
            .authorize(&AccessRequest::category(CategoryKind::Uuids, now))
            .is_allowed()
    );

    let none = server
        .grant_token(30)
        .resources(&[permissions::channel("chat").read()])
        .execute()
        .await
        .expect("granted")
        .token;
    let parsed = pam::parse_token(&none).expect("parses");
    assert!(parsed.categories().is_empty());
    assert_eq!(parsed.to_json()["categories"], json!({}));
}

#[tokio::test]
async fn a_category_token_lists_where_the_keyset_restricts_listing() {
    let fixture = Fixture::start_with(|mut config| {
        let restricted = config
            .keysets
            .remove(0)
            .with_disallow_get_all_channel_metadata(true);
        config.keysets.insert(0, restricted);
        config
    })
    .await;
    let server = fixture.server();
    let lister = server
        .grant_token(5)
        .categories(&[permissions::channels_category().get()])
        .execute()
        .await
        .expect("granted")
        .token;
    let reader = server
        .grant_token(5)
        .patterns(&[permissions::channel(".*").get()])
        .execute()
        .await
        .expect("granted")
        .token;
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let list = |token: String| {
        let url = format!(
            "{}/v2/objects/{SUB}/channels?uuid=viewer&auth={}",
            fixture.url(),
            pam_sign::encode_path_segment(&token)
        );
        let request = client.get(url);
        async move {
            let response = request.send().await.expect("answered");
            (
                response.status().as_u16(),
                response.text().await.expect("body"),
            )
        }
    };
    let (status, body) = list(lister).await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"data":[],"status":200}"#)
    );
    let (status, body) = list(reader).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains(r#""categories":["channels"]"#), "{body}");
}

#[tokio::test]
async fn bad_categories_are_refused_before_sending_with_the_emulators_body() {
    let fixture = Fixture::start().await;
    let server = fixture.server();
    // The typed builders cannot ask for more than get, nor for an unknown category (see the
    // compile_fail examples of `pam::permissions`); a request built by hand can.
    let mut update = GrantRequest::new(10);
    update.add_category(CategoryKind::Channels, Permissions::UPDATE);
    let mut zero = GrantRequest::new(10);
    zero.add_category(CategoryKind::Uuids, Permissions::NONE);
    for (case, request, location) in [
        (
            "update on a category",
            &update,
            "permissions.categories.channels",
        ),
        (
            "a category without bits",
            &zero,
            "permissions.categories.uuids",
        ),
    ] {
        let local = server
            .transport()
            .grant(&request.clone())
            .await
            .unwrap_err();
        let Error::InvalidRequest { body: local, .. } = &local else {
            panic!("{case}: expected InvalidRequest, got {local:?}");
        };
        assert_eq!(local.details[0].location, location, "{case}");
        let remote = server
            .transport()
            .grant_unvalidated(request)
            .await
            .unwrap_err();
        let Error::Api { body: remote, .. } = &remote else {
            panic!("{case}: expected Api, got {remote:?}");
        };
        assert_eq!(local, remote, "{case}");
    }
    // A categories-only grant is valid on both sides.
    let only = GrantRequest::new(10).category(permissions::uuids_category().get());
    assert!(server.transport().grant(&only).await.is_ok());
}
