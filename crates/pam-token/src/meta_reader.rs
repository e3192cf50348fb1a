//! Reading `meta`: checked in full when a token is parsed, without allocating, and built into a
//! [`MetaMap`] only when someone asks for it.
//!
//! Authorization never looks at `meta`, and its strings would be most of a token's
//! allocations, so [`Token::meta`](crate::Token::meta) decodes the bytes kept at parse time.

use crate::cbor_reader::{
    Failure, Head, Reader, Simple, major, simple, too_deep, unsupported_tag, wrong_type,
};
use crate::error::{Error, quote};
use crate::parse::first_duplicate;
use crate::{MAX_META_DEPTH, Meta, MetaMap};

/// Maps with at most this many keys are checked for duplicates without allocating.
const KEYS_ON_STACK: usize = 16;

/// Checks a `meta` map whose head was read: text keys, each once; values of supported types;
/// nesting within [`MAX_META_DEPTH`] (`depth` is the map's level; `meta` itself is 1).
/// Returns the number of entries.
pub(crate) fn check_map(r: &mut Reader<'_>, head: Head, depth: usize) -> Result<usize, Failure> {
    if head.major() != major::MAP {
        return Err(wrong_type("meta".to_owned(), "a map", head));
    }
    if depth > MAX_META_DEPTH {
        return Err(too_deep(head));
    }
    let n = r.count(head, 2)?;
    let mut on_stack = [""; KEYS_ON_STACK];
    let mut on_heap = Vec::new();
    if n > KEYS_ON_STACK {
        on_heap.reserve(n);
    }
    let mut keys_on_stack = 0;
    for _ in 0..n {
        let key_head = r.head()?;
        if key_head.major() != major::TEXT {
            return Err(wrong_type("meta key".to_owned(), "a text string", key_head));
        }
        let key = r.text_content(key_head, || "meta key".to_owned())?;
        match on_stack.get_mut(keys_on_stack) {
            Some(slot) if n <= KEYS_ON_STACK => {
                *slot = key;
                keys_on_stack += 1;
            }
            _ => on_heap.push(key),
        }
        check_value(r, depth)?;
    }
    let keys = if n <= KEYS_ON_STACK {
        &on_stack[..n]
    } else {
        &on_heap[..]
    };
    if let Some(repeated) = first_duplicate(keys.iter().copied(), n) {
        return Err(Box::new(Error::DuplicateKey {
            field: "meta".to_owned(),
            key: quote(repeated),
        }));
    }
    Ok(n)
}

/// Checks one value inside a `meta` container of nesting level `depth`.
fn check_value(r: &mut Reader<'_>, depth: usize) -> Result<(), Failure> {
    let head = r.head()?;
    match head.major() {
        major::UNSIGNED | major::NEGATIVE => Ok(()),
        major::BYTES => r.content(head).map(drop),
        major::TEXT => r.text_content(head, || "meta value".to_owned()).map(drop),
        major::ARRAY => {
            if depth + 1 > MAX_META_DEPTH {
                return Err(too_deep(head));
            }
            for _ in 0..r.count(head, 1)? {
                check_value(r, depth + 1)?;
            }
            Ok(())
        }
        major::MAP => check_map(r, head, depth + 1).map(drop),
        major::TAG => Err(unsupported_tag(head)),
        _ => simple(head).map(drop),
    }
}

/// Builds the map from bytes that [`check_map`] accepted (empty bytes: an empty map).
///
/// Reading checked bytes again cannot fail; were it to, the map would come out empty rather
/// than the program stopping.
pub(crate) fn decode(bytes: &[u8]) -> MetaMap {
    if bytes.is_empty() {
        return MetaMap::new();
    }
    let mut r = Reader::new(bytes);
    r.head()
        .and_then(|head| map(&mut r, head))
        .unwrap_or_default()
}

fn map(r: &mut Reader<'_>, head: Head) -> Result<MetaMap, Failure> {
    let n = r.count(head, 2)?;
    let mut entries = Vec::with_capacity(n);
    for _ in 0..n {
        let key_head = r.head()?;
        let key = r.text_content(key_head, || "meta key".to_owned())?;
        entries.push((key.to_owned(), value(r)?));
    }
    Ok(MetaMap::from_unique(entries))
}

fn value(r: &mut Reader<'_>) -> Result<Meta, Failure> {
    let head = r.head()?;
    Ok(match head.major() {
        major::UNSIGNED => Meta::Integer(i128::from(head.arg)),
        major::NEGATIVE => Meta::Integer(-1 - i128::from(head.arg)),
        major::BYTES => Meta::Bytes(r.content(head)?.to_vec()),
        major::TEXT => Meta::Text(r.text_content(head, || "meta value".to_owned())?.to_owned()),
        major::ARRAY => {
            let n = r.count(head, 1)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(value(r)?);
            }
            Meta::Array(items)
        }
        major::MAP => Meta::Map(map(r, head)?),
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

    fn check(bytes: &[u8]) -> Result<usize, Error> {
        let mut r = Reader::new(bytes);
        let head = r.head().map_err(|e| *e)?;
        check_map(&mut r, head, 1).map_err(|e| *e)
    }

    #[test]
    fn checked_bytes_decode_to_what_they_say() {
        // {"a": [1, -2, "x", null, true, 1.5 (half)], "b": {"c": h'01'}}
        let bytes = [
            0xa2, 0x61, b'a', 0x86, 0x01, 0x21, 0x61, b'x', 0xf6, 0xf5, 0xf9, 0x3e, 0x00, 0x61,
            b'b', 0xa1, 0x61, b'c', 0x41, 0x01,
        ];
        assert_eq!(check(&bytes), Ok(2));
        let map = decode(&bytes);
        assert_eq!(
            map.get("a"),
            Some(&Meta::Array(vec![
                Meta::Integer(1),
                Meta::Integer(-2),
                Meta::Text("x".into()),
                Meta::Null,
                Meta::Bool(true),
                Meta::Float(1.5),
            ]))
        );
        let inner: MetaMap = [("c", Meta::Bytes(vec![1]))].into_iter().collect();
        assert_eq!(map.get("b"), Some(&Meta::Map(inner)));
    }

    #[test]
    fn many_keys_are_checked_for_duplicates_too() {
        let mut bytes = vec![0xb8, 20];
        for i in 0..20u8 {
            bytes.extend_from_slice(&[0x61, b'a' + (i % 19), 0x00]);
        }
        assert!(matches!(check(&bytes), Err(Error::DuplicateKey { .. })));
    }

    #[test]
    fn invalid_utf8_and_undefined_are_refused() {
        assert!(matches!(
            check(&[0xa1, 0x61, 0xff, 0x00]),
            Err(Error::InvalidUtf8 { .. })
        ));
        assert!(matches!(
            check(&[0xa1, 0x61, b'u', 0xf7]),
            Err(Error::Unsupported { .. })
        ));
    }
}
