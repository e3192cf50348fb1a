//! One integration test binary for `pam-sign` (one link instead of one per file).

mod public_types;
mod signature_properties;
mod vectors;
