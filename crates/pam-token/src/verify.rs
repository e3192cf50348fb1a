//! Verifying tokens issued by this crate (or by the emulator).

use hmac::Mac;

use crate::issue::mac;
use crate::parse::{Layout, parse_with_layout};
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
/// # Errors
///
/// Any [`parse`](crate::parse) error, or [`Error::SignatureMismatch`].
pub fn verify(token: &str, secret_key: &[u8]) -> Result<Token, Error> {
    let mut buffer = base64url::Buffer::new();
    let bytes = base64url::decode(token, &mut buffer)?;
    verify_cbor(bytes, secret_key)
}

/// [`verify`] for a token's decoded bytes.
///
/// # Errors
///
/// Any [`parse_cbor`](crate::parse_cbor) error, or [`Error::SignatureMismatch`].
pub fn verify_cbor(bytes: &[u8], secret_key: &[u8]) -> Result<Token, Error> {
    let mut layout = Layout::default();
    let token = parse_with_layout(bytes, &mut layout)?;
    let header = &bytes[layout.header.clone()];
    let mut lowered = [0u8; 9];
    let lowered = lower_count(header, &mut lowered);

    let mut hmac = mac(secret_key);
    hmac.update(lowered);
    hmac.update(&bytes[layout.header.end..layout.signature_entry.start]);
    hmac.update(&bytes[layout.signature_entry.end..]);
    hmac.verify_slice(token.signature())
        .map_err(|_| Error::SignatureMismatch)?;
    Ok(token)
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
}
