//! The messages (`Display`) and `Debug` of every error a secret key, a token or a signature
//! can reach: malformed tokens, failed signature checks, bad configurations, and every way a
//! client call can fail (refusals, revoked tokens, a server answering HTML or junk, no server
//! at all), with requests that carry the token and a signature in their URL.

use pam::{Error, Keyset, PubNub, RetryPolicy, permissions};
use pam_model::GrantRequest;
use pam_sign::{Request, SigningKey};

use super::leak_check::Secrets;
use super::one_answer_server::OneAnswerServer;
use super::signed_call::{PUB, SECRET, SUB, manager, signed_in_order};

fn token() -> String {
    let grant = GrantRequest::new(60).resource(permissions::channel("room").read().write());
    pam_token::issue(&grant, 1_700_000_000, SECRET.as_bytes())
}

#[test]
fn token_errors_never_repeat_the_token() {
    let token = token();
    let secrets = Secrets::new().secret_key(SECRET).token(&token);
    let unpadded = token.trim_end_matches('=');
    let mut broken: Vec<String> = vec![
        format!("{unpadded}!"),
        format!("{unpadded}AAAA"),
        format!("{token}{token}"),
        token.replace('-', "+").replace('_', "*"),
        format!("{} {}", &token[..10], &token[10..]),
        token.repeat(pam_token::MAX_TOKEN_LEN / token.len() + 1),
    ];
    for at in (0..unpadded.len()).step_by(7) {
        let mut chars: Vec<char> = unpadded.chars().collect();
        chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
        broken.push(chars.into_iter().collect());
    }
    let mut failures = 0;
    for text in &broken {
        if let Err(error) = pam_token::parse(text) {
            secrets.assert_shown_clean("pam_token::Error from parse", &error);
            failures += 1;
        }
        match pam_token::verify(text, SECRET.as_bytes()) {
            Err(error) => secrets.assert_shown_clean("pam_token::Error from verify", &error),
            Ok(_) => panic!("an altered token verified"),
        }
    }
    assert!(failures > 0, "some alterations do not even parse");
}

#[test]
fn signature_errors_never_repeat_the_signature_or_the_secret() {
    let token = token();
    let key = SigningKey::new(PUB, SECRET);
    let query = [("uuid", "alice"), ("auth", token.as_str())];
    let request = Request {
        method: "POST",
        path: "/v3/pam/sub/grant",
        query: &query,
        body: b"{}",
    };
    let signed = key.sign(&request, 1_700_000_000);
    let secrets = Secrets::new()
        .secret_key(SECRET)
        .token(&token)
        .signature(&signed.signature);
    let timestamp = signed.timestamp.to_string();
    let tampered = format!("{}x", signed.signature);
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![
            ("auth", &token),
            ("timestamp", &timestamp),
            ("signature", &signed.signature),
        ],
        vec![
            ("auth", &token),
            ("timestamp", &timestamp),
            ("signature", &tampered),
        ],
        vec![
            ("auth", &token),
            ("signature", &signed.signature),
            ("signature", &signed.signature),
        ],
        vec![
            ("auth", &token),
            ("timestamp", &signed.signature),
            ("signature", &signed.signature),
        ],
        vec![("auth", &token)],
    ];
    for query in &cases {
        let received = Request { query, ..request };
        for key in [&key, &SigningKey::new(PUB, "another secret")] {
            if let Err(error) = key.verify_fresh(&received, 1_900_000_000, 60) {
                secrets.assert_shown_clean("pam_sign::Error", &error);
            }
        }
    }
}

#[test]
fn configuration_errors_never_show_the_secret_key() {
    let long = format!("{SECRET}{}", "x".repeat(300));
    let secrets = Secrets::new().secret_key(SECRET);
    for secret in [
        format!("{SECRET} with space"),
        format!("{SECRET}/slash"),
        long,
    ] {
        let keyset = pam_emulator::Keyset::new(SUB, PUB, secret.as_str());
        let error = keyset.validate(0).expect_err("an invalid secret key");
        secrets.assert_shown_clean("pam_emulator::Error", &error);
        let config = format!(
            "[[keysets]]\nsubscribe_key = \"{SUB}\"\npublish_key = \"{PUB}\"\nsecret_key = \"{secret}\"\n"
        );
        let error = pam_emulator::EmulatorConfig::from_toml_str(&config).and_then(|c| c.validate());
        secrets.assert_shown_clean("pam_emulator::Error", &error.expect_err("refused"));
    }
    for broken in [
        format!("[[keysets]]\nsecret_key = \"{SECRET}\" oops\n"),
        format!("[[keysets]]\nsecret_key = \"{SECRET}\nsubscribe_key = 1\n"),
        format!("[[keysets]]\nsecret_key = {SECRET}\n"),
        format!("[[keysets]]\nsecret_key = \"{SECRET}\\q\"\n"),
        format!("[[keysets]]\nsecret_key = {{ value = \"{SECRET}\" }}\n"),
    ] {
        let error = pam_emulator::EmulatorConfig::from_toml_str(&broken).expect_err("not valid");
        secrets.assert_shown_clean("pam_emulator::Error (TOML)", &error);
    }
    let keyset = Keyset {
        subscribe_key: SUB.into(),
        publish_key: None,
        secret_key: Some(SECRET.into()),
    };
    let error = PubNub::builder()
        .keyset(keyset)
        .user_id("admin")
        .build()
        .expect_err("no publish key");
    secrets.assert_shown_clean("pam::Error (misuse)", &error);
}

#[test]
fn emulator_answers_never_hold_the_secret_or_the_token_sent() {
    let manager = manager();
    let token = token();
    let secrets = Secrets::new().secret_key(SECRET).token(&token);
    let path = format!(
        "/v3/pam/{SUB}/grant/{}",
        pam_sign::encode_path_segment(&token)
    );
    for (method, path, pairs) in [
        ("DELETE", path.clone(), vec![]),
        ("GET", path.clone(), vec![]),
        ("DELETE", format!("{path}/extra"), vec![]),
        (
            "POST",
            format!("/v3/pam/{SUB}/grant"),
            vec![("auth".to_owned(), token.clone())],
        ),
    ] {
        let response = signed_in_order(&manager, method, &path, &pairs, b"{\"ttl\":0}", |q| {
            if let Some(signature) = q.iter_mut().find(|(k, _)| k == "signature") {
                signature.1.push('x');
            }
        });
        secrets.assert_absent(
            &format!("answer {} to {method} {path}", response.status),
            &response.body,
        );
    }
}

/// A client of keyset [`SUB`] at `origin`, with the token set, signing with [`SECRET`].
fn signing_client(origin: &str, token: &str) -> PubNub {
    let pubnub = PubNub::builder()
        .keyset(Keyset {
            subscribe_key: SUB.into(),
            publish_key: Some(PUB.into()),
            secret_key: Some(SECRET.into()),
        })
        .user_id("admin")
        .origin(origin)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("valid client");
    pubnub.set_token(token);
    pubnub
}

/// Every call of the client, each of which fails at `origin`.
async fn failures_at(origin: &str, token: &str) -> Vec<Error> {
    let pubnub = signing_client(origin, token);
    vec![
        pubnub
            .grant_token(5)
            .resources(&[permissions::channel("room").read()])
            .execute()
            .await
            .expect_err("grant fails"),
        pubnub
            .revoke_token(token)
            .execute()
            .await
            .expect_err("revoke fails"),
        pubnub
            .publish()
            .channel("room")
            .message("m")
            .execute()
            .await
            .expect_err("publish fails"),
    ]
}

#[tokio::test]
async fn client_errors_never_show_the_secret_the_token_or_the_signature() {
    let token = token();
    let secrets = Secrets::new().secret_key(SECRET).token(&token);
    let mut errors = Vec::new();
    for (status, body) in [
        (500, "<html>oops</html>"),
        (200, "not json at all"),
        (
            403,
            "{\"status\":403,\"error\":true,\"message\":\"Forbidden\"}",
        ),
        (
            400,
            "{\"error\":{\"message\":\"Invalid token\",\"source\":\"revoke\",\"details\":[]},\"service\":\"Access Manager\",\"status\":400}",
        ),
    ] {
        let server = OneAnswerServer::start(status, body);
        errors.extend(failures_at(&server.url(), &token).await);
    }
    // No server at all: a port that was just free.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let origin = format!("http://{}", closed.local_addr().expect("address"));
    drop(closed);
    errors.extend(failures_at(&origin, &token).await);
    // Refused before sending: an invalid grant, a revoke of an empty token.
    let pubnub = signing_client(&origin, &token);
    errors.push(
        pubnub
            .grant_token(0)
            .execute()
            .await
            .expect_err("ttl 0 is invalid"),
    );
    errors.push(
        pubnub
            .revoke_token("")
            .execute()
            .await
            .expect_err("no token"),
    );
    assert!(errors.len() >= 17);
    for error in &errors {
        secrets.assert_shown_clean("pam::Error", error);
        assert!(
            super::leak_check::signatures_in(&format!("{error} {error:?}")).is_empty(),
            "a signature in {error:?}"
        );
    }
}
