//! Every bound the emulator puts on what it receives, in one place.
//!
//! Requests come from the network, so their sizes are bounded before anything is parsed;
//! the configuration file and the revocation set are bounded too.

/// The longest request target (path and query, as sent) answered normally: 32 KiB.
/// A longer one gets `414` with a JSON body.
pub const MAX_REQUEST_TARGET_BYTES: usize = 32 * 1024;

/// The largest request body read: 32 KiB (PubNub's own publish limit). A larger one gets
/// `413` with a JSON body; the rest of it is not read.
pub const MAX_BODY_BYTES: usize = 32 * 1024;

/// The most query parameters a request may have. Every parameter is also bounded by
/// [`MAX_REQUEST_TARGET_BYTES`]; this keeps the per-request work small.
pub const MAX_QUERY_PARAMETERS: usize = 64;

/// The most bytes in one key (subscribe, publish or secret) of a keyset.
pub const MAX_KEY_BYTES: usize = 256;

/// The most keysets one emulator serves.
pub const MAX_KEYSETS: usize = 1024;

/// The largest TOML configuration file read: 1 MiB.
pub const MAX_CONFIG_FILE_BYTES: u64 = 1024 * 1024;

/// The most revoked, not yet expired tokens kept at once (each costs about 80 bytes of
/// memory and 48 bytes of journal). Expired revocations are forgotten first; when the set is
/// still full, revoke answers `503` and nothing is written.
pub const MAX_LIVE_REVOCATIONS: usize = 1_000_000;

/// The widest accepted timestamp tolerance: one day. PubNub uses 60 seconds.
pub const MAX_TIMESTAMP_TOLERANCE_SECS: u64 = 24 * 60 * 60;

/// How far the emulator's clock may be shifted from the system clock: one year either way.
pub const MAX_CLOCK_OFFSET_SECS: i64 = 366 * 24 * 60 * 60;

/// How much of a body over [`MAX_BODY_BYTES`] is still read (and discarded) before the `413`
/// is sent: 1 MiB. Reading it lets the client finish sending and then read the answer,
/// instead of seeing its connection reset; a body larger still is answered without waiting.
pub const MAX_DISCARDED_BODY_BYTES: usize = 1024 * 1024;

/// The most messages kept in one channel's history; publishing more forgets the oldest.
pub const MAX_STORED_MESSAGES_PER_CHANNEL: usize = 1_000;

/// The most messages kept in history over all channels of a keyset; publishing more forgets
/// the oldest stored message of any channel.
pub const MAX_STORED_MESSAGES: usize = 100_000;

/// The most bytes of history kept for a keyset (messages, meta, channel and publisher names):
/// 64 MiB. Publishing more forgets the oldest messages first.
pub const MAX_STORED_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// The most events (messages, signals, presence events) kept for delivery to subscribers of
/// a keyset. A subscriber whose cursor is older than the oldest kept event misses the
/// forgotten ones, as with PubNub's own delivery window.
pub const MAX_FEED_EVENTS: usize = 10_000;

/// The most bytes of events kept for delivery to subscribers of a keyset: 32 MiB.
pub const MAX_FEED_BYTES: usize = 32 * 1024 * 1024;

/// The most events one subscribe answer carries (PubNub's own page size); the cursor it
/// returns lets the next request pick up the rest.
pub const MAX_EVENTS_PER_SUBSCRIBE: usize = 100;

/// The most channels plus channel groups one subscribe, history, here-now, heartbeat or
/// leave request may name.
pub const MAX_NAMES_PER_REQUEST: usize = 500;

/// The most subscribe long-polls held open at once, over all keysets. One more is answered
/// `429` at once.
pub const MAX_HELD_POLLS: usize = 10_000;

/// The longest a subscribe long-poll may be held, and so the largest accepted
/// `subscribe_hold_secs`: 300 s, below the 310 s subscribe timeout of PubNub's SDKs.
pub const MAX_SUBSCRIBE_HOLD_SECS: u64 = 300;

/// How long a subscribe long-poll is held by default: 280 s, as PubNub does.
pub const DEFAULT_SUBSCRIBE_HOLD_SECS: u64 = 280;

/// The most (user id, channel) presence entries kept for a keyset. When full, a new
/// subscriber still receives messages but is not listed by here-now until entries expire.
pub const MAX_PRESENCE_ENTRIES: usize = 100_000;

/// The presence timeout a subscriber gets when its request has no `heartbeat`: 300 s.
pub const DEFAULT_PRESENCE_TIMEOUT_SECS: u64 = 300;

/// The shortest presence timeout accepted; a smaller `heartbeat` is raised to it: 20 s.
pub const MIN_PRESENCE_TIMEOUT_SECS: u64 = 20;

/// The longest presence timeout accepted; a larger `heartbeat` is lowered to it: 1 hour.
pub const MAX_PRESENCE_TIMEOUT_SECS: u64 = 3_600;

/// The most channel groups one keyset holds.
pub const MAX_CHANNEL_GROUPS: usize = 10_000;

/// The most channels in one channel group (PubNub's limit).
pub const MAX_CHANNELS_PER_GROUP: usize = 2_000;

/// The most channels one add or remove request may name (PubNub's limit).
pub const MAX_CHANNELS_PER_GROUP_CHANGE: usize = 200;

/// The most messages one fetch-messages request returns per channel: 100 for one channel,
/// as PubNub (25 for several channels is [`MAX_FETCH_MESSAGES_MULTI`]).
pub const MAX_FETCH_MESSAGES_SINGLE: usize = 100;

/// The most messages one fetch-messages request returns per channel when it names several.
pub const MAX_FETCH_MESSAGES_MULTI: usize = 25;
/// Default time a connection gets to send a complete request head, counted from when the
/// server starts waiting for it: on a new connection, and again on a kept-alive connection
/// after each response (so it is also the idle keep-alive timeout): 10 s. A connection past it
/// is closed.
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 10;

/// Default time a request gets to send its whole body once its head is in: 30 s. Past it the
/// request is answered `408` and the connection closed.
pub const DEFAULT_BODY_TIMEOUT_SECS: u64 = 30;

/// Default most open connections served at once: 512, well under the usual limit of 1,024
/// open files. One more is answered `503` (`Retry-After: 1`) and closed at once, so a flood
/// of idle connections cannot starve the server of file descriptors.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// Default time a graceful shutdown (SIGTERM, Ctrl-C, [`crate::Emulator::shutdown`]) waits
/// for in-flight requests before closing every connection still open: 10 s. A revoke is
/// answered only once it is durable, so every acknowledged revoke survives the shutdown.
pub const DEFAULT_SHUTDOWN_TIMEOUT_SECS: u64 = 10;

/// The longest accepted header, body or shutdown timeout: one hour.
pub const MAX_TIMEOUT_SECS: u64 = 60 * 60;

/// The most connections `max_connections` may allow.
pub const MAX_CONNECTIONS_LIMIT: usize = 65_536;

/// The most refusals (`503` to a connection over the cap) being written at once; more
/// connections over the cap are closed without an answer.
pub const MAX_PENDING_REFUSALS: usize = 64;
/// The most App Context objects (channel and uuid metadata) kept, over all keysets. Setting
/// one more answers `503` and stores nothing.
pub const MAX_APP_CONTEXT_OBJECTS: usize = 10_000;

/// The most App Context memberships kept, over all keysets. Setting more answers `503` and
/// stores nothing.
pub const MAX_APP_CONTEXT_MEMBERSHIPS: usize = 20_000;

/// The longest App Context id (channel or uuid in an objects path), in bytes: PubNub's 92.
pub const MAX_APP_CONTEXT_ID_BYTES: usize = 92;

/// The longest text field of an App Context object or membership (`name`, `description`,
/// `email`, `externalId`, `profileUrl`, `status`, `type`), in bytes.
pub const MAX_APP_CONTEXT_FIELD_BYTES: usize = 512;

/// The largest `custom` object of an App Context object or membership, as compact JSON.
pub const MAX_APP_CONTEXT_CUSTOM_BYTES: usize = 2048;

/// The most memberships one `PATCH /v2/objects/{sub}/uuids/{uuid}/channels` may set and
/// delete together, and the largest page (`limit`) of any App Context listing: PubNub's 100.
pub const MAX_APP_CONTEXT_PAGE: usize = 100;
