//! Compile-time promises about the public types.

use pam_sign::{Error, Request, Signed, SigningKey};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn public_types_are_send_and_sync() {
    assert_send_sync::<SigningKey>();
    assert_send_sync::<Signed>();
    assert_send_sync::<Request<'static>>();
    assert_send_sync::<Error>();
}

#[test]
fn error_is_a_std_error() {
    fn takes_std_error(_: &dyn std::error::Error) {}
    takes_std_error(&Error::MissingSignature);
}
