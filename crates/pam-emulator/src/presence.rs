//! Presence: who is subscribed where. Subscribers join the channels they subscribe to
//! (directly or through a group); heartbeat keeps them present, leave removes them, and
//! entries not renewed within their timeout expire. Each change publishes PubNub's presence
//! event (`{"action":"join"|"leave"|"timeout","uuid":…,"occupancy":n,"timestamp":secs}`) on
//! the channel's `-pnpres` channel, and here-now reports occupancy and user ids.
//!
//! Endpoints (each needs `read` on every channel, and on every channel group, it names):
//! - here-now `GET /v2/presence/sub-key/{sub}/channel/{channels}`: for one channel and no
//!   group `{"status":200,"message":"OK","occupancy":n,"uuids":[…],"service":"Presence"}`,
//!   otherwise `{"status":200,"message":"OK","payload":{"channels":{"ch":{"occupancy":n,
//!   "uuids":[…]}},"total_channels":n,"total_occupancy":n},"service":"Presence"}`;
//!   `disable_uuids=1` leaves the user ids out.
//! - heartbeat `…/channel/{channels}/heartbeat?heartbeat=secs`:
//!   `{"status":200,"message":"OK","service":"Presence"}`.
//! - leave `…/channel/{channels}/leave`:
//!   `{"status":200,"message":"OK","action":"leave","service":"Presence"}`.
//!
//! Expired entries are swept when presence is next read or changed (any subscribe,
//! heartbeat, leave or here-now of the keyset), not by a timer.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use pam_token::Operation;
use serde_json::value::RawValue;

use crate::Response;
use crate::access_manager::{AccessManager, Incoming, ServedKeyset};
use crate::enforcement::Action;
use crate::limits::{
    DEFAULT_PRESENCE_TIMEOUT_SECS, MAX_PRESENCE_ENTRIES, MAX_PRESENCE_TIMEOUT_SECS,
    MIN_PRESENCE_TIMEOUT_SECS,
};
use crate::message_store::{EventKind, MessageStore, NewEvent};
use crate::rest_request::{flag_param, number_param};
use crate::routes::Endpoint;

/// The suffix of presence channels.
pub(crate) const PRESENCE_SUFFIX: &str = "-pnpres";

/// Present user ids per channel, with the Unix second their presence expires.
#[derive(Debug, Default)]
struct Present {
    channels: HashMap<String, BTreeMap<String, u64>>,
    entries: usize,
}

/// The presence of one keyset.
#[derive(Debug, Default)]
pub(crate) struct Presence {
    present: Mutex<Present>,
}

/// A presence change to publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PresenceAction {
    Join,
    Leave,
    Timeout,
}

impl PresenceAction {
    fn name(self) -> &'static str {
        match self {
            PresenceAction::Join => "join",
            PresenceAction::Leave => "leave",
            PresenceAction::Timeout => "timeout",
        }
    }
}

/// Publishes the presence event of `action` by `user_id` on `channel`'s presence channel.
fn announce(
    store: &MessageStore,
    next_timetoken: &dyn Fn() -> u64,
    now: u64,
    channel: &str,
    user_id: &str,
    action: PresenceAction,
    occupancy: usize,
) {
    let body = serde_json::json!({
        "action": action.name(),
        "uuid": user_id,
        "occupancy": occupancy,
        "timestamp": now,
    });
    // A `serde_json::Value` always serializes to valid JSON.
    let Ok(payload) = RawValue::from_string(body.to_string()) else {
        return;
    };
    store.append(
        NewEvent {
            kind: EventKind::Presence,
            channel: format!("{channel}{PRESENCE_SUFFIX}"),
            publisher: None,
            payload,
            meta: None,
            custom_message_type: None,
            store_in_history: false,
        },
        next_timetoken,
    );
}

impl Presence {
    fn lock(&self) -> MutexGuard<'_, Present> {
        // Updates are single inserts and removals: a panic elsewhere leaves it consistent.
        self.present.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks `user_id` present on `channels` (presence channels excepted) until
    /// `expires_at`, announcing a join on each channel it was not present on. When
    /// [`MAX_PRESENCE_ENTRIES`] are kept, new entries are not recorded.
    pub(crate) fn join(
        &self,
        store: &MessageStore,
        next_timetoken: &dyn Fn() -> u64,
        now: u64,
        user_id: &str,
        channels: &[String],
        expires_at: u64,
    ) {
        let mut present = self.lock_swept(store, next_timetoken, now);
        for channel in channels.iter().filter(|c| !c.ends_with(PRESENCE_SUFFIX)) {
            let full = present.entries >= MAX_PRESENCE_ENTRIES;
            let users = present.channels.entry(channel.clone()).or_default();
            match users.get_mut(user_id) {
                Some(expiry) => *expiry = (*expiry).max(expires_at),
                None if full => {
                    if users.is_empty() {
                        present.channels.remove(channel);
                    }
                }
                None => {
                    users.insert(user_id.to_owned(), expires_at);
                    let occupancy = users.len();
                    present.entries += 1;
                    announce(
                        store,
                        next_timetoken,
                        now,
                        channel,
                        user_id,
                        PresenceAction::Join,
                        occupancy,
                    );
                }
            }
        }
    }

    /// Removes `user_id` from `channels`, announcing a leave where it was present.
    fn leave(
        &self,
        store: &MessageStore,
        next_timetoken: &dyn Fn() -> u64,
        now: u64,
        user_id: &str,
        channels: &[String],
    ) {
        let mut present = self.lock_swept(store, next_timetoken, now);
        for channel in channels {
            let Some(users) = present.channels.get_mut(channel) else {
                continue;
            };
            if users.remove(user_id).is_some() {
                let occupancy = users.len();
                if users.is_empty() {
                    present.channels.remove(channel);
                }
                present.entries -= 1;
                announce(
                    store,
                    next_timetoken,
                    now,
                    channel,
                    user_id,
                    PresenceAction::Leave,
                    occupancy,
                );
            }
        }
    }

    /// Each of `channels` with the user ids present on it, sorted, after sweeping expired
    /// entries once.
    fn here_now(
        &self,
        store: &MessageStore,
        next_timetoken: &dyn Fn() -> u64,
        now: u64,
        channels: Vec<String>,
    ) -> Vec<(String, Vec<String>)> {
        let present = self.lock_swept(store, next_timetoken, now);
        channels
            .into_iter()
            .map(|channel| {
                let users = present
                    .channels
                    .get(&channel)
                    .map(|users| users.keys().cloned().collect())
                    .unwrap_or_default();
                (channel, users)
            })
            .collect()
    }

    /// The entries, locked, once those that expired before `now` are forgotten (announcing a
    /// timeout for each): where join, leave and here-now all start.
    fn lock_swept(
        &self,
        store: &MessageStore,
        next_timetoken: &dyn Fn() -> u64,
        now: u64,
    ) -> MutexGuard<'_, Present> {
        let mut present = self.lock();
        self.sweep_locked(&mut present, store, next_timetoken, now);
        present
    }

    /// Forgets entries that expired before `now`, announcing a timeout for each.
    fn sweep_locked(
        &self,
        present: &mut Present,
        store: &MessageStore,
        next_timetoken: &dyn Fn() -> u64,
        now: u64,
    ) {
        let mut emptied = Vec::new();
        let mut removed = 0;
        for (channel, users) in &mut present.channels {
            let expired: Vec<String> = users
                .iter()
                .filter(|(_, expiry)| **expiry <= now)
                .map(|(user, _)| user.clone())
                .collect();
            for user in expired {
                users.remove(&user);
                removed += 1;
                announce(
                    store,
                    next_timetoken,
                    now,
                    channel,
                    &user,
                    PresenceAction::Timeout,
                    users.len(),
                );
            }
            if users.is_empty() {
                emptied.push(channel.clone());
            }
        }
        for channel in emptied {
            present.channels.remove(&channel);
        }
        present.entries -= removed;
    }
}

/// A `heartbeat` query value as a presence timeout, within the accepted range.
pub(crate) fn presence_timeout(heartbeat: Option<u64>) -> u64 {
    heartbeat
        .unwrap_or(DEFAULT_PRESENCE_TIMEOUT_SECS)
        .clamp(MIN_PRESENCE_TIMEOUT_SECS, MAX_PRESENCE_TIMEOUT_SECS)
}

/// Which presence endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PresenceCall {
    HereNow,
    Heartbeat,
    Leave,
}

impl AccessManager {
    /// `channels`, then the channels of `groups` (each group's channels, in order) that are
    /// not already there: where a subscribe or presence request is present.
    pub(crate) fn channels_with_group_channels(
        &self,
        served: &ServedKeyset,
        channels: &[String],
        groups: &[String],
    ) -> Vec<String> {
        let mut all = channels.to_vec();
        for group in groups {
            for channel in served.state.groups.channels_of(group) {
                if !all.contains(&channel) {
                    all.push(channel);
                }
            }
        }
        all
    }

    /// `channel_operation` on every channel and `subscribe` (via group) on every group: what
    /// a subscribe or presence request needs.
    pub(crate) fn enforce_on_channels_and_groups(
        &self,
        incoming: &Incoming<'_>,
        endpoint: Endpoint,
        served: &ServedKeyset,
        channel_operation: Operation,
        channels: &[String],
        groups: &[String],
    ) -> Result<(), Response> {
        let actions: Vec<Action<'_>> = channels
            .iter()
            .map(|channel| Action::new(channel_operation, channel))
            .chain(
                groups
                    .iter()
                    .map(|group| Action::new(Operation::SubscribeViaGroup, group)),
            )
            .collect();
        self.enforce(incoming, endpoint, served, &actions)
    }

    /// Answers here-now, heartbeat or leave.
    pub(crate) fn presence(
        &self,
        incoming: &Incoming<'_>,
        call: PresenceCall,
        raw_subscribe_key: &str,
        raw_channels: &str,
    ) -> Response {
        let endpoint = Endpoint::Presence;
        let (served, channels, groups) = match self.keyset_channels_and_groups(
            endpoint,
            incoming,
            raw_subscribe_key,
            raw_channels,
            "Name at least one channel in the path or one group in `channel-group`.",
        ) {
            Ok(found) => found,
            Err(response) => return response,
        };
        let channel_operation = if call == PresenceCall::HereNow {
            Operation::HereNow
        } else {
            Operation::Subscribe
        };
        if let Err(response) = self.enforce_on_channels_and_groups(
            incoming,
            endpoint,
            served,
            channel_operation,
            &channels,
            &groups,
        ) {
            return response;
        }
        let targets = self.channels_with_group_channels(served, &channels, &groups);
        let now = self.clock.now_secs();
        let next_timetoken = || self.clock.next_timetoken();
        let store = &served.state.messages;
        let presence = &served.state.presence;
        match call {
            PresenceCall::Heartbeat => {
                let timeout = match number_param(endpoint, incoming, "heartbeat") {
                    Ok(heartbeat) => presence_timeout(heartbeat),
                    Err(response) => return response,
                };
                presence.join(
                    store,
                    &next_timetoken,
                    now,
                    &incoming.user_id,
                    &targets,
                    now + timeout,
                );
                Response {
                    status: 200,
                    body: r#"{"status":200,"message":"OK","service":"Presence"}"#.to_owned(),
                }
            }
            PresenceCall::Leave => {
                presence.leave(store, &next_timetoken, now, &incoming.user_id, &targets);
                Response {
                    status: 200,
                    body: r#"{"status":200,"message":"OK","action":"leave","service":"Presence"}"#
                        .to_owned(),
                }
            }
            PresenceCall::HereNow => {
                let with_uuids = match flag_param(endpoint, incoming, "disable_uuids", false) {
                    Ok(disabled) => !disabled,
                    Err(response) => return response,
                };
                let occupants = presence.here_now(store, &next_timetoken, now, targets);
                here_now_body(
                    &occupants,
                    channels.len() == 1 && groups.is_empty(),
                    with_uuids,
                )
            }
        }
    }
}

/// PubNub's here-now body: the single-channel shape when `single`, else the payload shape.
fn here_now_body(occupants: &[(String, Vec<String>)], single: bool, with_uuids: bool) -> Response {
    let body = if single {
        let (_, users) = &occupants[0];
        let mut body = serde_json::json!({
            "status": 200,
            "message": "OK",
            "occupancy": users.len(),
            "service": "Presence",
        });
        if with_uuids {
            body["uuids"] = users.clone().into();
        }
        body
    } else {
        let mut channels = serde_json::Map::new();
        let mut total = 0;
        for (channel, users) in occupants {
            total += users.len();
            let mut entry = serde_json::json!({ "occupancy": users.len() });
            if with_uuids {
                entry["uuids"] = users.clone().into();
            }
            channels.insert(channel.clone(), entry);
        }
        serde_json::json!({
            "status": 200,
            "message": "OK",
            "payload": {
                "channels": channels,
                "total_channels": occupants.len(),
                "total_occupancy": total,
            },
            "service": "Presence",
        })
    };
    Response {
        status: 200,
        body: body.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message_store::Interest;

    #[test]
    fn joins_leaves_and_timeouts_are_announced_once() {
        let store = MessageStore::default();
        let presence = Presence::default();
        let counter = std::sync::atomic::AtomicU64::new(10);
        let next = || counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let room = ["room".to_owned()];
        presence.join(&store, &next, 100, "ann", &room, 200);
        presence.join(&store, &next, 100, "ann", &room, 200);
        presence.join(&store, &next, 100, "bob", &room, 150);
        let here_now = |now| {
            presence
                .here_now(&store, &next, now, room.to_vec())
                .remove(0)
                .1
        };
        assert_eq!(here_now(120), ["ann", "bob"]);
        // bob's presence expires at 150.
        assert_eq!(here_now(160), ["ann"]);
        presence.leave(&store, &next, 170, "ann", &room);
        assert!(here_now(170).is_empty());
        assert_eq!(presence.lock().entries, 0);
        let interest = Interest {
            channels: vec!["room-pnpres".to_owned()],
            groups: vec![],
        };
        let (events, _) = store.after(0, &interest, 100, next);
        let actions: Vec<String> = events
            .iter()
            .map(|d| {
                let v: serde_json::Value = serde_json::from_str(d.event.payload.get()).unwrap();
                format!("{}:{}:{}", v["action"], v["uuid"], v["occupancy"])
            })
            .collect();
        assert_eq!(
            actions,
            [
                r#""join":"ann":1"#,
                r#""join":"bob":2"#,
                r#""timeout":"bob":1"#,
                r#""leave":"ann":0"#
            ]
        );
    }

    #[test]
    fn timeouts_are_clamped() {
        assert_eq!(presence_timeout(None), DEFAULT_PRESENCE_TIMEOUT_SECS);
        assert_eq!(presence_timeout(Some(1)), MIN_PRESENCE_TIMEOUT_SECS);
        assert_eq!(presence_timeout(Some(u64::MAX)), MAX_PRESENCE_TIMEOUT_SECS);
    }
}
