//! The one place a request's right to act is decided, for every endpoint that enforces
//! tokens (publish, signal, subscribe, history, presence, channel groups). App Context starts
//! from the same [`AccessManager::usable_token`] and then asks `Token::authorize` for its own
//! needs (resources or a category).
//!
//! A request signed with the keyset's secret key skips the token check (its signature and
//! timestamp must be valid). Otherwise the `auth` token must have been issued by this keyset,
//! be unexpired and not revoked, and grant, to the request's `uuid`, every permission that
//! [`Operation::requirements`] lists for each named resource: `pam-token`'s
//! [`Token::authorize`](pam_token::Token::authorize), the same decision `pam token check`
//! makes offline.

use pam_model::ResourceKind;
use pam_token::{AccessRequest, Operation, Token};

use crate::Response;
use crate::access_manager::{AccessManager, Incoming, ServedKeyset};
use crate::routes::Endpoint;

/// One thing a request does: an operation on one named resource (a channel, or a channel
/// group for the group operations).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Action<'a> {
    pub(crate) operation: Operation,
    pub(crate) name: &'a str,
}

impl<'a> Action<'a> {
    pub(crate) fn new(operation: Operation, name: &'a str) -> Self {
        Action { operation, name }
    }
}

/// PubNub's message for an expired token.
const TOKEN_EXPIRED: &str = "Token is expired.";
/// PubNub's message for a revoked token.
const TOKEN_REVOKED: &str = "Token is revoked.";

/// Why a request's token cannot be used for anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unusable {
    /// No `auth`, or a token this keyset did not issue (or that does not parse): answered
    /// like a token lacking the permission, `403 Forbidden`.
    Absent,
    /// The token has expired: `403 Token is expired.`
    Expired,
    /// The token was revoked: `403 Token is revoked.`
    Revoked,
}

impl Unusable {
    /// The `403` for an expired or revoked token; `None` for [`Unusable::Absent`], whose
    /// `Forbidden` body names what the request needed.
    pub(crate) fn response(self) -> Option<Response> {
        match self {
            Unusable::Absent => None,
            Unusable::Expired => Some(Response::legacy(403, TOKEN_EXPIRED)),
            Unusable::Revoked => Some(Response::legacy(403, TOKEN_REVOKED)),
        }
    }
}

/// A token that does not allow a request (or no usable token): the refused names, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Forbidden {
    channels: Vec<String>,
    groups: Vec<String>,
}

/// The `payload` of a `403 Forbidden`: the refused names, by kind.
#[derive(serde::Serialize)]
struct ForbiddenPayload {
    #[serde(skip_serializing_if = "Option::is_none")]
    channels: Option<Vec<String>>,
    #[serde(rename = "channel-groups", skip_serializing_if = "Option::is_none")]
    groups: Option<Vec<String>>,
}

impl Forbidden {
    /// PubNub's `403 Forbidden` body: it lists the refused channels (`payload.channels`)
    /// and channel groups (`payload.channel-groups`).
    fn response(self) -> Response {
        let Forbidden { channels, groups } = self;
        let payload = ForbiddenPayload {
            channels: (!channels.is_empty() || groups.is_empty()).then_some(channels),
            groups: (!groups.is_empty()).then_some(groups),
        };
        Response::legacy_with_payload(403, "Forbidden", Some(payload))
    }
}

impl AccessManager {
    /// Allows the request when it is signed with `served`'s secret key (valid signature and
    /// timestamp) or when its token allows every action; otherwise the `403` to answer.
    pub(crate) fn enforce(
        &self,
        incoming: &Incoming<'_>,
        endpoint: Endpoint,
        served: &ServedKeyset,
        actions: &[Action<'_>],
    ) -> Result<(), Response> {
        if incoming.query.get(pam_sign::SIGNATURE_PARAM).is_some() {
            return self.authenticate(incoming, endpoint, served);
        }
        self.token_allows(incoming, served, actions)
    }

    /// The request's `auth` token when it can be used at all: this keyset issued it, it has
    /// not expired and it is not revoked; with the server time it was checked at. Every
    /// token-enforced endpoint starts here (App Context too), then asks
    /// [`Token::authorize`](pam_token::Token::authorize) what it needs.
    pub(crate) fn usable_token(
        &self,
        incoming: &Incoming<'_>,
        served: &ServedKeyset,
    ) -> Result<(Token, u64), Unusable> {
        let auth = incoming
            .query
            .get("auth")
            .filter(|auth| !auth.is_empty())
            .ok_or(Unusable::Absent)?;
        // A token this keyset did not sign (or that does not parse) grants nothing here.
        let token = pam_token::verify(auth, served.keyset.secret_key().as_bytes())
            .map_err(|_| Unusable::Absent)?;
        let now = self.clock.now_secs();
        if token.is_expired_at(now) {
            return Err(Unusable::Expired);
        }
        if self.revocations.contains(token.signature()) {
            return Err(Unusable::Revoked);
        }
        Ok((token, now))
    }

    /// Whether the request's `auth` token lets its `uuid` do every action; otherwise the
    /// `403` to answer.
    fn token_allows(
        &self,
        incoming: &Incoming<'_>,
        served: &ServedKeyset,
        actions: &[Action<'_>],
    ) -> Result<(), Response> {
        // No token, or one this keyset did not issue, allows nothing: every action is refused.
        let usable = match self.usable_token(incoming, served) {
            Ok(usable) => Some(usable),
            Err(unusable) => match unusable.response() {
                Some(response) => return Err(response),
                None => None,
            },
        };
        let mut channels = Vec::new();
        let mut groups = Vec::new();
        for action in actions {
            for requirement in action.operation.requirements() {
                let allowed = usable.as_ref().is_some_and(|(token, now)| {
                    let request = AccessRequest::new(
                        requirement.kind,
                        action.name,
                        requirement.permission,
                        *now,
                    )
                    .by(&incoming.user_id);
                    token.authorize(&request).is_allowed()
                });
                if !allowed {
                    list_refused(&mut channels, &mut groups, requirement.kind, action.name);
                }
            }
        }
        if channels.is_empty() && groups.is_empty() {
            Ok(())
        } else {
            Err(Forbidden { channels, groups }.response())
        }
    }
}

/// Adds `name` to the list of its kind, once.
fn list_refused(
    channels: &mut Vec<String>,
    groups: &mut Vec<String>,
    kind: ResourceKind,
    name: &str,
) {
    let list = if kind == ResourceKind::ChannelGroup {
        groups
    } else {
        channels
    };
    if !list.iter().any(|listed| listed == name) {
        list.push(name.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_lists_channels_and_groups() {
        let one = Forbidden {
            channels: vec!["not-permitted-channel".into()],
            groups: vec![],
        }
        .response();
        assert_eq!(
            one.body,
            r#"{"message":"Forbidden","payload":{"channels":["not-permitted-channel"]},"error":true,"service":"Access Manager","status":403}"#
        );
        let both = Forbidden {
            channels: vec!["a".into()],
            groups: vec!["g".into()],
        }
        .response();
        assert_eq!(
            both.body,
            r#"{"message":"Forbidden","payload":{"channels":["a"],"channel-groups":["g"]},"error":true,"service":"Access Manager","status":403}"#
        );
        let groups_only = Forbidden {
            channels: vec![],
            groups: vec!["g".into()],
        }
        .response();
        assert_eq!(
            groups_only.body,
            r#"{"message":"Forbidden","payload":{"channel-groups":["g"]},"error":true,"service":"Access Manager","status":403}"#
        );
    }
}
