//! Issuing tokens: PubNub's exact layout, signed with HMAC-SHA256.

use hmac::{Hmac, Mac};
use std::collections::BTreeMap;

use pam_model::{CategoryKind, GrantRequest, Permissions, Resource, ResourceKind};
use sha2::Sha256;

use crate::cbor_reader::major;
use crate::{Meta, MetaMap, base64url, cbor_writer};

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// A keyed HMAC-SHA256; HMAC takes keys of any length.
pub(crate) fn mac(secret_key: &[u8]) -> HmacSha256 {
    <HmacSha256 as Mac>::new_from_slice(secret_key).expect("HMAC accepts keys of any length")
}

/// The order PubNub's server writes categories in, in both `res` and `pat`.
const CATEGORY_ORDER: [ResourceKind; 5] = [
    ResourceKind::Channel,
    ResourceKind::ChannelGroup,
    ResourceKind::LegacySpace,
    ResourceKind::LegacyUser,
    ResourceKind::UserId,
];

/// Issues a token for `request` at `timestamp` (Unix seconds), signed with `secret_key`.
///
/// The token has PubNub's layout (see [`TokenBuilder`]) and is base64url with `=` padding, as
/// the server writes it. `request` is encoded as given: validate it first
/// (`GrantRequest::validate` in `pam-model`) to refuse what PubNub would refuse.
#[must_use]
pub fn issue(request: &GrantRequest, timestamp: u64, secret_key: &[u8]) -> String {
    TokenBuilder::from_grant(request, timestamp).sign(secret_key)
}

/// Builds and signs a token: the lower-level form of [`issue`], which also takes nested
/// `meta` values.
///
/// The CBOR is PubNub's layout: a map with byte-string keys in the order `v`, `t`, `ttl`,
/// `res`, `pat`, `meta`, `cat` (only when the token has categories: a map of byte-string keys
/// `chan` / `uuid` to bitmasks), `uuid` (when set), `sig`; `res` and `pat` each with all five
/// categories in the order `chan`, `grp`, `spc`, `usr`, `uuid`; names as text, bitmasks as
/// unsigned integers; shortest integer heads, floats as doubles. `sig` is HMAC-SHA256 of the
/// token's own bytes without the `sig` entry and with the map's entry count one lower.
///
/// Entries keep the order they were added in. A name added twice to the same category is
/// written once, at its first position, with the permissions of both (as `GrantRequest`'s
/// adders merge them): a token cannot hold a repeated key.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenBuilder {
    timestamp: u64,
    ttl: u32,
    resources: Vec<Resource>,
    patterns: Vec<Resource>,
    authorized_user_id: Option<String>,
    meta: MetaMap,
    categories: BTreeMap<CategoryKind, Permissions>,
}

impl TokenBuilder {
    /// A token issued at `timestamp` (Unix seconds) that lives `ttl` minutes and grants
    /// nothing yet.
    #[must_use]
    pub fn new(timestamp: u64, ttl: u32) -> Self {
        TokenBuilder {
            timestamp,
            ttl,
            resources: Vec::new(),
            patterns: Vec::new(),
            authorized_user_id: None,
            meta: MetaMap::new(),
            categories: BTreeMap::new(),
        }
    }

    /// The token a grant request describes.
    #[must_use]
    pub fn from_grant(request: &GrantRequest, timestamp: u64) -> Self {
        TokenBuilder {
            timestamp,
            ttl: request.ttl,
            resources: request.resources.clone(),
            patterns: request.patterns.clone(),
            authorized_user_id: request.authorized_user_id.clone(),
            meta: request
                .meta
                .iter()
                .map(|(k, v)| (k.clone(), Meta::from(v.clone())))
                .collect(),
            categories: request.categories.clone(),
        }
    }

    /// Grants `permissions` on the resource `name` of `kind`.
    #[must_use]
    pub fn resource(
        mut self,
        kind: ResourceKind,
        name: impl Into<String>,
        permissions: impl Into<Permissions>,
    ) -> Self {
        self.resources
            .push(Resource::new(kind, name, permissions.into()));
        self
    }

    /// Grants `permissions` on resources of `kind` whose names match the regex `pattern`.
    #[must_use]
    pub fn pattern(
        mut self,
        kind: ResourceKind,
        pattern: impl Into<String>,
        permissions: impl Into<Permissions>,
    ) -> Self {
        self.patterns
            .push(Resource::new(kind, pattern, permissions.into()));
        self
    }

    /// Grants `permissions` on the whole category `kind` (`cat`); ORed into what the
    /// category already has.
    #[must_use]
    pub fn category(mut self, kind: CategoryKind, permissions: impl Into<Permissions>) -> Self {
        *self.categories.entry(kind).or_insert(Permissions::NONE) |= permissions.into();
        self
    }

    /// Restricts the token to one user id.
    #[must_use]
    pub fn authorized_user_id(mut self, user_id: impl Into<String>) -> Self {
        self.authorized_user_id = Some(user_id.into());
        self
    }

    /// Sets one `meta` entry (replacing a previous value of `key`).
    #[must_use]
    pub fn meta(mut self, key: impl Into<String>, value: impl Into<Meta>) -> Self {
        self.meta.insert(key, value);
        self
    }

    /// The signed token's CBOR bytes.
    #[must_use]
    pub fn sign_to_cbor(&self, secret_key: &[u8]) -> Vec<u8> {
        let fields: u8 =
            7 + u8::from(self.authorized_user_id.is_some()) + u8::from(!self.categories.is_empty());
        let mut out = Vec::with_capacity(256);
        // The signed form first: the map announces one entry fewer and `sig` is not there yet.
        // Both counts are below 24, so the map's head is the single byte `out[0]`.
        out.push((major::MAP << 5) | (fields - 1));
        cbor_writer::bytes(&mut out, b"v");
        cbor_writer::head(&mut out, major::UNSIGNED, 2);
        cbor_writer::bytes(&mut out, b"t");
        cbor_writer::head(&mut out, major::UNSIGNED, self.timestamp);
        cbor_writer::bytes(&mut out, b"ttl");
        cbor_writer::head(&mut out, major::UNSIGNED, u64::from(self.ttl));
        cbor_writer::bytes(&mut out, b"res");
        section(&mut out, &self.resources);
        cbor_writer::bytes(&mut out, b"pat");
        section(&mut out, &self.patterns);
        cbor_writer::bytes(&mut out, b"meta");
        cbor_writer::map(&mut out, &self.meta);
        if !self.categories.is_empty() {
            cbor_writer::bytes(&mut out, b"cat");
            cbor_writer::head(&mut out, major::MAP, self.categories.len() as u64);
            for (kind, permissions) in &self.categories {
                cbor_writer::bytes(&mut out, kind.token_key().as_bytes());
                cbor_writer::head(&mut out, major::UNSIGNED, u64::from(permissions.bits()));
            }
        }
        if let Some(uuid) = &self.authorized_user_id {
            cbor_writer::bytes(&mut out, b"uuid");
            cbor_writer::text(&mut out, uuid);
        }
        let mut hmac = mac(secret_key);
        hmac.update(&out);
        let signature = hmac.finalize().into_bytes();
        out[0] = (major::MAP << 5) | fields;
        cbor_writer::bytes(&mut out, b"sig");
        cbor_writer::bytes(&mut out, &signature);
        out
    }

    /// The signed token: base64url with `=` padding.
    #[must_use]
    pub fn sign(&self, secret_key: &[u8]) -> String {
        base64url::encode_padded(&self.sign_to_cbor(secret_key))
    }
}

/// Writes `res` or `pat`: all five categories, in PubNub's order.
fn section(out: &mut Vec<u8>, entries: &[Resource]) {
    // Kinds a later pam-model may add go after PubNub's five.
    let kinds = || {
        CATEGORY_ORDER.into_iter().chain(
            ResourceKind::ALL
                .into_iter()
                .filter(|k| !CATEGORY_ORDER.contains(k)),
        )
    };
    cbor_writer::head(out, major::MAP, kinds().count() as u64);
    let mut merged: Vec<(&str, Permissions)> = Vec::new();
    for kind in kinds() {
        merged.clear();
        for entry in entries.iter().filter(|e| e.kind == kind) {
            match merged.iter_mut().find(|(name, _)| *name == entry.name) {
                Some(slot) => slot.1 |= entry.permissions,
                None => merged.push((&entry.name, entry.permissions)),
            }
        }
        cbor_writer::bytes(out, kind.token_key().as_bytes());
        cbor_writer::head(out, major::MAP, merged.len() as u64);
        for (name, permissions) in &merged {
            cbor_writer::text(out, name);
            cbor_writer::head(out, major::UNSIGNED, u64::from(permissions.bits()));
        }
    }
}
