//! Writing CBOR the way PubNub's server does: definite lengths, shortest integer heads.

use crate::cbor_reader::major;
use crate::{Meta, MetaMap};

/// Appends a head with the shortest encoding of `arg`.
pub(crate) fn head(out: &mut Vec<u8>, major: u8, arg: u64) {
    let m = major << 5;
    if arg < 24 {
        out.push(m | arg as u8);
    } else if let Ok(a) = u8::try_from(arg) {
        out.extend_from_slice(&[m | 24, a]);
    } else if let Ok(a) = u16::try_from(arg) {
        out.push(m | 25);
        out.extend_from_slice(&a.to_be_bytes());
    } else if let Ok(a) = u32::try_from(arg) {
        out.push(m | 26);
        out.extend_from_slice(&a.to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&arg.to_be_bytes());
    }
}

pub(crate) fn bytes(out: &mut Vec<u8>, b: &[u8]) {
    head(out, major::BYTES, b.len() as u64);
    out.extend_from_slice(b);
}

pub(crate) fn text(out: &mut Vec<u8>, s: &str) {
    head(out, major::TEXT, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

pub(crate) fn map(out: &mut Vec<u8>, m: &MetaMap) {
    head(out, major::MAP, m.len() as u64);
    for (k, v) in m.iter() {
        text(out, k);
        value(out, v);
    }
}

/// Appends a `meta` value. Integers outside CBOR's range (−2⁶⁴ ..= 2⁶⁴−1) are written as the
/// nearest double; floats are always doubles.
pub(crate) fn value(out: &mut Vec<u8>, v: &Meta) {
    match v {
        Meta::Null => out.push(0xf6),
        Meta::Bool(false) => out.push(0xf4),
        Meta::Bool(true) => out.push(0xf5),
        Meta::Integer(i) => {
            if let Ok(u) = u64::try_from(*i) {
                head(out, major::UNSIGNED, u);
            } else if let Ok(n) = u64::try_from(-1 - *i) {
                head(out, major::NEGATIVE, n);
            } else {
                float(out, *i as f64);
            }
        }
        Meta::Float(f) => float(out, *f),
        Meta::Text(s) => text(out, s),
        Meta::Bytes(b) => bytes(out, b),
        Meta::Array(items) => {
            head(out, major::ARRAY, items.len() as u64);
            for item in items {
                value(out, item);
            }
        }
        Meta::Map(m) => map(out, m),
    }
}

fn float(out: &mut Vec<u8>, f: f64) {
    out.push(0xfb);
    out.extend_from_slice(&f.to_bits().to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_shortest() {
        let cases: [(u64, &[u8]); 7] = [
            (0, &[0x00]),
            (23, &[0x17]),
            (24, &[0x18, 24]),
            (255, &[0x18, 0xff]),
            (256, &[0x19, 1, 0]),
            (65536, &[0x1a, 0, 1, 0, 0]),
            (1 << 32, &[0x1b, 0, 0, 0, 1, 0, 0, 0, 0]),
        ];
        for (arg, expected) in cases {
            let mut out = Vec::new();
            head(&mut out, major::UNSIGNED, arg);
            assert_eq!(out, expected, "{arg}");
        }
    }

    #[test]
    fn negative_integers_use_major_one() {
        let mut out = Vec::new();
        value(&mut out, &Meta::Integer(-1));
        value(&mut out, &Meta::Integer(-(1i128 << 64)));
        assert_eq!(
            out,
            [0x20, 0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
    }
}
