//! A named resource with the permissions granted on it.

use crate::{Permissions, ResourceKind};

/// One entry of a grant or a token: a kind, a name (or, for patterns, a regular expression)
/// and a permission bitmask.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Resource {
    /// The category.
    pub kind: ResourceKind,
    /// The resource name, or the regular expression when the entry is a pattern.
    pub name: String,
    /// The granted bits.
    pub permissions: Permissions,
}

impl Resource {
    /// A resource entry.
    pub fn new(kind: ResourceKind, name: impl Into<String>, permissions: Permissions) -> Self {
        Resource {
            kind,
            name: name.into(),
            permissions,
        }
    }
}

/// A plain entry can stand wherever a typed builder can, e.g. in a slice of
/// `Box<dyn ResourcePermissions>` built from parsed input. The typed builders remain the way
/// to get compile-time checks of which permissions a kind can hold.
impl crate::permissions::ResourcePermissions for Resource {
    fn kind(&self) -> ResourceKind {
        self.kind
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn permissions(&self) -> Permissions {
        self.permissions
    }
    fn to_resource(&self) -> Resource {
        self.clone()
    }
}
