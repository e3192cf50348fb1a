//! The kinds of resource a token can name.

use std::fmt;

use crate::Permissions;

/// A category of resource in a token's `res` and `pat` maps.
///
/// Channels, channel groups and user ids are what PubNub grants today. Users and spaces are
/// the 2019-era categories: they appear in older tokens (and empty in current ones), so they
/// decode, but nothing grants them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ResourceKind {
    /// A channel (`chan` in tokens, `channels` in grant bodies).
    Channel,
    /// A channel group (`grp` / `groups`).
    ChannelGroup,
    /// A user id, formerly called uuid (`uuid` / `uuids`).
    UserId,
    /// A legacy user object (`usr` / `users`); decode-only.
    LegacyUser,
    /// A legacy space object (`spc` / `spaces`); decode-only.
    LegacySpace,
}

impl ResourceKind {
    /// Every kind, current ones first.
    pub const ALL: [ResourceKind; 5] = [
        ResourceKind::Channel,
        ResourceKind::ChannelGroup,
        ResourceKind::UserId,
        ResourceKind::LegacyUser,
        ResourceKind::LegacySpace,
    ];

    /// The kinds a grant can name.
    pub const GRANTABLE: [ResourceKind; 3] = [
        ResourceKind::Channel,
        ResourceKind::ChannelGroup,
        ResourceKind::UserId,
    ];

    /// The short key used inside token CBOR (`chan`, `grp`, `uuid`, `usr`, `spc`).
    #[must_use]
    pub const fn token_key(self) -> &'static str {
        match self {
            ResourceKind::Channel => "chan",
            ResourceKind::ChannelGroup => "grp",
            ResourceKind::UserId => "uuid",
            ResourceKind::LegacyUser => "usr",
            ResourceKind::LegacySpace => "spc",
        }
    }

    /// The name used in grant bodies and the CLI JSON contract (`channels`, `groups`,
    /// `uuids`, `users`, `spaces`).
    #[must_use]
    pub const fn plural_name(self) -> &'static str {
        match self {
            ResourceKind::Channel => "channels",
            ResourceKind::ChannelGroup => "groups",
            ResourceKind::UserId => "uuids",
            ResourceKind::LegacyUser => "users",
            ResourceKind::LegacySpace => "spaces",
        }
    }

    /// The kind whose token key is `key`.
    #[must_use]
    pub fn from_token_key(key: &str) -> Option<ResourceKind> {
        ResourceKind::ALL.into_iter().find(|k| k.token_key() == key)
    }

    /// The kind whose grant-body / JSON name is `name`.
    #[must_use]
    pub fn from_plural_name(name: &str) -> Option<ResourceKind> {
        ResourceKind::ALL
            .into_iter()
            .find(|k| k.plural_name() == name)
    }

    /// The permissions a grant may give this kind: channel read write manage delete get update
    /// join; group read manage; user id get update delete. Legacy kinds: none.
    #[must_use]
    pub const fn grantable(self) -> Permissions {
        match self {
            ResourceKind::Channel => Permissions::from_bits(1 | 2 | 4 | 8 | 32 | 64 | 128),
            ResourceKind::ChannelGroup => Permissions::from_bits(1 | 4),
            ResourceKind::UserId => Permissions::from_bits(8 | 32 | 64),
            ResourceKind::LegacyUser | ResourceKind::LegacySpace => Permissions::NONE,
        }
    }
}

/// The human name: `channel`, `channel group`, `user id`, `user`, `space`.
impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResourceKind::Channel => "channel",
            ResourceKind::ChannelGroup => "channel group",
            ResourceKind::UserId => "user id",
            ResourceKind::LegacyUser => "user",
            ResourceKind::LegacySpace => "space",
        })
    }
}
