//! Project automation for the `pam` workspace, run as `cargo xtask <task>`.
//!
//! This follows the cargo-xtask convention: automation is an ordinary Rust crate in the
//! workspace (`publish = false`), so it needs nothing but cargo, and `cargo xtask` (an alias in
//! `.cargo/config.toml`) is its only entry point. The binary is a thin dispatcher over
//! [`tasks::Task`] (the command line, read by clap); each task lives in its own module under
//! [`tasks`], and the pieces tasks share (the changelog, the root manifest, `cargo metadata`,
//! workspace copies) are library modules so their tests can run them on temporary copies of
//! the workspace.
//!
//! ```
//! use xtask::workspace_manifest::{parse_version, workspace_version};
//!
//! let root = xtask::workspace_root();
//! let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
//! let current = workspace_version(&root.join("Cargo.toml"), &manifest).unwrap();
//! let candidate = parse_version("99.0.0-rc.1").unwrap();
//! assert!(candidate > current);
//! assert!(candidate < parse_version("99.0.0").unwrap());
//! ```

pub mod changelog;
pub mod crates_io;
pub mod error;
pub mod layering;
pub mod metadata;
pub mod scratch;
pub mod subprocess;
pub mod tasks;
pub mod workspace_manifest;

pub use error::XtaskError;

use std::path::{Path, PathBuf};

/// The workspace root: the parent of the xtask package directory.
///
/// Read at run time from `CARGO_MANIFEST_DIR`, which `cargo run` (so `cargo xtask`) and
/// `cargo test` set for the program they start; the value compiled in is only a fallback for
/// running the binary directly. (A compiled-in path can go stale: cargo does not rebuild a
/// workspace member whose sources are unchanged when the same target directory served a copy
/// of the workspace elsewhere.)
pub fn workspace_root() -> PathBuf {
    let package_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.join("Cargo.toml").is_file())
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    package_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or(package_dir)
}

/// The target directory cargo builds the workspace at `root` into: `$CARGO_TARGET_DIR` when
/// set (relative to `root`), else `root/target`.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_relative() => root.join(dir),
        Some(dir) => dir,
        None => root.join("target"),
    }
}
