//! What a grant asks for, and how to build one.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};

use crate::permissions::{CategoryPermissions, ResourcePermissions};
use crate::{CategoryKind, MetaValue, Permissions, Resource};

/// A grant-token request: how long, on what, for whom, with which meta.
///
/// `resources` and `patterns` keep their order; an entry with no permission bits is kept (and
/// refused by [`validate`](GrantRequest::validate) with the server's own message), never
/// dropped.
///
/// The adders ([`resource`](GrantRequest::resource), [`pattern`](GrantRequest::pattern), …)
/// merge: adding a kind and name that is already there ORs the new permissions into the first
/// entry, which keeps its place. So `channel("a").read()` then `channel("a").write()` is one
/// entry `a` with read and write, as the JSON body (an object keyed by name) can only say it
/// once anyway. Pushing to the fields directly bypasses this; `validate` then refuses the
/// duplicate. A single adder compares with the existing entries; the bulk adders
/// ([`resources`](GrantRequest::resources), [`patterns`](GrantRequest::patterns)) index them,
/// so prefer those for hundreds of entries.
///
/// ```
/// use pam_model::{permissions, GrantRequest};
///
/// let request = GrantRequest::new(60)
///     .resource(permissions::channel("chat").read())
///     .resource(permissions::channel("chat").write())
///     .pattern(permissions::user_id("^bot-.*$").get())
///     .authorized_user_id("alice")
///     .meta("role", "admin");
/// assert_eq!(request.resources.len(), 1);
/// assert_eq!(request.resources[0].permissions.to_string(), "read,write");
/// assert!(request.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GrantRequest {
    /// Lifetime in minutes (PubNub accepts 1..=43200).
    pub ttl: u32,
    /// Explicitly named resources.
    pub resources: Vec<Resource>,
    /// Regular-expression patterns (the `name` of each entry is the pattern).
    pub patterns: Vec<Resource>,
    /// Whole categories (`permissions.categories` in the body, `cat` in the token): at most
    /// one entry per category; [`validate`](GrantRequest::validate) refuses anything but
    /// `get`.
    pub categories: BTreeMap<CategoryKind, Permissions>,
    /// The only user id allowed to use the token, if any.
    pub authorized_user_id: Option<String>,
    /// Scalar meta embedded in the token.
    pub meta: BTreeMap<String, MetaValue>,
}

impl GrantRequest {
    /// A request for a token living `ttl` minutes, naming nothing yet.
    #[must_use]
    pub fn new(ttl: u32) -> Self {
        GrantRequest {
            ttl,
            ..GrantRequest::default()
        }
    }

    /// Adds a named resource: a typed builder such as `permissions::channel("a").read()`, a
    /// boxed `dyn ResourcePermissions`, or a [`Resource`]. Merges with an existing entry of
    /// the same kind and name.
    #[must_use]
    pub fn resource(mut self, entry: impl Into<Resource>) -> Self {
        self.add_resource(entry);
        self
    }

    /// Adds a pattern entry: the entry's name is a regular expression. Merges like
    /// [`resource`](GrantRequest::resource).
    #[must_use]
    pub fn pattern(mut self, entry: impl Into<Resource>) -> Self {
        self.add_pattern(entry);
        self
    }

    /// Adds every entry of `entries` as a named resource, in order.
    #[must_use]
    pub fn resources<I>(mut self, entries: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Resource>,
    {
        merge_all(&mut self.resources, entries.into_iter().map(Into::into));
        self
    }

    /// Adds every entry of `entries` as a pattern, in order.
    #[must_use]
    pub fn patterns<I>(mut self, entries: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Resource>,
    {
        merge_all(&mut self.patterns, entries.into_iter().map(Into::into));
        self
    }

    /// Adds a category, e.g. `permissions::channels_category().get()`; a category already
    /// there gets the new permissions ORed in.
    ///
    /// ```
    /// use pam_model::{permissions, CategoryKind, GrantRequest, Permissions};
    ///
    /// let request = GrantRequest::new(60).category(permissions::uuids_category().get());
    /// assert_eq!(request.categories[&CategoryKind::Uuids], Permissions::GET);
    /// assert!(request.validate().is_ok(), "a categories-only grant is valid");
    /// ```
    #[must_use]
    pub fn category(mut self, entry: impl AsRef<CategoryPermissions>) -> Self {
        let entry = entry.as_ref();
        self.add_category(entry.kind(), entry.permissions());
        self
    }

    /// Adds every category of `entries`, e.g.
    /// `&[permissions::channels_category().get(), permissions::uuids_category().get()]`.
    #[must_use]
    pub fn categories<I>(mut self, entries: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<CategoryPermissions>,
    {
        for entry in entries {
            let entry = entry.as_ref();
            self.add_category(entry.kind(), entry.permissions());
        }
        self
    }

    /// Adds `permissions` on category `kind` in place (ORed into what is there). Takes any
    /// bits, so that a request can also describe what a body carried; `validate` refuses
    /// anything but `get`.
    pub fn add_category(&mut self, kind: CategoryKind, permissions: impl Into<Permissions>) {
        *self.categories.entry(kind).or_insert(Permissions::NONE) |= permissions.into();
    }

    /// Restricts the token to one user id.
    #[must_use]
    pub fn authorized_user_id(mut self, user_id: impl Into<String>) -> Self {
        self.authorized_user_id = Some(user_id.into());
        self
    }

    /// Sets a meta entry (replacing an earlier value for the same key).
    #[must_use]
    pub fn meta(mut self, key: impl Into<String>, value: impl Into<MetaValue>) -> Self {
        self.meta.insert(key.into(), value.into());
        self
    }

    /// Adds a named resource in place; see [`resource`](GrantRequest::resource).
    pub fn add_resource(&mut self, entry: impl Into<Resource>) {
        merge_into(&mut self.resources, entry.into());
    }

    /// Adds a pattern in place; see [`pattern`](GrantRequest::pattern).
    pub fn add_pattern(&mut self, entry: impl Into<Resource>) {
        merge_into(&mut self.patterns, entry.into());
    }
}

/// ORs `entry` into the entry of the same kind and name, or appends it.
fn merge_into(entries: &mut Vec<Resource>, entry: Resource) {
    match entries
        .iter_mut()
        .find(|e| e.kind == entry.kind && e.name == entry.name)
    {
        Some(existing) => existing.permissions |= entry.permissions,
        None => entries.push(entry),
    }
}

/// [`merge_into`] for many entries, with an index of the entries by kind and name so that
/// adding n entries costs O(n) rather than O(n²).
fn merge_all(entries: &mut Vec<Resource>, new: impl Iterator<Item = Resource>) {
    let hasher = RandomState::new();
    let key = |entry: &Resource| hasher.hash_one((entry.kind, entry.name.as_str()));
    let mut index: HashMap<u64, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, entry)| (key(entry), i))
        .collect();
    for entry in new {
        let hash = key(&entry);
        match index.get(&hash) {
            Some(&i) if entries[i].kind == entry.kind && entries[i].name == entry.name => {
                entries[i].permissions |= entry.permissions;
            }
            // Two names with one hash: fall back to comparing them all.
            Some(_) => merge_into(entries, entry),
            None => {
                index.insert(hash, entries.len());
                entries.push(entry);
            }
        }
    }
}

impl From<&dyn ResourcePermissions> for Resource {
    fn from(entry: &dyn ResourcePermissions) -> Resource {
        entry.to_resource()
    }
}

impl From<Box<dyn ResourcePermissions>> for Resource {
    fn from(entry: Box<dyn ResourcePermissions>) -> Resource {
        entry.to_resource()
    }
}

/// Lets a slice of mixed builders be added by reference:
/// `request.resources(&entries)` with `entries: Vec<Box<dyn ResourcePermissions>>`.
impl From<&Box<dyn ResourcePermissions>> for Resource {
    fn from(entry: &Box<dyn ResourcePermissions>) -> Resource {
        entry.to_resource()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Permissions, ResourceKind, permissions};

    #[test]
    fn adders_merge_same_kind_and_name_in_first_place() {
        let request = GrantRequest::new(5)
            .resource(permissions::channel("a").read())
            .resource(permissions::user_id("a").get())
            .resource(permissions::channel("b").join())
            .resource(permissions::channel("a").write());
        let names: Vec<(ResourceKind, &str, u8)> = request
            .resources
            .iter()
            .map(|r| (r.kind, r.name.as_str(), r.permissions.bits()))
            .collect();
        assert_eq!(
            names,
            [
                (ResourceKind::Channel, "a", 3),
                (ResourceKind::UserId, "a", 32),
                (ResourceKind::Channel, "b", 128),
            ]
        );
    }

    #[test]
    fn bulk_adders_merge_like_single_adders() {
        let one_by_one = (0..300).fold(GrantRequest::new(5), |r, i| {
            r.resource(permissions::channel((i % 120).to_string()).read())
                .resource(permissions::user_id((i % 7).to_string()).get())
                .resource(permissions::channel((i % 50).to_string()).write())
        });
        let bulk = GrantRequest::new(5)
            .resource(permissions::channel("0").join())
            .resources((0..300).flat_map(|i| {
                [
                    Resource::new(
                        ResourceKind::Channel,
                        (i % 120).to_string(),
                        Permissions::READ,
                    ),
                    Resource::new(ResourceKind::UserId, (i % 7).to_string(), Permissions::GET),
                    Resource::new(
                        ResourceKind::Channel,
                        (i % 50).to_string(),
                        Permissions::WRITE,
                    ),
                ]
            }));
        let mut expected = one_by_one.resources.clone();
        expected[0].permissions |= Permissions::JOIN;
        assert_eq!(bulk.resources, expected);
        assert_eq!(bulk.resources.len(), 127);
    }

    #[test]
    fn resources_and_patterns_are_separate() {
        let request = GrantRequest::new(5)
            .resource(permissions::channel("a").read())
            .pattern(permissions::channel("a").write());
        assert_eq!(request.resources[0].permissions, Permissions::READ);
        assert_eq!(request.patterns[0].permissions, Permissions::WRITE);
    }

    #[test]
    fn mixed_slices_and_plain_resources_are_accepted() {
        let entries: Vec<Box<dyn ResourcePermissions>> = vec![
            permissions::channel("c").read(),
            permissions::channel_group("g").manage(),
        ];
        let request = GrantRequest::new(5)
            .resources(&entries)
            .patterns(entries)
            .resource(Resource::new(ResourceKind::UserId, "u", Permissions::NONE));
        assert_eq!(request.resources.len(), 3);
        assert_eq!(request.patterns.len(), 2);
        assert_eq!(request.resources[2].permissions, Permissions::NONE);
    }

    #[test]
    fn meta_accepts_scalars_and_last_value_wins() {
        let request = GrantRequest::new(5)
            .meta("s", "x")
            .meta("owned", String::from("y"))
            .meta("i64", -5_i64)
            .meta("i32", 7_i32)
            .meta("u32", u32::MAX)
            .meta("f", 1.5)
            .meta("b", true)
            .meta("s", "z");
        assert_eq!(request.meta["s"], MetaValue::String("z".into()));
        assert_eq!(request.meta["u32"], MetaValue::Integer(4_294_967_295));
        assert_eq!(request.meta["i32"], MetaValue::Integer(7));
        assert_eq!(request.meta["f"], MetaValue::Float(1.5));
        assert_eq!(request.meta["b"], MetaValue::Bool(true));
        assert_eq!(request.meta.len(), 7);
    }
}
