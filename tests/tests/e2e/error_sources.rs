//! One error type at the facade: a token error converts into `pam::Error` with `?`, and every
//! failure caused by something else keeps that cause as `source()`, typed, instead of a string.

use std::collections::BTreeMap;
use std::time::Duration;

use pam::{Error, Keyset, Misuse, PubNub, RetryPolicy, TokenError, permissions};

use crate::faulty_server::{FaultyServer, Reply};

/// What user code looks like: one error type, `?` on every call.
fn authorized_user_of(token: &str) -> Result<Option<String>, Error> {
    let token = pam::parse_token(token)?;
    Ok(token.authorized_user_id().map(str::to_owned))
}

/// The keyset of these tests, with `secret_key` when given.
fn keyset(secret_key: Option<&str>) -> Keyset {
    Keyset {
        subscribe_key: "sub-c-sources".into(),
        publish_key: Some("pub-c-sources".into()),
        secret_key: secret_key.map(Into::into),
    }
}

/// The causes of `error`, outermost first.
fn causes(error: &dyn std::error::Error) -> Vec<&(dyn std::error::Error + 'static)> {
    let mut out = Vec::new();
    let mut next = error.source();
    while let Some(cause) = next {
        out.push(cause);
        next = cause.source();
    }
    out
}

#[test]
fn the_facade_error_crosses_threads_and_boxes_into_std_errors() {
    fn boxed<E: std::error::Error + Send + Sync + 'static>(
        error: E,
    ) -> Box<dyn std::error::Error + Send + Sync> {
        Box::new(error)
    }
    let error = boxed(authorized_user_of("?").unwrap_err());
    assert!(error.downcast_ref::<Error>().is_some());
}

#[test]
fn a_token_error_converts_into_the_facade_error_with_question_mark() {
    let error = authorized_user_of("not a token!").unwrap_err();
    let Error::Token(cause) = &error else {
        panic!("expected Error::Token, got {error:?}");
    };
    assert!(
        matches!(cause, TokenError::InvalidBase64 { .. }),
        "{cause:?}"
    );
    // The facade error says what the token error says, and never repeats the input.
    assert_eq!(error.to_string(), cause.to_string());
    assert!(!error.to_string().contains("not a token!"), "{error}");
    assert_eq!(error.status(), None);
}

#[tokio::test]
async fn a_refused_connection_keeps_the_io_error_as_its_source() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    let pubnub = PubNub::builder()
        .keyset(keyset(None))
        .user_id("me")
        .origin(url)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("valid client");
    let error = pubnub
        .publish()
        .channel("c")
        .message("hi")
        .execute()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    let chain = causes(&error);
    let io = chain
        .iter()
        .find_map(|cause| cause.downcast_ref::<std::io::Error>())
        .unwrap_or_else(|| panic!("no io::Error among the causes {chain:?}"));
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
    // Display says what failed; the causes are told once, by source(), not repeated.
    let shown = error.to_string();
    assert!(shown.contains("could not connect"), "{shown}");
    assert!(!shown.contains(&io.to_string()), "{shown}");
}

#[tokio::test]
async fn a_body_that_is_not_json_keeps_the_parser_error_as_its_source() {
    let server =
        FaultyServer::start(vec![Reply::raw(200, "text/html", "<html>portal</html>")]).await;
    let pubnub = PubNub::builder()
        .keyset(keyset(Some("sec-c-sources")))
        .user_id("admin")
        .origin(server.url())
        .request_timeout(Duration::from_secs(5))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("valid client");
    let error = pubnub
        .grant_token(10)
        .resources(&[permissions::channel("c").read()])
        .execute()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    let chain = causes(&error);
    assert!(
        chain
            .iter()
            .any(|cause| cause.downcast_ref::<serde_json::Error>().is_some()),
        "no serde_json::Error among the causes {chain:?}"
    );
}

#[tokio::test]
async fn a_message_that_does_not_serialize_keeps_the_serializer_error() {
    let pubnub = PubNub::builder()
        .keyset(keyset(None))
        .user_id("me")
        .origin("http://127.0.0.1:9")
        .build()
        .expect("valid client");
    // JSON object keys must be strings.
    let unserializable: BTreeMap<Vec<u8>, u8> = BTreeMap::from([(vec![1], 1)]);
    let error = pubnub
        .publish()
        .channel("c")
        .message(unserializable)
        .execute()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Misuse(Misuse::MessageNotSerializable { .. })),
        "{error:?}"
    );
    let chain = causes(&error);
    assert!(
        chain
            .iter()
            .any(|cause| cause.downcast_ref::<serde_json::Error>().is_some()),
        "no serde_json::Error among the causes {chain:?}"
    );
}
