//! One token, many strings: padding, alphabet, and the `sig` entry (outside the MAC) written
//! with a text key or moved to the front all verify to the same token. A revoke must hold
//! for every one of them, so the emulator keys revocations on the signature, not the string.

use super::signed_call::{PUB, SECRET, SUB, grant, manager};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding (test-only; the codec under test is pam-token's).
fn encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn decode(text: &str) -> Vec<u8> {
    let sextets: Vec<u32> = text
        .trim_end_matches('=')
        .bytes()
        .map(|c| ALPHABET.iter().position(|a| *a == c).expect("base64url") as u32)
        .collect();
    let mut out = Vec::new();
    for chunk in sextets.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, s)| n | s << (18 - 6 * i));
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

/// The ways to write `token` that verify to the same content.
fn variants(token: &str) -> Vec<(&'static str, String)> {
    let bytes = decode(token);
    assert_eq!(
        encode(&bytes),
        token.trim_end_matches('='),
        "codec round trip"
    );
    // Issued tokens end with the `sig` entry: byte-string key "sig", then 32 bytes.
    let sig_entry = bytes.len() - 38;
    assert_eq!(&bytes[sig_entry..sig_entry + 6], b"\x43sig\x58\x20");
    let mut text_key = bytes.clone();
    text_key[sig_entry] = 0x63;
    let mut moved = vec![bytes[0]];
    moved.extend_from_slice(&bytes[sig_entry..]);
    moved.extend_from_slice(&bytes[1..sig_entry]);
    vec![
        ("as issued", token.to_owned()),
        ("unpadded", token.trim_end_matches('=').to_owned()),
        (
            "standard alphabet",
            token.replace('-', "+").replace('_', "/"),
        ),
        ("`sig` key as a text string", encode(&text_key)),
        ("`sig` entry first", encode(&moved)),
    ]
}

fn publish(manager: &pam_emulator::AccessManager, token: &str) -> pam_emulator::Response {
    let query = pam_sign::encode_query(&[("uuid", "alice"), ("auth", token)]);
    manager.handle(&pam_emulator::Request {
        method: "GET",
        path: &format!("/publish/{PUB}/{SUB}/0/room/0/%22hi%22"),
        query: &query,
        headers: &[],
        body: b"",
    })
}

#[test]
fn a_revoke_holds_for_every_string_of_the_token() {
    let manager = manager();
    let token = grant(
        &manager,
        r#"{"ttl":10,"permissions":{"resources":{"channels":{"room":2}}}}"#,
    )
    .expect("granted");
    let issued = pam_token::verify(&token, SECRET.as_bytes()).expect("verifies");
    let variants = variants(&token);
    for (what, variant) in &variants {
        let same =
            pam_token::verify(variant, SECRET.as_bytes()).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(same, issued, "{what}");
        let answer = publish(&manager, variant);
        assert_eq!(
            answer.status, 200,
            "{what} before the revoke: {}",
            answer.body
        );
    }
    let path = format!(
        "/v3/pam/{SUB}/grant/{}",
        pam_sign::encode_path_segment(&token)
    );
    let revoked = super::signed_call::signed_in_order(&manager, "DELETE", &path, &[], b"", |_| {});
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    for (what, variant) in &variants {
        let answer = publish(&manager, variant);
        assert_eq!(
            answer.status, 403,
            "{what} after the revoke: {}",
            answer.body
        );
        assert!(
            answer.body.contains("Token is revoked."),
            "{what}: {}",
            answer.body
        );
    }
}
