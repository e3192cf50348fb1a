//! A token reader built on `ciborium-ll`, doing the job of `pam_token::parse_cbor` with the
//! same strictness, so the two can be timed side by side (the `cbor` section): definite
//! lengths only, no tags, no `undefined`, duplicate keys refused (top level, categories, names
//! in a category, `meta` maps at every depth), `v` = 2, `sig` of 32 bytes, `ttl` within `u32`,
//! names UTF-8, no trailing bytes, at most 8 192 items and 32 levels of `meta`, a length
//! never trusted beyond the bytes that remain; and the byte offsets the MAC needs (the map
//! head, the `sig` entry), so [`verify`] checks the HMAC over the bytes as received, as
//! `pam_token::verify_cbor` does.
//!
//! It builds the same kind of result: the names back to back in one string, entries pointing
//! into it, the `meta` bytes kept as received.

use ciborium_io::Read as _;
use ciborium_ll::{Decoder, Header};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// `pam_token::MAX_ITEMS`.
const MAX_ITEMS: usize = 8 * 1024;
/// `pam_token::MAX_META_DEPTH`.
const MAX_META_DEPTH: usize = 32;
/// `pam_token::MAX_CBOR_LEN`.
const MAX_CBOR_LEN: usize = 24 * 1024;

/// Why a token was refused (the offset where it was found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    /// What was wrong.
    pub(crate) what: &'static str,
    /// Byte offset.
    pub(crate) offset: usize,
}

type Result<T> = std::result::Result<T, Refused>;

/// One `res` or `pat` entry: category index, name range in [`LlToken::text`], bitmask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LlEntry {
    pub(crate) category: u8,
    pub(crate) pattern: bool,
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) bits: u8,
}

/// What the reader returns.
#[derive(Debug, Clone, Default)]
pub(crate) struct LlToken {
    pub(crate) version: u64,
    pub(crate) timestamp: u64,
    pub(crate) ttl: u32,
    pub(crate) expires_at: u64,
    pub(crate) text: String,
    pub(crate) entries: Vec<LlEntry>,
    pub(crate) uuid: Option<(u32, u32)>,
    pub(crate) meta: Vec<u8>,
    pub(crate) signature: [u8; 32],
    /// End of the top-level map head.
    header_end: usize,
    /// The `sig` key and value.
    signature_entry: (usize, usize),
}

impl LlToken {
    /// The names of the entries, in order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .map(|e| &self.text[e.start as usize..e.end as usize])
    }
}

/// The categories this reader knows, as `pam-token` does.
const CATEGORIES: [&[u8]; 5] = [b"chan", b"grp", b"uuid", b"usr", b"spc"];

struct Reader<'a> {
    input: &'a [u8],
    dec: Decoder<&'a [u8]>,
    items: usize,
}

fn refuse<T>(what: &'static str, offset: usize) -> Result<T> {
    Err(Refused { what, offset })
}

impl<'a> Reader<'a> {
    fn offset(&mut self) -> usize {
        self.dec.offset()
    }

    /// The next head, counted against [`MAX_ITEMS`]; tags and breaks refused.
    fn head(&mut self) -> Result<(Header, usize)> {
        let offset = self.offset();
        self.items += 1;
        if self.items > MAX_ITEMS {
            return refuse("more than MAX_ITEMS items", offset);
        }
        match self.dec.pull() {
            Ok(Header::Tag(_)) => refuse("a tag", offset),
            Ok(Header::Break) => refuse("a break", offset),
            Ok(header) => Ok((header, offset)),
            Err(_) => refuse("malformed CBOR", offset),
        }
    }

    /// A definite length, within the bytes that remain (`per_item` bytes at least each).
    fn length(&mut self, len: Option<usize>, per_item: usize, offset: usize) -> Result<usize> {
        let Some(len) = len else {
            return refuse("an indefinite length", offset);
        };
        let remaining = self.input.len() - self.offset();
        if len.saturating_mul(per_item) > remaining {
            return refuse("a length past the end", offset);
        }
        Ok(len)
    }

    /// Copies `len` bytes of string content onto `out`.
    fn content_into(&mut self, len: usize, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        out.resize(start + len, 0);
        let offset = self.offset();
        self.dec
            .read_exact(&mut out[start..])
            .or_else(|_| refuse("a string past the end", offset))
    }

    /// The content of a string of `len` bytes, as a slice of the input (the decoder is moved
    /// past it through a scratch copy: a `Read`-based decoder cannot skip).
    fn content(&mut self, len: usize, scratch: &mut Vec<u8>) -> Result<&'a [u8]> {
        let start = self.offset();
        scratch.clear();
        self.content_into(len, scratch)?;
        Ok(&self.input[start..start + len])
    }

    /// A map key: a byte or text string.
    fn key(&mut self, scratch: &mut Vec<u8>) -> Result<&'a [u8]> {
        match self.head()? {
            (Header::Bytes(len) | Header::Text(len), offset) => {
                let len = self.length(len, 1, offset)?;
                self.content(len, scratch)
            }
            (_, offset) => refuse("a key that is not a string", offset),
        }
    }

    fn unsigned(&mut self) -> Result<u64> {
        match self.head()? {
            (Header::Positive(n), _) => Ok(n),
            (_, offset) => refuse("not an unsigned integer", offset),
        }
    }

    /// Checks one value (skipped or `meta`), `depth` levels down.
    fn check_value(&mut self, depth: usize, scratch: &mut Vec<u8>) -> Result<()> {
        let (header, offset) = self.head()?;
        match header {
            Header::Positive(_) | Header::Negative(_) | Header::Float(_) => Ok(()),
            Header::Simple(20..=22) => Ok(()),
            Header::Simple(_) => refuse("a simple value other than false, true, null", offset),
            Header::Bytes(len) => {
                let len = self.length(len, 1, offset)?;
                self.content(len, scratch).map(drop)
            }
            Header::Text(len) => {
                let len = self.length(len, 1, offset)?;
                let text = self.content(len, scratch)?;
                std::str::from_utf8(text)
                    .map(drop)
                    .or_else(|_| refuse("text that is not UTF-8", offset))
            }
            Header::Array(len) => {
                if depth >= MAX_META_DEPTH {
                    return refuse("nested too deep", offset);
                }
                for _ in 0..self.length(len, 1, offset)? {
                    self.check_value(depth + 1, scratch)?;
                }
                Ok(())
            }
            Header::Map(len) => {
                if depth >= MAX_META_DEPTH {
                    return refuse("nested too deep", offset);
                }
                self.check_map_body(len, offset, depth, scratch)
            }
            Header::Tag(_) | Header::Break => refuse("a tag or break", offset),
        }
    }

    /// The entries of a map whose head was just read: keys distinct, values checked.
    fn check_map_body(
        &mut self,
        len: Option<usize>,
        offset: usize,
        depth: usize,
        scratch: &mut Vec<u8>,
    ) -> Result<()> {
        let count = self.length(len, 2, offset)?;
        // Up to 16 keys on the stack: no allocation for the usual small map.
        let mut few: [&'a [u8]; 16] = [&[]; 16];
        let mut many: Vec<&'a [u8]> = Vec::new();
        for i in 0..count {
            let (header, key_offset) = self.head()?;
            let key = match header {
                Header::Text(len) => {
                    let len = self.length(len, 1, key_offset)?;
                    let key = self.content(len, scratch)?;
                    if std::str::from_utf8(key).is_err() {
                        return refuse("a key that is not UTF-8", key_offset);
                    }
                    key
                }
                Header::Bytes(len) => {
                    let len = self.length(len, 1, key_offset)?;
                    self.content(len, scratch)?
                }
                // An integer key: compared by its encoding.
                Header::Positive(_) | Header::Negative(_) => {
                    &self.input[key_offset..self.dec.offset()]
                }
                _ => return refuse("a map key of another type", key_offset),
            };
            if count <= few.len() {
                few[i] = key;
            } else {
                many.push(key);
            }
            self.check_value(depth + 1, scratch)?;
        }
        let keys = if count <= few.len() {
            &mut few[..count]
        } else {
            &mut many[..]
        };
        if has_duplicate(keys) {
            return refuse("a duplicate key", offset);
        }
        Ok(())
    }
}

/// Whether two of `keys` are equal: pairwise when few, sorted otherwise.
fn has_duplicate(keys: &mut [&[u8]]) -> bool {
    if keys.len() <= 16 {
        (0..keys.len()).any(|i| keys[i + 1..].contains(&keys[i]))
    } else {
        keys.sort_unstable();
        keys.windows(2).any(|w| w[0] == w[1])
    }
}

/// Reads `res` or `pat` into `token`.
fn section(
    r: &mut Reader<'_>,
    pattern: bool,
    token: &mut LlToken,
    names: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) -> Result<()> {
    let (header, offset) = r.head()?;
    let Header::Map(len) = header else {
        return refuse("a section that is not a map", offset);
    };
    let categories = r.length(len, 2, offset)?;
    let mut seen = [false; CATEGORIES.len()];
    for _ in 0..categories {
        let key_offset = r.offset();
        let key = r.key(scratch)?;
        let known = CATEGORIES.iter().position(|c| *c == key);
        if let Some(i) = known {
            if std::mem::replace(&mut seen[i], true) {
                return refuse("a duplicate category", key_offset);
            }
        }
        let (header, offset) = r.head()?;
        let Header::Map(len) = header else {
            return refuse("a category that is not a map", offset);
        };
        let count = r.length(len, 2, offset)?;
        let first = token.entries.len();
        let names_mark = names.len();
        for _ in 0..count {
            let (header, name_offset) = r.head()?;
            let Header::Text(len) = header else {
                return refuse("a name that is not text", name_offset);
            };
            let len = r.length(len, 1, name_offset)?;
            let start = names.len();
            r.content_into(len, names)?;
            let bits = match r.head()? {
                (Header::Positive(n), _) if n <= 255 => n as u8,
                (_, offset) => return refuse("a bitmask that is not 0..=255", offset),
            };
            token.entries.push(LlEntry {
                category: known.map_or(u8::MAX, |i| i as u8),
                pattern,
                start: start as u32,
                end: names.len() as u32,
                bits,
            });
        }
        let name = |e: &LlEntry| &names[e.start as usize..e.end as usize];
        let these = &token.entries[first..];
        let repeated = if count <= 16 {
            (0..count).any(|i| these[i + 1..].iter().any(|e| name(e) == name(&these[i])))
        } else {
            let mut sorted: Vec<&[u8]> = these.iter().map(name).collect();
            has_duplicate(&mut sorted)
        };
        if repeated {
            return refuse("a duplicate name", offset);
        }
        if known.is_none() {
            // An unknown category: its names must be UTF-8, then it is dropped.
            if std::str::from_utf8(&names[names_mark..]).is_err() {
                return refuse("a name that is not UTF-8", offset);
            }
            token.entries.truncate(first);
            names.truncate(names_mark);
        }
    }
    Ok(())
}

/// Parses a token's CBOR with `pam_token::parse_cbor`'s rules.
pub(crate) fn parse(input: &[u8]) -> Result<LlToken> {
    if input.len() > MAX_CBOR_LEN {
        return refuse("longer than MAX_CBOR_LEN", 0);
    }
    let mut r = Reader {
        input,
        dec: Decoder::from(input),
        items: 0,
    };
    let mut scratch = Vec::new();
    let (header, offset) = r.head()?;
    let Header::Map(len) = header else {
        return refuse("a token that is not a map", offset);
    };
    let count = r.length(len, 2, offset)?;
    let mut token = LlToken {
        header_end: r.offset(),
        ..LlToken::default()
    };
    let mut names: Vec<u8> = Vec::with_capacity(input.len() / 2);
    // v, t, ttl, res, pat, meta, uuid, sig
    let mut seen = [false; 8];
    let mut once = |i: usize, offset: usize| {
        if std::mem::replace(&mut seen[i], true) {
            refuse("a duplicate key", offset)
        } else {
            Ok(())
        }
    };
    for _ in 0..count {
        let key_start = r.offset();
        match r.key(&mut scratch)? {
            b"v" => {
                once(0, key_start)?;
                token.version = r.unsigned()?;
                if token.version != 2 {
                    return refuse("a version other than 2", key_start);
                }
            }
            b"t" => {
                once(1, key_start)?;
                token.timestamp = r.unsigned()?;
            }
            b"ttl" => {
                once(2, key_start)?;
                let ttl = r.unsigned()?;
                token.ttl = u32::try_from(ttl).or_else(|_| refuse("ttl past u32", key_start))?;
            }
            b"res" => {
                once(3, key_start)?;
                section(&mut r, false, &mut token, &mut names, &mut scratch)?;
            }
            b"pat" => {
                once(4, key_start)?;
                section(&mut r, true, &mut token, &mut names, &mut scratch)?;
            }
            b"meta" => {
                once(5, key_start)?;
                let start = r.offset();
                let (header, offset) = r.head()?;
                let Header::Map(len) = header else {
                    return refuse("meta that is not a map", offset);
                };
                r.check_map_body(len, offset, 1, &mut scratch)?;
                if len != Some(0) {
                    token.meta = input[start..r.offset()].to_vec();
                }
            }
            b"uuid" => {
                once(6, key_start)?;
                let (header, offset) = r.head()?;
                let Header::Text(len) = header else {
                    return refuse("a uuid that is not text", offset);
                };
                let len = r.length(len, 1, offset)?;
                let start = names.len();
                r.content_into(len, &mut names)?;
                token.uuid = Some((start as u32, names.len() as u32));
            }
            b"sig" => {
                once(7, key_start)?;
                let (header, offset) = r.head()?;
                let Header::Bytes(Some(32)) = header else {
                    return refuse("a sig that is not 32 bytes", offset);
                };
                let content = r.content(32, &mut scratch)?;
                token.signature.copy_from_slice(content);
                token.signature_entry = (key_start, r.offset());
            }
            _ => r.check_value(1, &mut scratch)?,
        }
    }
    if r.offset() != input.len() {
        return refuse("trailing bytes", r.offset());
    }
    for (i, field) in [0, 1, 2, 3, 4, 7].into_iter().enumerate() {
        if !seen[field] {
            return refuse(["v", "t", "ttl", "res", "pat", "sig"][i], 0);
        }
    }
    token.expires_at = token
        .timestamp
        .checked_add(u64::from(token.ttl) * 60)
        .map_or_else(|| refuse("t + ttl past u64", 0), Ok)?;
    // Each name is UTF-8 iff the whole buffer is and every name starts and ends on a
    // character boundary.
    let text = String::from_utf8(names).or_else(|_| refuse("a name that is not UTF-8", 0))?;
    let bounds = token
        .entries
        .iter()
        .map(|e| (e.start, e.end))
        .chain(token.uuid);
    for (start, end) in bounds {
        if !text.is_char_boundary(start as usize) || !text.is_char_boundary(end as usize) {
            return refuse("a name that is not UTF-8", 0);
        }
    }
    token.text = text;
    Ok(token)
}

/// [`parse`], then the HMAC-SHA256 over the bytes as received without the `sig` entry and
/// with the map's count lowered by one, compared in constant time.
pub(crate) fn verify(input: &[u8], secret_key: &[u8]) -> Result<LlToken> {
    let token = parse(input)?;
    let header = &input[..token.header_end];
    let mut lowered = [0u8; 9];
    let lowered = &mut lowered[..header.len()];
    lowered.copy_from_slice(header);
    if lowered.len() == 1 {
        lowered[0] -= 1;
    } else {
        for byte in lowered[1..].iter_mut().rev() {
            let (value, borrow) = byte.overflowing_sub(1);
            *byte = value;
            if !borrow {
                break;
            }
        }
    }
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret_key).expect("any key length");
    mac.update(lowered);
    mac.update(&input[token.header_end..token.signature_entry.0]);
    mac.update(&input[token.signature_entry.1..]);
    mac.verify_slice(&token.signature)
        .or_else(|_| refuse("signature mismatch", 0))?;
    Ok(token)
}

/// The least any reader on `ciborium-ll` does: pull every head and copy every string, with no
/// check and nothing built. A lower bound for [`parse`].
pub(crate) fn walk(input: &[u8]) -> Option<usize> {
    fn item(dec: &mut Decoder<&[u8]>, buffer: &mut [u8; 256]) -> Option<usize> {
        let mut items = 1;
        match dec.pull().ok()? {
            Header::Bytes(Some(len)) | Header::Text(Some(len)) => {
                let mut left = len;
                while left > 0 {
                    let n = left.min(buffer.len());
                    dec.read_exact(&mut buffer[..n]).ok()?;
                    left -= n;
                }
            }
            Header::Array(Some(len)) => {
                for _ in 0..len {
                    items += item(dec, buffer)?;
                }
            }
            Header::Map(Some(len)) => {
                for _ in 0..len * 2 {
                    items += item(dec, buffer)?;
                }
            }
            Header::Positive(_) | Header::Negative(_) | Header::Float(_) | Header::Simple(_) => {}
            _ => return None,
        }
        Some(items)
    }
    let mut dec = Decoder::from(input);
    item(&mut dec, &mut [0; 256])
}
