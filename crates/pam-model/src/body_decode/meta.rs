//! `meta`: an object of scalar values.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Ctx, Key};
use crate::limits::{Limit, MAX_META_ENTRIES};
use crate::{GrantRequest, MetaValue, ValidationError};

/// `meta`: an object of scalars, or null.
pub(super) struct MetaSeed<'c, 'r> {
    pub(super) ctx: &'c Ctx,
    pub(super) request: &'r mut GrantRequest,
}

impl<'de> DeserializeSeed<'de> for MetaSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl MetaSeed<'_, '_> {
    fn wrong<E: de::Error>(&self, found: &str) -> E {
        self.ctx.wrong_type(&"meta", "an object", found)
    }
}

impl<'de> Visitor<'de> for MetaSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a meta object")
    }
    refuse!(bool, integer, float, str, seq);

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(Key)? {
            let value = map.next_value_seed(MetaValueSeed {
                ctx: self.ctx,
                key: &key,
            })?;
            let meta = &mut self.request.meta;
            if !meta.contains_key(&*key) && meta.len() >= MAX_META_ENTRIES {
                return Err(self.ctx.fail(ValidationError::TooLarge {
                    limit: Limit::MetaEntries,
                    found: meta.len() + 1,
                    location: "meta".to_owned(),
                }));
            }
            meta.insert(key.into_owned(), value);
        }
        Ok(())
    }
}

/// One meta value: a scalar. Objects and arrays are refused without being read.
struct MetaValueSeed<'c, 'k> {
    ctx: &'c Ctx,
    key: &'k str,
}

impl<'de> DeserializeSeed<'de> for MetaValueSeed<'_, '_> {
    type Value = MetaValue;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl MetaValueSeed<'_, '_> {
    fn nested<E: de::Error>(&self) -> E {
        self.ctx.fail(ValidationError::NestedMeta {
            key: self.key.to_owned(),
        })
    }
}

impl<'de> Visitor<'de> for MetaValueSeed<'_, '_> {
    type Value = MetaValue;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a scalar at meta.{}", self.key)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(MetaValue::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(MetaValue::String(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(MetaValue::Integer(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        i64::try_from(v).map(MetaValue::Integer).map_err(|_| {
            let location = format!("meta.{}", self.key);
            self.ctx.fail(ValidationError::InvalidJson {
                reason: format!(
                    "Unexpected value: `{location}` is an integer outside the 64-bit signed range"
                ),
                location,
            })
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(MetaValue::Float(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(MetaValue::Bool(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(MetaValue::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.nested())
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.nested())
    }
}
