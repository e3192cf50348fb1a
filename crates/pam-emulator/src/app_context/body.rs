//! Reading App Context request bodies: set-object and set-memberships, bounded and refused
//! with a `400` that names the field at fault.

use serde_json::{Map, Value};

use super::store::{Changes, ObjectKind};
use crate::limits::{
    MAX_APP_CONTEXT_CUSTOM_BYTES, MAX_APP_CONTEXT_FIELD_BYTES, MAX_APP_CONTEXT_ID_BYTES,
    MAX_APP_CONTEXT_PAGE,
};

/// A body problem: the detail message and its location in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BodyError {
    pub(crate) detail: String,
    pub(crate) location: String,
}

fn error(location: impl Into<String>, detail: impl Into<String>) -> BodyError {
    BodyError {
        detail: detail.into(),
        location: location.into(),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn object(bytes: &[u8]) -> Result<Map<String, Value>, BodyError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(error(
            "<root>",
            format!("The body must be a JSON object, not {}.", json_type(&other)),
        )),
        Err(e) => Err(error("<root>", format!("The body is not JSON: {e}."))),
    }
}

/// A set-channel or set-uuid body: the kind's text fields (string or `null`, `null` keeping
/// the stored value, as PubNub's SDKs send `null` for every field they do not set) and
/// `custom` (an object of strings, numbers and booleans, or `null`). Unknown keys are refused.
pub(crate) fn object_changes(kind: ObjectKind, bytes: &[u8]) -> Result<Changes, BodyError> {
    let map = object(bytes)?;
    let mut changes = Changes::default();
    for (key, value) in map {
        if key == "custom" {
            changes.custom = custom(&key, value)?;
            continue;
        }
        let Some(field) = kind.fields().iter().find(|f| **f == key) else {
            return Err(error(
                key.clone(),
                format!(
                    "Unexpected key `{}`: a {} object has {} and custom.",
                    shorten(&key),
                    kind.noun(),
                    kind.fields().join(", ")
                ),
            ));
        };
        if let Some(text) = text(field, value)? {
            changes.fields.insert(field, text);
        }
    }
    Ok(changes)
}

/// A string field: `Some` text, `None` for `null`.
fn text(location: &str, value: Value) -> Result<Option<String>, BodyError> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) if text.len() <= MAX_APP_CONTEXT_FIELD_BYTES => Ok(Some(text)),
        Value::String(text) => Err(error(
            location,
            format!(
                "`{location}` is {} bytes long; at most {MAX_APP_CONTEXT_FIELD_BYTES} are accepted.",
                text.len()
            ),
        )),
        other => Err(error(
            location,
            format!(
                "`{location}` must be a string or null, not {}.",
                json_type(&other)
            ),
        )),
    }
}

/// `custom`: flat object of scalars, at most [`MAX_APP_CONTEXT_CUSTOM_BYTES`] as JSON; its
/// compact JSON text.
fn custom(location: &str, value: Value) -> Result<Option<String>, BodyError> {
    let map = match value {
        Value::Null => return Ok(None),
        Value::Object(map) => map,
        other => {
            return Err(error(
                location,
                format!(
                    "`{location}` must be an object or null, not {}.",
                    json_type(&other)
                ),
            ));
        }
    };
    if let Some((key, nested)) = map
        .iter()
        .find(|(_, v)| matches!(v, Value::Object(_) | Value::Array(_) | Value::Null))
    {
        return Err(error(
            format!("{location}.{key}"),
            format!(
                "`{location}.{}` is {}: custom values must be strings, numbers or booleans.",
                shorten(key),
                json_type(nested)
            ),
        ));
    }
    let text = Value::Object(map).to_string();
    let size = text.len();
    if size > MAX_APP_CONTEXT_CUSTOM_BYTES {
        return Err(error(
            location,
            format!(
                "`{location}` is {size} bytes of JSON; at most {MAX_APP_CONTEXT_CUSTOM_BYTES} are accepted."
            ),
        ));
    }
    Ok(Some(text))
}

/// A set-memberships body, `{"set":[{"channel":{"id":"c"},"custom":{…},"status":…,"type":…}],
/// "delete":[{"channel":{"id":"c"}}]}` (either list may be absent or empty).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct MembershipChanges {
    pub(crate) set: Vec<(String, Changes)>,
    pub(crate) delete: Vec<String>,
}

impl MembershipChanges {
    /// Every channel named, set or deleted.
    pub(crate) fn channels(&self) -> impl Iterator<Item = &str> {
        self.set
            .iter()
            .map(|(channel, _)| channel.as_str())
            .chain(self.delete.iter().map(String::as_str))
    }
}

/// Reads a set-memberships body.
pub(crate) fn membership_changes(bytes: &[u8]) -> Result<MembershipChanges, BodyError> {
    let map = object(bytes)?;
    let mut changes = MembershipChanges::default();
    for (key, value) in map {
        let list = match value {
            Value::Null => continue,
            Value::Array(list) => list,
            other => {
                return Err(error(
                    key.clone(),
                    format!(
                        "`{}` must be an array, not {}.",
                        shorten(&key),
                        json_type(&other)
                    ),
                ));
            }
        };
        let is_set = match key.as_str() {
            "set" => true,
            "delete" => false,
            _ => {
                return Err(error(
                    key.clone(),
                    format!(
                        "Unexpected key `{}`: expected set and delete.",
                        shorten(&key)
                    ),
                ));
            }
        };
        for (index, item) in list.into_iter().enumerate() {
            let location = format!("{key}[{index}]");
            let (channel, item_changes) = membership(&location, item, is_set)?;
            if is_set {
                changes.set.push((channel, item_changes));
            } else {
                changes.delete.push(channel);
            }
        }
    }
    let count = changes.set.len() + changes.delete.len();
    if count > MAX_APP_CONTEXT_PAGE {
        return Err(error(
            "<root>",
            format!(
                "The body sets and deletes {count} memberships; at most {MAX_APP_CONTEXT_PAGE} are accepted per request."
            ),
        ));
    }
    Ok(changes)
}

/// One membership: `channel.id`, and for `set`, `custom`, `status`, `type`.
fn membership(location: &str, item: Value, is_set: bool) -> Result<(String, Changes), BodyError> {
    let Value::Object(map) = item else {
        return Err(error(
            location,
            format!("`{location}` must be an object, not {}.", json_type(&item)),
        ));
    };
    let mut channel = None;
    let mut changes = Changes::default();
    for (key, value) in map {
        let at = format!("{location}.{key}");
        match key.as_str() {
            "channel" => channel = Some(channel_id(&at, value)?),
            "custom" if is_set => changes.custom = custom(&at, value)?,
            field @ ("status" | "type") if is_set => {
                let field = if field == "status" { "status" } else { "type" };
                if let Some(text) = text(&at, value)? {
                    changes.fields.insert(field, text);
                }
            }
            _ => {
                return Err(error(
                    at,
                    format!(
                        "Unexpected key `{}` in a membership: expected {}.",
                        shorten(&key),
                        if is_set {
                            "channel, custom, status and type"
                        } else {
                            "channel"
                        }
                    ),
                ));
            }
        }
    }
    let channel = channel.ok_or_else(|| {
        error(
            format!("{location}.channel"),
            format!("`{location}.channel` is required: {{\"id\":\"<channel>\"}}."),
        )
    })?;
    Ok((channel, changes))
}

/// `{"id":"<channel>"}`: a non-empty id within [`MAX_APP_CONTEXT_ID_BYTES`].
fn channel_id(location: &str, value: Value) -> Result<String, BodyError> {
    let id = match value {
        Value::Object(mut map) => map.remove("id"),
        _ => None,
    };
    match id {
        Some(Value::String(id)) if !id.is_empty() && id.len() <= MAX_APP_CONTEXT_ID_BYTES => Ok(id),
        _ => Err(error(
            format!("{location}.id"),
            format!(
                "`{location}` must be {{\"id\":\"<channel>\"}} with a channel of 1 to {MAX_APP_CONTEXT_ID_BYTES} bytes."
            ),
        )),
    }
}

/// Untrusted text cut to 64 characters for a message, control characters escaped.
fn shorten(text: &str) -> String {
    let cut: String = text.chars().take(64).collect();
    let mut out: String = cut.escape_debug().collect();
    if text.chars().count() > 64 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn object_bodies_keep_known_fields_and_skip_nulls() {
        let changes = object_changes(
            ObjectKind::Channel,
            br#"{"name":"Chat","description":null,"custom":{"a":1,"b":"x","c":true}}"#,
        )
        .unwrap();
        assert_eq!(
            changes.fields,
            BTreeMap::from([("name", "Chat".to_owned())])
        );
        assert_eq!(changes.custom.unwrap(), r#"{"a":1,"b":"x","c":true}"#);
        let uuid =
            object_changes(ObjectKind::Uuid, br#"{"email":"a@b.c","externalId":"x"}"#).unwrap();
        assert_eq!(uuid.fields.len(), 2);
    }

    #[test]
    fn bad_object_bodies_name_the_field() {
        let cases: [(ObjectKind, &[u8], &str); 7] = [
            (ObjectKind::Channel, b"[1]", "<root>"),
            (ObjectKind::Channel, b"{", "<root>"),
            (ObjectKind::Channel, br#"{"email":"x"}"#, "email"),
            (ObjectKind::Uuid, br#"{"name":5}"#, "name"),
            (ObjectKind::Uuid, br#"{"custom":[1]}"#, "custom"),
            (
                ObjectKind::Uuid,
                br#"{"custom":{"n":{"deep":1}}}"#,
                "custom.n",
            ),
            (ObjectKind::Channel, br#"{"custom":"x"}"#, "custom"),
        ];
        for (kind, body, location) in cases {
            let err = object_changes(kind, body).unwrap_err();
            assert_eq!(err.location, location, "{}", String::from_utf8_lossy(body));
            assert!(!err.detail.contains('\n'));
        }
        let big = format!(
            r#"{{"custom":{{"k":"{}"}}}}"#,
            "x".repeat(MAX_APP_CONTEXT_CUSTOM_BYTES)
        );
        let err = object_changes(ObjectKind::Channel, big.as_bytes()).unwrap_err();
        assert_eq!(err.location, "custom");
        assert!(err.detail.contains("at most 2048"), "{}", err.detail);
        let long = format!(
            r#"{{"name":"{}"}}"#,
            "n".repeat(MAX_APP_CONTEXT_FIELD_BYTES + 1)
        );
        assert_eq!(
            object_changes(ObjectKind::Channel, long.as_bytes())
                .unwrap_err()
                .location,
            "name"
        );
    }

    #[test]
    fn membership_bodies() {
        let changes = membership_changes(
            br#"{"set":[{"channel":{"id":"a"},"custom":{"role":"mod"},"status":"active"}],"delete":[{"channel":{"id":"b"}}]}"#,
        )
        .unwrap();
        assert_eq!(changes.channels().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(changes.set[0].1.fields["status"], "active");
        for (body, location) in [
            (&br#"{"set":[{"channel":{}}]}"#[..], "set[0].channel.id"),
            (br#"{"set":[{"custom":{}}]}"#, "set[0].channel"),
            (br#"{"add":[]}"#, "add"),
            (
                br#"{"delete":[{"channel":{"id":"a"},"custom":{}}]}"#,
                "delete[0].custom",
            ),
            (br#"{"set":{}}"#, "set"),
        ] {
            let err = membership_changes(body).unwrap_err();
            assert_eq!(err.location, location, "{}", String::from_utf8_lossy(body));
        }
        let many: Vec<String> = (0..=MAX_APP_CONTEXT_PAGE)
            .map(|i| format!(r#"{{"channel":{{"id":"c{i}"}}}}"#))
            .collect();
        let body = format!(r#"{{"set":[{}]}}"#, many.join(","));
        assert_eq!(
            membership_changes(body.as_bytes()).unwrap_err().location,
            "<root>"
        );
    }
}
