//! The README's "Limits" table, checked: each bound lets its limit through and answers one
//! past it with the error the table names.

use pam::{Error, Keyset, Misuse, PubNub};
use pam_model::limits::{
    MAX_BODY_BYTES as MAX_GRANT_BODY_BYTES, MAX_ENTRIES, MAX_META_ENTRIES, MAX_NAME_BYTES,
    MAX_PATTERN_BYTES, MAX_REPETITION_COUNT, MAX_TTL,
};
use pam_model::{GrantRequest, Permissions, Resource, ResourceKind, permissions};
use pam_token::{
    AccessRequest, Decision, MAX_COMPILED_PATTERNS, MAX_ITEMS, MAX_META_DEPTH, MAX_TOKEN_LEN, Meta,
    TokenBuilder,
};

use super::signed_call::{SECRET, SUB, manager, signed_in_order};

#[test]
fn token_length_items_and_meta_depth() {
    let too_long = "A".repeat(MAX_TOKEN_LEN + 1);
    assert_eq!(
        pam_token::parse(&too_long).unwrap_err(),
        pam_token::Error::TooLong {
            limit: MAX_TOKEN_LEN,
            found: MAX_TOKEN_LEN + 1
        }
    );
    let at_limit = pam_token::parse(&"A".repeat(MAX_TOKEN_LEN)).unwrap_err();
    assert!(
        !matches!(at_limit, pam_token::Error::TooLong { .. }),
        "{at_limit}"
    );

    // `meta` is level 1; each array inside it one more.
    let nested = |levels: usize| {
        let mut value = Meta::Null;
        for _ in 1..levels {
            value = Meta::Array(vec![value]);
        }
        TokenBuilder::new(1_700_000_000, 60)
            .resource(ResourceKind::Channel, "c", Permissions::READ)
            .meta("deep", value)
            .sign_to_cbor(SECRET.as_bytes())
    };
    pam_token::parse_cbor(&nested(MAX_META_DEPTH)).expect("at the depth limit");
    let error = pam_token::parse_cbor(&nested(MAX_META_DEPTH + 1)).unwrap_err();
    assert!(
        matches!(
            error,
            pam_token::Error::TooDeep {
                limit: MAX_META_DEPTH,
                ..
            }
        ),
        "{error}"
    );

    // One byte per item, so the item limit is reached well within the length limit.
    let many = TokenBuilder::new(1_700_000_000, 60)
        .resource(ResourceKind::Channel, "c", Permissions::READ)
        .meta("many", Meta::Array(vec![Meta::Null; MAX_ITEMS]));
    let error = pam_token::parse_cbor(&many.sign_to_cbor(SECRET.as_bytes())).unwrap_err();
    assert_eq!(error, pam_token::Error::TooManyItems { limit: MAX_ITEMS });
}

/// Read on channel `name`, while every token of these tests is live.
fn ask(name: &str) -> AccessRequest<'_> {
    AccessRequest::new(
        ResourceKind::Channel,
        name,
        Permissions::READ,
        1_700_000_001,
    )
}

#[test]
fn patterns_per_token_and_pattern_size() {
    let mut builder = TokenBuilder::new(1_700_000_000, 60);
    for i in 0..=MAX_COMPILED_PATTERNS {
        builder = builder.pattern(ResourceKind::Channel, format!("^p{i}$"), Permissions::READ);
    }
    let token = pam_token::parse_cbor(&builder.sign_to_cbor(SECRET.as_bytes())).expect("parses");
    let last_compiled = format!("p{}", MAX_COMPILED_PATTERNS - 1);
    assert!(token.authorize(&ask(&last_compiled)).is_allowed());
    let past = format!("p{MAX_COMPILED_PATTERNS}");
    match token.authorize(&ask(&past)) {
        Decision::InvalidPattern { reason, .. } => {
            assert!(
                reason.contains(&format!("first {MAX_COMPILED_PATTERNS} patterns")),
                "{reason}"
            );
        }
        other => panic!("expected InvalidPattern, got {other}"),
    }
    let big = TokenBuilder::new(1_700_000_000, 60).pattern(
        ResourceKind::Channel,
        "\\w{21}",
        Permissions::READ,
    );
    let big = pam_token::parse_cbor(&big.sign_to_cbor(SECRET.as_bytes())).expect("parses");
    match big.authorize(&ask("word")) {
        Decision::InvalidPattern { reason, .. } => {
            assert!(reason.contains("size limit"), "{reason}")
        }
        other => panic!("expected InvalidPattern, got {other}"),
    }
}

/// The headline of the 400 body a grant gets, or `None` when it is valid.
fn refusal(request: &GrantRequest) -> Option<String> {
    request.validate().err().map(|e| e.to_error_body().message)
}

#[test]
fn grant_bounds() {
    let channel = |name: String| Resource::new(ResourceKind::Channel, name, Permissions::READ);
    let with_entries = |n: usize| {
        let mut request = GrantRequest::new(60);
        request
            .resources
            .extend((0..n).map(|i| channel(format!("c{i}"))));
        request
    };
    assert_eq!(refusal(&with_entries(MAX_ENTRIES)), None);
    assert_eq!(
        refusal(&with_entries(MAX_ENTRIES + 1)).as_deref(),
        Some("Invalid permissions")
    );

    let with_meta = |n: usize| {
        (0..n).fold(with_entries(1), |request, i| {
            request.meta(format!("m{i}"), 1i64)
        })
    };
    assert_eq!(refusal(&with_meta(MAX_META_ENTRIES)), None);
    assert_eq!(
        refusal(&with_meta(MAX_META_ENTRIES + 1)).as_deref(),
        Some("Invalid meta")
    );

    let named =
        |len: usize| GrantRequest::new(60).resource(permissions::channel("n".repeat(len)).read());
    assert_eq!(refusal(&named(MAX_NAME_BYTES)), None);
    assert_eq!(
        refusal(&named(MAX_NAME_BYTES + 1)).as_deref(),
        Some("Invalid permissions")
    );

    let user = |len: usize| named(1).authorized_user_id("u".repeat(len));
    assert_eq!(refusal(&user(MAX_NAME_BYTES)), None);
    assert_eq!(
        refusal(&user(MAX_NAME_BYTES + 1)).as_deref(),
        Some("Invalid uuid")
    );

    let pattern = |text: String| GrantRequest::new(60).pattern(permissions::channel(text).read());
    assert_eq!(refusal(&pattern("a".repeat(MAX_PATTERN_BYTES))), None);
    assert_eq!(
        refusal(&pattern("a".repeat(MAX_PATTERN_BYTES + 1))).as_deref(),
        Some("Invalid RegExp")
    );
    assert_eq!(
        refusal(&pattern(format!("a{{{MAX_REPETITION_COUNT}}}"))),
        None
    );
    let error = pattern(format!("a{{{}}}", MAX_REPETITION_COUNT + 1))
        .validate()
        .unwrap_err();
    assert_eq!(
        error.to_error_body().details[0].message,
        "Syntax error: the repetition number is too large."
    );

    let lasting = |ttl: u32| GrantRequest { ttl, ..named(1) };
    assert_eq!(refusal(&lasting(MAX_TTL)), None);
    assert_eq!(
        refusal(&lasting(MAX_TTL + 1)).as_deref(),
        Some("Invalid ttl")
    );
    assert_eq!(refusal(&lasting(0)).as_deref(), Some("Invalid ttl"));

    let body = format!(
        r#"{{"ttl":1,"permissions":{{}},"pad":"{}"}}"#,
        " ".repeat(MAX_GRANT_BODY_BYTES)
    );
    let error = GrantRequest::from_body_json(body.as_bytes()).unwrap_err();
    assert_eq!(error.to_error_body().message, "Invalid JSON");
}

#[test]
fn emulator_request_bounds() {
    use pam_emulator::limits::{MAX_BODY_BYTES, MAX_QUERY_PARAMETERS, MAX_REQUEST_TARGET_BYTES};
    let manager = manager();
    let send = |path: &str, query: &str, body: &[u8]| {
        manager.handle(&pam_emulator::Request {
            method: "POST",
            path,
            query,
            headers: &[],
            body,
        })
    };
    let path = format!("/v3/pam/{SUB}/grant");
    let long_query = format!("uuid={}", "u".repeat(MAX_REQUEST_TARGET_BYTES));
    assert_eq!(send(&path, &long_query, b"").status, 414);
    assert_eq!(
        send(&path, "uuid=u", &vec![b' '; MAX_BODY_BYTES + 1]).status,
        413
    );
    let many = vec!["a=1"; MAX_QUERY_PARAMETERS + 1].join("&");
    let answer = send(&path, &many, b"");
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(answer.body.contains("Invalid query"), "{}", answer.body);

    let pairs = vec![("pad".to_owned(), "p".repeat(100))];
    let answer = signed_in_order(&manager, "POST", &path, &pairs, b"{}", |query| {
        if let Some(signature) = query.iter_mut().find(|(k, _)| k == "signature") {
            signature.1.truncate(pam_sign::SIGNATURE_LEN - 1);
        }
    });
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(answer.body.contains("Invalid signature"), "{}", answer.body);
}

#[test]
fn client_user_id_bound() {
    let build = |len: usize| {
        PubNub::builder()
            .keyset(Keyset {
                subscribe_key: SUB.into(),
                ..Keyset::default()
            })
            .user_id("u".repeat(len))
            .build()
    };
    build(pam::transport::MAX_USER_ID_BYTES).expect("at the limit");
    let error = build(pam::transport::MAX_USER_ID_BYTES + 1).unwrap_err();
    assert!(
        matches!(error, Error::Misuse(Misuse::UserIdTooLong { .. })),
        "{error}"
    );
}
