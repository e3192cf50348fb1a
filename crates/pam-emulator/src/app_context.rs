//! App Context (channel and uuid metadata, memberships) under `/v2/objects/{sub}/…`, with
//! tokens enforced exactly as [`Token::authorize`](pam_token::Token::authorize) decides.
//!
//! | request | token needs |
//! | --- | --- |
//! | `GET /v2/objects/{sub}/channels` | with the keyset's "Disallow Get All Channel Metadata": `get` on the `channels` category; otherwise any valid token |
//! | `GET /v2/objects/{sub}/uuids` | likewise with "Disallow Get All User Metadata" and the `uuids` category |
//! | `GET` / `PATCH` / `DELETE /v2/objects/{sub}/channels/{channel}` | `get` / `update` / `delete` on the channel |
//! | `GET` / `PATCH` / `DELETE /v2/objects/{sub}/uuids/{uuid}` | `get` / `update` / `delete` on the uuid |
//! | `GET /v2/objects/{sub}/uuids/{uuid}/channels` | `get` on the uuid |
//! | `PATCH /v2/objects/{sub}/uuids/{uuid}/channels` | `update` on the uuid and `join` on every channel set or deleted |
//!
//! A request signed with the keyset's secret key skips the token check. A refusal is the
//! legacy `403` every token refusal gets (`Forbidden` with a `payload` naming what was
//! refused: `channels`, `uuids` or, for a listing, `categories`; `Token is expired.`;
//! `Token is revoked.`). PubNub does not publish the body of a refused listing; this shape is
//! the emulator's choice (README, "Decisions").
//!
//! Objects live in memory ([`store`]), bounded by the limits in [`crate::limits`].

mod body;
mod store;
mod view;

use std::collections::BTreeMap;

use pam_model::{CategoryKind, ResourceKind};
use pam_token::{AccessRequest, Operation};
use serde_json::Value;

use crate::Response;
use crate::access_manager::{AccessManager, Incoming, ServedKeyset, decode_segment, shorten};
use crate::limits::{
    MAX_APP_CONTEXT_ID_BYTES, MAX_APP_CONTEXT_MEMBERSHIPS, MAX_APP_CONTEXT_OBJECTS,
};
use crate::routes::Endpoint;

pub(crate) use store::AppContextStore;
use store::{Full, ObjectKind};

/// What an objects path names (segments still percent-encoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ObjectsTarget<'p> {
    /// `…/channels`: every channel's metadata.
    AllChannels,
    /// `…/uuids`: every uuid's metadata.
    AllUuids,
    /// `…/channels/{channel}`.
    Channel(&'p str),
    /// `…/uuids/{uuid}`.
    Uuid(&'p str),
    /// `…/uuids/{uuid}/channels`: the uuid's memberships.
    Memberships(&'p str),
}

impl<'p> ObjectsTarget<'p> {
    /// Recognises the segments after `/v2/objects/{sub}/` for `method`; `Err` is the `404`
    /// or `405` to answer.
    pub(crate) fn parse(method: &str, tail: &[&'p str]) -> Result<ObjectsTarget<'p>, Response> {
        let (target, allowed): (ObjectsTarget<'p>, &[&str]) = match tail {
            ["channels"] => (ObjectsTarget::AllChannels, &["GET"]),
            ["uuids"] => (ObjectsTarget::AllUuids, &["GET"]),
            ["channels", channel] if !channel.is_empty() => {
                (ObjectsTarget::Channel(channel), &["GET", "PATCH", "DELETE"])
            }
            ["uuids", uuid] if !uuid.is_empty() => {
                (ObjectsTarget::Uuid(uuid), &["GET", "PATCH", "DELETE"])
            }
            ["uuids", uuid, "channels"] if !uuid.is_empty() => {
                (ObjectsTarget::Memberships(uuid), &["GET", "PATCH"])
            }
            _ => {
                return Err(Response::legacy_with_payload(
                    404,
                    "Not Found",
                    Some(serde_json::json!({ "endpoints": ENDPOINTS })),
                ));
            }
        };
        if allowed.contains(&method) {
            Ok(target)
        } else {
            Err(Response::legacy_with_payload(
                405,
                "Method Not Allowed",
                Some(serde_json::json!({ "allow": allowed })),
            ))
        }
    }
}

/// The App Context endpoints, for `404` bodies.
pub(crate) const ENDPOINTS: [&str; 5] = [
    "GET /v2/objects/{sub}/channels",
    "GET /v2/objects/{sub}/uuids",
    "GET|PATCH|DELETE /v2/objects/{sub}/channels/{channel}",
    "GET|PATCH|DELETE /v2/objects/{sub}/uuids/{uuid}",
    "GET|PATCH /v2/objects/{sub}/uuids/{uuid}/channels",
];

/// What a request needs from its token.
#[derive(Debug, Clone, Copy)]
enum Needs<'a> {
    /// What `operation` needs on each named resource.
    Resources(Operation, &'a [(ResourceKind, &'a str)]),
    /// A listing: `get` on `category` when the keyset restricts it, else any valid token.
    Listing {
        category: CategoryKind,
        restricted: bool,
    },
}

impl AccessManager {
    /// Answers an App Context request.
    pub(crate) fn app_context(
        &self,
        incoming: &Incoming<'_>,
        raw_subscribe_key: &str,
        target: ObjectsTarget<'_>,
    ) -> Response {
        let endpoint = Endpoint::AppContext;
        let (index, served) = match self.v3_keyset_at(raw_subscribe_key, endpoint) {
            Ok(found) => found,
            Err(invalid_subscribe_key) => return invalid_subscribe_key,
        };
        let method = incoming.request.method;
        match target {
            ObjectsTarget::AllChannels | ObjectsTarget::AllUuids => {
                let (kind, category, restricted) = if target == ObjectsTarget::AllChannels {
                    (
                        ObjectKind::Channel,
                        CategoryKind::Channels,
                        served.keyset.disallow_get_all_channel_metadata(),
                    )
                } else {
                    (
                        ObjectKind::Uuid,
                        CategoryKind::Uuids,
                        served.keyset.disallow_get_all_user_metadata(),
                    )
                };
                let listing = match view::Listing::from_query(incoming) {
                    Ok(listing) => listing,
                    Err(response) => return response,
                };
                if let Err(response) = self.admit(
                    incoming,
                    served,
                    Needs::Listing {
                        category,
                        restricted,
                    },
                ) {
                    return response;
                }
                let mut store = self.app_context.lock(index);
                let objects = store.view().objects(kind);
                listing.page(
                    objects
                        .iter()
                        .map(|(id, stored)| (id, view::object(kind, id, stored, &listing.include))),
                    objects.len(),
                )
            }
            ObjectsTarget::Channel(raw) | ObjectsTarget::Uuid(raw) => {
                let (kind, resource) = if matches!(target, ObjectsTarget::Channel(_)) {
                    (ObjectKind::Channel, ResourceKind::Channel)
                } else {
                    (ObjectKind::Uuid, ResourceKind::UserId)
                };
                let id = match object_id(raw, kind) {
                    Ok(id) => id,
                    Err(response) => return response,
                };
                let operation = match (kind, method) {
                    (ObjectKind::Channel, "GET") => Operation::GetChannelMetadata,
                    (ObjectKind::Channel, "PATCH") => Operation::SetChannelMetadata,
                    (ObjectKind::Channel, _) => Operation::RemoveChannelMetadata,
                    (ObjectKind::Uuid, "GET") => Operation::GetUserMetadata,
                    (ObjectKind::Uuid, "PATCH") => Operation::SetUserMetadata,
                    (ObjectKind::Uuid, _) => Operation::RemoveUserMetadata,
                };
                if let Err(response) = self.admit(
                    incoming,
                    served,
                    Needs::Resources(operation, &[(resource, &id)]),
                ) {
                    return response;
                }
                self.object(incoming, index, kind, &id)
            }
            ObjectsTarget::Memberships(raw) => {
                let uuid = match object_id(raw, ObjectKind::Uuid) {
                    Ok(id) => id,
                    Err(response) => return response,
                };
                if method == "GET" {
                    let listing = match view::Listing::from_query(incoming) {
                        Ok(listing) => listing,
                        Err(response) => return response,
                    };
                    let names = [(ResourceKind::UserId, uuid.as_str())];
                    if let Err(response) = self.admit(
                        incoming,
                        served,
                        Needs::Resources(Operation::GetUserMetadata, &names),
                    ) {
                        return response;
                    }
                    return self.memberships_page(index, &uuid, &listing);
                }
                let changes = match body::membership_changes(&incoming.body) {
                    Ok(changes) => changes,
                    Err(error) => return bad_body(&error),
                };
                let names: Vec<(ResourceKind, &str)> =
                    std::iter::once((ResourceKind::UserId, uuid.as_str()))
                        .chain(changes.channels().map(|c| (ResourceKind::Channel, c)))
                        .collect();
                if let Err(response) = self.admit(
                    incoming,
                    served,
                    Needs::Resources(Operation::SetMemberships, &names),
                ) {
                    return response;
                }
                let listing = match view::Listing::from_query(incoming) {
                    Ok(listing) => listing,
                    Err(response) => return response,
                };
                let updated = view::iso8601(self.clock.next_timetoken());
                let result = self.app_context.lock(index).set_memberships(
                    &uuid,
                    changes.set,
                    &changes.delete,
                    &updated,
                );
                match result {
                    Ok(()) => self.memberships_page(index, &uuid, &listing),
                    Err(full) => store_full(full),
                }
            }
        }
    }

    /// Get, set or remove one object, once the token allowed it.
    fn object(
        &self,
        incoming: &Incoming<'_>,
        index: usize,
        kind: ObjectKind,
        id: &str,
    ) -> Response {
        let include = view::includes(incoming);
        match incoming.request.method {
            "GET" => match self.app_context.lock(index).view().objects(kind).get(id) {
                Some(stored) => view::data(view::object(kind, id, stored, &include)),
                None => not_found(kind, id),
            },
            "PATCH" => {
                let changes = match body::object_changes(kind, &incoming.body) {
                    Ok(changes) => changes,
                    Err(error) => return bad_body(&error),
                };
                let mut store = self.app_context.lock(index);
                if let Some(expected) = incoming.request.header("if-match") {
                    let current = store.view().objects(kind).get(id).map(view::etag);
                    if current.as_deref() != Some(expected.trim()) {
                        return Response::v3(
                            412,
                            "Precondition Failed",
                            Endpoint::AppContext.source(),
                            format!(
                                "The {} object's eTag is not `{}`: it changed since it was read.",
                                kind.noun(),
                                shorten(expected, 64)
                            ),
                            "If-Match",
                            "header",
                        );
                    }
                }
                let updated = view::iso8601(self.clock.next_timetoken());
                match store.set_object(kind, id, changes, &updated) {
                    Ok(stored) => view::data(view::object(kind, id, &stored, &include)),
                    Err(full) => store_full(full),
                }
            }
            _ => {
                self.app_context.lock(index).remove_object(kind, id);
                view::data(Value::Null)
            }
        }
    }

    fn memberships_page(&self, index: usize, uuid: &str, listing: &view::Listing) -> Response {
        let mut store = self.app_context.lock(index);
        let objects = store.view();
        let empty = BTreeMap::new();
        let memberships = objects.memberships.get(uuid).unwrap_or(&empty);
        listing.page(
            memberships.iter().map(|(channel, membership)| {
                (
                    channel,
                    view::membership(
                        channel,
                        membership,
                        objects.channels.get(channel),
                        &listing.include,
                    ),
                )
            }),
            memberships.len(),
        )
    }

    /// Lets the request through, or the `403` (or signature error) to answer: a signed
    /// request is authenticated and skips the token; otherwise the `auth` token must be one
    /// this keyset signed, unexpired, unrevoked, and [`Token::authorize`] must allow every
    /// resource (or the category) the request needs, for the request's `uuid`.
    ///
    /// [`Token::authorize`]: pam_token::Token::authorize
    fn admit(
        &self,
        incoming: &Incoming<'_>,
        served: &ServedKeyset,
        needs: Needs<'_>,
    ) -> Result<(), Response> {
        if incoming.query.get(pam_sign::SIGNATURE_PARAM).is_some() {
            return self.authenticate(incoming, Endpoint::AppContext, served);
        }
        let forbidden = || forbidden(needs);
        // The same verified, unexpired, unrevoked token every enforced endpoint starts from.
        let (token, now) = self
            .usable_token(incoming, served)
            .map_err(|unusable| unusable.response().unwrap_or_else(forbidden))?;
        let user_id = incoming.user_id.as_str();
        match needs {
            Needs::Listing {
                category,
                restricted,
            } => {
                let decision = token.authorize(&AccessRequest::category(category, now).by(user_id));
                // Unrestricted, any token this user id may use lists: a missing category is
                // no reason to refuse, an authorized-user-id mismatch still is.
                let usable = decision.is_allowed()
                    || (!restricted
                        && matches!(decision, pam_token::Decision::MissingCategory { .. }));
                if usable { Ok(()) } else { Err(forbidden()) }
            }
            Needs::Resources(operation, names) => {
                let refused: Vec<(ResourceKind, &str)> = names
                    .iter()
                    .copied()
                    .filter(|(kind, name)| {
                        operation.permission_on(*kind).is_none_or(|permission| {
                            !token
                                .authorize(
                                    &AccessRequest::new(*kind, name, permission, now).by(user_id),
                                )
                                .is_allowed()
                        })
                    })
                    .collect();
                if refused.is_empty() {
                    Ok(())
                } else {
                    Err(forbidden_resources(&refused))
                }
            }
        }
    }
}

/// The `403 Forbidden` for `needs`, naming every resource (or the category) it asks for.
fn forbidden(needs: Needs<'_>) -> Response {
    match needs {
        Needs::Listing { category, .. } => Response::legacy_with_payload(
            403,
            "Forbidden",
            Some(serde_json::json!({ "categories": [category.plural_name()] })),
        ),
        Needs::Resources(_, names) => forbidden_resources(names),
    }
}

/// `403 Forbidden` with `payload` = plural kind -> names refused, as PubNub lists channels.
fn forbidden_resources(names: &[(ResourceKind, &str)]) -> Response {
    let mut payload: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (kind, name) in names {
        let list = payload.entry(kind.plural_name()).or_default();
        if !list.contains(name) {
            list.push(name);
        }
    }
    Response::legacy_with_payload(403, "Forbidden", Some(payload))
}

/// A path's channel or uuid: decoded, 1 to [`MAX_APP_CONTEXT_ID_BYTES`] bytes.
fn object_id(raw: &str, kind: ObjectKind) -> Result<String, Response> {
    match decode_segment(raw) {
        Some(id) if !id.is_empty() && id.len() <= MAX_APP_CONTEXT_ID_BYTES => Ok(id),
        _ => Err(Endpoint::AppContext.bad_request(
            "Invalid request",
            &format!(
                "The {} path segment must be percent-encoded UTF-8 text of 1 to {MAX_APP_CONTEXT_ID_BYTES} bytes.",
                kind.noun()
            ),
            kind.noun(),
            "path",
        )),
    }
}

fn bad_body(error: &body::BodyError) -> Response {
    Endpoint::AppContext.bad_request(
        "Invalid request body",
        &error.detail,
        &error.location,
        "body",
    )
}

fn not_found(kind: ObjectKind, id: &str) -> Response {
    Response::v3(
        404,
        "Requested object was not found.",
        Endpoint::AppContext.source(),
        format!(
            "No {} metadata has the id `{}`.",
            kind.noun(),
            shorten(id, 64)
        ),
        kind.noun(),
        "path",
    )
}

fn store_full(full: Full) -> Response {
    let (what, limit) = match full {
        Full::Objects => ("objects", MAX_APP_CONTEXT_OBJECTS),
        Full::Memberships => ("memberships", MAX_APP_CONTEXT_MEMBERSHIPS),
    };
    Response::v3(
        503,
        "Too many App Context objects",
        Endpoint::AppContext.source(),
        format!("This emulator already keeps {limit} App Context {what}; remove some first."),
        "<root>",
        "body",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_objects_paths() {
        assert_eq!(
            ObjectsTarget::parse("GET", &["channels"]),
            Ok(ObjectsTarget::AllChannels)
        );
        assert_eq!(
            ObjectsTarget::parse("PATCH", &["uuids", "u%2F1", "channels"]),
            Ok(ObjectsTarget::Memberships("u%2F1"))
        );
        assert_eq!(
            ObjectsTarget::parse("DELETE", &["channels", "c"]),
            Ok(ObjectsTarget::Channel("c"))
        );
        assert_eq!(
            ObjectsTarget::parse("PATCH", &["uuids"])
                .unwrap_err()
                .status,
            405
        );
        assert_eq!(
            ObjectsTarget::parse("DELETE", &["uuids", "u", "channels"])
                .unwrap_err()
                .status,
            405
        );
        assert_eq!(
            ObjectsTarget::parse("GET", &["spaces"]).unwrap_err().status,
            404
        );
        assert_eq!(
            ObjectsTarget::parse("GET", &["channels", ""])
                .unwrap_err()
                .status,
            404
        );
        assert_eq!(
            ObjectsTarget::parse("GET", &["uuids", "u", "channels/x"])
                .unwrap_err()
                .status,
            404
        );
    }
}
