//! A small strict CBOR reader: a cursor over the decoded token bytes that reads exactly the
//! few shapes a token holds, definite lengths only.
//!
//! It is hand-rolled rather than built on a general CBOR library because parsing is on the
//! hot path of every request an emulator or a server checks, and a token needs only heads,
//! strings, maps, arrays and a few simple values.

use crate::error::Error;
use crate::{MAX_ITEMS, MAX_META_DEPTH};

/// The major type of a data item (RFC 8949 §3.1).
pub(crate) mod major {
    pub(crate) const UNSIGNED: u8 = 0;
    pub(crate) const NEGATIVE: u8 = 1;
    pub(crate) const BYTES: u8 = 2;
    pub(crate) const TEXT: u8 = 3;
    pub(crate) const ARRAY: u8 = 4;
    pub(crate) const MAP: u8 = 5;
    pub(crate) const TAG: u8 = 6;
    pub(crate) const SIMPLE: u8 = 7;
}

/// The head of one data item: its type and argument.
///
/// Every field is word-sized on purpose: a head is built in registers and copied whole, and
/// byte-sized fields written one by one then read back as a word stall the CPU's
/// store-to-load forwarding on the hot path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Head {
    /// The initial byte: major type in the top 3 bits, additional information below.
    initial: usize,
    /// The argument: an integer, a length, a count, or a float's bits.
    pub(crate) arg: u64,
    /// Where the head starts.
    pub(crate) offset: usize,
}

impl Head {
    /// Major type, 0..=7.
    #[inline(always)]
    pub(crate) fn major(self) -> u8 {
        (self.initial >> 5) as u8
    }

    /// Additional information, 0..=27.
    #[inline(always)]
    pub(crate) fn info(self) -> u8 {
        (self.initial & 0x1f) as u8
    }

    /// The item's type in words, for error messages.
    pub(crate) fn type_name(self) -> &'static str {
        match (self.major(), self.info()) {
            (major::UNSIGNED, _) => "an unsigned integer",
            (major::NEGATIVE, _) => "a negative integer",
            (major::BYTES, _) => "a byte string",
            (major::TEXT, _) => "a text string",
            (major::ARRAY, _) => "an array",
            (major::MAP, _) => "a map",
            (major::TAG, _) => "a tag",
            (_, 20 | 21) => "a boolean",
            (_, 22) => "null",
            (_, 23) => "undefined",
            (_, 25..=27) => "a float",
            _ => "a simple value",
        }
    }
}

/// A failure while reading: boxed, so that the `Result`s of the hot path stay small.
pub(crate) type Failure = Box<Error>;

/// A cursor over CBOR bytes.
#[derive(Debug)]
pub(crate) struct Reader<'b> {
    buf: &'b [u8],
    pos: usize,
    items: usize,
}

impl<'b> Reader<'b> {
    pub(crate) fn new(buf: &'b [u8]) -> Self {
        Reader {
            buf,
            pos: 0,
            items: 0,
        }
    }

    /// Offset of the next byte to read.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Reads the head of the next item. Counts it against [`MAX_ITEMS`].
    #[inline(always)]
    pub(crate) fn head(&mut self) -> Result<Head, Failure> {
        let offset = self.pos;
        let Some(&initial) = self.buf.get(offset) else {
            return Err(end_of_input(offset, "a data item"));
        };
        self.items += 1;
        if self.items > MAX_ITEMS {
            return Err(too_many_items());
        }
        let info = initial & 0x1f;
        if info < 24 {
            self.pos = offset + 1;
            return Ok(Head {
                initial: usize::from(initial),
                arg: u64::from(info),
                offset,
            });
        }
        self.long_head(offset, initial)
    }

    /// A head whose argument follows the initial byte, or a head that is refused.
    fn long_head(&mut self, offset: usize, initial: u8) -> Result<Head, Failure> {
        let major = initial >> 5;
        let info = initial & 0x1f;
        let width = match info {
            24 => 1,
            25 => 2,
            26 => 4,
            27 => 8,
            31 => return Err(indefinite(offset, major)),
            _ => return Err(reserved(offset, info)),
        };
        let start = offset + 1;
        let Some(bytes) = self.buf.get(start..start + width) else {
            return Err(end_of_input(offset, "the rest of an item's head"));
        };
        self.pos = start + width;
        let arg = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        Ok(Head {
            initial: usize::from(initial),
            arg,
            offset,
        })
    }

    /// The bytes of a string whose head was read.
    #[inline]
    pub(crate) fn content(&mut self, head: Head) -> Result<&'b [u8], Failure> {
        let end = usize::try_from(head.arg)
            .ok()
            .and_then(|len| self.pos.checked_add(len))
            .filter(|end| *end <= self.buf.len());
        match end {
            Some(end) => {
                let bytes = &self.buf[self.pos..end];
                self.pos = end;
                Ok(bytes)
            }
            None => Err(string_too_long(head, self.remaining())),
        }
    }

    /// The content of a text string whose head was read, checked to be UTF-8.
    #[inline]
    pub(crate) fn text_content(
        &mut self,
        head: Head,
        field: impl FnOnce() -> String,
    ) -> Result<&'b str, Failure> {
        let bytes = self.content(head)?;
        std::str::from_utf8(bytes).map_err(|_| invalid_utf8(field(), head.offset))
    }

    /// The number of elements a container head announces, checked against the bytes left
    /// (each element takes at least `min_bytes_each` bytes), so that a count can size an
    /// allocation.
    #[inline]
    pub(crate) fn count(&self, head: Head, min_bytes_each: usize) -> Result<usize, Failure> {
        match usize::try_from(head.arg) {
            Ok(n) if n <= self.remaining() / min_bytes_each => Ok(n),
            _ => Err(too_many_elements(head, self.remaining())),
        }
    }

    /// Reads a map key that may be a byte or a text string; returns its bytes.
    #[inline(always)]
    pub(crate) fn key(&mut self, field: &str) -> Result<&'b [u8], Failure> {
        let head = self.head()?;
        match head.major() {
            major::BYTES => self.content(head),
            major::TEXT => self
                .text_content(head, || format!("{field} key"))
                .map(str::as_bytes),
            _ => Err(wrong_type(
                format!("{field} key"),
                "a byte or text string",
                head,
            )),
        }
    }

    /// Reads an unsigned integer.
    #[inline]
    pub(crate) fn unsigned(&mut self, field: &'static str) -> Result<u64, Failure> {
        let head = self.head()?;
        if head.major() == major::UNSIGNED {
            Ok(head.arg)
        } else {
            Err(wrong_type(field.to_owned(), "an unsigned integer", head))
        }
    }

    /// Reads a map head and returns its entry count.
    #[inline]
    pub(crate) fn map(&mut self, field: impl FnOnce() -> String) -> Result<usize, Failure> {
        let head = self.head()?;
        if head.major() == major::MAP {
            self.count(head, 2)
        } else {
            Err(wrong_type(field(), "a map", head))
        }
    }

    /// Skips one complete item of any supported type; `depth` is the nesting level of the
    /// item's container.
    ///
    /// A loop over a stack of the counts still to skip, one per open container (bounded by
    /// [`MAX_META_DEPTH`]), rather than recursion: this is the whole of
    /// [`verify_signature`](crate::verify_signature)'s walk, where a call per item showed.
    pub(crate) fn skip(&mut self, depth: usize) -> Result<(), Failure> {
        let mut open = [0usize; MAX_META_DEPTH];
        let mut levels = 0;
        // Items still to skip in the innermost open container (or the one item asked for).
        let mut left = 1usize;
        loop {
            let head = self.head()?;
            match head.major() {
                major::UNSIGNED | major::NEGATIVE => {}
                major::BYTES => {
                    self.content(head)?;
                }
                major::TEXT => {
                    let bytes = self.content(head)?;
                    if !bytes.is_ascii() && std::str::from_utf8(bytes).is_err() {
                        return Err(invalid_utf8("value".to_owned(), head.offset));
                    }
                }
                major::ARRAY | major::MAP => {
                    let per_element = if head.major() == major::MAP { 2 } else { 1 };
                    let n = self.count(head, per_element)?;
                    if depth + levels + 1 > MAX_META_DEPTH {
                        return Err(too_deep(head));
                    }
                    if n > 0 {
                        // In bounds: the check above keeps `levels` below MAX_META_DEPTH.
                        let Some(slot) = open.get_mut(levels) else {
                            return Err(too_deep(head));
                        };
                        *slot = left - 1;
                        levels += 1;
                        // No overflow: `count` keeps n * per_element within the bytes left.
                        left = n * per_element;
                        continue;
                    }
                }
                major::TAG => return Err(unsupported_tag(head)),
                _ => {
                    simple(head)?;
                }
            }
            left -= 1;
            while left == 0 {
                if levels == 0 {
                    return Ok(());
                }
                levels -= 1;
                left = open[levels];
            }
        }
    }
}

/// A simple value or float, as one of the values `meta` may hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Simple {
    Bool(bool),
    Null,
    Float(f64),
}

/// Interprets a major-type-7 head.
pub(crate) fn simple(head: Head) -> Result<Simple, Failure> {
    match head.info() {
        20 => Ok(Simple::Bool(false)),
        21 => Ok(Simple::Bool(true)),
        22 => Ok(Simple::Null),
        25 => Ok(Simple::Float(half_to_f64(head.arg as u16))),
        26 => Ok(Simple::Float(f64::from(f32::from_bits(head.arg as u32)))),
        27 => Ok(Simple::Float(f64::from_bits(head.arg))),
        23 => Err(Box::new(Error::Unsupported {
            offset: head.offset,
            what: "the simple value `undefined` (JSON has no equivalent)".to_owned(),
        })),
        _ => Err(Box::new(Error::Unsupported {
            offset: head.offset,
            what: format!("simple value {}", head.arg),
        })),
    }
}

/// An IEEE 754 half-precision float, widened exactly.
fn half_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((bits >> 10) & 0x1f);
    let mantissa = f64::from(bits & 0x3ff);
    let magnitude = match exponent {
        0 => mantissa * 2f64.powi(-24),
        31 if mantissa == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1.0 + mantissa / 1024.0) * 2f64.powi(exponent - 15),
    };
    sign * magnitude
}

#[cold]
pub(crate) fn unsupported_tag(head: Head) -> Failure {
    Box::new(Error::Unsupported {
        offset: head.offset,
        what: format!("CBOR tag {}", head.arg),
    })
}

#[cold]
pub(crate) fn wrong_type(field: String, expected: &'static str, head: Head) -> Failure {
    Box::new(Error::WrongType {
        field,
        expected,
        found: head.type_name(),
        offset: head.offset,
    })
}

#[cold]
pub(crate) fn too_deep(head: Head) -> Failure {
    Box::new(Error::TooDeep {
        limit: MAX_META_DEPTH,
        offset: head.offset,
    })
}

#[cold]
pub(crate) fn invalid_utf8(field: String, offset: usize) -> Failure {
    Box::new(Error::InvalidUtf8 { field, offset })
}

#[cold]
fn end_of_input(offset: usize, expected: &'static str) -> Failure {
    Box::new(Error::Cbor {
        offset,
        expected,
        found: "the end of the token".to_owned(),
    })
}

#[cold]
fn too_many_items() -> Failure {
    Box::new(Error::TooManyItems { limit: MAX_ITEMS })
}

#[cold]
fn indefinite(offset: usize, major: u8) -> Failure {
    let what = match major {
        major::BYTES | major::TEXT | major::ARRAY | major::MAP => {
            "indefinite-length item (only definite lengths are accepted)"
        }
        major::SIMPLE => "break code outside an indefinite-length item",
        _ => "additional information 31 on an integer or tag (malformed)",
    };
    Box::new(Error::Unsupported {
        offset,
        what: what.to_owned(),
    })
}

#[cold]
fn reserved(offset: usize, info: u8) -> Failure {
    Box::new(Error::Cbor {
        offset,
        expected: "a data item",
        found: format!("reserved additional information {info}"),
    })
}

#[cold]
fn string_too_long(head: Head, remaining: usize) -> Failure {
    Box::new(Error::Cbor {
        offset: head.offset,
        expected: "a string that fits in the token",
        found: format!("a length of {} with {remaining} bytes left", head.arg),
    })
}

#[cold]
fn too_many_elements(head: Head, remaining: usize) -> Failure {
    Box::new(Error::Cbor {
        offset: head.offset,
        expected: "a container that fits in the token",
        found: format!(
            "{} announced with {} elements but only {remaining} bytes left",
            head.type_name(),
            head.arg
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats_widen_exactly() {
        assert_eq!(half_to_f64(0x3c00), 1.0);
        assert_eq!(half_to_f64(0xc000), -2.0);
        assert_eq!(half_to_f64(0x7bff), 65504.0);
        assert_eq!(half_to_f64(0x0001), 5.960464477539063e-8);
        assert_eq!(half_to_f64(0x7c00), f64::INFINITY);
        assert!(half_to_f64(0x7e00).is_nan());
    }

    #[test]
    fn heads_read_every_width() {
        let bytes = [
            0x17, 0x18, 0x18, 0x19, 0x01, 0x00, 0x1a, 0, 1, 0, 0, 0x1b, 0, 0, 0, 1, 0, 0, 0, 0,
        ];
        let mut r = Reader::new(&bytes);
        let args: Vec<u64> = (0..5).map(|_| r.head().unwrap().arg).collect();
        assert_eq!(args, [23, 24, 256, 65536, 1 << 32]);
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn truncated_and_reserved_heads_are_errors() {
        let err = |bytes: &[u8]| *Reader::new(bytes).head().unwrap_err();
        assert!(matches!(err(&[0x19, 0x01]), Error::Cbor { offset: 0, .. }));
        assert!(matches!(err(&[0x1c]), Error::Cbor { .. }));
        assert!(matches!(err(&[0x9f]), Error::Unsupported { .. }));
        assert!(matches!(err(&[]), Error::Cbor { .. }));
    }

    #[test]
    fn counts_are_checked_against_the_bytes_left() {
        // A map announcing 2^32 entries in a 5-byte input.
        let mut r = Reader::new(&[0xba, 0, 0, 0, 1]);
        let head = r.head().unwrap();
        assert!(matches!(*r.count(head, 2).unwrap_err(), Error::Cbor { .. }));
    }

    #[test]
    fn skip_is_bounded_in_depth() {
        let mut deep = vec![0x81; MAX_META_DEPTH + 2];
        deep.push(0x00);
        let err = Reader::new(&deep).skip(0).unwrap_err();
        assert!(matches!(*err, Error::TooDeep { .. }));
        let mut shallow = vec![0x81; MAX_META_DEPTH];
        shallow.push(0x00);
        Reader::new(&shallow).skip(0).unwrap();
        // Empty containers count as a level too.
        let mut empty = vec![0x81; MAX_META_DEPTH];
        empty.push(0xa0);
        let err = Reader::new(&empty).skip(0).unwrap_err();
        assert!(matches!(*err, Error::TooDeep { .. }));
        // From inside a container, the limit comes sooner.
        let err = Reader::new(&shallow).skip(1).unwrap_err();
        assert!(matches!(*err, Error::TooDeep { .. }));
    }

    #[test]
    fn skip_stops_after_one_item() {
        // [1, {"a": [h'ff', -1], "b": {}}, [], "é"], then 0x07 which is not part of it.
        let item = [
            0x84, 0x01, 0xa2, 0x61, b'a', 0x82, 0x41, 0xff, 0x20, 0x61, b'b', 0xa0, 0x80, 0x62,
            0xc3, 0xa9,
        ];
        let mut bytes = item.to_vec();
        bytes.push(0x07);
        let mut r = Reader::new(&bytes);
        r.skip(0).unwrap();
        assert_eq!(r.position(), item.len());
        assert_eq!(r.head().unwrap().arg, 7);
        // Each scalar is one item.
        for scalar in [
            &[0x00][..],
            &[0x38, 0x10],
            &[0x40],
            &[0x60],
            &[0xf6],
            &[0xfb, 0, 0, 0, 0, 0, 0, 0, 0],
        ] {
            let mut r = Reader::new(scalar);
            r.skip(0).unwrap();
            assert_eq!(r.remaining(), 0, "{scalar:?}");
        }
    }

    #[test]
    fn skip_checks_what_it_skips() {
        let err = |bytes: &[u8]| *Reader::new(bytes).skip(0).unwrap_err();
        assert!(matches!(
            err(&[0x82, 0x61, 0xff, 0x00]),
            Error::InvalidUtf8 { offset: 1, .. }
        ));
        assert!(matches!(
            err(&[0x81, 0xc1, 0x00]),
            Error::Unsupported { offset: 1, .. }
        ));
        assert!(matches!(
            err(&[0x81, 0xf7]),
            Error::Unsupported { offset: 1, .. }
        ));
        // More elements announced than bytes left; then one that fits the count but not the bytes.
        assert!(matches!(err(&[0x82, 0x00]), Error::Cbor { offset: 0, .. }));
        assert!(matches!(
            err(&[0x82, 0x61, b'a']),
            Error::Cbor { offset: 3, .. }
        ));
        assert!(matches!(
            err(&[0x5a, 0xff, 0xff, 0xff, 0xff]),
            Error::Cbor { offset: 0, .. }
        ));
        assert!(matches!(
            err(&[0x9f, 0xff]),
            Error::Unsupported { offset: 0, .. }
        ));
    }
}
