//! Which endpoint a method and raw path name, and the raw path segments it needs.
//!
//! The path is split on `/` before anything is decoded, so an encoded `/` (`%2F`) inside a
//! token, channel or message never moves a segment boundary.

use pam_model::ErrorDetail;

use crate::Response;
use crate::app_context::ObjectsTarget;
use crate::rest_routes::{REST_PATHS, RestRoute};

/// The endpoints the emulator answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Time,
    Grant,
    Revoke,
    Publish,
    Signal,
    Subscribe,
    History,
    DeleteMessages,
    Presence,
    ChannelGroups,
    /// App Context: `/v2/objects/…`.
    AppContext,
}

impl Endpoint {
    /// The `source` of this endpoint's v3 error bodies.
    pub(crate) fn source(self) -> &'static str {
        match self {
            Endpoint::Time => "time",
            Endpoint::Grant => "grant",
            Endpoint::Revoke => "revoke",
            Endpoint::Publish => "publish",
            Endpoint::Signal => "signal",
            Endpoint::Subscribe => "subscribe",
            Endpoint::History => "history",
            Endpoint::DeleteMessages => "delete-messages",
            Endpoint::Presence => "presence",
            Endpoint::ChannelGroups => "channel-registry",
            Endpoint::AppContext => "objects",
        }
    }

    /// Whether the endpoint answers errors in the v3 shape (the Access Manager v3 API) rather
    /// than the legacy flat shape.
    fn is_v3(self) -> bool {
        matches!(
            self,
            Endpoint::Grant | Endpoint::Revoke | Endpoint::AppContext
        )
    }

    /// A `400` for a problem with the request itself, in this endpoint's error shape. Legacy
    /// bodies carry the detail in `payload.details`, shaped like a v3 detail.
    pub(crate) fn bad_request(
        self,
        message: &str,
        detail: &str,
        location: &str,
        location_type: &str,
    ) -> Response {
        if self.is_v3() {
            Response::v3(400, message, self.source(), detail, location, location_type)
        } else {
            Response::legacy_with_payload(
                400,
                message,
                Some(Details {
                    details: [ErrorDetail::new(detail, location, location_type)],
                }),
            )
        }
    }
}

/// The `payload` of a legacy `400`: one detail, shaped like a v3 detail.
#[derive(serde::Serialize)]
struct Details {
    details: [ErrorDetail; 1],
}

/// A recognised request path, its segments still percent-encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route<'p> {
    /// `GET /time/0`
    Time,
    /// `POST /v3/pam/{sub}/grant`
    Grant { subscribe_key: &'p str },
    /// `DELETE /v3/pam/{sub}/grant/{token}`
    Revoke {
        subscribe_key: &'p str,
        token: &'p str,
    },
    /// `GET /publish/{pub}/{sub}/0/{channel}/0/{message}`,
    /// `POST /publish/{pub}/{sub}/0/{channel}/0` (message in the body) and
    /// `GET /signal/{pub}/{sub}/0/{channel}/0/{message}`.
    Publish {
        endpoint: Endpoint,
        publish_key: &'p str,
        subscribe_key: &'p str,
        channel: &'p str,
        /// The raw message from the path (every segment after the callback `0`, joined by
        /// `/`), or `None` when it is the body.
        message: Option<&'p str>,
    },
    /// Subscribe, history, presence and channel groups (see [`RestRoute`]).
    Rest(RestRoute<'p>),
    /// `/v2/objects/{sub}/…` (App Context).
    AppContext {
        subscribe_key: &'p str,
        target: ObjectsTarget<'p>,
    },
}

impl<'p> Route<'p> {
    /// Recognises `method` and `path`; `Err` is the `404` or `405` to answer.
    pub(crate) fn parse(method: &str, path: &'p str) -> Result<Route<'p>, Response> {
        let Some(rest) = path.strip_prefix('/') else {
            return Err(not_found());
        };
        let segments: Vec<&'p str> = rest.splitn(7, '/').collect();
        let allow = |allowed: &'static str, route: Route<'p>| {
            if method == allowed {
                Ok(route)
            } else {
                Err(method_not_allowed(allowed))
            }
        };
        match segments.as_slice() {
            ["time", "0"] => allow("GET", Route::Time),
            ["v3", "pam", sub, "grant"] => allow("POST", Route::Grant { subscribe_key: sub }),
            ["v3", "pam", sub, "grant", token] if !token.is_empty() => allow(
                "DELETE",
                Route::Revoke {
                    subscribe_key: sub,
                    token,
                },
            ),
            [
                kind @ ("publish" | "signal"),
                publish_key,
                subscribe_key,
                "0",
                channel,
                "0",
                tail @ ..,
            ] => {
                let endpoint = if *kind == "publish" {
                    Endpoint::Publish
                } else {
                    Endpoint::Signal
                };
                let message = tail.first().copied().filter(|m| !m.is_empty());
                let route = Route::Publish {
                    endpoint,
                    publish_key,
                    subscribe_key,
                    channel,
                    message,
                };
                match (message, method) {
                    (Some(_), "GET") => Ok(route),
                    (None, "POST") if endpoint == Endpoint::Publish => Ok(route),
                    (Some(_), _) => Err(method_not_allowed("GET")),
                    (None, _) if endpoint == Endpoint::Publish => Err(method_not_allowed("POST")),
                    (None, _) => Err(not_found()),
                }
            }
            ["v2", "objects", subscribe_key, tail @ ..] => {
                ObjectsTarget::parse(method, tail).map(|target| Route::AppContext {
                    subscribe_key,
                    target,
                })
            }
            _ => RestRoute::parse(method, segments.as_slice())
                .unwrap_or_else(|| Err(not_found()))
                .map(Route::Rest),
        }
    }

    /// The endpoint, for error shapes and sources.
    pub(crate) fn endpoint(&self) -> Endpoint {
        match self {
            Route::Time => Endpoint::Time,
            Route::Grant { .. } => Endpoint::Grant,
            Route::Revoke { .. } => Endpoint::Revoke,
            Route::Publish { endpoint, .. } => *endpoint,
            Route::Rest(route) => route.endpoint(),
            Route::AppContext { .. } => Endpoint::AppContext,
        }
    }
}

fn not_found() -> Response {
    let mut endpoints = vec![
        "GET /time/0",
        "POST /v3/pam/{sub}/grant",
        "DELETE /v3/pam/{sub}/grant/{token}",
        "GET /publish/{pub}/{sub}/0/{channel}/0/{message}",
        "POST /publish/{pub}/{sub}/0/{channel}/0",
        "GET /signal/{pub}/{sub}/0/{channel}/0/{message}",
    ];
    endpoints.extend(REST_PATHS);
    Response::legacy_with_payload(
        404,
        "Not Found",
        Some(serde_json::json!({
            "endpoints": endpoints,
            "app_context_endpoints": crate::app_context::ENDPOINTS,
        })),
    )
}

fn method_not_allowed(allowed: &str) -> Response {
    method_not_allowed_of(&[allowed])
}

/// `405` listing the methods the path accepts.
pub(crate) fn method_not_allowed_of(allowed: &[&str]) -> Response {
    Response::legacy_with_payload(
        405,
        "Method Not Allowed",
        Some(serde_json::json!({ "allow": allowed })),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_every_endpoint() {
        assert_eq!(Route::parse("GET", "/time/0"), Ok(Route::Time));
        assert_eq!(
            Route::parse("POST", "/v3/pam/s/grant"),
            Ok(Route::Grant { subscribe_key: "s" })
        );
        assert_eq!(
            Route::parse("DELETE", "/v3/pam/s/grant/t%2F1"),
            Ok(Route::Revoke {
                subscribe_key: "s",
                token: "t%2F1"
            })
        );
        assert_eq!(
            Route::parse("GET", "/publish/p/s/0/ch/0/%22a/b%22"),
            Ok(Route::Publish {
                endpoint: Endpoint::Publish,
                publish_key: "p",
                subscribe_key: "s",
                channel: "ch",
                message: Some("%22a/b%22"),
            })
        );
        assert!(matches!(
            Route::parse("POST", "/publish/p/s/0/ch/0"),
            Ok(Route::Publish { message: None, .. })
        ));
        assert!(matches!(
            Route::parse("GET", "/signal/p/s/0/ch/0/1"),
            Ok(Route::Publish {
                endpoint: Endpoint::Signal,
                ..
            })
        ));
    }

    #[test]
    fn refuses_the_rest() {
        assert_eq!(Route::parse("POST", "/time/0").unwrap_err().status, 405);
        assert_eq!(
            Route::parse("GET", "/v3/pam/s/grant").unwrap_err().status,
            405
        );
        assert_eq!(
            Route::parse("GET", "/publish/p/s/0/ch/0")
                .unwrap_err()
                .status,
            405
        );
        assert_eq!(
            Route::parse("POST", "/signal/p/s/0/ch/0")
                .unwrap_err()
                .status,
            404
        );
        assert_eq!(Route::parse("GET", "/nope").unwrap_err().status, 404);
        assert_eq!(Route::parse("GET", "time/0").unwrap_err().status, 404);
        assert_eq!(
            Route::parse("DELETE", "/v3/pam/s/grant/t/extra")
                .unwrap_err()
                .status,
            404
        );
    }
}
