//! Which permission each PubNub operation needs, on which kind of resource.

use std::fmt;
use std::str::FromStr;

use pam_model::{CategoryKind, Permission, ResourceKind};

/// A PubNub operation that a token must allow.
///
/// The emulator and `pam token check` both read [`Operation::requirements`], so they ask the
/// same question of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Publish a message: write on the channel.
    Publish,
    /// Send a signal: write on the channel.
    Signal,
    /// Subscribe to a channel: read on the channel.
    Subscribe,
    /// Fetch history: read on the channel.
    History,
    /// Presence here-now: read on the channel.
    HereNow,
    /// Delete messages: delete on the channel.
    DeleteMessages,
    /// Add channels to a channel group: manage on the group.
    AddChannelsToGroup,
    /// Remove channels from a channel group: manage on the group.
    RemoveChannelsFromGroup,
    /// List the channels of a channel group: manage on the group.
    ListChannelsInGroup,
    /// Subscribe through a channel group: read on the group.
    SubscribeViaGroup,
    /// Get a user's metadata: get on the user id.
    GetUserMetadata,
    /// Set a user's metadata: update on the user id.
    SetUserMetadata,
    /// Remove a user's metadata: delete on the user id.
    RemoveUserMetadata,
    /// Get a channel's metadata: get on the channel.
    GetChannelMetadata,
    /// Set a channel's metadata: update on the channel.
    SetChannelMetadata,
    /// Remove a channel's metadata: delete on the channel.
    RemoveChannelMetadata,
    /// Set a user's memberships: update on the user id and join on each channel.
    SetMemberships,
    /// List all channel metadata: `get` on the `channels` category (`cat.chan`), where the
    /// keyset restricts that listing. No resource or pattern entry grants it.
    GetAllChannelMetadata,
    /// List all uuid (user) metadata: `get` on the `uuids` category (`cat.uuid`), where the
    /// keyset restricts that listing. No resource or pattern entry grants it.
    GetAllUserMetadata,
}

/// One permission an operation needs on one kind of resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// The kind of resource.
    pub kind: ResourceKind,
    /// The permission needed on it.
    pub permission: Permission,
}

/// A `Requirement` literal (a struct literal, so that `&[…]` of it is a `'static` constant).
macro_rules! on {
    ($kind:ident, $permission:ident) => {
        Requirement {
            kind: ResourceKind::$kind,
            permission: Permission::$permission,
        }
    };
}

impl Operation {
    /// Every operation, in declaration order.
    pub const ALL: [Operation; 19] = [
        Operation::Publish,
        Operation::Signal,
        Operation::Subscribe,
        Operation::History,
        Operation::HereNow,
        Operation::DeleteMessages,
        Operation::AddChannelsToGroup,
        Operation::RemoveChannelsFromGroup,
        Operation::ListChannelsInGroup,
        Operation::SubscribeViaGroup,
        Operation::GetUserMetadata,
        Operation::SetUserMetadata,
        Operation::RemoveUserMetadata,
        Operation::GetChannelMetadata,
        Operation::SetChannelMetadata,
        Operation::RemoveChannelMetadata,
        Operation::SetMemberships,
        Operation::GetAllChannelMetadata,
        Operation::GetAllUserMetadata,
    ];

    /// What the operation needs: one requirement per kind of resource it touches (every named
    /// resource of that kind needs the permission).
    ///
    /// Empty for the listings ([`GetAllChannelMetadata`](Operation::GetAllChannelMetadata),
    /// [`GetAllUserMetadata`](Operation::GetAllUserMetadata)), which name no resource: they
    /// need `get` on a [`category`](Operation::category) instead, decided by
    /// [`AccessRequest::category`](crate::AccessRequest::category).
    #[must_use]
    pub const fn requirements(self) -> &'static [Requirement] {
        match self {
            Operation::Publish | Operation::Signal => &[on!(Channel, Write)],
            Operation::Subscribe | Operation::History | Operation::HereNow => &[on!(Channel, Read)],
            Operation::DeleteMessages => &[on!(Channel, Delete)],
            Operation::AddChannelsToGroup
            | Operation::RemoveChannelsFromGroup
            | Operation::ListChannelsInGroup => &[on!(ChannelGroup, Manage)],
            Operation::SubscribeViaGroup => &[on!(ChannelGroup, Read)],
            Operation::GetUserMetadata => &[on!(UserId, Get)],
            Operation::SetUserMetadata => &[on!(UserId, Update)],
            Operation::RemoveUserMetadata => &[on!(UserId, Delete)],
            Operation::GetChannelMetadata => &[on!(Channel, Get)],
            Operation::SetChannelMetadata => &[on!(Channel, Update)],
            Operation::RemoveChannelMetadata => &[on!(Channel, Delete)],
            Operation::SetMemberships => &[on!(UserId, Update), on!(Channel, Join)],
            Operation::GetAllChannelMetadata | Operation::GetAllUserMetadata => &[],
        }
    }

    /// The category whose `get` the operation needs: `channels` for
    /// [`GetAllChannelMetadata`](Operation::GetAllChannelMetadata), `uuids` for
    /// [`GetAllUserMetadata`](Operation::GetAllUserMetadata), `None` for every operation on
    /// named resources.
    #[must_use]
    pub const fn category(self) -> Option<CategoryKind> {
        match self {
            Operation::GetAllChannelMetadata => Some(CategoryKind::Channels),
            Operation::GetAllUserMetadata => Some(CategoryKind::Uuids),
            _ => None,
        }
    }

    /// The permission the operation needs on resources of `kind`; `None` when it touches no
    /// resource of that kind.
    #[must_use]
    pub fn permission_on(self, kind: ResourceKind) -> Option<Permission> {
        self.requirements()
            .iter()
            .find(|r| r.kind == kind)
            .map(|r| r.permission)
    }

    /// The kebab-case name used on command lines: `publish`, `here-now`, `set-memberships`, …
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Operation::Publish => "publish",
            Operation::Signal => "signal",
            Operation::Subscribe => "subscribe",
            Operation::History => "history",
            Operation::HereNow => "here-now",
            Operation::DeleteMessages => "delete-messages",
            Operation::AddChannelsToGroup => "add-channels-to-group",
            Operation::RemoveChannelsFromGroup => "remove-channels-from-group",
            Operation::ListChannelsInGroup => "list-channels-in-group",
            Operation::SubscribeViaGroup => "subscribe-via-group",
            Operation::GetUserMetadata => "get-user-metadata",
            Operation::SetUserMetadata => "set-user-metadata",
            Operation::RemoveUserMetadata => "remove-user-metadata",
            Operation::GetChannelMetadata => "get-channel-metadata",
            Operation::SetChannelMetadata => "set-channel-metadata",
            Operation::RemoveChannelMetadata => "remove-channel-metadata",
            Operation::SetMemberships => "set-memberships",
            Operation::GetAllChannelMetadata => "get-all-channel-metadata",
            Operation::GetAllUserMetadata => "get-all-user-metadata",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error returned when a string names no [`Operation`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown operation {found:?}: expected one of {}", Operation::ALL.map(Operation::name).join(", "))]
pub struct UnknownOperation {
    /// The text that was given.
    pub found: String,
}

/// Parses [`Operation::name`], case-insensitively, with `_` accepted for `-`.
impl FromStr for Operation {
    type Err = UnknownOperation;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().replace('_', "-");
        Operation::ALL
            .into_iter()
            .find(|op| op.name().eq_ignore_ascii_case(&wanted))
            .ok_or_else(|| UnknownOperation {
                found: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_design() {
        use Permission::*;
        use ResourceKind::*;
        let expect = [
            (Operation::Publish, Channel, Write),
            (Operation::Signal, Channel, Write),
            (Operation::Subscribe, Channel, Read),
            (Operation::History, Channel, Read),
            (Operation::HereNow, Channel, Read),
            (Operation::DeleteMessages, Channel, Delete),
            (Operation::AddChannelsToGroup, ChannelGroup, Manage),
            (Operation::RemoveChannelsFromGroup, ChannelGroup, Manage),
            (Operation::ListChannelsInGroup, ChannelGroup, Manage),
            (Operation::SubscribeViaGroup, ChannelGroup, Read),
            (Operation::GetUserMetadata, UserId, Get),
            (Operation::SetUserMetadata, UserId, Update),
            (Operation::RemoveUserMetadata, UserId, Delete),
            (Operation::GetChannelMetadata, Channel, Get),
            (Operation::SetChannelMetadata, Channel, Update),
            (Operation::RemoveChannelMetadata, Channel, Delete),
        ];
        for (op, kind, permission) in expect {
            assert_eq!(
                op.requirements(),
                &[Requirement { kind, permission }],
                "{op}"
            );
        }
        assert_eq!(
            Operation::SetMemberships.permission_on(UserId),
            Some(Update)
        );
        assert_eq!(Operation::SetMemberships.permission_on(Channel), Some(Join));
        assert_eq!(Operation::Publish.permission_on(ChannelGroup), None);
        for op in Operation::ALL {
            let lists = matches!(
                op,
                Operation::GetAllChannelMetadata | Operation::GetAllUserMetadata
            );
            assert_eq!(op.category().is_some(), lists, "{op}");
            assert_eq!(op.requirements().is_empty(), lists, "{op}");
        }
        assert_eq!(
            Operation::GetAllChannelMetadata.category(),
            Some(CategoryKind::Channels)
        );
        assert_eq!(
            Operation::GetAllUserMetadata.category(),
            Some(CategoryKind::Uuids)
        );
    }

    #[test]
    fn names_round_trip() {
        for op in Operation::ALL {
            assert_eq!(op.name().parse::<Operation>(), Ok(op));
        }
        assert_eq!("HERE_NOW".parse::<Operation>(), Ok(Operation::HereNow));
        let err = "fly".parse::<Operation>().unwrap_err();
        assert!(err.to_string().contains("publish"), "{err}");
    }
}
