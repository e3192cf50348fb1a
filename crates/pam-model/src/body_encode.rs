//! Writing the grant body PubNub expects, with `serde_json`.
//!
//! `{"ttl":N,"permissions":{"resources":{"channels":{…},"groups":{…},"uuids":{…}},
//! "patterns":{…}[,"categories":{…}],"meta":{…},"uuid":"…"}}`: channels, groups and uuids maps always present,
//! `users` / `spaces` only when the request holds legacy entries of that kind, `meta` always
//! (possibly `{}`), `uuid` only when an authorized user id is set. Entries keep the request's
//! order; a 0 bitmask is written, not dropped.
//!
//! The shape is a few borrowed `Serialize` views of the request (`Body` and what it holds): a
//! new field of the body is one more field of `PermissionsBody`. Validation counts the body's
//! bytes by serializing into a counter, without building it.

use std::collections::BTreeMap;
use std::io;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::{CategoryKind, GrantRequest, MetaValue, Permissions, Resource, ResourceKind};

/// The whole body, borrowed from a request.
#[derive(Serialize)]
struct Body<'a> {
    ttl: u32,
    permissions: PermissionsBody<'a>,
}

/// `permissions`, in the order PubNub's SDKs write it.
#[derive(Serialize)]
struct PermissionsBody<'a> {
    resources: Section<'a>,
    patterns: Section<'a>,
    /// Only when the grant has categories: tokens without them keep their exact body.
    #[serde(skip_serializing_if = "CategoriesBody::is_empty")]
    categories: CategoriesBody<'a>,
    meta: MetaBody<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uuid: Option<&'a str>,
}

/// `resources` or `patterns`:
/// `{"channels":{…},"groups":{…},"uuids":{…}[,"users":{…}][,"spaces":{…}]}`.
struct Section<'a>(&'a [Resource]);

/// One kind's entries of a section: name -> bitmask.
struct Category<'a> {
    entries: &'a [Resource],
    kind: ResourceKind,
}

/// `categories`: `{"channels":32,"uuids":32}`, in [`CategoryKind`] order.
struct CategoriesBody<'a>(&'a BTreeMap<CategoryKind, Permissions>);

impl CategoriesBody<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `meta`, in key order.
struct MetaBody<'a>(&'a BTreeMap<String, MetaValue>);

/// One `meta` value.
struct MetaScalar<'a>(&'a MetaValue);

impl<'a> Body<'a> {
    fn of(request: &'a GrantRequest) -> Self {
        Body {
            ttl: request.ttl,
            permissions: PermissionsBody {
                resources: Section(&request.resources),
                patterns: Section(&request.patterns),
                categories: CategoriesBody(&request.categories),
                meta: MetaBody(&request.meta),
                uuid: request.authorized_user_id.as_deref(),
            },
        }
    }
}

impl Serialize for Section<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let kinds = ResourceKind::ALL.into_iter().filter(|kind| {
            ResourceKind::GRANTABLE.contains(kind) || self.0.iter().any(|e| e.kind == *kind)
        });
        let mut map = serializer.serialize_map(None)?;
        for kind in kinds {
            let category = Category {
                entries: self.0,
                kind,
            };
            map.serialize_entry(kind.plural_name(), &category)?;
        }
        map.end()
    }
}

impl Serialize for Category<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for entry in self.entries.iter().filter(|e| e.kind == self.kind) {
            map.serialize_entry(&entry.name, &entry.permissions.bits())?;
        }
        map.end()
    }
}

impl Serialize for CategoriesBody<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (kind, permissions) in self.0 {
            map.serialize_entry(kind.plural_name(), &permissions.bits())?;
        }
        map.end()
    }
}

impl Serialize for MetaBody<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(key, &MetaScalar(value))?;
        }
        map.end()
    }
}

impl Serialize for MetaScalar<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            MetaValue::String(s) => serializer.serialize_str(s),
            MetaValue::Integer(n) => serializer.serialize_i64(*n),
            // serde_json writes the shortest text that reads back as the same f64, always with
            // a `.` or an exponent, so it reads back as a float rather than an integer.
            MetaValue::Float(f) if f.is_finite() => serializer.serialize_f64(*f),
            MetaValue::Float(_) | MetaValue::Null => serializer.serialize_unit(),
            MetaValue::Bool(b) => serializer.serialize_bool(*b),
        }
    }
}

/// `serde_json`'s compact output, except that floats are written as Rust's `{:?}` writes them
/// (`1e300`, where `serde_json` writes `1e+300`): the bytes this crate has always sent. Both
/// are the shortest text that reads back as the same `f64`.
struct Compact;

impl serde_json::ser::Formatter for Compact {
    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        write!(writer, "{value:?}")
    }
}

/// Writes `request`'s body to `writer`.
fn write_body(request: &GrantRequest, writer: impl io::Write) -> serde_json::Result<()> {
    Body::of(request).serialize(&mut serde_json::Serializer::with_formatter(writer, Compact))
}

/// Counts the bytes written to it.
#[derive(Debug, Default)]
struct ByteCount(usize);

impl io::Write for ByteCount {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Why writing a body cannot fail: every map key is a string, every number an integer or a
/// finite float, neither sink (a `Vec`, a counter) fails, and serde_json writes UTF-8.
const INFALLIBLE: &str = "a grant body always serializes";

impl GrantRequest {
    /// The JSON body of `POST /v3/pam/{sub_key}/grant` for this request.
    ///
    /// `{"ttl":N,"permissions":{"resources":{…},"patterns":{…},"categories":{…},"meta":{…},"uuid":"…"}}`,
    /// compact, keys in this order. Each section always has `channels`, `groups` and `uuids`
    /// maps, and `users` / `spaces` maps only when the request holds legacy entries of that
    /// kind. Entries are grouped by kind in that order and keep the request's order within a
    /// kind; a 0 bitmask is written, not dropped (the server answers it with a 400 naming
    /// it). `categories` only when the grant has categories. `meta` is always present (`{}` when empty), in key order; `uuid` only when an
    /// authorized user id is set. Strings are escaped as `serde_json` escapes them.
    ///
    /// ```
    /// use pam_model::{permissions, GrantRequest};
    ///
    /// let body = GrantRequest::new(60)
    ///     .resource(permissions::channel("chat").read())
    ///     .authorized_user_id("alice")
    ///     .to_body_json();
    /// assert_eq!(
    ///     body,
    ///     r#"{"ttl":60,"permissions":{"resources":{"channels":{"chat":1},"groups":{},"uuids":{}},"patterns":{"channels":{},"groups":{},"uuids":{}},"meta":{},"uuid":"alice"}}"#
    /// );
    /// ```
    ///
    /// A non-finite meta float, which JSON cannot carry, is written as `null`;
    /// [`validate`](GrantRequest::validate) refuses it first.
    #[must_use]
    pub fn to_body_json(&self) -> String {
        let mut body = Vec::with_capacity(128);
        write_body(self, &mut body).expect(INFALLIBLE);
        // serde_json writes UTF-8 only.
        String::from_utf8(body).expect(INFALLIBLE)
    }

    /// The exact length in bytes of [`to_body_json`](GrantRequest::to_body_json)'s output,
    /// computed without building it.
    pub(crate) fn body_len(&self) -> usize {
        let mut count = ByteCount::default();
        write_body(self, &mut count).expect(INFALLIBLE);
        count.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Permissions, permissions};

    #[test]
    fn names_and_the_user_id_are_escaped_as_json_strings() {
        let request = GrantRequest::new(1)
            .resource(permissions::channel("quote\"back\\slash\n\u{1}\u{7f}ü</").read())
            .authorized_user_id("a\tb");
        assert_eq!(
            request.to_body_json(),
            "{\"ttl\":1,\"permissions\":{\"resources\":{\"channels\":{\"quote\\\"back\\\\slash\\n\\u0001\u{7f}ü</\":1},\"groups\":{},\"uuids\":{}},\"patterns\":{\"channels\":{},\"groups\":{},\"uuids\":{}},\"meta\":{},\"uuid\":\"a\\tb\"}}"
        );
    }

    #[test]
    fn zero_bitmask_and_legacy_kinds_are_written() {
        let request = GrantRequest::new(1)
            .resource(Resource::new(ResourceKind::UserId, "u", Permissions::NONE))
            .pattern(Resource::new(
                ResourceKind::LegacySpace,
                "^s$",
                Permissions::from_bits(31),
            ));
        assert_eq!(
            request.to_body_json(),
            r#"{"ttl":1,"permissions":{"resources":{"channels":{},"groups":{},"uuids":{"u":0}},"patterns":{"channels":{},"groups":{},"uuids":{},"spaces":{"^s$":31}},"meta":{}}}"#
        );
    }

    #[test]
    fn meta_scalars_keep_their_types() {
        let request = GrantRequest::new(1)
            .resource(permissions::channel("c").read())
            .meta("f", 1.0)
            .meta("big", 1e300)
            .meta("i", -3)
            .meta("n", MetaValue::Null)
            .meta("nan", f64::NAN)
            .meta("t", true);
        let body = request.to_body_json();
        assert!(
            body.contains(r#""meta":{"big":1e300,"f":1.0,"i":-3,"n":null,"nan":null,"t":true}"#),
            "{body}"
        );
    }

    #[test]
    fn counted_length_matches_the_body() {
        let request = GrantRequest::new(43200)
            .resource(permissions::channel("ch\u{1}\"").read())
            .pattern(permissions::user_id("^ü$").get())
            .authorized_user_id("ali\nce")
            .meta("k", 0.1)
            .meta("s", "v\\");
        assert_eq!(request.body_len(), request.to_body_json().len());
    }
}
