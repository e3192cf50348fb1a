//! Scalar values of grant `meta`.

/// A scalar value of grant `meta`. PubNub documents grant meta as scalar-only; this crate
/// refuses objects and arrays (see [`ValidationError::NestedMeta`](crate::ValidationError::NestedMeta)).
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    /// A string.
    String(String),
    /// An integer.
    Integer(i64),
    /// A float. Sent in a form that reads back as a float (`1.0`, not `1`); it must be finite.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// Null.
    Null,
}

impl From<&str> for MetaValue {
    fn from(value: &str) -> Self {
        MetaValue::String(value.to_owned())
    }
}

impl From<String> for MetaValue {
    fn from(value: String) -> Self {
        MetaValue::String(value)
    }
}

impl From<i64> for MetaValue {
    fn from(value: i64) -> Self {
        MetaValue::Integer(value)
    }
}

impl From<i32> for MetaValue {
    fn from(value: i32) -> Self {
        MetaValue::Integer(i64::from(value))
    }
}

impl From<u32> for MetaValue {
    fn from(value: u32) -> Self {
        MetaValue::Integer(i64::from(value))
    }
}

impl From<f64> for MetaValue {
    fn from(value: f64) -> Self {
        MetaValue::Float(value)
    }
}

impl From<bool> for MetaValue {
    fn from(value: bool) -> Self {
        MetaValue::Bool(value)
    }
}
