//! What a token grants, as flags: shared by `pam token issue` (signs it offline) and
//! `pam grant` (asks Access Manager for it).
//!
//! Permissions are given as NAME=PERMS, PERMS comma-separated (read,write,manage,delete,get,
//! update,join). The split is at the last `=`, so a pattern may itself contain `=`.

use pam_model::{CategoryKind, GrantRequest, MetaValue, Permissions, Resource, ResourceKind};

use crate::Failure;

/// TTL, resources, patterns, authorized user id and meta of a grant.
#[derive(Debug, clap::Args)]
pub(crate) struct GrantFlags {
    /// Lifetime in minutes, 1 to 43200.
    #[arg(long, value_name = "MIN")]
    ttl: u32,
    /// A channel and its permissions, NAME=read,write; repeatable.
    #[arg(long, value_name = "NAME=PERMS")]
    channel: Vec<String>,
    /// A channel regex pattern and its permissions, RE=read; repeatable.
    #[arg(long, value_name = "RE=PERMS")]
    channel_pattern: Vec<String>,
    /// A channel group and its permissions (read, manage); repeatable.
    #[arg(long, value_name = "NAME=PERMS")]
    group: Vec<String>,
    /// A channel group regex pattern and its permissions; repeatable.
    #[arg(long, value_name = "RE=PERMS")]
    group_pattern: Vec<String>,
    /// A user id and its permissions (get, update, delete); repeatable.
    #[arg(long, value_name = "NAME=PERMS")]
    uuid: Vec<String>,
    /// A user id regex pattern and its permissions; repeatable.
    #[arg(long, value_name = "RE=PERMS")]
    uuid_pattern: Vec<String>,
    /// A whole category and its permission, channels=get or uuids=get (`get` is the only
    /// permission a category holds: it lets the token list all channel / uuid metadata);
    /// repeatable.
    #[arg(long, value_name = "NAME=get")]
    category: Vec<String>,
    /// The only user id allowed to use the token.
    #[arg(long, value_name = "U")]
    authorized_uuid: Option<String>,
    /// A meta entry KEY=VALUE; VALUE is read as an integer, float, true, false or null when it
    /// is one, as a string otherwise (quote it in JSON, e.g. '"42"', to force a string).
    #[arg(long, value_name = "KEY=VALUE")]
    meta: Vec<String>,
}

impl GrantFlags {
    /// The grant request the flags describe, not yet validated.
    pub(crate) fn to_request(&self) -> Result<GrantRequest, Failure> {
        let mut request = GrantRequest::new(self.ttl);
        let lists: [(&[String], ResourceKind, bool, &str); 6] = [
            (&self.channel, ResourceKind::Channel, false, "--channel"),
            (
                &self.channel_pattern,
                ResourceKind::Channel,
                true,
                "--channel-pattern",
            ),
            (&self.group, ResourceKind::ChannelGroup, false, "--group"),
            (
                &self.group_pattern,
                ResourceKind::ChannelGroup,
                true,
                "--group-pattern",
            ),
            (&self.uuid, ResourceKind::UserId, false, "--uuid"),
            (
                &self.uuid_pattern,
                ResourceKind::UserId,
                true,
                "--uuid-pattern",
            ),
        ];
        for (values, kind, is_pattern, flag) in lists {
            for value in values {
                let entry = resource_arg(flag, kind, value)?;
                if is_pattern {
                    request.add_pattern(entry);
                } else {
                    request.add_resource(entry);
                }
            }
        }
        for value in &self.category {
            let kind = category_arg(value)?;
            request.add_category(kind, kind.grantable());
        }
        if let Some(user) = &self.authorized_uuid {
            request = request.authorized_user_id(user.clone());
        }
        for kv in &self.meta {
            let (key, value) = kv
                .split_once('=')
                .ok_or_else(|| Failure::input(format!("--meta `{kv}`: expected KEY=VALUE")))?;
            request = request.meta(key, meta_value(value));
        }
        Ok(request)
    }
}

/// `NAME=read,write` for `flag`: split at the last `=`, check the permissions are grantable.
fn resource_arg(flag: &str, kind: ResourceKind, value: &str) -> Result<Resource, Failure> {
    let (name, perms) = value.rsplit_once('=').ok_or_else(|| {
        Failure::input(format!(
            "{flag} `{value}`: expected NAME=PERMISSIONS, e.g. {flag} chat=read,write"
        ))
    })?;
    let permissions: Permissions = perms
        .parse()
        .map_err(|e| Failure::input(format!("{flag} `{value}`: {e}")))?;
    let refused = permissions.difference(kind.grantable());
    if !refused.is_empty() {
        return Err(Failure::input(format!(
            "{flag} `{value}`: a {kind} cannot be granted {refused} (allowed: {})",
            kind.grantable()
        )));
    }
    Ok(Resource::new(kind, name, permissions))
}

/// `--category channels=get`: a known category, and `get` only (its
/// [`grantable`](CategoryKind::grantable) permissions, all the flag can give it).
fn category_arg(value: &str) -> Result<CategoryKind, Failure> {
    let (name, perms) = value.split_once('=').ok_or_else(|| {
        Failure::input(format!(
            "--category `{value}`: expected NAME=get, e.g. --category channels=get"
        ))
    })?;
    let kind = CategoryKind::from_plural_name(name.trim()).ok_or_else(|| {
        Failure::input(format!(
            "--category `{value}`: unknown category `{name}` (expected channels or uuids)"
        ))
    })?;
    let permissions: Permissions = perms
        .parse()
        .map_err(|e| Failure::input(format!("--category `{value}`: {e}")))?;
    if permissions != kind.grantable() {
        return Err(Failure::input(format!(
            "--category `{value}`: a category can only be granted get"
        )));
    }
    Ok(kind)
}

/// A `--meta` value: a JSON scalar when it is one, a string otherwise.
fn meta_value(text: &str) -> MetaValue {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Null) => MetaValue::Null,
        Ok(serde_json::Value::Bool(b)) => MetaValue::Bool(b),
        Ok(serde_json::Value::Number(n)) => match n.as_i64() {
            Some(i) => MetaValue::Integer(i),
            None => n
                .as_f64()
                .map_or_else(|| MetaValue::String(text.to_owned()), MetaValue::Float),
        },
        Ok(serde_json::Value::String(s)) => MetaValue::String(s),
        _ => MetaValue::String(text.to_owned()),
    }
}
