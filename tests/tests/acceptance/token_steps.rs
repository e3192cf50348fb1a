//! What a token holds, read through the facade's `parse_token`: authorized user id, TTL, and
//! the permissions of one resource or pattern entry at a time.
//!
//! `token … permission …` follows a `*`, so it is registered as `given` too (see
//! `error_steps.rs`).

use cucumber::{given, then};
use pam::{Permissions, ResourceKind};

use crate::vocabulary::{self, Section};
use crate::world::{AccessWorld, ensure};

/// The token entry that `token … permission …` steps check.
#[derive(Debug, Clone)]
pub(crate) struct InspectedEntry {
    section: Section,
    kind: ResourceKind,
    name: String,
    permissions: Permissions,
}

#[then(regex = r#"^the token contains the authorized UUID "([^"]*)"$"#)]
fn contains_authorized_uuid(world: &mut AccessWorld, expected: String) -> Result<(), String> {
    let token = world.parsed_token()?;
    ensure(
        token.authorized_user_id() == Some(expected.as_str()),
        || {
            format!(
                "the token's authorized user id is {:?}, expected {expected:?}",
                token.authorized_user_id()
            )
        },
    )
}

#[then(regex = r"^the token contains the TTL (\d+)$")]
fn contains_ttl(world: &mut AccessWorld, expected: String) -> Result<(), String> {
    let expected: u32 = expected
        .parse()
        .map_err(|e| format!("TTL `{expected}`: {e}"))?;
    let token = world.parsed_token()?;
    ensure(token.ttl() == expected, || {
        format!(
            "the token's TTL is {} minutes, expected {expected}",
            token.ttl()
        )
    })
}

#[then(regex = r"^the token does not contain an authorized uuid$")]
fn no_authorized_uuid(world: &mut AccessWorld) -> Result<(), String> {
    let token = world.parsed_token()?;
    ensure(token.authorized_user_id().is_none(), || {
        format!(
            "the token names the authorized user id {:?}",
            token.authorized_user_id()
        )
    })
}

#[then(
    regex = r"^the token has '(.*)' (CHANNEL|CHANNEL_GROUP|UUID) (resource|pattern) access permissions$"
)]
fn has_entry(
    world: &mut AccessWorld,
    name: String,
    kind: String,
    section: String,
) -> Result<(), String> {
    let kind = vocabulary::kind(&kind)?;
    let section = Section::from_word(&section)?;
    let token = world.parsed_token()?;
    let grants = match section {
        Section::Resource => token.resources(),
        Section::Pattern => token.patterns(),
    };
    let permissions = grants.get(kind, &name).ok_or_else(|| {
        let present: Vec<String> = grants
            .entries()
            .map(|e| format!("{} {}", e.kind, e.name))
            .collect();
        format!(
            "the token has no {kind} {} '{name}'; its {}s are: {}",
            section.word(),
            section.word(),
            if present.is_empty() {
                "none".to_owned()
            } else {
                present.join(", ")
            }
        )
    })?;
    world.inspected = Some(InspectedEntry {
        section,
        kind,
        name,
        permissions,
    });
    Ok(())
}

#[then(regex = r"^token (resource|pattern) permission (\w+)$")]
#[given(regex = r"^token (resource|pattern) permission (\w+)$")]
fn entry_has_permission(
    world: &mut AccessWorld,
    section: String,
    permission: String,
) -> Result<(), String> {
    let section = Section::from_word(&section)?;
    let permission = vocabulary::permission(&permission)?;
    let entry = world.inspected.as_ref().ok_or_else(|| {
        format!(
            "`token {} permission …` before any `the token has '…' … access permissions` step",
            section.word()
        )
    })?;
    ensure(entry.section == section, || {
        format!(
            "`token {} permission` follows a {} entry",
            section.word(),
            entry.section.word()
        )
    })?;
    ensure(entry.permissions.has(permission), || {
        format!(
            "the token's {} {} '{}' has {} ({}), not {permission}",
            entry.kind,
            entry.section.word(),
            entry.name,
            entry.permissions,
            entry.permissions.bits()
        )
    })
}
