//! The App Context objects and memberships the emulator keeps: in memory, bounded over all
//! keysets by [`MAX_APP_CONTEXT_OBJECTS`] and [`MAX_APP_CONTEXT_MEMBERSHIPS`].

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::limits::{MAX_APP_CONTEXT_MEMBERSHIPS, MAX_APP_CONTEXT_OBJECTS};

/// Channel metadata or uuid metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ObjectKind {
    Channel,
    Uuid,
}

impl ObjectKind {
    /// The text fields an object of this kind has, in the order responses list them.
    pub(crate) const fn fields(self) -> &'static [&'static str] {
        match self {
            ObjectKind::Channel => &["name", "description", "status", "type"],
            ObjectKind::Uuid => &[
                "name",
                "externalId",
                "profileUrl",
                "email",
                "status",
                "type",
            ],
        }
    }

    /// `channel` or `uuid`, for messages.
    pub(crate) const fn noun(self) -> &'static str {
        match self {
            ObjectKind::Channel => "channel",
            ObjectKind::Uuid => "uuid",
        }
    }
}

/// What a set (PATCH) gives: text fields and `custom`; an absent or `null` field keeps its
/// value.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Changes {
    pub(crate) fields: BTreeMap<&'static str, String>,
    /// `custom` as compact JSON text (an object of scalars), kept as text so that what it
    /// costs in memory is what the bound on its length says.
    pub(crate) custom: Option<String>,
}

/// One stored object or membership: text fields, `custom`, and when it last changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Stored {
    pub(crate) fields: BTreeMap<&'static str, String>,
    /// Compact JSON text of an object.
    pub(crate) custom: Option<String>,
    /// ISO 8601 UTC with microseconds, as PubNub writes `updated`.
    pub(crate) updated: String,
}

impl Stored {
    fn apply(&mut self, changes: Changes, updated: &str) {
        self.fields.extend(changes.fields);
        if changes.custom.is_some() {
            self.custom = changes.custom;
        }
        updated.clone_into(&mut self.updated);
    }
}

/// Why a change was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Full {
    Objects,
    Memberships,
}

/// The objects and memberships of one keyset.
#[derive(Debug, Default)]
pub(crate) struct KeysetObjects {
    pub(crate) channels: BTreeMap<String, Stored>,
    pub(crate) uuids: BTreeMap<String, Stored>,
    /// uuid -> channel -> membership.
    pub(crate) memberships: BTreeMap<String, BTreeMap<String, Stored>>,
}

impl KeysetObjects {
    pub(crate) fn objects(&self, kind: ObjectKind) -> &BTreeMap<String, Stored> {
        match kind {
            ObjectKind::Channel => &self.channels,
            ObjectKind::Uuid => &self.uuids,
        }
    }

    fn objects_mut(&mut self, kind: ObjectKind) -> &mut BTreeMap<String, Stored> {
        match kind {
            ObjectKind::Channel => &mut self.channels,
            ObjectKind::Uuid => &mut self.uuids,
        }
    }
}

/// Every keyset's App Context, behind one lock, with the totals the bounds apply to.
#[derive(Debug, Default)]
pub(crate) struct AppContextStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// By keyset index.
    keysets: BTreeMap<usize, KeysetObjects>,
    objects: usize,
    memberships: usize,
}

/// The store locked for one request.
#[derive(Debug)]
pub(crate) struct Locked<'s> {
    guard: MutexGuard<'s, Inner>,
    keyset: usize,
}

impl AppContextStore {
    /// Locks the store for keyset `keyset`. A panic while holding the lock cannot leave a
    /// half-made change (every change is checked before it is made), so a poisoned lock is
    /// taken over.
    pub(crate) fn lock(&self, keyset: usize) -> Locked<'_> {
        Locked {
            guard: self.inner.lock().unwrap_or_else(PoisonError::into_inner),
            keyset,
        }
    }
}

impl Locked<'_> {
    /// This keyset's objects (empty when it has none).
    pub(crate) fn view(&mut self) -> &KeysetObjects {
        self.guard.keysets.entry(self.keyset).or_default()
    }

    /// Creates or updates an object; the stored object after the change.
    pub(crate) fn set_object(
        &mut self,
        kind: ObjectKind,
        id: &str,
        changes: Changes,
        updated: &str,
    ) -> Result<Stored, Full> {
        let inner = &mut *self.guard;
        let objects = inner
            .keysets
            .entry(self.keyset)
            .or_default()
            .objects_mut(kind);
        if let Some(stored) = objects.get_mut(id) {
            stored.apply(changes, updated);
            return Ok(stored.clone());
        }
        if inner.objects >= MAX_APP_CONTEXT_OBJECTS {
            return Err(Full::Objects);
        }
        let mut stored = Stored::default();
        stored.apply(changes, updated);
        objects.insert(id.to_owned(), stored.clone());
        inner.objects += 1;
        Ok(stored)
    }

    /// Removes an object and the memberships that name it; whether it existed.
    pub(crate) fn remove_object(&mut self, kind: ObjectKind, id: &str) -> bool {
        let inner = &mut *self.guard;
        let keyset = inner.keysets.entry(self.keyset).or_default();
        let existed = keyset.objects_mut(kind).remove(id).is_some();
        if existed {
            inner.objects -= 1;
        }
        let removed = match kind {
            ObjectKind::Uuid => keyset.memberships.remove(id).map_or(0, |m| m.len()),
            ObjectKind::Channel => keyset
                .memberships
                .values_mut()
                .map(|channels| usize::from(channels.remove(id).is_some()))
                .sum(),
        };
        keyset
            .memberships
            .retain(|_, channels| !channels.is_empty());
        inner.memberships -= removed;
        existed
    }

    /// Sets memberships `set` and removes `delete` for `uuid`, all or nothing.
    pub(crate) fn set_memberships(
        &mut self,
        uuid: &str,
        set: Vec<(String, Changes)>,
        delete: &[String],
        updated: &str,
    ) -> Result<(), Full> {
        let inner = &mut *self.guard;
        let keyset = inner.keysets.entry(self.keyset).or_default();
        let current = keyset.memberships.get(uuid);
        let has = |channel: &str| current.is_some_and(|m| m.contains_key(channel));
        let mut new_channels: Vec<&str> = set
            .iter()
            .map(|(channel, _)| channel.as_str())
            .filter(|channel| !has(channel) && !delete.iter().any(|d| d == channel))
            .collect();
        new_channels.sort_unstable();
        new_channels.dedup();
        let added = new_channels.len();
        let mut deleted: Vec<&str> = delete
            .iter()
            .map(String::as_str)
            .filter(|channel| has(channel))
            .collect();
        deleted.sort_unstable();
        deleted.dedup();
        let removed = deleted.len();
        if inner.memberships - removed + added > MAX_APP_CONTEXT_MEMBERSHIPS {
            return Err(Full::Memberships);
        }
        let channels = keyset.memberships.entry(uuid.to_owned()).or_default();
        for channel in delete {
            channels.remove(channel);
        }
        for (channel, changes) in set {
            if delete.contains(&channel) {
                continue;
            }
            channels.entry(channel).or_default().apply(changes, updated);
        }
        if channels.is_empty() {
            keyset.memberships.remove(uuid);
        }
        inner.memberships = inner.memberships - removed + added;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> Changes {
        Changes {
            fields: BTreeMap::from([("name", name.to_owned())]),
            custom: None,
        }
    }

    #[test]
    fn objects_are_bounded_over_all_keysets() {
        let store = AppContextStore::default();
        for i in 0..MAX_APP_CONTEXT_OBJECTS {
            let mut locked = store.lock(i % 3);
            locked
                .set_object(ObjectKind::Channel, &i.to_string(), named("n"), "t")
                .unwrap();
        }
        let mut other = store.lock(7);
        assert_eq!(
            other.set_object(ObjectKind::Uuid, "u", named("n"), "t"),
            Err(Full::Objects)
        );
        // Updating an existing object needs no room; removing one makes room.
        drop(other);
        let mut first = store.lock(0);
        assert!(
            first
                .set_object(ObjectKind::Channel, "0", named("m"), "t")
                .is_ok()
        );
        assert!(first.remove_object(ObjectKind::Channel, "0"));
        assert!(
            first
                .set_object(ObjectKind::Uuid, "u", named("n"), "t")
                .is_ok()
        );
    }

    #[test]
    fn memberships_are_counted_and_removed_with_their_objects() {
        let store = AppContextStore::default();
        let mut locked = store.lock(0);
        let set = |channels: &[&str]| -> Vec<(String, Changes)> {
            channels
                .iter()
                .map(|c| ((*c).to_owned(), Changes::default()))
                .collect()
        };
        locked
            .set_memberships("u", set(&["a", "b", "b"]), &[], "t")
            .unwrap();
        assert_eq!(locked.guard.memberships, 2);
        locked
            .set_memberships("u", set(&["c"]), &["a".to_owned()], "t")
            .unwrap();
        assert_eq!(locked.guard.memberships, 2);
        // A channel deleted twice in one request counts once.
        locked
            .set_memberships("u", set(&["d"]), &["d".to_owned(), "d".to_owned()], "t")
            .unwrap();
        locked.set_memberships("u", set(&["d"]), &[], "t").unwrap();
        locked
            .set_memberships("u", vec![], &["d".to_owned(), "d".to_owned()], "t")
            .unwrap();
        assert_eq!(locked.guard.memberships, 2);
        assert!(!locked.remove_object(ObjectKind::Channel, "b"));
        assert_eq!(locked.guard.memberships, 1);
        locked.remove_object(ObjectKind::Uuid, "u");
        assert_eq!(locked.guard.memberships, 0);
        assert!(locked.view().memberships.is_empty());
    }
}
