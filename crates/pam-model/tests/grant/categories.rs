//! Categories (`permissions.categories`): builders, body encoding and parsing, validation.

use pam_model::{CategoryKind, GrantRequest, Permissions, ValidationError, permissions};

#[test]
fn a_categories_only_grant_is_valid_and_encodes_only_its_categories() {
    let request = GrantRequest::new(60).category(permissions::channels_category().get());
    assert_eq!(request.validate(), Ok(()));
    assert_eq!(
        request.to_body_json(),
        r#"{"ttl":60,"permissions":{"resources":{"channels":{},"groups":{},"uuids":{}},"patterns":{"channels":{},"groups":{},"uuids":{}},"categories":{"channels":32},"meta":{}}}"#
    );
    let both = GrantRequest::new(60).categories(&[
        permissions::uuids_category().get(),
        permissions::channels_category().get(),
    ]);
    assert!(
        both.to_body_json()
            .contains(r#""categories":{"channels":32,"uuids":32}"#)
    );
}

#[test]
fn a_grant_without_categories_has_no_categories_key() {
    let request = GrantRequest::new(60).resource(permissions::channel("a").read());
    assert!(!request.to_body_json().contains("categories"));
}

#[test]
fn bodies_round_trip_with_all_three_kinds() {
    let request = GrantRequest::new(15)
        .resource(permissions::channel("a").read())
        .pattern(permissions::user_id("^u-.*$").get())
        .categories(&[
            permissions::channels_category().get(),
            permissions::uuids_category().get(),
        ]);
    let parsed = GrantRequest::from_body_json(request.to_body_json().as_bytes()).unwrap();
    assert_eq!(parsed, request);
}

#[test]
fn pubnub_0_9_body_without_resources_parses() {
    // What pubnub 0.9 sends for a categories-only grant: no `resources`, no `patterns`.
    let body = br#"{"ttl":10,"permissions":{"categories":{"uuids":32}}}"#;
    let request = GrantRequest::from_body_json(body).unwrap();
    assert_eq!(request.categories[&CategoryKind::Uuids], Permissions::GET);
    assert!(request.resources.is_empty() && request.patterns.is_empty());
    assert_eq!(request.validate(), Ok(()));
    let null =
        GrantRequest::from_body_json(br#"{"ttl":10,"permissions":{"categories":null}}"#).unwrap();
    assert_eq!(null.validate(), Err(ValidationError::NoPermissions));
}

#[test]
fn a_category_bitmask_other_than_get_is_refused_naming_the_category() {
    let mut request = GrantRequest::new(60);
    request.add_category(CategoryKind::Uuids, Permissions::from_bits(32 | 64));
    let err = request.validate().unwrap_err();
    assert_eq!(
        err,
        ValidationError::InvalidCategoryPermissions {
            category: CategoryKind::Uuids,
            found: "96".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "uuids category has bitmask 96 at `permissions.categories.uuids`: a category can only hold `get` (32)"
    );
    assert_eq!(
        err.to_error_body().to_json(),
        r#"{"error":{"message":"Invalid permissions","source":"grant","details":[{"message":"Unexpected value: `permissions.categories.uuids` must be 32 (get): the only permission the uuids category can hold.","location":"permissions.categories.uuids","locationType":"body"}]},"service":"Access Manager","status":400}"#
    );
    // 0 too: a category is either granted `get` or left out.
    let zero =
        GrantRequest::from_body_json(br#"{"ttl":5,"permissions":{"categories":{"channels":0}}}"#)
            .unwrap();
    assert!(matches!(
        zero.validate(),
        Err(ValidationError::InvalidCategoryPermissions { category: CategoryKind::Channels, ref found }) if found == "0"
    ));
}

#[test]
fn bad_category_values_in_a_body_are_refused_where_they_are() {
    for (value, found) in [
        ("300", "300"),
        ("-1", "-1"),
        (r#""get""#, "a string"),
        ("1.5", "1.5"),
    ] {
        let body = format!(r#"{{"ttl":5,"permissions":{{"categories":{{"channels":{value}}}}}}}"#);
        let err = GrantRequest::from_body_json(body.as_bytes()).unwrap_err();
        assert_eq!(
            err,
            ValidationError::InvalidCategoryPermissions {
                category: CategoryKind::Channels,
                found: found.into()
            },
            "{value}"
        );
        assert_eq!(err.location(), "permissions.categories.channels");
    }
    let err = GrantRequest::from_body_json(br#"{"ttl":5,"permissions":{"categories":[32]}}"#)
        .unwrap_err();
    assert_eq!(err.location(), "permissions.categories");
}

#[test]
fn an_unknown_category_name_is_refused_not_dropped() {
    let body = br#"{"ttl":5,"permissions":{"categories":{"channels":32,"groups":32}}}"#;
    let err = GrantRequest::from_body_json(body).unwrap_err();
    assert_eq!(
        err,
        ValidationError::UnknownCategory {
            name: "groups".into()
        }
    );
    let json = err.to_error_body().to_json();
    assert!(
        json.contains(r#""message":"Invalid permissions""#),
        "{json}"
    );
    assert!(
        json.contains("`permissions.categories.groups` is not a category (channels, uuids)."),
        "{json}"
    );
    assert!(
        json.contains(r#""location":"permissions.categories.groups""#),
        "{json}"
    );
}

#[test]
fn adders_merge_categories() {
    let request = GrantRequest::new(5)
        .category(permissions::channels_category().get())
        .category(permissions::channels_category().get());
    assert_eq!(request.categories.len(), 1);
    assert_eq!(
        request.categories[&CategoryKind::Channels],
        Permissions::GET
    );
}
