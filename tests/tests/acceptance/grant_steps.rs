//! Grant: the steps that describe a grant, and the one that sends it through the facade.
//!
//! The entries are collected into a `GrantRequest`, then handed to the facade's typed builders
//! (`permissions::channel(..).read()`, ...) exactly as an application would write them; the
//! step checks that the facade's builder holds what the steps described. A grant the facade
//! refuses locally is also sent unvalidated to the emulator, which must refuse it with the
//! same error body.

use cucumber::{given, when};
use pam::{GrantRequest, Permission, Resource, ResourceKind, ResourcePermissions, permissions};

use crate::outcome::{Outcome, Refusal};
use crate::vocabulary::{self, Section};
use crate::world::{AccessWorld, ensure};

/// The grant the steps describe so far.
#[derive(Debug, Default)]
pub(crate) struct GrantDraft {
    /// The TTL, once a step gave it.
    ttl: Option<u32>,
    /// Entries and authorized user id (its `ttl` is set from `ttl` when sending).
    request: GrantRequest,
    /// The entry the `grant|deny … permission …` steps change.
    current: Option<(Section, usize)>,
}

impl GrantDraft {
    fn entries_mut(&mut self, section: Section) -> &mut Vec<Resource> {
        match section {
            Section::Resource => &mut self.request.resources,
            Section::Pattern => &mut self.request.patterns,
        }
    }
}

#[given(regex = r#"^the authorized UUID "([^"]*)"$"#)]
fn authorized_uuid(world: &mut AccessWorld, user_id: String) -> Result<(), String> {
    ensure(!user_id.is_empty(), || {
        "the authorized UUID is empty".to_owned()
    })?;
    ensure(world.grant.request.authorized_user_id.is_none(), || {
        "the authorized UUID was given twice".to_owned()
    })?;
    world.grant.request.authorized_user_id = Some(user_id);
    Ok(())
}

#[given(regex = r"^the TTL (\d+)$")]
fn the_ttl(world: &mut AccessWorld, ttl: String) -> Result<(), String> {
    let minutes: u32 = ttl
        .parse()
        .map_err(|e| format!("TTL `{ttl}` is not a number of minutes: {e}"))?;
    ensure(world.grant.ttl.is_none(), || {
        "the TTL was given twice".to_owned()
    })?;
    world.grant.ttl = Some(minutes);
    Ok(())
}

#[given(regex = r"^the '(.*)' (CHANNEL|CHANNEL_GROUP|UUID) (resource|pattern) access permissions$")]
fn entry(
    world: &mut AccessWorld,
    name: String,
    kind: String,
    section: String,
) -> Result<(), String> {
    let kind = vocabulary::kind(&kind)?;
    let section = Section::from_word(&section)?;
    let entries = world.grant.entries_mut(section);
    ensure(
        !entries.iter().any(|e| e.kind == kind && e.name == name),
        || format!("the {kind} {} '{name}' was described twice", section.word()),
    )?;
    entries.push(Resource::new(kind, name, pam::Permissions::NONE));
    world.grant.current = Some((section, entries.len() - 1));
    Ok(())
}

#[given(regex = r"^(grant|deny) (resource|pattern) permission (\w+)$")]
fn grant_or_deny(
    world: &mut AccessWorld,
    verb: String,
    section: String,
    permission: String,
) -> Result<(), String> {
    let section = Section::from_word(&section)?;
    let permission = vocabulary::permission(&permission)?;
    let (current_section, index) = world.grant.current.ok_or_else(|| {
        format!(
            "`{verb} {} permission …` before any `the '…' … access permissions` step",
            section.word()
        )
    })?;
    ensure(current_section == section, || {
        format!(
            "`{verb} {} permission` follows a {} entry",
            section.word(),
            current_section.word()
        )
    })?;
    let entry = world
        .grant
        .entries_mut(section)
        .get_mut(index)
        .ok_or("the current entry is gone")?;
    ensure(entry.kind.grantable().has(permission), || {
        format!(
            "a {} cannot be granted {permission} (grantable: {})",
            entry.kind,
            entry.kind.grantable()
        )
    })?;
    let had = entry.permissions.has(permission);
    if verb == "grant" {
        ensure(!had, || {
            format!("{permission} was granted twice on '{}'", entry.name)
        })?;
        entry.permissions = entry.permissions.with(permission);
    } else {
        entry.permissions = entry.permissions.difference(permission.into());
    }
    ensure(
        entry.permissions.has(permission) == (verb == "grant"),
        || format!("'{}' now has {}", entry.name, entry.permissions),
    )
}

#[when(regex = r"^I grant a token specifying those permissions$")]
async fn grant(world: &mut AccessWorld) -> Result<(), String> {
    let outcome = send(world).await?;
    match &outcome {
        Outcome::Granted(token) => {
            let token = token.clone();
            world.outcome = Some(outcome);
            world.use_token(token, None);
            Ok(())
        }
        other => Err(format!("the grant should succeed, but gave {other:?}")),
    }
}

#[when(regex = r"^I attempt to grant a token specifying those permissions$")]
async fn attempt_grant(world: &mut AccessWorld) -> Result<(), String> {
    let outcome = send(world).await?;
    if let Outcome::Granted(token) = &outcome {
        let token = token.clone();
        world.use_token(token, None);
    }
    world.outcome = Some(outcome);
    Ok(())
}

/// Sends the described grant through the facade (and, when the facade refuses it locally,
/// unvalidated to the emulator too).
async fn send(world: &mut AccessWorld) -> Result<Outcome, String> {
    let ttl = world
        .grant
        .ttl
        .ok_or("no `the TTL …` step before the grant")?;
    let mut described = world.grant.request.clone();
    described.ttl = ttl;
    let resources = typed_all(&described.resources)?;
    let patterns = typed_all(&described.patterns)?;
    let server = world.server()?;
    let mut builder = server
        .admin
        .grant_token(ttl)
        .resources(&resources)
        .patterns(&patterns);
    if let Some(user_id) = &described.authorized_user_id {
        builder = builder.authorized_user_id(user_id.clone());
    }
    ensure(builder.request() == &described, || {
        format!(
            "the facade's grant builder holds {:?}, the steps described {described:?}",
            builder.request()
        )
    })?;
    Ok(match builder.execute().await {
        Ok(result) => Outcome::Granted(result.token),
        Err(local @ pam::Error::InvalidRequest { .. }) => {
            let remote = server.admin.transport().grant_unvalidated(&described).await;
            let remote = match remote {
                Err(remote) => remote,
                Ok(_) => {
                    return Err(format!(
                        "the facade refused the grant locally ({local}), but the emulator \
                         granted it"
                    ));
                }
            };
            ensure(
                matches!(remote, pam::Error::Api { .. })
                    && remote.error_body() == local.error_body(),
                || {
                    format!(
                        "local validation and the emulator disagree:\n  local:    {local}\n  \
                         emulator: {remote}"
                    )
                },
            )?;
            Outcome::Refused(vec![
                Refusal {
                    by: "the facade's local validation",
                    error: local,
                },
                Refusal {
                    by: "the emulator",
                    error: remote,
                },
            ])
        }
        Err(error) => Outcome::Refused(vec![Refusal {
            by: "the facade",
            error,
        }]),
    })
}

fn typed_all(entries: &[Resource]) -> Result<Vec<Box<dyn ResourcePermissions>>, String> {
    entries.iter().map(typed).collect()
}

/// The facade's typed builder for `entry`, one permission method per granted bit.
fn typed(entry: &Resource) -> Result<Box<dyn ResourcePermissions>, String> {
    let refuse = |p: Permission| {
        format!(
            "the facade has no way to grant {p} on a {} ('{}')",
            entry.kind, entry.name
        )
    };
    let name = entry.name.clone();
    let bits = entry.permissions.iter();
    let typed: Box<dyn ResourcePermissions> = match entry.kind {
        ResourceKind::Channel => {
            let mut b = permissions::channel(name);
            for p in bits {
                b = match p {
                    Permission::Read => b.read(),
                    Permission::Write => b.write(),
                    Permission::Manage => b.manage(),
                    Permission::Delete => b.delete(),
                    Permission::Get => b.get(),
                    Permission::Update => b.update(),
                    Permission::Join => b.join(),
                    other => return Err(refuse(other)),
                };
            }
            b
        }
        ResourceKind::ChannelGroup => {
            let mut b = permissions::channel_group(name);
            for p in bits {
                b = match p {
                    Permission::Read => b.read(),
                    Permission::Manage => b.manage(),
                    other => return Err(refuse(other)),
                };
            }
            b
        }
        ResourceKind::UserId => {
            let mut b = permissions::user_id(name);
            for p in bits {
                b = match p {
                    Permission::Get => b.get(),
                    Permission::Update => b.update(),
                    Permission::Delete => b.delete(),
                    other => return Err(refuse(other)),
                };
            }
            b
        }
        other => return Err(format!("the features do not grant {other} entries")),
    };
    Ok(typed)
}
