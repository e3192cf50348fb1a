//! The CBOR layer: what the issuer writes, what the parser accepts and refuses.

use ciborium::Value;
use hmac::{Hmac, Mac};
use pam_token::{Error, Meta, Permissions, ResourceKind, TokenBuilder};
use sha2::Sha256;

use pam_vectors::{hex, token_vectors};

pub(crate) const SECRET: &[u8] = b"sec-c-test-secret";

pub(crate) fn cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).expect("encodes");
    out
}

pub(crate) fn bkey(k: &str) -> Value {
    Value::Bytes(k.as_bytes().to_vec())
}

pub(crate) fn tkey(k: &str) -> Value {
    Value::Text(k.to_owned())
}

pub(crate) fn categories(entries: &[(&str, &[(&str, u64)])]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(cat, names)| {
                (
                    bkey(cat),
                    Value::Map(
                        names
                            .iter()
                            .map(|(n, bits)| (tkey(n), Value::Integer((*bits).into())))
                            .collect(),
                    ),
                )
            })
            .collect(),
    )
}

/// A minimal well-formed token body, without `sig`.
pub(crate) fn fields() -> Vec<(Value, Value)> {
    vec![
        (bkey("v"), Value::Integer(2.into())),
        (bkey("t"), Value::Integer(1_700_000_000.into())),
        (bkey("ttl"), Value::Integer(60.into())),
        (
            bkey("res"),
            categories(&[("chan", &[("chat", 3)]), ("grp", &[])]),
        ),
        (bkey("pat"), categories(&[("chan", &[("^room-", 1)])])),
        (bkey("meta"), Value::Map(vec![])),
    ]
}

/// Signs `fields` as this crate's scheme says and puts `sig` at `position`.
pub(crate) fn signed(mut fields: Vec<(Value, Value)>, position: usize, sig_key: Value) -> Vec<u8> {
    let unsigned = cbor(&Value::Map(fields.clone()));
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(SECRET).expect("any key length");
    mac.update(&unsigned);
    let sig = mac.finalize().into_bytes().to_vec();
    fields.insert(position.min(fields.len()), (sig_key, Value::Bytes(sig)));
    cbor(&Value::Map(fields))
}

pub(crate) fn with_sig(mut fields: Vec<(Value, Value)>) -> Vec<u8> {
    fields.push((bkey("sig"), Value::Bytes(vec![7; 32])));
    cbor(&Value::Map(fields))
}

pub(crate) fn replace(
    mut fields: Vec<(Value, Value)>,
    key: &str,
    value: Value,
) -> Vec<(Value, Value)> {
    for (k, v) in &mut fields {
        if *k == bkey(key) {
            *v = value.clone();
        }
    }
    fields
}

fn without(fields: Vec<(Value, Value)>, key: &str) -> Vec<(Value, Value)> {
    fields
        .into_iter()
        .filter(|(k, _)| *k != bkey(key))
        .collect()
}

#[test]
fn reissuing_a_server_token_reproduces_its_bytes() {
    let vectors = token_vectors();
    let current_layout = ["chan", "grp", "spc", "usr", "uuid"];
    let mut compared = 0;
    for vector in &vectors {
        let id = vector["id"].as_str().expect("id");
        let order = &vector["expected"]["resources_cbor_category_order"];
        if *order != serde_json::json!(current_layout) {
            continue;
        }
        let token = pam_token::parse(vector["token"].as_str().expect("token")).expect(id);
        let mut builder = TokenBuilder::new(token.timestamp(), token.ttl());
        for e in token.resources().entries() {
            builder = builder.resource(e.kind, e.name, e.permissions);
        }
        for e in token.patterns().entries() {
            builder = builder.pattern(e.kind, e.name, e.permissions);
        }
        if let Some(uuid) = token.authorized_user_id() {
            builder = builder.authorized_user_id(uuid);
        }
        for (k, v) in token.meta().iter() {
            builder = builder.meta(k, v.clone());
        }
        let ours = builder.sign_to_cbor(SECRET);
        let theirs = hex(vector["cbor"]["raw_hex"].as_str().expect("raw_hex"));
        // Everything but the 32 signature bytes at the end is PubNub's own encoding.
        assert_eq!(ours.len(), theirs.len(), "{id}: length");
        assert_eq!(
            ours[..ours.len() - 32],
            theirs[..theirs.len() - 32],
            "{id}: bytes differ"
        );
        compared += 1;
    }
    assert!(
        compared >= 30,
        "only {compared} vectors have the current layout"
    );
    eprintln!("re-issued {compared} server tokens byte for byte");
}

#[test]
fn issued_tokens_read_back_with_an_independent_decoder() {
    let cbor_bytes = TokenBuilder::new(1_700_000_000, 60)
        .resource(ResourceKind::Channel, "chat", Permissions::READ)
        .pattern(ResourceKind::UserId, "^bot-", Permissions::GET)
        .authorized_user_id("alice")
        .meta("n", -5i64)
        .sign_to_cbor(SECRET);
    let value: Value = ciborium::from_reader(&cbor_bytes[..]).expect("valid CBOR");
    let Value::Map(top) = value else {
        panic!("not a map")
    };
    let keys: Vec<Value> = top.iter().map(|(k, _)| k.clone()).collect();
    let expected: Vec<Value> = ["v", "t", "ttl", "res", "pat", "meta", "uuid", "sig"]
        .into_iter()
        .map(bkey)
        .collect();
    assert_eq!(keys, expected);
    let Value::Map(res) = &top[3].1 else {
        panic!("res is not a map")
    };
    let cats: Vec<Value> = res.iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(cats, ["chan", "grp", "spc", "usr", "uuid"].map(bkey));
    assert_eq!(
        top[5].1,
        Value::Map(vec![(tkey("n"), Value::Integer((-5).into()))])
    );
}

#[test]
fn any_key_order_and_text_keys_parse_and_verify() {
    let mut fields = fields();
    fields.reverse();
    // Text keys for some fields, and `sig` in the middle.
    fields[0].0 = tkey("meta");
    fields[2].0 = tkey("res");
    let bytes = signed(fields, 2, tkey("sig"));
    let token = pam_token::verify_cbor(&bytes, SECRET).expect("verifies");
    assert_eq!(
        token.resources().get(ResourceKind::Channel, "chat"),
        Some(Permissions::from_bits(3))
    );
    assert_eq!(token.patterns().len(), 1);
    assert_eq!(
        pam_token::verify_cbor(&bytes, b"other").unwrap_err(),
        Error::SignatureMismatch
    );
    assert_eq!(pam_token::verify_signature_cbor(&bytes, SECRET), Ok(()));
    assert_eq!(
        pam_token::verify_signature_cbor(&bytes, b"other"),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn unknown_keys_and_categories_are_checked_then_ignored() {
    let mut fields = fields();
    fields.push((
        bkey("future"),
        Value::Array(vec![Value::Map(vec![(tkey("x"), Value::Null)])]),
    ));
    fields = replace(
        fields,
        "res",
        categories(&[
            ("chan", &[("chat", 3)]),
            ("room", &[("lobby", 255)]),
            ("uuid", &[("u", 32)]),
        ]),
    );
    let bytes = signed(fields.clone(), 99, bkey("sig"));
    let token = pam_token::verify_cbor(&bytes, SECRET).expect("verifies");
    assert_eq!(pam_token::verify_signature_cbor(&bytes, SECRET), Ok(()));
    let kinds: Vec<ResourceKind> = token.resources().categories().map(|c| c.kind()).collect();
    assert_eq!(kinds, [ResourceKind::Channel, ResourceKind::UserId]);
    let names: Vec<&str> = token.resources().entries().map(|e| e.name).collect();
    assert_eq!(names, ["chat", "u"]);

    // The ignored category is still read strictly.
    let bad = replace(fields, "res", categories(&[("room", &[("lobby", 256)])]));
    assert!(matches!(
        pam_token::parse_cbor(&with_sig(bad)),
        Err(Error::OutOfRange { .. })
    ));
}

#[test]
fn meta_is_optional_and_nested_values_read_exactly() {
    let token = pam_token::parse_cbor(&with_sig(without(fields(), "meta"))).expect("parses");
    assert!(token.meta().is_empty());
    assert_eq!(token.to_json()["meta"], serde_json::json!({}));

    let meta = Value::Map(vec![
        (tkey("half"), Value::Float(1.5)), // ciborium writes the shortest float: a half
        (tkey("single"), Value::Float(0.1f32 as f64)),
        (tkey("double"), Value::Float(13.37)),
        (tkey("neg"), Value::Integer((-1_000_000i64).into())),
        (tkey("big"), Value::Integer(u64::MAX.into())),
        (tkey("bytes"), Value::Bytes(vec![1, 2, 3])),
        (
            tkey("nested"),
            Value::Map(vec![(
                tkey("list"),
                Value::Array(vec![Value::Null, Value::Bool(true)]),
            )]),
        ),
    ]);
    let bytes = with_sig(replace(fields(), "meta", meta));
    assert!(
        bytes.windows(3).any(|w| w == [0xf9, 0x3e, 0x00]),
        "1.5 is a half float"
    );
    let token = pam_token::parse_cbor(&bytes).expect("parses");
    let m = token.meta();
    assert_eq!(m.get("half"), Some(&Meta::Float(1.5)));
    assert_eq!(m.get("single"), Some(&Meta::Float(f64::from(0.1f32))));
    assert_eq!(m.get("neg"), Some(&Meta::Integer(-1_000_000)));
    assert_eq!(m.get("big"), Some(&Meta::Integer(i128::from(u64::MAX))));
    assert_eq!(
        token.to_json()["meta"],
        serde_json::json!({"half": 1.5, "single": f64::from(0.1f32), "double": 13.37, "neg": -1000000,
            "big": 18446744073709551615u64, "bytes": [1, 2, 3], "nested": {"list": [null, true]}})
    );
}

#[test]
fn malformed_tokens_are_refused_naming_the_field() {
    let string = Value::Text("60".into());
    type Case = (&'static str, Vec<u8>, fn(&Error) -> bool);
    let cases: Vec<Case> = vec![
        (
            "text ttl",
            with_sig(replace(fields(), "ttl", string.clone())),
            |e| matches!(e, Error::WrongType { field, expected: "an unsigned integer", found: "a text string", .. } if field == "ttl"),
        ),
        (
            "version 3",
            with_sig(replace(fields(), "v", Value::Integer(3.into()))),
            |e| *e == Error::UnsupportedVersion { found: 3 },
        ),
        ("no t", with_sig(without(fields(), "t")), |e| {
            *e == Error::MissingField { field: "t" }
        }),
        ("no res", with_sig(without(fields(), "res")), |e| {
            *e == Error::MissingField { field: "res" }
        }),
        ("no pat", with_sig(without(fields(), "pat")), |e| {
            *e == Error::MissingField { field: "pat" }
        }),
        ("no sig", cbor(&Value::Map(fields())), |e| {
            *e == Error::MissingField { field: "sig" }
        }),
        (
            "text sig",
            {
                let mut f = fields();
                f.push((bkey("sig"), Value::Text("x".repeat(32))));
                cbor(&Value::Map(f))
            },
            |e| matches!(e, Error::WrongType { field, .. } if field == "sig"),
        ),
        (
            "duplicate t",
            {
                let mut f = fields();
                f.push((bkey("t"), Value::Integer(1.into())));
                with_sig(f)
            },
            |e| matches!(e, Error::DuplicateKey { field, key } if field == "token" && key == "\"t\""),
        ),
        (
            "duplicate name",
            with_sig(replace(
                fields(),
                "res",
                categories(&[("chan", &[("a", 1), ("a", 2)])]),
            )),
            |e| matches!(e, Error::DuplicateKey { field, .. } if field == "res.chan"),
        ),
        (
            "duplicate category",
            with_sig(replace(
                fields(),
                "pat",
                categories(&[("grp", &[]), ("grp", &[])]),
            )),
            |e| matches!(e, Error::DuplicateKey { field, .. } if field == "pat"),
        ),
        (
            "bitmask 256",
            with_sig(replace(
                fields(),
                "res",
                categories(&[("chan", &[("a", 256)])]),
            )),
            |e| {
                matches!(
                    e,
                    Error::OutOfRange {
                        found: 256,
                        max: 255,
                        ..
                    }
                )
            },
        ),
        (
            "text bitmask",
            with_sig(replace(
                fields(),
                "res",
                Value::Map(vec![(
                    bkey("chan"),
                    Value::Map(vec![(tkey("a"), string.clone())]),
                )]),
            )),
            |e| matches!(e, Error::WrongType { field, .. } if field == "res.chan.\"a\""),
        ),
        (
            "bytes name",
            with_sig(replace(
                fields(),
                "res",
                Value::Map(vec![(
                    bkey("chan"),
                    Value::Map(vec![(bkey("a"), Value::Integer(1.into()))]),
                )]),
            )),
            |e| matches!(e, Error::WrongType { field, found: "a byte string", .. } if field == "res.chan name"),
        ),
        (
            "integer uuid",
            {
                let mut f = fields();
                f.push((bkey("uuid"), Value::Integer(12.into())));
                with_sig(f)
            },
            |e| matches!(e, Error::WrongType { field, .. } if field == "uuid"),
        ),
        (
            "tag in meta",
            with_sig(replace(
                fields(),
                "meta",
                Value::Map(vec![(
                    tkey("t"),
                    Value::Tag(1, Box::new(Value::Integer(0.into()))),
                )]),
            )),
            |e| matches!(e, Error::Unsupported { what, .. } if what.contains("tag 1")),
        ),
        (
            "integer meta key",
            with_sig(replace(
                fields(),
                "meta",
                Value::Map(vec![(Value::Integer(1.into()), Value::Null)]),
            )),
            |e| matches!(e, Error::WrongType { field, .. } if field == "meta key"),
        ),
        (
            "duplicate meta key",
            with_sig(replace(
                fields(),
                "meta",
                Value::Map(vec![(tkey("k"), Value::Null), (tkey("k"), Value::Null)]),
            )),
            |e| matches!(e, Error::DuplicateKey { field, .. } if field == "meta"),
        ),
        (
            "ttl beyond u32",
            with_sig(replace(fields(), "ttl", Value::Integer(u64::MAX.into()))),
            |e| matches!(e, Error::OutOfRange { field, .. } if field == "ttl"),
        ),
        (
            "expiry overflows",
            with_sig(replace(fields(), "t", Value::Integer(u64::MAX.into()))),
            |e| matches!(e, Error::OutOfRange { field, .. } if field == "t"),
        ),
        (
            "trailing bytes",
            {
                let mut b = with_sig(fields());
                b.extend_from_slice(&[0, 0, 0]);
                b
            },
            |e| matches!(e, Error::TrailingBytes { count: 3, .. }),
        ),
        (
            "array at top",
            cbor(&Value::Array(vec![])),
            |e| matches!(e, Error::WrongType { field, expected: "a map", found: "an array", .. } if field == "token"),
        ),
    ];
    for (name, bytes, expected) in cases {
        let err = pam_token::parse_cbor(&bytes).expect_err(name);
        eprintln!("{name}: {err}");
        assert!(expected(&err), "{name}: unexpected error {err:?}");
    }
}

#[test]
fn bounds_are_enforced() {
    // meta nested one level deeper than allowed.
    let mut deep = Value::Null;
    for _ in 0..pam_token::MAX_META_DEPTH {
        deep = Value::Array(vec![deep]);
    }
    let too_deep = replace(
        fields(),
        "meta",
        Value::Map(vec![(tkey("d"), deep.clone())]),
    );
    assert!(matches!(
        pam_token::parse_cbor(&with_sig(too_deep)),
        Err(Error::TooDeep {
            limit: pam_token::MAX_META_DEPTH,
            ..
        })
    ));
    let Value::Array(inner) = deep else {
        panic!("built as an array")
    };
    let deepest_allowed = replace(
        fields(),
        "meta",
        Value::Map(vec![(tkey("d"), inner[0].clone())]),
    );
    pam_token::parse_cbor(&with_sig(deepest_allowed)).expect("at the limit");

    // More items than allowed, well inside the length limit.
    let many = Value::Array(vec![Value::Integer(0.into()); pam_token::MAX_ITEMS]);
    let too_many = replace(fields(), "meta", Value::Map(vec![(tkey("m"), many)]));
    assert_eq!(
        pam_token::parse_cbor(&with_sig(too_many)),
        Err(Error::TooManyItems {
            limit: pam_token::MAX_ITEMS
        })
    );

    // A map that announces 2^32 entries is refused before anything is allocated.
    let mut huge = vec![0xa8];
    huge.extend_from_slice(&[0x41, b'v', 0x02, 0x44]);
    huge.extend_from_slice(b"meta");
    huge.extend_from_slice(&[0xba, 0, 0, 0, 1]);
    assert!(matches!(
        pam_token::parse_cbor(&huge),
        Err(Error::Cbor { .. })
    ));

    // Indefinite lengths are refused.
    let mut indefinite = vec![0xbf];
    indefinite.extend_from_slice(&with_sig(fields())[1..]);
    indefinite.push(0xff);
    assert!(matches!(
        pam_token::parse_cbor(&indefinite),
        Err(Error::Unsupported { offset: 0, .. })
    ));
}

#[test]
fn a_name_that_is_not_utf8_is_named_with_its_offset() {
    let fields = replace(
        fields(),
        "res",
        categories(&[("chan", &[("ok", 1), ("zz", 1)])]),
    );
    let mut bytes = with_sig(fields);
    let at = bytes
        .windows(2)
        .position(|w| w == b"zz")
        .expect("name is there");
    bytes[at] = 0xff;
    let err = pam_token::parse_cbor(&bytes).unwrap_err();
    assert_eq!(
        err,
        Error::InvalidUtf8 {
            field: "res.chan name".to_owned(),
            offset: at - 1
        }
    );

    let mut with_uuid = fields_with_uuid("QQ");
    let at = with_uuid
        .windows(2)
        .position(|w| w == b"QQ")
        .expect("uuid is there");
    with_uuid[at + 1] = 0xc3; // a lead byte with nothing after it
    let err = pam_token::parse_cbor(&with_uuid).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidUtf8 { field, .. } if field == "uuid"),
        "{err}"
    );
}

#[test]
fn a_name_that_is_not_utf8_in_an_unknown_category_is_refused() {
    // Found by the token_parse fuzz target: the names of an unknown category were dropped
    // before the end-of-read UTF-8 check, so `parse` accepted bytes `verify_signature` refused.
    let fields = replace(
        fields(),
        "res",
        categories(&[("chan", &[("ok", 1)]), ("room", &[("zz", 1)])]),
    );
    let mut bytes = with_sig(fields);
    let at = bytes
        .windows(2)
        .position(|w| w == b"zz")
        .expect("name is there");
    bytes[at] = 0xf0; // a lead byte of four with one byte after it
    assert_eq!(
        pam_token::parse_cbor(&bytes).unwrap_err(),
        Error::InvalidUtf8 {
            field: "res.room name".to_owned(),
            offset: at - 1
        }
    );
    assert!(matches!(
        pam_token::verify_signature_cbor(&bytes, SECRET),
        Err(Error::InvalidUtf8 { .. })
    ));
}

fn fields_with_uuid(uuid: &str) -> Vec<u8> {
    let mut f = fields();
    f.push((bkey("uuid"), tkey(uuid)));
    with_sig(f)
}

#[test]
fn two_broken_names_do_not_make_one_valid_text() {
    // "a\xc3" and "\xa9d": each invalid, together "aéd".
    let fields = replace(
        fields(),
        "res",
        categories(&[("chan", &[("ab", 1), ("cd", 1)])]),
    );
    let mut bytes = with_sig(fields);
    let first = bytes
        .windows(2)
        .position(|w| w == b"ab")
        .expect("first name");
    bytes[first + 1] = 0xc3;
    let second = bytes
        .windows(2)
        .position(|w| w == b"cd")
        .expect("second name");
    bytes[second] = 0xa9;
    let err = pam_token::parse_cbor(&bytes).unwrap_err();
    assert_eq!(
        err,
        Error::InvalidUtf8 {
            field: "res.chan name".to_owned(),
            offset: first - 1
        }
    );
}
