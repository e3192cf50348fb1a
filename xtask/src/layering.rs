//! The crate layering (which crate may depend on which), written down once so tidy and release agree on it.
//!
//! Dependencies point down only: model <- token, sign <- http <- pam (the `pam-sdk`
//! package); the emulator uses model, token and sign; the CLI uses pam and the emulator; nothing
//! depends on the CLI. `pam-model`, `pam-token` and `pam-sign` never pull in an async runtime,
//! an HTTP stack or other I/O crates.

/// The publishable crates, in an order where every crate comes after all it depends on: the
/// order `cargo publish` must follow.
pub const PUBLISH_ORDER: &[&str] = &[
    "pam-model",
    "pam-sign",
    "pam-token",
    "pam-http",
    "pam-sdk",
    "pam-emulator",
    "pam-cli",
];

/// For each publishable crate, the internal crates it may depend on (any dependency kind).
///
/// Each list only names crates earlier in [`PUBLISH_ORDER`], so a crate never depends on one
/// above it. This covers dev-dependencies too: a dev-dependency with a version on a crate
/// published later cannot be resolved when this crate is published; such tests belong in
/// `tests/` (`pam-tests`). The emulator is a server and does not use the client stack.
pub const ALLOWED_INTERNAL_DEPENDENCIES: &[(&str, &[&str])] = &[
    ("pam-model", &[]),
    ("pam-sign", &["pam-model"]),
    ("pam-token", &["pam-model", "pam-sign"]),
    ("pam-http", &["pam-model", "pam-sign", "pam-token"]),
    (
        "pam-sdk",
        &["pam-model", "pam-sign", "pam-token", "pam-http"],
    ),
    ("pam-emulator", &["pam-model", "pam-sign", "pam-token"]),
    (
        "pam-cli",
        &[
            "pam-model",
            "pam-sign",
            "pam-token",
            "pam-http",
            "pam-sdk",
            "pam-emulator",
        ],
    ),
];

/// The crate nothing else in the workspace may depend on (the binary).
pub const LEAF_CRATE: &str = "pam-cli";

/// Crates whose normal dependency tree must stay free of [`IO_CRATES`]: they are usable in any
/// no-network, no-runtime context.
pub const PURE_CRATES: &[&str] = &["pam-model", "pam-token", "pam-sign"];

/// Async runtimes, HTTP stacks and socket crates that [`PURE_CRATES`] must not reach.
pub const IO_CRATES: &[&str] = &[
    "tokio",
    "reqwest",
    "hyper",
    "axum",
    "mio",
    "async-std",
    "smol",
];

/// The internal crates `package` may depend on, or `None` when it is not a publishable crate.
pub fn allowed_dependencies(package: &str) -> Option<&'static [&'static str]> {
    ALLOWED_INTERNAL_DEPENDENCIES
        .iter()
        .find(|(name, _)| *name == package)
        .map(|(_, allowed)| *allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_dependencies_only_point_down_the_publish_order() {
        assert_eq!(ALLOWED_INTERNAL_DEPENDENCIES.len(), PUBLISH_ORDER.len());
        for (position, name) in PUBLISH_ORDER.iter().enumerate() {
            let allowed =
                allowed_dependencies(name).unwrap_or_else(|| panic!("{name} has no entry"));
            for dependency in allowed {
                let at = PUBLISH_ORDER.iter().position(|n| n == dependency);
                assert!(
                    at.is_some_and(|at| at < position),
                    "{name} may depend on {dependency}, which is not published before it"
                );
            }
        }
        assert!(
            ALLOWED_INTERNAL_DEPENDENCIES
                .iter()
                .all(|(_, allowed)| !allowed.contains(&LEAF_CRATE))
        );
    }
}
