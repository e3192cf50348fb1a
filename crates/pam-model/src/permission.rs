//! Permission bits as PubNub encodes them, one at a time ([`Permission`]) or as a set
//! ([`Permissions`]).

use std::fmt;
use std::str::FromStr;

/// One Access Manager permission.
///
/// The discriminant is the bit PubNub uses for it in token bitmasks and grant bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Permission {
    /// Read: subscribe, history, presence (bit 1).
    Read = 1,
    /// Write: publish, signal (bit 2).
    Write = 2,
    /// Manage: channel group administration (bit 4).
    Manage = 4,
    /// Delete: delete messages, remove metadata (bit 8).
    Delete = 8,
    /// Create: only found in legacy tokens; kept when decoding, never granted (bit 16).
    Create = 16,
    /// Get: read metadata (bit 32).
    Get = 32,
    /// Update: set metadata (bit 64).
    Update = 64,
    /// Join: become a member of a channel (bit 128).
    Join = 128,
}

impl Permission {
    /// Every permission, in bit order.
    pub const ALL: [Permission; 8] = [
        Permission::Read,
        Permission::Write,
        Permission::Manage,
        Permission::Delete,
        Permission::Create,
        Permission::Get,
        Permission::Update,
        Permission::Join,
    ];

    /// The bit this permission occupies in a bitmask.
    #[must_use]
    pub const fn bit(self) -> u8 {
        self as u8
    }

    /// The lower-case name PubNub's SDKs use (`"read"`, `"write"`, …).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::Write => "write",
            Permission::Manage => "manage",
            Permission::Delete => "delete",
            Permission::Create => "create",
            Permission::Get => "get",
            Permission::Update => "update",
            Permission::Join => "join",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error returned when a string names no permission.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown permission `{found}`: expected one of read, write, manage, delete, create, get, update, join"
)]
pub struct UnknownPermission {
    /// The text that was given.
    pub found: String,
}

impl FromStr for Permission {
    type Err = UnknownPermission;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Permission::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownPermission {
                found: s.to_owned(),
            })
    }
}

/// A set of permissions: the bitmask stored in tokens and sent in grant bodies.
///
/// Any 8-bit value is representable, so every token decodes; which bits a resource kind may be
/// *granted* is a separate question answered by [`ResourceKind::grantable`](crate::ResourceKind::grantable).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Permissions(u8);

impl Permissions {
    /// No permission at all.
    pub const NONE: Permissions = Permissions(0);
    /// Read (1).
    pub const READ: Permissions = Permissions(Permission::Read as u8);
    /// Write (2).
    pub const WRITE: Permissions = Permissions(Permission::Write as u8);
    /// Manage (4).
    pub const MANAGE: Permissions = Permissions(Permission::Manage as u8);
    /// Delete (8).
    pub const DELETE: Permissions = Permissions(Permission::Delete as u8);
    /// Create (16), legacy.
    pub const CREATE: Permissions = Permissions(Permission::Create as u8);
    /// Get (32).
    pub const GET: Permissions = Permissions(Permission::Get as u8);
    /// Update (64).
    pub const UPDATE: Permissions = Permissions(Permission::Update as u8);
    /// Join (128).
    pub const JOIN: Permissions = Permissions(Permission::Join as u8);

    /// The set whose bitmask is `bits`.
    #[must_use]
    pub const fn from_bits(bits: u8) -> Self {
        Permissions(bits)
    }

    /// The bitmask.
    #[must_use]
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// True when no bit is set.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True when every permission of `other` is in `self`.
    #[must_use]
    pub const fn contains(self, other: Permissions) -> bool {
        self.0 & other.0 == other.0
    }

    /// True when `permission` is in the set.
    #[must_use]
    pub const fn has(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    /// Both sets together.
    #[must_use]
    pub const fn union(self, other: Permissions) -> Permissions {
        Permissions(self.0 | other.0)
    }

    /// The permissions of `self` that are not in `other`.
    #[must_use]
    pub const fn difference(self, other: Permissions) -> Permissions {
        Permissions(self.0 & !other.0)
    }

    /// The set with `permission` added.
    #[must_use]
    pub const fn with(self, permission: Permission) -> Permissions {
        Permissions(self.0 | permission.bit())
    }

    /// The permissions in the set, in bit order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL.into_iter().filter(move |p| self.has(*p))
    }
}

impl From<Permission> for Permissions {
    fn from(p: Permission) -> Self {
        Permissions(p.bit())
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        iter.into_iter().fold(Permissions::NONE, Permissions::with)
    }
}

impl std::ops::BitOr for Permissions {
    type Output = Permissions;
    fn bitor(self, rhs: Permissions) -> Permissions {
        self.union(rhs)
    }
}

impl std::ops::BitOrAssign for Permissions {
    fn bitor_assign(&mut self, rhs: Permissions) {
        *self = self.union(rhs);
    }
}

/// `read,write` style: the permission names joined by commas, or `none`.
impl fmt::Display for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        for (i, p) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(p.name())?;
        }
        Ok(())
    }
}

impl fmt::Debug for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Permissions({} = {self})", self.0)
    }
}

/// Parses `read,write` (comma- or `+`-separated names, case-insensitive; `none` or an empty
/// string is the empty set).
impl FromStr for Permissions {
    type Err = UnknownPermission;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("none") {
            return Ok(Permissions::NONE);
        }
        s.split([',', '+'])
            .map(str::parse::<Permission>)
            .collect::<Result<Permissions, _>>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_match_pubnub() {
        let bits: Vec<u8> = Permission::ALL.iter().map(|p| p.bit()).collect();
        assert_eq!(bits, [1, 2, 4, 8, 16, 32, 64, 128]);
    }

    #[test]
    fn parse_and_display_round_trip() {
        let p: Permissions = "read, write,JOIN".parse().unwrap();
        assert_eq!(p.bits(), 1 | 2 | 128);
        assert_eq!(p.to_string(), "read,write,join");
        assert_eq!("none".parse::<Permissions>().unwrap(), Permissions::NONE);
        let err = "read,fly".parse::<Permissions>().unwrap_err();
        assert_eq!(err.found, "fly");
    }

    #[test]
    fn set_operations() {
        let granted = Permissions::READ | Permissions::WRITE;
        assert!(granted.contains(Permissions::READ));
        assert!(!granted.contains(Permissions::READ | Permissions::MANAGE));
        assert_eq!(
            (Permissions::READ | Permissions::MANAGE).difference(granted),
            Permissions::MANAGE
        );
    }
}
