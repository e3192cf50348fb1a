//! What the fuzz targets share: splitting one fuzz input into the fields of a request, and
//! the secrets every target checks never come back out.
//!
//! Inputs are split on `\n` (for text fields) and on a `0x00` byte (the body follows it), so
//! a seed corpus of real requests stays readable and libFuzzer's mutations keep the shape.

#![forbid(unsafe_code)]

/// The secret key of the keyset every target uses. No output may contain it.
pub const SECRET_KEY: &str = "sec-c-FUZZ-7f3a9c1e5b2d4068-secret";

/// The publish key of that keyset.
pub const PUBLISH_KEY: &str = "pub-c-fuzz";

/// The subscribe key of that keyset.
pub const SUBSCRIBE_KEY: &str = "sub-c-fuzz";

/// A fuzz input read as a request: text lines up to the first `0x00` byte, the body after it.
#[derive(Debug)]
pub struct RequestInput<'a> {
    /// The bytes before the first `0x00` (all of the input when there is none), as text.
    pub head: std::borrow::Cow<'a, str>,
    /// The bytes after the first `0x00` (empty when there is none).
    pub body: &'a [u8],
}

impl<'a> RequestInput<'a> {
    /// Splits `data` at its first `0x00` byte; the head is read as UTF-8, with invalid
    /// sequences replaced (the request fields are text).
    #[must_use]
    pub fn split(data: &'a [u8]) -> Self {
        let (head, body) = match data.iter().position(|&b| b == 0) {
            Some(at) => (&data[..at], &data[at + 1..]),
            None => (data, &data[data.len()..]),
        };
        RequestInput {
            head: String::from_utf8_lossy(head),
            body,
        }
    }

    /// The head's `\n`-separated lines, the first `n` of them padded with empty lines when
    /// there are fewer, then the remaining lines.
    #[must_use]
    pub fn lines(&self, n: usize) -> (Vec<&str>, Vec<&str>) {
        let mut lines = self.head.split('\n');
        let first: Vec<&str> = (0..n).map(|_| lines.next().unwrap_or("")).collect();
        (first, lines.collect())
    }
}

/// Splits a raw query (`a=1&b=2`) into pairs the way a server does before decoding:
/// on `&`, then on the first `=`; empty pieces are skipped.
#[must_use]
pub fn query_pairs(raw: &str) -> Vec<(&str, &str)> {
    raw.split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| piece.split_once('=').unwrap_or((piece, "")))
        .collect()
}

/// Decodes `%XX` escapes and `+` (as a space) the way a server decodes query keys; `None`
/// on a bad escape or bytes that are not UTF-8.
#[must_use]
pub fn form_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The request target with every credential *position* emptied: the token segment of a
/// revoke path (`/v3/pam/{sub}/grant/{token}`, split on `/` as the router splits it) and the
/// values of the `auth`, `signature` and `token` query parameters (keys decoded as the server
/// decodes them). What is left is what a log may show as sent.
#[must_use]
pub fn without_credentials(path: &str, query: &str) -> String {
    let mut out = match path
        .strip_prefix('/')
        .map(|rest| rest.splitn(7, '/').collect::<Vec<_>>())
    {
        Some(segments) if matches!(segments.as_slice(), ["v3", "pam", _, "grant", token, ..] if !token.is_empty()) =>
        {
            format!("/v3/pam/{}/grant/", segments[2])
        }
        _ => path.to_owned(),
    };
    out.push('?');
    for piece in query.split('&') {
        let (key, _) = piece.split_once('=').unwrap_or((piece, ""));
        let decoded = form_decode(key);
        let secret = ["auth", "signature", "token"]
            .iter()
            .any(|name| key == *name || decoded.as_deref() == Some(*name));
        out.push_str(if secret { key } else { piece });
        out.push('&');
    }
    out
}

/// Panics (the fuzzer's way to report) when `text` contains the secret key but `input` did
/// not: echoing what the client sent is fine, producing the secret is a leak.
pub fn assert_no_secret(what: &str, text: &str, input: &[u8]) {
    let leaked = text.contains(SECRET_KEY);
    let echoed = input
        .windows(SECRET_KEY.len())
        .any(|window| window == SECRET_KEY.as_bytes());
    assert!(!leaked || echoed, "{what} contains the secret key: {text}");
}

/// Panics when `message` (an error's `Display`) is not one line.
pub fn assert_one_line(message: &str) {
    assert!(
        !message.contains('\n') && !message.contains('\r'),
        "error message spans several lines: {message:?}"
    );
}
