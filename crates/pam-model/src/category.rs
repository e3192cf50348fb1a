//! The categories of a token's `cat` section: whole App Context resource types that a token
//! may list.

use std::fmt;

use crate::{Permissions, ResourceKind};

/// A category of a token's `cat` section (PubNub SDKs since October 2026).
///
/// A category is not a named resource: it stands for every object of one App Context type.
/// Its only permission is `get` (32), which lets a token list all channel metadata
/// (`channels`) or all uuid metadata (`uuids`) on keysets that restrict that listing.
///
/// ```
/// use pam_model::CategoryKind;
///
/// assert_eq!(CategoryKind::Channels.token_key(), "chan");
/// assert_eq!(CategoryKind::from_plural_name("uuids"), Some(CategoryKind::Uuids));
/// assert_eq!(CategoryKind::Uuids.grantable().bits(), 32);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CategoryKind {
    /// All channel metadata (`chan` in tokens, `channels` in grant bodies).
    Channels,
    /// All uuid (user) metadata (`uuid` in tokens, `uuids` in grant bodies).
    Uuids,
}

impl CategoryKind {
    /// Every category, in the order grant bodies and the CLI JSON list them.
    pub const ALL: [CategoryKind; 2] = [CategoryKind::Channels, CategoryKind::Uuids];

    /// The key inside a token's `cat` map: `chan` or `uuid`, the token key of its
    /// [`resource_kind`](Self::resource_kind).
    #[must_use]
    pub const fn token_key(self) -> &'static str {
        self.resource_kind().token_key()
    }

    /// The key inside a grant body's `permissions.categories` and the CLI JSON contract's
    /// `categories`: `channels` or `uuids`, the plural name of its
    /// [`resource_kind`](Self::resource_kind).
    #[must_use]
    pub const fn plural_name(self) -> &'static str {
        self.resource_kind().plural_name()
    }

    /// The category whose token key is `key`.
    #[must_use]
    pub fn from_token_key(key: &str) -> Option<CategoryKind> {
        CategoryKind::ALL.into_iter().find(|k| k.token_key() == key)
    }

    /// The category whose grant-body / JSON name is `name`.
    #[must_use]
    pub fn from_plural_name(name: &str) -> Option<CategoryKind> {
        CategoryKind::ALL
            .into_iter()
            .find(|k| k.plural_name() == name)
    }

    /// The only permissions a grant may give a category: `get`.
    #[must_use]
    pub const fn grantable(self) -> Permissions {
        Permissions::GET
    }

    /// The kind of resource whose objects this category lists: channels or user ids.
    #[must_use]
    pub const fn resource_kind(self) -> ResourceKind {
        match self {
            CategoryKind::Channels => ResourceKind::Channel,
            CategoryKind::Uuids => ResourceKind::UserId,
        }
    }
}

/// `channels category` or `uuids category`.
impl fmt::Display for CategoryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} category", self.plural_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in CategoryKind::ALL {
            assert_eq!(CategoryKind::from_token_key(kind.token_key()), Some(kind));
            assert_eq!(
                CategoryKind::from_plural_name(kind.plural_name()),
                Some(kind)
            );
        }
        assert_eq!(CategoryKind::from_plural_name("groups"), None);
        assert_eq!(CategoryKind::from_token_key("grp"), None);
        assert_eq!(CategoryKind::Channels.to_string(), "channels category");
        assert_eq!(CategoryKind::Uuids.resource_kind(), ResourceKind::UserId);
    }
}
