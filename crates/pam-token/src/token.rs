//! A parsed token and read-only views of its resources and patterns.

use std::fmt;
use std::sync::OnceLock;

use pam_model::{CategoryKind, Permissions, Resource, ResourceKind};

#[cfg(feature = "authorize")]
use crate::authorize::CompiledPatterns;
use crate::{MetaMap, meta_reader};

/// A parsed PAM v3 token.
///
/// Parsing proves the token is well formed, not that it is genuine: PubNub's server checks
/// PubNub-issued tokens, and [`verify`](crate::verify) checks tokens issued by this crate.
///
/// All names live in one string buffer and entries refer to it by offsets, so a token costs a
/// handful of allocations whatever it holds. Each pattern is compiled the first time an
/// [`authorize`](Token::authorize) reaches it, and kept (clones made later share it).
#[derive(Clone)]
pub struct Token {
    pub(crate) version: u8,
    pub(crate) timestamp: u64,
    pub(crate) ttl: u32,
    pub(crate) expires_at: u64,
    pub(crate) authorized_user_id: Option<Span>,
    /// Every name and pattern, and the authorized user id, one after the other.
    pub(crate) text: String,
    /// The entries of `res` and then of `pat` (or the other way round, in token order).
    pub(crate) entries: Vec<StoredEntry>,
    pub(crate) resources: Section,
    pub(crate) patterns: Section,
    /// The CBOR of `meta` as received (checked when parsing), empty when `meta` is.
    pub(crate) meta_bytes: Vec<u8>,
    /// `meta_bytes` decoded, on first use.
    pub(crate) meta: OnceLock<MetaMap>,
    /// `cat`: the bitmask of each category (in [`CategoryKind::ALL`] order) the token has.
    pub(crate) categories: CategoryGrants,
    pub(crate) signature: Signature,
    /// The patterns, each compiled on first use by `authorize`.
    #[cfg(feature = "authorize")]
    pub(crate) compiled: OnceLock<CompiledPatterns>,
}

/// The bytes of `sig`: an HMAC-SHA256 (what PubNub's server and this crate write), or, in
/// tokens made up by SDK tests, bytes of another length (kept inline when 32 bytes long).
#[derive(Clone)]
pub(crate) enum Signature {
    Hmac([u8; 32]),
    Other(Box<[u8]>),
}

impl Signature {
    pub(crate) fn new(bytes: &[u8]) -> Signature {
        match <[u8; 32]>::try_from(bytes) {
            Ok(hmac) => Signature::Hmac(hmac),
            Err(_) => Signature::Other(bytes.into()),
        }
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Signature::Hmac(bytes) => bytes,
            Signature::Other(bytes) => bytes,
        }
    }
}

/// Where a string lives in [`Token::text`]. Offsets fit 16 bits: a token's text is shorter
/// than its decoded bytes, at most `MAX_TOKEN_LEN / 4 * 3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub(crate) start: u16,
    pub(crate) end: u16,
}

const _: () = assert!(crate::MAX_CBOR_LEN <= u16::MAX as usize);
const _: () = assert!(crate::MAX_ITEMS <= u16::MAX as usize);

#[derive(Debug, Clone, Copy)]
pub(crate) struct StoredEntry {
    pub(crate) name: Span,
    pub(crate) permissions: Permissions,
}

/// The categories of `res` or `pat`, in token order, each a range of [`Token::entries`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Section {
    /// The first `len` are the categories; the rest are unused.
    pub(crate) categories: [CategoryRange; ResourceKind::ALL.len()],
    pub(crate) len: u8,
}

impl Default for Section {
    fn default() -> Self {
        let unused = CategoryRange {
            kind: ResourceKind::Channel,
            start: 0,
            end: 0,
        };
        Section {
            categories: [unused; ResourceKind::ALL.len()],
            len: 0,
        }
    }
}

/// A category's entries: `Token::entries[start..end]` (fewer than `MAX_ITEMS`, so 16 bits).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CategoryRange {
    pub(crate) kind: ResourceKind,
    pub(crate) start: u16,
    pub(crate) end: u16,
}

impl Section {
    pub(crate) fn used(&self) -> &[CategoryRange] {
        &self.categories[..usize::from(self.len)]
    }

    #[inline]
    pub(crate) fn get(&self, kind: ResourceKind) -> Option<CategoryRange> {
        self.used().iter().find(|c| c.kind == kind).copied()
    }

    /// The range of entries of the whole section (categories are stored back to back).
    pub(crate) fn entry_range(&self) -> std::ops::Range<usize> {
        match (self.used().first(), self.used().last()) {
            (Some(first), Some(last)) => first.start as usize..last.end as usize,
            _ => 0..0,
        }
    }
}

impl Token {
    /// The token format version; always 2 for PAM v3 tokens.
    #[must_use]
    pub fn version(&self) -> u8 {
        self.version
    }

    /// When the token was issued, in Unix seconds (`t`).
    #[must_use]
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// How long the token lives, in minutes (`ttl`).
    #[must_use]
    pub fn ttl(&self) -> u32 {
        self.ttl
    }

    /// When the token expires, in Unix seconds: `timestamp + ttl * 60`. The token is expired
    /// from this second on.
    #[must_use]
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// True when the token is expired at `now` (Unix seconds).
    #[must_use]
    pub fn is_expired_at(&self, now: u64) -> bool {
        now >= self.expires_at
    }

    /// The only user id allowed to use the token (`uuid`), if it names one.
    #[must_use]
    pub fn authorized_user_id(&self) -> Option<&str> {
        self.authorized_user_id.map(|s| self.str(s))
    }

    /// The explicitly named resources (`res`).
    #[must_use]
    pub fn resources(&self) -> Grants<'_> {
        Grants {
            token: self,
            section: &self.resources,
        }
    }

    /// The regular-expression patterns (`pat`).
    #[must_use]
    pub fn patterns(&self) -> Grants<'_> {
        Grants {
            token: self,
            section: &self.patterns,
        }
    }

    /// The token's `meta` (empty when the token has none).
    ///
    /// Parsing checks `meta` but builds it only here, on the first call: authorization never
    /// needs it, and its strings are most of a token's allocations.
    #[must_use]
    pub fn meta(&self) -> &MetaMap {
        self.meta
            .get_or_init(|| meta_reader::decode(&self.meta_bytes))
    }

    /// The categories of `cat`: which whole App Context types the token may list (empty when
    /// the token has no `cat`).
    #[must_use]
    pub fn categories(&self) -> CategoryGrants {
        self.categories
    }

    /// The bytes of `sig`: 32 in every token PubNub's server or this crate issues.
    ///
    /// Parsing accepts a `sig` of another length (SDK test fixtures use 4-byte ones) because
    /// parsing proves nothing about authenticity anyway; such a token never verifies
    /// ([`verify`](crate::verify) answers
    /// [`Error::BadSignatureLength`](crate::Error::BadSignatureLength)), and
    /// [`hmac_signature`](Token::hmac_signature) is `None` for it.
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        self.signature.as_slice()
    }

    /// The 32 bytes of `sig` when it has the length of an HMAC-SHA256, as in every token
    /// PubNub's server or this crate issues; `None` for any other length.
    #[must_use]
    pub fn hmac_signature(&self) -> Option<&[u8; 32]> {
        match &self.signature {
            Signature::Hmac(bytes) => Some(bytes),
            Signature::Other(_) => None,
        }
    }

    pub(crate) fn str(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    }

    pub(crate) fn entry(&self, kind: ResourceKind, index: usize) -> Entry<'_> {
        let stored = self.entries[index];
        Entry {
            kind,
            name: self.str(stored.name),
            permissions: stored.permissions,
        }
    }
}

/// Two tokens are equal when they say the same: same fields, same categories and entries in
/// the same order, same meta, same signature (however their CBOR was laid out).
impl PartialEq for Token {
    fn eq(&self, other: &Token) -> bool {
        self.version == other.version
            && self.timestamp == other.timestamp
            && self.ttl == other.ttl
            && self.authorized_user_id() == other.authorized_user_id()
            && self.resources() == other.resources()
            && self.patterns() == other.patterns()
            && self.categories == other.categories
            && self.meta() == other.meta()
            && self.signature() == other.signature()
    }
}

/// The signature is shortened to its first four bytes.
impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Shortened<'a>(&'a [u8]);
        impl fmt::Debug for Shortened<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                for b in self.0.iter().take(4) {
                    write!(f, "{b:02x}")?;
                }
                f.write_str("…")
            }
        }
        f.debug_struct("Token")
            .field("version", &self.version)
            .field("timestamp", &self.timestamp)
            .field("ttl", &self.ttl)
            .field("authorized_user_id", &self.authorized_user_id())
            .field("resources", &self.resources())
            .field("patterns", &self.patterns())
            .field("categories", &self.categories())
            .field("meta", self.meta())
            .field("signature", &Shortened(self.signature()))
            .finish()
    }
}

/// The `res` or the `pat` section of a token: categories in token order, each with its
/// entries in token order.
///
/// A category is present iff the token has it, even when it is empty. Categories this crate
/// does not know are checked for well-formedness when parsing and then left out.
#[derive(Clone, Copy)]
pub struct Grants<'t> {
    token: &'t Token,
    section: &'t Section,
}

impl<'t> Grants<'t> {
    /// The categories, in token order.
    pub fn categories(&self) -> impl ExactSizeIterator<Item = Category<'t>> + 't {
        let token = self.token;
        self.section.used().iter().map(move |range| Category {
            token,
            range: *range,
        })
    }

    /// The category of `kind`, if the token has it.
    #[must_use]
    pub fn category(&self, kind: ResourceKind) -> Option<Category<'t>> {
        self.section.get(kind).map(|range| Category {
            token: self.token,
            range,
        })
    }

    /// Every entry of every category, in token order.
    pub fn entries(&self) -> impl Iterator<Item = Entry<'t>> + 't {
        let token = self.token;
        self.section.used().iter().flat_map(move |range| {
            (range.start as usize..range.end as usize).map(move |i| token.entry(range.kind, i))
        })
    }

    /// The permissions of the entry named exactly `name` (for patterns: the pattern's text) in
    /// the category of `kind`.
    #[must_use]
    pub fn get(&self, kind: ResourceKind, name: &str) -> Option<Permissions> {
        self.category(kind)?.get(name)
    }

    /// The number of entries over all categories.
    #[must_use]
    pub fn len(&self) -> usize {
        self.section.entry_range().len()
    }

    /// True when no category has an entry.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Same categories in the same order, each with the same entries in the same order.
impl PartialEq for Grants<'_> {
    fn eq(&self, other: &Grants<'_>) -> bool {
        self.categories().len() == other.categories().len()
            && self
                .categories()
                .zip(other.categories())
                .all(|(a, b)| a == b)
    }
}

impl fmt::Debug for Grants<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.categories().map(|c| (c.kind().token_key(), c)))
            .finish()
    }
}

/// One category of `res` or `pat`: a kind and its entries.
#[derive(Clone, Copy)]
pub struct Category<'t> {
    token: &'t Token,
    range: CategoryRange,
}

impl<'t> Category<'t> {
    /// The kind of resource.
    #[must_use]
    pub fn kind(&self) -> ResourceKind {
        self.range.kind
    }

    /// The entries, in token order.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = Entry<'t>> + 't {
        let token = self.token;
        let kind = self.range.kind;
        (self.range.start as usize..self.range.end as usize).map(move |i| token.entry(kind, i))
    }

    /// The permissions of the entry named exactly `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<Permissions> {
        self.token.entries[self.range.start as usize..self.range.end as usize]
            .iter()
            .find(|e| self.token.str(e.name) == name)
            .map(|e| e.permissions)
    }

    /// The number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        (self.range.end - self.range.start) as usize
    }

    /// True when the category has no entry.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Same kind, same entries in the same order.
impl PartialEq for Category<'_> {
    fn eq(&self, other: &Category<'_>) -> bool {
        self.kind() == other.kind()
            && self.len() == other.len()
            && self.entries().zip(other.entries()).all(|(a, b)| a == b)
    }
}

impl fmt::Debug for Category<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries().map(|e| (e.name, e.permissions)))
            .finish()
    }
}

/// One entry of a token: a kind, a name (or pattern) and the bits granted on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'t> {
    /// The category.
    pub kind: ResourceKind,
    /// The resource name, or for a pattern entry, the regular expression.
    pub name: &'t str,
    /// The granted bits.
    pub permissions: Permissions,
}

impl Entry<'_> {
    /// The entry as an owned [`Resource`].
    #[must_use]
    pub fn to_resource(&self) -> Resource {
        Resource::new(self.kind, self.name, self.permissions)
    }
}

/// A token's `cat` section: the categories it has, each with its bitmask.
///
/// A category is a whole App Context type (all channel metadata, all uuid metadata); its
/// `get` bit lets the token list every object of that type on keysets that restrict listing.
/// Keys of `cat` this crate does not know are checked for well-formedness when parsing and
/// then left out, like unknown resource categories.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CategoryGrants {
    /// The bitmask of each category the token has, indexed like [`CategoryKind::ALL`].
    pub(crate) bits: [Option<Permissions>; CategoryKind::ALL.len()],
}

impl CategoryGrants {
    /// No category: a token without `cat`.
    pub(crate) const NONE: CategoryGrants = CategoryGrants {
        bits: [None; CategoryKind::ALL.len()],
    };

    /// Where `kind` is in [`bits`](Self::bits).
    pub(crate) fn index(kind: CategoryKind) -> usize {
        CategoryKind::ALL
            .iter()
            .position(|k| *k == kind)
            .unwrap_or_default()
    }

    /// The bitmask of `kind`, if the token has that category.
    #[must_use]
    pub fn get(&self, kind: CategoryKind) -> Option<Permissions> {
        self.bits[CategoryGrants::index(kind)]
    }

    /// The categories the token has, with their bitmasks, channels before uuids.
    pub fn iter(&self) -> impl Iterator<Item = (CategoryKind, Permissions)> + use<> {
        let grants = *self;
        CategoryKind::ALL
            .into_iter()
            .filter_map(move |kind| grants.get(kind).map(|bits| (kind, bits)))
    }

    /// How many categories the token has.
    #[must_use]
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// True when the token has no category.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for CategoryGrants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(kind, bits)| (kind.token_key(), bits)))
            .finish()
    }
}
