//! Reading a token: the CBOR map's fields into a [`Token`].

use std::ops::Range;
use std::sync::OnceLock;

use pam_model::{Permissions, ResourceKind};

use crate::cbor_reader::{Head, Reader, Simple, major, simple, unsupported_tag, wrong_type};
use crate::error::{Error, quote};
use crate::token::{CategoryRange, Section, Span, StoredEntry, Token};
use crate::{MAX_META_DEPTH, Meta, MetaMap, base64url};

/// Parses a token string.
///
/// The string is base64url, padded or not (the standard alphabet is accepted too), holding one
/// CBOR map and nothing after it. Top-level and category keys may be byte or text strings, in
/// any order. Required: `v` (2), `t`, `ttl`, `res`, `pat`, `sig` (32 bytes); optional: `meta`
/// (empty when absent) and `uuid` (text). Unknown top-level keys and unknown categories are
/// checked for well-formedness and ignored. Duplicate keys, indefinite lengths, tags and
/// `undefined` are refused; sizes are bounded by [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN),
/// [`MAX_ITEMS`](crate::MAX_ITEMS) and [`MAX_META_DEPTH`].
///
/// This does not check the signature: see [`verify`](crate::verify).
///
/// # Errors
///
/// An [`Error`] saying what is wrong and where (character position or byte offset).
pub fn parse(token: &str) -> Result<Token, Error> {
    let bytes = base64url::decode(token)?;
    parse_cbor(&bytes)
}

/// Parses a token's decoded bytes (the CBOR map), with the rules of [`parse`].
///
/// # Errors
///
/// An [`Error`] saying what is wrong and at which byte offset.
pub fn parse_cbor(bytes: &[u8]) -> Result<Token, Error> {
    parse_with_layout(bytes).map(|(token, _)| token)
}

/// Where the parts that signing leaves out are, in the bytes as received.
#[derive(Debug, Clone)]
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
    meta: Option<MetaMap>,
    uuid: Option<Span>,
    signature: Option<([u8; 32], Range<usize>)>,
}

struct Builder {
    text: String,
    entries: Vec<StoredEntry>,
}

pub(crate) fn parse_with_layout(bytes: &[u8]) -> Result<(Token, Layout), Error> {
    let mut r = Reader::new(bytes);
    let head = r.head()?;
    if head.major != major::MAP {
        return Err(wrong_type("token".to_owned(), "a map", head));
    }
    let count = r.count(head, 2)?;
    let header = 0..r.position();

    let mut seen = Seen::default();
    let mut b = Builder {
        text: String::with_capacity(bytes.len()),
        entries: Vec::with_capacity(8),
    };

    for _ in 0..count {
        let key_start = r.position();
        let key = r.key("token")?;
        let duplicate = match key {
            b"v" => {
                let version = r.unsigned("v")?;
                if version != 2 {
                    return Err(Error::UnsupportedVersion { found: version });
                }
                seen.version.replace(version).is_some()
            }
            b"t" => seen.timestamp.replace(r.unsigned("t")?).is_some(),
            b"ttl" => seen.ttl.replace(r.unsigned("ttl")?).is_some(),
            b"res" => {
                if seen.resources.is_some() {
                    true
                } else {
                    seen.resources = Some(section(&mut r, "res", &mut b)?);
                    false
                }
            }
            b"pat" => {
                if seen.patterns.is_some() {
                    true
                } else {
                    seen.patterns = Some(section(&mut r, "pat", &mut b)?);
                    false
                }
            }
            b"meta" => {
                let head = r.head()?;
                if head.major != major::MAP {
                    return Err(wrong_type("meta".to_owned(), "a map", head));
                }
                seen.meta.replace(meta_map(&mut r, head, 1)?).is_some()
            }
            b"uuid" => {
                let head = r.head()?;
                if head.major != major::TEXT {
                    return Err(wrong_type("uuid".to_owned(), "a text string", head));
                }
                let uuid = r.text_content(head, || "uuid".to_owned())?;
                seen.uuid.replace(b.push_text(uuid)).is_some()
            }
            b"sig" => {
                let head = r.head()?;
                if head.major != major::BYTES {
                    return Err(wrong_type("sig".to_owned(), "a byte string", head));
                }
                let content = r.content(head)?;
                let signature: [u8; 32] =
                    content.try_into().map_err(|_| Error::BadSignatureLength {
                        found: content.len(),
                    })?;
                seen.signature
                    .replace((signature, key_start..r.position()))
                    .is_some()
            }
            _ => {
                r.skip(0)?;
                false
            }
        };
        if duplicate {
            return Err(Error::DuplicateKey {
                field: "token".to_owned(),
                key: quote(&String::from_utf8_lossy(key)),
            });
        }
    }
    if r.remaining() > 0 {
        return Err(Error::TrailingBytes {
            count: r.remaining(),
            offset: r.position(),
        });
    }

    let version = seen.version.ok_or(Error::MissingField { field: "v" })?;
    let timestamp = seen.timestamp.ok_or(Error::MissingField { field: "t" })?;
    let ttl = seen.ttl.ok_or(Error::MissingField { field: "ttl" })?;
    let resources = seen.resources.ok_or(Error::MissingField { field: "res" })?;
    let patterns = seen.patterns.ok_or(Error::MissingField { field: "pat" })?;
    let (signature, signature_entry) =
        seen.signature.ok_or(Error::MissingField { field: "sig" })?;

    let ttl = u32::try_from(ttl).map_err(|_| Error::OutOfRange {
        field: "ttl".to_owned(),
        found: ttl,
        max: u64::from(u32::MAX),
    })?;
    let lifetime = u64::from(ttl) * 60;
    let expires_at = timestamp
        .checked_add(lifetime)
        .ok_or_else(|| Error::OutOfRange {
            field: "t".to_owned(),
            found: timestamp,
            max: u64::MAX - lifetime,
        })?;

    let token = Token {
        version: version as u8,
        timestamp,
        ttl,
        expires_at,
        authorized_user_id: seen.uuid,
        text: b.text,
        entries: b.entries,
        resources,
        patterns,
        meta: seen.meta.unwrap_or_default(),
        signature,
        compiled: OnceLock::new(),
    };
    Ok((
        token,
        Layout {
            header,
            signature_entry,
        },
    ))
}

impl Builder {
    #[inline]
    fn push_text(&mut self, s: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        Span {
            start,
            end: self.text.len() as u32,
        }
    }

    fn name(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    }
}

/// Reads `res` or `pat`: category -> {name: bitmask}.
fn section(r: &mut Reader<'_>, which: &'static str, b: &mut Builder) -> Result<Section, Error> {
    let categories = r.map(|| which.to_owned())?;
    let mut section = Section::default();
    for _ in 0..categories {
        let key = r.key(which)?;
        let kind = std::str::from_utf8(key)
            .ok()
            .and_then(ResourceKind::from_token_key);
        let field = || {
            format!(
                "{which}.{}",
                std::str::from_utf8(key)
                    .map_or_else(|_| quote(&String::from_utf8_lossy(key)), str::to_owned)
            )
        };
        if let Some(kind) = kind.filter(|k| section.get(*k).is_some()) {
            return Err(Error::DuplicateKey {
                field: which.to_owned(),
                key: quote(kind.token_key()),
            });
        }
        let text_mark = b.text.len();
        let start = b.entries.len();
        let names = r.map(field)?;
        for _ in 0..names {
            let head = r.head()?;
            if head.major != major::TEXT {
                return Err(wrong_type(
                    format!("{} name", field()),
                    "a text string",
                    head,
                ));
            }
            let name = r.text_content(head, || format!("{} name", field()))?;
            let span = b.push_text(name);
            let value = r.head()?;
            if value.major != major::UNSIGNED {
                return Err(wrong_type(
                    format!("{}.{}", field(), quote(name)),
                    "an unsigned integer bitmask",
                    value,
                ));
            }
            let bits = u8::try_from(value.arg).map_err(|_| Error::OutOfRange {
                field: format!("{}.{}", field(), quote(name)),
                found: value.arg,
                max: u64::from(u8::MAX),
            })?;
            b.entries.push(StoredEntry {
                name: span,
                permissions: Permissions::from_bits(bits),
            });
        }
        if let Some(repeated) =
            first_duplicate(b.entries[start..].iter().map(|e| b.name(e.name)), names)
        {
            return Err(Error::DuplicateKey {
                field: field(),
                key: quote(repeated),
            });
        }
        match kind {
            Some(kind) => {
                section.categories[usize::from(section.len)] = CategoryRange {
                    kind,
                    start: start as u32,
                    end: b.entries.len() as u32,
                };
                section.len += 1;
            }
            None => {
                // A category this crate does not know: checked above, then left out.
                b.entries.truncate(start);
                b.text.truncate(text_mark);
            }
        }
    }
    Ok(section)
}

/// The first key that occurs twice, if any. Pairwise for short lists, sorted otherwise.
fn first_duplicate<'a>(keys: impl Iterator<Item = &'a str> + Clone, len: usize) -> Option<&'a str> {
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
        let mut sorted: Vec<&str> = keys.collect();
        sorted.sort_unstable();
        sorted.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
    }
}

/// Reads a map of `meta` whose head was read; `depth` is its nesting level (`meta` is 1).
fn meta_map(r: &mut Reader<'_>, head: Head, depth: usize) -> Result<MetaMap, Error> {
    if depth > MAX_META_DEPTH {
        return Err(Error::TooDeep {
            limit: MAX_META_DEPTH,
            offset: head.offset,
        });
    }
    let n = r.count(head, 2)?;
    let mut entries = Vec::with_capacity(n);
    for _ in 0..n {
        let key_head = r.head()?;
        if key_head.major != major::TEXT {
            return Err(wrong_type("meta key".to_owned(), "a text string", key_head));
        }
        let key = r.text_content(key_head, || "meta key".to_owned())?;
        let value = meta_value(r, depth)?;
        entries.push((key.to_owned(), value));
    }
    if let Some(repeated) = first_duplicate(entries.iter().map(|(k, _)| k.as_str()), n) {
        return Err(Error::DuplicateKey {
            field: "meta".to_owned(),
            key: quote(repeated),
        });
    }
    Ok(MetaMap::from_unique(entries))
}

/// Reads one value inside a `meta` container of nesting level `depth`.
fn meta_value(r: &mut Reader<'_>, depth: usize) -> Result<Meta, Error> {
    let head = r.head()?;
    Ok(match head.major {
        major::UNSIGNED => Meta::Integer(i128::from(head.arg)),
        major::NEGATIVE => Meta::Integer(-1 - i128::from(head.arg)),
        major::BYTES => Meta::Bytes(r.content(head)?.to_vec()),
        major::TEXT => Meta::Text(r.text_content(head, || "meta value".to_owned())?.to_owned()),
        major::ARRAY => {
            if depth + 1 > MAX_META_DEPTH {
                return Err(Error::TooDeep {
                    limit: MAX_META_DEPTH,
                    offset: head.offset,
                });
            }
            let n = r.count(head, 1)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(meta_value(r, depth + 1)?);
            }
            Meta::Array(items)
        }
        major::MAP => Meta::Map(meta_map(r, head, depth + 1)?),
        major::TAG => return Err(unsupported_tag(head)),
        _ => match simple(head)? {
            Simple::Bool(b) => Meta::Bool(b),
            Simple::Null => Meta::Null,
            Simple::Float(f) => Meta::Float(f),
        },
    })
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
