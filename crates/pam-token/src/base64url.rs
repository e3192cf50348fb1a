//! The token's outer layer: base64url text to bytes, and back.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::{Error, MAX_TOKEN_LEN};

/// URL-safe alphabet, padding optional (the server pads, some SDK fixtures do not).
const URL_SAFE_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Tokens up to this many characters decode into a buffer on the stack; longer ones into a
/// `Vec`. Server tokens are a few hundred characters.
const STACK_CHARS: usize = 1024;

/// Where a token string decodes to.
pub(crate) struct Buffer {
    stack: [u8; STACK_CHARS / 4 * 3],
    heap: Vec<u8>,
}

impl Buffer {
    pub(crate) fn new() -> Self {
        Buffer {
            stack: [0; STACK_CHARS / 4 * 3],
            heap: Vec::new(),
        }
    }
}

/// Decodes a token string into its CBOR bytes, kept in `buffer`.
///
/// Accepts the URL-safe alphabet with or without `=` padding. A string that uses the standard
/// alphabet's `+` or `/` (as some tools print tokens) is accepted when it decodes once they
/// are read as `-` and `_`.
pub(crate) fn decode<'b>(token: &str, buffer: &'b mut Buffer) -> Result<&'b [u8], Error> {
    if token.is_empty() {
        return Err(Error::Empty);
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(Error::TooLong {
            limit: MAX_TOKEN_LEN,
            found: token.len(),
        });
    }
    match decode_into(token.as_bytes(), buffer) {
        Ok(len) => Ok(buffer.decoded(token.len(), len)),
        Err(base64::DecodeError::InvalidByte(_, b'+' | b'/')) => {
            let url_safe: Vec<u8> = token
                .bytes()
                .map(|c| match c {
                    b'+' => b'-',
                    b'/' => b'_',
                    other => other,
                })
                .collect();
            match decode_into(&url_safe, buffer) {
                Ok(len) => Ok(buffer.decoded(token.len(), len)),
                Err(e) => Err(describe(e, token)),
            }
        }
        Err(e) => Err(describe(e, token)),
    }
}

/// Decodes into the stack buffer when the input is short enough, else into the `Vec`; returns
/// the decoded length.
fn decode_into(input: &[u8], buffer: &mut Buffer) -> Result<usize, base64::DecodeError> {
    if input.len() <= STACK_CHARS {
        match URL_SAFE_ANY_PADDING.decode_slice(input, &mut buffer.stack) {
            Ok(len) => return Ok(len),
            Err(base64::DecodeSliceError::DecodeError(e)) => return Err(e),
            // Cannot happen (the buffer holds 3 bytes per 4 characters); decode to the heap.
            Err(base64::DecodeSliceError::OutputSliceTooSmall) => {}
        }
    }
    buffer.heap.clear();
    URL_SAFE_ANY_PADDING.decode_vec(input, &mut buffer.heap)?;
    Ok(buffer.heap.len())
}

impl Buffer {
    fn decoded(&self, input_len: usize, len: usize) -> &[u8] {
        if input_len <= STACK_CHARS && self.heap.is_empty() {
            &self.stack[..len]
        } else {
            &self.heap[..len]
        }
    }
}

/// base64url with `=` padding, as the server writes tokens.
pub(crate) fn encode_padded(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

/// base64url without padding, as the JSON view prints signatures.
#[cfg(feature = "json")]
pub(crate) fn encode_unpadded(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn describe(error: base64::DecodeError, token: &str) -> Error {
    let (position, reason) = match error {
        base64::DecodeError::InvalidByte(at, byte) => (
            Some(at),
            format!(
                "{} at position {at} is not a base64url character",
                character(token, at, byte)
            ),
        ),
        base64::DecodeError::InvalidLastSymbol(at, byte) => (
            Some(at),
            format!(
                "last character {} at position {at} leaves non-zero bits: the token is truncated or altered",
                character(token, at, byte)
            ),
        ),
        base64::DecodeError::InvalidLength(symbols) => (
            None,
            format!(
                "{symbols} data characters cannot be base64 (one character left over): the token is truncated"
            ),
        ),
        base64::DecodeError::InvalidPadding => {
            (None, "the `=` padding does not match the length".to_owned())
        }
    };
    Error::InvalidBase64 { position, reason }
}

/// The offending character, quoted; a whole char even when `at` is inside a multi-byte one.
fn character(token: &str, at: usize, byte: u8) -> String {
    let start = (0..=at.min(token.len()))
        .rev()
        .find(|i| token.is_char_boundary(*i))
        .unwrap_or(0);
    match token[start..].chars().next() {
        Some(c) => format!("{c:?}"),
        None => format!("byte 0x{byte:02x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(token: &str) -> Result<Vec<u8>, Error> {
        super::decode(token, &mut Buffer::new()).map(<[u8]>::to_vec)
    }

    #[test]
    fn accepts_padded_unpadded_and_standard_alphabet() {
        // 0xfb 0xff = "-_8" in base64url, "+/8" in standard base64.
        assert_eq!(decode("-_8=").unwrap(), [0xfb, 0xff]);
        assert_eq!(decode("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(decode("+/8=").unwrap(), [0xfb, 0xff]);
        assert_eq!(decode("+_8").unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn long_tokens_decode_on_the_heap() {
        for len in [
            STACK_CHARS - 4,
            STACK_CHARS,
            STACK_CHARS + 4,
            3 * STACK_CHARS,
        ] {
            let bytes: Vec<u8> = (0..len / 4 * 3).map(|i| i as u8).collect();
            let text = encode_padded(&bytes);
            assert_eq!(text.len(), len);
            assert_eq!(decode(&text).unwrap(), bytes, "{len}");
            let standard = text.replace('-', "+").replace('_', "/");
            assert_eq!(decode(&standard).unwrap(), bytes, "{len}");
        }
    }

    #[test]
    fn reports_where_and_what() {
        let err = decode("ab!d").unwrap_err();
        assert!(
            matches!(&err, Error::InvalidBase64 { position: Some(2), reason } if reason.contains("'!'")),
            "{err}"
        );
        assert_eq!(decode(""), Err(Error::Empty));
        assert!(matches!(
            decode("abcde"),
            Err(Error::InvalidBase64 { position: None, .. })
        ));
        assert!(matches!(decode("ab="), Err(Error::InvalidBase64 { .. })));
        assert!(matches!(
            decode("éa"),
            Err(Error::InvalidBase64 {
                position: Some(0),
                ..
            })
        ));
        let long = "A".repeat(MAX_TOKEN_LEN + 4);
        assert_eq!(
            decode(&long),
            Err(Error::TooLong {
                limit: MAX_TOKEN_LEN,
                found: MAX_TOKEN_LEN + 4
            })
        );
    }
}
