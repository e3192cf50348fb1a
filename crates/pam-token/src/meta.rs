//! `meta`: the free-form values a token carries.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// One value of a token's `meta`: anything CBOR can say that JSON can too, plus byte strings.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Meta {
    /// Null.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer; CBOR integers span −2⁶⁴ ..= 2⁶⁴−1.
    Integer(i128),
    /// A float (half, single and double precision all widen to `f64` exactly).
    Float(f64),
    /// A text string.
    Text(String),
    /// A byte string. JSON has none: it serializes as an array of numbers.
    Bytes(Vec<u8>),
    /// An array.
    Array(Vec<Meta>),
    /// A map with text keys.
    Map(MetaMap),
}

/// A map with text keys, in token order, each key once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetaMap {
    entries: Vec<(String, Meta)>,
}

impl MetaMap {
    /// An empty map.
    #[must_use]
    pub fn new() -> Self {
        MetaMap::default()
    }

    /// Builds a map from entries already known to have distinct keys.
    pub(crate) fn from_unique(entries: Vec<(String, Meta)>) -> Self {
        MetaMap { entries }
    }

    /// Sets `key` to `value`: replaces the value in place when the key is present, appends
    /// otherwise. Returns the value replaced.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Meta>) -> Option<Meta> {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, slot)) => Some(std::mem::replace(slot, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    /// The value of `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Meta> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The entries, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Meta)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the map has no entry.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The map as a JSON object (see [`Meta::to_json`]).
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.entries
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect(),
        )
    }
}

impl<K: Into<String>, V: Into<Meta>> FromIterator<(K, V)> for MetaMap {
    /// Later entries replace earlier ones with the same key.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = MetaMap::new();
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

impl Meta {
    /// The value as JSON. Integers stay integers when they fit `i64` or `u64` (beyond that,
    /// the nearest float); floats that JSON cannot hold (NaN, infinities) become `null`; byte
    /// strings become arrays of numbers.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Meta::Null => Value::Null,
            Meta::Bool(b) => Value::Bool(*b),
            Meta::Integer(i) => integer_to_json(*i),
            Meta::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Meta::Text(s) => Value::String(s.clone()),
            Meta::Bytes(b) => Value::Array(b.iter().map(|x| Value::from(*x)).collect()),
            Meta::Array(items) => Value::Array(items.iter().map(Meta::to_json).collect()),
            Meta::Map(map) => map.to_json(),
        }
    }

    /// The value of a JSON document: numbers become integers when they are integers.
    #[must_use]
    pub fn from_json(value: &serde_json::Value) -> Meta {
        use serde_json::Value;
        match value {
            Value::Null => Meta::Null,
            Value::Bool(b) => Meta::Bool(*b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Meta::Integer(i128::from(i))
                } else if let Some(u) = n.as_u64() {
                    Meta::Integer(i128::from(u))
                } else {
                    Meta::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => Meta::Text(s.clone()),
            Value::Array(items) => Meta::Array(items.iter().map(Meta::from_json).collect()),
            Value::Object(map) => Meta::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Meta::from_json(v)))
                    .collect(),
            ),
        }
    }
}

fn integer_to_json(i: i128) -> serde_json::Value {
    if let Ok(small) = i64::try_from(i) {
        serde_json::Value::from(small)
    } else if let Ok(large) = u64::try_from(i) {
        serde_json::Value::from(large)
    } else {
        serde_json::Number::from_f64(i as f64).map_or(serde_json::Value::Null, Into::into)
    }
}

impl From<pam_model::MetaValue> for Meta {
    fn from(value: pam_model::MetaValue) -> Self {
        match value {
            pam_model::MetaValue::String(s) => Meta::Text(s),
            pam_model::MetaValue::Integer(i) => Meta::Integer(i128::from(i)),
            pam_model::MetaValue::Float(f) => Meta::Float(f),
            pam_model::MetaValue::Bool(b) => Meta::Bool(b),
            pam_model::MetaValue::Null => Meta::Null,
        }
    }
}

impl From<&str> for Meta {
    fn from(s: &str) -> Self {
        Meta::Text(s.to_owned())
    }
}

impl From<String> for Meta {
    fn from(s: String) -> Self {
        Meta::Text(s)
    }
}

impl From<i64> for Meta {
    fn from(i: i64) -> Self {
        Meta::Integer(i128::from(i))
    }
}

impl From<u64> for Meta {
    fn from(i: u64) -> Self {
        Meta::Integer(i128::from(i))
    }
}

impl From<f64> for Meta {
    fn from(f: f64) -> Self {
        Meta::Float(f)
    }
}

impl From<bool> for Meta {
    fn from(b: bool) -> Self {
        Meta::Bool(b)
    }
}

impl From<MetaMap> for Meta {
    fn from(map: MetaMap) -> Self {
        Meta::Map(map)
    }
}

impl From<Vec<Meta>> for Meta {
    fn from(items: Vec<Meta>) -> Self {
        Meta::Array(items)
    }
}

/// Serializes as [`Meta::to_json`] describes, without building a `serde_json::Value`.
impl Serialize for Meta {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Meta::Null => serializer.serialize_unit(),
            Meta::Bool(b) => serializer.serialize_bool(*b),
            Meta::Integer(i) => {
                if let Ok(small) = i64::try_from(*i) {
                    serializer.serialize_i64(small)
                } else if let Ok(large) = u64::try_from(*i) {
                    serializer.serialize_u64(large)
                } else {
                    serializer.serialize_f64(*i as f64)
                }
            }
            Meta::Float(f) if f.is_finite() => serializer.serialize_f64(*f),
            Meta::Float(_) => serializer.serialize_unit(),
            Meta::Text(s) => serializer.serialize_str(s),
            Meta::Bytes(bytes) => {
                let mut seq = serializer.serialize_seq(Some(bytes.len()))?;
                for b in bytes {
                    seq.serialize_element(b)?;
                }
                seq.end()
            }
            Meta::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Meta::Map(map) => map.serialize(serializer),
        }
    }
}

/// Serializes as a map, in token order.
impl Serialize for MetaMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_integers_integers() {
        let json = serde_json::json!({"a": 1, "b": -2, "c": 1.5, "d": [null, true, "x"], "e": {"f": 18446744073709551615u64}});
        let meta = Meta::from_json(&json);
        assert_eq!(meta.to_json(), json);
        assert_eq!(serde_json::to_value(&meta).unwrap(), json);
    }

    #[test]
    fn json_has_no_nan_or_huge_integers() {
        assert_eq!(Meta::Float(f64::NAN).to_json(), serde_json::Value::Null);
        assert_eq!(
            serde_json::to_string(&Meta::Float(f64::INFINITY)).unwrap(),
            "null"
        );
        let min = -(1i128 << 64);
        assert_eq!(
            Meta::Integer(min).to_json(),
            serde_json::json!(-18446744073709551616.0)
        );
        assert_eq!(
            serde_json::to_value(Meta::Integer(min)).unwrap(),
            Meta::Integer(min).to_json()
        );
        assert_eq!(Meta::Bytes(vec![1, 2]).to_json(), serde_json::json!([1, 2]));
    }

    #[test]
    fn insert_replaces_in_place() {
        let mut map: MetaMap = [("a", 1i64), ("b", 2)].into_iter().collect();
        assert_eq!(map.insert("a", 3i64), Some(Meta::Integer(1)));
        let keys: Vec<&str> = map.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(map.get("a"), Some(&Meta::Integer(3)));
    }
}
