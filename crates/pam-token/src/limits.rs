//! Bounds on what a token may contain, so that untrusted input costs bounded time and memory.

/// Longest token string accepted, in characters (bytes of the `&str`), padding included.
///
/// 32 KiB of base64 is 24 KiB of CBOR: far more than PubNub issues (a grant body is limited
/// to 32 KiB of JSON, and the CBOR form is smaller), small enough to decode without thought.
pub const MAX_TOKEN_LEN: usize = 32 * 1024;

/// Longest CBOR accepted by the byte entry points ([`parse_cbor`](crate::parse_cbor),
/// [`verify_cbor`](crate::verify_cbor), [`verify_signature_cbor`](crate::verify_signature_cbor)):
/// what the longest token string decodes to, 24 KiB.
///
/// Both entry points thus accept the same tokens, and a token's names are addressed with
/// 16-bit offsets that this bound keeps in range.
pub const MAX_CBOR_LEN: usize = MAX_TOKEN_LEN / 4 * 3;

/// Deepest nesting of containers inside `meta` (and inside values of unknown top-level keys,
/// which are skipped). The `meta` map itself is level 1, a map or array inside it level 2, …
pub const MAX_META_DEPTH: usize = 32;

/// Most CBOR data items one token may hold, counting every key, value, map and array head.
///
/// The token length already bounds this (every item takes at least one byte); this limit also
/// bounds the work spent on duplicate-key checks and on building `meta`.
pub const MAX_ITEMS: usize = 8 * 1024;

/// Size limit, in bytes, of one compiled pattern's program ([`regex::RegexBuilder::size_limit`]).
///
/// 1 MiB holds what grants use, measured with regex 1.13 (bytes needed, compile time on the
/// 2-core CI machine): `^room-\w{2}$` 100 120 (0.3 ms), `^user-\d{10}$` 51 544,
/// `[a-z]{1000}` 72 208 (0.1 ms), `.{1000}` 1 000 144 (2.8 ms), `\w{20}` 998 976. It refuses
/// blow-ups such as `\w{100}` (5 MB, 22 ms) or `\w{1000}` (50 MB, 0.5 s). A server checks
/// every pattern against it before issuing ([`check_patterns`](crate::check_patterns)); a
/// token holding a larger one (another issuer's) is denied with the reason when a request
/// reaches it. At most [`MAX_COMPILED_PATTERNS`] of them, about 1 MB resident each, per token.
pub const PATTERN_SIZE_LIMIT: usize = 1024 * 1024;

/// Cache size limit, in bytes, of one pattern's lazy DFA
/// ([`regex::RegexBuilder::dfa_size_limit`]). Exceeding it only slows matching down.
pub const PATTERN_DFA_SIZE_LIMIT: usize = 128 * 1024;

/// Deepest nesting of groups and repetitions in one pattern
/// ([`regex::RegexBuilder::nest_limit`]).
pub const PATTERN_NEST_LIMIT: u32 = 64;

/// How many of a token's patterns may be compiled, in token order. With
/// [`PATTERN_SIZE_LIMIT`] this bounds the memory and time one token's patterns can cost; a
/// request that reaches a later pattern is denied with the reason.
pub const MAX_COMPILED_PATTERNS: usize = 512;
