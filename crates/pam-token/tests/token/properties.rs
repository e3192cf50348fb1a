//! Properties: issuing round-trips, verification catches every change, nothing panics.

use base64::Engine as _;
use pam_model::{GrantRequest, MetaValue};
use pam_token::{CategoryKind, Meta, MetaMap, Permissions, Resource, ResourceKind, TokenBuilder};
use proptest::prelude::*;

fn kind() -> impl Strategy<Value = ResourceKind> {
    proptest::sample::select(ResourceKind::ALL.to_vec())
}

fn entry() -> impl Strategy<Value = Resource> {
    // Short names from a small alphabet so that repeated names (which merge) occur often.
    (kind(), prop_oneof!["[ab]{0,2}", "\\PC{0,12}"], any::<u8>())
        .prop_map(|(k, n, bits)| Resource::new(k, n, Permissions::from_bits(bits)))
}

fn scalar_meta() -> impl Strategy<Value = MetaValue> {
    prop_oneof![
        "\\PC{0,8}".prop_map(MetaValue::String),
        any::<i64>().prop_map(MetaValue::Integer),
        proptest::num::f64::NORMAL.prop_map(MetaValue::Float),
        any::<bool>().prop_map(MetaValue::Bool),
        Just(MetaValue::Null),
    ]
}

fn nested_meta() -> impl Strategy<Value = Meta> {
    let leaf = prop_oneof![
        Just(Meta::Null),
        any::<bool>().prop_map(Meta::Bool),
        (-(1i128 << 64)..(1i128 << 64)).prop_map(Meta::Integer),
        proptest::num::f64::NORMAL.prop_map(Meta::Float),
        "\\PC{0,8}".prop_map(Meta::Text),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(Meta::Bytes),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Meta::Array),
            proptest::collection::vec(("[a-z]{0,3}", inner), 0..4)
                .prop_map(|entries| Meta::Map(entries.into_iter().collect())),
        ]
    })
}

fn grant() -> impl Strategy<Value = GrantRequest> {
    (
        1u32..=43_200,
        proptest::collection::vec(entry(), 0..8),
        proptest::collection::vec(entry(), 0..8),
        proptest::option::of("\\PC{0,16}"),
        proptest::collection::btree_map("\\PC{0,6}", scalar_meta(), 0..4),
        proptest::collection::btree_map(
            prop_oneof![Just(CategoryKind::Channels), Just(CategoryKind::Uuids)],
            any::<u8>().prop_map(Permissions::from_bits),
            0..3,
        ),
    )
        .prop_map(
            |(ttl, resources, patterns, uuid, meta, categories)| GrantRequest {
                ttl,
                resources,
                patterns,
                authorized_user_id: uuid,
                meta,
                categories,
            },
        )
}

/// What a token issued from `entries` must hold: categories in PubNub's order, repeated names
/// merged at their first place.
fn expected_sections(entries: &[Resource]) -> Vec<(ResourceKind, Vec<(String, u8)>)> {
    let order = [
        ResourceKind::Channel,
        ResourceKind::ChannelGroup,
        ResourceKind::LegacySpace,
        ResourceKind::LegacyUser,
        ResourceKind::UserId,
    ];
    order
        .into_iter()
        .map(|kind| {
            let mut merged: Vec<(String, u8)> = Vec::new();
            for e in entries.iter().filter(|e| e.kind == kind) {
                match merged.iter_mut().find(|(n, _)| *n == e.name) {
                    Some(slot) => slot.1 |= e.permissions.bits(),
                    None => merged.push((e.name.clone(), e.permissions.bits())),
                }
            }
            (kind, merged)
        })
        .collect()
}

fn sections(grants: pam_token::Grants<'_>) -> Vec<(ResourceKind, Vec<(String, u8)>)> {
    grants
        .categories()
        .map(|c| {
            (
                c.kind(),
                c.entries()
                    .map(|e| (e.name.to_owned(), e.permissions.bits()))
                    .collect(),
            )
        })
        .collect()
}

fn decode(token: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE
        .decode(token)
        .expect("issued tokens are padded base64url")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn issue_then_parse_gives_back_the_grant(grant in grant(), t in 0u64..(1 << 40)) {
        let text = pam_token::issue(&grant, t, b"key");
        prop_assert!(text.len() % 4 == 0, "padded like the server");
        let token = pam_token::parse(&text).expect("issued tokens parse");
        prop_assert_eq!(token.version(), 2);
        prop_assert_eq!(token.timestamp(), t);
        prop_assert_eq!(token.ttl(), grant.ttl);
        prop_assert_eq!(token.expires_at(), t + u64::from(grant.ttl) * 60);
        prop_assert_eq!(token.authorized_user_id(), grant.authorized_user_id.as_deref());
        prop_assert_eq!(sections(token.resources()), expected_sections(&grant.resources));
        prop_assert_eq!(sections(token.patterns()), expected_sections(&grant.patterns));
        let meta: MetaMap = grant.meta.iter().map(|(k, v)| (k.clone(), Meta::from(v.clone()))).collect();
        prop_assert_eq!(token.meta(), &meta);
        let categories: Vec<(CategoryKind, Permissions)> = token.categories().iter().collect();
        let expected: Vec<(CategoryKind, Permissions)> =
            grant.categories.iter().map(|(k, v)| (*k, *v)).collect();
        prop_assert_eq!(categories, expected);
    }

    #[test]
    fn nested_meta_round_trips(entries in proptest::collection::vec(("\\PC{0,6}", nested_meta()), 0..5)) {
        let mut builder = TokenBuilder::new(1, 1);
        let mut expected = MetaMap::new();
        for (k, v) in entries {
            expected.insert(k.clone(), v.clone());
            builder = builder.meta(k, v);
        }
        let text = builder.sign(b"key");
        let token = pam_token::parse(&text).expect("parses");
        prop_assert_eq!(token.meta(), &expected);
        prop_assert_eq!(pam_token::verify_signature(&text, b"key"), Ok(()));
        // The JSON view agrees with the value's own conversion.
        prop_assert_eq!(&token.to_json()["meta"], &expected.to_json());
    }

    #[test]
    fn issue_then_verify_succeeds_and_any_change_fails(
        grant in grant(),
        t in 0u64..(1 << 40),
        at in any::<proptest::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let secret = b"sec-c-property";
        let text = pam_token::issue(&grant, t, secret);
        let verified = pam_token::verify(&text, secret).expect("verifies with its key");
        prop_assert_eq!(verified.to_json(), pam_token::parse(&text).expect("parses").to_json());
        prop_assert_eq!(
            pam_token::verify(&text, b"sec-c-other").unwrap_err(),
            pam_token::Error::SignatureMismatch
        );
        prop_assert_eq!(pam_token::verify_signature(&text, secret), Ok(()));
        prop_assert_eq!(
            pam_token::verify_signature(&text, b"sec-c-other"),
            Err(pam_token::Error::SignatureMismatch)
        );
        let mut bytes = decode(&text);
        prop_assert_eq!(pam_token::verify_signature_cbor(&bytes, secret), Ok(()));
        let i = at.index(bytes.len());
        bytes[i] ^= flip;
        let altered = base64::engine::general_purpose::URL_SAFE.encode(&bytes);
        prop_assert!(pam_token::verify(&altered, secret).is_err(), "byte {} changed and still verifies", i);
        prop_assert!(pam_token::verify_signature(&altered, secret).is_err(), "byte {} changed and the signature still checks", i);
        prop_assert!(pam_token::verify_signature_cbor(&bytes, secret).is_err(), "byte {} changed and the signature still checks", i);
    }

    #[test]
    fn verify_signature_agrees_with_verify(
        grant in grant(),
        t in 0u64..(1 << 40),
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 0..3),
        cut in any::<proptest::sample::Index>(),
        wrong_key in any::<bool>(),
    ) {
        let text = pam_token::issue(&grant, t, b"sec-c-agree");
        let key: &[u8] = if wrong_key { b"sec-c-other" } else { b"sec-c-agree" };
        let mut bytes = decode(&text);
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let bytes = &bytes[..bytes.len() - cut.index(3)];
        let full = pam_token::verify_cbor(bytes, key);
        let signature = pam_token::verify_signature_cbor(bytes, key);
        // Authentic bytes are well formed, so both accept exactly the same tokens; and a
        // well-formed token with a wrong signature is a mismatch for both.
        prop_assert_eq!(full.is_ok(), signature.is_ok(), "{:?} vs {:?}", full, signature);
        if full == Err(pam_token::Error::SignatureMismatch) {
            prop_assert_eq!(signature, Err(pam_token::Error::SignatureMismatch));
        }
        let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        prop_assert_eq!(pam_token::verify(&text, key).is_ok(), pam_token::verify_signature(&text, key).is_ok());
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,300}") {
        let _ = pam_token::parse(&s);
        let _ = pam_token::verify(&s, b"k");
        let _ = pam_token::verify_signature(&s, b"k");
    }

    #[test]
    fn arbitrary_base64url_strings_never_panic(s in "[A-Za-z0-9_=+/-]{0,400}") {
        let _ = pam_token::parse(&s);
    }

    #[test]
    fn base64url_of_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
        let _ = pam_token::parse(&text);
        let _ = pam_token::verify(&text, b"k");
        let _ = pam_token::verify_signature(&text, b"k");
        let _ = pam_token::parse_cbor(&bytes);
        let _ = pam_token::verify_signature_cbor(&bytes, b"k");
    }

    #[test]
    fn corrupted_tokens_never_panic(
        grant in grant(),
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<proptest::sample::Index>(),
    ) {
        let mut bytes = decode(&pam_token::issue(&grant, 1_700_000_000, b"k"));
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let _ = pam_token::parse_cbor(&bytes);
        let _ = pam_token::verify_cbor(&bytes, b"k");
        let _ = pam_token::verify_signature_cbor(&bytes, b"k");
        let keep = cut.index(bytes.len() + 1);
        let _ = pam_token::parse_cbor(&bytes[..keep]);
        let _ = pam_token::verify_signature_cbor(&bytes[..keep], b"k");
        if let Ok(token) = pam_token::parse_cbor(&bytes) {
            // Whatever parsed can be printed and asked about.
            let _ = token.to_json();
            let _ = format!("{token:?}");
            let request = pam_token::AccessRequest::new(ResourceKind::Channel, "c", Permissions::READ, 0);
            let _ = token.authorize(&request).to_string();
        }
    }
}
