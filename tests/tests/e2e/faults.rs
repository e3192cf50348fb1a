//! The client against a misbehaving server: retries where they help, typed errors where they
//! do not, and always within a bounded time.

use std::time::Duration;

use pam::{Error, Keyset, Operation, PubNub, RetryPolicy, permissions};

use crate::faulty_server::{FaultyServer, Reply};

const GRANTED: &str = r#"{"data":{"message":"Success","token":"token-from-the-faulty-server"},"service":"Access Manager","status":200}"#;
const SENT: &str = r#"[1,"Sent","17000000000000000"]"#;
const UNAVAILABLE: &str = "<html><body>503 Service Unavailable</body></html>";

/// No fault test may take longer than this, whatever the client does.
const UPPER_BOUND: Duration = Duration::from_secs(60);

fn client(server: &FaultyServer, secret: bool, retry: RetryPolicy) -> PubNub {
    PubNub::builder()
        .keyset(Keyset {
            subscribe_key: "sub-c-faults".into(),
            publish_key: Some("pub-c-faults".into()),
            secret_key: secret.then(|| "sec-c-faults".into()),
        })
        .user_id("admin")
        .origin(server.url())
        .request_timeout(Duration::from_secs(5))
        .retry_policy(retry)
        .build()
        .expect("valid client")
}

fn quick() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(20))
}

async fn grant(pubnub: &PubNub) -> Result<pam::GrantTokenResult, Error> {
    let call = pubnub
        .grant_token(10)
        .resources(&[permissions::channel("c").read()])
        .execute();
    tokio::time::timeout(UPPER_BOUND, call)
        .await
        .expect("the grant ends within the upper bound")
}

async fn publish(pubnub: &PubNub) -> Result<pam::Timetoken, Error> {
    let call = pubnub.publish().channel("c").message("hi").execute();
    tokio::time::timeout(UPPER_BOUND, call)
        .await
        .expect("the publish ends within the upper bound")
}

/// A server answering 429 with `Retry-After: retry_after`, then granting.
async fn rate_limited_then_granted(retry_after: &str) -> FaultyServer {
    FaultyServer::start(vec![
        Reply::json(
            429,
            r#"{"message":"Too Many Requests","error":true,"status":429}"#,
        )
        .with_header("Retry-After", retry_after),
        Reply::json(200, GRANTED),
    ])
    .await
}

#[tokio::test]
async fn a_503_is_retried_and_the_retry_succeeds() {
    let server = FaultyServer::start(vec![
        Reply::raw(503, "text/html", UNAVAILABLE),
        Reply::json(200, GRANTED),
    ])
    .await;
    let result = grant(&client(&server, true, quick()))
        .await
        .expect("granted");
    assert_eq!(result.token, "token-from-the-faulty-server");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_429_waits_for_retry_after_then_retries() {
    let server = rate_limited_then_granted("1").await;
    // The backoff alone would wait at most 20 ms; Retry-After asks for 1 s.
    let result = grant(&client(&server, true, quick()))
        .await
        .expect("granted");
    assert_eq!(result.token, "token-from-the-faulty-server");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    // A lower bound only: the timer never wakes early, so this holds on any machine.
    let gap = requests[1].received_at - requests[0].received_at;
    assert!(gap >= Duration::from_millis(990), "retried after {gap:?}");
}

#[tokio::test]
async fn a_retry_after_beyond_the_time_budget_is_not_waited_for() {
    let server = rate_limited_then_granted("120").await;
    let policy = quick().with_max_elapsed(Duration::from_secs(5));
    let error = grant(&client(&server, true, policy)).await.unwrap_err();
    let Error::RateLimited {
        retry_after,
        message,
        attempts,
        ..
    } = &error
    else {
        panic!("expected RateLimited, got {error:?}");
    };
    assert_eq!(*retry_after, Some(Duration::from_secs(120)));
    assert_eq!(message.as_deref(), Some("Too Many Requests"));
    assert_eq!(*attempts, 1);
    assert_eq!(error.status(), Some(429));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_retry_after_above_the_cap_returns_the_429_with_the_wait_asked() {
    // An hour is far above MAX_RETRY_AFTER_SECS, and within the (generous) time budget: the
    // client must neither wait an hour nor fall back to its ~100 ms backoff.
    let server = rate_limited_then_granted("3600").await;
    let policy = quick().with_max_elapsed(Duration::from_secs(7200));
    let error = grant(&client(&server, true, policy)).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::RateLimited { retry_after: Some(wait), attempts: 1, .. }
                if wait == Duration::from_secs(3600)
        ),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("wait 3600 s"), "{text}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_retry_after_given_as_an_http_date_is_waited_for() {
    let in_two_seconds = std::time::SystemTime::now() + Duration::from_secs(2);
    let server = rate_limited_then_granted(&httpdate::fmt_http_date(in_two_seconds)).await;
    let result = grant(&client(&server, true, quick()))
        .await
        .expect("granted");
    assert_eq!(result.token, "token-from-the-faulty-server");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    // The date has whole seconds, so the wait is between 1 and 2 s; the backoff alone would
    // wait at most 20 ms. A lower bound only: the timer never wakes early.
    let gap = requests[1].received_at - requests[0].received_at;
    assert!(gap >= Duration::from_millis(990), "retried after {gap:?}");
}

#[tokio::test]
async fn retries_are_bounded_and_the_last_status_is_reported() {
    let server = FaultyServer::start(vec![Reply::raw(503, "text/html", UNAVAILABLE); 5]).await;
    let error = grant(&client(&server, true, quick().with_max_attempts(3)))
        .await
        .unwrap_err();
    let Error::UnexpectedStatus {
        status,
        attempts,
        excerpt,
        operation,
        ..
    } = &error
    else {
        panic!("expected UnexpectedStatus, got {error:?}");
    };
    assert_eq!((*status, *attempts, *operation), (503, 3, Operation::Grant));
    assert!(excerpt.contains("503 Service Unavailable"), "{excerpt}");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn other_4xx_answers_are_never_retried() {
    let server = FaultyServer::start(vec![
        Reply::json(
            400,
            r#"{"error":{"message":"Invalid ttl","source":"grant","details":[{"message":"Range should be 1 to 43200 minute(s).","location":"ttl","locationType":"body"}]},"service":"Access Manager","status":400}"#,
        ),
        Reply::json(200, GRANTED),
    ])
    .await;
    let error = grant(&client(&server, true, quick())).await.unwrap_err();
    let Error::Api { body, .. } = &error else {
        panic!("expected Api, got {error:?}");
    };
    assert_eq!(body.message, "Invalid ttl");
    assert_eq!(body.details[0].location, "ttl");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_publish_answered_503_is_not_repeated() {
    let server = FaultyServer::start(vec![
        Reply::raw(503, "text/html", UNAVAILABLE),
        Reply::json(200, SENT),
    ])
    .await;
    let error = publish(&client(&server, false, quick())).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::UnexpectedStatus {
                status: 503,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_response_slower_than_the_timeout_is_a_timeout_error() {
    let server = FaultyServer::start(vec![
        Reply::json(200, GRANTED).after(Duration::from_secs(30)),
    ])
    .await;
    let pubnub = PubNub::builder()
        .keyset(Keyset {
            subscribe_key: "sub-c-faults".into(),
            publish_key: Some("pub-c-faults".into()),
            secret_key: Some("sec-c-faults".into()),
        })
        .user_id("admin")
        .origin(server.url())
        .request_timeout(Duration::from_millis(300))
        .retry_policy(quick())
        .build()
        .expect("valid client");
    let error = grant(&pubnub).await.unwrap_err();
    let Error::Timeout {
        limit,
        connecting,
        operation,
        ..
    } = &error
    else {
        panic!("expected Timeout, got {error:?}");
    };
    assert_eq!(*limit, Duration::from_millis(300));
    assert!(!connecting);
    assert_eq!(*operation, Operation::Grant);
    assert!(error.to_string().contains("timed out"), "{error}");
    assert_eq!(server.requests().len(), 1, "timeouts are not retried");
}

#[tokio::test]
async fn a_reset_connection_is_retried_for_grant() {
    let server = FaultyServer::start(vec![Reply::Reset, Reply::json(200, GRANTED)]).await;
    let result = grant(&client(&server, true, quick()))
        .await
        .expect("granted");
    assert_eq!(result.token, "token-from-the-faulty-server");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_reset_connection_is_not_retried_for_publish() {
    let server = FaultyServer::start(vec![Reply::Reset, Reply::json(200, SENT)]).await;
    let error = publish(&client(&server, false, quick())).await.unwrap_err();
    let Error::Connect {
        may_have_been_sent,
        attempts,
        ..
    } = &error
    else {
        panic!("expected Connect, got {error:?}");
    };
    assert!(*may_have_been_sent);
    assert_eq!(*attempts, 1);
    assert_eq!(server.requests().len(), 1, "the publish was not repeated");
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported_even_for_publish() {
    // A port nobody listens on: bind one, then close it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    let pubnub = PubNub::builder()
        .keyset(Keyset {
            subscribe_key: "sub-c-faults".into(),
            publish_key: Some("pub-c-faults".into()),
            secret_key: None,
        })
        .user_id("me")
        .origin(url)
        .retry_policy(quick().with_max_attempts(3))
        .build()
        .expect("valid client");
    let error = publish(&pubnub).await.unwrap_err();
    let Error::Connect {
        may_have_been_sent,
        attempts,
        ..
    } = &error
    else {
        panic!("expected Connect, got {error:?}");
    };
    assert!(!may_have_been_sent);
    assert_eq!(*attempts, 3, "a publish that never left is retried");
    assert!(std::error::Error::source(&error).is_some(), "{error:?}");
    assert!(error.to_string().contains("could not connect"), "{error}");
}

#[tokio::test]
async fn a_non_json_body_is_a_decode_error_with_an_excerpt() {
    let server = FaultyServer::start(vec![Reply::raw(
        200,
        "text/html",
        "<html>captive portal says hello</html>",
    )])
    .await;
    let error = grant(&client(&server, true, quick())).await.unwrap_err();
    let Error::Decode {
        status, excerpt, ..
    } = &error
    else {
        panic!("expected Decode, got {error:?}");
    };
    assert_eq!(*status, 200);
    assert!(excerpt.contains("captive portal"), "{excerpt}");
    assert!(error.to_string().contains("not JSON"), "{error}");
}

#[tokio::test]
async fn a_success_of_the_wrong_shape_is_a_decode_error() {
    let server =
        FaultyServer::start(vec![Reply::json(200, r#"{"data":{"message":"Success"}}"#)]).await;
    let error = grant(&client(&server, true, quick())).await.unwrap_err();
    assert!(
        matches!(error, Error::Decode { status: 200, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("token"), "{error}");
}

#[tokio::test]
async fn the_clock_is_corrected_once_and_no_more() {
    let refused = r#"{"error":{"message":"Invalid timestamp","source":"grant","details":[{"message":"The request timestamp is too far from the server time.","location":"timestamp","locationType":"query"}]},"service":"Access Manager","status":403}"#;
    let server = FaultyServer::start(vec![
        Reply::json(403, refused),
        Reply::json(200, "[17000000000000000]"),
        Reply::json(403, refused),
        Reply::json(200, GRANTED),
    ])
    .await;
    let pubnub = client(&server, true, quick());
    let error = grant(&pubnub).await.unwrap_err();
    assert_eq!(
        error.server_message(),
        Some("Invalid timestamp"),
        "{error:?}"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "grant, time, grant once more, then stop");
    assert_eq!(requests[1].path(), "/time/0");
    // The server said it was 1_700_000_000; the retry was signed with that time (give or
    // take the seconds the test itself took).
    let retried_at: u64 = requests[2]
        .query_param("timestamp")
        .and_then(|t| t.parse().ok())
        .expect("a signed retry");
    assert!(
        (1_700_000_000..1_700_000_060).contains(&retried_at),
        "{retried_at}"
    );
    assert!(pubnub.clock_offset_secs() < 0);
}
