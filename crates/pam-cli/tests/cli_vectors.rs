//! The `pam` binary against the committed vectors (`pam-vectors`): `token parse --json`
//! reproduces every real token's expected content, every invalid token exits 2 with one line, `pam sign` reproduces
//! every signature vector.

use std::process::{Command, Output};

use base64::Engine;
use serde_json::Value;

fn pam(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pam"))
        .args(args)
        .env_remove("PUBNUB_PUBLISH_KEY")
        .env_remove("PUBNUB_SECRET_KEY")
        .env_remove("PUBNUB_SUBSCRIBE_KEY")
        .output()
        .expect("run the pam binary")
}

#[test]
fn token_parse_json_matches_every_vector() {
    let vectors = pam_vectors::token_vectors();
    for vector in &vectors {
        let id = vector["id"].as_str().unwrap_or("?");
        let token = vector["token"].as_str().expect("token string");
        let out = pam(&["token", "parse", token, "--json"]);
        assert!(
            out.status.success(),
            "{id}: exit {:?}, stderr {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
        let expected = &vector["expected"];
        for field in [
            "version",
            "timestamp",
            "ttl",
            "authorized_uuid",
            "resources",
            "patterns",
            "meta",
        ] {
            assert_eq!(got[field], expected[field], "{id}: field `{field}` differs");
        }
        let want_sig = expected["signature"]["hex"]
            .as_str()
            .expect("signature hex");
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(got["signature"].as_str().expect("signature is a string"))
            .expect("signature is unpadded base64url");
        let hex: String = sig.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, want_sig, "{id}: signature bytes differ");
        assert_eq!(
            got["expires_at"].as_u64(),
            Some(expected["timestamp"].as_u64().unwrap() + expected["ttl"].as_u64().unwrap() * 60),
            "{id}: expires_at"
        );
    }
    eprintln!(
        "checked {} token vectors through `pam token parse --json`",
        vectors.len()
    );
}

#[test]
fn invalid_tokens_exit_2_with_one_line() {
    let cases = pam_vectors::vectors_file("invalid_tokens.json");
    let cases = cases["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    for case in cases {
        let input = case["input"].as_str().expect("input");
        for command in ["parse", "verify"] {
            let mut args = vec!["token", command, input];
            if command == "verify" {
                args.extend(["--secret-key", "k"]);
            }
            let out = pam(&args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command} {input:?}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{command} {input:?}: {stderr}");
            assert!(stderr.starts_with("pam: "), "{command} {input:?}: {stderr}");
            assert!(
                !stderr.contains("panicked"),
                "{command} {input:?}: {stderr}"
            );
            assert!(out.stdout.is_empty(), "{command} {input:?}");
        }
    }
}

#[test]
fn pam_sign_reproduces_every_signature_vector() {
    let file = pam_vectors::vectors_file("signatures.json");
    let mut checked = 0;
    for v in file["vectors"].as_array().expect("vectors") {
        let Some(params) = v["query_params"].as_object() else {
            continue;
        };
        let id = v["id"].as_str().unwrap_or("?");
        let mut args: Vec<String> = [
            "sign",
            "--method",
            v["method"].as_str().unwrap(),
            "--publish-key",
            v["publish_key"].as_str().unwrap(),
            "--secret-key",
            v["secret_key"].as_str().unwrap(),
            "--path",
            v["path"].as_str().unwrap(),
            "--body",
            v["body"].as_str().unwrap_or(""),
        ]
        .map(str::to_owned)
        .to_vec();
        for (key, value) in params {
            args.push("--query".into());
            args.push(format!("{key}={}", value.as_str().expect("string value")));
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = pam(&argv);
        assert!(
            out.status.success(),
            "{id}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            v["expected_signature"].as_str().unwrap(),
            "{id}"
        );
        checked += 1;
    }
    assert!(checked > 0, "no signature vector has query_params");
    eprintln!("checked {checked} signature vectors through `pam sign`");
}

#[test]
fn issue_check_verify_round_trip() {
    let out = pam(&[
        "token",
        "issue",
        "--secret-key",
        "s3cret",
        "--ttl",
        "60",
        "--timestamp",
        "1700000000",
        "--channel",
        "chat=read,write",
        "--channel-pattern",
        "^room-[0-9]+$=read",
        "--authorized-uuid",
        "alice",
        "--meta",
        "tier=gold",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();

    let check = |args: &[&str]| {
        let mut all = vec!["token", "check", token.as_str(), "--now", "1700000100"];
        all.extend_from_slice(args);
        pam(&all)
    };
    let allowed = check(&[
        "--channel",
        "room-7",
        "--permission",
        "read",
        "--user-id",
        "alice",
    ]);
    assert_eq!(allowed.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&allowed.stdout).contains("^room-[0-9]+$"));
    let wrong_user = check(&[
        "--channel",
        "chat",
        "--permission",
        "read",
        "--user-id",
        "bob",
    ]);
    assert_eq!(wrong_user.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong_user.stdout).contains("alice"));
    let missing = check(&[
        "--channel",
        "room-7",
        "--permission",
        "write",
        "--user-id",
        "alice",
    ]);
    assert_eq!(missing.status.code(), Some(1));
    let json = check(&[
        "--channel",
        "chat",
        "--permission",
        "write",
        "--user-id",
        "alice",
        "--json",
    ]);
    let decision: Value = serde_json::from_slice(&json.stdout).expect("json decision");
    assert_eq!(decision["allowed"], true);
    assert_eq!(decision["matched"]["type"], "resource");

    assert_eq!(
        pam(&["token", "verify", &token, "--secret-key", "s3cret"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        pam(&["token", "verify", &token, "--secret-key", "other"])
            .status
            .code(),
        Some(1)
    );

    let parsed = pam(&["token", "parse", &token, "--json"]);
    let content: Value = serde_json::from_slice(&parsed.stdout).unwrap();
    assert_eq!(content["authorized_uuid"], "alice");
    assert_eq!(content["meta"]["tier"], "gold");
    assert_eq!(content["resources"]["channels"]["chat"]["bitmask"], 3);
}

#[test]
fn bad_flags_exit_2_with_a_clear_line() {
    for (args, needle) in [
        (
            vec![
                "token",
                "issue",
                "--secret-key",
                "s",
                "--ttl",
                "0",
                "--channel",
                "a=read",
            ],
            "ttl",
        ),
        (
            vec![
                "token",
                "issue",
                "--secret-key",
                "s",
                "--ttl",
                "5",
                "--group",
                "g=write",
            ],
            "cannot be granted write",
        ),
        (
            vec![
                "token",
                "issue",
                "--secret-key",
                "s",
                "--ttl",
                "5",
                "--channel",
                "noperms",
            ],
            "NAME=PERMISSIONS",
        ),
        (
            vec![
                "sign",
                "--method",
                "GET",
                "--publish-key",
                "p",
                "--secret-key",
                "s",
                "--path",
                "/x",
                "--query",
                "novalue",
            ],
            "KEY=VALUE",
        ),
    ] {
        let out = pam(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}
