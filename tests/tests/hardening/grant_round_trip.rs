//! Grant request -> JSON body -> the emulator's parsing and validation -> token issued ->
//! token parsed and verified: what comes back is what was granted, and it authorizes it.

use pam_model::{GrantRequest, MetaValue, Permissions, Resource, ResourceKind};
use pam_token::{AccessRequest, Meta};
use proptest::prelude::*;

use super::signed_call::{SECRET, grant, manager};

fn kind() -> impl Strategy<Value = ResourceKind> {
    proptest::sample::select(ResourceKind::ALL.to_vec())
}

fn grantable_kind() -> impl Strategy<Value = ResourceKind> {
    proptest::sample::select(ResourceKind::GRANTABLE.to_vec())
}

fn bits() -> impl Strategy<Value = Permissions> {
    (1u8..=255).prop_map(Permissions::from_bits)
}

/// Regular expressions PubNub accepts (no capturing group), around a random word.
fn pattern() -> impl Strategy<Value = String> {
    ("[a-z0-9]{1,6}", 0usize..5).prop_map(|(word, shape)| match shape {
        0 => format!("^{word}-[0-9]+$"),
        1 => format!("{word}.*"),
        2 => format!("^(?:{word}|other)$"),
        3 => format!("[a-z]+{word}"),
        _ => format!("^{word}\\.[^.]*$"),
    })
}

fn meta_value() -> impl Strategy<Value = MetaValue> {
    use proptest::num::f64::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
    prop_oneof![
        "\\PC{0,12}".prop_map(MetaValue::String),
        any::<i64>().prop_map(MetaValue::Integer),
        (POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO).prop_map(MetaValue::Float),
        any::<bool>().prop_map(MetaValue::Bool),
        Just(MetaValue::Null),
    ]
}

prop_compose! {
    fn valid_grant()(
        ttl in 1u32..=43_200,
        first in (grantable_kind(), "\\PC{1,12}", bits()),
        more in proptest::collection::vec((kind(), "\\PC{1,12}", bits()), 0..8),
        patterns in proptest::collection::vec((grantable_kind(), pattern(), bits()), 0..4),
        user in proptest::option::of("\\PC{1,16}"),
        meta in proptest::collection::vec(("\\PC{1,8}", meta_value()), 0..5),
    ) -> GrantRequest {
        let mut request = GrantRequest::new(ttl);
        for (kind, name, bits) in std::iter::once(first).chain(more) {
            request.add_resource(Resource::new(kind, name, bits));
        }
        for (kind, pattern, bits) in patterns {
            request.add_pattern(Resource::new(kind, pattern, bits));
        }
        if let Some(user) = user {
            request = request.authorized_user_id(user);
        }
        for (key, value) in meta {
            request = request.meta(key, value);
        }
        request
    }
}

/// The entries of `kind` among `entries`, in order, as `(name, bits)`.
fn of_kind(entries: &[Resource], kind: ResourceKind) -> Vec<(String, u8)> {
    entries
        .iter()
        .filter(|e| e.kind == kind)
        .map(|e| (e.name.clone(), e.permissions.bits()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn the_token_the_emulator_issues_says_what_was_granted(request in valid_grant()) {
        prop_assert_eq!(request.validate(), Ok(()));
        let manager = manager();
        let body = request.to_body_json();
        let token = grant(&manager, &body)
            .unwrap_or_else(|answer| panic!("grant refused: {} {}\nbody: {body}", answer.status, answer.body));
        let parsed = pam_token::verify(&token, SECRET.as_bytes()).expect("the token verifies");
        prop_assert_eq!(&parsed, &pam_token::parse(&token).expect("the token parses"));
        prop_assert_eq!(parsed.ttl(), request.ttl);
        prop_assert_eq!(parsed.authorized_user_id(), request.authorized_user_id.as_deref());
        for kind in ResourceKind::ALL {
            let issued: Vec<(String, u8)> = parsed
                .resources()
                .category(kind)
                .map(|c| c.entries().map(|e| (e.name.to_owned(), e.permissions.bits())).collect())
                .unwrap_or_default();
            prop_assert_eq!(issued, of_kind(&request.resources, kind), "resources of {:?}", kind);
            let issued: Vec<(String, u8)> = parsed
                .patterns()
                .category(kind)
                .map(|c| c.entries().map(|e| (e.name.to_owned(), e.permissions.bits())).collect())
                .unwrap_or_default();
            prop_assert_eq!(issued, of_kind(&request.patterns, kind), "patterns of {:?}", kind);
        }
        prop_assert_eq!(parsed.meta().len(), request.meta.len());
        for (key, value) in &request.meta {
            prop_assert_eq!(parsed.meta().get(key), Some(&Meta::from(value.clone())), "meta {:?}", key);
        }
        // And the token allows exactly what was granted on each named resource.
        let now = manager.now();
        for resource in &request.resources {
            let mut asked = AccessRequest::new(resource.kind, &resource.name, resource.permissions, now);
            asked.user_id = request.authorized_user_id.as_deref();
            let decision = parsed.authorize(&asked);
            prop_assert!(decision.is_allowed(), "{}", decision);
        }
    }
}
