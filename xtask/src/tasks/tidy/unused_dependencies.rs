//! The `unused-dependency` rule: every dependency a workspace crate declares is mentioned by
//! at least one of its targets.
//!
//! A target's sources are the `.rs` files under the directory of its root file (`src/` for the
//! library and binaries, `tests/`, `benches/`, `examples/`), the build script itself, and the
//! files they pull in with `include_str!` (a crate whose docs are its README runs the README's
//! examples as doctests, so a dev-dependency used only there is used). A dependency is
//! *mentioned* when the name code uses for it (its `package` rename, or its library name, `-`
//! read as `_`) appears as a path root (`tokio::spawn`, `#[tokio::test]`, `serde_json::json!`)
//! or after `use` / `extern crate`. Comments count as mentions, so a doctest in a doc comment
//! keeps its dev-dependency; the rule catches dependencies nothing names at all.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use cargo_metadata::{Dependency, Metadata, Package, TargetKind};

use crate::XtaskError;

/// A declared dependency that none of its crate's targets mention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnusedDependency {
    /// The crate that declares it.
    pub package: String,
    /// The dependency's package name, as in `Cargo.toml`.
    pub dependency: String,
    /// The name code would use for it.
    pub code_name: String,
    /// The table that declares it.
    pub kind: cargo_metadata::DependencyKind,
}

/// Every unused dependency of the workspace members in `metadata`.
pub fn find(metadata: &Metadata) -> Result<Vec<UnusedDependency>, XtaskError> {
    let mut unused = Vec::new();
    for package in metadata.workspace_packages() {
        let sources = read_sources(package)?;
        for dependency in &package.dependencies {
            let code_name = code_name(metadata, dependency);
            if !sources.iter().any(|text| mentions(text, &code_name)) {
                unused.push(UnusedDependency {
                    package: package.name.clone(),
                    dependency: dependency.name.clone(),
                    code_name,
                    kind: dependency.kind,
                });
            }
        }
    }
    Ok(unused)
}

/// The name code uses for `dependency`: its rename, else the library target's name of the
/// package it resolves to, else the package name; `-` becomes `_`.
fn code_name(metadata: &Metadata, dependency: &Dependency) -> String {
    let name = dependency.rename.clone().unwrap_or_else(|| {
        metadata
            .packages
            .iter()
            .filter(|p| p.name == dependency.name && dependency.req.matches(&p.version))
            .flat_map(|p| &p.targets)
            .find(|t| {
                t.kind.iter().any(|k| {
                    matches!(
                        k,
                        TargetKind::Lib
                            | TargetKind::RLib
                            | TargetKind::ProcMacro
                            | TargetKind::DyLib
                            | TargetKind::CDyLib
                            | TargetKind::StaticLib
                    )
                })
            })
            .map_or_else(|| dependency.name.clone(), |t| t.name.clone())
    });
    name.replace('-', "_")
}

/// The text of every source file of `package`'s targets (see the module docs).
fn read_sources(package: &Package) -> Result<Vec<String>, XtaskError> {
    let mut files = BTreeSet::new();
    for target in &package.targets {
        let root = target.src_path.as_std_path();
        if target.kind.contains(&TargetKind::CustomBuild) {
            files.insert(root.to_path_buf());
        } else if let Some(dir) = root.parent() {
            collect_rust_files(dir, &mut files)?;
        }
    }
    let mut texts = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).map_err(|e| XtaskError::io(&file, e))?;
        for included in included_files(&file, &text) {
            if let Ok(included_text) = fs::read_to_string(&included) {
                texts.push(included_text);
            }
        }
        texts.push(text);
    }
    Ok(texts)
}

fn collect_rust_files(dir: &Path, files: &mut BTreeSet<PathBuf>) -> Result<(), XtaskError> {
    let entries = fs::read_dir(dir).map_err(|e| XtaskError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| XtaskError::io(dir, e))?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(|e| XtaskError::io(&path, e))?;
        if file_type.is_dir() {
            if entry.file_name() != "target" {
                collect_rust_files(&path, files)?;
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.insert(path);
        }
    }
    Ok(())
}

/// The files `include_str!("…")` names in `text` (the source file at `file`), resolved
/// relative to `file`'s directory.
fn included_files(file: &Path, text: &str) -> Vec<PathBuf> {
    const MACRO: &str = "include_str!(\"";
    let dir = file.parent().unwrap_or(Path::new("."));
    text.match_indices(MACRO)
        .filter_map(|(at, _)| {
            let rest = &text[at + MACRO.len()..];
            rest.find('"').map(|end| dir.join(&rest[..end]))
        })
        .collect()
}

/// Whether `text` mentions the crate `name` as a path root or after `use` / `extern crate`.
pub fn mentions(text: &str, name: &str) -> bool {
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut previous_word: &str = "";
    let mut at = 0;
    while at < bytes.len() {
        if !is_ident(bytes[at]) {
            at += 1;
            continue;
        }
        let start = at;
        while at < bytes.len() && is_ident(bytes[at]) {
            at += 1;
        }
        let word = &text[start..at];
        if word == name {
            let after = text[at..].trim_start();
            if after.starts_with("::") || matches!(previous_word, "use" | "crate") {
                return true;
            }
        }
        previous_word = word;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_roots_and_imports_are_mentions() {
        for (text, name) in [
            ("tokio::spawn(x)", "tokio"),
            ("#[tokio::test]\nasync fn t() {}", "tokio"),
            ("let v = serde_json::json!({});", "serde_json"),
            ("use serde_json;", "serde_json"),
            ("pub use pam_model as model;", "pam_model"),
            ("extern crate serde_json;", "serde_json"),
            ("use serde_json :: Value;", "serde_json"),
            ("/// # #[tokio::main]", "tokio"),
        ] {
            assert!(mentions(text, name), "{name} in {text:?}");
        }
    }

    #[test]
    fn longer_names_and_plain_words_are_not_mentions() {
        for text in [
            "serde_json::to_string(&x)", // `serde` is only a prefix here
            "use my_serde::X;",
            "use crate::serde_support;",
            "let serde = 1;",
            "// the serde way",
            "",
        ] {
            assert!(!mentions(text, "serde"), "{text:?}");
        }
    }

    #[test]
    fn include_str_targets_resolve_next_to_the_file() {
        let found = included_files(
            Path::new("/w/crates/a/src/lib.rs"),
            "#![doc = include_str!(\"../README.md\")]\nconst X: &str = include_str!(\"data.txt\");",
        );
        assert_eq!(
            found,
            [
                PathBuf::from("/w/crates/a/src/../README.md"),
                PathBuf::from("/w/crates/a/src/data.txt")
            ]
        );
    }
}
