//! The paths of the token-governed REST surface beyond publish: subscribe, history,
//! presence and channel groups, with PubNub's own paths. Segments stay percent-encoded.

use crate::Response;
use crate::routes::Endpoint;

/// A recognised subscribe, history, presence or channel-group path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RestRoute<'p> {
    /// `GET /v2/subscribe/{sub}/{channels}/0`
    Subscribe {
        subscribe_key: &'p str,
        channels: &'p str,
    },
    /// `GET /v3/history/sub-key/{sub}/channel/{channels}`
    FetchMessages {
        subscribe_key: &'p str,
        channels: &'p str,
    },
    /// `DELETE /v3/history/sub-key/{sub}/channel/{channel}`
    DeleteMessages {
        subscribe_key: &'p str,
        channel: &'p str,
    },
    /// `GET /v3/history/sub-key/{sub}/message-counts/{channels}`
    MessageCounts {
        subscribe_key: &'p str,
        channels: &'p str,
    },
    /// `GET /v2/presence/sub-key/{sub}/channel/{channels}`
    HereNow {
        subscribe_key: &'p str,
        channels: &'p str,
    },
    /// `GET /v2/presence/sub-key/{sub}/channel/{channels}/heartbeat`
    Heartbeat {
        subscribe_key: &'p str,
        channels: &'p str,
    },
    /// `GET /v2/presence/sub-key/{sub}/channel/{channels}/leave`
    Leave {
        subscribe_key: &'p str,
        channels: &'p str,
    },
    /// `GET /v1/channel-registration/sub-key/{sub}/channel-group/{group}` with `add=…`,
    /// `remove=…` or neither (list).
    ChannelGroup {
        subscribe_key: &'p str,
        group: &'p str,
    },
    /// `GET /v1/channel-registration/sub-key/{sub}/channel-group/{group}/remove`
    DeleteGroup {
        subscribe_key: &'p str,
        group: &'p str,
    },
}

/// The paths listed in a `404`.
pub(crate) const REST_PATHS: [&str; 9] = [
    "GET /v2/subscribe/{sub}/{channels}/0",
    "GET /v3/history/sub-key/{sub}/channel/{channels}",
    "DELETE /v3/history/sub-key/{sub}/channel/{channel}",
    "GET /v3/history/sub-key/{sub}/message-counts/{channels}",
    "GET /v2/presence/sub-key/{sub}/channel/{channels}",
    "GET /v2/presence/sub-key/{sub}/channel/{channels}/heartbeat",
    "GET /v2/presence/sub-key/{sub}/channel/{channels}/leave",
    "GET /v1/channel-registration/sub-key/{sub}/channel-group/{group}",
    "GET /v1/channel-registration/sub-key/{sub}/channel-group/{group}/remove",
];

impl<'p> RestRoute<'p> {
    /// Recognises `segments` (the path split on `/`); `None` when they name none of these
    /// endpoints, `Some(Err)` with the `405` for a known path with another method.
    pub(crate) fn parse(
        method: &str,
        segments: &[&'p str],
    ) -> Option<Result<RestRoute<'p>, Response>> {
        let route = match *segments {
            ["v2", "subscribe", subscribe_key, channels, "0"] => RestRoute::Subscribe {
                subscribe_key,
                channels,
            },
            [
                "v3",
                "history",
                "sub-key",
                subscribe_key,
                "channel",
                channels,
            ] => {
                return Some(match method {
                    "GET" => Ok(RestRoute::FetchMessages {
                        subscribe_key,
                        channels,
                    }),
                    "DELETE" => Ok(RestRoute::DeleteMessages {
                        subscribe_key,
                        channel: channels,
                    }),
                    _ => Err(crate::routes::method_not_allowed_of(&["GET", "DELETE"])),
                });
            }
            [
                "v3",
                "history",
                "sub-key",
                subscribe_key,
                "message-counts",
                channels,
            ] => RestRoute::MessageCounts {
                subscribe_key,
                channels,
            },
            [
                "v2",
                "presence",
                "sub-key",
                subscribe_key,
                "channel",
                channels,
            ] => RestRoute::HereNow {
                subscribe_key,
                channels,
            },
            [
                "v2",
                "presence",
                "sub-key",
                subscribe_key,
                "channel",
                channels,
                "heartbeat",
            ] => RestRoute::Heartbeat {
                subscribe_key,
                channels,
            },
            [
                "v2",
                "presence",
                "sub-key",
                subscribe_key,
                "channel",
                channels,
                "leave",
            ] => RestRoute::Leave {
                subscribe_key,
                channels,
            },
            [
                "v1",
                "channel-registration",
                "sub-key",
                subscribe_key,
                "channel-group",
                group,
            ] => RestRoute::ChannelGroup {
                subscribe_key,
                group,
            },
            [
                "v1",
                "channel-registration",
                "sub-key",
                subscribe_key,
                "channel-group",
                group,
                "remove",
            ] => RestRoute::DeleteGroup {
                subscribe_key,
                group,
            },
            _ => return None,
        };
        Some(if method == "GET" {
            Ok(route)
        } else {
            Err(crate::routes::method_not_allowed_of(&["GET"]))
        })
    }

    /// The endpoint, for error shapes and sources.
    pub(crate) fn endpoint(&self) -> Endpoint {
        match self {
            RestRoute::Subscribe { .. } => Endpoint::Subscribe,
            RestRoute::FetchMessages { .. } | RestRoute::MessageCounts { .. } => Endpoint::History,
            RestRoute::DeleteMessages { .. } => Endpoint::DeleteMessages,
            RestRoute::HereNow { .. } | RestRoute::Heartbeat { .. } | RestRoute::Leave { .. } => {
                Endpoint::Presence
            }
            RestRoute::ChannelGroup { .. } | RestRoute::DeleteGroup { .. } => {
                Endpoint::ChannelGroups
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::Route;

    fn rest(method: &str, path: &'static str) -> RestRoute<'static> {
        match Route::parse(method, path) {
            Ok(Route::Rest(route)) => route,
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    #[test]
    fn recognises_every_rest_endpoint() {
        assert_eq!(
            rest("GET", "/v2/subscribe/s/a,b%2Cc/0"),
            RestRoute::Subscribe {
                subscribe_key: "s",
                channels: "a,b%2Cc"
            }
        );
        assert!(matches!(
            rest("GET", "/v3/history/sub-key/s/channel/a"),
            RestRoute::FetchMessages { .. }
        ));
        assert!(matches!(
            rest("DELETE", "/v3/history/sub-key/s/channel/a"),
            RestRoute::DeleteMessages { channel: "a", .. }
        ));
        assert!(matches!(
            rest("GET", "/v3/history/sub-key/s/message-counts/a,b"),
            RestRoute::MessageCounts { .. }
        ));
        assert!(matches!(
            rest("GET", "/v2/presence/sub-key/s/channel/a"),
            RestRoute::HereNow { .. }
        ));
        assert!(matches!(
            rest("GET", "/v2/presence/sub-key/s/channel/,/heartbeat"),
            RestRoute::Heartbeat { channels: ",", .. }
        ));
        assert!(matches!(
            rest("GET", "/v2/presence/sub-key/s/channel/a/leave"),
            RestRoute::Leave { .. }
        ));
        assert!(matches!(
            rest("GET", "/v1/channel-registration/sub-key/s/channel-group/g"),
            RestRoute::ChannelGroup { group: "g", .. }
        ));
        assert!(matches!(
            rest(
                "GET",
                "/v1/channel-registration/sub-key/s/channel-group/g/remove"
            ),
            RestRoute::DeleteGroup { group: "g", .. }
        ));
    }

    #[test]
    fn refuses_other_methods_and_paths() {
        let status = |method: &str, path: &str| Route::parse(method, path).unwrap_err().status;
        assert_eq!(status("POST", "/v2/subscribe/s/a/0"), 405);
        assert_eq!(status("PUT", "/v3/history/sub-key/s/channel/a"), 405);
        assert_eq!(
            status("DELETE", "/v2/presence/sub-key/s/channel/a/leave"),
            405
        );
        assert_eq!(status("GET", "/v2/subscribe/s/a/1"), 404);
        assert_eq!(status("GET", "/v2/presence/sub-key/s/channel/a/other"), 404);
        assert_eq!(
            status(
                "GET",
                "/v1/channel-registration/sub-key/s/channel-group/g/remove/x"
            ),
            404
        );
    }
}
