//! `GrantRequest::from_body_json` on hand-written bodies.

use pam_model::limits::{MAX_BODY_BYTES, MAX_ENTRIES, MAX_META_ENTRIES};
use pam_model::{
    GrantRequest, Limit, MetaValue, Permissions, Resource, ResourceKind, ValidationError,
};

fn parse(body: &str) -> Result<GrantRequest, ValidationError> {
    GrantRequest::from_body_json(body.as_bytes())
}

fn refused(body: &str) -> ValidationError {
    parse(body).expect_err("the body should be refused")
}

#[test]
fn key_order_optional_parts_and_legacy_maps() {
    let request = parse(
        r#"{"permissions":{"meta":{"n":null,"i":-2,"f":0.5,"b":false,"s":"x"},"patterns":{"spaces":{"^s$":31},"users":{}},"uuid":"alice","resources":{"uuids":{"u":104},"channels":{"c":239}}},"ttl":60,"extra":{"ignored":[1,{"deep":true}]}}"#,
    )
    .unwrap();
    assert_eq!(request.ttl, 60);
    assert_eq!(request.authorized_user_id.as_deref(), Some("alice"));
    assert_eq!(
        request.resources,
        [
            Resource::new(ResourceKind::UserId, "u", Permissions::from_bits(104)),
            Resource::new(ResourceKind::Channel, "c", Permissions::from_bits(239)),
        ]
    );
    assert_eq!(
        request.patterns,
        [Resource::new(
            ResourceKind::LegacySpace,
            "^s$",
            Permissions::from_bits(31)
        )]
    );
    assert_eq!(request.meta["n"], MetaValue::Null);
    assert_eq!(request.meta["i"], MetaValue::Integer(-2));
    assert_eq!(request.meta["f"], MetaValue::Float(0.5));
    assert_eq!(request.meta["b"], MetaValue::Bool(false));
    assert_eq!(request.meta["s"], MetaValue::String("x".into()));

    let bare = parse(r#"{"ttl":5,"permissions":{"meta":null,"uuid":null}}"#).unwrap();
    assert_eq!(bare, GrantRequest::new(5));
    assert_eq!(bare.validate(), Err(ValidationError::NoPermissions));
}

#[test]
fn ttl_as_integer_or_digit_string() {
    let with = |ttl: &str| parse(&format!(r#"{{"ttl":{ttl},"permissions":{{}}}}"#));
    assert_eq!(with("15").unwrap().ttl, 15);
    assert_eq!(with(r#""15""#).unwrap().ttl, 15);
    assert_eq!(with("0").unwrap().ttl, 0, "range is validate's business");
    assert_eq!(
        with("-5").unwrap_err(),
        ValidationError::InvalidTtl { ttl: -5 }
    );
    assert_eq!(
        with(r#""-5""#).unwrap_err(),
        ValidationError::InvalidTtl { ttl: -5 }
    );
    assert_eq!(
        with("4294967296").unwrap_err(),
        ValidationError::InvalidTtl { ttl: 4_294_967_296 }
    );
    assert_eq!(
        with("18446744073709551615").unwrap_err(),
        ValidationError::InvalidTtl { ttl: i64::MAX }
    );
    assert_eq!(
        with(r#""99999999999999999999999""#).unwrap_err(),
        ValidationError::InvalidTtl { ttl: i64::MAX }
    );
    for bad in [
        "1.5", "true", "null", r#""""#, r#""15 ""#, r#""ten""#, "[15]", "{}",
    ] {
        let err = with(bad).unwrap_err();
        assert!(
            matches!(&err, ValidationError::InvalidJson { location, .. } if location == "ttl"),
            "ttl {bad}: {err:?}"
        );
        assert_eq!(err.to_error_body().message, "Invalid JSON");
    }
    let missing = refused(r#"{"permissions":{}}"#);
    assert_eq!(
        missing.to_string(),
        "invalid grant body at `ttl`: Missing value: `ttl` is required"
    );
}

#[test]
fn malformed_json_and_wrong_shapes_name_their_place() {
    for (body, location) in [
        ("", "<root>"),
        ("{", "<root>"),
        (r#"{"ttl":1}x"#, "<root>"),
        ("[1]", "<root>"),
        ("\"grant\"", "<root>"),
        (r#"{"ttl":1,"permissions":[]}"#, "permissions"),
        (
            r#"{"ttl":1,"permissions":{"resources":1}}"#,
            "permissions.resources",
        ),
        (
            r#"{"ttl":1,"permissions":{"patterns":{"channels":[]}}}"#,
            "permissions.patterns.channels",
        ),
        (
            r#"{"ttl":1,"permissions":{"resources":{"channel":{}}}}"#,
            "permissions.resources.channel",
        ),
        (r#"{"ttl":1,"permissions":{"uuid":7}}"#, "permissions.uuid"),
        (r#"{"ttl":1,"permissions":{"meta":"m"}}"#, "meta"),
        (
            r#"{"ttl":1,"permissions":{"meta":{"big":18446744073709551615}}}"#,
            "meta.big",
        ),
    ] {
        let err = refused(body);
        assert!(
            matches!(&err, ValidationError::InvalidJson { location: l, .. } if l == location),
            "{body}: {err:?}"
        );
        let error_body = err.to_error_body();
        assert_eq!(error_body.status, 400);
        assert_eq!(error_body.source, "grant");
        assert_eq!(error_body.details[0].location, location);
        assert!(error_body.details[0].message.ends_with('.'), "{error_body}");
    }
    let syntax = refused("{\"ttl\":");
    assert!(
        syntax.to_error_body().details[0]
            .message
            .starts_with("Syntax error: ")
    );
}

#[test]
fn bitmasks_must_be_integers_from_0_to_255() {
    for bad in ["256", "-1", "1.5", "\"1\"", "true", "null", "{}"] {
        let body =
            format!(r#"{{"ttl":1,"permissions":{{"patterns":{{"uuids":{{"^u$":{bad}}}}}}}}}"#);
        let err = refused(&body);
        assert!(
            matches!(err, ValidationError::InvalidBitmask { pattern: true, .. }),
            "{bad}: {err:?}"
        );
        let detail = &err.to_error_body().details[0];
        assert_eq!(detail.location, "permissions.patterns.uuids.^u$");
        assert_eq!(
            detail.message,
            "Unexpected value: `permissions.patterns.uuids.^u$` must be an integer from 1 to 255."
        );
    }
    let zero = parse(r#"{"ttl":1,"permissions":{"resources":{"uuids":{"uuid-1":0}}}}"#).unwrap();
    assert_eq!(zero.resources[0].permissions, Permissions::NONE);
    assert!(matches!(
        zero.validate(),
        Err(ValidationError::ZeroPermissions { .. })
    ));
}

#[test]
fn nested_meta_is_refused_at_its_key() {
    for nested in [r#"{"a":1}"#, "[1,2]", "[]", "{}"] {
        let body =
            format!(r#"{{"ttl":1,"permissions":{{"meta":{{"ok":1,"app_data":{nested}}}}}}}"#);
        let err = refused(&body);
        assert_eq!(
            err,
            ValidationError::NestedMeta {
                key: "app_data".into()
            }
        );
        let error_body = err.to_error_body();
        assert_eq!(error_body.message, "Invalid meta");
        assert_eq!(error_body.details[0].location, "meta.app_data");
        assert_eq!(
            error_body.details[0].message,
            "Unexpected value: `meta.app_data` must be a string, number, boolean or null."
        );
    }
}

/// `(kind, name, bits)` of each entry, in order.
fn entries(list: &[pam_model::Resource]) -> Vec<(ResourceKind, &str, u8)> {
    list.iter()
        .map(|r| (r.kind, r.name.as_str(), r.permissions.bits()))
        .collect()
}

/// A key repeated in one object keeps its last value, at every level, as Python's `json`
/// (which PubNub's server uses) reads it; each expected value below is what
/// `json.loads` gives for the same body.
#[test]
fn repeated_keys_keep_the_last_value_as_python_reads_them() {
    // {'ttl': 2, 'permissions': {'resources': {'channels': {'c': 8, 'a': 16},
    //  'groups': {'g': 1}}, 'meta': {'k': 'w'}, 'uuid': 'y'}}
    let request = parse(
        r#"{"ttl":1,"ttl":2,"permissions":{"resources":{"channels":{"a":1,"b":2,"a":4},"groups":{"g":1},"channels":{"c":8,"a":16}},"meta":{"k":1,"k":"v","x":1},"meta":{"k":"w"},"uuid":"x","uuid":"y"}}"#,
    )
    .unwrap();
    assert_eq!(request.ttl, 2);
    assert_eq!(
        entries(&request.resources),
        [
            (ResourceKind::ChannelGroup, "g", 1),
            (ResourceKind::Channel, "c", 8),
            (ResourceKind::Channel, "a", 16),
        ]
    );
    assert_eq!(request.meta.len(), 1);
    assert_eq!(request.meta["k"], MetaValue::String("w".into()));
    assert_eq!(request.authorized_user_id.as_deref(), Some("y"));

    // In one category, a repeated name keeps its first place and its last bits.
    let request =
        parse(r#"{"ttl":1,"permissions":{"resources":{"channels":{"a":1,"b":2,"a":4}}}}"#).unwrap();
    assert_eq!(
        entries(&request.resources),
        [
            (ResourceKind::Channel, "a", 4),
            (ResourceKind::Channel, "b", 2)
        ]
    );

    // {'ttl': 6, 'permissions': {'patterns': {'channels': {'^p': 2}}}}
    let request = parse(
        r#"{"ttl":5,"permissions":{"resources":{"channels":{"a":1}},"uuid":"u","meta":{"m":1}},"permissions":{"patterns":{"channels":{"^p":2}}},"ttl":6}"#,
    )
    .unwrap();
    assert_eq!(request.ttl, 6);
    assert!(request.resources.is_empty());
    assert_eq!(
        entries(&request.patterns),
        [(ResourceKind::Channel, "^p", 2)]
    );
    assert!(request.meta.is_empty());
    assert_eq!(request.authorized_user_id, None);

    // {'ttl': 5, 'permissions': {'resources': {'channels': {'a': 1}}}}: the categories of the
    // first `permissions` go with it.
    let request = parse(
        r#"{"ttl":5,"permissions":{"categories":{"uuids":32}},"permissions":{"resources":{"channels":{"a":1}}}}"#,
    )
    .unwrap();
    assert!(request.categories.is_empty());
    assert_eq!(
        entries(&request.resources),
        [(ResourceKind::Channel, "a", 1)]
    );

    // {'ttl': 5, 'permissions': {'resources': {'uuids': {'b': 32}}}}
    let request = parse(
        r#"{"ttl":5,"permissions":{"resources":{"channels":{"a":1}},"resources":{"uuids":{"b":32}}}}"#,
    )
    .unwrap();
    assert_eq!(
        entries(&request.resources),
        [(ResourceKind::UserId, "b", 32)]
    );
}

#[test]
fn limits_stop_the_parse() {
    let oversized = format!(
        r#"{{"ttl":1,"permissions":{{}},"pad":"{}"}}"#,
        " ".repeat(MAX_BODY_BYTES)
    );
    let err = refused(&oversized);
    assert!(matches!(
        err,
        ValidationError::TooLarge {
            limit: Limit::Body,
            ..
        }
    ));
    assert_eq!(err.location(), "<root>");

    let entries: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!(r#""{i}":1"#)).collect();
    let body = format!(
        r#"{{"ttl":1,"permissions":{{"resources":{{"channels":{{{}}}}}}}}}"#,
        entries.join(",")
    );
    assert!(body.len() <= MAX_BODY_BYTES);
    assert_eq!(
        refused(&body),
        ValidationError::TooLarge {
            limit: Limit::Entries,
            found: MAX_ENTRIES + 1,
            location: "permissions".into()
        }
    );

    let meta: Vec<String> = (0..=MAX_META_ENTRIES)
        .map(|i| format!(r#""{i}":1"#))
        .collect();
    let body = format!(
        r#"{{"ttl":1,"permissions":{{"meta":{{{}}}}}}}"#,
        meta.join(",")
    );
    assert!(matches!(
        refused(&body),
        ValidationError::TooLarge {
            limit: Limit::MetaEntries,
            ..
        }
    ));

    // Deep nesting: serde_json skips ignored values without recursing, and the grant's own
    // values are refused at the first level that is not what they should be.
    let (open, close) = ("[".repeat(10_000), "]".repeat(10_000));
    let ignored = format!(r#"{{"ttl":1,"x":{open}{close}}}"#);
    assert_eq!(parse(&ignored), Ok(GrantRequest::new(1)));
    let in_bitmask = format!(
        r#"{{"ttl":1,"permissions":{{"resources":{{"channels":{{"a":{open}{close}}}}}}}}}"#
    );
    assert!(matches!(
        refused(&in_bitmask),
        ValidationError::InvalidBitmask { .. }
    ));
    let in_meta = format!(r#"{{"ttl":1,"permissions":{{"meta":{{"a":{open}{close}}}}}}}"#);
    assert_eq!(
        refused(&in_meta),
        ValidationError::NestedMeta { key: "a".into() }
    );
}

#[test]
fn escaped_and_unicode_names_survive() {
    let request =
        parse(r#"{"ttl":1,"permissions":{"resources":{"channels":{"a\"b\\c\u00e9\n":1,"ü":2}}}}"#)
            .unwrap();
    assert_eq!(request.resources[0].name, "a\"b\\c\u{e9}\n");
    assert_eq!(request.resources[1].name, "ü");
    assert_eq!(
        GrantRequest::from_body_json(request.to_body_json().as_bytes()).unwrap(),
        request
    );
}
