//! `Debug` (plain and pretty) and `Display` of every public type that holds a secret key, a
//! token or a signature, across the crates: none of them shows it.
//!
//! Each crate tests its own types; this sweep keeps them all in one list, so a type added
//! later with a derived `Debug` over a secret shows up here.

use pam::{Keyset, PubNub, permissions};
use pam_emulator::{AccessManager, Emulator, EmulatorConfig};
use pam_model::GrantRequest;
use pam_sign::{Request, SigningKey};

use super::leak_check::Secrets;
use super::signed_call::{PUB, SECRET, SUB};

fn token() -> String {
    let grant = GrantRequest::new(60)
        .resource(permissions::channel("room").read().write())
        .authorized_user_id("alice");
    pam_token::issue(&grant, 1_700_000_000, SECRET.as_bytes())
}

fn keyset(secret: Option<&str>) -> Keyset {
    Keyset {
        subscribe_key: SUB.into(),
        publish_key: Some(PUB.into()),
        secret_key: secret.map(Into::into),
    }
}

fn pubnub(secret: Option<&str>) -> PubNub {
    PubNub::builder()
        .keyset(keyset(secret))
        .user_id("alice")
        .origin("http://127.0.0.1:9")
        .build()
        .expect("valid client")
}

#[test]
fn signing_types_hide_the_secret_and_the_signature() {
    let token = token();
    let key = SigningKey::new(PUB, SECRET);
    let query = [("uuid", "alice"), ("auth", token.as_str())];
    let request = Request {
        method: "GET",
        path: "/time/0",
        query: &query,
        body: b"",
    };
    let signed = key.sign(&request, 1_700_000_000);
    let secrets = Secrets::new()
        .secret_key(SECRET)
        .token(&token)
        .signature(&signed.signature);
    secrets.assert_debug_clean("pam_sign::SigningKey", &key);
    secrets.assert_debug_clean("pam_sign::Signed", &signed);
    let [(ts_key, ts), (sig_key, sig)] = signed.query_pairs();
    let sent = [
        ("uuid", "alice"),
        ("auth", token.as_str()),
        (ts_key, ts.as_str()),
        (sig_key, sig.as_str()),
    ];
    secrets.assert_debug_clean(
        "pam_sign::Request",
        &Request {
            query: &sent,
            ..request
        },
    );
}

#[test]
fn token_types_do_not_show_the_token_string() {
    let token = token();
    let secrets = Secrets::new().secret_key(SECRET).token(&token);
    let parsed = pam_token::parse(&token).expect("parses");
    secrets.assert_debug_clean("pam_token::Token", &parsed);
    secrets.assert_absent("Token::to_json", &parsed.to_json().to_string());
    let builder = pam_token::TokenBuilder::new(1_700_000_000, 60);
    secrets.assert_debug_clean("pam_token::TokenBuilder", &builder);
}

#[test]
fn client_types_hide_the_secret_key_and_the_token() {
    let token = token();
    let secrets = Secrets::new().secret_key(SECRET).token(&token);
    secrets.assert_debug_clean("pam_http::Keyset", &keyset(Some(SECRET)));
    secrets.assert_debug_clean(
        "pam_http::ClientConfig",
        &pam::transport::ClientConfig::new(keyset(Some(SECRET)), "admin"),
    );
    let server = pubnub(Some(SECRET));
    let client = pubnub(None);
    client.set_token(&token);
    server.set_token(&token);
    for (what, pubnub) in [("server", &server), ("client", &client)] {
        secrets.assert_debug_clean(&format!("pam::PubNub ({what})"), pubnub);
        secrets.assert_debug_clean(&format!("pam_http::Client ({what})"), pubnub.transport());
        secrets.assert_debug_clean(
            "pam::PublishBuilder",
            &pubnub.publish().channel("room").message("m"),
        );
        secrets.assert_debug_clean(
            "pam::RevokeTokenBuilder",
            &pubnub.revoke_token(token.clone()),
        );
        secrets.assert_debug_clean(
            "pam::GrantTokenBuilder",
            &pubnub
                .grant_token(5)
                .resources(&[permissions::channel("room").read()]),
        );
    }
    secrets.assert_debug_clean(
        "pam::PubNubBuilder",
        &PubNub::builder()
            .keyset(keyset(Some(SECRET)))
            .user_id("admin"),
    );
    secrets.assert_debug_clean(
        "pam::GrantTokenResult",
        &pam::GrantTokenResult {
            token: token.clone(),
        },
    );
    let url = format!(
        "http://127.0.0.1:9/v3/pam/{SUB}/grant/{}?uuid=admin&timestamp=1&signature=v2.{}&auth={token}",
        pam_sign::encode_path_segment(&token),
        "A".repeat(43)
    );
    let secrets = secrets.signature(&format!("v2.{}", "A".repeat(43)));
    secrets.assert_shown_clean(
        "pam_http::RedactedUrl",
        &pam::RedactedUrl::from_url_text(&url),
    );
}

#[tokio::test]
async fn emulator_types_hide_the_secret_key_and_tokens() {
    let token = token();
    let secrets = Secrets::new().secret_key(SECRET).token(&token);
    let keyset = pam_emulator::Keyset::new(SUB, PUB, SECRET);
    secrets.assert_debug_clean("pam_emulator::Keyset", &keyset);
    let config =
        EmulatorConfig::new(vec![keyset]).with_listen("127.0.0.1:0".parse().expect("address"));
    secrets.assert_debug_clean("pam_emulator::EmulatorConfig", &config);
    let manager = AccessManager::new(&config).expect("valid configuration");
    secrets.assert_debug_clean("pam_emulator::AccessManager", &manager);
    let emulator = Emulator::start(config).await.expect("starts");
    secrets.assert_debug_clean("pam_emulator::Emulator", &emulator);
    emulator.shutdown().await.expect("stops");
    let query = format!("uuid=admin&auth={token}&signature=v2.{}", "B".repeat(43));
    let path = format!(
        "/v3/pam/{SUB}/grant/{}",
        pam_sign::encode_path_segment(&token)
    );
    let request = pam_emulator::Request {
        method: "DELETE",
        path: &path,
        query: &query,
        headers: &[("Authorization", "none")],
        body: b"",
    };
    let secrets = secrets.signature(&format!("v2.{}", "B".repeat(43)));
    secrets.assert_debug_clean("pam_emulator::Request", &request);
    secrets.assert_absent("redact_target", &pam_emulator::redact_target(&path, &query));
}
