//! Categories (`cat`): parsing, issuing, the JSON view and authorization of listings; and
//! `sig`s that are not 32 bytes long.

use ciborium::Value;
use pam_token::{
    AccessRequest, CategoryKind, Decision, Error, Operation, Permission, Permissions, ResourceKind,
    TokenBuilder,
};

use crate::layout::{SECRET, bkey, cbor, fields, signed, tkey, with_sig};

/// The categories-only token of `pubnub` 0.9's own unit test (`parse_token.rs`,
/// `parse_token_with_categories_only`): text keys, a 4-byte `sig`.
const PUBNUB_0_9_CATEGORIES_ONLY: &str =
    "qGF2AmF0GmFLd-NjdHRsGQWgY3Jlc6BjcGF0oGRtZXRhoGNjYXSiZGNoYW4YIGR1dWlkGCBjc2lnRAECAwQ=";

const NOW: u64 = 1_700_000_100;

fn cat(entries: &[(&str, Value)]) -> Value {
    Value::Map(entries.iter().map(|(k, v)| (bkey(k), v.clone())).collect())
}

fn with_cat(value: Value) -> Vec<u8> {
    let mut f = fields();
    f.push((bkey("cat"), value));
    with_sig(f)
}

#[test]
fn the_pubnub_0_9_categories_only_token_parses() {
    let token = pam_token::parse(PUBNUB_0_9_CATEGORIES_ONLY).expect("parses");
    assert_eq!(token.version(), 2);
    assert_eq!(token.timestamp(), 1_632_335_843);
    assert_eq!(token.ttl(), 1440);
    assert_eq!(
        token.categories().iter().collect::<Vec<_>>(),
        [
            (CategoryKind::Channels, Permissions::GET),
            (CategoryKind::Uuids, Permissions::GET)
        ]
    );
    assert!(token.resources().is_empty() && token.patterns().is_empty());
    // Its `sig` is 4 bytes: read, reported, never verified.
    assert_eq!(token.signature(), &[1, 2, 3, 4]);
    assert_eq!(token.hmac_signature(), None);
    let err = pam_token::verify(PUBNUB_0_9_CATEGORIES_ONLY, SECRET).unwrap_err();
    assert_eq!(err, Error::BadSignatureLength { found: 4 });
    assert_eq!(
        err.to_string(),
        "`sig` is 4 bytes long; an HMAC-SHA256 signature is 32, so this token cannot be verified"
    );
    assert_eq!(
        pam_token::verify_signature(PUBNUB_0_9_CATEGORIES_ONLY, SECRET),
        Err(Error::BadSignatureLength { found: 4 })
    );
    let json = token.to_json();
    assert_eq!(json["categories"]["channels"]["bitmask"], 32);
    assert_eq!(json["categories"]["channels"]["get"], true);
    assert_eq!(json["categories"]["uuids"]["read"], false);
    assert_eq!(json["signature"], "AQIDBA");
}

#[test]
fn a_short_or_long_sig_parses_but_never_verifies() {
    for length in [0, 31, 33, 64] {
        let mut f = fields();
        f.push((bkey("sig"), Value::Bytes(vec![9; length])));
        let bytes = cbor(&Value::Map(f));
        let token = pam_token::parse_cbor(&bytes).expect("parses");
        assert_eq!(token.signature().len(), length);
        assert_eq!(token.hmac_signature(), None);
        assert_eq!(
            pam_token::verify_cbor(&bytes, SECRET).unwrap_err(),
            Error::BadSignatureLength { found: length }
        );
        assert_eq!(
            pam_token::verify_signature_cbor(&bytes, SECRET),
            Err(Error::BadSignatureLength { found: length })
        );
    }
}

#[test]
fn cat_keys_may_be_text_or_bytes_and_unknown_ones_are_ignored() {
    let mixed = Value::Map(vec![
        (tkey("uuid"), Value::Integer(32.into())),
        (
            bkey("spc"),
            Value::Map(vec![(tkey("x"), Value::Integer(1.into()))]),
        ),
        (tkey("future"), Value::Array(vec![Value::Bool(true)])),
    ]);
    let token = pam_token::parse_cbor(&with_cat(mixed)).expect("parses");
    assert_eq!(
        token.categories().get(CategoryKind::Uuids),
        Some(Permissions::GET)
    );
    assert_eq!(token.categories().get(CategoryKind::Channels), None);
    assert_eq!(token.categories().len(), 1);
    assert_eq!(
        token.to_json()["categories"],
        serde_json::json!({"uuids": {"bitmask": 32, "read": false, "write": false, "manage": false,
            "delete": false, "create": false, "get": true, "update": false, "join": false}})
    );
    let empty = pam_token::parse_cbor(&with_cat(Value::Map(vec![]))).expect("parses");
    assert!(empty.categories().is_empty());
    assert_eq!(empty.to_json()["categories"], serde_json::json!({}));
}

#[test]
fn a_token_without_cat_has_no_categories() {
    let token = pam_token::parse_cbor(&with_sig(fields())).expect("parses");
    assert!(token.categories().is_empty());
    assert_eq!(token.to_json()["categories"], serde_json::json!({}));
}

#[test]
fn malformed_cat_is_refused_naming_the_field() {
    type Case = (&'static str, Vec<u8>, fn(&Error) -> bool);
    let cases: Vec<Case> = vec![
        (
            "cat not a map",
            with_cat(Value::Integer(32.into())),
            |e| matches!(e, Error::WrongType { field, expected: "a map", .. } if field == "cat"),
        ),
        (
            "text bitmask",
            with_cat(cat(&[("chan", Value::Text("get".into()))])),
            |e| matches!(e, Error::WrongType { field, .. } if field == "cat.chan"),
        ),
        (
            "bitmask past 255",
            with_cat(cat(&[("uuid", Value::Integer(256.into()))])),
            |e| matches!(e, Error::OutOfRange { field, found: 256, .. } if field == "cat.uuid"),
        ),
        (
            "repeated key",
            {
                let mut f = fields();
                f.push((
                    bkey("cat"),
                    Value::Map(vec![
                        (bkey("chan"), Value::Integer(32.into())),
                        (tkey("chan"), Value::Integer(32.into())),
                    ]),
                ));
                with_sig(f)
            },
            |e| matches!(e, Error::DuplicateKey { field, .. } if field == "cat"),
        ),
        (
            "two cats",
            {
                let mut f = fields();
                f.push((bkey("cat"), Value::Map(vec![])));
                f.push((tkey("cat"), Value::Map(vec![])));
                with_sig(f)
            },
            |e| matches!(e, Error::DuplicateKey { field, .. } if field == "token"),
        ),
    ];
    for (name, bytes, expected) in cases {
        let err = pam_token::parse_cbor(&bytes).expect_err(name);
        assert!(expected(&err), "{name}: {err:?}");
        assert!(!err.to_string().contains('\n'), "{name}");
    }
}

#[test]
fn issued_tokens_carry_cat_after_meta_and_verify() {
    let text = TokenBuilder::new(1_700_000_000, 60)
        .resource(ResourceKind::Channel, "a", Permission::Read)
        .category(CategoryKind::Uuids, Permission::Get)
        .category(CategoryKind::Channels, Permission::Get)
        .authorized_user_id("alice")
        .sign(SECRET);
    let token = pam_token::verify(&text, SECRET).expect("verifies");
    assert_eq!(token.categories().len(), 2);
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE, &text).unwrap();
    let value: Value = ciborium::from_reader(bytes.as_slice()).unwrap();
    let keys: Vec<Vec<u8>> = value
        .as_map()
        .unwrap()
        .iter()
        .map(|(k, _)| k.as_bytes().unwrap().clone())
        .collect();
    let keys: Vec<&str> = keys
        .iter()
        .map(|k| std::str::from_utf8(k).unwrap())
        .collect();
    assert_eq!(
        keys,
        ["v", "t", "ttl", "res", "pat", "meta", "cat", "uuid", "sig"]
    );
    let cat_value = &value.as_map().unwrap()[6].1;
    assert_eq!(
        *cat_value,
        Value::Map(vec![
            (bkey("chan"), Value::Integer(32.into())),
            (bkey("uuid"), Value::Integer(32.into())),
        ])
    );
    // Without categories, no `cat` key at all: the bytes are PubNub's layout as before.
    let plain = TokenBuilder::new(1_700_000_000, 60)
        .resource(ResourceKind::Channel, "a", Permission::Read)
        .sign_to_cbor(SECRET);
    let value: Value = ciborium::from_reader(plain.as_slice()).unwrap();
    assert_eq!(value.as_map().unwrap().len(), 7);
}

#[test]
fn a_reordered_cat_still_verifies() {
    // The MAC covers the bytes as received: `cat` anywhere, text keys, verifies.
    let mut f = fields();
    f.insert(
        1,
        (tkey("cat"), cat(&[("chan", Value::Integer(32.into()))])),
    );
    let bytes = signed(f, 3, tkey("sig"));
    let token = pam_token::verify_cbor(&bytes, SECRET).expect("verifies");
    assert_eq!(
        token.categories().get(CategoryKind::Channels),
        Some(Permissions::GET)
    );
    assert_eq!(pam_token::verify_signature_cbor(&bytes, SECRET), Ok(()));
}

#[test]
fn listings_are_decided_by_cat_alone() {
    let listing = TokenBuilder::new(1_700_000_000, 60)
        .category(CategoryKind::Channels, Permission::Get)
        .sign(SECRET);
    let listing = pam_token::parse(&listing).unwrap();
    let channels = AccessRequest::category(CategoryKind::Channels, NOW);
    let decision = listing.authorize(&channels);
    assert!(decision.is_allowed(), "{decision}");
    assert!(matches!(
        decision,
        Decision::CategoryAllowed {
            category: CategoryKind::Channels,
            ..
        }
    ));
    let uuids = listing.authorize(&AccessRequest::category(CategoryKind::Uuids, NOW));
    assert!(!uuids.is_allowed());
    assert_eq!(uuids.server_message(), Some("Forbidden"));
    assert_eq!(uuids.missing(), Permissions::GET);
    let text = uuids.to_string();
    assert!(
        text.contains("uuids category") && text.contains("cat.uuid"),
        "{text}"
    );

    // Every resource and pattern entry there is, with every bit: still no listing.
    let resources_only = TokenBuilder::new(1_700_000_000, 60)
        .resource(ResourceKind::Channel, "c", Permissions::from_bits(255))
        .pattern(ResourceKind::Channel, ".*", Permissions::from_bits(255))
        .pattern(ResourceKind::UserId, ".*", Permissions::from_bits(255))
        .category(CategoryKind::Uuids, Permissions::from_bits(64))
        .sign(SECRET);
    let resources_only = pam_token::parse(&resources_only).unwrap();
    let decision = resources_only.authorize(&channels);
    assert!(matches!(
        decision,
        Decision::MissingCategory {
            category: CategoryKind::Channels,
            granted: None,
            ..
        }
    ));
    assert!(
        decision.to_string().contains("never grant a listing"),
        "{decision}"
    );
    let wrong_bits = resources_only.authorize(&AccessRequest::category(CategoryKind::Uuids, NOW));
    assert!(matches!(
        wrong_bits,
        Decision::MissingCategory {
            granted: Some(p),
            ..
        } if p == Permissions::UPDATE
    ));
    assert!(
        wrong_bits.to_string().contains("missing get"),
        "{wrong_bits}"
    );
}

#[test]
fn listings_check_expiry_and_the_authorized_user_id_first() {
    let token = TokenBuilder::new(1_700_000_000, 1)
        .category(CategoryKind::Uuids, Permission::Get)
        .authorized_user_id("alice")
        .sign(SECRET);
    let token = pam_token::parse(&token).unwrap();
    let request = AccessRequest::category(CategoryKind::Uuids, 1_700_000_030);
    assert!(matches!(
        token.authorize(&request),
        Decision::UserMismatch { .. }
    ));
    assert!(token.authorize(&request.by("alice")).is_allowed());
    let late = AccessRequest::category(CategoryKind::Uuids, 1_700_000_060).by("alice");
    assert!(matches!(token.authorize(&late), Decision::Expired { .. }));
}

#[test]
fn listing_operations_name_their_category() {
    for (op, category) in [
        (Operation::GetAllChannelMetadata, CategoryKind::Channels),
        (Operation::GetAllUserMetadata, CategoryKind::Uuids),
    ] {
        assert_eq!(op.category(), Some(category));
        assert!(op.requirements().is_empty());
        assert_eq!(op.name().parse::<Operation>(), Ok(op));
    }
    assert_eq!(
        "get-all-channel-metadata".parse::<Operation>(),
        Ok(Operation::GetAllChannelMetadata)
    );
}
