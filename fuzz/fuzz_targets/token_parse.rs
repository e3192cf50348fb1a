//! `pam_token::parse` and `parse_cbor` on arbitrary input.
//!
//! Beyond "never panics": a token that parses still parses, to the same content, without its
//! `=` padding and from its decoded bytes; errors are one line and never repeat the token.

#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use libfuzzer_sys::fuzz_target;
use pam_fuzz::assert_one_line;
use pam_token::Token;

/// Everything a token says, NaN-safe (`Token`'s `PartialEq` compares meta floats with `==`).
fn content(token: &Token) -> String {
    format!("{token:?} {:?}", token.signature())
}

fn check_error(input: &str, error: &pam_token::Error) {
    let message = error.to_string();
    assert_one_line(&message);
    if input.len() > 64 {
        assert!(
            !message.contains(input),
            "error repeats the token: {message}"
        );
    }
}

fn exercise(token: &Token) {
    assert!(token.expires_at() >= token.timestamp());
    let _ = token.to_json();
    for entry in token
        .resources()
        .entries()
        .chain(token.patterns().entries())
    {
        let _ = entry.to_resource();
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match pam_token::parse(text) {
            Ok(token) => {
                exercise(&token);
                let unpadded = text.trim_end_matches('=');
                if !unpadded.is_empty() && unpadded.len() != text.len() {
                    let again = pam_token::parse(unpadded).expect("unpadded form parses");
                    assert_eq!(content(&again), content(&token));
                }
            }
            Err(error) => check_error(text, &error),
        }
    }
    match pam_token::parse_cbor(data) {
        Ok(token) => {
            exercise(&token);
            let text = URL_SAFE.encode(data);
            if text.len() <= pam_token::MAX_TOKEN_LEN {
                let again = pam_token::parse(&text).expect("base64url of parsed CBOR parses");
                assert_eq!(content(&again), content(&token));
            }
        }
        Err(error) => assert_one_line(&error.to_string()),
    }
});
