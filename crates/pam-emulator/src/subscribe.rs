//! Subscribe v2: `GET /v2/subscribe/{sub}/{channels}/0` with `tt`, `tr`, `channel-group`,
//! `heartbeat`, `uuid`, `auth`.
//!
//! The request needs `read` on every channel it names (presence channels `x-pnpres`
//! included, by that name) and on every channel group in `channel-group`. The handshake
//! (`tt` absent or `0`) answers at once with the current cursor; a later request answers as
//! soon as an event after its cursor exists on one of its channels (or on a channel of one
//! of its groups), and otherwise is held, at most the configured hold time, until one
//! arrives. The answer is PubNub's envelope:
//! `{"t":{"t":"<cursor>","r":1},"m":[{"a":"0","f":0,"i":"<publisher>","p":{"t":"<timetoken>",
//! "r":1},"k":"<sub>","c":"<channel>","d":<payload>,…}]}` with `b` (the group) for an event
//! delivered through a group, `e`: 1 for a signal, `u` for `meta` and `cmt` for a custom
//! message type. The returned cursor is the last delivered event's timetoken, so each event
//! reaches a subscriber once per cursor, in timetoken order.
//!
//! A held request never occupies a thread: it waits on the keyset's change signal, the hold
//! deadline and the emulator's shutdown signal, whichever comes first. At most
//! [`MAX_HELD_POLLS`] are held at once; one more is answered `429`. `filter-expr` is refused
//! with a `400` (the emulator does not evaluate filter expressions).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pam_token::Operation;
use serde::Serialize;
use serde_json::value::RawValue;
use tokio::sync::watch;

use crate::Response;
use crate::access_manager::{AccessManager, Incoming, ServedKeyset};
use crate::limits::{MAX_EVENTS_PER_SUBSCRIBE, MAX_HELD_POLLS};
use crate::message_store::{Delivery, EventKind, Interest};
use crate::presence::{PRESENCE_SUFFIX, presence_timeout};
use crate::rest_request::number_param;
use crate::routes::Endpoint;

/// The held long-polls of an Access Manager: how long each may be held, how many are, and
/// the signal that ends them all at shutdown.
#[derive(Debug)]
pub(crate) struct HeldPolls {
    hold: Duration,
    held: Arc<AtomicUsize>,
    closing: watch::Sender<bool>,
}

impl HeldPolls {
    pub(crate) fn new(hold: Duration) -> Self {
        HeldPolls {
            hold,
            held: Arc::new(AtomicUsize::new(0)),
            closing: watch::Sender::new(false),
        }
    }

    /// Reserves a place for one more held poll, unless [`MAX_HELD_POLLS`] are held.
    fn reserve(&self) -> Option<HoldPlace> {
        let reserved = self
            .held
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
                (held < MAX_HELD_POLLS).then_some(held + 1)
            })
            .is_ok();
        reserved.then(|| HoldPlace {
            held: Arc::clone(&self.held),
        })
    }
}

/// One held poll's place in the count; released on drop.
#[derive(Debug)]
struct HoldPlace {
    held: Arc<AtomicUsize>,
}

impl Drop for HoldPlace {
    fn drop(&mut self) {
        self.held.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A subscribe request that found nothing to deliver and waits for an event.
#[derive(Debug)]
pub(crate) struct HeldPoll {
    keyset: usize,
    cursor: u64,
    channels: Vec<String>,
    groups: Vec<String>,
    _place: HoldPlace,
}

/// The cursor of a subscribe answer (and of each event: `p`).
#[derive(Serialize)]
struct Cursor {
    t: String,
    r: u8,
}

impl Cursor {
    fn at(timetoken: u64) -> Self {
        Cursor {
            t: timetoken.to_string(),
            r: 1,
        }
    }
}

/// One event of a subscribe answer.
#[derive(Serialize)]
struct Envelope<'a> {
    a: &'static str,
    f: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    e: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    i: Option<&'a str>,
    p: Cursor,
    k: &'a str,
    c: &'a str,
    d: &'a RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    b: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    u: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cmt: Option<&'a str>,
}

#[derive(Serialize)]
struct Answer<'a> {
    t: Cursor,
    m: Vec<Envelope<'a>>,
}

/// The subscribe answer: `cursor` and `deliveries` of keyset `subscribe_key`.
fn envelope(subscribe_key: &str, cursor: u64, deliveries: &[Delivery]) -> Response {
    let answer = Answer {
        t: Cursor::at(cursor),
        m: deliveries
            .iter()
            .map(|delivery| {
                let event = &delivery.event;
                Envelope {
                    a: "0",
                    f: 0,
                    e: (event.kind == EventKind::Signal).then_some(1),
                    i: event.publisher.as_deref(),
                    p: Cursor::at(event.timetoken),
                    k: subscribe_key,
                    c: &event.channel,
                    d: &event.payload,
                    b: delivery.subscription.as_deref(),
                    u: event.meta.as_deref(),
                    cmt: event.custom_message_type.as_deref(),
                }
            })
            .collect(),
    };
    // Strings, numbers and already-valid JSON: serializing cannot fail.
    match serde_json::to_string(&answer) {
        Ok(body) => Response { status: 200, body },
        Err(_) => Response::legacy(500, "Internal Server Error"),
    }
}

impl AccessManager {
    /// Answers a subscribe request at once, or puts in `held` the poll to wait on (and
    /// returns the answer to give if it is not waited on: nothing new, a fresh cursor).
    pub(crate) fn subscribe(
        &self,
        incoming: &Incoming<'_>,
        raw_subscribe_key: &str,
        raw_channels: &str,
        held: &mut Option<HeldPoll>,
    ) -> Response {
        let endpoint = Endpoint::Subscribe;
        let (served, channels, groups) = match self.keyset_channels_and_groups(
            endpoint,
            incoming,
            raw_subscribe_key,
            raw_channels,
            "Subscribe to at least one channel in the path or one group in `channel-group`.",
        ) {
            Ok(found) => found,
            Err(response) => return response,
        };
        if incoming
            .query
            .get("filter-expr")
            .is_some_and(|filter| !filter.is_empty())
        {
            return endpoint.bad_request(
                "Unsupported filter-expr",
                "The emulator does not evaluate subscribe filter expressions; subscribe \
                 without `filter-expr`.",
                "filter-expr",
                "query",
            );
        }
        let (cursor, heartbeat) = match (
            number_param(endpoint, incoming, "tt"),
            number_param(endpoint, incoming, "heartbeat"),
        ) {
            (Ok(cursor), Ok(heartbeat)) => (cursor.unwrap_or(0), heartbeat),
            (Err(response), _) | (_, Err(response)) => return response,
        };
        if let Err(response) = self.enforce_on_channels_and_groups(
            incoming,
            endpoint,
            served,
            Operation::Subscribe,
            &channels,
            &groups,
        ) {
            return response;
        }

        // Present while held, and for the presence timeout after.
        let now = self.clock.now_secs();
        let present_on = self.channels_with_group_channels(served, &channels, &groups);
        served.state.presence.join(
            &served.state.messages,
            &|| self.clock.next_timetoken(),
            now,
            &incoming.user_id,
            &present_on,
            now + self.held_polls.hold.as_secs() + presence_timeout(heartbeat),
        );

        let subscribe_key = served.keyset.subscribe_key();
        if cursor == 0 {
            return envelope(subscribe_key, self.clock.next_timetoken(), &[]);
        }
        let interest = self.interest(served, &channels, &groups);
        let (deliveries, next) =
            served
                .state
                .messages
                .after(cursor, &interest, MAX_EVENTS_PER_SUBSCRIBE, || {
                    self.clock.next_timetoken()
                });
        if !deliveries.is_empty() {
            return envelope(subscribe_key, next, &deliveries);
        }
        let Some(place) = self.held_polls.reserve() else {
            return Response::legacy_with_payload(
                429,
                "Too Many Requests",
                Some(serde_json::json!({
                    "held_subscribe_requests": MAX_HELD_POLLS,
                    "detail": "The emulator holds as many subscribe long-polls as it accepts; \
                               retry later.",
                })),
            );
        };
        *held = Some(HeldPoll {
            keyset: self
                .keysets
                .iter()
                .position(|candidate| std::ptr::eq(candidate, served))
                .unwrap_or_default(),
            cursor,
            channels,
            groups,
            _place: place,
        });
        envelope(subscribe_key, cursor, &[])
    }

    /// What a subscriber to `channels` and `groups` receives, with the groups' current
    /// channels (a `x-pnpres` group carries the presence channels of group `x`'s channels).
    fn interest(&self, served: &ServedKeyset, channels: &[String], groups: &[String]) -> Interest {
        Interest {
            channels: channels.to_vec(),
            groups: groups
                .iter()
                .map(|group| {
                    let members = match group.strip_suffix(PRESENCE_SUFFIX) {
                        Some(base) => served
                            .state
                            .groups
                            .channels_of(base)
                            .into_iter()
                            .map(|channel| format!("{channel}{PRESENCE_SUFFIX}"))
                            .collect(),
                        None => served.state.groups.channels_of(group),
                    };
                    (group.clone(), members)
                })
                .collect(),
        }
    }

    /// Waits until an event for `poll` arrives, its hold time passes or the emulator shuts
    /// down, and answers it: the events found, or none with a fresh cursor.
    pub(crate) async fn wait(&self, poll: HeldPoll) -> Response {
        let Some(served) = self.keysets.get(poll.keyset) else {
            return Response::legacy(500, "Internal Server Error");
        };
        let subscribe_key = served.keyset.subscribe_key();
        let mut changes = served.state.messages.watch();
        let mut closing = self.held_polls.closing.subscribe();
        let deadline = tokio::time::sleep(self.held_polls.hold);
        tokio::pin!(deadline);
        loop {
            // Checked after subscribing to changes, so no event slips between check and wait.
            let interest = self.interest(served, &poll.channels, &poll.groups);
            let (deliveries, next) = served.state.messages.after(
                poll.cursor,
                &interest,
                MAX_EVENTS_PER_SUBSCRIBE,
                || self.clock.next_timetoken(),
            );
            if !deliveries.is_empty() || *closing.borrow_and_update() {
                return envelope(subscribe_key, next, &deliveries);
            }
            tokio::select! {
                changed = changes.changed() => {
                    if changed.is_err() {
                        return envelope(subscribe_key, next, &[]);
                    }
                }
                _ = closing.changed() => {}
                () = &mut deadline => return envelope(subscribe_key, next, &[]),
            }
        }
    }

    /// Ends every held long-poll now (each answers with what it has), and every later one
    /// at once: called when the server shuts down.
    pub(crate) fn release_held_polls(&self) {
        self.held_polls.closing.send_replace(true);
    }

    /// How many subscribe long-polls are held right now.
    #[must_use]
    pub fn held_polls(&self) -> usize {
        self.held_polls.held.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_the_limit_of_polls_is_held() {
        let polls = HeldPolls::new(Duration::from_secs(1));
        let places: Vec<HoldPlace> = (0..MAX_HELD_POLLS)
            .map(|_| polls.reserve().expect("room"))
            .collect();
        assert!(polls.reserve().is_none());
        drop(places);
        assert_eq!(polls.held.load(Ordering::Acquire), 0);
        assert!(polls.reserve().is_some());
    }

    #[test]
    fn the_envelope_has_pubnub_fields() {
        let response = envelope("sub-c-1", 17_000_000_000_000_001, &[]);
        assert_eq!(
            response.body,
            r#"{"t":{"t":"17000000000000001","r":1},"m":[]}"#
        );
    }
}
