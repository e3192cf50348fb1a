//! `meta` as JSON: [`Meta::to_json`], [`Meta::from_json`], and `Serialize` for [`Meta`] and
//! [`MetaMap`] (feature `json`).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::{Meta, MetaMap};

impl MetaMap {
    /// The map as a JSON object (see [`Meta::to_json`]).
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.iter()
                .map(|(k, v)| (k.to_owned(), v.to_json()))
                .collect(),
        )
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
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
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
}
