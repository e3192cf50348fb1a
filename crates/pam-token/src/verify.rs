//! Verifying tokens issued by this crate (or by the emulator).
//!
//! One routine, [`check`], recomputes and compares the HMAC; it is fed the [`Layout`] either
//! by the full parse ([`verify`]) or by [`locate`], a walk that only skips items
//! ([`verify_signature`]).

use hmac::Mac;

use crate::cbor_reader::{Failure, Reader, major, wrong_type};
use crate::error::quote;
use crate::issue::mac;
use crate::parse::{Layout, check_len, parse_with_layout};
use crate::{Error, Token, base64url};

/// Parses `token` and checks its signature against `secret_key`.
///
/// The HMAC-SHA256 is recomputed over the bytes as received: the `sig` entry is left out and
/// the top-level map's entry count is lowered by one (in the same head width), never a
/// re-encoding, so a token verifies whatever its key or category order. The comparison is
/// constant-time.
///
/// PubNub's server signs its tokens with a scheme that is not public, so PubNub-issued tokens
/// parse but do not verify: this checks tokens issued by [`issue`](crate::issue),
/// [`TokenBuilder`](crate::TokenBuilder) and the emulator.
///
/// To learn only whether a token is authentic, without building a [`Token`], see
/// [`verify_signature`].
///
/// # Errors
///
/// Any [`parse`](crate::parse) error, [`Error::BadSignatureLength`] when `sig` is not 32
/// bytes long, or [`Error::SignatureMismatch`].
pub fn verify(token: &str, secret_key: &[u8]) -> Result<Token, Error> {
    let mut buffer = base64url::Buffer::new();
    let bytes = base64url::decode(token, &mut buffer)?;
    verify_cbor(bytes, secret_key)
}

/// [`verify`] for a token's decoded bytes.
///
/// The token is parsed first and the signature checked after, with the same routine as
/// [`verify_signature_cbor`]: the parse already finds where the `sig` entry is, so checking
/// first would walk the bytes twice.
///
/// # Errors
///
/// Any [`parse_cbor`](crate::parse_cbor) error, [`Error::BadSignatureLength`] when `sig` is
/// not 32 bytes long, or [`Error::SignatureMismatch`].
pub fn verify_cbor(bytes: &[u8], secret_key: &[u8]) -> Result<Token, Error> {
    let mut layout = Layout::default();
    let token = parse_with_layout(bytes, &mut layout)?;
    let signature = token
        .hmac_signature()
        .ok_or_else(|| Error::BadSignatureLength {
            found: token.signature().len(),
        })?;
    check(bytes, &layout, signature, secret_key)?;
    Ok(token)
}

/// Checks only that `token` carries a valid signature made with `secret_key`, without
/// building a [`Token`].
///
/// `Ok(())` says the bytes are authentic: they were signed with this key, by
/// [`issue`](crate::issue), [`TokenBuilder`](crate::TokenBuilder) or the emulator. It says
/// nothing about what they grant, nor whether the token has expired: call
/// [`parse`](crate::parse) (or [`verify`], which does both) to read the token and
/// [`Token::authorize`] to decide a request.
///
/// The CBOR is walked, not read: every item is checked to be well formed, within the same
/// bounds as [`parse`](crate::parse) ([`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN) or
/// [`MAX_CBOR_LEN`](crate::MAX_CBOR_LEN),
/// [`MAX_ITEMS`](crate::MAX_ITEMS), [`MAX_META_DEPTH`](crate::MAX_META_DEPTH), definite lengths,
/// no trailing bytes), and the one `sig` entry (a byte- or text-string key, anywhere in the
/// map, holding 32 bytes) is found; the other fields' names and types are not checked. The
/// HMAC-SHA256 covers the bytes as received, as for [`verify`], and is compared in constant
/// time. Strings up to 1 KiB decode on the stack; nothing is allocated for them.
///
/// PubNub-issued tokens give [`Error::SignatureMismatch`] with any key (their signing scheme
/// is not public).
///
/// # Errors
///
/// [`Error::SignatureMismatch`]; a base64 or CBOR error saying where the bytes are malformed;
/// [`Error::MissingField`], [`Error::DuplicateKey`], [`Error::WrongType`] or
/// [`Error::BadSignatureLength`] when there is not exactly one `sig` entry holding 32 bytes.
pub fn verify_signature(token: &str, secret_key: &[u8]) -> Result<(), Error> {
    let mut buffer = base64url::Buffer::new();
    let bytes = base64url::decode(token, &mut buffer)?;
    verify_signature_cbor(bytes, secret_key)
}

/// [`verify_signature`] for a token's decoded bytes.
///
/// # Errors
///
/// As [`verify_signature`], less the base64 errors; [`Error::CborTooLong`] past
/// [`MAX_CBOR_LEN`](crate::MAX_CBOR_LEN) bytes.
pub fn verify_signature_cbor(bytes: &[u8], secret_key: &[u8]) -> Result<(), Error> {
    check_len(bytes)?;
    let (layout, signature) = locate(bytes).map_err(|e| *e)?;
    check(bytes, &layout, signature, secret_key)
}

/// Walks the top-level map of `bytes`, skipping every value but `sig`'s; returns where the map
/// head and the `sig` entry are, and the signature.
fn locate(bytes: &[u8]) -> Result<(Layout, &[u8; 32]), Failure> {
    let mut r = Reader::new(bytes);
    let head = r.head()?;
    if head.major() != major::MAP {
        return Err(wrong_type("token".to_owned(), "a map", head));
    }
    let count = r.count(head, 2)?;
    let header_end = r.position();
    let mut found: Option<(&[u8; 32], usize, usize)> = None;
    for _ in 0..count {
        let key_start = r.position();
        if r.key("token")? != b"sig" {
            r.skip(0)?;
            continue;
        }
        let value = r.head()?;
        if value.major() != major::BYTES {
            return Err(wrong_type("sig".to_owned(), "a byte string", value));
        }
        let content = r.content(value)?;
        let signature: &[u8; 32] = content.try_into().map_err(|_| {
            Box::new(Error::BadSignatureLength {
                found: content.len(),
            })
        })?;
        if found.is_some() {
            return Err(Box::new(Error::DuplicateKey {
                field: "token".to_owned(),
                key: quote("sig"),
            }));
        }
        found = Some((signature, key_start, r.position()));
    }
    if r.remaining() > 0 {
        return Err(Box::new(Error::TrailingBytes {
            count: r.remaining(),
            offset: r.position(),
        }));
    }
    let (signature, start, end) =
        found.ok_or_else(|| Box::new(Error::MissingField { field: "sig" }))?;
    let layout = Layout {
        header: 0..header_end,
        signature_entry: start..end,
    };
    Ok((layout, signature))
}

/// The signature check itself: HMAC-SHA256 with `secret_key` over the map head with its
/// count lowered by one, then the bytes before and after the `sig` entry, fed in pieces (no
/// copy), compared with `signature` in constant time.
fn check(
    bytes: &[u8],
    layout: &Layout,
    signature: &[u8; 32],
    secret_key: &[u8],
) -> Result<(), Error> {
    let header = &bytes[layout.header.clone()];
    let mut lowered = [0u8; 9];
    let lowered = lower_count(header, &mut lowered);

    let mut hmac = mac(secret_key);
    hmac.update(lowered);
    hmac.update(&bytes[layout.header.end..layout.signature_entry.start]);
    hmac.update(&bytes[layout.signature_entry.end..]);
    hmac.verify_slice(signature)
        .map_err(|_| Error::SignatureMismatch)
}

/// `header` (a map head of 1 to 9 bytes announcing at least one entry, the `sig`) with its
/// count lowered by one, in the same width.
fn lower_count<'o>(header: &[u8], out: &'o mut [u8; 9]) -> &'o [u8] {
    let len = header.len().min(out.len());
    let out = &mut out[..len];
    out.copy_from_slice(&header[..len]);
    if len == 1 {
        out[0] = out[0].wrapping_sub(1);
    } else {
        // Big-endian subtraction of one over the argument bytes; the count is at least 1.
        for byte in out[1..].iter_mut().rev() {
            let (value, borrow) = byte.overflowing_sub(1);
            *byte = value;
            if !borrow {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowering_keeps_the_width() {
        let mut buf = [0u8; 9];
        assert_eq!(lower_count(&[0xa8], &mut buf), [0xa7]);
        assert_eq!(lower_count(&[0xb8, 0x08], &mut buf), [0xb8, 0x07]);
        assert_eq!(
            lower_count(&[0xb9, 0x01, 0x00], &mut buf),
            [0xb9, 0x00, 0xff]
        );
        assert_eq!(
            lower_count(&[0xba, 0, 1, 0, 0], &mut buf),
            [0xba, 0, 0, 0xff, 0xff]
        );
    }

    #[test]
    fn locate_finds_the_sig_entry_and_the_head() {
        // {"v": 2, "sig": h'00…', "t": 1}, the sig key as text.
        let mut bytes = vec![0xa3, 0x41, b'v', 0x02, 0x63, b's', b'i', b'g', 0x58, 32];
        bytes.extend_from_slice(&[9; 32]);
        bytes.extend_from_slice(&[0x41, b't', 0x01]);
        let (layout, signature) = locate(&bytes).unwrap();
        assert_eq!(layout.header, 0..1);
        assert_eq!(layout.signature_entry, 4..4 + 4 + 2 + 32);
        assert_eq!(signature, &[9; 32]);
    }

    #[test]
    fn an_empty_map_has_no_sig() {
        assert_eq!(
            *locate(&[0xa0]).unwrap_err(),
            Error::MissingField { field: "sig" }
        );
    }
}
