//! App Context (`/v2/objects/…`) over loopback HTTP: listings restricted by keyset flags and
//! allowed by categories, get / set / remove per bit for explicit entries and patterns,
//! memberships, expired and revoked tokens everywhere, bodies, shapes and paging.

use pam_emulator::{Emulator, EmulatorConfig, Keyset};
use pam_model::{CategoryKind, GrantRequest, Permissions, Resource, ResourceKind, permissions};
use serde_json::{Value, json};

use super::support::{Answer, Call, PUB, SECRET, SUB, client, grant, revoke};

/// A second keyset that restricts both listings.
const SUB_RESTRICTED: &str = "sub-c-restricted";
const PUB_RESTRICTED: &str = "pub-c-restricted";
const SECRET_RESTRICTED: &str = "sec-c-restricted";

async fn start() -> Emulator {
    let config = EmulatorConfig::new(vec![
        Keyset::new(SUB, PUB, SECRET),
        Keyset::new(SUB_RESTRICTED, PUB_RESTRICTED, SECRET_RESTRICTED)
            .with_disallow_get_all_channel_metadata(true)
            .with_disallow_get_all_user_metadata(true),
    ])
    .with_listen("127.0.0.1:0".parse().expect("address"));
    Emulator::start(config).await.expect("emulator starts")
}

/// A token for `request` on keyset `index` issued now (or `age_secs` ago).
fn token(emulator: &Emulator, index: usize, request: &GrantRequest, age_secs: u64) -> String {
    assert_eq!(request.validate(), Ok(()));
    let now = emulator.access_manager().now();
    emulator
        .access_manager()
        .issue_token(index, request, now - age_secs)
        .expect("keyset exists")
}

fn path(sub: &str, tail: &str) -> String {
    format!("/v2/objects/{sub}/{tail}")
}

async fn call(
    emulator: &Emulator,
    method: &str,
    sub: &str,
    tail: &str,
    auth: Option<&str>,
    body: Option<&str>,
) -> Answer {
    let mut call = Call::new(method, path(sub, tail));
    if let Some(auth) = auth {
        call = call.param("auth", auth);
    }
    if let Some(body) = body {
        call = call.json_body(body);
    }
    call.send(&client(), emulator).await
}

fn forbidden(payload: Value) -> Value {
    json!({"message": "Forbidden", "payload": payload, "error": true,
        "service": "Access Manager", "status": 403})
}

#[tokio::test]
async fn restricted_listings_need_the_category_and_unrestricted_ones_any_valid_token() {
    let emulator = start().await;
    let lister = token(
        &emulator,
        1,
        &GrantRequest::new(10).category(permissions::channels_category().get()),
        0,
    );
    // Every resource and pattern bit on channels and uuids: still no listing.
    let everything = GrantRequest::new(10)
        .pattern(Resource::new(
            ResourceKind::Channel,
            ".*",
            Permissions::from_bits(255),
        ))
        .pattern(Resource::new(
            ResourceKind::UserId,
            ".*",
            Permissions::from_bits(104),
        ));
    let no_category = token(&emulator, 1, &everything, 0);

    let allowed = call(
        &emulator,
        "GET",
        SUB_RESTRICTED,
        "channels",
        Some(&lister),
        None,
    )
    .await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
    assert_eq!(allowed.json(), json!({"status": 200, "data": []}));

    let refused = call(
        &emulator,
        "GET",
        SUB_RESTRICTED,
        "channels",
        Some(&no_category),
        None,
    )
    .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.json(),
        forbidden(json!({"categories": ["channels"]}))
    );
    let uuids = call(
        &emulator,
        "GET",
        SUB_RESTRICTED,
        "uuids",
        Some(&lister),
        None,
    )
    .await;
    assert_eq!(uuids.json(), forbidden(json!({"categories": ["uuids"]})));
    let none = call(&emulator, "GET", SUB_RESTRICTED, "uuids", None, None).await;
    assert_eq!(none.status, 403);

    // The flag off: any token this keyset signed lists, even one granting one channel read.
    let reader = token(
        &emulator,
        0,
        &GrantRequest::new(10).resource(permissions::channel("x").read()),
        0,
    );
    for tail in ["channels", "uuids"] {
        let answer = call(&emulator, "GET", SUB, tail, Some(&reader), None).await;
        assert_eq!(answer.status, 200, "{tail}: {}", answer.body);
        // Without a token, or with another keyset's token, still refused.
        assert_eq!(
            call(&emulator, "GET", SUB, tail, None, None).await.status,
            403
        );
        assert_eq!(
            call(&emulator, "GET", SUB, tail, Some(&lister), None)
                .await
                .status,
            403
        );
    }
    // A token restricted to another user id is no valid token for this one.
    let someone_else = token(
        &emulator,
        0,
        &GrantRequest::new(10)
            .resource(permissions::channel("x").read())
            .authorized_user_id("someone-else"),
        0,
    );
    assert_eq!(
        call(&emulator, "GET", SUB, "channels", Some(&someone_else), None)
            .await
            .status,
        403
    );
    emulator.shutdown().await.expect("shutdown");
}

/// Get, update and delete on `c` and `u` explicitly and on `^p-` patterns, each alone.
fn per_bit(bits: u8) -> GrantRequest {
    let p = Permissions::from_bits(bits);
    GrantRequest::new(10)
        .resource(Resource::new(ResourceKind::Channel, "c", p))
        .resource(Resource::new(ResourceKind::UserId, "u", p))
        .pattern(Resource::new(ResourceKind::Channel, "^p-", p))
        .pattern(Resource::new(ResourceKind::UserId, "^p-", p))
}

#[tokio::test]
async fn get_set_remove_are_allowed_and_refused_per_bit() {
    let emulator = start().await;
    let get = token(&emulator, 0, &per_bit(32), 0);
    let update = token(&emulator, 0, &per_bit(64), 0);
    let delete = token(&emulator, 0, &per_bit(8), 0);
    let body = r#"{"name":"N","custom":{"k":"v"}}"#;
    for (tail, kind) in [
        ("channels/c", "channels"),
        ("channels/p-1", "channels"),
        ("uuids/u", "uuids"),
        ("uuids/p-2", "uuids"),
    ] {
        let name = tail.split('/').nth(1).unwrap();
        let refused = forbidden(json!({ kind: [name] }));
        // Set: update only.
        for wrong in [&get, &delete] {
            let answer = call(&emulator, "PATCH", SUB, tail, Some(wrong), Some(body)).await;
            assert_eq!(answer.json(), refused, "PATCH {tail}");
        }
        let set = call(&emulator, "PATCH", SUB, tail, Some(&update), Some(body)).await;
        assert_eq!(set.status, 200, "PATCH {tail}: {}", set.body);
        assert_eq!(set.json()["data"]["name"], "N");
        // Get: get only.
        for wrong in [&update, &delete] {
            let answer = call(&emulator, "GET", SUB, tail, Some(wrong), None).await;
            assert_eq!(answer.json(), refused, "GET {tail}");
        }
        let got = call(&emulator, "GET", SUB, tail, Some(&get), None).await;
        assert_eq!(got.status, 200, "GET {tail}: {}", got.body);
        assert_eq!(got.json()["data"]["id"], name);
        // Remove: delete only.
        for wrong in [&get, &update] {
            let answer = call(&emulator, "DELETE", SUB, tail, Some(wrong), None).await;
            assert_eq!(answer.json(), refused, "DELETE {tail}");
        }
        let removed = call(&emulator, "DELETE", SUB, tail, Some(&delete), None).await;
        assert_eq!(
            removed.json(),
            json!({"status": 200, "data": null}),
            "DELETE {tail}"
        );
        let gone = call(&emulator, "GET", SUB, tail, Some(&get), None).await;
        assert_eq!(gone.status, 404, "{}", gone.body);
        assert_eq!(
            gone.json()["error"]["message"],
            "Requested object was not found."
        );
    }
    // Names the token does not cover at all.
    let other = call(&emulator, "GET", SUB, "channels/q-1", Some(&get), None).await;
    assert_eq!(other.json(), forbidden(json!({"channels": ["q-1"]})));
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn set_memberships_needs_uuid_update_and_join_on_every_channel() {
    let emulator = start().await;
    let member = token(
        &emulator,
        0,
        &GrantRequest::new(10)
            .resource(permissions::user_id("u").update().get())
            .resource(permissions::channel("a").join())
            .pattern(permissions::channel("^room-").join()),
        0,
    );
    let set_a =
        r#"{"set":[{"channel":{"id":"a"},"custom":{"role":"mod"}},{"channel":{"id":"room-1"}}]}"#;
    let answer = call(
        &emulator,
        "PATCH",
        SUB,
        "uuids/u/channels",
        Some(&member),
        Some(set_a),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let data = answer.json()["data"].clone();
    assert_eq!(data[0]["channel"], json!({"id": "a"}));
    assert_eq!(data[1]["channel"], json!({"id": "room-1"}));

    // One channel without join refuses the whole request, naming it.
    let set_b = r#"{"set":[{"channel":{"id":"a"}},{"channel":{"id":"b"}}]}"#;
    let answer = call(
        &emulator,
        "PATCH",
        SUB,
        "uuids/u/channels",
        Some(&member),
        Some(set_b),
    )
    .await;
    assert_eq!(answer.json(), forbidden(json!({"channels": ["b"]})));
    // Deleting needs join too.
    let delete_b = r#"{"delete":[{"channel":{"id":"b"}}]}"#;
    let answer = call(
        &emulator,
        "PATCH",
        SUB,
        "uuids/u/channels",
        Some(&member),
        Some(delete_b),
    )
    .await;
    assert_eq!(answer.json(), forbidden(json!({"channels": ["b"]})));
    // Another uuid: no update on it.
    let answer = call(
        &emulator,
        "PATCH",
        SUB,
        "uuids/v/channels",
        Some(&member),
        Some(set_a),
    )
    .await;
    assert_eq!(answer.json(), forbidden(json!({"uuids": ["v"]})));
    // Join without uuid update is not enough.
    let joiner = token(
        &emulator,
        0,
        &GrantRequest::new(10).resource(permissions::channel("a").join()),
        0,
    );
    let answer = call(
        &emulator,
        "PATCH",
        SUB,
        "uuids/u/channels",
        Some(&joiner),
        Some(set_a),
    )
    .await;
    assert_eq!(
        answer.json(),
        forbidden(json!({"uuids": ["u"], "channels": ["room-1"]}))
    );

    // Get memberships: uuid get; the stored memberships, with custom on request.
    let listed = Call::new("GET", path(SUB, "uuids/u/channels"))
        .param("auth", &member)
        .param("include", "custom")
        .param("count", "true")
        .send(&client(), &emulator)
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let listed = listed.json();
    assert_eq!(listed["totalCount"], 2);
    assert_eq!(listed["data"][0]["custom"], json!({"role": "mod"}));
    assert_eq!(
        call(
            &emulator,
            "GET",
            SUB,
            "uuids/u/channels",
            Some(&joiner),
            None
        )
        .await
        .status,
        403
    );
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn expired_and_revoked_tokens_are_refused_on_every_endpoint() {
    let emulator = start().await;
    let client = client();
    let all = GrantRequest::new(10)
        .pattern(Resource::new(
            ResourceKind::Channel,
            ".*",
            Permissions::from_bits(255),
        ))
        .pattern(Resource::new(
            ResourceKind::UserId,
            ".*",
            Permissions::from_bits(104),
        ))
        .categories(&[
            permissions::channels_category().get(),
            permissions::uuids_category().get(),
        ]);
    let expired = token(&emulator, 0, &all, 11 * 60);
    let live_body = serde_json::to_string(&json!({
        "ttl": 10,
        "permissions": {
            "patterns": {"channels": {".*": 255}, "uuids": {".*": 104}},
            "categories": {"channels": 32, "uuids": 32}
        }
    }))
    .unwrap();
    let revoked = grant(&client, &emulator, &live_body).await;
    let endpoints: [(&str, &str, Option<&str>); 10] = [
        ("GET", "channels", None),
        ("GET", "uuids", None),
        ("GET", "channels/c", None),
        ("PATCH", "channels/c", Some(r#"{"name":"n"}"#)),
        ("DELETE", "channels/c", None),
        ("GET", "uuids/u", None),
        ("PATCH", "uuids/u", Some(r#"{"name":"n"}"#)),
        ("DELETE", "uuids/u", None),
        ("GET", "uuids/u/channels", None),
        (
            "PATCH",
            "uuids/u/channels",
            Some(r#"{"set":[{"channel":{"id":"c"}}]}"#),
        ),
    ];
    // The live token works everywhere, on both keysets' rules.
    for (method, tail, body) in endpoints {
        let answer = call(&emulator, method, SUB, tail, Some(&revoked), body).await;
        assert!(
            answer.status == 200 || answer.status == 404,
            "{method} {tail}: {}",
            answer.body
        );
    }
    assert_eq!(revoke(&client, &emulator, &revoked).await.status, 200);
    for (method, tail, body) in endpoints {
        let answer = call(&emulator, method, SUB, tail, Some(&expired), body).await;
        assert_eq!(
            (answer.status, answer.json()["message"].clone()),
            (403, json!("Token is expired.")),
            "{method} {tail}"
        );
        let answer = call(&emulator, method, SUB, tail, Some(&revoked), body).await;
        assert_eq!(
            (answer.status, answer.json()["message"].clone()),
            (403, json!("Token is revoked.")),
            "{method} {tail}"
        );
    }
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn signed_requests_skip_the_token_check() {
    let emulator = start().await;
    let answer = Call::new("PATCH", path(SUB, "channels/admin-room"))
        .json_body(r#"{"name":"Admins","description":"Staff only"}"#)
        .signed_now(&emulator)
        .send(&client(), &emulator)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let listed = Call::new("GET", path(SUB, "channels"))
        .signed_now(&emulator)
        .send(&client(), &emulator)
        .await;
    assert_eq!(listed.json()["data"][0]["id"], "admin-room");
    // A wrong signature is a signature error, not a pass.
    let bad = Call::new("GET", path(SUB, "channels"))
        .signed(PUB, "sec-c-wrong", emulator.access_manager().now())
        .send(&client(), &emulator)
        .await;
    assert_eq!(bad.status, 403);
    assert_eq!(bad.json()["error"]["message"], "Invalid signature");
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn shapes_paging_and_bad_bodies() {
    let emulator = start().await;
    let admin = token(
        &emulator,
        0,
        &GrantRequest::new(10).pattern(Resource::new(
            ResourceKind::Channel,
            ".*",
            Permissions::from_bits(32 | 64 | 8),
        )),
        0,
    );
    for i in 0..5 {
        let body = format!(r#"{{"name":"Room {i}","description":null,"custom":{{"n":{i}}}}}"#);
        let tail = format!("channels/room-{i}");
        let answer = call(&emulator, "PATCH", SUB, &tail, Some(&admin), Some(&body)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let one = Call::new("GET", path(SUB, "channels/room-1"))
        .param("auth", &admin)
        .param("include", "custom")
        .send(&client(), &emulator)
        .await
        .json();
    let data = &one["data"];
    assert_eq!(data["id"], "room-1");
    assert_eq!(data["name"], "Room 1");
    assert_eq!(data["description"], Value::Null);
    assert_eq!(data["custom"], json!({"n": 1}));
    let updated = data["updated"].as_str().unwrap();
    assert!(updated.ends_with('Z') && updated.len() == 27, "{updated}");
    assert_eq!(data["eTag"].as_str().unwrap().len(), 16);

    // Pages of 2: next, start, totalCount.
    let mut seen = Vec::new();
    let mut start: Option<String> = None;
    loop {
        let mut request = Call::new("GET", path(SUB, "channels"))
            .param("auth", &admin)
            .param("limit", "2")
            .param("count", "true");
        if let Some(cursor) = &start {
            request = request.param("start", cursor);
        }
        let page = request.send(&client(), &emulator).await.json();
        assert_eq!(page["totalCount"], 5);
        assert!(
            page["data"][0].get("custom").is_none(),
            "custom only on request"
        );
        for item in page["data"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => start = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ["room-0", "room-1", "room-2", "room-3", "room-4"]);

    // Bad bodies and parameters: 400 naming where.
    let big_custom = format!(r#"{{"custom":{{"k":"{}"}}}}"#, "x".repeat(3000));
    for (method, tail, body, location) in [
        ("PATCH", "channels/room-1", "not json", "<root>"),
        ("PATCH", "channels/room-1", r#"{"name":1}"#, "name"),
        ("PATCH", "channels/room-1", &big_custom, "custom"),
        (
            "PATCH",
            "channels/room-1",
            r#"{"custom":{"a":{"b":1}}}"#,
            "custom.a",
        ),
        ("PATCH", "channels/room-1", r#"{"colour":"red"}"#, "colour"),
    ] {
        let answer = call(&emulator, method, SUB, tail, Some(&admin), Some(body)).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        let error = &answer.json()["error"];
        assert_eq!(error["source"], "objects");
        assert_eq!(error["details"][0]["location"], location, "{}", answer.body);
        assert_eq!(error["details"][0]["locationType"], "body");
    }
    for (param, value) in [
        ("limit", "0"),
        ("limit", "101"),
        ("count", "yes"),
        ("filter", "name == 'x'"),
        ("start", "zz"),
    ] {
        let answer = Call::new("GET", path(SUB, "channels"))
            .param("auth", &admin)
            .param(param, value)
            .send(&client(), &emulator)
            .await;
        assert_eq!(answer.status, 400, "{param}={value}: {}", answer.body);
        assert_eq!(answer.json()["error"]["details"][0]["location"], param);
    }
    let long_id = format!("channels/{}", "c".repeat(93));
    assert_eq!(
        call(&emulator, "GET", SUB, &long_id, Some(&admin), None)
            .await
            .status,
        400
    );
    assert_eq!(
        call(&emulator, "POST", SUB, "channels", Some(&admin), None)
            .await
            .status,
        405
    );
    assert_eq!(
        call(
            &emulator,
            "GET",
            "sub-c-nope",
            "channels",
            Some(&admin),
            None
        )
        .await
        .status,
        400
    );
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn category_grants_are_validated_by_the_emulator() {
    let emulator = start().await;
    let client = client();
    let only = grant(
        &client,
        &emulator,
        r#"{"ttl":5,"permissions":{"categories":{"uuids":32}}}"#,
    )
    .await;
    let parsed = pam_token::parse(&only).expect("parses");
    assert_eq!(
        parsed.categories().get(CategoryKind::Uuids),
        Some(Permissions::GET)
    );
    for (body, location, detail) in [
        (
            r#"{"ttl":5,"permissions":{"categories":{"channels":64}}}"#,
            "permissions.categories.channels",
            "must be 32 (get)",
        ),
        (
            r#"{"ttl":5,"permissions":{"categories":{"spaces":32}}}"#,
            "permissions.categories.spaces",
            "is not a category",
        ),
    ] {
        let answer = Call::new("POST", format!("/v3/pam/{SUB}/grant"))
            .json_body(body)
            .signed_now(&emulator)
            .send(&client, &emulator)
            .await;
        assert_eq!(answer.status, 400, "{}", answer.body);
        let error = &answer.json()["error"];
        assert_eq!(error["message"], "Invalid permissions");
        assert_eq!(error["details"][0]["location"], location);
        let message = error["details"][0]["message"].as_str().unwrap();
        assert!(message.contains(detail), "{message}");
    }
    emulator.shutdown().await.expect("shutdown");
}
