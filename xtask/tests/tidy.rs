//! The tidy rules on the real workspace, and on temporary copies where one rule is broken.

use std::fs;
use std::path::Path;

use tempfile::TempDir;
use xtask::scratch::{self, WORKSPACE_COPY_SKIPS};
use xtask::tasks::tidy::{self, Rule, Violation};

fn workspace_copy() -> TempDir {
    let copy = scratch::temp_dir("xtask-tidy-test").expect("temporary directory");
    scratch::copy_tree(&xtask::workspace_root(), copy.path(), WORKSPACE_COPY_SKIPS)
        .expect("copy the workspace");
    copy
}

/// Rewrites `relative` in `root` with `change`, failing if the change did nothing (so a test
/// cannot pass because its edit silently missed).
fn edit(root: &Path, relative: &str, change: impl FnOnce(&str) -> String) {
    let path = root.join(relative);
    let before = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let after = change(&before);
    assert_ne!(before, after, "the edit of {relative} changed nothing");
    fs::write(&path, after).unwrap();
}

fn add_dependency(root: &Path, crate_dir: &str, table: &str, line: &str) {
    edit(root, &format!("crates/{crate_dir}/Cargo.toml"), |text| {
        let header = format!("[{table}]\n");
        assert!(text.contains(&header), "{crate_dir} has no [{table}]");
        text.replacen(&header, &format!("{header}{line}\n"), 1)
    });
}

fn violations(root: &Path) -> Vec<Violation> {
    tidy::check(root).unwrap_or_else(|e| panic!("tidy could not run: {e}"))
}

fn assert_reported(found: &[Violation], package: &str, rule: Rule, text: &str) {
    assert!(
        found
            .iter()
            .any(|v| v.package == package && v.rule == rule && v.message.contains(text)),
        "expected a {rule} violation for {package} mentioning {text:?}; found:\n{}",
        found.iter().map(|v| format!("  {v}\n")).collect::<String>()
    );
}

#[test]
fn the_workspace_is_tidy() {
    let found = violations(&xtask::workspace_root());
    assert!(
        found.is_empty(),
        "cargo xtask tidy found problems:\n{}",
        found.iter().map(|v| format!("  {v}\n")).collect::<String>()
    );
}

#[test]
fn a_missing_description_is_reported() {
    let copy = workspace_copy();
    edit(copy.path(), "crates/pam-model/Cargo.toml", |text| {
        text.lines()
            .filter(|l| !l.starts_with("description"))
            .map(|l| format!("{l}\n"))
            .collect()
    });
    let found = violations(copy.path());
    assert_reported(
        &found,
        "pam-model",
        Rule::PackageMetadata,
        "missing `description`",
    );
    let for_model: Vec<_> = found.iter().filter(|v| v.package == "pam-model").collect();
    assert_eq!(for_model.len(), 1, "{for_model:?}");
}

#[test]
fn a_missing_readme_file_is_reported() {
    let copy = workspace_copy();
    fs::remove_file(copy.path().join("crates/pam-sign/README.md")).unwrap();
    let found = violations(copy.path());
    assert_reported(
        &found,
        "pam-sign",
        Rule::PackageMetadata,
        "readme `README.md` does not exist",
    );
}

#[test]
fn missing_keywords_and_repository_are_reported() {
    let copy = workspace_copy();
    edit(copy.path(), "crates/pam-http/Cargo.toml", |text| {
        text.lines()
            .filter(|l| !l.starts_with("keywords") && !l.starts_with("repository"))
            .map(|l| format!("{l}\n"))
            .collect()
    });
    let found = violations(copy.path());
    assert_reported(
        &found,
        "pam-http",
        Rule::PackageMetadata,
        "missing `keywords`",
    );
    assert_reported(
        &found,
        "pam-http",
        Rule::PackageMetadata,
        "missing `repository`",
    );
}

#[test]
fn tokio_in_a_pure_crate_is_reported_with_the_chain() {
    let copy = workspace_copy();
    add_dependency(
        copy.path(),
        "pam-model",
        "dependencies",
        "tokio = { workspace = true }",
    );
    let found = violations(copy.path());
    assert_reported(
        &found,
        "pam-model",
        Rule::PureDependencies,
        "pam-model -> tokio",
    );
    // pam-token depends on pam-model, so it reaches tokio through it.
    assert_reported(
        &found,
        "pam-token",
        Rule::PureDependencies,
        "pam-token -> pam-model -> tokio",
    );
}

#[test]
fn an_internal_dependency_without_version_is_reported() {
    let copy = workspace_copy();
    add_dependency(
        copy.path(),
        "pam-token",
        "dependencies",
        "pam-sign = { path = \"../pam-sign\" }",
    );
    let found = violations(copy.path());
    assert_reported(
        &found,
        "pam-token",
        Rule::InternalVersion,
        "dependency on pam-sign has a path but no version",
    );
}

#[test]
fn a_workspace_dependency_without_version_is_reported() {
    let copy = workspace_copy();
    edit(copy.path(), "Cargo.toml", |text| {
        text.replace(
            "pam-sign = { path = \"crates/pam-sign\", version = \"0.1.0\" }",
            "pam-sign = { path = \"crates/pam-sign\" }",
        )
    });
    let found = violations(copy.path());
    assert_reported(
        &found,
        "workspace",
        Rule::InternalVersion,
        "`pam-sign` in [workspace.dependencies] has a path but no `version`",
    );
    // Every crate that inherits it is reported too.
    assert_reported(
        &found,
        "pam-http",
        Rule::InternalVersion,
        "pam-sign has a path but no version",
    );
}

#[test]
fn a_dependency_up_the_layering_is_reported() {
    let copy = workspace_copy();
    // (Cargo itself rejects cycles, so these edges point up without closing one.)
    add_dependency(
        copy.path(),
        "pam-sign",
        "dependencies",
        "pam-token = { workspace = true }",
    );
    add_dependency(
        copy.path(),
        "pam-emulator",
        "dependencies",
        "pam-sdk = { workspace = true }",
    );
    add_dependency(
        copy.path(),
        "pam-sign",
        "dev-dependencies",
        "pam-emulator = { workspace = true }",
    );
    let found = violations(copy.path());
    assert_reported(
        &found,
        "pam-sign",
        Rule::Layering,
        "dependency on pam-token points up the layering",
    );
    assert_reported(
        &found,
        "pam-emulator",
        Rule::Layering,
        "dependency on pam-sdk points up the layering",
    );
    assert_reported(
        &found,
        "pam-sign",
        Rule::Layering,
        "dev-dependency on pam-emulator carries a version, so crates.io must have pam-emulator 0.1.0 before pam-sign can be published",
    );
}

#[test]
fn a_path_only_dev_dependency_is_accepted_anywhere_below_the_cli() {
    // cargo strips path-only dev-dependencies when packaging, so they neither need a version
    // nor constrain the publish order.
    let copy = workspace_copy();
    add_dependency(
        copy.path(),
        "pam-sign",
        "dev-dependencies",
        "pam-emulator = { path = \"../pam-emulator\" }",
    );
    fs::write(
        copy.path().join("crates/pam-sign/tests/uses_emulator.rs"),
        "use pam_emulator as _;\n",
    )
    .unwrap();
    let found = violations(copy.path());
    let for_sign: Vec<_> = found.iter().filter(|v| v.package == "pam-sign").collect();
    assert!(for_sign.is_empty(), "{for_sign:?}");
}

#[test]
fn depending_on_the_cli_is_reported_even_from_tests() {
    let copy = workspace_copy();
    edit(copy.path(), "Cargo.toml", |text| {
        text.replace(
            "pam-emulator = { path = \"crates/pam-emulator\", version = \"0.1.0\" }",
            "pam-emulator = { path = \"crates/pam-emulator\", version = \"0.1.0\" }\npam-cli = { path = \"crates/pam-cli\", version = \"0.1.0\" }",
        )
    });
    edit(copy.path(), "tests/Cargo.toml", |text| {
        text.replacen(
            "[dev-dependencies]\n",
            "[dev-dependencies]\npam-cli = { workspace = true }\n",
            1,
        )
    });
    let found = violations(copy.path());
    assert_reported(
        &found,
        "pam-tests",
        Rule::Layering,
        "nothing may depend on the CLI crate",
    );
}

#[test]
fn a_crate_off_the_workspace_version_is_reported() {
    let copy = workspace_copy();
    edit(copy.path(), "crates/pam-sign/Cargo.toml", |text| {
        text.replace("\nversion.workspace = true", "\nversion = \"0.1.1\"")
    });
    let found = violations(copy.path());
    assert_reported(
        &found,
        "pam-sign",
        Rule::SharedVersion,
        "version 0.1.1 differs from [workspace.package] version 0.1.0",
    );
    assert_reported(
        &found,
        "pam-http",
        Rule::InternalVersion,
        "requires `^0.1.0` but pam-sign is at 0.1.1",
    );
}

#[test]
fn an_unlisted_publishable_crate_is_reported() {
    let copy = workspace_copy();
    edit(copy.path(), "tests/Cargo.toml", |text| {
        text.replace("publish = false\n", "repository.workspace = true\n")
    });
    let found = violations(copy.path());
    assert_reported(
        &found,
        "pam-tests",
        Rule::PublishList,
        "missing from layering::PUBLISH_ORDER",
    );
}

#[test]
fn an_unused_dependency_is_reported_until_a_target_mentions_it() {
    let copy = workspace_copy();
    add_dependency(
        copy.path(),
        "pam-model",
        "dependencies",
        "base64 = { workspace = true }",
    );
    // Renamed: code would call it `re`, so that is the name looked for.
    add_dependency(
        copy.path(),
        "pam-sign",
        "dev-dependencies",
        "re = { package = \"regex\", version = \"1\" }",
    );
    let found = violations(copy.path());
    assert_reported(
        &found,
        "pam-model",
        Rule::UnusedDependency,
        "dependency `base64` is declared but none of its targets mentions `base64`",
    );
    assert_reported(
        &found,
        "pam-sign",
        Rule::UnusedDependency,
        "dev-dependency `regex` is declared but none of its targets mentions `re`",
    );
    let unused: Vec<_> = found
        .iter()
        .filter(|v| v.rule == Rule::UnusedDependency)
        .collect();
    assert_eq!(unused.len(), 2, "only the two added ones: {unused:?}");

    // A mention in any target counts: an integration test of pam-model using base64.
    fs::write(
        copy.path().join("crates/pam-model/tests/uses_base64.rs"),
        "use base64::Engine as _;\n",
    )
    .unwrap();
    let found = violations(copy.path());
    assert!(
        !found
            .iter()
            .any(|v| v.package == "pam-model" && v.rule == Rule::UnusedDependency),
        "{found:?}"
    );
}

#[test]
fn a_crate_with_features_but_no_docs_rs_all_features_is_reported() {
    let copy = workspace_copy();
    edit(copy.path(), "crates/pam/Cargo.toml", |text| {
        text.replace("[package.metadata.docs.rs]\nall-features = true\n", "")
    });
    edit(copy.path(), "crates/pam-sign/Cargo.toml", |text| {
        format!("{text}\n[features]\nextra = []\n")
    });
    let found = violations(copy.path());
    assert_reported(
        &found,
        "pam-sdk",
        Rule::DocsRsFeatures,
        "has features (blocking) but docs.rs would build only the default ones",
    );
    assert_reported(
        &found,
        "pam-sign",
        Rule::DocsRsFeatures,
        "has features (extra)",
    );
}
