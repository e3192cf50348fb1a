//! Integration tests of `pam-token`, in one binary (one link) with a module per subject.

mod authorize;
mod categories;
mod cbor_size;
mod layout;
mod properties;
mod signature;
mod vectors;
