//! `pam demo`, through the real binary: every step behaves, the walkthrough says so, and a
//! closed standard output does not turn into a panic.

use std::process::{Command, Stdio};

fn pam_demo() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pam"));
    command
        .arg("demo")
        .env_remove("PUBNUB_SUBSCRIBE_KEY")
        .env_remove("PUBNUB_PUBLISH_KEY")
        .env_remove("PUBNUB_SECRET_KEY")
        .env_remove("PUBNUB_ORIGIN")
        .stdin(Stdio::null());
    command
}

#[test]
fn every_step_behaves_and_the_walkthrough_says_so() {
    let output = pam_demo().output().expect("runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let numbered: Vec<&str> = stdout
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .collect();
    let titles = [
        "1. ✓ Start a local Access Manager",
        "2. ✓ Grant a token",
        "3. ✓ Parse and explain the token",
        "4. ✓ Set the token on Bob's client",
        "5. ✓ Publish to \"chat\" (the token allows it)",
        "6. ✓ Publish to \"general\" (the token does not name it)",
        "7. ✓ Revoke the token",
        "8. ✓ Publish to \"chat\" again, with the revoked token",
        "9. ✓ Publish with the revoked token from a client with a token provider",
    ];
    assert_eq!(numbered.len(), titles.len(), "{stdout}");
    for (line, title) in numbered.iter().zip(titles) {
        assert!(
            line.starts_with(title),
            "{line:?} should start with {title:?}"
        );
    }
    for expected in [
        "listening on http://127.0.0.1:",
        "for user id \"bob\" only",
        "sent, timetoken ",
        "refused as expected: 403 Forbidden (denied channel: general)",
        "refused as expected: 403 Token is revoked.",
        "asked its provider for a new token once",
        "all 9 steps behaved as expected",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from:\n{stdout}"
        );
    }
    assert!(!stdout.contains('✗'), "{stdout}");
    assert!(!stdout.contains("sec-c-local-demo"), "{stdout}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_closed_standard_output_is_not_a_panic() {
    let mut child = pam_demo()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    // Close the reading end before the demo writes anything.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("finishes");
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}
