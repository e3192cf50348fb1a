//! Every kind of error the facade reports, provoked for real against the emulator (transport
//! failures are in `faults`).

use std::collections::BTreeMap;

use pam::{Error, GrantRequest, Keyset, Misuse, Operation, PubNub, permissions};

use crate::fixture::{Fixture, PUB, SEC, SUB, SUB_NO_REVOKE, keyset, now_secs};

#[tokio::test]
async fn invalid_grants_are_refused_locally_with_the_servers_own_body() {
    let fixture = Fixture::start().await;
    let server = fixture.server();
    let cases: Vec<(&str, pam::GrantTokenBuilder)> = vec![
        (
            "ttl too long",
            server
                .grant_token(43_201)
                .resources(&[permissions::channel("c").read()]),
        ),
        (
            "ttl zero",
            server
                .grant_token(0)
                .resources(&[permissions::channel("c").read()]),
        ),
        ("no permissions", server.grant_token(10)),
        (
            "an entry without bits",
            server
                .grant_token(10)
                .resources(&[permissions::user_id("uuid-1")]),
        ),
        (
            "a capturing group in a pattern",
            server
                .grant_token(10)
                .patterns(&[permissions::user_id("(!<[^>]+>)+").get()]),
        ),
    ];
    for (case, builder) in cases {
        let request: GrantRequest = builder.request().clone();
        let local = builder.execute().await.unwrap_err();
        let Error::InvalidRequest {
            body: local_body,
            operation,
            ..
        } = &local
        else {
            panic!("{case}: expected InvalidRequest, got {local:?}");
        };
        assert_eq!(*operation, Operation::Grant);
        assert_eq!(local_body.status, 400, "{case}");
        assert!(!local_body.details.is_empty(), "{case}");
        // Sent anyway, the emulator answers with exactly the same body.
        let remote = server
            .transport()
            .grant_unvalidated(&request)
            .await
            .unwrap_err();
        let Error::Api {
            body: remote_body, ..
        } = &remote
        else {
            panic!("{case}: expected Api, got {remote:?}");
        };
        assert_eq!(local_body, remote_body, "{case}");
        assert_eq!(local.error_body(), remote.error_body(), "{case}");
        assert_eq!(local.service(), remote.service(), "{case}");
    }
}

#[tokio::test]
async fn the_ttl_error_names_its_location() {
    let fixture = Fixture::start().await;
    let error = fixture
        .server()
        .grant_token(43_201)
        .resources(&[permissions::channel("c").read()])
        .execute()
        .await
        .unwrap_err();
    let body = error.error_body().expect("a v3 body");
    assert_eq!(body.message, "Invalid ttl");
    assert_eq!(body.source, "grant");
    assert_eq!(
        body.details[0].message,
        "Range should be 1 to 43200 minute(s)."
    );
    assert_eq!(body.details[0].location, "ttl");
    assert_eq!(body.details[0].location_type, "body");
}

#[tokio::test]
async fn revoking_garbage_is_an_api_error_about_the_token() {
    let fixture = Fixture::start().await;
    let error = fixture
        .server()
        .revoke_token("not-a-token")
        .execute()
        .await
        .unwrap_err();
    let Error::Api {
        body, operation, ..
    } = &error
    else {
        panic!("expected Api, got {error:?}");
    };
    assert_eq!(*operation, Operation::Revoke);
    assert_eq!((body.status, body.message.as_str()), (400, "Invalid token"));
    assert_eq!(body.source, "revoke");
    assert_eq!(error.service(), Some("Access Manager"));
    assert_eq!(body.details[0].location, "token");
    assert_eq!(body.details[0].location_type, "path");
    assert!(!error.to_string().contains("not-a-token"), "{error}");
}

#[tokio::test]
async fn revoking_on_a_keyset_without_revocation_is_feature_disabled() {
    let fixture = Fixture::start().await;
    let server = fixture.client_for(keyset(SUB_NO_REVOKE, Some(SEC)), "admin");
    let token = server
        .grant_token(5)
        .resources(&[permissions::channel("c").read()])
        .execute()
        .await
        .expect("granted");
    let error = server
        .revoke_token(&token.token)
        .execute()
        .await
        .unwrap_err();
    let body = error.error_body().expect("a v3 body");
    assert_eq!(body.message, "Feature disabled");
    assert_eq!(body.details[0].location, "subscribe-key");
}

#[tokio::test]
async fn a_wrong_secret_key_is_an_invalid_signature() {
    let fixture = Fixture::start().await;
    let impostor = fixture
        .builder(Some("sec-c-wrong"), "admin")
        .build()
        .expect("valid");
    let error = impostor
        .grant_token(5)
        .resources(&[permissions::channel("c").read()])
        .execute()
        .await
        .unwrap_err();
    let Error::InvalidSignature {
        body: Some(body), ..
    } = &error
    else {
        panic!("expected InvalidSignature, got {error:?}");
    };
    assert_eq!(body.details[0].location, "signature");
    assert_eq!(error.status(), Some(403));
    assert!(!format!("{error} {error:?}").contains("sec-c-wrong"));
}

#[tokio::test]
async fn an_expired_token_is_refused_as_expired() {
    let fixture = Fixture::start().await;
    let grant = GrantRequest::new(1).resource(permissions::channel("c").write());
    // Issued two hours ago for one minute.
    let token = fixture
        .emulator
        .issue_token(0, &grant, now_secs() - 7_200)
        .expect("issued");
    // The server's own answer: the client's check before sending is off.
    let client = fixture
        .builder(None, "u")
        .check_token_before_sending(false)
        .build()
        .expect("valid client");
    client.set_token(token);
    let error = client
        .publish()
        .channel("c")
        .message("late")
        .execute()
        .await
        .unwrap_err();
    let Error::TokenExpired {
        message, operation, ..
    } = &error
    else {
        panic!("expected TokenExpired, got {error:?}");
    };
    assert_eq!(message, "Token is expired.");
    assert_eq!(*operation, Operation::Publish);
    assert_eq!(error.status(), Some(403));
    assert_eq!(error.service(), Some("Access Manager"));
}

#[tokio::test]
async fn a_token_for_someone_else_is_forbidden() {
    let fixture = Fixture::start().await;
    let token = fixture
        .server()
        .grant_token(5)
        .resources(&[permissions::channel("c").write()])
        .authorized_user_id("alice")
        .execute()
        .await
        .expect("granted")
        .token;
    // The server's own answer: the client's check before sending is off.
    let mallory = fixture
        .builder(None, "mallory")
        .check_token_before_sending(false)
        .build()
        .expect("valid client");
    mallory.set_token(&token);
    let error = mallory
        .publish()
        .channel("c")
        .message(1)
        .execute()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
    assert_eq!(error.server_message(), Some("Forbidden"));
    assert_eq!(error.service(), Some("Access Manager"));
    // The offline check of the token says why.
    let Error::Forbidden {
        denial: Some(denial),
        ..
    } = &error
    else {
        panic!("expected a denial from the token's own check, got {error:?}");
    };
    assert!(denial.reason.contains("alice"), "{denial:?}");
}

#[tokio::test]
async fn unknown_keys_are_service_errors() {
    let fixture = Fixture::start().await;
    let wrong_publish_key = fixture.client_for(
        Keyset {
            subscribe_key: SUB.into(),
            publish_key: Some("pub-c-unknown".into()),
            secret_key: None,
        },
        "u",
    );
    let error = wrong_publish_key
        .publish()
        .channel("c")
        .message(1)
        .execute()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Service { status: 400, message, .. } if message == "Invalid Publish Key"),
        "{error:?}"
    );
    let wrong_subscribe_key = fixture.client_for(
        Keyset {
            subscribe_key: "sub-c-unknown".into(),
            publish_key: Some(PUB.into()),
            secret_key: None,
        },
        "u",
    );
    let error = wrong_subscribe_key
        .publish()
        .channel("c")
        .message(1)
        .execute()
        .await
        .unwrap_err();
    assert_eq!(error.server_message(), Some("Invalid Subscribe Key"));
}

#[tokio::test]
async fn calls_the_client_cannot_make_are_misuse() {
    let fixture = Fixture::start().await;
    let client = fixture.client("u");
    let error = client
        .grant_token(5)
        .resources(&[permissions::channel("c").read()])
        .execute()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Misuse(Misuse::SecretKeyRequired {
                operation: Operation::Grant
            })
        ),
        "{error:?}"
    );
    let error = client.revoke_token("t").execute().await.unwrap_err();
    assert!(
        matches!(error, Error::Misuse(Misuse::SecretKeyRequired { .. })),
        "{error:?}"
    );

    let no_publish_key = fixture.client_for(
        Keyset {
            subscribe_key: SUB.into(),
            ..Keyset::default()
        },
        "u",
    );
    let error = no_publish_key
        .publish()
        .channel("c")
        .message(1)
        .execute()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Misuse(Misuse::PublishKeyRequired { .. })),
        "{error:?}"
    );

    let error = client.publish().message(1).execute().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Misuse(Misuse::MissingArgument {
                argument: "channel",
                ..
            })
        ),
        "{error:?}"
    );
    let error = client.publish().channel("c").execute().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Misuse(Misuse::MissingArgument {
                argument: "message",
                ..
            })
        ),
        "{error:?}"
    );
    // JSON object keys must be strings.
    let unserializable: BTreeMap<Vec<u8>, u8> = BTreeMap::from([(vec![1], 1)]);
    let error = client
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
    let error = fixture
        .server()
        .revoke_token("")
        .execute()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Misuse(Misuse::MissingArgument {
                argument: "token",
                ..
            })
        ),
        "{error:?}"
    );
}

#[test]
fn builder_mistakes_are_misuse_with_a_clear_message() {
    let valid = || Keyset {
        subscribe_key: SUB.into(),
        publish_key: Some(PUB.into()),
        secret_key: Some(SEC.into()),
    };
    let cases: Vec<(pam::PubNubBuilder, &str)> = vec![
        (PubNub::builder().user_id("u"), "`.keyset(…)`"),
        (PubNub::builder().keyset(valid()), "`.user_id(…)`"),
        (
            PubNub::builder().keyset(valid()).user_id("  "),
            "user id is empty",
        ),
        (
            PubNub::builder()
                .keyset(Keyset {
                    publish_key: None,
                    ..valid()
                })
                .user_id("u"),
            "secret key but no publish key",
        ),
        (
            PubNub::builder()
                .keyset(Keyset {
                    subscribe_key: String::new(),
                    ..valid()
                })
                .user_id("u"),
            "empty subscribe key",
        ),
        (
            PubNub::builder()
                .keyset(valid())
                .user_id("u")
                .origin("ps.pndsn.com"),
            "invalid origin",
        ),
        (
            PubNub::builder()
                .keyset(valid())
                .user_id("u")
                .origin("ftp://h"),
            "only http and https",
        ),
    ];
    for (builder, says) in cases {
        let error = builder.build().unwrap_err();
        assert!(error.is_misuse(), "{error:?}");
        let message = error.to_string();
        assert!(message.contains(says), "expected {says:?} in {message:?}");
        assert!(!message.contains(SEC), "{message}");
    }
    let debug = format!("{:?}", PubNub::builder().keyset(valid()));
    assert!(!debug.contains(SEC), "{debug}");
}
