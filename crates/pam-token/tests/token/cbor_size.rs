//! The CBOR entry points are bounded like the string ones: no input, however long, makes a
//! token report names other than those it holds.

use pam_token::{Error, MAX_CBOR_LEN, MAX_TOKEN_LEN, Permissions, ResourceKind, TokenBuilder};

use crate::layout::SECRET;

/// Three channel names of 30,000 bytes each: 90,000 bytes of names, past what a 16-bit offset
/// can address, in a well-formed and correctly signed token.
fn long_names() -> (Vec<String>, Vec<u8>) {
    let names: Vec<String> = ["a", "b", "c"].iter().map(|c| c.repeat(30_000)).collect();
    let mut builder = TokenBuilder::new(1_700_000_000, 60);
    for name in &names {
        builder = builder.resource(ResourceKind::Channel, name.clone(), Permissions::READ);
    }
    let cbor = builder.sign_to_cbor(SECRET);
    assert!(cbor.len() > usize::from(u16::MAX));
    (names, cbor)
}

/// Every name `token` reports is one of `names`, at its place.
fn names_are_right(token: &pam_token::Token, names: &[String]) -> bool {
    let found: Vec<&str> = token.resources().entries().map(|e| e.name).collect();
    found.len() == names.len() && found.iter().zip(names).all(|(f, n)| *f == n)
}

#[test]
fn parse_cbor_and_verify_cbor_never_return_wrong_names() {
    let (names, cbor) = long_names();
    let too_long = Error::CborTooLong {
        limit: MAX_CBOR_LEN,
        found: cbor.len(),
    };
    match pam_token::parse_cbor(&cbor) {
        Ok(token) => panic!(
            "parse_cbor accepted {} bytes; names right: {}",
            cbor.len(),
            names_are_right(&token, &names)
        ),
        Err(e) => assert_eq!(e, too_long),
    }
    match pam_token::verify_cbor(&cbor, SECRET) {
        Ok(token) => panic!(
            "verify_cbor verified {} bytes; names right: {}",
            cbor.len(),
            names_are_right(&token, &names)
        ),
        Err(e) => assert_eq!(e, too_long),
    }
    assert_eq!(
        pam_token::verify_signature_cbor(&cbor, SECRET),
        Err(too_long)
    );
}

#[test]
fn the_cbor_limit_is_what_the_longest_token_string_decodes_to() {
    assert_eq!(MAX_CBOR_LEN, MAX_TOKEN_LEN / 4 * 3);
    // At the limit a token still parses and verifies, names intact; one byte more is refused.
    // Pad one name so the whole CBOR is exactly MAX_CBOR_LEN bytes.
    let build = |len: usize| {
        TokenBuilder::new(1_700_000_000, 60)
            .resource(ResourceKind::Channel, "x".repeat(len), Permissions::READ)
            .sign_to_cbor(SECRET)
    };
    let overhead = build(1000).len() - 1000;
    let at_limit = build(MAX_CBOR_LEN - overhead);
    assert_eq!(at_limit.len(), MAX_CBOR_LEN);
    let token = pam_token::verify_cbor(&at_limit, SECRET).expect("a token at the limit verifies");
    let name = token.resources().entries().next().expect("one entry").name;
    assert_eq!(name, "x".repeat(MAX_CBOR_LEN - overhead));
    pam_token::verify_signature_cbor(&at_limit, SECRET).expect("signature at the limit");

    let over = build(MAX_CBOR_LEN - overhead + 1);
    assert_eq!(over.len(), MAX_CBOR_LEN + 1);
    let error = pam_token::parse_cbor(&over).expect_err("one byte over the limit");
    assert_eq!(
        error.to_string(),
        format!(
            "token CBOR is {} bytes long; the limit is {MAX_CBOR_LEN}",
            MAX_CBOR_LEN + 1
        )
    );
}
