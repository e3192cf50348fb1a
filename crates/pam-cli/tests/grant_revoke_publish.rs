//! `pam grant`, `pam revoke` and `pam publish`, through the real binary, against `pam serve
//! --port 0` started by each test on a free loopback port and killed when it ends.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The demo keyset `pam serve` serves without key flags.
const SUB: &str = "sub-c-local-demo";
const PUB: &str = "pub-c-local-demo";
const SEC: &str = "sec-c-local-demo";

mod support;

use support::ServeProcess;

/// A `pam serve` child process and the `pam` commands run against it.
struct Server(ServeProcess);

impl Server {
    /// Starts `pam serve --port 0` with `extra` arguments and reads its address.
    fn start(extra: &[&str]) -> Server {
        Server(ServeProcess::start(extra))
    }

    /// `pam ARGS` against this server, with no `PUBNUB_*` variables but those in `env`.
    fn pam(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        run_pam(&self.0.url, args, env, None)
    }

    /// [`Server::pam`] with `stdin` as standard input.
    fn pam_with_stdin(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
        run_pam(&self.0.url, args, env, Some(stdin))
    }
}

/// `pam ARGS` with `PUBNUB_ORIGIN=origin`, no other `PUBNUB_*` variables but those in `env`.
fn run_pam(origin: &str, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pam"))
        .args(args)
        .env_remove("PUBNUB_SUBSCRIBE_KEY")
        .env_remove("PUBNUB_PUBLISH_KEY")
        .env_remove("PUBNUB_SECRET_KEY")
        .env_remove("PUBNUB_USER_ID")
        .env_remove("PUBNUB_TOKEN")
        .env("PUBNUB_ORIGIN", origin)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pam runs");
    let mut input = child.stdin.take().expect("piped stdin");
    if let Some(text) = stdin {
        // A command that does not read its standard input (the key already in the
        // environment) may exit first: a broken pipe then says nothing about it.
        if let Err(error) = input.write_all(text.as_bytes()) {
            assert_eq!(
                error.kind(),
                std::io::ErrorKind::BrokenPipe,
                "writes stdin: {error}"
            );
        }
    }
    drop(input);
    child.wait_with_output().expect("pam finishes")
}

const SERVER_KEYS: [&str; 6] = [
    "--subscribe-key",
    SUB,
    "--publish-key",
    PUB,
    "--secret-key",
    SEC,
];
const CLIENT_KEYS: [&str; 4] = ["--subscribe-key", SUB, "--publish-key", PUB];

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

/// Asserts exit code 2, nothing on stdout and one `pam: ` line on stderr containing
/// `needle`; returns that line.
fn assert_error_line(output: &Output, needle: &str) -> String {
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("pam: "), "{stderr}");
    assert!(stderr.contains(needle), "{needle:?} missing from {stderr}");
    assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
    stderr
}

fn args<'a>(head: &[&'a str], keys: &[&'a str]) -> Vec<&'a str> {
    head.iter().chain(keys).copied().collect()
}

#[test]
fn grant_publish_revoke_round_trip() {
    let server = Server::start(&[]);
    let granted = server.pam(
        &args(
            &[
                "grant",
                "--ttl",
                "10",
                "--channel",
                "chat=read,write",
                "--authorized-uuid",
                "bob",
                "--meta",
                "role=tester",
            ],
            &SERVER_KEYS,
        ),
        &[],
    );
    assert_eq!(granted.status.code(), Some(0), "{}", text(&granted.stderr));
    let token = text(&granted.stdout).trim().to_owned();
    assert_eq!(text(&granted.stdout).lines().count(), 1);

    // The token is what the flags asked for, and signed with the keyset's secret.
    let parsed = server.pam(&["token", "parse", &token, "--json"], &[]);
    let json: serde_json::Value = serde_json::from_slice(&parsed.stdout).expect("JSON");
    assert_eq!(json["ttl"], 10);
    assert_eq!(json["authorized_uuid"], "bob");
    assert_eq!(json["resources"]["channels"]["chat"]["bitmask"], 3);
    assert_eq!(json["meta"]["role"], "tester");
    let verified = server.pam(&["token", "verify", &token], &[("PUBNUB_SECRET_KEY", SEC)]);
    assert_eq!(verified.status.code(), Some(0));

    let publish = |channel: &str, user: &str| {
        server.pam(
            &args(
                &[
                    "publish",
                    "--channel",
                    channel,
                    "--message",
                    r#"{"text":"hi"}"#,
                    "--token",
                    &token,
                    "--user-id",
                    user,
                ],
                &CLIENT_KEYS,
            ),
            &[],
        )
    };
    let sent = publish("chat", "bob");
    assert_eq!(sent.status.code(), Some(0), "{}", text(&sent.stderr));
    let timetoken: u64 = text(&sent.stdout).trim().parse().expect("a timetoken");
    assert!(timetoken > 0);

    let denied = publish("general", "bob");
    assert_eq!(denied.status.code(), Some(1), "{}", text(&denied.stderr));
    let stderr = text(&denied.stderr);
    assert!(
        stderr.contains("Forbidden") && stderr.contains("general"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let wrong_user = publish("chat", "alice");
    assert_eq!(
        wrong_user.status.code(),
        Some(1),
        "{}",
        text(&wrong_user.stderr)
    );

    // Revoke, reading the token from standard input.
    let revoked = server.pam_with_stdin(&args(&["revoke", "-"], &SERVER_KEYS), &[], &token);
    assert_eq!(revoked.status.code(), Some(0), "{}", text(&revoked.stderr));
    assert!(text(&revoked.stdout).starts_with("revoked"));

    let refused = publish("chat", "bob");
    assert_eq!(refused.status.code(), Some(1));
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("Token is revoked."), "{stderr}");
    assert!(!stderr.contains(&token), "the token leaked: {stderr}");
}

#[test]
fn keys_origin_user_and_token_come_from_pubnub_variables() {
    let server = Server::start(&[]);
    let keys = [
        ("PUBNUB_SUBSCRIBE_KEY", SUB),
        ("PUBNUB_PUBLISH_KEY", PUB),
        ("PUBNUB_SECRET_KEY", SEC),
    ];
    let granted = server.pam(
        &[
            "grant",
            "--ttl",
            "5",
            "--channel-pattern",
            "^room-.*$=write",
        ],
        &keys,
    );
    assert_eq!(granted.status.code(), Some(0), "{}", text(&granted.stderr));
    let token = text(&granted.stdout).trim().to_owned();

    // publish ignores PUBNUB_SECRET_KEY: it acts as a client, so the token is what counts.
    let with_token = |token: &str| {
        server.pam(
            &["publish", "--channel", "room-7", "--message", "42"],
            &[
                keys[0],
                keys[1],
                keys[2],
                ("PUBNUB_USER_ID", "carol"),
                ("PUBNUB_TOKEN", token),
            ],
        )
    };
    let sent = with_token(&token);
    assert_eq!(sent.status.code(), Some(0), "{}", text(&sent.stderr));
    let no_token = with_token("");
    assert_eq!(
        no_token.status.code(),
        Some(1),
        "{}",
        text(&no_token.stderr)
    );
    assert!(text(&no_token.stderr).contains("Forbidden"));
}

#[test]
fn revoke_on_a_keyset_without_revocation_says_feature_disabled() {
    let keys = [
        "--subscribe-key",
        "sub-c-norevoke",
        "--publish-key",
        "pub-c-norevoke",
        "--secret-key",
        "sec-c-norevoke",
    ];
    let server = Server::start(&args(&["--no-revocation"], &keys));
    let granted = server.pam(
        &args(&["grant", "--ttl", "5", "--uuid", "u1=get"], &keys),
        &[],
    );
    assert_eq!(granted.status.code(), Some(0), "{}", text(&granted.stderr));
    let token = text(&granted.stdout).trim().to_owned();
    let revoked = server.pam(&args(&["revoke", &token], &keys), &[]);
    let line = assert_error_line(&revoked, "Feature disabled");
    assert!(line.contains("Token revocation is disabled."), "{line}");
    assert!(!line.contains(&token), "the token leaked: {line}");
    assert!(
        !line.contains("sec-c-norevoke"),
        "the secret leaked: {line}"
    );
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let server = Server::start(&[]);
    let grant = |extra: &[&str]| {
        server.pam(
            &args(
                &["grant", "--ttl", "5"],
                &[&SERVER_KEYS[..], extra].concat(),
            ),
            &[],
        )
    };

    assert_error_line(&grant(&["--channel", "chat"]), "expected NAME=PERMISSIONS");
    assert_error_line(&grant(&["--group", "g=write"]), "cannot be granted write");
    // Refused by local validation, with the server's own words and location.
    assert_error_line(
        &grant(&["--uuid-pattern", "(x)=get"]),
        "Only non-capturing groups are allowed",
    );
    assert_error_line(
        &server.pam(
            &args(
                &["grant", "--ttl", "0", "--channel", "a=read"],
                &SERVER_KEYS,
            ),
            &[],
        ),
        "Range should be 1 to 43200 minute(s).",
    );
    assert_error_line(
        &server.pam(
            &[
                "grant",
                "--ttl",
                "5",
                "--channel",
                "a=read",
                "--subscribe-key",
                SUB,
            ],
            &[],
        ),
        "--publish-key (PUBNUB_PUBLISH_KEY), --secret-key (PUBNUB_SECRET_KEY)",
    );
    assert_error_line(
        &server.pam(
            &args(
                &[
                    "grant",
                    "--ttl",
                    "5",
                    "--channel",
                    "a=read",
                    "--origin",
                    "ftp://x",
                ],
                &SERVER_KEYS,
            ),
            &[],
        ),
        "only http and https",
    );
    assert_error_line(
        &server.pam(
            &args(
                &["publish", "--channel", "c", "--message", "hello"],
                &CLIENT_KEYS,
            ),
            &[],
        ),
        "--message is not JSON",
    );
    assert_error_line(
        &server.pam(&["publish", "--channel", "c", "--message", "1"], &[]),
        "pam publish needs --subscribe-key",
    );
    let revoked = server.pam(&args(&["revoke", "not-a-token"], &SERVER_KEYS), &[]);
    assert_error_line(&revoked, "Invalid token");
    assert_error_line(
        &server.pam_with_stdin(&args(&["revoke", "-"], &SERVER_KEYS), &[], "  \n"),
        "the token is empty",
    );
}

#[test]
fn an_unreachable_origin_is_one_line_and_exit_2() {
    // A port nobody listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let origin = format!("http://127.0.0.1:{port}");
    let output = run_pam(
        &origin,
        &args(
            &["grant", "--ttl", "5", "--channel", "a=read"],
            &SERVER_KEYS,
        ),
        &[],
        None,
    );
    let line = assert_error_line(&output, "could not connect");
    assert!(line.contains("signature=<redacted>"), "{line}");
    assert!(!line.contains(SEC), "the secret leaked: {line}");
}
