//! `cargo metadata` for the tasks, read with the `cargo_metadata` crate.
//!
//! This module only decides how cargo is called (offline, host platform) and adds the few
//! questions tidy and release ask of a package; the types are `cargo_metadata`'s.

use std::path::Path;

use cargo_metadata::{DependencyKind, Metadata, MetadataCommand, Package, PackageId};

use crate::XtaskError;
use crate::subprocess;

/// Runs `cargo metadata` on the workspace at `root`. `no_deps` skips dependency resolution
/// (fast, no lock file needed).
///
/// Uses `--offline`, since checks must not depend on the network: after a build, the lock
/// file and the local cache know every dependency *for this machine's platform*. Full
/// metadata would also download the manifests of other platforms' dependencies
/// (`hermit-abi`, `windows-sys`, …), so the resolved graph is filtered to the host platform
/// (`--filter-platform`, host from `rustc -vV`). A dependency declared only for another
/// platform is therefore not seen.
pub fn load(root: &Path, no_deps: bool) -> Result<Metadata, XtaskError> {
    let manifest = root.join("Cargo.toml");
    let mut command = MetadataCommand::new();
    if let Some(cargo) = std::env::var_os("CARGO") {
        command.cargo_path(cargo);
    }
    command.current_dir(root).manifest_path(&manifest);
    let mut options = vec!["--offline".to_string()];
    if no_deps {
        command.no_deps();
    } else {
        options.extend(["--filter-platform".to_string(), host_triple(root)?]);
    }
    command.other_options(options);
    command
        .exec()
        .map_err(|source| XtaskError::Metadata { manifest, source })
}

/// The host target triple, from `rustc -vV` (`$RUSTC` when set).
pub fn host_triple(dir: &Path) -> Result<String, XtaskError> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let mut command = std::process::Command::new(rustc);
    command.current_dir(dir).arg("-vV");
    let described = subprocess::describe(&command);
    let output = subprocess::run_captured(&mut command)?;
    output
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(|host| host.trim().to_string())
        .ok_or_else(|| XtaskError::CommandFailed {
            command: described,
            status: "no `host:` line in its output".to_string(),
            stderr: output.clone(),
        })
}

/// Whether `cargo publish` may publish `package` (no `publish = false`).
pub fn is_publishable(package: &Package) -> bool {
    package
        .publish
        .as_ref()
        .is_none_or(|registries| !registries.is_empty())
}

/// The directory holding `package`'s `Cargo.toml`.
pub fn directory(package: &Package) -> &Path {
    package
        .manifest_path
        .parent()
        .map_or(Path::new("."), |dir| dir.as_std_path())
}

/// The workspace member named `name`.
pub fn member<'a>(metadata: &'a Metadata, name: &str) -> Option<&'a Package> {
    metadata
        .workspace_packages()
        .into_iter()
        .find(|p| p.name == name)
}

/// The name of the package with `id` (the id itself when the metadata does not list it).
pub fn package_name<'a>(metadata: &'a Metadata, id: &'a PackageId) -> &'a str {
    metadata
        .packages
        .iter()
        .find(|p| &p.id == id)
        .map_or(id.repr.as_str(), |p| p.name.as_str())
}

/// The table a dependency kind is declared in, as a person says it: `dependency`,
/// `dev-dependency`, `build-dependency`.
pub fn kind_label(kind: DependencyKind) -> &'static str {
    match kind {
        DependencyKind::Development => "dev-dependency",
        DependencyKind::Build => "build-dependency",
        _ => "dependency",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_workspace_offline() {
        let metadata = load(&crate::workspace_root(), true).unwrap();
        let xtask = member(&metadata, "xtask").expect("xtask is a member");
        assert!(!is_publishable(xtask));
        assert!(directory(xtask).join("src/metadata.rs").is_file());
        let model = member(&metadata, "pam-model").expect("pam-model is a member");
        assert!(is_publishable(model));
        assert_eq!(package_name(&metadata, &model.id), "pam-model");
        assert_eq!(kind_label(DependencyKind::Development), "dev-dependency");
    }
}
