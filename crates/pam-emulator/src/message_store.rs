//! What a keyset remembers of what was published: the history (messages, per channel) and
//! the feed (every message, signal and presence event, in timetoken order, that subscribers
//! read from). Both are bounded (see [`crate::limits`]); the oldest entries are forgotten
//! first.
//!
//! Every event gets its timetoken while the store is locked, so timetoken order is the order
//! events entered the feed: a subscriber that reads "every event after cursor `t`" sees each
//! event exactly once, in order.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::value::RawValue;
use tokio::sync::watch;

use crate::limits::{
    MAX_FEED_BYTES, MAX_FEED_EVENTS, MAX_STORED_MESSAGE_BYTES, MAX_STORED_MESSAGES,
    MAX_STORED_MESSAGES_PER_CHANNEL,
};

/// What kind of event a subscriber receives; it decides the envelope's `e` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    /// A published message (no `e`; PubNub's SDKs read a missing `e` as a message).
    Message,
    /// A signal (`e` = 1). Never stored in history.
    Signal,
    /// A presence event on a `-pnpres` channel (no `e`; the SDKs read the channel suffix).
    Presence,
}

/// One event: a message, a signal or a presence event.
#[derive(Debug)]
pub(crate) struct Event {
    pub(crate) timetoken: u64,
    pub(crate) kind: EventKind,
    /// The channel it was published on (for presence, the `-pnpres` channel).
    pub(crate) channel: Arc<str>,
    /// The publisher's user id (`None` for presence events).
    pub(crate) publisher: Option<String>,
    /// The payload, exactly as published (valid JSON).
    pub(crate) payload: Box<RawValue>,
    /// The publisher's `meta`, JSON (an object), when given.
    pub(crate) meta: Option<Box<RawValue>>,
    /// The publisher's `custom_message_type`, when given.
    pub(crate) custom_message_type: Option<String>,
}

impl Event {
    /// About how many bytes of memory the event holds.
    fn cost(&self) -> usize {
        const OVERHEAD: usize = 160;
        OVERHEAD
            + self.channel.len()
            + self.publisher.as_ref().map_or(0, String::len)
            + self.payload.get().len()
            + self.meta.as_ref().map_or(0, |meta| meta.get().len())
            + self.custom_message_type.as_ref().map_or(0, String::len)
    }
}

/// An event before its timetoken is assigned.
#[derive(Debug)]
pub(crate) struct NewEvent {
    pub(crate) kind: EventKind,
    pub(crate) channel: String,
    pub(crate) publisher: Option<String>,
    pub(crate) payload: Box<RawValue>,
    pub(crate) meta: Option<Box<RawValue>>,
    pub(crate) custom_message_type: Option<String>,
    /// Whether the event also goes into history (messages published with `store` unset or
    /// not `0`).
    pub(crate) store_in_history: bool,
}

/// The stored messages of one keyset, per channel, with a global age order for eviction.
#[derive(Debug, Default)]
struct History {
    channels: HashMap<Arc<str>, VecDeque<Arc<Event>>>,
    /// Timetoken -> channel, for every stored message: the first entry is the oldest.
    order: BTreeMap<u64, Arc<str>>,
    bytes: usize,
}

impl History {
    fn insert(&mut self, event: Arc<Event>) {
        self.bytes += event.cost();
        self.order
            .insert(event.timetoken, Arc::clone(&event.channel));
        let log = self.channels.entry(Arc::clone(&event.channel)).or_default();
        log.push_back(event);
        if log.len() > MAX_STORED_MESSAGES_PER_CHANNEL {
            if let Some(oldest) = log.pop_front() {
                self.bytes -= oldest.cost();
                self.order.remove(&oldest.timetoken);
            }
        }
        while self.order.len() > MAX_STORED_MESSAGES || self.bytes > MAX_STORED_MESSAGE_BYTES {
            let Some((timetoken, channel)) = self.order.pop_first() else {
                break;
            };
            // The globally oldest message is the oldest of its channel.
            if let Some(log) = self.channels.get_mut(&channel) {
                if log.front().is_some_and(|e| e.timetoken == timetoken) {
                    if let Some(oldest) = log.pop_front() {
                        self.bytes -= oldest.cost();
                    }
                }
                if log.is_empty() {
                    self.channels.remove(&channel);
                }
            }
        }
    }
}

/// The events subscribers read, oldest first.
#[derive(Debug, Default)]
struct Feed {
    events: VecDeque<Arc<Event>>,
    bytes: usize,
}

impl Feed {
    fn push(&mut self, event: Arc<Event>) {
        self.bytes += event.cost();
        self.events.push_back(event);
        while self.events.len() > MAX_FEED_EVENTS || self.bytes > MAX_FEED_BYTES {
            match self.events.pop_front() {
                Some(oldest) => self.bytes -= oldest.cost(),
                None => break,
            }
        }
    }
}

#[derive(Debug, Default)]
struct Stored {
    history: History,
    feed: Feed,
}

/// Which events a subscriber wants: a channel name, or a channel group's channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Interest {
    /// Channels subscribed to directly (an event's `b` is omitted).
    pub(crate) channels: Vec<String>,
    /// Channel groups with the channels each held when the interest was resolved (an
    /// event's `b` is the group's name). A `-pnpres` group holds the `-pnpres` names of its
    /// base group's channels.
    pub(crate) groups: Vec<(String, Vec<String>)>,
}

impl Interest {
    /// The subscription an event on `channel` is delivered through: `Some(None)` for a
    /// direct channel, `Some(Some(group))` through a group, `None` when not wanted.
    fn subscription(&self, channel: &str) -> Option<Option<&str>> {
        if self.channels.iter().any(|c| c == channel) {
            return Some(None);
        }
        self.groups
            .iter()
            .find(|(_, channels)| channels.iter().any(|c| c == channel))
            .map(|(group, _)| Some(group.as_str()))
    }
}

/// An event picked for one subscriber, with the subscription it came through.
#[derive(Debug)]
pub(crate) struct Delivery {
    pub(crate) event: Arc<Event>,
    pub(crate) subscription: Option<String>,
}

/// How a fetch-messages request bounds its range.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Range {
    /// Exclusive: only messages older than this.
    pub(crate) start: Option<u64>,
    /// Inclusive: only messages at or newer than this.
    pub(crate) end: Option<u64>,
}

impl Range {
    fn contains(self, timetoken: u64) -> bool {
        self.start.is_none_or(|start| timetoken < start)
            && self.end.is_none_or(|end| timetoken >= end)
    }
}

/// A keyset's history and feed, and the signal subscribers wait on.
#[derive(Debug)]
pub(crate) struct MessageStore {
    stored: Mutex<Stored>,
    /// Bumped after every event; held long-polls wait for it to change.
    changes: watch::Sender<u64>,
}

impl Default for MessageStore {
    fn default() -> Self {
        MessageStore {
            stored: Mutex::new(Stored::default()),
            changes: watch::Sender::new(0),
        }
    }
}

impl MessageStore {
    fn lock(&self) -> MutexGuard<'_, Stored> {
        // Every update is a few pushes and pops that leave the store consistent, so a
        // poisoned lock (a panic elsewhere) is no reason to stop serving.
        self.stored.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends `event` with a timetoken from `next_timetoken` (called with the store
    /// locked, so timetoken order is feed order), wakes waiting subscribers and returns
    /// the timetoken.
    pub(crate) fn append(&self, event: NewEvent, next_timetoken: impl FnOnce() -> u64) -> u64 {
        let timetoken = {
            let mut stored = self.lock();
            let timetoken = next_timetoken();
            let shared = Arc::new(Event {
                timetoken,
                kind: event.kind,
                channel: Arc::from(event.channel),
                publisher: event.publisher,
                payload: event.payload,
                meta: event.meta,
                custom_message_type: event.custom_message_type,
            });
            if event.store_in_history && event.kind == EventKind::Message {
                stored.history.insert(Arc::clone(&shared));
            }
            stored.feed.push(shared);
            timetoken
        };
        self.changes
            .send_modify(|version| *version = version.wrapping_add(1));
        timetoken
    }

    /// A receiver that sees every append made after this call.
    pub(crate) fn watch(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// The first [`crate::limits::MAX_EVENTS_PER_SUBSCRIBE`] events after `cursor` that
    /// `interest` wants, and the cursor to continue from: the last event's timetoken when
    /// any were found, else a fresh timetoken from `next_timetoken` taken with the store
    /// locked (so every later event is after it).
    pub(crate) fn after(
        &self,
        cursor: u64,
        interest: &Interest,
        limit: usize,
        next_timetoken: impl FnOnce() -> u64,
    ) -> (Vec<Delivery>, u64) {
        let stored = self.lock();
        let events = &stored.feed.events;
        let first = events.partition_point(|event| event.timetoken <= cursor);
        let mut picked = Vec::new();
        for event in events.iter().skip(first) {
            if let Some(subscription) = interest.subscription(&event.channel) {
                picked.push(Delivery {
                    event: Arc::clone(event),
                    subscription: subscription.map(str::to_owned),
                });
                if picked.len() == limit {
                    break;
                }
            }
        }
        let next = match picked.last() {
            Some(last) => last.event.timetoken,
            None => next_timetoken().max(cursor),
        };
        (picked, next)
    }

    /// The newest `max` stored messages of `channel` in `range`, oldest first.
    pub(crate) fn history(&self, channel: &str, range: Range, max: usize) -> Vec<Arc<Event>> {
        let stored = self.lock();
        let Some(log) = stored.history.channels.get(channel) else {
            return Vec::new();
        };
        let mut newest: Vec<Arc<Event>> = log
            .iter()
            .rev()
            .filter(|event| range.contains(event.timetoken))
            .take(max)
            .cloned()
            .collect();
        newest.reverse();
        newest
    }

    /// How many stored messages of `channel` are newer than `timetoken`.
    pub(crate) fn count_after(&self, channel: &str, timetoken: u64) -> usize {
        let stored = self.lock();
        stored.history.channels.get(channel).map_or(0, |log| {
            log.len() - log.partition_point(|event| event.timetoken <= timetoken)
        })
    }

    /// Deletes the stored messages of `channel` between `start` (exclusive) and `end`
    /// (inclusive), whichever is larger, as PubNub does: with only `start`, those older than
    /// it; with only `end`, those at or newer than it; with neither, all. Returns how many.
    pub(crate) fn delete(&self, channel: &str, start: Option<u64>, end: Option<u64>) -> usize {
        let doomed = |timetoken: u64| match (start, end) {
            (None, None) => true,
            (Some(start), None) => timetoken < start,
            (None, Some(end)) => timetoken >= end,
            (Some(start), Some(end)) if start <= end => timetoken > start && timetoken <= end,
            (Some(start), Some(end)) => timetoken >= end && timetoken < start,
        };
        let mut stored = self.lock();
        let Stored { history, .. } = &mut *stored;
        let Some(log) = history.channels.get_mut(channel) else {
            return 0;
        };
        let before = log.len();
        log.retain(|event| {
            if doomed(event.timetoken) {
                history.bytes -= event.cost();
                history.order.remove(&event.timetoken);
                false
            } else {
                true
            }
        });
        let deleted = before - log.len();
        if log.is_empty() {
            history.channels.remove(channel);
        }
        deleted
    }

    /// How many messages are stored in history, and how many events are in the feed.
    #[cfg(test)]
    fn sizes(&self) -> (usize, usize) {
        let stored = self.lock();
        (stored.history.order.len(), stored.feed.events.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(channel: &str, text: &str) -> NewEvent {
        NewEvent {
            kind: EventKind::Message,
            channel: channel.to_owned(),
            publisher: Some("me".to_owned()),
            payload: RawValue::from_string(format!("\"{text}\"")).expect("json"),
            meta: None,
            custom_message_type: None,
            store_in_history: true,
        }
    }

    fn counter() -> impl FnMut() -> u64 {
        let mut next = 100;
        move || {
            next += 1;
            next
        }
    }

    #[test]
    fn a_channel_keeps_its_newest_messages() {
        let store = MessageStore::default();
        let mut clock = counter();
        for i in 0..MAX_STORED_MESSAGES_PER_CHANNEL + 5 {
            store.append(message("a", &i.to_string()), &mut clock);
        }
        let kept = store.history("a", Range::default(), usize::MAX);
        assert_eq!(kept.len(), MAX_STORED_MESSAGES_PER_CHANNEL);
        assert_eq!(kept[0].payload.get(), "\"5\"");
        assert_eq!(store.sizes().0, MAX_STORED_MESSAGES_PER_CHANNEL);
    }

    #[test]
    fn ranges_and_deletes_follow_pubnub() {
        let store = MessageStore::default();
        let mut clock = counter();
        let t: Vec<u64> = (0..5)
            .map(|i| store.append(message("a", &i.to_string()), &mut clock))
            .collect();
        let pick = |range: Range| -> Vec<u64> {
            store
                .history("a", range, 10)
                .iter()
                .map(|e| e.timetoken)
                .collect()
        };
        assert_eq!(
            pick(Range {
                start: Some(t[3]),
                end: Some(t[1])
            }),
            vec![t[1], t[2]]
        );
        assert_eq!(store.history("a", Range::default(), 2).len(), 2);
        assert_eq!(store.history("a", Range::default(), 2)[1].timetoken, t[4]);
        assert_eq!(store.count_after("a", t[2]), 2);
        // Delete one message: end = its timetoken, start = end + 1 (start exclusive).
        assert_eq!(store.delete("a", Some(t[2] + 1), Some(t[2])), 1);
        assert_eq!(store.delete("a", Some(t[2] + 1), Some(t[2])), 0);
        assert_eq!(store.delete("a", Some(t[1]), Some(t[1])), 0);
        assert_eq!(pick(Range::default()), vec![t[0], t[1], t[3], t[4]]);
        assert_eq!(store.delete("a", None, None), 4);
        assert_eq!(store.sizes().0, 0);
        // The feed still has everything for live delivery.
        assert_eq!(store.sizes().1, 5);
    }

    #[test]
    fn the_feed_delivers_each_wanted_event_once_in_order() {
        let store = MessageStore::default();
        let mut clock = counter();
        let interest = Interest {
            channels: vec!["a".to_owned()],
            groups: vec![("g".to_owned(), vec!["b".to_owned()])],
        };
        for channel in ["a", "x", "b", "a"] {
            store.append(message(channel, channel), &mut clock);
        }
        let (first, cursor) = store.after(0, &interest, 2, &mut clock);
        assert_eq!(first.len(), 2);
        assert_eq!(first[0].subscription, None);
        assert_eq!(first[1].subscription.as_deref(), Some("g"));
        let (second, cursor) = store.after(cursor, &interest, 2, &mut clock);
        assert_eq!(second.len(), 1);
        assert_eq!(&*second[0].event.channel, "a");
        let (none, next) = store.after(cursor, &interest, 2, &mut clock);
        assert!(none.is_empty());
        assert!(next > cursor);
    }

    #[test]
    fn history_and_feed_are_bounded_in_total() {
        let store = MessageStore::default();
        let mut clock = counter();
        let channels = MAX_STORED_MESSAGES / MAX_STORED_MESSAGES_PER_CHANNEL + 1;
        for i in 0..MAX_STORED_MESSAGES + 10 {
            store.append(message(&format!("c{}", i % channels), "x"), &mut clock);
        }
        let (stored, feed) = store.sizes();
        assert_eq!(stored, MAX_STORED_MESSAGES);
        assert_eq!(feed, MAX_FEED_EVENTS);
        // The oldest went first: channel c0's first message (the very first) is gone.
        let c0 = store.history("c0", Range::default(), usize::MAX);
        assert!(c0[0].timetoken > 101, "{}", c0[0].timetoken);
        let locked = store.lock();
        let per_channel: usize = locked.history.channels.values().map(VecDeque::len).sum();
        assert_eq!(per_channel, MAX_STORED_MESSAGES, "index and logs agree");
        assert!(locked.history.bytes <= MAX_STORED_MESSAGE_BYTES);
        assert!(locked.feed.bytes <= MAX_FEED_BYTES);
    }

    #[test]
    fn large_messages_are_bounded_by_bytes() {
        let store = MessageStore::default();
        let mut clock = counter();
        let big = "y".repeat(30 * 1024);
        for _ in 0..3_000 {
            store.append(message("big", &big), &mut clock);
        }
        let locked = store.lock();
        assert!(locked.feed.bytes <= MAX_FEED_BYTES);
        assert!(locked.feed.events.len() < 3_000);
        assert!(locked.history.bytes <= MAX_STORED_MESSAGE_BYTES);
    }

    #[test]
    fn signals_are_delivered_but_not_stored() {
        let store = MessageStore::default();
        let mut signal = message("a", "s");
        signal.kind = EventKind::Signal;
        store.append(signal, counter());
        assert_eq!(store.sizes(), (0, 1));
    }
}
