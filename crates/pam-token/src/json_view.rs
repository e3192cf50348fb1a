//! The token as the JSON object `pam token parse --json` prints.

use pam_model::{Permission, Permissions};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::base64url;
use crate::token::{Category, CategoryGrants, Grants, Token};

/// The CLI JSON contract: `version`, `timestamp`, `ttl`, `expires_at`, `authorized_uuid`
/// (string or null), `resources` and `patterns` (category plural name -> name ->
/// `{"bitmask":n,"read":b,"write":b,"manage":b,"delete":b,"create":b,"get":b,"update":b,
/// "join":b}`, categories in token order, each present iff the token has it), `categories`
/// (`channels` / `uuids` -> the same permissions object, only those the token's `cat` has, `{}`
/// when none), `meta` (as JSON) and `signature` (base64url without padding).
impl Serialize for Token {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(10))?;
        map.serialize_entry("version", &self.version())?;
        map.serialize_entry("timestamp", &self.timestamp())?;
        map.serialize_entry("ttl", &self.ttl())?;
        map.serialize_entry("expires_at", &self.expires_at())?;
        map.serialize_entry("authorized_uuid", &self.authorized_user_id())?;
        map.serialize_entry("resources", &self.resources())?;
        map.serialize_entry("patterns", &self.patterns())?;
        map.serialize_entry("categories", &self.categories())?;
        map.serialize_entry("meta", self.meta())?;
        map.serialize_entry("signature", &base64url::encode_unpadded(self.signature()))?;
        map.end()
    }
}

impl Token {
    /// The token as the CLI's JSON object (see the `Serialize` impl for the shape).
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|e| serde_json::Value::String(e.to_string()))
    }
}

/// Category plural name -> name -> permissions object.
impl Serialize for Grants<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let categories = self.categories();
        let mut map = serializer.serialize_map(Some(categories.len()))?;
        for category in categories {
            map.serialize_entry(category.kind().plural_name(), &category)?;
        }
        map.end()
    }
}

/// Name -> permissions object.
impl Serialize for Category<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let entries = self.entries();
        let mut map = serializer.serialize_map(Some(entries.len()))?;
        for entry in entries {
            map.serialize_entry(entry.name, &PermissionsObject(entry.permissions))?;
        }
        map.end()
    }
}

/// `channels` / `uuids` -> permissions object.
impl Serialize for CategoryGrants {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (kind, permissions) in self.iter() {
            map.serialize_entry(kind.plural_name(), &PermissionsObject(permissions))?;
        }
        map.end()
    }
}

/// `{"bitmask":n,"read":b,…,"join":b}`.
struct PermissionsObject(Permissions);

impl Serialize for PermissionsObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1 + Permission::ALL.len()))?;
        map.serialize_entry("bitmask", &self.0.bits())?;
        for permission in Permission::ALL {
            map.serialize_entry(permission.name(), &self.0.has(permission))?;
        }
        map.end()
    }
}
