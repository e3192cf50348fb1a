//! Parse, authorize, verify and issue, against the cost of base64-decoding the same string.
//!
//! `cargo bench -p pam-token`. The tokens are built here (no reference data needed): one
//! shaped like PubNub's `rust_meta_mixed_types` fixture, and ones with 1, 10 and 100 channel
//! patterns. `benches/corpus.rs` parses every real token of the committed vectors.

// criterion's macros generate public functions without docs.
#![allow(missing_docs)]

use std::hint::black_box;

use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use pam_token::{AccessRequest, Meta, Permission, Permissions, ResourceKind, TokenBuilder};

const SECRET: &[u8] = b"sec-c-bench";
const T: u64 = 1_681_219_882;

/// Resources and patterns in three categories and an authorized user id, like PubNub's
/// `rust_meta_mixed_types` fixture without its meta.
fn typical_without_meta() -> TokenBuilder {
    TokenBuilder::new(T, 1337)
        .resource(
            ResourceKind::Channel,
            "channelResource",
            Permissions::from_bits(255),
        )
        .resource(
            ResourceKind::ChannelGroup,
            "channelGroup",
            Permissions::READ,
        )
        .pattern(ResourceKind::Channel, "channel.*", Permissions::WRITE)
        .pattern(
            ResourceKind::ChannelGroup,
            "channelGroup.*",
            Permissions::MANAGE,
        )
        .pattern(ResourceKind::UserId, "uuid.*", Permissions::from_bits(104))
        .authorized_user_id("uuid")
}

/// The fixture's shape with its four meta entries.
fn typical() -> String {
    typical_without_meta()
        .meta("meta", "data")
        .meta("integer", 1337i64)
        .meta("other", Meta::Null)
        .meta("float", 13.37)
        .sign(SECRET)
}

/// A token with `count` channel patterns `^room-{i}-[a-z]+$`; only the last matches
/// `room-{count - 1}-lobby`.
fn patterns(count: usize) -> String {
    (0..count)
        .fold(TokenBuilder::new(T, 60), |b, i| {
            b.pattern(
                ResourceKind::Channel,
                format!("^room-{i}-[a-z]+$"),
                Permissions::READ,
            )
        })
        .sign(SECRET)
}

fn benches(c: &mut Criterion) {
    let typical = typical();
    let engine = base64::engine::general_purpose::URL_SAFE;

    c.bench_function("base64 decode only (typical token)", |b| {
        b.iter(|| engine.decode(black_box(&typical)).map(|v| v.len()))
    });
    c.bench_function("parse (typical token)", |b| {
        b.iter(|| pam_token::parse(black_box(&typical)).map(|t| t.ttl()))
    });
    let raw = engine.decode(&typical).expect("decodes");
    c.bench_function("parse_cbor (typical token)", |b| {
        b.iter(|| pam_token::parse_cbor(black_box(&raw)).map(|t| t.ttl()))
    });
    let bare = typical_without_meta().sign_to_cbor(SECRET);
    c.bench_function("parse_cbor (no meta)", |b| {
        b.iter(|| pam_token::parse_cbor(black_box(&bare)).map(|t| t.ttl()))
    });
    c.bench_function("verify (typical token)", |b| {
        b.iter(|| pam_token::verify(black_box(&typical), SECRET).map(|t| t.ttl()))
    });
    c.bench_function("issue (typical token)", |b| {
        let request = pam_model::GrantRequest {
            ttl: 60,
            resources: vec![pam_model::Resource::new(
                ResourceKind::Channel,
                "chat",
                Permissions::READ,
            )],
            ..Default::default()
        };
        b.iter(|| pam_token::issue(black_box(&request), T, SECRET))
    });

    let token = pam_token::parse(&typical).expect("parses");
    let hit = AccessRequest::new(
        ResourceKind::Channel,
        "channelResource",
        Permission::Write,
        T + 1,
    )
    .by("uuid");
    c.bench_function("authorize: resource hit", |b| {
        b.iter(|| token.authorize(black_box(&hit)).is_allowed())
    });

    for count in [1, 10, 100] {
        let token = pam_token::parse(&patterns(count)).expect("parses");
        let name = format!("room-{}-lobby", count - 1);
        let last = AccessRequest::new(ResourceKind::Channel, &name, Permission::Read, T + 1);
        // The first request compiles the patterns; the bench measures the ones after.
        assert!(token.authorize(&last).is_allowed());
        c.bench_function(
            &format!("authorize: hit on the last of {count} patterns"),
            |b| b.iter(|| token.authorize(black_box(&last)).is_allowed()),
        );
    }
    let token = pam_token::parse(&patterns(10)).expect("parses");
    let miss = AccessRequest::new(ResourceKind::Channel, "elsewhere", Permission::Read, T + 1);
    assert!(!token.authorize(&miss).is_allowed());
    c.bench_function("authorize: 10 patterns, no match", |b| {
        b.iter(|| token.authorize(black_box(&miss)).is_allowed())
    });
}

criterion_group! {
    name = token;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = benches
}
criterion_main!(token);
