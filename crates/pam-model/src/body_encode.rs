//! Writing the grant body PubNub expects.
//!
//! `{"ttl":N,"permissions":{"resources":{"channels":{…},"groups":{…},"uuids":{…}},
//! "patterns":{…},"meta":{…},"uuid":"…"}}`: channels, groups and uuids maps always present,
//! `users` / `spaces` only when the request holds legacy entries of that kind, `categories`
//! (`{"channels":32,"uuids":32}`) only when the request has categories, `meta` always
//! (possibly `{}`), `uuid` only when an authorized user id is set. Entries keep the request's
//! order; a 0 bitmask is written, not dropped.
//!
//! One writer serves two sinks: a `String` for the body and a byte counter, so validation can
//! check the body size without building it.

use std::fmt;

use crate::{GrantRequest, MetaValue, Resource, ResourceKind};

/// Where the writer puts text. Writing never fails.
pub(crate) trait Sink {
    fn put(&mut self, text: &str);
}

impl Sink for String {
    fn put(&mut self, text: &str) {
        self.push_str(text);
    }
}

/// Counts the bytes that would be written.
#[derive(Debug, Default)]
pub(crate) struct ByteCount(pub(crate) usize);

impl Sink for ByteCount {
    fn put(&mut self, text: &str) {
        self.0 += text.len();
    }
}

/// Lets `write!` format numbers straight into a sink.
struct Formatted<'a, S: Sink>(&'a mut S);

impl<S: Sink> fmt::Write for Formatted<'_, S> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.put(s);
        Ok(())
    }
}

impl GrantRequest {
    /// The JSON body of `POST /v3/pam/{sub_key}/grant` for this request.
    ///
    /// `{"ttl":N,"permissions":{"resources":{…},"patterns":{…},"meta":{…},"uuid":"…"}}`,
    /// compact, keys in this order. Each section always has `channels`, `groups` and `uuids`
    /// maps, and `users` / `spaces` maps only when the request holds legacy entries of that
    /// kind. Entries are grouped by kind in that order and keep the request's order within a
    /// kind; a 0 bitmask is written, not dropped (the server answers it with a 400 naming
    /// it). `categories` follows `patterns` only when the request has categories, holding
    /// only those it has (`{"channels":32}`), as PubNub's SDKs send it. `meta` is always present (`{}` when empty), in key order; `uuid` only when an
    /// authorized user id is set. Strings are escaped as `serde_json` escapes them.
    ///
    /// ```
    /// use pam_model::{permissions, GrantRequest};
    ///
    /// let body = GrantRequest::new(60)
    ///     .resource(permissions::channel("chat").read())
    ///     .authorized_user_id("alice")
    ///     .to_body_json();
    /// assert_eq!(
    ///     body,
    ///     r#"{"ttl":60,"permissions":{"resources":{"channels":{"chat":1},"groups":{},"uuids":{}},"patterns":{"channels":{},"groups":{},"uuids":{}},"meta":{},"uuid":"alice"}}"#
    /// );
    /// ```
    ///
    /// A non-finite meta float, which JSON cannot carry, is written as `null`;
    /// [`validate`](GrantRequest::validate) refuses it first.
    #[must_use]
    pub fn to_body_json(&self) -> String {
        let mut body = String::with_capacity(self.estimated_body_len());
        write_body(self, &mut body);
        body
    }

    /// The exact length in bytes of [`to_body_json`](GrantRequest::to_body_json)'s output,
    /// computed without building it.
    pub(crate) fn body_len(&self) -> usize {
        let mut count = ByteCount::default();
        write_body(self, &mut count);
        count.0
    }

    /// A capacity close to the body's length, from a cheap pass over the lengths.
    fn estimated_body_len(&self) -> usize {
        const FRAME: usize = 160;
        let entries: usize = self
            .resources
            .iter()
            .chain(&self.patterns)
            .map(|r| r.name.len() + 8)
            .sum();
        let meta: usize = self
            .meta
            .iter()
            .map(|(k, v)| {
                k.len()
                    + 6
                    + match v {
                        MetaValue::String(s) => s.len() + 2,
                        _ => 24,
                    }
            })
            .sum();
        let uuid = self.authorized_user_id.as_ref().map_or(0, |u| u.len() + 10);
        FRAME + entries + meta + uuid
    }
}

fn write_body<S: Sink>(request: &GrantRequest, out: &mut S) {
    out.put("{\"ttl\":");
    put_display(out, request.ttl);
    out.put(",\"permissions\":{\"resources\":");
    write_section(out, &request.resources);
    out.put(",\"patterns\":");
    write_section(out, &request.patterns);
    if !request.categories.is_empty() {
        out.put(",\"categories\":{");
        for (i, (kind, permissions)) in request.categories.iter().enumerate() {
            if i > 0 {
                out.put(",");
            }
            out.put("\"");
            out.put(kind.plural_name());
            out.put("\":");
            put_display(out, permissions.bits());
        }
        out.put("}");
    }
    out.put(",\"meta\":{");
    for (i, (key, value)) in request.meta.iter().enumerate() {
        if i > 0 {
            out.put(",");
        }
        put_json_string(out, key);
        out.put(":");
        write_meta_value(out, value);
    }
    out.put("}");
    if let Some(user_id) = &request.authorized_user_id {
        out.put(",\"uuid\":");
        put_json_string(out, user_id);
    }
    out.put("}}");
}

/// `{"channels":{…},"groups":{…},"uuids":{…}[,"users":{…}][,"spaces":{…}]}`.
fn write_section<S: Sink>(out: &mut S, entries: &[Resource]) {
    out.put("{");
    for (i, kind) in ResourceKind::ALL.into_iter().enumerate() {
        let legacy = !ResourceKind::GRANTABLE.contains(&kind);
        if legacy && !entries.iter().any(|e| e.kind == kind) {
            continue;
        }
        if i > 0 {
            out.put(",");
        }
        out.put("\"");
        out.put(kind.plural_name());
        out.put("\":{");
        let mut first = true;
        for entry in entries.iter().filter(|e| e.kind == kind) {
            if !first {
                out.put(",");
            }
            first = false;
            put_json_string(out, &entry.name);
            out.put(":");
            put_display(out, entry.permissions.bits());
        }
        out.put("}");
    }
    out.put("}");
}

fn write_meta_value<S: Sink>(out: &mut S, value: &MetaValue) {
    match value {
        MetaValue::String(s) => put_json_string(out, s),
        MetaValue::Integer(n) => put_display(out, n),
        // `{:?}` is the shortest text that reads back as the same f64, and always has a `.`
        // or an exponent, so it reads back as a float rather than an integer.
        MetaValue::Float(f) if f.is_finite() => {
            use fmt::Write as _;
            let _infallible = write!(Formatted(out), "{f:?}");
        }
        MetaValue::Float(_) | MetaValue::Null => out.put("null"),
        MetaValue::Bool(true) => out.put("true"),
        MetaValue::Bool(false) => out.put("false"),
    }
}

fn put_display<S: Sink>(out: &mut S, value: impl fmt::Display) {
    use fmt::Write as _;
    let _infallible = write!(Formatted(out), "{value}");
}

/// Writes `text` as a JSON string, escaping as `serde_json` does: `"`, `\`, and control
/// characters (the common ones as `\n`-style escapes, the others as `\u00XX`).
pub(crate) fn put_json_string<S: Sink>(out: &mut S, text: &str) {
    const HEX: [&str; 16] = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f",
    ];
    out.put("\"");
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // `i` indexes an ASCII byte, so both slices end on character boundaries.
        out.put(&text[start..i]);
        if escape.is_empty() {
            out.put("\\u00");
            out.put(HEX[usize::from(byte >> 4)]);
            out.put(HEX[usize::from(byte & 0x0f)]);
        } else {
            out.put(escape);
        }
        start = i + 1;
    }
    out.put(&text[start..]);
    out.put("\"");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Permissions, permissions};

    #[test]
    fn strings_are_escaped_like_serde_json() {
        for text in [
            "plain",
            "quote\"back\\slash",
            "\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}",
            "ünï/</",
        ] {
            let mut out = String::new();
            put_json_string(&mut out, text);
            assert_eq!(out, serde_json::to_string(text).unwrap(), "for {text:?}");
        }
    }

    #[test]
    fn zero_bitmask_and_legacy_kinds_are_written() {
        let request = GrantRequest::new(1)
            .resource(Resource::new(ResourceKind::UserId, "u", Permissions::NONE))
            .pattern(Resource::new(
                ResourceKind::LegacySpace,
                "^s$",
                Permissions::from_bits(31),
            ));
        assert_eq!(
            request.to_body_json(),
            r#"{"ttl":1,"permissions":{"resources":{"channels":{},"groups":{},"uuids":{"u":0}},"patterns":{"channels":{},"groups":{},"uuids":{},"spaces":{"^s$":31}},"meta":{}}}"#
        );
    }

    #[test]
    fn meta_scalars_keep_their_types() {
        let request = GrantRequest::new(1)
            .resource(permissions::channel("c").read())
            .meta("f", 1.0)
            .meta("big", 1e300)
            .meta("i", -3)
            .meta("n", MetaValue::Null)
            .meta("nan", f64::NAN)
            .meta("t", true);
        let body = request.to_body_json();
        assert!(
            body.contains(r#""meta":{"big":1e300,"f":1.0,"i":-3,"n":null,"nan":null,"t":true}"#),
            "{body}"
        );
    }

    #[test]
    fn counted_length_matches_the_body() {
        let request = GrantRequest::new(43200)
            .resource(permissions::channel("ch\u{1}\"").read())
            .pattern(permissions::user_id("^ü$").get())
            .authorized_user_id("ali\nce")
            .meta("k", 0.1)
            .meta("s", "v\\");
        assert_eq!(request.body_len(), request.to_body_json().len());
    }
}
