//! The `resources` and `patterns` sections: categories of entries and their bitmasks.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::bitmask::{BitmaskOf, BitmaskSeed};
use super::{Ctx, Key};
use crate::limits::{Limit, MAX_ENTRIES};
use crate::validation_error::section_name;
use crate::{GrantRequest, Resource, ResourceKind, ValidationError};

/// `resources` or `patterns`: category name -> entries.
pub(super) struct SectionSeed<'c, 'r> {
    pub(super) ctx: &'c Ctx,
    pub(super) request: &'r mut GrantRequest,
    pub(super) pattern: bool,
}

impl<'de> DeserializeSeed<'de> for SectionSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl SectionSeed<'_, '_> {
    fn wrong<E: de::Error>(&self, found: &str) -> E {
        let location = format!("permissions.{}", section_name(self.pattern));
        self.ctx.wrong_type(&location, "an object", found)
    }
}

impl<'de> Visitor<'de> for SectionSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of resource types")
    }
    refuse!(bool, integer, float, str, unit, seq);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(Key)? {
            let Some(kind) = ResourceKind::from_plural_name(&key) else {
                let location = format!("permissions.{}.{key}", section_name(self.pattern));
                return Err(self.ctx.fail(ValidationError::InvalidJson {
                    reason: format!(
                        "Unexpected key: `{location}` is not a resource type (channels, groups, uuids, users, spaces)"
                    ),
                    location,
                }));
            };
            // A repeated category replaces the earlier one whole.
            let request = &mut *self.request;
            let entries = if self.pattern {
                &mut request.patterns
            } else {
                &mut request.resources
            };
            entries.retain(|e| e.kind != kind);
            map.next_value_seed(CategorySeed {
                ctx: self.ctx,
                request: &mut *self.request,
                pattern: self.pattern,
                kind,
            })?;
        }
        Ok(())
    }
}

/// One category map: name (or pattern) -> bitmask.
struct CategorySeed<'c, 'r> {
    ctx: &'c Ctx,
    request: &'r mut GrantRequest,
    pattern: bool,
    kind: ResourceKind,
}

impl<'de> DeserializeSeed<'de> for CategorySeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl CategorySeed<'_, '_> {
    fn wrong<E: de::Error>(&self, found: &str) -> E {
        let location = format!(
            "permissions.{}.{}",
            section_name(self.pattern),
            self.kind.plural_name()
        );
        self.ctx.wrong_type(&location, "an object", found)
    }
}

impl<'de> Visitor<'de> for CategorySeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of bitmasks")
    }
    refuse!(bool, integer, float, str, unit, seq);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (kind, pattern) = (self.kind, self.pattern);
        while let Some(name) = map.next_key_seed(Key)? {
            let permissions = map.next_value_seed(BitmaskSeed {
                ctx: self.ctx,
                of: BitmaskOf::Entry {
                    kind,
                    name: &name,
                    pattern,
                },
            })?;
            let request = &mut *self.request;
            let entries = if pattern {
                &mut request.patterns
            } else {
                &mut request.resources
            };
            if !self.ctx.first_sighting(pattern, kind, &name) {
                if let Some(existing) = entries
                    .iter_mut()
                    .find(|e| e.kind == kind && e.name == *name)
                {
                    existing.permissions = permissions;
                    continue;
                }
            }
            let found = request.resources.len() + request.patterns.len() + 1;
            if found > MAX_ENTRIES {
                return Err(self.ctx.fail(ValidationError::TooLarge {
                    limit: Limit::Entries,
                    found,
                    location: "permissions".to_owned(),
                }));
            }
            let entries = if pattern {
                &mut request.patterns
            } else {
                &mut request.resources
            };
            entries.push(Resource::new(kind, name.into_owned(), permissions));
        }
        Ok(())
    }
}
