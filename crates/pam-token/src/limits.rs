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
/// 64 KiB holds what grants use (`^channel-\S*$` needs about 2 KiB, `\w+` about 50 KiB) and
/// refuses blow-ups such as `\w{20}` (about 1 MiB, milliseconds to compile). A pattern over the
/// limit does not compile, and a request that reaches it is denied with the reason.
pub const PATTERN_SIZE_LIMIT: usize = 64 * 1024;

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
