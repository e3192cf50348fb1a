//! App Context answers in PubNub's REST shapes, and the listing parameters they depend on.
//!
//! `{"status":200,"data":{…}}` for one object, `{"status":200,"data":[…],"totalCount":N,
//! "next":"…"}` for a page (`totalCount` with `count=true`, `next` when more follow), each
//! object with `id`, its text fields (`null` when unset), `custom` (with `include=custom`),
//! `updated` and `eTag`.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::store::{ObjectKind, Stored};
use crate::Response;
use crate::access_manager::Incoming;
use crate::limits::MAX_APP_CONTEXT_PAGE;
use crate::routes::Endpoint;

/// The listing parameters of a request: `limit`, `start`, `count`, `include`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listing {
    pub(crate) limit: usize,
    /// List ids after this one (decoded from the `start` cursor).
    pub(crate) after: Option<String>,
    pub(crate) count: bool,
    pub(crate) include: Vec<String>,
}

impl Listing {
    /// Reads the query; refuses what the emulator cannot honour (`filter`, `end`, a `sort`
    /// other than by id ascending) rather than ignoring it.
    pub(crate) fn from_query(incoming: &Incoming<'_>) -> Result<Listing, Response> {
        let query = &incoming.query;
        let bad = |name: &str, detail: String| {
            Err(Endpoint::AppContext.bad_request("Invalid request", &detail, name, "query"))
        };
        for unsupported in ["filter", "end"] {
            if query.get(unsupported).is_some() {
                return bad(
                    unsupported,
                    format!(
                        "The `{unsupported}` parameter is not supported by the emulator; page with `start` and `next`."
                    ),
                );
            }
        }
        if let Some(sort) = query.get("sort") {
            if !sort.is_empty() && sort != "id" && sort != "id:asc" {
                return bad(
                    "sort",
                    "The emulator lists by id, ascending: `sort` may only be `id` or `id:asc`."
                        .to_owned(),
                );
            }
        }
        let limit = match query.get("limit") {
            None => MAX_APP_CONTEXT_PAGE,
            Some(text) => match text.parse::<usize>() {
                Ok(limit) if (1..=MAX_APP_CONTEXT_PAGE).contains(&limit) => limit,
                _ => {
                    return bad(
                        "limit",
                        format!("`limit` must be an integer from 1 to {MAX_APP_CONTEXT_PAGE}."),
                    );
                }
            },
        };
        let count = match query.get("count") {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => return bad("count", "`count` must be true or false.".to_owned()),
        };
        let after = match query.get("start").filter(|s| !s.is_empty()) {
            None => None,
            Some(cursor) => match decode_cursor(cursor) {
                Some(id) => Some(id),
                None => {
                    return bad(
                        "start",
                        "`start` must be a `next` value from an earlier page.".to_owned(),
                    );
                }
            },
        };
        Ok(Listing {
            limit,
            after,
            count,
            include: includes(incoming),
        })
    }

    /// One page of `items` (sorted by id) as the response body.
    pub(crate) fn page<'a, I>(&self, items: I, total: usize) -> Response
    where
        I: Iterator<Item = (&'a String, Value)>,
    {
        let mut data = Vec::new();
        let mut last = None;
        let mut more = false;
        for (id, value) in items.filter(|(id, _)| self.after.as_ref().is_none_or(|a| *id > a)) {
            if data.len() == self.limit {
                more = true;
                break;
            }
            data.push(value);
            last = Some(id);
        }
        let mut body = Map::new();
        body.insert("status".to_owned(), json!(200));
        body.insert("data".to_owned(), Value::Array(data));
        if self.count {
            body.insert("totalCount".to_owned(), json!(total));
        }
        if let (true, Some(last)) = (more, last) {
            body.insert("next".to_owned(), json!(encode_cursor(last)));
        }
        ok(Value::Object(body))
    }
}

/// The `include` parameter's values (comma-separated).
pub(crate) fn includes(incoming: &Incoming<'_>) -> Vec<String> {
    incoming
        .query
        .get("include")
        .map(|text| {
            text.split(',')
                .map(|i| i.trim().to_owned())
                .filter(|i| !i.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// A `next` cursor: the last id of the page, hex-encoded.
fn encode_cursor(id: &str) -> String {
    id.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(cursor: &str) -> Option<String> {
    if cursor.len() % 2 != 0 || cursor.len() > 2 * crate::limits::MAX_APP_CONTEXT_ID_BYTES {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// `200` with `body`.
pub(crate) fn ok(body: Value) -> Response {
    Response {
        status: 200,
        body: body.to_string(),
    }
}

/// `{"status":200,"data":…}`.
pub(crate) fn data(data: Value) -> Response {
    ok(json!({ "status": 200, "data": data }))
}

/// An object as PubNub shows it: `id`, the kind's text fields (`null` when unset), `custom`
/// when `include` names it, `updated` and `eTag`.
pub(crate) fn object(kind: ObjectKind, id: &str, stored: &Stored, include: &[String]) -> Value {
    let mut map = Map::new();
    map.insert("id".to_owned(), json!(id));
    for field in kind.fields() {
        let shown = !matches!(*field, "status" | "type") || include.iter().any(|i| i == field);
        if shown {
            map.insert((*field).to_owned(), json!(stored.fields.get(field)));
        }
    }
    if include.iter().any(|i| i == "custom") {
        map.insert("custom".to_owned(), custom(stored));
    }
    map.insert("updated".to_owned(), json!(stored.updated));
    map.insert("eTag".to_owned(), json!(etag(stored)));
    Value::Object(map)
}

/// A membership: `channel` (its id, and its metadata with `include=channel`, its `custom`
/// with `include=channel.custom`), `custom` with `include=custom`, `status` / `type` when
/// set, `updated`, `eTag`.
pub(crate) fn membership(
    channel: &str,
    membership: &Stored,
    channel_object: Option<&Stored>,
    include: &[String],
) -> Value {
    let has = |what: &str| include.iter().any(|i| i == what);
    let channel_value = match channel_object.filter(|_| has("channel")) {
        Some(stored) => {
            let mut nested: Vec<String> = Vec::new();
            if has("channel.custom") {
                nested.push("custom".to_owned());
            }
            object(ObjectKind::Channel, channel, stored, &nested)
        }
        None => json!({ "id": channel }),
    };
    let mut map = Map::new();
    map.insert("channel".to_owned(), channel_value);
    for field in ["status", "type"] {
        if let Some(value) = membership.fields.get(field) {
            map.insert(field.to_owned(), json!(value));
        }
    }
    if has("custom") {
        map.insert("custom".to_owned(), custom(membership));
    }
    map.insert("updated".to_owned(), json!(membership.updated));
    map.insert("eTag".to_owned(), json!(etag(membership)));
    Value::Object(map)
}

/// The stored `custom` (checked JSON text) as a value; `null` when unset.
fn custom(stored: &Stored) -> Value {
    stored
        .custom
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or(Value::Null)
}

/// An opaque entity tag: 16 hex digits of SHA-256 over the object's fields and `custom`.
pub(crate) fn etag(stored: &Stored) -> String {
    let content = json!({ "fields": stored.fields, "custom": stored.custom });
    let digest = Sha256::digest(content.to_string().as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// A timetoken (100 ns units) as PubNub writes `updated`: `2026-12-01T14:03:05.123456Z`.
pub(crate) fn iso8601(timetoken: u64) -> String {
    // The clock's offset is bounded, so its timetokens stay within jiff's years (to 9999).
    let micros = i64::try_from(timetoken / 10).unwrap_or(i64::MAX);
    let at = jiff::Timestamp::from_microsecond(micros).unwrap_or(jiff::Timestamp::MAX);
    format!("{at:.6}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_cursors() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            iso8601(17_649_974_851_234_567),
            "2025-12-06T05:04:45.123456Z"
        );
        assert_eq!(
            iso8601(9_517_824_000_000_000),
            "2000-02-29T00:00:00.000000Z"
        );
        for id in ["a", "ch-é/1", ""] {
            assert_eq!(decode_cursor(&encode_cursor(id)).as_deref(), Some(id));
        }
        assert_eq!(decode_cursor("zz"), None);
        assert_eq!(decode_cursor("abc"), None);
        assert_eq!(decode_cursor("ff"), None);
    }
}
