//! `pam_token::verify` and `Token::authorize` on arbitrary tokens and requests.
//!
//! The first byte picks a mode:
//! - even: the body (after the first `0x00`) is a token's CBOR, parsed without its signature
//!   and then asked every kind of request for the name and user id on the first two lines;
//! - odd: a token is issued from the lines that follow (each a regex pattern) with the kinds
//!   and bits the body bytes give, and must verify with its key, fail with any other key and,
//!   once any one of its bytes changes, fail or still say exactly the same (the `sig` entry
//!   is outside the MAC); then it is asked for the name on the first line.
//!
//! `verify_signature_cbor` (which walks the CBOR without building a token) must accept what
//! `verify_cbor` accepts and, on whatever parses, decide the same.
//!
//! Every decision is checked against the rules: expiry first, then the authorized user id,
//! and an allow only when the deciding entry grants every permission asked for.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pam_fuzz::{RequestInput, SECRET_KEY, assert_one_line};
use pam_token::{AccessRequest, Decision, Permissions, ResourceKind, Token, TokenBuilder};

/// Issue time of built tokens, and the clock of the requests (before and after expiry).
const ISSUED_AT: u64 = 1_700_000_000;

fn check_decision(token: &Token, request: &AccessRequest<'_>, decision: &Decision<'_>) {
    assert_one_line(&decision.to_string());
    if request.now >= token.expires_at() {
        assert!(matches!(decision, Decision::Expired { .. }), "{decision}");
        return;
    }
    if let Some(authorized) = token.authorized_user_id()
        && request.user_id != Some(authorized)
    {
        assert!(
            matches!(decision, Decision::UserMismatch { .. }),
            "{decision}"
        );
        return;
    }
    match decision {
        Decision::Allowed { by, needed, .. } => {
            assert!(by.granted().contains(*needed), "{decision}");
            assert_eq!(by.entry().kind, request.kind);
            assert!(decision.missing().is_empty());
        }
        Decision::MissingPermissions { by, .. } => {
            assert!(!decision.missing().is_empty(), "{decision}");
            assert_eq!(by.entry().kind, request.kind);
        }
        Decision::NoMatch { .. } | Decision::InvalidPattern { .. } => {
            // An explicit entry of that name always decides before any pattern.
            assert!(
                token.resources().get(request.kind, request.name).is_none(),
                "{decision}"
            );
        }
        Decision::Expired { .. } | Decision::UserMismatch { .. } => {
            panic!("denied for a reason that does not apply: {decision}")
        }
        _ => {}
    }
    if let Some(bits) = token.resources().get(request.kind, request.name) {
        assert_eq!(
            decision.is_allowed(),
            bits.contains(request.permissions),
            "{decision}"
        );
    }
}

fn ask_everything(token: &Token, name: &str, user_id: Option<&str>, bits: u8) {
    let asked = [
        Permissions::from_bits(bits),
        Permissions::from_bits(1 << (bits % 8)),
    ];
    for now in [
        token.timestamp(),
        token.expires_at().saturating_sub(1),
        token.expires_at(),
    ] {
        for kind in ResourceKind::ALL {
            for permissions in asked {
                let mut request = AccessRequest::new(kind, name, permissions, now);
                request.user_id = user_id;
                let decision = token.authorize(&request);
                check_decision(token, &request, &decision);
            }
        }
    }
}

fn parsed_token(input: &RequestInput<'_>) {
    let (lines, _) = input.lines(2);
    let key = SECRET_KEY.as_bytes();
    let signature_only = pam_token::verify_signature_cbor(input.body, key);
    let full = pam_token::verify_cbor(input.body, key).map(|_| ());
    if full.is_ok() {
        assert_eq!(
            signature_only,
            Ok(()),
            "verify accepts what verify_signature refuses"
        );
    }
    let Ok(token) = pam_token::parse_cbor(input.body) else {
        return;
    };
    // Whatever parses, the signature-only walk reads too, and decides the same.
    assert_eq!(signature_only, full, "verify_signature and verify disagree");
    let user_id = Some(lines[1]).filter(|u| !u.is_empty());
    let bits = input.body.first().copied().unwrap_or(1);
    ask_everything(&token, lines[0], user_id, bits);
    if let Some(authorized) = token.authorized_user_id() {
        ask_everything(&token, lines[0], Some(authorized), bits);
    }
}

fn built_token(input: &RequestInput<'_>) {
    let (lines, patterns) = input.lines(2);
    let body = input.body;
    let byte = |i: usize| body.get(i).copied().unwrap_or(0);
    let ttl = u32::from(byte(0)) + 1;
    let mut builder = TokenBuilder::new(ISSUED_AT, ttl);
    for (i, pattern) in patterns.iter().take(8).enumerate() {
        let kind = ResourceKind::ALL[usize::from(byte(1 + 2 * i)) % ResourceKind::ALL.len()];
        builder = builder.pattern(kind, *pattern, Permissions::from_bits(byte(2 + 2 * i)));
    }
    if !lines[0].is_empty() {
        builder = builder.resource(
            ResourceKind::Channel,
            lines[0],
            Permissions::from_bits(byte(17)),
        );
    }
    if byte(18) % 2 == 1 {
        builder = builder.authorized_user_id(lines[1]);
    }
    let cbor = builder.sign_to_cbor(SECRET_KEY.as_bytes());
    let token = pam_token::verify_cbor(&cbor, SECRET_KEY.as_bytes()).expect("own token verifies");
    let parsed = pam_token::parse_cbor(&cbor).expect("own token parses");
    assert_eq!(format!("{token:?}"), format!("{parsed:?}"));
    assert_eq!(token.ttl(), ttl);
    assert_eq!(
        pam_token::verify_cbor(&cbor, b"another secret key"),
        Err(pam_token::Error::SignatureMismatch)
    );
    let at = usize::from(byte(19)) * 256 + usize::from(byte(20));
    let mut altered = cbor.clone();
    let at = at % altered.len();
    altered[at] ^= byte(21).max(1);
    // The MAC leaves the `sig` entry out, so a change there that keeps the token well formed
    // (the key written as a text string instead of a byte string) still verifies: the bytes
    // differ but not what they say. Any other change must fail.
    let still_verifies = pam_token::verify_cbor(&altered, SECRET_KEY.as_bytes());
    if let Ok(same) = &still_verifies {
        assert_eq!(
            format!("{same:?} {:?}", same.signature()),
            format!("{token:?} {:?}", token.signature()),
            "a token with byte {at} changed verifies and says something else"
        );
    }
    assert_eq!(
        pam_token::verify_signature_cbor(&cbor, SECRET_KEY.as_bytes()),
        Ok(())
    );
    assert_eq!(
        pam_token::verify_signature_cbor(&altered, SECRET_KEY.as_bytes()).is_ok(),
        still_verifies.is_ok(),
        "verify and verify_signature disagree on a token with byte {at} changed"
    );
    let user_id = Some(lines[1]).filter(|_| byte(22) % 2 == 1);
    ask_everything(&token, lines[0], user_id, byte(23));
    for pattern in patterns.iter().take(8) {
        ask_everything(&token, pattern, user_id, byte(23));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let input = RequestInput::split(rest);
    if mode % 2 == 0 {
        parsed_token(&input);
    } else {
        built_token(&input);
    }
});
