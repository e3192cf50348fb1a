//! A float in a grant's `meta` is read back exactly as written, whatever its digits.
//!
//! The grant body parser is what a server (the emulator, like PubNub's Python server, whose
//! `float()` is correctly rounded) uses to decide what goes into the signed token, so a float
//! read one unit in the last place off would put another number in the token than the client
//! sent. serde_json reads floats correctly rounded only with its `float_roundtrip` feature,
//! which is why `pam-model` turns it on (see its Cargo.toml).

use pam_model::{GrantRequest, MetaValue};

#[test]
fn floats_in_meta_read_back_bit_for_bit() {
    // Without `float_roundtrip` the first reads back one unit in the last place off (as do about
    // 30% of random finite f64 values); the others are the edges of the range.
    let floats = [
        1.0715660391465826e-75,
        0.30000000000000004,
        2.2250738585072014e-308,
        1.7976931348623157e308,
        -5.0e-324,
        123_456.789_012_345_67,
    ];
    let request = floats
        .iter()
        .enumerate()
        .fold(GrantRequest::new(60), |request, (i, f)| {
            request.meta(format!("f{i}"), *f)
        });
    let body = request.to_body_json();
    let parsed = GrantRequest::from_body_json(body.as_bytes()).expect("the body parses");
    for (i, f) in floats.iter().enumerate() {
        match &parsed.meta[&format!("f{i}")] {
            MetaValue::Float(back) => {
                assert_eq!(
                    back.to_bits(),
                    f.to_bits(),
                    "{f:?} came back as {back:?}: {body}"
                );
            }
            other => panic!("f{i}: {other:?}"),
        }
    }
}
