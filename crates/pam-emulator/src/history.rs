//! History: fetch messages and message counts (`read` on each channel), delete messages
//! (`delete` on the channel), over the keyset's bounded in-memory store.
//!
//! - Fetch `GET /v3/history/sub-key/{sub}/channel/{channels}` with `max`, `start`
//!   (exclusive), `end` (inclusive), `include_meta`, `include_uuid` (default true),
//!   `include_message_type` (default true), `include_custom_message_type`: the newest `max`
//!   messages in range per channel (at most 100 for one channel, 25 for several; larger
//!   values are lowered to these), oldest first:
//!   `{"status":200,"error":false,"error_message":"","channels":{"ch":[{"message":…,
//!   "timetoken":"…","uuid":"…","message_type":null,"meta":…}]}}`. Channels without
//!   messages are left out, as PubNub does.
//! - Counts `GET /v3/history/sub-key/{sub}/message-counts/{channels}` with `timetoken` (one
//!   for every channel) or `channelsTimetoken` (one per channel, in order): the number of
//!   stored messages newer than it (exclusive), `{"status":200,"error":false,
//!   "error_message":"","channels":{"ch":n},"more":{}}`.
//! - Delete `DELETE /v3/history/sub-key/{sub}/channel/{channel}` with `start` (exclusive) and
//!   `end` (inclusive): `{"status":200,"error":false,"error_message":""}`.

use pam_token::Operation;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::Response;
use crate::access_manager::{AccessManager, Incoming, ServedKeyset, shorten};
use crate::enforcement::Action;
use crate::limits::{MAX_FETCH_MESSAGES_MULTI, MAX_FETCH_MESSAGES_SINGLE};
use crate::message_store::Range;
use crate::rest_request::{channel_list, flag_param, number_param};
use crate::routes::Endpoint;

/// One fetched message.
#[derive(Serialize)]
struct Item<'a> {
    message: &'a RawValue,
    timetoken: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uuid: Option<&'a str>,
    /// `null` for a message: PubNub's value for a regular message (signals are not stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    message_type: Option<()>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_message_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    meta: Option<&'a RawValue>,
}

/// What fetch-messages returns for one request.
#[derive(Debug, Clone, Copy)]
struct Include {
    meta: bool,
    uuid: bool,
    message_type: bool,
    custom_message_type: bool,
}

impl AccessManager {
    /// Answers fetch-messages.
    pub(crate) fn fetch_messages(
        &self,
        incoming: &Incoming<'_>,
        raw_subscribe_key: &str,
        raw_channels: &str,
    ) -> Response {
        let endpoint = Endpoint::History;
        let (served, channels) =
            match self.keyset_and_channels(endpoint, raw_subscribe_key, raw_channels) {
                Ok(found) => found,
                Err(response) => return response,
            };
        let parsed = (|| {
            let ceiling = if channels.len() == 1 {
                MAX_FETCH_MESSAGES_SINGLE
            } else {
                MAX_FETCH_MESSAGES_MULTI
            };
            let max = number_param(endpoint, incoming, "max")?
                .and_then(|max| usize::try_from(max).ok())
                .filter(|&max| max > 0)
                .map_or(ceiling, |max| max.min(ceiling));
            let range = Range {
                start: number_param(endpoint, incoming, "start")?,
                end: number_param(endpoint, incoming, "end")?,
            };
            let include = Include {
                meta: flag_param(endpoint, incoming, "include_meta", false)?,
                uuid: flag_param(endpoint, incoming, "include_uuid", true)?,
                message_type: flag_param(endpoint, incoming, "include_message_type", true)?,
                custom_message_type: flag_param(
                    endpoint,
                    incoming,
                    "include_custom_message_type",
                    false,
                )?,
            };
            Ok::<_, Response>((max, range, include))
        })();
        let (max, range, include) = match parsed {
            Ok(parsed) => parsed,
            Err(response) => return response,
        };
        if let Err(response) = self.enforce_on_channels(incoming, endpoint, served, &channels) {
            return response;
        }
        let fetched: Vec<(String, Vec<_>)> = channels
            .into_iter()
            .map(|channel| {
                let messages = served.state.messages.history(&channel, range, max);
                (channel, messages)
            })
            .collect();
        let mut by_channel = serde_json::Map::new();
        for (channel, messages) in &fetched {
            if messages.is_empty() {
                continue;
            }
            let items: Vec<Item<'_>> = messages
                .iter()
                .map(|event| Item {
                    message: &event.payload,
                    timetoken: event.timetoken.to_string(),
                    uuid: event.publisher.as_deref().filter(|_| include.uuid),
                    message_type: include.message_type.then_some(()),
                    custom_message_type: event
                        .custom_message_type
                        .as_deref()
                        .filter(|_| include.custom_message_type),
                    meta: event.meta.as_deref().filter(|_| include.meta),
                })
                .collect();
            match serde_json::to_value(items) {
                Ok(value) => {
                    by_channel.insert(channel.clone(), value);
                }
                Err(_) => return Response::legacy(500, "Internal Server Error"),
            }
        }
        let body = serde_json::json!({
            "status": 200,
            "error": false,
            "error_message": "",
            "channels": by_channel,
        });
        Response {
            status: 200,
            body: body.to_string(),
        }
    }

    /// Answers message counts.
    pub(crate) fn message_counts(
        &self,
        incoming: &Incoming<'_>,
        raw_subscribe_key: &str,
        raw_channels: &str,
    ) -> Response {
        let endpoint = Endpoint::History;
        let (served, channels) =
            match self.keyset_and_channels(endpoint, raw_subscribe_key, raw_channels) {
                Ok(found) => found,
                Err(response) => return response,
            };
        let timetokens = match counts_from(endpoint, incoming, channels.len()) {
            Ok(timetokens) => timetokens,
            Err(response) => return response,
        };
        if let Err(response) = self.enforce_on_channels(incoming, endpoint, served, &channels) {
            return response;
        }
        let mut counts = serde_json::Map::new();
        for (channel, timetoken) in channels.iter().zip(timetokens) {
            let count = served.state.messages.count_after(channel, timetoken);
            counts.insert(channel.clone(), count.into());
        }
        let body = serde_json::json!({
            "status": 200,
            "error": false,
            "error_message": "",
            "channels": counts,
            "more": {},
        });
        Response {
            status: 200,
            body: body.to_string(),
        }
    }

    /// Answers delete messages.
    pub(crate) fn delete_messages(
        &self,
        incoming: &Incoming<'_>,
        raw_subscribe_key: &str,
        raw_channel: &str,
    ) -> Response {
        let endpoint = Endpoint::DeleteMessages;
        let (served, channel) =
            match self.keyset_and_channels(endpoint, raw_subscribe_key, raw_channel) {
                Ok((served, mut channels)) if channels.len() == 1 => (served, channels.remove(0)),
                Ok((_, channels)) => {
                    return endpoint.bad_request(
                        "Invalid channel",
                        &format!(
                            "Delete messages names exactly one channel; the path names {}.",
                            channels.len()
                        ),
                        "channel",
                        "path",
                    );
                }
                Err(response) => return response,
            };
        let (start, end) = match (
            number_param(endpoint, incoming, "start"),
            number_param(endpoint, incoming, "end"),
        ) {
            (Ok(start), Ok(end)) => (start, end),
            (Err(response), _) | (_, Err(response)) => return response,
        };
        if let Err(response) = self.enforce(
            incoming,
            endpoint,
            served,
            &[Action::new(Operation::DeleteMessages, &channel)],
        ) {
            return response;
        }
        served.state.messages.delete(&channel, start, end);
        Response {
            status: 200,
            body: r#"{"status":200,"error":false,"error_message":""}"#.to_owned(),
        }
    }

    /// The keyset of the path's subscribe key and the channels of its channel segment (at
    /// least one), in that order of checking: every history endpoint starts here.
    fn keyset_and_channels(
        &self,
        endpoint: Endpoint,
        raw_subscribe_key: &str,
        raw_channels: &str,
    ) -> Result<(&ServedKeyset, Vec<String>), Response> {
        let served = self.legacy_keyset(raw_subscribe_key)?;
        let channels = channels_named(endpoint, raw_channels)?;
        Ok((served, channels))
    }

    /// `read` (history) on every channel.
    fn enforce_on_channels(
        &self,
        incoming: &Incoming<'_>,
        endpoint: Endpoint,
        served: &ServedKeyset,
        channels: &[String],
    ) -> Result<(), Response> {
        let actions: Vec<Action<'_>> = channels
            .iter()
            .map(|channel| Action::new(Operation::History, channel))
            .collect();
        self.enforce(incoming, endpoint, served, &actions)
    }
}

/// The channels of the path; at least one.
fn channels_named(endpoint: Endpoint, raw: &str) -> Result<Vec<String>, Response> {
    let channels = channel_list(endpoint, raw)?;
    if channels.is_empty() {
        return Err(endpoint.bad_request(
            "Missing channels",
            "Name at least one channel in the path.",
            "channels",
            "path",
        ));
    }
    Ok(channels)
}

/// The timetoken to count after for each of `count` channels, from `timetoken` or
/// `channelsTimetoken` (exactly one of them).
fn counts_from(
    endpoint: Endpoint,
    incoming: &Incoming<'_>,
    count: usize,
) -> Result<Vec<u64>, Response> {
    let single = number_param(endpoint, incoming, "timetoken")?;
    let list = incoming
        .query
        .get("channelsTimetoken")
        .filter(|list| !list.is_empty());
    match (single, list) {
        (Some(timetoken), None) => Ok(vec![timetoken; count]),
        (None, Some(list)) => {
            let parsed: Result<Vec<u64>, _> = list.split(',').map(str::parse::<u64>).collect();
            match parsed {
                Ok(timetokens) if timetokens.len() == count => Ok(timetokens),
                Ok(timetokens) if timetokens.len() == 1 => Ok(vec![timetokens[0]; count]),
                Ok(timetokens) => Err(endpoint.bad_request(
                    "Invalid query",
                    &format!(
                        "`channelsTimetoken` has {} timetokens for {count} channels; give one \
                         per channel, in order.",
                        timetokens.len()
                    ),
                    "channelsTimetoken",
                    "query",
                )),
                Err(_) => Err(endpoint.bad_request(
                    "Invalid query",
                    &format!(
                        "`channelsTimetoken` must be comma-separated unsigned integers; found \
                         `{}`.",
                        shorten(list, 64)
                    ),
                    "channelsTimetoken",
                    "query",
                )),
            }
        }
        _ => Err(endpoint.bad_request(
            "Invalid query",
            "Give exactly one of `timetoken` and `channelsTimetoken`.",
            "timetoken",
            "query",
        )),
    }
}
