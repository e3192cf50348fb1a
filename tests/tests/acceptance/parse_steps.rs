//! Parse: a known token (PubNub's contract token, from the committed token vectors), parsed
//! by the facade.

use cucumber::{given, then, when};

use crate::shared::{self, KNOWN_TOKEN_VECTOR};
use crate::world::{AccessWorld, ensure};

/// Loads the known token, after checking that its vector's expected content has `property`.
fn known_token(
    world: &mut AccessWorld,
    what: &str,
    property: impl FnOnce(&serde_json::Value) -> bool,
) -> Result<(), String> {
    let vector = shared::token_vector(KNOWN_TOKEN_VECTOR)?;
    let expected = &vector["expected"];
    ensure(property(expected), || {
        format!("the vector {KNOWN_TOKEN_VECTOR} is not a token containing {what}")
    })?;
    let token = vector["token"]
        .as_str()
        .ok_or_else(|| format!("the vector {KNOWN_TOKEN_VECTOR} has no `token` string"))?;
    world.use_token(token.to_owned(), None);
    Ok(())
}

/// Whether `expected[section].uuids` names at least one entry.
fn has_uuid_entries(expected: &serde_json::Value, section: &str) -> bool {
    expected[section]["uuids"]
        .as_object()
        .is_some_and(|entries| !entries.is_empty())
}

#[given(regex = r"^I have a known token containing an authorized UUID$")]
fn known_with_authorized_uuid(world: &mut AccessWorld) -> Result<(), String> {
    known_token(world, "an authorized UUID", |e| {
        e["authorized_uuid"].as_str().is_some_and(|u| !u.is_empty())
    })
}

#[given(regex = r"^I have a known token containing UUID resource permissions$")]
fn known_with_uuid_resources(world: &mut AccessWorld) -> Result<(), String> {
    known_token(world, "UUID resource permissions", |e| {
        has_uuid_entries(e, "resources")
    })
}

#[given(regex = r"^I have a known token containing UUID pattern Permissions$")]
fn known_with_uuid_patterns(world: &mut AccessWorld) -> Result<(), String> {
    known_token(world, "UUID pattern permissions", |e| {
        has_uuid_entries(e, "patterns")
    })
}

#[when(regex = r"^I parse the token$")]
fn parse(world: &mut AccessWorld) -> Result<(), String> {
    let text = world.token()?.text.clone();
    let by_client = world
        .server()?
        .client
        .parse_token(&text)
        .map_err(|e| format!("PubNub::parse_token refused the token: {e}"))?;
    let by_function =
        pam::parse_token(&text).map_err(|e| format!("pam::parse_token refused the token: {e}"))?;
    ensure(by_client == by_function, || {
        "PubNub::parse_token and pam::parse_token disagree".to_owned()
    })?;
    world.parsed = Some(by_client);
    Ok(())
}

#[then(regex = r#"^the parsed token output contains the authorized UUID "([^"]*)"$"#)]
fn parsed_authorized_uuid(world: &mut AccessWorld, expected: String) -> Result<(), String> {
    let token = world
        .parsed
        .as_ref()
        .ok_or("no `I parse the token` step before this one")?;
    ensure(
        token.authorized_user_id() == Some(expected.as_str()),
        || {
            format!(
                "the parsed token's authorized user id is {:?}, expected {expected:?}",
                token.authorized_user_id()
            )
        },
    )
}
