//! Compressed request bodies: `Content-Encoding: gzip` or `deflate`, as PubNub's SDKs send.
//!
//! The SDKs do not agree on what the header means: the JavaScript SDK sends a zlib stream
//! (`deflate`), the Python SDK sends a zlib stream under `gzip`, and other HTTP clients send a
//! real gzip member or a raw deflate stream. So for either header the format is read from the
//! bytes themselves: the gzip magic `1f 8b`, else a valid zlib header, else raw deflate.
//!
//! The decompressed size is bounded by [`MAX_BODY_BYTES`]: decompression stops one byte past
//! it and the request gets `413`, so a compression bomb costs at most that much memory (plus
//! the decoder's 32 KiB window) however far it would expand.

use std::borrow::Cow;
use std::io::Read;

use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};

use crate::Response;
use crate::limits::MAX_BODY_BYTES;

/// The body of a request with `Content-Encoding` `encoding` (`None`: no header), decompressed
/// when it is `gzip`, `x-gzip` or `deflate` (any case), as is for `identity`; otherwise the
/// response to answer: `415` for another coding, `413` when the decompressed body exceeds
/// [`MAX_BODY_BYTES`], `400` when the bytes do not decompress.
pub(crate) fn decode_body<'b>(
    encoding: Option<&str>,
    body: &'b [u8],
) -> Result<Cow<'b, [u8]>, Response> {
    let Some(encoding) = encoding.map(str::trim).filter(|coding| !coding.is_empty()) else {
        return Ok(Cow::Borrowed(body));
    };
    let coding = encoding.to_ascii_lowercase();
    match coding.as_str() {
        "identity" => Ok(Cow::Borrowed(body)),
        "gzip" | "x-gzip" | "deflate" => {
            if body.is_empty() {
                return Ok(Cow::Borrowed(body));
            }
            inflate(body).map(Cow::Owned)
        }
        _ => Err(Response::legacy_with_payload(
            415,
            "Unsupported Media Type",
            Some(serde_json::json!({
                "details": [{
                    "message": format!(
                        "The Content-Encoding `{}` is not supported; send gzip, deflate or \
                         an uncompressed body.",
                        encoding.chars().take(40).collect::<String>()
                    ),
                    "location": "Content-Encoding",
                    "locationType": "header",
                }],
                "accepted": ["gzip", "deflate", "identity"],
            })),
        )),
    }
}

/// Which container the compressed bytes are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Gzip,
    Zlib,
    RawDeflate,
}

fn sniff(body: &[u8]) -> Format {
    match body {
        [0x1f, 0x8b, ..] => Format::Gzip,
        // A zlib header: method 8 (deflate), window at most 32 KiB, check bits.
        [cmf, flg, ..]
            if cmf & 0x0f == 8
                && cmf >> 4 <= 7
                && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0 =>
        {
            Format::Zlib
        }
        _ => Format::RawDeflate,
    }
}

/// Decompresses `body`, reading at most [`MAX_BODY_BYTES`] + 1 bytes of output.
fn inflate(body: &[u8]) -> Result<Vec<u8>, Response> {
    let format = sniff(body);
    let reader: Box<dyn Read + '_> = match format {
        Format::Gzip => Box::new(MultiGzDecoder::new(body)),
        Format::Zlib => Box::new(ZlibDecoder::new(body)),
        Format::RawDeflate => Box::new(DeflateDecoder::new(body)),
    };
    let limit = MAX_BODY_BYTES as u64 + 1;
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(MAX_BODY_BYTES + 1));
    match reader.take(limit).read_to_end(&mut out) {
        Ok(_) if out.len() > MAX_BODY_BYTES => Err(Response::legacy_with_payload(
            413,
            "Payload Too Large",
            Some(serde_json::json!({
                "limit_bytes": MAX_BODY_BYTES,
                "compressed_bytes": body.len(),
                "details": [{
                    "message": format!(
                        "The body decompresses to more than {MAX_BODY_BYTES} bytes."
                    ),
                    "location": "body",
                    "locationType": "body",
                }],
            })),
        )),
        Ok(_) => Ok(out),
        Err(error) => Err(Response::legacy_with_payload(
            400,
            "Invalid compressed body",
            Some(serde_json::json!({
                "details": [{
                    "message": format!(
                        "The body is not a valid {} stream: {error}.",
                        match format {
                            Format::Gzip => "gzip",
                            Format::Zlib => "zlib",
                            Format::RawDeflate => "deflate",
                        }
                    ),
                    "location": "body",
                    "locationType": "body",
                }],
            })),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::new(2));
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn raw(data: &[u8]) -> Vec<u8> {
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn every_container_under_either_header() {
        let message = br#"{"text":"hello"}"#;
        for header in ["gzip", "deflate", "GZIP", "x-gzip", " deflate "] {
            for body in [gzip(message), zlib(message), raw(message)] {
                let decoded = decode_body(Some(header), &body).unwrap();
                assert_eq!(&*decoded, message, "{header}");
            }
        }
        assert_eq!(&*decode_body(None, message).unwrap(), message);
        assert_eq!(&*decode_body(Some("identity"), message).unwrap(), message);
    }

    #[test]
    fn bombs_stop_at_the_limit() {
        let bomb = raw(&vec![b'['; 50 * MAX_BODY_BYTES]);
        assert!(bomb.len() < MAX_BODY_BYTES);
        let response = decode_body(Some("deflate"), &bomb).unwrap_err();
        assert_eq!(response.status, 413);
        assert!(
            response.body.contains("decompresses to more than"),
            "{}",
            response.body
        );
        let exact = gzip(&vec![b' '; MAX_BODY_BYTES]);
        assert_eq!(
            decode_body(Some("gzip"), &exact).unwrap().len(),
            MAX_BODY_BYTES
        );
    }

    #[test]
    fn bad_streams_and_codings_say_what_is_wrong() {
        let response = decode_body(Some("gzip"), b"\x1f\x8bnot gzip at all").unwrap_err();
        assert_eq!(response.status, 400);
        assert!(response.body.contains("gzip"), "{}", response.body);
        let response = decode_body(Some("br"), b"x").unwrap_err();
        assert_eq!(response.status, 415);
        assert!(response.body.contains("`br`"), "{}", response.body);
    }
}
