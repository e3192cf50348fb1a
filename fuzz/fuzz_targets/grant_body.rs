//! A grant body as the emulator receives it: `GrantRequest::from_body_json`, `validate`,
//! `to_error_body`, and for an accepted grant the token issued for it.
//!
//! Checked: every refusal is one line and gives a 400 error body that reads back the same;
//! the canonical body of a parsed grant parses back to the same grant (entries in canonical
//! order) and is a fixed point; a valid grant's token verifies and says exactly what the grant
//! asked for.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pam_fuzz::{SECRET_KEY, assert_one_line};
use pam_model::{ErrorBody, GrantRequest, Resource, ValidationError};
use pam_token::{Grants, Meta};

fn check_refusal(error: &ValidationError) {
    assert_one_line(&error.to_string());
    let body = error.to_error_body();
    assert_eq!(body.status, 400, "{body}");
    assert!(!body.details.is_empty(), "{body}");
    assert_eq!(body.details[0].location, error.location());
    let json = body.to_json();
    assert_eq!(
        ErrorBody::from_json(json.as_bytes()).as_ref(),
        Some(&body),
        "{json}"
    );
}

/// Entries as `(category, name, bits)`, sorted: the canonical body groups them by kind.
fn sorted(entries: &[Resource]) -> Vec<(&'static str, String, u8)> {
    let mut out: Vec<_> = entries
        .iter()
        .map(|r| (r.kind.token_key(), r.name.clone(), r.permissions.bits()))
        .collect();
    out.sort();
    out
}

fn sorted_grants(grants: Grants<'_>) -> Vec<(&'static str, String, u8)> {
    let mut out: Vec<_> = grants
        .entries()
        .map(|e| (e.kind.token_key(), e.name.to_owned(), e.permissions.bits()))
        .collect();
    out.sort();
    out
}

fn check_token(request: &GrantRequest) {
    let token_text = pam_token::issue(request, 1_700_000_000, SECRET_KEY.as_bytes());
    let token =
        pam_token::verify(&token_text, SECRET_KEY.as_bytes()).expect("issued token verifies");
    assert_eq!(token.ttl(), request.ttl);
    assert_eq!(
        token.authorized_user_id(),
        request.authorized_user_id.as_deref()
    );
    assert_eq!(sorted_grants(token.resources()), sorted(&request.resources));
    assert_eq!(sorted_grants(token.patterns()), sorted(&request.patterns));
    assert_eq!(token.meta().len(), request.meta.len());
    for (key, value) in &request.meta {
        assert_eq!(
            token.meta().get(key),
            Some(&Meta::from(value.clone())),
            "meta {key:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let request = match GrantRequest::from_body_json(data) {
        Ok(request) => request,
        Err(error) => return check_refusal(&error),
    };
    let body = request.to_body_json();
    if body.len() <= pam_model::limits::MAX_BODY_BYTES {
        let again = GrantRequest::from_body_json(body.as_bytes()).expect("canonical body parses");
        assert_eq!(again.to_body_json(), body);
        assert_eq!(again.ttl, request.ttl);
        assert_eq!(again.authorized_user_id, request.authorized_user_id);
        assert_eq!(again.meta, request.meta);
        assert_eq!(sorted(&again.resources), sorted(&request.resources));
        assert_eq!(sorted(&again.patterns), sorted(&request.patterns));
    }
    match request.validate() {
        Ok(()) => check_token(&request),
        Err(error) => check_refusal(&error),
    }
});
