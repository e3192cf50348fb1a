//! The error of the last operation: kind, status, message, source, details, service.
//!
//! When a grant was refused both by the facade's local validation and by the emulator, each
//! step checks both.

use cucumber::{given, then};
use pam::{Error, ErrorDetail};

use crate::outcome::each_refusal;
use crate::world::{AccessWorld, ensure};

/// The first detail of the error's v3 body.
fn first_detail(error: &Error) -> Result<&ErrorDetail, String> {
    let body = error
        .error_body()
        .ok_or_else(|| format!("the error has no v3 error body: {error}"))?;
    body.details
        .first()
        .ok_or_else(|| format!("the error body has no details: {body}"))
}

/// Whether the error is one of the 403 answers to a token that does not allow the request.
fn is_auth_error(error: &Error) -> bool {
    matches!(
        error,
        Error::Forbidden { .. } | Error::TokenExpired { .. } | Error::TokenRevoked { .. }
    )
}

#[then(regex = r"^an error is returned$")]
fn an_error(world: &mut AccessWorld) -> Result<(), String> {
    each_refusal(world.outcome.as_ref(), |error| {
        ensure(error.error_body().is_some(), || {
            format!("expected Access Manager's v3 error body, got {error:?}")
        })
    })
}

#[then(regex = r"^an auth error is returned$")]
fn an_auth_error(world: &mut AccessWorld) -> Result<(), String> {
    each_refusal(world.outcome.as_ref(), |error| {
        ensure(is_auth_error(error), || {
            format!("expected a 403 about the token, got {error:?}")
        })
    })
}

#[then(regex = r"^the error status code is (\d+)$")]
#[given(regex = r"^the error status code is (\d+)$")]
fn status(world: &mut AccessWorld, expected: String) -> Result<(), String> {
    let expected: u16 = expected
        .parse()
        .map_err(|e| format!("status `{expected}`: {e}"))?;
    each_refusal(world.outcome.as_ref(), |error| {
        ensure(error.status() == Some(expected), || {
            format!("status {:?}, expected {expected}: {error}", error.status())
        })
    })
}

#[then(regex = r"^the error message is '(.*)'$")]
#[given(regex = r"^the error message is '(.*)'$")]
fn message(world: &mut AccessWorld, expected: String) -> Result<(), String> {
    each_refusal(world.outcome.as_ref(), |error| {
        let body = error
            .error_body()
            .ok_or_else(|| format!("the error has no v3 error body: {error}"))?;
        ensure(
            body.message == expected && error.server_message() == Some(&*expected),
            || format!("message {:?}, expected {expected:?}", body.message),
        )
    })
}

#[then(regex = r"^the auth error message is '(.*)'$")]
#[given(regex = r"^the auth error message is '(.*)'$")]
fn auth_message(world: &mut AccessWorld, expected: String) -> Result<(), String> {
    each_refusal(world.outcome.as_ref(), |error| {
        ensure(
            is_auth_error(error) && error.server_message() == Some(&*expected),
            || format!("expected the 403 {expected:?}, got {error:?}"),
        )
    })
}

#[then(regex = r"^the error source is '(.*)'$")]
#[given(regex = r"^the error source is '(.*)'$")]
fn source(world: &mut AccessWorld, expected: String) -> Result<(), String> {
    each_refusal(world.outcome.as_ref(), |error| {
        let source = error.error_body().map(|b| b.source.as_str());
        ensure(source == Some(&*expected), || {
            format!("source {source:?}, expected {expected:?}")
        })
    })
}

#[then(regex = r"^the error detail message is '(.*)'$")]
#[given(regex = r"^the error detail message is '(.*)'$")]
fn detail_message(world: &mut AccessWorld, expected: String) -> Result<(), String> {
    each_refusal(world.outcome.as_ref(), |error| {
        let detail = first_detail(error)?;
        ensure(detail.message == expected, || {
            format!("detail message {:?}, expected {expected:?}", detail.message)
        })
    })
}

#[then(regex = r"^the error detail message is not empty$")]
#[given(regex = r"^the error detail message is not empty$")]
fn detail_message_not_empty(world: &mut AccessWorld) -> Result<(), String> {
    each_refusal(world.outcome.as_ref(), |error| {
        let detail = first_detail(error)?;
        ensure(!detail.message.trim().is_empty(), || {
            "the detail message is empty".to_owned()
        })
    })
}

#[then(regex = r"^the error detail location is '(.*)'$")]
#[given(regex = r"^the error detail location is '(.*)'$")]
fn detail_location(world: &mut AccessWorld, expected: String) -> Result<(), String> {
    each_refusal(world.outcome.as_ref(), |error| {
        let detail = first_detail(error)?;
        ensure(detail.location == expected, || {
            format!(
                "detail location {:?}, expected {expected:?}",
                detail.location
            )
        })
    })
}

#[then(regex = r"^the error detail location type is '(.*)'$")]
#[given(regex = r"^the error detail location type is '(.*)'$")]
fn detail_location_type(world: &mut AccessWorld, expected: String) -> Result<(), String> {
    each_refusal(world.outcome.as_ref(), |error| {
        let detail = first_detail(error)?;
        ensure(detail.location_type == expected, || {
            format!(
                "detail location type {:?}, expected {expected:?}",
                detail.location_type
            )
        })
    })
}

#[then(regex = r"^the error service is '(.*)'$")]
#[given(regex = r"^the error service is '(.*)'$")]
fn service(world: &mut AccessWorld, expected: String) -> Result<(), String> {
    each_refusal(world.outcome.as_ref(), |error| {
        ensure(error.service() == Some(&*expected), || {
            format!("service {:?}, expected {expected:?}", error.service())
        })
    })
}
