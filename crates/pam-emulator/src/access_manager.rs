//! The emulated Access Manager without any socket: keysets, clock and revocations, and
//! [`AccessManager::handle`], which answers one [`Request`] with one [`Response`].
//!
//! The HTTP server (`crate::server`) is a thin layer over this; a fuzz target or a test can
//! call [`AccessManager::handle`] directly.

use pam_model::GrantRequest;
use pam_sign::SigningKey;

use crate::app_context::AppContextStore;
use crate::clock::Clock;
use crate::keyset_state::KeysetState;
use crate::limits::{MAX_BODY_BYTES, MAX_REQUEST_TARGET_BYTES};
use crate::presence::PresenceCall;
use crate::request::{Query, percent_decode};
use crate::rest_routes::RestRoute;
use crate::revocations::Revocations;
use crate::routes::{Endpoint, Route};
use crate::subscribe::{HeldPoll, HeldPolls};
use crate::{EmulatorConfig, Error, Keyset, Request, Response, redact_target};

/// A keyset with its signing key ready.
#[derive(Debug)]
pub(crate) struct ServedKeyset {
    pub(crate) keyset: Keyset,
    pub(crate) signing_key: SigningKey,
    /// Its messages, channel groups and presence.
    pub(crate) state: KeysetState,
}

/// The emulated Access Manager: answers requests for its keysets.
///
/// It is `Send + Sync`; one instance serves every connection. Handling a revoke with a data
/// directory waits for the disk (fsync), so from async code call [`AccessManager::handle`] for
/// a revoke on a blocking thread, as the HTTP server does; other requests are CPU work of
/// microseconds.
#[derive(Debug)]
pub struct AccessManager {
    pub(crate) keysets: Vec<ServedKeyset>,
    pub(crate) timestamp_tolerance_secs: u64,
    pub(crate) clock: Clock,
    pub(crate) revocations: Revocations,
    pub(crate) held_polls: HeldPolls,
    /// App Context objects and memberships of every keyset (in memory, bounded).
    pub(crate) app_context: AppContextStore,
}

/// What every request carries once its target has been decoded.
#[derive(Debug)]
pub(crate) struct Incoming<'r> {
    pub(crate) request: &'r Request<'r>,
    /// The body, decompressed when it came with `Content-Encoding: gzip` or `deflate`.
    pub(crate) body: std::borrow::Cow<'r, [u8]>,
    pub(crate) query: Query,
    /// The `uuid` parameter (present and non-empty).
    pub(crate) user_id: String,
}

impl Incoming<'_> {
    /// The request as `pam_sign` sees it, with `query` holding its decoded pairs.
    pub(crate) fn for_signing<'q>(
        &'q self,
        query: &'q [(&'q str, &'q str)],
    ) -> pam_sign::Request<'q> {
        pam_sign::Request {
            method: self.request.method,
            path: self.request.path,
            query,
            body: &self.body,
        }
    }
}

impl AccessManager {
    /// Builds the Access Manager of `config`: validates it and, with a data directory,
    /// creates it if needed and loads the revocation journal (blocking file I/O).
    ///
    /// # Errors
    ///
    /// A configuration error from [`EmulatorConfig::validate`], or [`Error::DataDir`],
    /// [`Error::JournalIo`], [`Error::JournalHeader`], [`Error::JournalCorrupt`].
    pub fn new(config: &EmulatorConfig) -> Result<Self, Error> {
        config.validate()?;
        let clock = Clock::new(config.clock_offset_secs);
        let revocations = match &config.data_dir {
            Some(dir) => Revocations::in_dir(dir, clock.now_secs())?,
            None => Revocations::in_memory(),
        };
        let keysets = config
            .keysets
            .iter()
            .map(|keyset| ServedKeyset {
                keyset: keyset.clone(),
                signing_key: SigningKey::new(keyset.publish_key(), keyset.secret_key()),
                state: KeysetState::default(),
            })
            .collect();
        Ok(AccessManager {
            keysets,
            timestamp_tolerance_secs: config.timestamp_tolerance_secs,
            clock,
            revocations,
            held_polls: HeldPolls::new(std::time::Duration::from_secs(config.subscribe_hold_secs)),
            app_context: AppContextStore::default(),
        })
    }

    /// The keysets served, in configuration order.
    pub fn keysets(&self) -> impl ExactSizeIterator<Item = &Keyset> {
        self.keysets.iter().map(|served| &served.keyset)
    }

    /// The server's current time, Unix seconds (the system clock plus the configured offset).
    #[must_use]
    pub fn now(&self) -> u64 {
        self.clock.now_secs()
    }

    /// How many revoked, unexpired tokens are remembered.
    #[must_use]
    pub fn revocation_count(&self) -> usize {
        self.revocations.len()
    }

    /// Issues a token for `grant` with keyset `keyset_index`'s secret and issue time
    /// `timestamp` (Unix seconds), exactly as a grant request would but without HTTP and
    /// without validation. Lets tests and demos make tokens that are already expired.
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchKeyset`] when the index is out of range.
    pub fn issue_token(
        &self,
        keyset_index: usize,
        grant: &GrantRequest,
        timestamp: u64,
    ) -> Result<String, Error> {
        let served = self.keysets.get(keyset_index).ok_or(Error::NoSuchKeyset {
            index: keyset_index,
            count: self.keysets.len(),
        })?;
        Ok(pam_token::issue(
            grant,
            timestamp,
            served.keyset.secret_key().as_bytes(),
        ))
    }

    /// The keyset whose subscribe key is `subscribe_key`.
    pub(crate) fn keyset_by_subscribe_key(&self, subscribe_key: &str) -> Option<&ServedKeyset> {
        self.keysets
            .iter()
            .find(|served| served.keyset.subscribe_key() == subscribe_key)
    }

    /// The keyset of a v3 path's `{sub}` segment, or the `400 Invalid Subscribe Key` to
    /// answer (in the v3 shape, located at the `subscribe-key` path segment).
    pub(crate) fn v3_keyset(
        &self,
        raw_subscribe_key: &str,
        endpoint: Endpoint,
    ) -> Result<&ServedKeyset, Response> {
        self.v3_keyset_at(raw_subscribe_key, endpoint)
            .map(|(_, served)| served)
    }

    /// [`AccessManager::v3_keyset`] with the keyset's position in the served keysets, for
    /// state kept per keyset (App Context objects).
    pub(crate) fn v3_keyset_at(
        &self,
        raw_subscribe_key: &str,
        endpoint: Endpoint,
    ) -> Result<(usize, &ServedKeyset), Response> {
        decode_segment(raw_subscribe_key)
            .and_then(|key| {
                self.keysets
                    .iter()
                    .enumerate()
                    .find(|(_, served)| served.keyset.subscribe_key() == key)
            })
            .ok_or_else(|| {
                Response::v3(
                    400,
                    "Invalid Subscribe Key",
                    endpoint.source(),
                    format!(
                        "No keyset has the subscribe key `{}`.",
                        shorten(raw_subscribe_key, 64)
                    ),
                    "subscribe-key",
                    "path",
                )
            })
    }

    /// Answers one request. Never panics, whatever the bytes; logs the request (with `auth`,
    /// `signature` and tokens redacted) and its status through `tracing`.
    ///
    /// A subscribe request that would wait for a message is answered at once, with no
    /// message and a fresh cursor: only the HTTP server holds long-polls.
    pub fn handle(&self, request: &Request<'_>) -> Response {
        self.handle_or_hold(request).0
    }

    /// Answers one request, or also returns the held poll to wait on (with
    /// [`AccessManager::wait`]) for a subscribe request that found nothing to deliver.
    pub(crate) fn handle_or_hold(&self, request: &Request<'_>) -> (Response, Option<HeldPoll>) {
        let mut held = None;
        let (response, user_id) = self.answer(request, &mut held);
        tracing::info!(
            method = request.method,
            target = %redact_target(request.path, request.query),
            uuid = user_id.as_deref().unwrap_or("-"),
            status = response.status,
            held = held.is_some(),
            "request"
        );
        (response, held)
    }

    fn answer(
        &self,
        request: &Request<'_>,
        held: &mut Option<HeldPoll>,
    ) -> (Response, Option<String>) {
        let target_len = request.path.len()
            + if request.query.is_empty() {
                0
            } else {
                request.query.len() + 1
            };
        if target_len > MAX_REQUEST_TARGET_BYTES {
            return (
                Response::target_too_long(target_len, MAX_REQUEST_TARGET_BYTES),
                None,
            );
        }
        if request.body.len() > MAX_BODY_BYTES {
            return (
                Response::body_too_large(Some(request.body.len()), MAX_BODY_BYTES),
                None,
            );
        }
        let route = match Route::parse(request.method, request.path) {
            Ok(route) => route,
            Err(response) => return (response, None),
        };
        let endpoint = route.endpoint();
        let query = match Query::parse(request.query) {
            Ok(query) => query,
            Err((error, name)) => {
                let what = if name.is_empty() {
                    "query".to_owned()
                } else {
                    format!("query parameter `{name}`")
                };
                return (
                    endpoint.bad_request("Invalid query", &error.describe(&what), &name, "query"),
                    None,
                );
            }
        };
        if let Some(response) = duplicate_parameter(&query, endpoint) {
            return (response, None);
        }
        // PubNub answers `/time/0` without a `uuid`.
        if route == Route::Time {
            let user_id = query.get("uuid").map(str::to_owned);
            return (Response::time(self.clock.next_timetoken()), user_id);
        }
        let user_id = match query.get("uuid") {
            Some(user_id) if !user_id.is_empty() => user_id.to_owned(),
            _ => {
                return (
                    endpoint.bad_request(
                        "Missing uuid",
                        "The `uuid` query parameter is required and must not be empty.",
                        "uuid",
                        "query",
                    ),
                    None,
                );
            }
        };
        let body = match crate::content_encoding::decode_body(
            request.header("content-encoding"),
            request.body,
        ) {
            Ok(body) => body,
            Err(response) => return (response, Some(user_id)),
        };
        let incoming = Incoming {
            request,
            body,
            query,
            user_id,
        };
        let response = match route {
            Route::Time => Response::time(self.clock.next_timetoken()),
            Route::Grant { subscribe_key } => self.grant(&incoming, subscribe_key),
            Route::Revoke {
                subscribe_key,
                token,
            } => self.revoke(&incoming, subscribe_key, token),
            Route::Publish {
                publish_key,
                subscribe_key,
                channel,
                message,
                endpoint,
            } => self.publish(
                &incoming,
                endpoint,
                publish_key,
                subscribe_key,
                channel,
                message,
            ),
            Route::Rest(route) => self.rest(&incoming, route, held),
            Route::AppContext {
                subscribe_key,
                target,
            } => self.app_context(&incoming, subscribe_key, target),
        };
        (response, Some(incoming.user_id))
    }
}

impl AccessManager {
    /// Answers subscribe, history, presence and channel-group requests.
    fn rest(
        &self,
        incoming: &Incoming<'_>,
        route: RestRoute<'_>,
        held: &mut Option<HeldPoll>,
    ) -> Response {
        match route {
            RestRoute::Subscribe {
                subscribe_key,
                channels,
            } => self.subscribe(incoming, subscribe_key, channels, held),
            RestRoute::FetchMessages {
                subscribe_key,
                channels,
            } => self.fetch_messages(incoming, subscribe_key, channels),
            RestRoute::DeleteMessages {
                subscribe_key,
                channel,
            } => self.delete_messages(incoming, subscribe_key, channel),
            RestRoute::MessageCounts {
                subscribe_key,
                channels,
            } => self.message_counts(incoming, subscribe_key, channels),
            RestRoute::HereNow {
                subscribe_key,
                channels,
            } => self.presence(incoming, PresenceCall::HereNow, subscribe_key, channels),
            RestRoute::Heartbeat {
                subscribe_key,
                channels,
            } => self.presence(incoming, PresenceCall::Heartbeat, subscribe_key, channels),
            RestRoute::Leave {
                subscribe_key,
                channels,
            } => self.presence(incoming, PresenceCall::Leave, subscribe_key, channels),
            RestRoute::ChannelGroup {
                subscribe_key,
                group,
            } => self.channel_group(incoming, subscribe_key, group, false),
            RestRoute::DeleteGroup {
                subscribe_key,
                group,
            } => self.channel_group(incoming, subscribe_key, group, true),
        }
    }
}

/// Parameters that must appear at most once: a second `uuid` or `auth` could make the
/// identity checked differ from the one logged or meant, and a second `signature` or
/// `timestamp` makes it ambiguous what was signed. Each is refused with a `400` naming it.
const SINGLE_PARAMETERS: [&str; 4] = [
    "uuid",
    "auth",
    pam_sign::SIGNATURE_PARAM,
    pam_sign::TIMESTAMP_PARAM,
];

/// The `400` for the first of [`SINGLE_PARAMETERS`] that `query` repeats.
fn duplicate_parameter(query: &Query, endpoint: Endpoint) -> Option<Response> {
    SINGLE_PARAMETERS.iter().find_map(|&name| {
        let count = query.count(name);
        (count > 1).then(|| {
            endpoint.bad_request(
                "Duplicate parameter",
                &format!(
                    "The `{name}` query parameter appears {count} times; at most one is accepted."
                ),
                name,
                "query",
            )
        })
    })
}

/// Decodes a path segment (`+` stays `+`); `None` when it is not valid percent-encoded UTF-8.
pub(crate) fn decode_segment(raw: &str) -> Option<String> {
    percent_decode(raw, false).ok()
}

/// `text` cut to `max` characters (with `…` when cut), for echoing untrusted input.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push('…');
    out
}

/// An error's text as a sentence: first letter upper case, final period.
pub(crate) fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_and_shortening() {
        assert_eq!(sentence("token is empty"), "Token is empty.");
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(shorten("abcdef", 3), "abc…");
        assert_eq!(shorten("abc", 3), "abc");
    }

    #[test]
    fn access_manager_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<AccessManager>();
    }

    #[test]
    fn endpoint_names_are_error_sources() {
        assert_eq!(Endpoint::Grant.source(), "grant");
    }
}
