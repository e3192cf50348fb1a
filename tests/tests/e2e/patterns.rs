//! Every pattern a grant accepts works when a request reaches it: ordinary patterns match, and
//! a pattern too large for the token checker is refused at grant time with a 400 saying why,
//! never granted and then silently denied.

use pam::{Error, permissions};

use crate::fixture::Fixture;

/// Grants write on `pattern` and publishes on `channel` with the token.
async fn publish_through_pattern(fixture: &Fixture, pattern: &str, channel: &str) {
    let token = fixture
        .server()
        .grant_token(10)
        .patterns(&[permissions::channel(pattern).write()])
        .execute()
        .await
        .unwrap_or_else(|e| panic!("{pattern:?} is granted: {e}"))
        .token;
    let client = fixture.client("bob");
    client.set_token(&token);
    client
        .publish()
        .channel(channel)
        .message("hi")
        .execute()
        .await
        .unwrap_or_else(|e| panic!("{pattern:?} allows publishing on {channel:?}: {e:?}"));
}

#[tokio::test]
async fn ordinary_and_long_patterns_work_after_they_are_granted() {
    let fixture = Fixture::start().await;
    let a1000 = "a".repeat(1000);
    let x1048 = "x".repeat(1048);
    let cases = [
        (r"^room-\w{2}$", "room-ab"),
        (r"^room-\w{2}$", "room-éß"),
        ("^[a-z0-9-]{1,64}$", "lobby-42"),
        (r"^user-\d{10}$", "user-0123456789"),
        ("[a-z]{1000}", a1000.as_str()),
        (".{1000}", a1000.as_str()),
        (r"\w{20}", "abcdefghijklmnopqrst"),
        // At the size limit: 1,048,144 of 1,048,576 bytes compiled.
        (".{1000}.{48}", x1048.as_str()),
    ];
    for (pattern, channel) in cases {
        publish_through_pattern(&fixture, pattern, channel).await;
    }
}

#[tokio::test]
async fn a_pattern_past_the_size_limit_is_refused_at_grant_time() {
    let fixture = Fixture::start().await;
    // One atom past the limit (1,049,144 bytes compiled), and far past it.
    for pattern in [".{1000}.{49}", r"(?:\w{100}){10}"] {
        // Valid by PubNub's rules, so the client sends it; the server refuses it.
        let refused = fixture
            .server()
            .grant_token(10)
            .patterns(&[permissions::channel(pattern).write()])
            .execute()
            .await
            .expect_err("refused");
        let Error::Api { body, .. } = &refused else {
            panic!("{pattern:?}: expected a 400 from the server, got {refused:?}");
        };
        assert_eq!(body.status, 400, "{pattern:?}");
        assert_eq!(body.message, "Invalid RegExp", "{pattern:?}");
        assert_eq!(
            body.details[0].message,
            "Syntax error: pattern is too complex: its compiled form exceeds the 1048576-byte \
             size limit of the token checker.",
            "{pattern:?}"
        );
        assert_eq!(
            body.details[0].location,
            format!("permissions.patterns.channels.{pattern}")
        );
    }
}
