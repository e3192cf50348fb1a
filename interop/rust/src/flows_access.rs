//! Access Manager flows for the Rust `pubnub` crate 0.9.0: grant, parse, publish with and
//! without tokens, server-signed publish, revoke, and the error answers. This SDK has no
//! `time`, no `signal` and no body compression, so those checks are not here.

use std::collections::HashMap;

use pubnub::access::permissions::Permission;
use pubnub::access::{MetaValue, permissions};
use pubnub::core::PubNubError;
use serde_json::{Value, json};

use crate::{ClientOptions, Context};

const PERMISSIONS: [&str; 7] = ["read", "write", "manage", "delete", "get", "update", "join"];

/// The outcome of a request without its answer; an error as `(status, message)` of an API
/// error, or the error text with status 0.
fn api_outcome<T>(outcome: Result<T, PubNubError>) -> Result<(), (u16, String)> {
    outcome.map(|_| ()).map_err(|error| match error {
        PubNubError::API {
            status, message, ..
        } => (status, message),
        other => (0, other.to_string()),
    })
}

async fn grant_everything(ctx: &Context) -> Result<String, String> {
    let admin = ctx.client("admin", ctx.admin())?;
    let resources: [Box<dyn Permission>; 4] = [
        permissions::channel("room").read().write(),
        permissions::channel("room b/ü").read(),
        permissions::channel_group("group").read().manage(),
        permissions::user_id("bob").get().update().delete(),
    ];
    let patterns: [Box<dyn Permission>; 3] = [
        permissions::channel("^room-[a-z]+$").read().write(),
        permissions::channel_group("^g-.*$").read(),
        permissions::user_id("^user-.*$").get(),
    ];
    let meta = HashMap::from([
        ("team".to_owned(), MetaValue::String("blue".to_owned())),
        ("level".to_owned(), MetaValue::Integer(3)),
        // Keeps each runner's token its own: the same grant in the same second is the same
        // token, and another runner's revoke flow would revoke it.
        ("sdk".to_owned(), MetaValue::String("rust".to_owned())),
        ("ok".to_owned(), MetaValue::Boolean(true)),
    ]);
    admin
        .grant_token(15)
        .resources(&resources)
        .patterns(&patterns)
        .authorized_user_id("alice")
        .meta(meta)
        .execute()
        .await
        .map(|result| result.token)
        .map_err(|e| format!("grant: {e}"))
}

/// The SDK's parse in the CLI's JSON vocabulary, for the fields both have.
fn sdk_view(token: &pubnub::Token) -> Value {
    let pubnub::Token::V2(token) = token;
    let grants = |section: Option<&pubnub::parse_token::TokenResources>| {
        let mut out = serde_json::Map::new();
        for (kind, entries) in [
            ("channels", section.map(|s| &s.channels)),
            ("groups", section.map(|s| &s.groups)),
            ("uuids", section.map(|s| &s.users)),
        ] {
            let mut names = serde_json::Map::new();
            for (name, p) in entries.into_iter().flatten() {
                names.insert(
                    name.clone(),
                    json!({"read": p.read, "write": p.write, "manage": p.manage,
                        "delete": p.delete, "get": p.get, "update": p.update, "join": p.join}),
                );
            }
            out.insert(kind.to_owned(), Value::Object(names));
        }
        Value::Object(out)
    };
    let meta: serde_json::Map<String, Value> = token
        .meta
        .iter()
        .map(|(key, value)| {
            let value = match value {
                pubnub::parse_token::MetaValue::String(s) => json!(s),
                pubnub::parse_token::MetaValue::Integer(i) => json!(i),
                pubnub::parse_token::MetaValue::Float(f) => json!(f),
                pubnub::parse_token::MetaValue::Bool(b) => json!(b),
                pubnub::parse_token::MetaValue::Null => Value::Null,
            };
            (key.clone(), value)
        })
        .collect();
    json!({
        "version": token.version,
        "timestamp": token.timestamp,
        "ttl": token.ttl,
        "authorized_uuid": token.authorized_user_id,
        "resources": grants(token.resources.as_ref()),
        "patterns": grants(token.patterns.as_ref()),
        "meta": meta,
    })
}

fn parse_differences(sdk: &Value, pam: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for key in ["version", "timestamp", "ttl", "authorized_uuid", "meta"] {
        if sdk[key] != pam[key] {
            problems.push(format!("{key}: sdk {} pam {}", sdk[key], pam[key]));
        }
    }
    for section in ["resources", "patterns"] {
        for kind in ["channels", "groups", "uuids"] {
            let ours = pam[section][kind].as_object().cloned().unwrap_or_default();
            let theirs = sdk[section][kind].as_object().cloned().unwrap_or_default();
            let mut a: Vec<&String> = ours.keys().collect();
            let mut b: Vec<&String> = theirs.keys().collect();
            a.sort();
            b.sort();
            if a != b {
                problems.push(format!("{section}.{kind}: sdk {b:?} pam {a:?}"));
                continue;
            }
            for (name, perms) in &theirs {
                for perm in PERMISSIONS {
                    if perms[perm] != ours[name][perm] {
                        problems.push(format!("{section}.{kind}.{name}.{perm}"));
                    }
                }
            }
        }
    }
    problems
}

pub(crate) async fn grant_and_parse(ctx: &mut Context) -> Result<(), String> {
    let token = grant_everything(ctx).await?;
    ctx.check(
        "grant with every kind, patterns, authorized uuid and meta",
        !token.is_empty(),
        &token,
    );
    let sdk = pubnub::parse_token(&token).map_err(|e| format!("parse_token: {e}"))?;
    let problems = parse_differences(&sdk_view(&sdk), &ctx.pam_parse(&token)?);
    ctx.check(
        "SDK parse equals `pam token parse --json`",
        problems.is_empty(),
        problems.join("; "),
    );
    Ok(())
}

/// Publishes `message` to `channel` (by POST when `post`) and returns the error, if any.
async fn publish(
    client: &pubnub::PubNubClient,
    channel: &str,
    post: bool,
) -> Result<(), (u16, String)> {
    api_outcome(
        client
            .publish_message(json!({"text": "hello"}))
            .channel(channel)
            .use_post(post)
            .execute()
            .await,
    )
}

pub(crate) async fn publish_with_token(ctx: &mut Context) -> Result<(), String> {
    let token = grant_everything(ctx).await?;
    let without_secret = ClientOptions {
        secret: None,
        ..ctx.admin()
    };
    let alice = ctx.client("alice", without_secret)?;
    alice.set_token(&token);
    let mallory = ctx.client("mallory", without_secret)?;
    mallory.set_token(&token);
    let outcome = publish(&alice, "room", false).await;
    ctx.check_ok("GET publish allowed", &outcome);
    let outcome = publish(&alice, "room", true).await;
    ctx.check_ok("POST publish allowed", &outcome);
    let outcome = publish(&alice, "room-abc", false).await;
    ctx.check_ok("publish on a pattern channel allowed", &outcome);
    let outcome = publish(&alice, "elsewhere", false).await;
    ctx.check_refused("publish elsewhere refused 403", 403, &outcome);
    let outcome = publish(&mallory, "room", false).await;
    ctx.check_refused("another uuid with the token refused 403", 403, &outcome);
    Ok(())
}

pub(crate) async fn server_signed_publish(ctx: &mut Context) -> Result<(), String> {
    let server = ctx.client("server", ctx.admin())?;
    let outcome = publish(&server, "any", false).await;
    ctx.check_ok("signed GET publish", &outcome);
    let outcome = publish(&server, "any", true).await;
    ctx.check_ok("signed POST publish (v1 scheme, unpadded)", &outcome);
    Ok(())
}

pub(crate) async fn revoke(ctx: &mut Context) -> Result<(), String> {
    let token = grant_everything(ctx).await?;
    let alice = ctx.client(
        "alice",
        ClientOptions {
            secret: None,
            ..ctx.admin()
        },
    )?;
    alice.set_token(&token);
    let outcome = publish(&alice, "room", false).await;
    ctx.check_ok("publish before revoke allowed", &outcome);
    let admin = ctx.client("admin", ctx.admin())?;
    let revoked = admin.revoke_token(token.clone()).execute().await;
    ctx.check_ok("revoke succeeds", &revoked);
    let outcome = publish(&alice, "room", false).await;
    ctx.check_refused("publish after revoke refused 403", 403, &outcome);
    Ok(())
}

pub(crate) async fn errors(ctx: &mut Context) -> Result<(), String> {
    let admin = ctx.client("admin", ctx.admin())?;
    let room: [Box<dyn Permission>; 1] = [permissions::channel("room").read()];
    let seen = api_outcome(admin.grant_token(43_201).resources(&room).execute().await);
    ctx.check_refused("ttl out of range: 400", 400, &seen);
    let zero: [Box<dyn Permission>; 1] = [permissions::channel("room")];
    let seen = api_outcome(admin.grant_token(10).resources(&zero).execute().await);
    ctx.check_refused("zero bitmask: 400", 400, &seen);
    let capturing: [Box<dyn Permission>; 1] = [permissions::channel("^(room)$").read()];
    let seen = api_outcome(admin.grant_token(10).patterns(&capturing).execute().await);
    ctx.check_refused("capturing group: 400", 400, &seen);
    let wrong = ctx.client(
        "admin",
        ClientOptions {
            secret: Some("sec-c-wrong"),
            ..ctx.admin()
        },
    )?;
    let seen = api_outcome(wrong.grant_token(10).resources(&room).execute().await);
    ctx.check_refused("wrong secret: 403", 403, &seen);
    let seen = api_outcome(admin.revoke_token("not-a-token").execute().await);
    ctx.check_refused("garbage revoke: 400", 400, &seen);
    let norevoke_secret = ctx.secret_norevoke.clone();
    let norevoke_sub = ctx.sub_norevoke.clone();
    let norevoke_pub = ctx.pub_norevoke.clone();
    let norevoke = ctx.client(
        "admin",
        ClientOptions {
            secret: Some(&norevoke_secret),
            sub: Some(&norevoke_sub),
            publish: Some(&norevoke_pub),
            origin: None,
        },
    )?;
    let token = norevoke
        .grant_token(10)
        .resources(&room)
        .execute()
        .await
        .map_err(|e| format!("grant on the keyset without revocation: {e}"))?
        .token;
    let seen = api_outcome(norevoke.revoke_token(token).execute().await);
    ctx.check_refused("revocation disabled: 403", 403, &seen);
    let skewed_origin = ctx.skewed_origin.clone();
    let skewed = ctx.client(
        "admin",
        ClientOptions {
            origin: Some(&skewed_origin),
            ..ctx.admin()
        },
    )?;
    let seen = api_outcome(skewed.grant_token(10).resources(&room).execute().await);
    ctx.check_refused("clock skew: 403", 403, &seen);
    Ok(())
}
