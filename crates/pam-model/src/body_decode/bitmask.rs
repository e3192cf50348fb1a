//! A permission bitmask in a grant body: an integer from 0 to 255, whether of an entry of
//! `resources`/`patterns` or of a category of `permissions.categories`.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::Ctx;
use crate::validation_error::EntryLocation;
use crate::{CategoryKind, Permissions, ResourceKind, ValidationError};

/// Whose bitmask is being read: it decides the error for a value that is not a bitmask.
#[derive(Debug, Clone, Copy)]
pub(super) enum BitmaskOf<'n> {
    /// An entry of `resources` or `patterns` (0 is parsed; validation refuses it).
    Entry {
        kind: ResourceKind,
        name: &'n str,
        pattern: bool,
    },
    /// A category of `permissions.categories` (validation then refuses all but 32).
    Category(CategoryKind),
}

/// A bitmask: an integer from 0 to 255; anything else fails with the error of [`BitmaskOf`].
pub(super) struct BitmaskSeed<'c, 'n> {
    pub(super) ctx: &'c Ctx,
    pub(super) of: BitmaskOf<'n>,
}

impl<'de> DeserializeSeed<'de> for BitmaskSeed<'_, '_> {
    type Value = Permissions;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl BitmaskSeed<'_, '_> {
    fn wrong<E: de::Error>(&self, found: &str) -> E {
        let error = match self.of {
            BitmaskOf::Entry {
                kind,
                name,
                pattern,
            } => ValidationError::InvalidBitmask {
                kind,
                name: name.to_owned(),
                pattern,
                found: found.to_owned(),
            },
            BitmaskOf::Category(category) => ValidationError::InvalidCategoryPermissions {
                category,
                found: found.to_owned(),
            },
        };
        self.ctx.fail(error)
    }
}

impl<'de> Visitor<'de> for BitmaskSeed<'_, '_> {
    type Value = Permissions;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.of {
            BitmaskOf::Entry {
                kind,
                name,
                pattern,
            } => write!(
                f,
                "a bitmask at {}",
                EntryLocation::new(&kind, name, &pattern)
            ),
            BitmaskOf::Category(category) => write!(
                f,
                "a bitmask at permissions.categories.{}",
                category.plural_name()
            ),
        }
    }
    refuse!(bool, str, unit, seq, map);

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        u8::try_from(v)
            .map(Permissions::from_bits)
            .map_err(|_| self.wrong(&v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        u8::try_from(v)
            .map(Permissions::from_bits)
            .map_err(|_| self.wrong(&v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Err(self.wrong(&format!("{v:?}")))
    }
}
