//! The canonical query and the string to sign.
//!
//! Both are written through [`Sink`], so the signer can stream them into the MAC while
//! [`canonical_query`] and [`string_to_sign`] build the same bytes for people and tests.

use crate::encoding::{Sink, encode_to, encoded_len};
use crate::{Request, SIGNATURE_PARAM};

/// Parameters to sign, borrowed and sorted: by key, then by value, both in byte order.
///
/// Sorting on the value too makes repeated keys come out the same whatever order they were
/// given in.
#[derive(Debug)]
pub(crate) struct SortedParams<'p>(Vec<(&'p str, &'p str)>);

impl<'p> SortedParams<'p> {
    /// Every pair of `params` except `signature` and any key `skip_key` names, plus `extra`.
    pub(crate) fn new<K: AsRef<str>, V: AsRef<str>>(
        params: &'p [(K, V)],
        skip_key: Option<&str>,
        extra: Option<(&'p str, &'p str)>,
    ) -> Self {
        let mut pairs = Vec::with_capacity(params.len() + usize::from(extra.is_some()));
        pairs.extend(
            params
                .iter()
                .map(|(key, value)| (key.as_ref(), value.as_ref()))
                .filter(|&(key, _)| key != SIGNATURE_PARAM && Some(key) != skip_key),
        );
        pairs.extend(extra);
        pairs.sort_unstable();
        Self(pairs)
    }

    /// The exact length of the canonical query.
    pub(crate) fn canonical_len(&self) -> usize {
        let pairs: usize = self
            .0
            .iter()
            .map(|&(key, value)| encoded_len(key) + 1 + encoded_len(value))
            .sum();
        pairs + self.0.len().saturating_sub(1)
    }

    /// Writes `key=value` pairs, both percent-encoded, joined by `&`.
    pub(crate) fn write_canonical<S: Sink + ?Sized>(&self, sink: &mut S) {
        for (index, &(key, value)) in self.0.iter().enumerate() {
            if index > 0 {
                sink.put("&");
            }
            encode_to(key, sink);
            sink.put("=");
            encode_to(value, sink);
        }
    }
}

/// Writes `METHOD\nPUBLISH_KEY\nPATH\n` to `sink`.
pub(crate) fn write_head<S: Sink + ?Sized>(sink: &mut S, publish_key: &str, request: &Request<'_>) {
    sink.put(request.method);
    sink.put("\n");
    sink.put(publish_key);
    sink.put("\n");
    sink.put(request.path);
    sink.put("\n");
}

/// Builds the canonical query of signature v2 from raw (not yet encoded) parameters.
///
/// Every parameter except `signature` is kept, sorted by key in byte order (ties broken by
/// value, so the result never depends on input order), and written `key=value` joined by `&`,
/// with the value percent-encoded by [`crate::percent_encode`].
///
/// Keys go through the same encoding. Every key PubNub uses is made of literal characters only
/// (`timestamp`, `channel-group`, `l_pam`…), so this changes nothing for them; for any other
/// key it keeps the canonical query unambiguous, since an encoded key cannot contain `=` or
/// `&` and so cannot pose as a different set of parameters.
///
/// ```
/// let query = pam_sign::canonical_query(&[
///     ("timestamp", "123456789"),
///     ("PoundsSterling", "£13.37"),
///     ("signature", "v2.ignored"),
/// ]);
/// assert_eq!(query, "PoundsSterling=%C2%A313.37&timestamp=123456789");
/// ```
#[must_use]
pub fn canonical_query<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    let sorted = SortedParams::new(params, None, None);
    let mut query = String::with_capacity(sorted.canonical_len());
    sorted.write_canonical(&mut query);
    query
}

/// Builds the string signature v2 signs:
/// `METHOD\nPUBLISH_KEY\nPATH\nCANONICAL_QUERY\n` followed by the body bytes.
///
/// The canonical query is [`canonical_query`] of `request.query`, so a `signature` parameter in
/// it is left out. Bytes, not text, because the body need not be UTF-8.
///
/// ```
/// let request = pam_sign::Request {
///     method: "GET",
///     path: "/time/0",
///     query: &[("uuid", "me"), ("timestamp", "1700000000")],
///     body: b"",
/// };
/// assert_eq!(
///     pam_sign::string_to_sign("pub-c-1", &request),
///     b"GET\npub-c-1\n/time/0\ntimestamp=1700000000&uuid=me\n"
/// );
/// ```
#[must_use]
pub fn string_to_sign(publish_key: &str, request: &Request<'_>) -> Vec<u8> {
    let sorted = SortedParams::new(request.query, None, None);
    let head_len = request.method.len() + publish_key.len() + request.path.len() + 3;
    let mut out = Vec::with_capacity(head_len + sorted.canonical_len() + 1 + request.body.len());
    write_head(&mut out, publish_key, request);
    sorted.write_canonical(&mut out);
    out.push(b'\n');
    out.extend_from_slice(request.body);
    out
}

/// Encodes a query string to send, keeping the given order: `key=value` pairs joined by `&`,
/// keys and values percent-encoded by [`crate::percent_encode`], no leading `?`.
///
/// The server rebuilds the canonical query from the query it decodes, so the query sent must
/// decode to exactly the signed values. A form encoder (`+` for space, `*` left literal) can
/// disagree with signature v2; this cannot.
///
/// ```
/// assert_eq!(
///     pam_sign::encode_query(&[("uuid", "a b"), ("pnsdk", "pam/0.1")]),
///     "uuid=a%20b&pnsdk=pam%2F0.1"
/// );
/// ```
#[must_use]
pub fn encode_query<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    let len: usize = params
        .iter()
        .map(|(key, value)| encoded_len(key.as_ref()) + 1 + encoded_len(value.as_ref()))
        .sum::<usize>()
        + params.len().saturating_sub(1);
    let mut query = String::with_capacity(len);
    for (index, (key, value)) in params.iter().enumerate() {
        if index > 0 {
            query.push('&');
        }
        encode_to(key.as_ref(), &mut query);
        query.push('=');
        encode_to(value.as_ref(), &mut query);
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_query_is_empty() {
        assert_eq!(canonical_query::<&str, &str>(&[]), "");
        assert_eq!(canonical_query(&[("signature", "v2.x")]), "");
        assert_eq!(encode_query::<&str, &str>(&[]), "");
    }

    #[test]
    fn sorts_by_key_bytes_then_value() {
        let query = canonical_query(&[("b", "2"), ("a", "z"), ("B", "1"), ("a", "y")]);
        assert_eq!(query, "B=1&a=y&a=z&b=2");
    }

    #[test]
    fn accepts_owned_strings() {
        let params = vec![("k".to_owned(), "v w".to_owned())];
        assert_eq!(canonical_query(&params), "k=v%20w");
    }

    #[test]
    fn keys_with_separators_cannot_pose_as_other_parameters() {
        let tricky = canonical_query(&[("a=&b", "c")]);
        let plain = canonical_query(&[("a", ""), ("b", "c")]);
        assert_eq!(plain, "a=&b=c");
        assert_eq!(tricky, "a%3D%26b=c");
        assert_ne!(tricky, plain);
    }

    #[test]
    fn canonical_len_is_exact() {
        let params = [("ü k", "£ v"), ("a", ""), ("timestamp", "1")];
        let sorted = SortedParams::new(&params, None, None);
        assert_eq!(sorted.canonical_len(), canonical_query(&params).len());
    }

    #[test]
    fn string_to_sign_appends_body_bytes_verbatim() {
        let request = Request {
            method: "POST",
            path: "/p",
            query: &[("k", "v"), ("signature", "v2.dropped")],
            body: &[0xFF, b'\n', 0x00],
        };
        assert_eq!(
            string_to_sign("pub", &request),
            b"POST\npub\n/p\nk=v\n\xFF\n\x00"
        );
    }
}
