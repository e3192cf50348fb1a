//! The `pam` binary against the committed vectors (`pam-vectors`): `token parse --json`
//! reproduces every real token's expected content, every invalid token exits 2 with one line, `pam sign` reproduces
//! every signature vector.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use base64::Engine;
use serde_json::Value;

fn pam(args: &[&str]) -> Output {
    pam_with(args, &[], None)
}

/// `pam ARGS` with no `PUBNUB_*` variables but those in `env`, and `stdin` (if any) as its
/// standard input (else an empty one).
fn pam_with(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pam"))
        .args(args)
        .env_remove("PUBNUB_PUBLISH_KEY")
        .env_remove("PUBNUB_SECRET_KEY")
        .env_remove("PUBNUB_SUBSCRIBE_KEY")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the pam binary");
    let mut input = child.stdin.take().expect("stdin is piped");
    if let Some(text) = stdin {
        // A command that does not read its standard input (the key already in the
        // environment) may exit first: a broken pipe then says nothing about it.
        if let Err(error) = input.write_all(text.as_bytes()) {
            assert_eq!(
                error.kind(),
                std::io::ErrorKind::BrokenPipe,
                "write stdin: {error}"
            );
        }
    }
    drop(input);
    child.wait_with_output().expect("pam finishes")
}

/// `pam ARGS` with the secret key in `PUBNUB_SECRET_KEY`.
fn pam_keyed(args: &[&str], secret_key: &str) -> Output {
    pam_with(args, &[("PUBNUB_SECRET_KEY", secret_key)], None)
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
        // No recorded token has a `cat` section: the contract says `{}`.
        assert_eq!(got["categories"], serde_json::json!({}), "{id}: categories");
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
            let out = pam_keyed(&["token", command, input], "k");
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
    // The secret key comes from standard input (the default when PUBNUB_SECRET_KEY is unset);
    // the final newline of a key file is not part of the key.
    let issue_args = [
        "token",
        "issue",
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
    ];
    let out = pam_with(&issue_args, &[], Some("s3cret\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "no warning without --secret-key");
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

    // From PUBNUB_SECRET_KEY, and from standard input.
    assert_eq!(
        pam_keyed(&["token", "verify", &token], "s3cret")
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        pam_keyed(&["token", "verify", &token], "other")
            .status
            .code(),
        Some(1)
    );
    let from_stdin = pam_with(&["token", "verify", &token], &[], Some("s3cret"));
    assert_eq!(from_stdin.status.code(), Some(0));
    assert!(from_stdin.stderr.is_empty());
    // The same key file issues the same token as the key in the environment.
    let from_env = pam_keyed(&issue_args, "s3cret");
    assert_eq!(String::from_utf8_lossy(&from_env.stdout).trim(), token);

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
            vec!["token", "issue", "--ttl", "0", "--channel", "a=read"],
            "ttl",
        ),
        (
            vec!["token", "issue", "--ttl", "5", "--group", "g=write"],
            "cannot be granted write",
        ),
        (
            vec!["token", "issue", "--ttl", "5", "--channel", "noperms"],
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
        let out = pam_keyed(&args, "s");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn a_secret_key_on_the_command_line_works_with_a_warning() {
    let issue = [
        "token",
        "issue",
        "--secret-key",
        "sec-c-flag",
        "--ttl",
        "5",
        "--channel",
        "a=read",
    ];
    let out = pam(&issue);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("pam: warning: --secret-key puts the secret key in the process list"),
        "{stderr}"
    );
    assert!(stderr.contains("PUBNUB_SECRET_KEY"), "{stderr}");
    assert!(
        !stderr.contains("sec-c-flag"),
        "the warning repeats the key: {stderr}"
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let verified = pam(&["token", "verify", &token, "--secret-key", "sec-c-flag"]);
    assert_eq!(verified.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&verified.stderr).contains("pam: warning: --secret-key"));
    // The flag wins over the environment (the environment's key did not sign it).
    let flag_wins = pam_with(
        &["token", "verify", &token, "--secret-key", "sec-c-flag"],
        &[("PUBNUB_SECRET_KEY", "another")],
        None,
    );
    assert_eq!(flag_wins.status.code(), Some(0));
}

#[test]
fn a_missing_secret_key_is_a_clear_error() {
    let issue = ["token", "issue", "--ttl", "5", "--channel", "a=read"];
    for (env, stdin, needle) in [
        (
            &[][..],
            None,
            "no secret key: standard input is empty; set PUBNUB_SECRET_KEY",
        ),
        (
            &[][..],
            Some(" \n"),
            "no secret key: standard input is empty",
        ),
        (
            &[("PUBNUB_SECRET_KEY", "")][..],
            Some("ignored"),
            "no secret key: PUBNUB_SECRET_KEY is empty",
        ),
    ] {
        let out = pam_with(&issue, env, stdin);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{env:?} {stdin:?}: {stderr}");
        assert!(stderr.contains(needle), "{env:?} {stdin:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(out.stdout.is_empty());
    }
    let long = "k".repeat(5000);
    let out = pam_with(&issue, &[], Some(&long));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("more than 4096 bytes: not a secret key"),
        "{stderr}"
    );
}

#[test]
fn verify_with_the_token_on_stdin_takes_the_key_from_the_environment() {
    let issued = pam_keyed(
        &["token", "issue", "--ttl", "5", "--channel", "a=read"],
        "k1",
    );
    assert_eq!(issued.status.code(), Some(0));
    let token = String::from_utf8(issued.stdout).unwrap();
    let out = pam_with(
        &["token", "verify", "-"],
        &[("PUBNUB_SECRET_KEY", "k1")],
        Some(&token),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = pam_with(&["token", "verify", "-"], &[], Some(&token));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("standard input carries the token (`-`), so set PUBNUB_SECRET_KEY"),
        "{stderr}"
    );
}
