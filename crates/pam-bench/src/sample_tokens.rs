//! Tokens made here with `pam-token`'s issuer, for the rows the corpus cannot serve: verifying
//! (PubNub's own signatures cannot be checked offline) and authorizing against 1, 10 and 100
//! patterns.

use pam_token::{Meta, Permissions, ResourceKind, TokenBuilder};

/// The secret key the sample tokens are signed with.
pub(crate) const SECRET: &[u8] = b"sec-c-bench";

/// When the sample tokens were issued (Unix seconds); they live 1337 minutes.
pub(crate) const ISSUED_AT: u64 = 1_681_219_882;

/// A token shaped like PubNub's own Rust SDK fixture: resources and patterns in three
/// categories, an authorized user id `uuid` and four meta entries.
pub(crate) fn typical() -> String {
    TokenBuilder::new(ISSUED_AT, 1337)
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
        .meta("meta", "data")
        .meta("integer", 1337i64)
        .meta("other", Meta::Null)
        .meta("float", 13.37)
        .sign(SECRET)
}

/// A token with `count` channel patterns `^room-{i}-[a-z]+$`, i = 0..count.
pub(crate) fn with_patterns(count: usize) -> String {
    (0..count)
        .fold(TokenBuilder::new(ISSUED_AT, 1337), |b, i| {
            b.pattern(
                ResourceKind::Channel,
                format!("^room-{i}-[a-z]+$"),
                Permissions::READ,
            )
        })
        .sign(SECRET)
}

/// The channel name only the last of `with_patterns(count)`'s patterns matches.
pub(crate) fn last_pattern_hit(count: usize) -> String {
    format!("room-{}-lobby", count - 1)
}
