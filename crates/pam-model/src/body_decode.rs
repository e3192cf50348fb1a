//! Reading a grant body the way the Access Manager server does (what is accepted is
//! documented on [`GrantRequest::from_body_json`]).
//!
//! Visitors are `serde` seeds that write straight into the [`GrantRequest`] being built. The
//! structured error travels out of `serde` through [`Ctx`]: a visitor that refuses something
//! records the [`ValidationError`] there and returns an opaque `serde` error.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasher, RandomState};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::limits::{Limit, MAX_BODY_BYTES};
use crate::{GrantRequest, ResourceKind, ValidationError};

impl GrantRequest {
    /// Parses a grant body as the server would. Does not [`validate`](GrantRequest::validate)
    /// it.
    ///
    /// Accepted:
    /// - keys in any order; unknown keys at the top level and inside `permissions` are
    ///   ignored;
    /// - `resources` / `patterns` lacking any category (Ruby sends no `users`/`spaces`, old
    ///   Python no `uuids`) or carrying the legacy `users` / `spaces` maps (the JS SDK sends
    ///   them empty; entries in them become [`ResourceKind::LegacyUser`] /
    ///   [`ResourceKind::LegacySpace`]); an unknown category is refused, as it is most likely
    ///   a typo;
    /// - `meta` absent, `null` or an object of scalars; `uuid` absent, `null` or a string;
    /// - `ttl` as an integer, or as a string of decimal digits: PubNub's Python SDK sent
    ///   `"15"` in 2021 and the server accepted it. A float, boolean or other string is
    ///   refused;
    /// - a key repeated in one object: the last value wins, at every level, as in Python's
    ///   `json` (PubNub's server is Python): a repeated `ttl` or `uuid` keeps the last value, a
    ///   repeated resource name keeps the place of its first occurrence and the last bitmask,
    ///   and a repeated `permissions`, `resources`, `patterns`, `meta` or category object
    ///   replaces the earlier one whole (its entries are dropped, not merged).
    ///
    /// Bounded: the raw body may not exceed [`MAX_BODY_BYTES`]; parsing stops at the first
    /// entry past [`MAX_ENTRIES`](crate::limits::MAX_ENTRIES) or meta entry past
    /// [`MAX_META_ENTRIES`](crate::limits::MAX_META_ENTRIES); a meta value that is an object
    /// or array is refused without being read; ignored values are skipped without recursion.
    /// The ttl range, the empty grant, 0 bitmasks, patterns and name lengths are
    /// [`validate`](GrantRequest::validate)'s business.
    ///
    /// ```
    /// use pam_model::GrantRequest;
    ///
    /// let body = br#"{"permissions":{"resources":{"channels":{"chat":3}}},"ttl":"15"}"#;
    /// let request = GrantRequest::from_body_json(body).unwrap();
    /// assert_eq!(request.ttl, 15);
    /// assert_eq!(request.resources[0].name, "chat");
    ///
    /// let err = GrantRequest::from_body_json(br#"{"ttl":60,"permissions":{"meta":{"a":{}}}}"#)
    ///     .unwrap_err();
    /// assert_eq!(err.to_error_body().details[0].location, "meta.a");
    /// ```
    ///
    /// # Errors
    ///
    /// [`ValidationError::TooLarge`] for a body or entry count past the limits,
    /// [`ValidationError::InvalidJson`] for malformed JSON or a value of the wrong type,
    /// [`ValidationError::InvalidTtl`] for an integer ttl outside `u32`,
    /// [`ValidationError::InvalidBitmask`] for a bitmask that is not an integer from 0 to 255,
    /// [`ValidationError::NestedMeta`] for an object or array in `meta`.
    pub fn from_body_json(body: &[u8]) -> Result<GrantRequest, ValidationError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(ValidationError::TooLarge {
                limit: Limit::Body,
                found: body.len(),
                location: ROOT.to_owned(),
            });
        }
        let ctx = Ctx::default();
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        let parsed = RootSeed { ctx: &ctx }
            .deserialize(&mut deserializer)
            .and_then(|request| deserializer.end().map(|()| request));
        parsed.map_err(|e| {
            ctx.error
                .into_inner()
                .unwrap_or_else(|| ValidationError::InvalidJson {
                    location: ROOT.to_owned(),
                    reason: format!("Syntax error: {e}"),
                })
        })
    }
}

/// The location PubNub reports for the body as a whole.
const ROOT: &str = "<root>";

/// What the visitors share: the first structured error, and which entries were seen.
#[derive(Default)]
struct Ctx {
    error: RefCell<Option<ValidationError>>,
    /// Hashes of the (section, kind, name) entries parsed so far, so a repeated name is found
    /// without scanning every entry (keyed per process, so bodies cannot force collisions).
    seen: RefCell<HashSet<u64>>,
    hasher: RandomState,
}

impl Ctx {
    /// Notes an entry; false when one with the same hash was seen before (most likely the
    /// same entry, to be confirmed by comparing).
    fn first_sighting(&self, pattern: bool, kind: ResourceKind, name: &str) -> bool {
        let hash = self.hasher.hash_one((pattern, kind, name));
        self.seen.borrow_mut().insert(hash)
    }

    /// Records `error` (the first one wins) and returns the `serde` error that unwinds the
    /// parse.
    fn fail<E: de::Error>(&self, error: ValidationError) -> E {
        let message = error.to_string();
        let mut slot = self.error.borrow_mut();
        if slot.is_none() {
            *slot = Some(error);
        }
        E::custom(message)
    }

    fn wrong_type<E: de::Error>(
        &self,
        location: &dyn fmt::Display,
        expected: &str,
        found: &str,
    ) -> E {
        self.fail(ValidationError::InvalidJson {
            location: location.to_string(),
            reason: format!("Unexpected value: `{location}` must be {expected}, not {found}"),
        })
    }
}

/// Implements the listed `visit_*` methods of a visitor as "wrong type" errors, via the
/// visitor's `fn wrong<E: de::Error>(&self, found: &str) -> E`.
macro_rules! refuse {
    ($($kind:ident),* $(,)?) => { $( refuse!(@one $kind); )* };
    (@one bool) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> { Err(self.wrong("a boolean")) }
    };
    (@one integer) => {
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> { Err(self.wrong("a number")) }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> { Err(self.wrong("a number")) }
    };
    (@one float) => {
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> { Err(self.wrong("a number")) }
    };
    (@one str) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> { Err(self.wrong("a string")) }
    };
    (@one unit) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> { Err(self.wrong("null")) }
    };
    (@one seq) => {
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> { Err(self.wrong("an array")) }
    };
    (@one map) => {
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> { Err(self.wrong("an object")) }
    };
}

mod bitmask;
mod categories;
mod entries;
mod meta;

use categories::CategoriesSeed;
use entries::SectionSeed;
use meta::MetaSeed;

/// A map key, borrowed from the body when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// The whole body: `{"ttl":…,"permissions":{…}}`.
struct RootSeed<'c> {
    ctx: &'c Ctx,
}

impl<'de> DeserializeSeed<'de> for RootSeed<'_> {
    type Value = GrantRequest;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl RootSeed<'_> {
    fn wrong<E: de::Error>(&self, found: &str) -> E {
        self.ctx.wrong_type(&ROOT, "an object", found)
    }
}

impl<'de> Visitor<'de> for RootSeed<'_> {
    type Value = GrantRequest;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a grant body object")
    }
    refuse!(bool, integer, float, str, unit, seq);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut request = GrantRequest::default();
        let mut ttl = None;
        while let Some(key) = map.next_key_seed(Key)? {
            match &*key {
                "ttl" => ttl = Some(map.next_value_seed(TtlSeed { ctx: self.ctx })?),
                "permissions" => {
                    // A repeated `permissions` replaces the earlier one whole (`ttl` is kept
                    // apart until the end).
                    request = GrantRequest::default();
                    map.next_value_seed(PermissionsSeed {
                        ctx: self.ctx,
                        request: &mut request,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match ttl {
            Some(ttl) => request.ttl = ttl,
            None => {
                return Err(self.ctx.fail(ValidationError::InvalidJson {
                    location: "ttl".to_owned(),
                    reason: "Missing value: `ttl` is required".to_owned(),
                }));
            }
        }
        Ok(request)
    }
}

/// `ttl`: an integer, or a string of decimal digits.
struct TtlSeed<'c> {
    ctx: &'c Ctx,
}

impl<'de> DeserializeSeed<'de> for TtlSeed<'_> {
    type Value = u32;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl TtlSeed<'_> {
    fn wrong<E: de::Error>(&self, found: &str) -> E {
        self.ctx.wrong_type(&"ttl", "an integer", found)
    }

    fn in_range<E: de::Error>(&self, ttl: i64) -> Result<u32, E> {
        u32::try_from(ttl).map_err(|_| self.ctx.fail(ValidationError::InvalidTtl { ttl }))
    }
}

impl<'de> Visitor<'de> for TtlSeed<'_> {
    type Value = u32;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer ttl")
    }
    refuse!(bool, float, unit, seq, map);

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.in_range(i64::try_from(v).unwrap_or(i64::MAX))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.in_range(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let digits = v.strip_prefix('-').unwrap_or(v);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.wrong("a string that is not an integer"));
        }
        // Only digits remain, so parsing fails on overflow alone.
        let ttl = v.parse::<i64>().unwrap_or(if v.starts_with('-') {
            i64::MIN
        } else {
            i64::MAX
        });
        self.in_range(ttl)
    }
}

/// `permissions`: `resources`, `patterns`, `categories`, `meta`, `uuid`.
struct PermissionsSeed<'c, 'r> {
    ctx: &'c Ctx,
    request: &'r mut GrantRequest,
}

impl<'de> DeserializeSeed<'de> for PermissionsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl PermissionsSeed<'_, '_> {
    fn wrong<E: de::Error>(&self, found: &str) -> E {
        self.ctx.wrong_type(&"permissions", "an object", found)
    }
}

impl<'de> Visitor<'de> for PermissionsSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a permissions object")
    }
    refuse!(bool, integer, float, str, unit, seq);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.ctx;
        let request = self.request;
        while let Some(key) = map.next_key_seed(Key)? {
            // A repeated section replaces the earlier one whole (as Python's `json` reads it).
            match &*key {
                "resources" => {
                    request.resources.clear();
                    map.next_value_seed(SectionSeed {
                        ctx,
                        request: &mut *request,
                        pattern: false,
                    })?;
                }
                "patterns" => {
                    request.patterns.clear();
                    map.next_value_seed(SectionSeed {
                        ctx,
                        request: &mut *request,
                        pattern: true,
                    })?;
                }
                "categories" => {
                    request.categories.clear();
                    map.next_value_seed(CategoriesSeed {
                        ctx,
                        request: &mut *request,
                    })?;
                }
                "meta" => {
                    request.meta.clear();
                    map.next_value_seed(MetaSeed {
                        ctx,
                        request: &mut *request,
                    })?;
                }
                "uuid" => request.authorized_user_id = map.next_value_seed(UuidSeed { ctx })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `uuid`: the authorized user id, a string or null.
struct UuidSeed<'c> {
    ctx: &'c Ctx,
}

impl<'de> DeserializeSeed<'de> for UuidSeed<'_> {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl UuidSeed<'_> {
    fn wrong<E: de::Error>(&self, found: &str) -> E {
        self.ctx.wrong_type(&"permissions.uuid", "a string", found)
    }
}

impl<'de> Visitor<'de> for UuidSeed<'_> {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a user id string")
    }
    refuse!(bool, integer, float, seq, map);

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}
