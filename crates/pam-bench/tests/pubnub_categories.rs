//! The official `pubnub` 0.9 crate against `pam serve`'s emulator, for categories (`cat`):
//! it grants a categories-only token and a token with resources, patterns and categories,
//! its own `parse_token` reads the categories back, `pam` reads the same, and such a token
//! lists channel metadata on a keyset that restricts listing. And `pam` parses every complete
//! token `pubnub` 0.9's own tests use.
//!
//! Lives in this separate workspace (with its own lock file) so that the main workspace never
//! builds `pubnub`. Run: `cargo test --manifest-path crates/pam-bench/Cargo.toml --test
//! pubnub_categories` (`.ci/run` does).

use pam_emulator::{
    DEMO_PUBLISH_KEY, DEMO_SECRET_KEY, DEMO_SUBSCRIBE_KEY, Emulator, EmulatorConfig, Keyset,
    Request,
};
use pam_token::{CategoryKind, Permissions, ResourceKind};
use pubnub::access::permissions;
use pubnub::dx::parse_token::{CategoryPermissions, TokenV2};
use pubnub::transport::TransportReqwest;

/// The tokens of `pubnub` 0.9's tests, with where they are (the doc comments' `p0F2…` tokens
/// are elided with `....` and are not tokens).
const PUBNUB_TEST_TOKENS: [(&str, &str); 3] = [
    (
        "src/dx/parse_token.rs test_parse_token",
        "qEF2AkF0GmQ1YSpDdHRsGQU5Q3Jlc6VEY2hhbqFvY2hhbm5lbFJlc291cmNlGP9DZ3JwoWxjaGFubmVsR3JvdXABQ3NwY6BDdXNyoER1dWlkoENwYXSlRGNoYW6haWNoYW5uZWwuKgJDZ3JwoW5jaGFubmVsR3JvdXAuKgRDc3BjoEN1c3KgRHV1aWShZnV1aWQuKhhoRG1ldGGkZG1ldGFkZGF0YWdpbnRlZ2VyGQU5ZW90aGVy9mVmbG9hdPtAKr1wo9cKPUR1dWlkZHV1aWRDc2lnWCAbOhXPSWx05l4c3Iuf-SWVOVpLM6xyto3lVPdMKdhJ2A",
    ),
    (
        "src/dx/parse_token.rs parse_token_with_categories_only",
        "qGF2AmF0GmFLd-NjdHRsGQWgY3Jlc6BjcGF0oGRtZXRhoGNjYXSiZGNoYW4YIGR1dWlkGCBjc2lnRAECAwQ=",
    ),
    (
        "tests/access/access_steps.rs given_token_with_authorized_uuid",
        "qEF2AkF0GmEI03xDdHRsGDxDcmVzpURjaGFuoWljaGFubmVsLTEY70NncnChb2NoYW5uZWxfZ3JvdXAtMQVDdXNyoENzcGOgRHV1aWShZnV1aWQtMRhoQ3BhdKVEY2hhbqFtXmNoYW5uZWwtXFMqJBjvQ2dycKF0XjpjaGFubmVsX2dyb3VwLVxTKiQFQ3VzcqBDc3BjoER1dWlkoWpedXVpZC1cUyokGGhEbWV0YaBEdXVpZHR0ZXN0LWF1dGhvcml6ZWQtdXVpZENzaWdYIPpU-vCe9rkpYs87YUrFNWkyNq8CVvmKwEjVinnDrJJc",
    ),
];

fn pubnub_client(origin: &str) -> pubnub::PubNubClient {
    let mut transport = TransportReqwest::new();
    transport.set_hostname(origin);
    pubnub::PubNubClientBuilder::with_transport(transport)
        .with_keyset(pubnub::Keyset {
            subscribe_key: DEMO_SUBSCRIBE_KEY.to_owned(),
            publish_key: Some(DEMO_PUBLISH_KEY.to_owned()),
            secret_key: Some(DEMO_SECRET_KEY.to_owned()),
        })
        .with_user_id("pubnub-admin")
        .build()
        .expect("a pubnub client")
}

fn pubnub_parse(token: &str) -> TokenV2 {
    let pubnub::Token::V2(token) = pubnub::parse_token(token).expect("pubnub parses it");
    token
}

/// `pubnub`'s categories as `(kind, get)` pairs, channels before uuids.
fn pubnub_categories(token: &TokenV2) -> Vec<(CategoryKind, bool)> {
    let Some(categories) = &token.categories else {
        return Vec::new();
    };
    [
        (CategoryKind::Channels, &categories.channels),
        (CategoryKind::Uuids, &categories.uuids),
    ]
    .into_iter()
    .filter_map(|(kind, permissions)| {
        permissions
            .as_ref()
            .map(|p: &CategoryPermissions| (kind, p.get))
    })
    .collect()
}

/// `pam`'s categories in the same form.
fn pam_categories(token: &pam_token::Token) -> Vec<(CategoryKind, bool)> {
    token
        .categories()
        .iter()
        .map(|(kind, bits)| (kind, bits.contains(Permissions::GET)))
        .collect()
}

async fn start_emulator() -> Emulator {
    let keyset = Keyset::demo().with_disallow_get_all_channel_metadata(true);
    let config = EmulatorConfig::new(vec![keyset])
        .with_listen("127.0.0.1:0".parse().expect("a socket address"));
    Emulator::start(config).await.expect("the emulator starts")
}

/// `GET /v2/objects/{sub}/channels` with `token`, straight into the emulator's handler.
fn list_channels(emulator: &Emulator, token: &str) -> u16 {
    let path = format!("/v2/objects/{DEMO_SUBSCRIBE_KEY}/channels");
    let query = format!("uuid=viewer&auth={}", pam_sign::encode_path_segment(token));
    emulator
        .access_manager()
        .handle(&Request {
            method: "GET",
            path: &path,
            query: &query,
            headers: &[],
            body: &[],
        })
        .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pubnub_grants_categories_that_both_parsers_read_back() {
    let emulator = start_emulator().await;
    let client = pubnub_client(emulator.url());

    let only = client
        .grant_token(10)
        .categories(&[
            permissions::channels_category().get(),
            permissions::uuids_category().get(),
        ])
        .execute()
        .await
        .expect("pubnub grants a categories-only token")
        .token;
    let theirs = pubnub_parse(&only);
    let ours = pam_token::verify(&only, DEMO_SECRET_KEY.as_bytes()).expect("signed by the keyset");
    let both = vec![(CategoryKind::Channels, true), (CategoryKind::Uuids, true)];
    assert_eq!(pubnub_categories(&theirs), both);
    assert_eq!(pam_categories(&ours), both);
    assert_eq!(theirs.ttl, 10);
    assert!(ours.resources().is_empty() && ours.patterns().is_empty());
    assert_eq!(list_channels(&emulator, &only), 200);

    let all = client
        .grant_token(10)
        .resources(&[permissions::channel("chat").read()])
        .patterns(&[permissions::user_id("^bot-.*$").get()])
        .categories(&[permissions::channels_category().get()])
        .execute()
        .await
        .expect("pubnub grants resources, patterns and categories")
        .token;
    let theirs = pubnub_parse(&all);
    let ours = pam_token::verify(&all, DEMO_SECRET_KEY.as_bytes()).expect("signed by the keyset");
    assert_eq!(pubnub_categories(&theirs), [(CategoryKind::Channels, true)]);
    assert_eq!(pam_categories(&ours), [(CategoryKind::Channels, true)]);
    let resources = theirs.resources.as_ref().expect("res");
    assert!(resources.channels["chat"].read);
    let patterns = theirs.patterns.as_ref().expect("pat");
    assert!(patterns.users["^bot-.*$"].get);
    assert_eq!(
        ours.resources().get(ResourceKind::Channel, "chat"),
        Some(Permissions::READ)
    );
    assert_eq!(
        ours.patterns().get(ResourceKind::UserId, "^bot-.*$"),
        Some(Permissions::GET)
    );
    assert_eq!(list_channels(&emulator, &all), 200);

    // Without a category, pubnub's token does not list on this keyset.
    let plain = client
        .grant_token(10)
        .patterns(&[permissions::channel(".*").get()])
        .execute()
        .await
        .expect("granted")
        .token;
    assert!(pubnub_categories(&pubnub_parse(&plain)).is_empty());
    assert_eq!(list_channels(&emulator, &plain), 403);

    // pubnub refuses a category without `get` before sending, as pam does.
    let refused = client
        .grant_token(10)
        .categories(&[permissions::channels_category()])
        .execute()
        .await;
    assert!(refused.is_err(), "pubnub sent a category without get");
    emulator.shutdown().await.expect("shutdown");
}

#[test]
fn pam_parses_every_token_pubnub_0_9_tests_use() {
    for (origin, text) in PUBNUB_TEST_TOKENS {
        let ours = pam_token::parse(text).unwrap_or_else(|e| panic!("{origin}: {e}"));
        let theirs = pubnub_parse(text);
        assert_eq!(ours.timestamp(), u64::from(theirs.timestamp), "{origin}");
        assert_eq!(ours.ttl(), theirs.ttl, "{origin}");
        assert_eq!(
            ours.authorized_user_id(),
            theirs.authorized_user_id.as_deref(),
            "{origin}"
        );
        assert_eq!(
            pam_categories(&ours),
            pubnub_categories(&theirs),
            "{origin}"
        );
        for (section, grants) in [
            (&theirs.resources, ours.resources()),
            (&theirs.patterns, ours.patterns()),
        ] {
            let Some(section) = section else { continue };
            for (kind, entries) in [
                (ResourceKind::Channel, &section.channels),
                (ResourceKind::ChannelGroup, &section.groups),
                (ResourceKind::UserId, &section.users),
            ] {
                for (name, permissions) in entries {
                    let bits = grants.get(kind, name).expect("pam has the entry");
                    for (bit, granted) in [
                        (Permissions::READ, permissions.read),
                        (Permissions::WRITE, permissions.write),
                        (Permissions::JOIN, permissions.join),
                        (Permissions::GET, permissions.get),
                    ] {
                        assert_eq!(bits.contains(bit), granted, "{origin} {name}");
                    }
                }
            }
        }
    }
    // The categories-only fixture's `sig` is 4 bytes: parsed, reported, never verified.
    let fixture = pam_token::parse(PUBNUB_TEST_TOKENS[1].1).expect("parses");
    assert_eq!(fixture.signature(), &[1, 2, 3, 4]);
    assert_eq!(fixture.hmac_signature(), None);
    assert_eq!(
        pam_token::verify(PUBNUB_TEST_TOKENS[1].1, DEMO_SECRET_KEY.as_bytes()),
        Err(pam_token::Error::BadSignatureLength { found: 4 })
    );
}
