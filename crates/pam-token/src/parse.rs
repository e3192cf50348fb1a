//! Reading a token: the CBOR map's fields into a [`Token`].

use std::ops::Range;
use std::sync::OnceLock;

use pam_model::{CategoryKind, Permissions, ResourceKind};

use crate::cbor_reader::{Failure, Head, Reader, invalid_utf8, major, wrong_type};
use crate::error::{Error, quote};
use crate::token::{CategoryGrants, CategoryRange, Section, Signature, Span, StoredEntry, Token};
use crate::{MAX_CBOR_LEN, base64url, meta_reader};

/// Parses a token string.
///
/// The string is base64url, padded or not (the standard alphabet is accepted too), holding one
/// CBOR map and nothing after it. Top-level and category keys may be byte or text strings, in
/// any order. Required: `v` (2), `t`, `ttl`, `res`, `pat`, `sig` (a byte string: 32 bytes in
/// every real token; other lengths parse, see [`Token::signature`]); optional: `meta` (empty
/// when absent), `uuid` (text) and `cat` (a map of `chan` / `uuid` to bitmasks). Unknown
/// top-level keys, unknown categories and unknown keys of `cat` are checked for
/// well-formedness and ignored. Duplicate keys, indefinite lengths, tags and
/// `undefined` are refused; sizes are bounded by [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN)
/// ([`MAX_CBOR_LEN`](crate::MAX_CBOR_LEN) for [`parse_cbor`]),
/// [`MAX_ITEMS`](crate::MAX_ITEMS) and [`MAX_META_DEPTH`](crate::MAX_META_DEPTH).
///
/// This does not check the signature: see [`verify`](crate::verify).
///
/// # Errors
///
/// An [`Error`] saying what is wrong and where (character position or byte offset).
pub fn parse(token: &str) -> Result<Token, Error> {
    let mut buffer = base64url::Buffer::new();
    let bytes = base64url::decode(token, &mut buffer)?;
    parse_cbor(bytes)
}

/// Parses a token's decoded bytes (the CBOR map), with the rules of [`parse`].
///
/// # Errors
///
/// An [`Error`] saying what is wrong and at which byte offset; [`Error::CborTooLong`] past
/// [`MAX_CBOR_LEN`](crate::MAX_CBOR_LEN) bytes.
pub fn parse_cbor(bytes: &[u8]) -> Result<Token, Error> {
    let mut layout = Layout::default();
    parse_with_layout(bytes, &mut layout)
}

/// Where the parts that signing leaves out are, in the bytes as received.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    /// The top-level map's head.
    pub(crate) header: Range<usize>,
    /// The `sig` key and value.
    pub(crate) signature_entry: Range<usize>,
}

impl std::str::FromStr for Token {
    type Err = Error;

    /// Same as [`parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

/// Which top-level fields were seen.
#[derive(Default)]
struct Seen {
    version: Option<u64>,
    timestamp: Option<u64>,
    ttl: Option<u64>,
    resources: Option<Section>,
    patterns: Option<Section>,
    /// The `meta` map's CBOR, when it is not empty.
    meta: Option<Vec<u8>>,
    uuid: Option<Span>,
    categories: Option<CategoryGrants>,
    signature: Option<(Signature, Range<usize>)>,
}

/// The token's text as it is read: names, patterns and the authorized user id, back to back.
struct Names {
    bytes: Vec<u8>,
    /// Check each string as it is read (slower; used to locate an invalid one), rather than
    /// the whole buffer once at the end.
    check_each: bool,
}

impl Names {
    #[inline]
    fn push(
        &mut self,
        bytes: &[u8],
        head: Head,
        field: impl FnOnce() -> String,
    ) -> Result<Span, Failure> {
        if self.check_each && std::str::from_utf8(bytes).is_err() {
            return Err(invalid_utf8(field(), head.offset));
        }
        // Names are copied from the input, each byte at most once, and the input is at most
        // `MAX_CBOR_LEN` bytes (checked in `parse_with_layout`), which fits 16 bits (asserted
        // beside `Span`): the offsets cannot wrap.
        let start = self.bytes.len() as u16;
        self.bytes.extend_from_slice(bytes);
        Ok(Span {
            start,
            end: self.bytes.len() as u16,
        })
    }

    fn get(&self, span: Span) -> &[u8] {
        self.bytes
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    }
}

/// Parses `bytes`, and notes in `layout` where the signed parts are.
pub(crate) fn parse_with_layout(bytes: &[u8], layout: &mut Layout) -> Result<Token, Error> {
    check_len(bytes)?;
    read(bytes, false, layout).map_err(|e| *e)
}

/// Refuses CBOR longer than [`MAX_CBOR_LEN`]: the string entry points cannot decode more, and
/// a token's names are addressed with 16-bit offsets.
#[inline]
pub(crate) fn check_len(bytes: &[u8]) -> Result<(), Error> {
    if bytes.len() > MAX_CBOR_LEN {
        return Err(Error::CborTooLong {
            limit: MAX_CBOR_LEN,
            found: bytes.len(),
        });
    }
    Ok(())
}

/// Reads a token. Names are checked to be UTF-8 all at once at the end, unless `check_each`;
/// when the check at the end fails, the token is read again with `check_each` to say which.
fn read(bytes: &[u8], check_each: bool, layout: &mut Layout) -> Result<Token, Failure> {
    let mut r = Reader::new(bytes);
    let head = r.head()?;
    if head.major() != major::MAP {
        return Err(wrong_type("token".to_owned(), "a map", head));
    }
    let count = r.count(head, 2)?;
    layout.header = 0..r.position();

    let mut seen = Seen::default();
    let mut names = Names {
        bytes: Vec::with_capacity(bytes.len() / 2),
        check_each,
    };
    let mut entries = Vec::with_capacity(8);

    for _ in 0..count {
        let key_start = r.position();
        let key = r.key("token")?;
        let duplicate = match key {
            b"v" => {
                let version = r.unsigned("v")?;
                if version != 2 {
                    return Err(Box::new(Error::UnsupportedVersion { found: version }));
                }
                seen.version.replace(version).is_some()
            }
            b"t" => seen.timestamp.replace(r.unsigned("t")?).is_some(),
            b"ttl" => seen.ttl.replace(r.unsigned("ttl")?).is_some(),
            b"res" => {
                let section = section(&mut r, "res", &mut names, &mut entries)?;
                seen.resources.replace(section).is_some()
            }
            b"pat" => {
                let section = section(&mut r, "pat", &mut names, &mut entries)?;
                seen.patterns.replace(section).is_some()
            }
            b"meta" => {
                let head = r.head()?;
                let count = meta_reader::check_map(&mut r, head, 1)?;
                let raw = if count == 0 {
                    Vec::new()
                } else {
                    bytes[head.offset..r.position()].to_vec()
                };
                seen.meta.replace(raw).is_some()
            }
            b"uuid" => {
                let head = r.head()?;
                if head.major() != major::TEXT {
                    return Err(wrong_type("uuid".to_owned(), "a text string", head));
                }
                let content = r.content(head)?;
                let span = names.push(content, head, || "uuid".to_owned())?;
                seen.uuid.replace(span).is_some()
            }
            b"sig" => {
                let head = r.head()?;
                if head.major() != major::BYTES {
                    return Err(wrong_type("sig".to_owned(), "a byte string", head));
                }
                let content = r.content(head)?;
                seen.signature
                    .replace((Signature::new(content), key_start..r.position()))
                    .is_some()
            }
            b"cat" => {
                let section = categories(&mut r)?;
                seen.categories.replace(section).is_some()
            }
            _ => {
                r.skip(0)?;
                false
            }
        };
        if duplicate {
            return Err(Box::new(Error::DuplicateKey {
                field: "token".to_owned(),
                key: quote(&String::from_utf8_lossy(key)),
            }));
        }
    }
    if r.remaining() > 0 {
        return Err(Box::new(Error::TrailingBytes {
            count: r.remaining(),
            offset: r.position(),
        }));
    }

    let missing = |field| Box::new(Error::MissingField { field });
    let version = seen.version.ok_or_else(|| missing("v"))?;
    let timestamp = seen.timestamp.ok_or_else(|| missing("t"))?;
    let ttl = seen.ttl.ok_or_else(|| missing("ttl"))?;
    let resources = seen.resources.ok_or_else(|| missing("res"))?;
    let patterns = seen.patterns.ok_or_else(|| missing("pat"))?;
    let (signature, signature_entry) = seen.signature.ok_or_else(|| missing("sig"))?;

    let ttl = u32::try_from(ttl).map_err(|_| {
        Box::new(Error::OutOfRange {
            field: "ttl".to_owned(),
            found: ttl,
            max: u64::from(u32::MAX),
        })
    })?;
    let lifetime = u64::from(ttl) * 60;
    let expires_at = timestamp.checked_add(lifetime).ok_or_else(|| {
        Box::new(Error::OutOfRange {
            field: "t".to_owned(),
            found: timestamp,
            max: u64::MAX - lifetime,
        })
    })?;
    // Each string is UTF-8 iff the whole buffer is and every string starts and ends on a
    // character boundary (two broken halves can make one valid character).
    let text = match String::from_utf8(names.bytes) {
        Ok(text)
            if entries.iter().map(|e| e.name).chain(seen.uuid).all(|span| {
                text.is_char_boundary(usize::from(span.start))
                    && text.is_char_boundary(usize::from(span.end))
            }) =>
        {
            text
        }
        _ if !check_each => return read(bytes, true, layout),
        // Unreachable when every string was checked; an error rather than a second retry.
        _ => return Err(invalid_utf8("a name".to_owned(), 0)),
    };
    layout.signature_entry = signature_entry;

    Ok(Token {
        version: version as u8,
        timestamp,
        ttl,
        expires_at,
        authorized_user_id: seen.uuid,
        text,
        entries,
        resources,
        patterns,
        meta_bytes: seen.meta.unwrap_or_default(),
        meta: OnceLock::new(),
        categories: seen.categories.unwrap_or(CategoryGrants::NONE),
        signature,
        #[cfg(feature = "authorize")]
        compiled: OnceLock::new(),
    })
}

/// The kind a category key names, if this crate knows it.
#[inline]
fn category(key: &[u8]) -> Option<ResourceKind> {
    match key {
        b"chan" => Some(ResourceKind::Channel),
        b"grp" => Some(ResourceKind::ChannelGroup),
        b"uuid" => Some(ResourceKind::UserId),
        b"usr" => Some(ResourceKind::LegacyUser),
        b"spc" => Some(ResourceKind::LegacySpace),
        _ => std::str::from_utf8(key)
            .ok()
            .and_then(ResourceKind::from_token_key),
    }
}

/// Reads `cat`: category key -> bitmask. Unknown keys are checked for well-formedness and left
/// out; a known key twice is refused.
fn categories(r: &mut Reader<'_>) -> Result<CategoryGrants, Failure> {
    let count = r.map(|| "cat".to_owned())?;
    let mut section = CategoryGrants::NONE;
    for _ in 0..count {
        let key = r.key("cat")?;
        let kind = std::str::from_utf8(key)
            .ok()
            .and_then(CategoryKind::from_token_key);
        let Some(kind) = kind else {
            r.skip(1)?;
            continue;
        };
        let value = r.head()?;
        let field = || format!("cat.{}", kind.token_key());
        if value.major() != major::UNSIGNED {
            return Err(wrong_type(field(), "an unsigned integer bitmask", value));
        }
        let bits = u8::try_from(value.arg).map_err(|_| {
            Box::new(Error::OutOfRange {
                field: field(),
                found: value.arg,
                max: u64::from(u8::MAX),
            })
        })?;
        let slot = &mut section.bits[CategoryGrants::index(kind)];
        if slot.replace(Permissions::from_bits(bits)).is_some() {
            return Err(Box::new(Error::DuplicateKey {
                field: "cat".to_owned(),
                key: quote(kind.token_key()),
            }));
        }
    }
    Ok(section)
}

/// `res.chan`-style field name of a category key, for error messages.
fn category_field(which: &str, key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(k) if k.chars().all(|c| c.is_ascii_graphic()) && k.len() <= 16 => format!("{which}.{k}"),
        _ => format!("{which}.{}", quote(&String::from_utf8_lossy(key))),
    }
}

/// Reads `res` or `pat`: category -> {name: bitmask}.
fn section(
    r: &mut Reader<'_>,
    which: &'static str,
    names: &mut Names,
    entries: &mut Vec<StoredEntry>,
) -> Result<Section, Failure> {
    let categories = r.map(|| which.to_owned())?;
    let mut section = Section::default();
    for _ in 0..categories {
        let key = r.key(which)?;
        let kind = category(key);
        if let Some(kind) = kind.filter(|k| section.get(*k).is_some()) {
            return Err(Box::new(Error::DuplicateKey {
                field: which.to_owned(),
                key: quote(kind.token_key()),
            }));
        }
        let text_mark = names.bytes.len();
        let start = entries.len();
        let count = r.map(|| category_field(which, key))?;
        // The names of a category this crate does not know are dropped below, before the
        // check of the whole text at the end: check each of them as it is read instead.
        let check_each = names.check_each;
        names.check_each |= kind.is_none();
        for _ in 0..count {
            let head = r.head()?;
            if head.major() != major::TEXT {
                return Err(wrong_type(
                    format!("{} name", category_field(which, key)),
                    "a text string",
                    head,
                ));
            }
            let name = r.content(head)?;
            let span = names.push(name, head, || {
                format!("{} name", category_field(which, key))
            })?;
            let value = r.head()?;
            if value.major() != major::UNSIGNED || value.arg > u64::from(u8::MAX) {
                return Err(bad_bitmask(&category_field(which, key), name, value));
            }
            entries.push(StoredEntry {
                name: span,
                permissions: Permissions::from_bits(value.arg as u8),
            });
        }
        names.check_each = check_each;
        if let Some(repeated) =
            first_duplicate(entries[start..].iter().map(|e| names.get(e.name)), count)
        {
            return Err(Box::new(Error::DuplicateKey {
                field: category_field(which, key),
                key: quote(&String::from_utf8_lossy(repeated)),
            }));
        }
        match kind {
            Some(kind) => {
                section.categories[usize::from(section.len)] = CategoryRange {
                    kind,
                    start: start as u16,
                    end: entries.len() as u16,
                };
                section.len += 1;
            }
            None => {
                // A category this crate does not know: checked above, then left out.
                entries.truncate(start);
                names.bytes.truncate(text_mark);
            }
        }
    }
    Ok(section)
}

#[cold]
fn bad_bitmask(category: &str, name: &[u8], value: Head) -> Failure {
    let field = format!("{category}.{}", quote(&String::from_utf8_lossy(name)));
    if value.major() == major::UNSIGNED {
        Box::new(Error::OutOfRange {
            field,
            found: value.arg,
            max: u64::from(u8::MAX),
        })
    } else {
        wrong_type(field, "an unsigned integer bitmask", value)
    }
}

/// The first key that occurs twice, if any. Pairwise for short lists, sorted otherwise.
pub(crate) fn first_duplicate<'a, K: Ord + ?Sized + 'a>(
    keys: impl Iterator<Item = &'a K> + Clone,
    len: usize,
) -> Option<&'a K> {
    const PAIRWISE_UP_TO: usize = 16;
    if len <= PAIRWISE_UP_TO {
        let mut rest = keys;
        while let Some(a) = rest.next() {
            if rest.clone().any(|b| a == b) {
                return Some(a);
            }
        }
        None
    } else {
        let mut sorted: Vec<&K> = keys.collect();
        sorted.sort_unstable();
        sorted.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_found_short_and_long() {
        assert_eq!(first_duplicate(["a", "b", "a"].into_iter(), 3), Some("a"));
        assert_eq!(first_duplicate(["a", "b", "c"].into_iter(), 3), None);
        let many: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        assert_eq!(first_duplicate(many.iter().map(String::as_str), 100), None);
        let mut with_dup = many.clone();
        with_dup.push("42".to_owned());
        assert_eq!(
            first_duplicate(with_dup.iter().map(String::as_str), 101),
            Some("42")
        );
    }
}
