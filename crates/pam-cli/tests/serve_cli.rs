//! `pam serve`: its help, its configuration sources and its errors, through the real binary.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

fn pam() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pam"));
    command
        .env_remove("PUBNUB_SUBSCRIBE_KEY")
        .env_remove("PUBNUB_PUBLISH_KEY")
        .env_remove("PUBNUB_SECRET_KEY")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    command
}

#[test]
fn help_documents_every_option() {
    let output = pam().args(["serve", "--help"]).output().expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).expect("UTF-8");
    for option in [
        "--config",
        "--host",
        "--port",
        "--subscribe-key",
        "--publish-key",
        "--secret-key",
        "--no-revocation",
        "--data-dir",
        "--timestamp-tolerance",
        "--clock-offset",
        "PUBNUB_SUBSCRIBE_KEY",
        "PUBNUB_PUBLISH_KEY",
        "PUBNUB_SECRET_KEY",
        "[[keysets]]",
        "sub-c-local-demo",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
}

#[test]
fn an_incomplete_keyset_is_an_input_error() {
    let output = pam()
        .args(["serve", "--port", "0", "--subscribe-key", "sub-c-1"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    assert!(stderr.contains("missing: --publish-key"), "{stderr}");
    assert!(stderr.contains("--secret-key"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn a_bad_configuration_file_is_reported_with_its_position() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "port = 0\n[[keysets]]\nsubscribe_key = 1\n").expect("write");
    let output = pam()
        .args(["serve", "--config"])
        .arg(&file)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    assert!(stderr.contains("bad.toml"), "{stderr}");
    assert!(stderr.contains("line 3"), "{stderr}");
}

/// Starts `pam serve` with `args`, returns the banner (up to the `press Ctrl-C` line), and
/// kills the process.
fn banner(args: &[&str], config: Option<&str>) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = pam();
    command.arg("serve").args(args);
    if let Some(text) = config {
        let file = dir.path().join("pam.toml");
        std::fs::write(&file, text).expect("write");
        command.arg("--config").arg(file);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut reader = BufReader::new(child.stdout.take().expect("piped"));
    let mut out = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).expect("read") == 0 {
            let mut stderr = String::new();
            let _ = child
                .stderr
                .take()
                .expect("piped")
                .read_to_string(&mut stderr);
            panic!("pam serve exited early: {out}{stderr}");
        }
        out.push_str(&line);
        if line.starts_with("press Ctrl-C") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    out
}

#[test]
fn without_keys_the_demo_keyset_is_served_and_printed() {
    let out = banner(&["--port", "0"], None);
    let first = out.lines().next().expect("a first line");
    assert!(first.starts_with("listening on http://127.0.0.1:"), "{out}");
    assert!(!first.ends_with(":8090") && !first.ends_with(":0"), "{out}");
    assert!(out.contains("sub-c-local-demo"), "{out}");
    assert!(out.contains("pub-c-local-demo"), "{out}");
    assert!(out.contains("sec-c-local-demo"), "{out}");
    assert!(out.contains("revocations: in memory"), "{out}");
}

#[test]
fn keysets_come_from_the_file_and_the_flags_and_secrets_are_not_printed() {
    let config = r#"
[[keysets]]
subscribe_key = "sub-c-file"
publish_key = "pub-c-file"
secret_key = "sec-c-file-secret"
revocation = false
"#;
    let out = banner(
        &[
            "--port",
            "0",
            "--subscribe-key",
            "sub-c-flag",
            "--publish-key",
            "pub-c-flag",
            "--secret-key",
            "sec-c-flag-secret",
        ],
        Some(config),
    );
    assert!(out.contains("keyset 0: subscribe key sub-c-file"), "{out}");
    assert!(out.contains("revocation disabled"), "{out}");
    assert!(out.contains("keyset 1: subscribe key sub-c-flag"), "{out}");
    assert!(!out.contains("sec-c-file-secret"), "{out}");
    assert!(!out.contains("sec-c-flag-secret"), "{out}");
    assert!(!out.contains("sub-c-local-demo"), "{out}");
}

#[test]
fn listing_restrictions_come_from_the_file_and_the_flags() {
    let config = r#"
[[keysets]]
subscribe_key = "sub-c-file"
publish_key = "pub-c-file"
secret_key = "sec-c-file-secret"
disallow_get_all_user_metadata = true
"#;
    let out = banner(
        &[
            "--port",
            "0",
            "--subscribe-key",
            "sub-c-flag",
            "--publish-key",
            "pub-c-flag",
            "--secret-key",
            "sec-c-flag-secret",
            "--disallow-get-all-channel-metadata",
        ],
        Some(config),
    );
    assert!(
        out.contains("keyset 0: listing all uuids metadata needs a token with that category"),
        "{out}"
    );
    assert!(
        out.contains("keyset 1: listing all channels metadata needs a token with that category"),
        "{out}"
    );
    // The flags name no keyset of the file.
    let dir = std::env::temp_dir().join(format!("pam-serve-restrict-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("pam.toml");
    std::fs::write(&file, config).expect("write");
    let out = pam()
        .args([
            "serve",
            "--port",
            "0",
            "--disallow-get-all-user-metadata",
            "--config",
        ])
        .arg(&file)
        .output()
        .expect("runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("disallow_get_all_user_metadata"),
        "{stderr}"
    );
}
