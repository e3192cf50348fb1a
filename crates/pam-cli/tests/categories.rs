//! Categories through the `pam` binary: `--category` on `token issue` and `grant` (against a
//! real `pam serve`), the JSON contract's `categories`, the summary, and
//! `token check --operation get-all-channel-metadata`.

mod support;

use std::process::{Command, Output};

use serde_json::{Value, json};
use support::ServeProcess;

const SUB: &str = "sub-c-local-demo";
const PUB: &str = "pub-c-local-demo";
const SEC: &str = "sec-c-local-demo";

/// The categories-only token of `pubnub` 0.9's unit tests (4-byte `sig`).
const PUBNUB_0_9_CATEGORIES_ONLY: &str =
    "qGF2AmF0GmFLd-NjdHRsGQWgY3Jlc6BjcGF0oGRtZXRhoGNjYXSiZGNoYW4YIGR1dWlkGCBjc2lnRAECAwQ=";

fn pam(args: &[&str], origin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pam"));
    command
        .args(args)
        .env_remove("PUBNUB_SUBSCRIBE_KEY")
        .env_remove("PUBNUB_PUBLISH_KEY")
        .env_remove("PUBNUB_SECRET_KEY")
        .env_remove("PUBNUB_USER_ID")
        .env_remove("PUBNUB_TOKEN")
        .env_remove("PUBNUB_ORIGIN");
    if let Some(origin) = origin {
        command.env("PUBNUB_ORIGIN", origin);
    }
    command.output().expect("run the pam binary")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn parse_json(token: &str) -> Value {
    let out = pam(&["token", "parse", token, "--json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn get_only() -> Value {
    json!({"bitmask": 32, "read": false, "write": false, "manage": false, "delete": false,
        "create": false, "get": true, "update": false, "join": false})
}

#[test]
fn grant_with_categories_against_pam_serve_round_trips() {
    let server = ServeProcess::start::<&str>(&[]);
    let keys = [
        "--subscribe-key",
        SUB,
        "--publish-key",
        PUB,
        "--secret-key",
        SEC,
    ];
    let grant = |flags: &[&str]| {
        let mut args = vec!["grant", "--ttl", "10"];
        args.extend_from_slice(flags);
        args.extend_from_slice(&keys);
        let out = pam(&args, Some(&server.url));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{flags:?}: {}",
            text(&out.stderr)
        );
        text(&out.stdout).trim().to_owned()
    };

    let only = parse_json(&grant(&["--category", "channels=get"]));
    assert_eq!(only["categories"], json!({"channels": get_only()}));

    let all = parse_json(&grant(&[
        "--channel",
        "chat=read",
        "--uuid-pattern",
        "^u-.*$=get",
        "--category",
        "uuids=get",
        "--category",
        "channels=get",
    ]));
    assert_eq!(
        all["categories"],
        json!({"channels": get_only(), "uuids": get_only()})
    );
    assert_eq!(all["resources"]["channels"]["chat"]["bitmask"], 1);
    assert_eq!(all["patterns"]["uuids"]["^u-.*$"]["bitmask"], 32);

    let none = parse_json(&grant(&["--channel", "chat=read"]));
    assert_eq!(none["categories"], json!({}));

    // Refused before anything is sent: one line, exit 2.
    for (flag, says) in [
        ("channels=update", "can only be granted get"),
        ("groups=get", "unknown category `groups`"),
        ("channels", "expected NAME=get"),
    ] {
        let mut args = vec!["grant", "--ttl", "10", "--category", flag];
        args.extend_from_slice(&keys);
        let out = pam(&args, Some(&server.url));
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(says), "{flag}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
}

#[test]
fn issue_parse_and_check_listings_offline() {
    let issue = |flags: &[&str]| {
        let mut args = vec![
            "token",
            "issue",
            "--secret-key",
            SEC,
            "--ttl",
            "60",
            "--timestamp",
            "1700000000",
        ];
        args.extend_from_slice(flags);
        let out = pam(&args, None);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout).trim().to_owned()
    };
    let lister = issue(&["--category", "channels=get"]);
    assert_eq!(
        parse_json(&lister)["categories"],
        json!({"channels": get_only()})
    );
    let summary = pam(&["token", "parse", &lister, "--now", "1700000000"], None);
    assert!(
        text(&summary.stdout).contains("categories   channels get (32)"),
        "{}",
        text(&summary.stdout)
    );

    let check = |token: &str, operation: &str| {
        pam(
            &[
                "token",
                "check",
                token,
                "--operation",
                operation,
                "--now",
                "1700000100",
                "--json",
            ],
            None,
        )
    };
    let allowed = check(&lister, "get-all-channel-metadata");
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed.stderr));
    let decision: Value = serde_json::from_slice(&allowed.stdout).expect("JSON");
    assert_eq!(decision["allowed"], true);
    assert_eq!(decision["category"], "channels");

    let denied = check(&lister, "get-all-user-metadata");
    assert_eq!(denied.status.code(), Some(1));
    let decision: Value = serde_json::from_slice(&denied.stdout).expect("JSON");
    assert_eq!(decision["allowed"], false);
    let reason = decision["reason"].as_str().unwrap();
    assert!(reason.contains("uuids category"), "{reason}");

    // Channel get on every channel is not a listing.
    let resources = issue(&["--channel-pattern", ".*=get"]);
    assert_eq!(
        check(&resources, "get-all-channel-metadata").status.code(),
        Some(1)
    );

    // A listing names no resource.
    let out = pam(
        &[
            "token",
            "check",
            &lister,
            "--operation",
            "get-all-channel-metadata",
            "--channel",
            "c",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // An operation on named resources still needs one.
    let out = pam(
        &[
            "token",
            "check",
            &resources,
            "--operation",
            "get-channel-metadata",
            "--channel",
            "c",
            "--now",
            "1700000100",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn the_pubnub_0_9_fixture_parses_and_says_its_sig_cannot_verify() {
    let json = parse_json(PUBNUB_0_9_CATEGORIES_ONLY);
    assert_eq!(
        json["categories"],
        json!({"channels": get_only(), "uuids": get_only()})
    );
    assert_eq!(json["ttl"], 1440);
    let summary = pam(&["token", "parse", PUBNUB_0_9_CATEGORIES_ONLY], None);
    let out = text(&summary.stdout);
    assert!(
        out.contains("signature    01020304 (4 bytes, not a 32-byte HMAC-SHA256: this token cannot be verified)"),
        "{out}"
    );
    let verify = pam(
        &[
            "token",
            "verify",
            PUBNUB_0_9_CATEGORIES_ONLY,
            "--secret-key",
            SEC,
        ],
        None,
    );
    assert_eq!(verify.status.code(), Some(2));
    assert!(
        text(&verify.stderr).contains("4 bytes long"),
        "{}",
        text(&verify.stderr)
    );
}

/// `GET /v2/objects/{SUB}/channels?uuid=u&auth=TOKEN` against `server`: the status.
async fn list_channels(client: &reqwest::Client, server: &ServeProcess, token: &str) -> u16 {
    let url = format!(
        "{}/v2/objects/{SUB}/channels?uuid=u&auth={}",
        server.url,
        pam_sign::encode_path_segment(token)
    );
    client
        .get(url)
        .send()
        .await
        .expect("answered")
        .status()
        .as_u16()
}

#[tokio::test]
async fn serve_flags_restrict_listing_on_the_demo_keyset() {
    let server = ServeProcess::start(&["--disallow-get-all-channel-metadata"]);
    let issue = |flags: &[&str]| {
        let mut args = vec!["token", "issue", "--secret-key", SEC, "--ttl", "10"];
        args.extend_from_slice(flags);
        let out = pam(&args, None);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout).trim().to_owned()
    };
    let lister = issue(&["--category", "channels=get"]);
    let reader = issue(&["--channel-pattern", ".*=get"]);
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    assert_eq!(list_channels(&client, &server, &lister).await, 200);
    assert_eq!(list_channels(&client, &server, &reader).await, 403);

    // Unrestricted, the same token lists.
    let open = ServeProcess::start::<&str>(&[]);
    assert_eq!(list_channels(&client, &open, &reader).await, 200);
}
