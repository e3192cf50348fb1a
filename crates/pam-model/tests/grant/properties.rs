//! Properties: the body round-trips, and no bytes make the parser panic.

use pam_model::{GrantRequest, MetaValue, Permissions, Resource, ResourceKind};
use proptest::prelude::*;

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9_^$.*+-]{0,12}",
        proptest::collection::vec(any::<char>(), 0..8).prop_map(String::from_iter),
    ]
}

fn any_kind() -> impl Strategy<Value = ResourceKind> {
    proptest::sample::select(ResourceKind::ALL.to_vec())
}

fn any_entry() -> impl Strategy<Value = Resource> {
    (any_kind(), any_text(), any::<u8>())
        .prop_map(|(kind, name, bits)| Resource::new(kind, name, Permissions::from_bits(bits)))
}

fn any_meta_value() -> impl Strategy<Value = MetaValue> {
    use proptest::num::f64::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
    prop_oneof![
        any_text().prop_map(MetaValue::String),
        any::<i64>().prop_map(MetaValue::Integer),
        (POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO).prop_map(MetaValue::Float),
        any::<bool>().prop_map(MetaValue::Bool),
        Just(MetaValue::Null),
    ]
}

prop_compose! {
    fn any_request()(
        ttl in any::<u32>(),
        resources in proptest::collection::vec(any_entry(), 0..12),
        patterns in proptest::collection::vec(any_entry(), 0..12),
        user in proptest::option::of(any_text()),
        meta in proptest::collection::vec((any_text(), any_meta_value()), 0..6),
    ) -> GrantRequest {
        let mut request = GrantRequest::new(ttl).resources(resources).patterns(patterns);
        request.authorized_user_id = user;
        meta.into_iter().fold(request, |r, (k, v)| r.meta(k, v))
    }
}

proptest! {
    #[test]
    fn body_round_trips(request in any_request()) {
        let body = request.to_body_json();
        let parsed = GrantRequest::from_body_json(body.as_bytes());
        // The body groups entries by kind (channels, groups, uuids, users, spaces), keeping
        // their order within a kind.
        let mut expected = request.clone();
        expected.resources.sort_by_key(|r| r.kind);
        expected.patterns.sort_by_key(|r| r.kind);
        prop_assert_eq!(parsed.as_ref(), Ok(&expected), "body: {}", body);
        // serde_json reads it as the same JSON too.
        let value: serde_json::Value = serde_json::from_str(&body).expect("valid JSON");
        prop_assert_eq!(value["ttl"].as_u64(), Some(u64::from(request.ttl)));
    }

    #[test]
    fn validation_never_panics_and_messages_stay_one_line(request in any_request()) {
        if let Err(e) = request.validate() {
            prop_assert!(!e.to_string().contains(['\n', '\r']), "{}", e);
            let body = e.to_error_body();
            prop_assert_eq!(body.details[0].location.clone(), e.location());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Err(e) = GrantRequest::from_body_json(&bytes) {
            let body = e.to_error_body();
            prop_assert_eq!(body.status, 400);
            prop_assert!(!body.details[0].location.is_empty());
            prop_assert!(!e.to_string().contains(['\n', '\r']), "{}", e);
        }
    }

    #[test]
    fn mangled_bodies_never_panic(
        request in any_request(),
        cut in any::<prop::sample::Index>(),
        junk in proptest::collection::vec(any::<u8>(), 0..8),
    ) {
        let body = request.to_body_json().into_bytes();
        let at = cut.index(body.len() + 1);
        let mut mangled = body[..at].to_vec();
        mangled.extend_from_slice(&junk);
        mangled.extend_from_slice(&body[at..]);
        if let Ok(parsed) = GrantRequest::from_body_json(&mangled) {
            let _verdict = parsed.validate();
        }
    }
}
