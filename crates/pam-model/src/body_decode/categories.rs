//! The `categories` object: category name -> bitmask.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::bitmask::{BitmaskOf, BitmaskSeed};
use super::{Ctx, Key};
use crate::{CategoryKind, GrantRequest, ValidationError};

/// `permissions.categories`: `{"channels":32,"uuids":32}`, either key optional; `null` is the
/// same as absent. An unknown category name is refused (most likely a typo), never dropped.
pub(super) struct CategoriesSeed<'c, 'r> {
    pub(super) ctx: &'c Ctx,
    pub(super) request: &'r mut GrantRequest,
}

impl<'de> DeserializeSeed<'de> for CategoriesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl CategoriesSeed<'_, '_> {
    fn wrong<E: de::Error>(&self, found: &str) -> E {
        self.ctx
            .wrong_type(&"permissions.categories", "an object", found)
    }
}

impl<'de> Visitor<'de> for CategoriesSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of category bitmasks")
    }
    refuse!(bool, integer, float, str, seq);

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(Key)? {
            let Some(kind) = CategoryKind::from_plural_name(&key) else {
                return Err(self.ctx.fail(ValidationError::UnknownCategory {
                    name: key.into_owned(),
                }));
            };
            let permissions = map.next_value_seed(BitmaskSeed {
                ctx: self.ctx,
                of: BitmaskOf::Category(kind),
            })?;
            // A repeated key: the last value wins, as for every other key of a body.
            self.request.categories.insert(kind, permissions);
        }
        Ok(())
    }
}
