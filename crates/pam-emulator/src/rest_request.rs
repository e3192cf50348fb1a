//! What the subscribe, history, presence and channel-group endpoints read from a request:
//! the keyset of the path's subscribe key, lists of channels and channel groups, timetokens
//! and numbers. Every problem is a `400` naming the parameter or path segment at fault.

use crate::Response;
use crate::access_manager::{AccessManager, Incoming, ServedKeyset, decode_segment, shorten};
use crate::limits::MAX_NAMES_PER_REQUEST;
use crate::routes::Endpoint;

impl AccessManager {
    /// The keyset whose subscribe key is the raw path segment, or PubNub's legacy
    /// `400 Invalid Subscribe Key`.
    pub(crate) fn legacy_keyset(&self, raw_subscribe_key: &str) -> Result<&ServedKeyset, Response> {
        decode_segment(raw_subscribe_key)
            .and_then(|key| self.keyset_by_subscribe_key(&key))
            .ok_or_else(|| Response::legacy(400, "Invalid Subscribe Key"))
    }

    /// The keyset, channels (path) and channel groups (`channel-group`) of a subscribe or
    /// presence request, checked in that order; naming neither a channel nor a group is a
    /// `400 Missing channels` with `missing_detail` as its detail.
    pub(crate) fn keyset_channels_and_groups(
        &self,
        endpoint: Endpoint,
        incoming: &Incoming<'_>,
        raw_subscribe_key: &str,
        raw_channels: &str,
        missing_detail: &str,
    ) -> Result<(&ServedKeyset, Vec<String>, Vec<String>), Response> {
        let served = self.legacy_keyset(raw_subscribe_key)?;
        let (channels, groups) = match (
            channel_list(endpoint, raw_channels),
            group_list(endpoint, incoming),
        ) {
            (Ok(channels), Ok(groups)) => (channels, groups),
            (Err(response), _) | (_, Err(response)) => return Err(response),
        };
        if channels.is_empty() && groups.is_empty() {
            return Err(endpoint.bad_request(
                "Missing channels",
                missing_detail,
                "channels",
                "path",
            ));
        }
        Ok((served, channels, groups))
    }
}

/// The channels of a comma-separated path segment (each name percent-encoded on its own, so
/// an encoded comma stays in its name). Empty pieces are skipped: `,` alone is no channel,
/// as the SDKs send it when they subscribe to groups only.
pub(crate) fn channel_list(endpoint: Endpoint, raw: &str) -> Result<Vec<String>, Response> {
    let mut channels: Vec<String> = Vec::new();
    for piece in raw.split(',').filter(|piece| !piece.is_empty()) {
        let Some(channel) = decode_segment(piece) else {
            return Err(endpoint.bad_request(
                "Invalid channel",
                &format!(
                    "The channel `{}` in the path is not percent-encoded UTF-8 text.",
                    shorten(piece, 64)
                ),
                "channels",
                "path",
            ));
        };
        if !channels.contains(&channel) {
            channels.push(channel);
        }
    }
    check_count(endpoint, channels.len(), "channels", "path")?;
    Ok(channels)
}

/// The channel groups of the `channel-group` query parameter (comma-separated, already
/// decoded), without empty names or repeats.
pub(crate) fn group_list(
    endpoint: Endpoint,
    incoming: &Incoming<'_>,
) -> Result<Vec<String>, Response> {
    let mut groups: Vec<String> = Vec::new();
    for group in incoming
        .query
        .get("channel-group")
        .unwrap_or("")
        .split(',')
        .filter(|group| !group.is_empty())
    {
        if !groups.iter().any(|known| known == group) {
            groups.push(group.to_owned());
        }
    }
    check_count(endpoint, groups.len(), "channel-group", "query")?;
    Ok(groups)
}

fn check_count(
    endpoint: Endpoint,
    found: usize,
    location: &str,
    location_type: &str,
) -> Result<(), Response> {
    if found > MAX_NAMES_PER_REQUEST {
        return Err(endpoint.bad_request(
            "Too many names",
            &format!(
                "The request names {found} entries in `{location}`; at most \
                 {MAX_NAMES_PER_REQUEST} are accepted."
            ),
            location,
            location_type,
        ));
    }
    Ok(())
}

/// The optional unsigned number in query parameter `name` (a timetoken, a count, seconds).
pub(crate) fn number_param(
    endpoint: Endpoint,
    incoming: &Incoming<'_>,
    name: &str,
) -> Result<Option<u64>, Response> {
    match incoming.query.get(name) {
        None | Some("") => Ok(None),
        Some(text) => text.parse::<u64>().map(Some).map_err(|_| {
            endpoint.bad_request(
                "Invalid query",
                &format!(
                    "The query parameter `{name}` must be an unsigned integer; found `{}`.",
                    shorten(text, 40)
                ),
                name,
                "query",
            )
        }),
    }
}

/// Whether the boolean query parameter `name` is `true` (or `1`); `default` when absent.
pub(crate) fn flag_param(
    endpoint: Endpoint,
    incoming: &Incoming<'_>,
    name: &str,
    default: bool,
) -> Result<bool, Response> {
    match incoming.query.get(name) {
        None | Some("") => Ok(default),
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(text) => Err(endpoint.bad_request(
            "Invalid query",
            &format!(
                "The query parameter `{name}` must be `true`, `false`, `1` or `0`; found `{}`.",
                shorten(text, 40)
            ),
            name,
            "query",
        )),
    }
}
