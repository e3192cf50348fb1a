//! `meta`: the free-form values a token carries.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_replaces_in_place() {
        let mut map: MetaMap = [("a", 1i64), ("b", 2)].into_iter().collect();
        assert_eq!(map.insert("a", 3i64), Some(Meta::Integer(1)));
        let keys: Vec<&str> = map.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(map.get("a"), Some(&Meta::Integer(3)));
    }
}
