//! `verify_signature`: the signature alone, without building a `Token`. It must agree with
//! `verify` on every token this crate issues, accept any layout the signing scheme allows, and
//! refuse malformed bytes with an error, never a panic.

use base64::Engine as _;
use ciborium::Value;
use pam_token::{Error, Permissions, ResourceKind, TokenBuilder};
use pam_vectors::{hex, token_vectors};

use crate::layout::{SECRET, bkey, cbor, fields, replace, signed, tkey, with_sig};

/// A 32-byte signature entry, as a ciborium pair.
fn sig_entry(key: Value, len: usize) -> (Value, Value) {
    (key, Value::Bytes(vec![7; len]))
}

#[test]
fn an_issued_token_verifies_and_nothing_else_does() {
    let text = TokenBuilder::new(1_700_000_000, 60)
        .resource(ResourceKind::Channel, "chat", Permissions::READ)
        .pattern(ResourceKind::UserId, "^bot-", Permissions::GET)
        .authorized_user_id("alice")
        .meta(
            "nested",
            pam_token::Meta::Array(vec![pam_token::Meta::Null]),
        )
        .sign(SECRET);
    assert_eq!(pam_token::verify_signature(&text, SECRET), Ok(()));
    assert_eq!(
        pam_token::verify_signature(&text, b"sec-c-wrong"),
        Err(Error::SignatureMismatch)
    );
    assert_eq!(
        pam_token::verify_signature(&text, b""),
        Err(Error::SignatureMismatch)
    );

    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(&text)
        .expect("padded base64url");
    assert_eq!(pam_token::verify_signature_cbor(&bytes, SECRET), Ok(()));
    // Every byte matters, and any change is an error (not necessarily a mismatch: a changed
    // head can make the bytes malformed), never a success or a panic.
    for i in 0..bytes.len() {
        for flip in [0x01, 0x80, 0xff] {
            let mut altered = bytes.clone();
            altered[i] ^= flip;
            assert!(
                pam_token::verify_signature_cbor(&altered, SECRET).is_err(),
                "byte {i} ^ {flip:#x} still verifies"
            );
        }
    }
    // The unpadded and standard-alphabet forms are the same bytes.
    let unpadded = text.trim_end_matches('=');
    assert_eq!(pam_token::verify_signature(unpadded, SECRET), Ok(()));
    let standard = text.replace('-', "+").replace('_', "/");
    assert_eq!(pam_token::verify_signature(&standard, SECRET), Ok(()));
}

#[test]
fn any_key_order_text_keys_and_sig_anywhere_verify() {
    let base = fields();
    for position in 0..=base.len() {
        for sig_key in [bkey("sig"), tkey("sig")] {
            let mut shuffled = base.clone();
            shuffled.rotate_left(position % base.len());
            let Value::Bytes(key) = &shuffled[1].0 else {
                panic!("fields() has byte keys")
            };
            let text_key = tkey(std::str::from_utf8(key).expect("ASCII keys"));
            shuffled[1].0 = text_key;
            let bytes = signed(shuffled, position, sig_key.clone());
            assert_eq!(
                pam_token::verify_signature_cbor(&bytes, SECRET),
                Ok(()),
                "sig at {position}, key {sig_key:?}"
            );
            assert!(pam_token::verify_cbor(&bytes, SECRET).is_ok());
            assert_eq!(
                pam_token::verify_signature_cbor(&bytes, b"other"),
                Err(Error::SignatureMismatch)
            );
        }
    }
}

#[test]
fn a_wide_map_head_is_lowered_in_its_own_width() {
    // 24 unknown keys make the top-level head two bytes wide (0xb8 0x1e).
    let mut many = fields();
    for i in 0..24 {
        many.push((bkey(&format!("x{i}")), Value::Integer(i.into())));
    }
    let bytes = signed(many, 3, bkey("sig"));
    assert_eq!(bytes[0], 0xb8);
    assert_eq!(pam_token::verify_signature_cbor(&bytes, SECRET), Ok(()));
    assert!(pam_token::verify_cbor(&bytes, SECRET).is_ok());
}

#[test]
fn malformed_bytes_are_refused_with_the_reason() {
    let good = signed(fields(), 99, bkey("sig"));
    let two_sigs = {
        let mut f = fields();
        f.push(sig_entry(bkey("sig"), 32));
        f.insert(1, sig_entry(tkey("sig"), 32));
        cbor(&Value::Map(f))
    };
    let short_sig = {
        let mut f = fields();
        f.push(sig_entry(bkey("sig"), 31));
        cbor(&Value::Map(f))
    };
    let text_sig = {
        let mut f = fields();
        f.push((bkey("sig"), Value::Text("x".repeat(32))));
        cbor(&Value::Map(f))
    };
    let deep = {
        let mut value = Value::Null;
        for _ in 0..pam_token::MAX_META_DEPTH {
            value = Value::Array(vec![value]);
        }
        with_sig(replace(
            fields(),
            "meta",
            Value::Map(vec![(tkey("d"), value)]),
        ))
    };
    let many_items = with_sig(replace(
        fields(),
        "meta",
        Value::Map(vec![(
            tkey("m"),
            Value::Array(vec![Value::Integer(0.into()); pam_token::MAX_ITEMS]),
        )]),
    ));
    // A top-level map of 2^32 entries, and a byte string of 2^64 - 1 bytes.
    let huge_map = vec![0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x41, b'v', 0x02];
    let mut huge_string = vec![0xa2, 0x41, b'v', 0x5b];
    huge_string.extend_from_slice(&[0xff; 8]);
    let indefinite = {
        let mut b = vec![0xbf];
        b.extend_from_slice(&good[1..]);
        b.push(0xff);
        b
    };
    let trailing = {
        let mut b = good.clone();
        b.push(0);
        b
    };
    let integer_key = {
        let mut f = fields();
        f.insert(0, (Value::Integer(1.into()), Value::Null));
        with_sig(f)
    };
    let tagged = with_sig(replace(
        fields(),
        "meta",
        Value::Tag(0, Box::new(Value::Text("2024".into()))),
    ));

    type Case = (&'static str, Vec<u8>, fn(&Error) -> bool);
    let cases: Vec<Case> = vec![
        ("empty", vec![], |e| {
            matches!(e, Error::Cbor { offset: 0, .. })
        }),
        (
            "array at top",
            cbor(&Value::Array(vec![])),
            |e| matches!(e, Error::WrongType { field, expected: "a map", .. } if field == "token"),
        ),
        ("no sig", cbor(&Value::Map(fields())), |e| {
            *e == Error::MissingField { field: "sig" }
        }),
        (
            "two sigs",
            two_sigs,
            |e| matches!(e, Error::DuplicateKey { field, key } if field == "token" && key == "\"sig\""),
        ),
        ("31-byte sig", short_sig, |e| {
            *e == Error::BadSignatureLength { found: 31 }
        }),
        (
            "text sig",
            text_sig,
            |e| matches!(e, Error::WrongType { field, found: "a text string", .. } if field == "sig"),
        ),
        ("too deep", deep, |e| {
            matches!(
                e,
                Error::TooDeep {
                    limit: pam_token::MAX_META_DEPTH,
                    ..
                }
            )
        }),
        ("too many items", many_items, |e| {
            *e == Error::TooManyItems {
                limit: pam_token::MAX_ITEMS,
            }
        }),
        ("huge map", huge_map, |e| {
            matches!(e, Error::Cbor { offset: 0, .. })
        }),
        ("huge string", huge_string, |e| {
            matches!(e, Error::Cbor { offset: 3, .. })
        }),
        ("indefinite map", indefinite, |e| {
            matches!(e, Error::Unsupported { offset: 0, .. })
        }),
        ("trailing byte", trailing, |e| {
            matches!(e, Error::TrailingBytes { count: 1, .. })
        }),
        ("integer key", integer_key, |e| {
            matches!(
                e,
                Error::WrongType {
                    found: "an unsigned integer",
                    ..
                }
            )
        }),
        (
            "tag",
            tagged,
            |e| matches!(e, Error::Unsupported { what, .. } if what.contains("tag 0")),
        ),
    ];
    for (name, bytes, expected) in cases {
        let err = pam_token::verify_signature_cbor(&bytes, SECRET).expect_err(name);
        eprintln!("{name}: {err}");
        assert!(expected(&err), "{name}: unexpected error {err:?}");
        let text = base64::engine::general_purpose::URL_SAFE.encode(&bytes);
        if !bytes.is_empty() {
            assert_eq!(
                pam_token::verify_signature(&text, SECRET),
                Err(err),
                "{name}: string form"
            );
        }
    }

    // Every truncation of a good token is an error.
    for keep in 0..good.len() {
        assert!(
            pam_token::verify_signature_cbor(&good[..keep], SECRET).is_err(),
            "{keep} bytes"
        );
    }
    assert_eq!(pam_token::verify_signature_cbor(&good, SECRET), Ok(()));
}

#[test]
fn string_errors_are_the_decoders() {
    assert_eq!(pam_token::verify_signature("", SECRET), Err(Error::Empty));
    assert!(matches!(
        pam_token::verify_signature("ab!d", SECRET),
        Err(Error::InvalidBase64 {
            position: Some(2),
            ..
        })
    ));
    let long = "A".repeat(pam_token::MAX_TOKEN_LEN + 4);
    assert!(matches!(
        pam_token::verify_signature(&long, SECRET),
        Err(Error::TooLong { .. })
    ));
}

#[test]
fn long_tokens_decode_past_the_stack_buffer() {
    // Far more than 1 KiB of text: the string decodes into a `Vec`.
    let builder = (0..60).fold(TokenBuilder::new(1, 1), |b, i| {
        b.resource(
            ResourceKind::Channel,
            format!("a-rather-long-channel-name-{i}"),
            Permissions::READ,
        )
    });
    let text = builder.sign(SECRET);
    assert!(text.len() > 2048, "{}", text.len());
    assert_eq!(pam_token::verify_signature(&text, SECRET), Ok(()));
    assert_eq!(
        pam_token::verify_signature(&text, b"other"),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn server_tokens_are_a_mismatch_not_a_parse_error() {
    let vectors = token_vectors();
    for vector in &vectors {
        let id = vector["id"].as_str().expect("id");
        let text = vector["token"].as_str().expect("token");
        let raw = hex(vector["cbor"]["raw_hex"].as_str().expect("raw_hex"));
        for secret in [&b""[..], b"sec-c-anything", SECRET, &[0xff; 200]] {
            assert_eq!(
                pam_token::verify_signature(text, secret),
                Err(Error::SignatureMismatch),
                "{id}"
            );
            assert_eq!(
                pam_token::verify_signature_cbor(&raw, secret),
                Err(Error::SignatureMismatch),
                "{id}"
            );
            assert_eq!(
                pam_token::verify(text, secret).unwrap_err(),
                Error::SignatureMismatch,
                "{id}"
            );
        }
    }
    eprintln!("{} server tokens: signature mismatch", vectors.len());
}
