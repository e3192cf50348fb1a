//! `pam_token::parse` and `parse_cbor` on arbitrary input.
//!
//! Beyond "never panics": a token that parses still parses, to the same content, without its
//! `=` padding and from its decoded bytes; `parse_cbor` accepts nothing longer than a token
//! string can carry (`MAX_CBOR_LEN`, checked first); errors are one line and never repeat the token;
//! `verify_signature` fails on the same base64 errors and decides like `verify` on whatever
//! parses.

#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use libfuzzer_sys::fuzz_target;
use pam_fuzz::{SECRET_KEY, assert_one_line};
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

/// `verify_signature` (a walk of the CBOR, no `Token` built) agrees with `parse` + `verify`:
/// the same base64 errors, and on whatever parses, the same decision.
fn check_signature_walk(text: &str) {
    let key = SECRET_KEY.as_bytes();
    let walked = pam_token::verify_signature(text, key);
    match pam_token::parse(text) {
        Ok(_) => assert_eq!(walked, pam_token::verify(text, key).map(|_| ())),
        Err(
            error @ (pam_token::Error::Empty
            | pam_token::Error::TooLong { .. }
            | pam_token::Error::InvalidBase64 { .. }),
        ) => assert_eq!(walked, Err(error)),
        Err(_) => assert!(
            walked.is_err(),
            "verify_signature accepts what parse refuses"
        ),
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        check_signature_walk(text);
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
            // The CBOR entry point accepts no more than the string one can carry.
            let text = URL_SAFE.encode(data);
            assert!(text.len() <= pam_token::MAX_TOKEN_LEN);
            let again = pam_token::parse(&text).expect("base64url of parsed CBOR parses");
            assert_eq!(content(&again), content(&token));
        }
        Err(error) => {
            assert_one_line(&error.to_string());
            let too_long = matches!(error, pam_token::Error::CborTooLong { .. });
            assert_eq!(too_long, data.len() > pam_token::MAX_CBOR_LEN);
        }
    }
});
