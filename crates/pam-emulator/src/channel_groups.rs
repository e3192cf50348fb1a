//! Channel groups: add and remove channels, list them, delete a group (each needs `manage`
//! on the group), and the registry subscribe reads to deliver a group's channels.
//!
//! PubNub's paths under `/v1/channel-registration/sub-key/{sub}/channel-group/{group}`:
//! `?add=a,b` adds, `?remove=a,b` removes, neither lists, and `…/{group}/remove` deletes the
//! group. Successes: `{"status":200,"message":"OK","service":"channel-registry","error":false}`;
//! a list: `{"status":200,"payload":{"channels":[…],"group":"g"},"service":"channel-registry",
//! "error":false}`. Adding to a group that does not exist creates it; removing its last
//! channel deletes it; listing a group that does not exist lists no channels.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use pam_token::Operation;

use crate::Response;
use crate::access_manager::{AccessManager, Incoming, decode_segment, shorten};
use crate::enforcement::Action;
use crate::limits::{MAX_CHANNEL_GROUPS, MAX_CHANNELS_PER_GROUP, MAX_CHANNELS_PER_GROUP_CHANGE};
use crate::routes::Endpoint;

/// The channel groups of one keyset.
#[derive(Debug, Default)]
pub(crate) struct ChannelGroups {
    groups: Mutex<HashMap<String, BTreeSet<String>>>,
}

/// Why channels could not be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Full {
    /// The group would hold more than [`MAX_CHANNELS_PER_GROUP`] channels.
    Channels { would_hold: usize },
    /// The keyset already has [`MAX_CHANNEL_GROUPS`] groups.
    Groups,
}

impl ChannelGroups {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, BTreeSet<String>>> {
        // Each update is one insert or removal: a panic elsewhere leaves the map consistent.
        self.groups.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The channels of `group`, sorted (none when it does not exist).
    pub(crate) fn channels_of(&self, group: &str) -> Vec<String> {
        self.lock()
            .get(group)
            .map(|channels| channels.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn add(&self, group: &str, channels: &[String]) -> Result<(), Full> {
        let mut groups = self.lock();
        if !groups.contains_key(group) && groups.len() >= MAX_CHANNEL_GROUPS {
            return Err(Full::Groups);
        }
        let existing = groups.get(group);
        let new = channels
            .iter()
            .filter(|channel| !existing.is_some_and(|set| set.contains(*channel)))
            .count();
        let would_hold = existing.map_or(0, BTreeSet::len) + new;
        if would_hold > MAX_CHANNELS_PER_GROUP {
            return Err(Full::Channels { would_hold });
        }
        groups
            .entry(group.to_owned())
            .or_default()
            .extend(channels.iter().cloned());
        Ok(())
    }

    fn remove(&self, group: &str, channels: &[String]) {
        let mut groups = self.lock();
        if let Some(set) = groups.get_mut(group) {
            for channel in channels {
                set.remove(channel);
            }
            if set.is_empty() {
                groups.remove(group);
            }
        }
    }

    fn delete(&self, group: &str) {
        self.lock().remove(group);
    }
}

/// What a channel-group request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    Add(Vec<String>),
    Remove(Vec<String>),
    List,
    Delete,
}

impl Change {
    fn operation(&self) -> Operation {
        match self {
            Change::Add(_) => Operation::AddChannelsToGroup,
            // Deleting a group removes all its channels: `manage`, like removing some.
            Change::Remove(_) | Change::Delete => Operation::RemoveChannelsFromGroup,
            Change::List => Operation::ListChannelsInGroup,
        }
    }
}

impl AccessManager {
    /// Answers a channel-group request: `delete_group` for the `…/remove` path.
    pub(crate) fn channel_group(
        &self,
        incoming: &Incoming<'_>,
        raw_subscribe_key: &str,
        raw_group: &str,
        delete_group: bool,
    ) -> Response {
        let endpoint = Endpoint::ChannelGroups;
        let served = match self.legacy_keyset(raw_subscribe_key) {
            Ok(served) => served,
            Err(response) => return response,
        };
        let group = match decode_segment(raw_group) {
            Some(group) if !group.is_empty() && !group.contains(',') => group,
            _ => {
                return endpoint.bad_request(
                    "Invalid channel group",
                    "The channel group path segment must be non-empty, percent-encoded UTF-8 \
                     text without a comma.",
                    "channel-group",
                    "path",
                );
            }
        };
        let change = match change_of(incoming, delete_group) {
            Ok(change) => change,
            Err(response) => return response,
        };
        if let Err(response) = self.enforce(
            incoming,
            endpoint,
            served,
            &[Action::new(change.operation(), &group)],
        ) {
            return response;
        }
        let groups = &served.state.groups;
        match change {
            Change::Add(channels) => match groups.add(&group, &channels) {
                Ok(()) => ok(),
                Err(Full::Channels { would_hold }) => endpoint.bad_request(
                    "Channel group is full",
                    &format!(
                        "The group `{}` would hold {would_hold} channels; at most \
                         {MAX_CHANNELS_PER_GROUP} are accepted.",
                        shorten(&group, 64)
                    ),
                    "add",
                    "query",
                ),
                Err(Full::Groups) => endpoint.bad_request(
                    "Too many channel groups",
                    &format!(
                        "The keyset already has {MAX_CHANNEL_GROUPS} channel groups; delete \
                         one first."
                    ),
                    "channel-group",
                    "path",
                ),
            },
            Change::Remove(channels) => {
                groups.remove(&group, &channels);
                ok()
            }
            Change::Delete => {
                groups.delete(&group);
                ok()
            }
            Change::List => {
                let body = serde_json::json!({
                    "status": 200,
                    "payload": { "channels": groups.channels_of(&group), "group": group },
                    "service": "channel-registry",
                    "error": false,
                });
                Response {
                    status: 200,
                    body: body.to_string(),
                }
            }
        }
    }
}

/// The change a request asks for, from its path and its `add` / `remove` parameters.
fn change_of(incoming: &Incoming<'_>, delete_group: bool) -> Result<Change, Response> {
    let endpoint = Endpoint::ChannelGroups;
    let add = incoming.query.get("add");
    let remove = incoming.query.get("remove");
    if delete_group {
        return Ok(Change::Delete);
    }
    let (list, name) = match (add, remove) {
        (None, None) => return Ok(Change::List),
        (Some(_), Some(_)) => {
            return Err(endpoint.bad_request(
                "Invalid query",
                "A request may add or remove channels, not both.",
                "remove",
                "query",
            ));
        }
        (Some(list), None) => (list, "add"),
        (None, Some(list)) => (list, "remove"),
    };
    let mut channels: Vec<String> = Vec::new();
    for channel in list.split(',').filter(|channel| !channel.is_empty()) {
        if !channels.iter().any(|known| known == channel) {
            channels.push(channel.to_owned());
        }
    }
    if channels.is_empty() || channels.len() > MAX_CHANNELS_PER_GROUP_CHANGE {
        return Err(endpoint.bad_request(
            "Invalid query",
            &format!(
                "The query parameter `{name}` must list 1 to {MAX_CHANNELS_PER_GROUP_CHANGE} \
                 channels, comma-separated; found {}.",
                channels.len()
            ),
            name,
            "query",
        ));
    }
    Ok(if name == "add" {
        Change::Add(channels)
    } else {
        Change::Remove(channels)
    })
}

/// The channel registry's plain success body.
fn ok() -> Response {
    Response {
        status: 200,
        body: r#"{"status":200,"message":"OK","service":"channel-registry","error":false}"#
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_bounded_and_forget_their_last_channel() {
        let groups = ChannelGroups::default();
        let many: Vec<String> = (0..=MAX_CHANNELS_PER_GROUP)
            .map(|i| i.to_string())
            .collect();
        assert_eq!(
            groups.add("g", &many),
            Err(Full::Channels {
                would_hold: MAX_CHANNELS_PER_GROUP + 1
            })
        );
        assert!(groups.channels_of("g").is_empty());
        groups
            .add("g", &["b".to_owned(), "a".to_owned()])
            .expect("fits");
        assert_eq!(groups.channels_of("g"), ["a", "b"]);
        groups.remove("g", &["a".to_owned(), "b".to_owned()]);
        assert!(groups.lock().is_empty());
    }
}
