//! Typed builders for what a grant gives, one resource (or pattern) at a time.
//!
//! Each kind has its own builder type, so a permission a kind cannot hold does not compile:
//!
//! ```
//! use pam_model::permissions;
//!
//! let chat = permissions::channel("chat").read().write();
//! let admins = permissions::channel_group("admins").read().manage();
//! let me = permissions::user_id("u1").get().update().delete();
//! assert_eq!(chat.permissions().bits(), 3);
//! assert_eq!(admins.permissions().bits(), 5);
//! assert_eq!(me.permissions().bits(), 104);
//! ```
//!
//! ```compile_fail
//! // Channel groups cannot be written to.
//! let _ = pam_model::permissions::channel_group("g").write();
//! ```
//!
//! The same builders describe regular-expression patterns when they are passed where patterns
//! are expected (`GrantRequest::pattern`), e.g. `permissions::channel("^chat-.*$").read()`.
//!
//! Builders are boxed so that a slice can mix kinds, as PubNub's SDKs let you write:
//! `&[permissions::channel("a").read(), permissions::user_id("u").get()]` coerces to
//! `&[Box<dyn ResourcePermissions>]`.
//!
//! Categories (a token's `cat` section) have their own builders, named as in the `pubnub`
//! crate, which only offer `get`:
//!
//! ```
//! use pam_model::{permissions, CategoryKind};
//!
//! let both = [permissions::channels_category().get(), permissions::uuids_category().get()];
//! assert_eq!(both[0].kind(), CategoryKind::Channels);
//! assert_eq!(both[1].permissions().bits(), 32);
//! ```
//!
//! ```compile_fail
//! // A category can only be granted `get`.
//! let _ = pam_model::permissions::channels_category().update();
//! ```
//!
//! ```compile_fail
//! // A category is not a resource.
//! let _ = pam_model::GrantRequest::new(5).resource(pam_model::permissions::uuids_category().get());
//! ```

use crate::{CategoryKind, Permission, Permissions, Resource, ResourceKind};

/// Anything that describes one resource entry of a grant.
pub trait ResourcePermissions: std::fmt::Debug + Send + Sync {
    /// The kind of resource.
    fn kind(&self) -> ResourceKind;
    /// The resource name or pattern.
    fn name(&self) -> &str;
    /// The permissions to grant on it.
    fn permissions(&self) -> Permissions;
    /// The entry as a plain [`Resource`].
    fn to_resource(&self) -> Resource {
        Resource::new(self.kind(), self.name(), self.permissions())
    }
}

macro_rules! builder {
    (
        $(#[$doc:meta])*
        $ty:ident, $ctor:ident, $kind:expr, [$($(#[$mdoc:meta])* $method:ident => $perm:ident),* $(,)?]
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $ty {
            name: String,
            permissions: Permissions,
        }

        $(#[$doc])*
        #[must_use]
        pub fn $ctor(name: impl Into<String>) -> Box<$ty> {
            Box::new($ty { name: name.into(), permissions: Permissions::NONE })
        }

        impl $ty {
            $(
                $(#[$mdoc])*
                #[must_use]
                pub fn $method(mut self: Box<Self>) -> Box<Self> {
                    self.permissions = self.permissions.with(Permission::$perm);
                    self
                }
            )*

            /// The permissions chosen so far.
            #[must_use]
            pub fn permissions(&self) -> Permissions {
                self.permissions
            }

            /// The resource name or pattern.
            #[must_use]
            pub fn name(&self) -> &str {
                &self.name
            }
        }

        impl ResourcePermissions for $ty {
            fn kind(&self) -> ResourceKind {
                $kind
            }
            fn name(&self) -> &str {
                &self.name
            }
            fn permissions(&self) -> Permissions {
                self.permissions
            }
        }

        impl From<$ty> for Resource {
            fn from(b: $ty) -> Resource {
                Resource::new($kind, b.name, b.permissions)
            }
        }

        impl From<Box<$ty>> for Resource {
            fn from(b: Box<$ty>) -> Resource {
                Resource::from(*b)
            }
        }
    };
}

builder!(
    /// Permissions on a channel (or on channels matching a pattern).
    ChannelPermissions, channel, ResourceKind::Channel,
    [
        /// Subscribe, history, presence.
        read => Read,
        /// Publish and signal.
        write => Write,
        /// Manage.
        manage => Manage,
        /// Delete messages.
        delete => Delete,
        /// Get channel metadata.
        get => Get,
        /// Set channel metadata.
        update => Update,
        /// Join: become a member.
        join => Join,
    ]
);

builder!(
    /// Permissions on a channel group (or on groups matching a pattern).
    ChannelGroupPermissions, channel_group, ResourceKind::ChannelGroup,
    [
        /// Subscribe through the group.
        read => Read,
        /// Add, remove and list channels of the group.
        manage => Manage,
    ]
);

builder!(
    /// Permissions on a user id (or on user ids matching a pattern).
    UserIdPermissions, user_id, ResourceKind::UserId,
    [
        /// Get the user's metadata.
        get => Get,
        /// Set the user's metadata and memberships.
        update => Update,
        /// Remove the user's metadata.
        delete => Delete,
    ]
);

/// Permissions on a whole category of a token's `cat` section; built by [`channels_category`]
/// or [`uuids_category`]. The only permission a category can hold is `get`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryPermissions {
    kind: CategoryKind,
    permissions: Permissions,
}

/// The `channels` category: `get` lets the token list all channel metadata where the keyset
/// restricts that listing.
#[must_use]
pub fn channels_category() -> Box<CategoryPermissions> {
    category(CategoryKind::Channels)
}

/// The `uuids` category: `get` lets the token list all uuid metadata where the keyset
/// restricts that listing.
#[must_use]
pub fn uuids_category() -> Box<CategoryPermissions> {
    category(CategoryKind::Uuids)
}

/// The builder of category `kind`: [`channels_category`] or [`uuids_category`].
#[must_use]
pub fn category(kind: CategoryKind) -> Box<CategoryPermissions> {
    Box::new(CategoryPermissions {
        kind,
        permissions: Permissions::NONE,
    })
}

impl CategoryPermissions {
    /// Get: list every object of the category.
    #[must_use]
    pub fn get(mut self: Box<Self>) -> Box<Self> {
        self.permissions = self.permissions.with(Permission::Get);
        self
    }

    /// The category.
    #[must_use]
    pub fn kind(&self) -> CategoryKind {
        self.kind
    }

    /// The permissions chosen so far.
    #[must_use]
    pub fn permissions(&self) -> Permissions {
        self.permissions
    }
}

impl AsRef<CategoryPermissions> for CategoryPermissions {
    fn as_ref(&self) -> &CategoryPermissions {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_kinds_coerce_to_one_slice() {
        let entries: &[Box<dyn ResourcePermissions>] = &[
            channel("chat").read().write(),
            channel_group("g").manage(),
            user_id("u1").get(),
        ];
        let resources: Vec<Resource> = entries.iter().map(|e| e.to_resource()).collect();
        assert_eq!(
            resources,
            vec![
                Resource::new(ResourceKind::Channel, "chat", Permissions::from_bits(3)),
                Resource::new(ResourceKind::ChannelGroup, "g", Permissions::MANAGE),
                Resource::new(ResourceKind::UserId, "u1", Permissions::GET),
            ]
        );
    }

    #[test]
    fn builders_only_grant_grantable_bits() {
        let all_channel = channel("c")
            .read()
            .write()
            .manage()
            .delete()
            .get()
            .update()
            .join();
        assert_eq!(all_channel.permissions(), ResourceKind::Channel.grantable());
        let all_group = channel_group("g").read().manage();
        assert_eq!(
            all_group.permissions(),
            ResourceKind::ChannelGroup.grantable()
        );
        let all_user = user_id("u").get().update().delete();
        assert_eq!(all_user.permissions(), ResourceKind::UserId.grantable());
    }

    #[test]
    fn category_builders_only_grant_get() {
        assert_eq!(channels_category().permissions(), Permissions::NONE);
        let channels = channels_category().get();
        assert_eq!(channels.kind(), CategoryKind::Channels);
        assert_eq!(channels.permissions(), CategoryKind::Channels.grantable());
        assert_eq!(uuids_category().get().get().permissions(), Permissions::GET);
    }
}
