//! What a token says, in one comparable shape, for pam, for `pubnub` 0.9 and for the corpus'
//! `expected`; and how two of them differ.
//!
//! The shape: `version`, `timestamp`, `ttl`, `authorized_uuid`, `resources` and `patterns`
//! (category plural name -> name -> bitmask; empty categories left out, since `pubnub` 0.9
//! cannot say whether an empty category was present) and `meta` (as JSON).

use std::collections::HashMap;

use pubnub::dx::parse_token::{MetaValue, ResourcePermissions, TokenResources};
use serde_json::{Map, Value, json};

/// The fields compared, in the order differences are named.
pub(crate) const FIELDS: [&str; 7] = [
    "version",
    "timestamp",
    "ttl",
    "authorized_uuid",
    "resources",
    "patterns",
    "meta",
];

/// How a parser did on one corpus token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// Parsed, and says what the corpus expects.
    Correct,
    /// Parsed, and right on the categories it models, but the legacy `usr` / `spc` entries
    /// the token has are lost (`pubnub` 0.9 has no place for them).
    LegacyDropped,
    /// Parsed, but these fields differ from what the corpus expects.
    Wrong(Vec<&'static str>),
    /// Refused the token, with this message.
    Failed(String),
}

impl Outcome {
    /// True when correct.
    pub(crate) fn is_correct(&self) -> bool {
        matches!(self, Outcome::Correct)
    }

    /// True when the parser returned a token (right or wrong).
    pub(crate) fn parsed(&self) -> bool {
        !matches!(self, Outcome::Failed(_))
    }

    /// A few words for the table.
    pub(crate) fn describe(&self) -> String {
        match self {
            Outcome::Correct => "ok".to_owned(),
            Outcome::LegacyDropped => "drops usr/spc entries".to_owned(),
            Outcome::Wrong(fields) => format!("wrong {}", fields.join("+")),
            Outcome::Failed(message) => format!("error: {}", shorten(message, 60)),
        }
    }
}

fn shorten(text: &str, max: usize) -> String {
    let one_line = text.replace('\n', " ");
    match one_line.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

/// Compares `found` with `expected` field by field; when they differ only in the legacy
/// `users` / `spaces` categories, [`Outcome::LegacyDropped`].
pub(crate) fn compare(found: &Value, expected: &Value) -> Outcome {
    match exact(found, expected) {
        Outcome::Wrong(_)
            if exact(&without_legacy(found), &without_legacy(expected)).is_correct() =>
        {
            Outcome::LegacyDropped
        }
        other => other,
    }
}

/// The shape without the legacy `users` and `spaces` categories.
fn without_legacy(shape: &Value) -> Value {
    let mut out = shape.clone();
    for section in ["resources", "patterns"] {
        if let Some(categories) = out.get_mut(section).and_then(Value::as_object_mut) {
            categories.remove("users");
            categories.remove("spaces");
        }
    }
    out
}

/// Compares `found` with `expected` field by field, every category counting.
pub(crate) fn exact(found: &Value, expected: &Value) -> Outcome {
    let differing: Vec<&'static str> = FIELDS
        .into_iter()
        .filter(|field| found.get(field) != expected.get(field))
        .collect();
    if differing.is_empty() {
        Outcome::Correct
    } else {
        Outcome::Wrong(differing)
    }
}

/// The comparable shape of a token in the CLI's JSON form (the corpus' `expected`, or
/// `pam_token::Token::to_json`).
pub(crate) fn from_cli_json(json: &Value) -> Value {
    let grants = |section: &Value| {
        let mut out = Map::new();
        if let Some(categories) = section.as_object() {
            for (category, entries) in categories {
                let Some(entries) = entries.as_object() else {
                    continue;
                };
                if entries.is_empty() {
                    continue;
                }
                let bitmasks: Map<String, Value> = entries
                    .iter()
                    .map(|(name, permissions)| {
                        (
                            name.clone(),
                            permissions.get("bitmask").cloned().unwrap_or(Value::Null),
                        )
                    })
                    .collect();
                out.insert(category.clone(), Value::Object(bitmasks));
            }
        }
        Value::Object(out)
    };
    json!({
        "version": json["version"],
        "timestamp": json["timestamp"],
        "ttl": json["ttl"],
        "authorized_uuid": json["authorized_uuid"],
        "resources": grants(&json["resources"]),
        "patterns": grants(&json["patterns"]),
        "meta": json["meta"],
    })
}

/// The comparable shape of what `pubnub` 0.9's `parse_token` returned. It has no place for
/// the legacy `usr` and `spc` categories, so they are missing here when the token has them.
pub(crate) fn from_pubnub(token: &pubnub::Token) -> Value {
    let pubnub::Token::V2(token) = token;
    json!({
        "version": token.version,
        "timestamp": token.timestamp,
        "ttl": token.ttl,
        "authorized_uuid": token.authorized_user_id,
        "resources": pubnub_grants(token.resources.as_ref()),
        "patterns": pubnub_grants(token.patterns.as_ref()),
        "meta": Value::Object(
            token.meta.iter().map(|(k, v)| (k.clone(), pubnub_meta(v))).collect()
        ),
    })
}

fn pubnub_grants(resources: Option<&TokenResources>) -> Value {
    let mut out = Map::new();
    if let Some(resources) = resources {
        for (name, category) in [
            ("channels", &resources.channels),
            ("groups", &resources.groups),
            ("uuids", &resources.users),
        ] {
            if !category.is_empty() {
                out.insert(name.to_owned(), bitmasks(category));
            }
        }
    }
    Value::Object(out)
}

fn bitmasks(category: &HashMap<String, ResourcePermissions>) -> Value {
    Value::Object(
        category
            .iter()
            .map(|(name, p)| {
                let bits = [
                    p.read, p.write, p.manage, p.delete, p.create, p.get, p.update, p.join,
                ]
                .iter()
                .enumerate()
                .fold(0u8, |acc, (bit, &set)| acc | (u8::from(set) << bit));
                (name.clone(), Value::from(bits))
            })
            .collect(),
    )
}

fn pubnub_meta(value: &MetaValue) -> Value {
    match value {
        MetaValue::String(s) => Value::from(s.clone()),
        MetaValue::Integer(i) => Value::from(*i),
        MetaValue::Float(f) => Value::from(*f),
        MetaValue::Bool(b) => Value::from(*b),
        MetaValue::Null => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_categories_are_left_out_and_bitmasks_kept() {
        let cli = json!({
            "version": 2, "timestamp": 1, "ttl": 2, "authorized_uuid": null,
            "resources": {"channels": {"a": {"bitmask": 3, "read": true}}, "groups": {}},
            "patterns": {}, "meta": {"k": 1}
        });
        let shape = from_cli_json(&cli);
        assert_eq!(shape["resources"], json!({"channels": {"a": 3}}));
        assert_eq!(compare(&shape, &shape), Outcome::Correct);
        let mut other = shape.clone();
        other["meta"] = json!({});
        assert_eq!(compare(&other, &shape), Outcome::Wrong(vec!["meta"]));
        let mut legacy = shape.clone();
        legacy["patterns"] = json!({"spaces": {"^a": 1}});
        assert_eq!(compare(&shape, &legacy), Outcome::LegacyDropped);
        legacy["ttl"] = json!(3);
        assert_eq!(
            compare(&shape, &legacy),
            Outcome::Wrong(vec!["ttl", "patterns"])
        );
    }
}
