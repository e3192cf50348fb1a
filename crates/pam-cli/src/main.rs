//! pam
fn main() {}
