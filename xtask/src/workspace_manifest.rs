//! Reading and editing the root `Cargo.toml` where a release changes it, with `toml_edit`.
//!
//! A release changes `version` in `[workspace.package]` and the `version` of each internal crate
//! (an entry with a `path`) in `[workspace.dependencies]`. `toml_edit` edits those values in
//! place, so comments, key order and layout survive byte for byte; line numbers (for messages
//! and the dry-run listing) come from the spans of a read-only parse of the same text.

use std::path::Path;

use semver::Version;
use toml_edit::{DocumentMut, ImDocument, Item, TableLike, Value};

use crate::XtaskError;

/// The section holding the shared version.
pub const PACKAGE_SECTION: &str = "workspace.package";
/// The section listing dependencies, internal crates included.
pub const DEPENDENCIES_SECTION: &str = "workspace.dependencies";

/// One value changed by [`set_version`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEdit {
    /// 1-based line number.
    pub line: usize,
    /// `workspace.package` or the internal crate's name.
    pub what: String,
    /// The version text before.
    pub from: String,
    /// The version text after.
    pub to: String,
}

impl std::fmt::Display for ManifestEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}: {} version {} -> {}",
            self.line, self.what, self.from, self.to
        )
    }
}

/// An internal crate listed in `[workspace.dependencies]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalDependency {
    /// The dependency key (the package name).
    pub name: String,
    /// 1-based line number of its entry.
    pub line: usize,
    /// Its `version` requirement text, if it has one.
    pub version: Option<String>,
}

/// The manifest at `path` (its text is `text`), parsed keeping spans.
struct Manifest<'a> {
    path: &'a Path,
    text: &'a str,
    document: ImDocument<&'a str>,
}

impl<'a> Manifest<'a> {
    fn parse(path: &'a Path, text: &'a str) -> Result<Self, XtaskError> {
        let document = ImDocument::parse(text).map_err(|e| XtaskError::Manifest {
            path: path.to_path_buf(),
            line: e.span().map(|span| line_of(text, span.start)),
            message: e.message().to_string(),
        })?;
        Ok(Manifest {
            path,
            text,
            document,
        })
    }

    fn problem(&self, item: Option<&Item>, message: String) -> XtaskError {
        XtaskError::Manifest {
            path: self.path.to_path_buf(),
            line: item.and_then(|i| self.line(i)),
            message,
        }
    }

    fn line(&self, item: &Item) -> Option<usize> {
        item.span().map(|span| line_of(self.text, span.start))
    }

    fn section(&self, name: &str) -> Option<&dyn TableLike> {
        self.document.get("workspace")?.get(name)?.as_table_like()
    }

    fn package_version(&self) -> Result<(&Item, Version), XtaskError> {
        let item = self
            .section("package")
            .and_then(|package| package.get("version"))
            .ok_or_else(|| {
                self.problem(None, format!("no `version = \"…\"` in [{PACKAGE_SECTION}]"))
            })?;
        let text = item.as_str().ok_or_else(|| {
            self.problem(Some(item), "expected `version = \"x.y.z\"`".to_string())
        })?;
        let version = parse_version(text).map_err(|e| self.problem(Some(item), e.to_string()))?;
        Ok((item, version))
    }

    fn internal_dependencies(&self) -> Vec<InternalDependency> {
        let Some(dependencies) = self.section("dependencies") else {
            return Vec::new();
        };
        dependencies
            .iter()
            .filter_map(|(name, item)| {
                let table = item.as_table_like()?;
                table.get("path")?;
                Some(InternalDependency {
                    name: name.to_string(),
                    line: table
                        .get("version")
                        .or_else(|| table.get("path"))
                        .and_then(|i| self.line(i))
                        .unwrap_or(0),
                    version: table
                        .get("version")
                        .and_then(Item::as_str)
                        .map(str::to_string),
                })
            })
            .collect()
    }
}

/// 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parses a version, with an error that says what is wrong with it.
pub fn parse_version(text: &str) -> Result<Version, XtaskError> {
    Version::parse(text).map_err(|source| XtaskError::InvalidVersion {
        input: text.chars().take(256).collect(),
        source,
    })
}

/// The version in `[workspace.package]` of the root manifest `text` (read from `path`).
pub fn workspace_version(path: &Path, text: &str) -> Result<Version, XtaskError> {
    Ok(Manifest::parse(path, text)?.package_version()?.1)
}

/// The internal crates (entries with a `path`) of `[workspace.dependencies]`.
pub fn internal_dependencies(
    path: &Path,
    text: &str,
) -> Result<Vec<InternalDependency>, XtaskError> {
    Ok(Manifest::parse(path, text)?.internal_dependencies())
}

/// Sets `version` as the `[workspace.package]` version and as the version of every internal
/// dependency in `[workspace.dependencies]`, keeping a requirement operator (`=`, `^`, `~`) if
/// one was written. Returns the new text and the values changed.
pub fn set_version(
    path: &Path,
    text: &str,
    version: &Version,
) -> Result<(String, Vec<ManifestEdit>), XtaskError> {
    let manifest = Manifest::parse(path, text)?;
    let (package_item, previous) = manifest.package_version()?;
    let mut edits = vec![ManifestEdit {
        line: manifest.line(package_item).unwrap_or(0),
        what: PACKAGE_SECTION.to_string(),
        from: previous.to_string(),
        to: version.to_string(),
    }];
    for dependency in manifest.internal_dependencies() {
        let Some(from) = dependency.version else {
            return Err(XtaskError::Manifest {
                path: path.to_path_buf(),
                line: Some(dependency.line),
                message: format!(
                    "internal dependency `{}` has no `version`; crates.io needs one to publish its dependents",
                    dependency.name
                ),
            });
        };
        let operator: String = from
            .chars()
            .take_while(|c| matches!(c, '=' | '^' | '~' | ' '))
            .collect();
        edits.push(ManifestEdit {
            line: dependency.line,
            what: dependency.name,
            from,
            to: format!("{operator}{version}"),
        });
    }

    let mut document: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| manifest.problem(None, e.message().to_string()))?;
    let workspace = &mut document["workspace"];
    replace_string(&mut workspace["package"]["version"], &edits[0].to);
    for edit in &edits[1..] {
        replace_string(
            &mut workspace["dependencies"][edit.what.as_str()]["version"],
            &edit.to,
        );
    }
    Ok((document.to_string(), edits))
}

/// Replaces the string in `item` by `text`, keeping the whitespace and comments around it.
fn replace_string(item: &mut Item, text: &str) {
    if let Some(value) = item.as_value_mut() {
        let decor = value.decor().clone();
        *value = Value::from(text);
        *value.decor_mut() = decor;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"[workspace]
members = ["a", "b"]

[workspace.package]
# the shared version
version = "0.1.0"  # kept in step with the crates
edition = "2024"

[workspace.dependencies]
# Internal crates: path for the workspace, version for publishing.
pam-model = { path = "crates/pam-model", version = "0.1.0" }
pam-token = { version = "=0.1.0", path = "crates/pam-token" }
pam-sign = { version = "0.1.0", path = "crates/pam-sign", default-features = false } # note
serde = { version = "1", features = ["derive"] }
regex = "1"

[workspace.dependencies.pam-http]
path = "crates/pam-http"
version = "^0.1.0"

[package]
version = "9.9.9"
"#;

    fn p() -> &'static Path {
        Path::new("Cargo.toml")
    }

    fn v(text: &str) -> Version {
        parse_version(text).unwrap()
    }

    #[test]
    fn reads_the_workspace_version() {
        assert_eq!(workspace_version(p(), MANIFEST).unwrap(), v("0.1.0"));
    }

    #[test]
    fn sets_only_the_versions_and_keeps_comments_and_layout() {
        let (text, edits) = set_version(p(), MANIFEST, &v("0.2.0-rc.1")).unwrap();
        let expected = MANIFEST
            .replace(
                "version = \"0.1.0\"  # kept",
                "version = \"0.2.0-rc.1\"  # kept",
            )
            .replace(
                "pam-model\", version = \"0.1.0\"",
                "pam-model\", version = \"0.2.0-rc.1\"",
            )
            .replace("version = \"=0.1.0\"", "version = \"=0.2.0-rc.1\"")
            .replace(
                "{ version = \"0.1.0\", path",
                "{ version = \"0.2.0-rc.1\", path",
            )
            .replace("version = \"^0.1.0\"", "version = \"^0.2.0-rc.1\"");
        assert_eq!(text, expected);
        let summary: Vec<String> = edits.iter().map(ToString::to_string).collect();
        assert_eq!(
            summary,
            [
                "line 6: workspace.package version 0.1.0 -> 0.2.0-rc.1",
                "line 11: pam-model version 0.1.0 -> 0.2.0-rc.1",
                "line 12: pam-token version =0.1.0 -> =0.2.0-rc.1",
                "line 13: pam-sign version 0.1.0 -> 0.2.0-rc.1",
                "line 19: pam-http version ^0.1.0 -> ^0.2.0-rc.1",
            ]
        );
    }

    #[test]
    fn lists_internal_dependencies() {
        let deps = internal_dependencies(p(), MANIFEST).unwrap();
        let names: Vec<&str> = deps.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["pam-model", "pam-token", "pam-sign", "pam-http"]);
        assert_eq!(deps[0].version.as_deref(), Some("0.1.0"));
    }

    #[test]
    fn refuses_an_internal_dependency_without_version() {
        let text = MANIFEST.replace(
            "pam-model = { path = \"crates/pam-model\", version = \"0.1.0\" }",
            "pam-model = { path = \"crates/pam-model\" }",
        );
        let err = set_version(p(), &text, &v("0.2.0"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("Cargo.toml:11:"), "{err}");
        assert!(err.contains("`pam-model` has no `version`"), "{err}");
    }

    #[test]
    fn bad_manifests_and_versions_are_errors_with_their_line() {
        let no_version =
            MANIFEST.replace("version = \"0.1.0\"  # kept in step with the crates\n", "");
        let err = workspace_version(p(), &no_version).unwrap_err().to_string();
        assert!(err.contains("no `version"), "{err}");

        let bad_version = MANIFEST.replace("version = \"0.1.0\"  #", "version = \"0.1\"  #");
        let err = workspace_version(p(), &bad_version)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("Cargo.toml:6:") && err.contains("invalid version `0.1`"),
            "{err}"
        );

        let not_toml = MANIFEST.replace("edition = \"2024\"", "edition = ");
        let err = workspace_version(p(), &not_toml).unwrap_err().to_string();
        assert!(err.starts_with("Cargo.toml:7:"), "{err}");
    }

    #[test]
    fn versions_follow_semver_precedence() {
        assert!(v("0.2.0-rc.1") < v("0.2.0-rc.2"));
        assert!(v("0.2.0-rc.2") < v("0.2.0-rc.10"));
        assert!(v("0.2.0-rc.10") < v("0.2.0"));
        assert_eq!(
            v("0.2.0+build.5").cmp_precedence(&v("0.2.0")),
            std::cmp::Ordering::Equal
        );
        let err = parse_version("01.2.3").unwrap_err().to_string();
        assert!(err.starts_with("invalid version `01.2.3`: "), "{err}");
    }
}
