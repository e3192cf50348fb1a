//! Line-based reading and editing of the few lines of the root `Cargo.toml` a release changes.
//!
//! A release changes exactly two kinds of line: `version = "…"` in `[workspace.package]`, and the
//! `version = "…"` inside each internal crate's one-line inline table in
//! `[workspace.dependencies]` (an internal crate is one with a `path`). Editing just those lines
//! keeps comments and layout byte-for-byte, needs no TOML crate, and anything unexpected
//! (a multi-line table, an internal crate without `version`) is refused with its line number
//! rather than guessed at.

use std::path::Path;

use crate::XtaskError;
use crate::semver::Version;

/// The section holding the shared version.
pub const PACKAGE_SECTION: &str = "workspace.package";
/// The section listing dependencies, internal crates included.
pub const DEPENDENCIES_SECTION: &str = "workspace.dependencies";

/// One line changed by [`set_version`].
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
    /// 1-based line number.
    pub line: usize,
    /// Its `version` requirement text, if it has one.
    pub version: Option<String>,
}

/// Byte range of the text between the quotes of `key = "…"` in `line`, where `key` starts the
/// line or follows `{` or `,` (so `path` does not match inside `xpath`).
pub fn quoted_value_range(line: &str, key: &str) -> Option<(usize, usize)> {
    let mut search_from = 0;
    while let Some(offset) = line[search_from..].find(key) {
        let start = search_from + offset;
        search_from = start + key.len();
        let before = line[..start].trim_end();
        if !(before.is_empty() || before.ends_with('{') || before.ends_with(',')) {
            continue;
        }
        let after = line[start + key.len()..].trim_start();
        let Some(after_eq) = after.strip_prefix('=') else {
            continue;
        };
        let value = after_eq.trim_start();
        let Some(inner) = value.strip_prefix('"') else {
            continue;
        };
        let open = line.len() - inner.len();
        let close = inner.find('"')?;
        return Some((open, open + close));
    }
    None
}

fn section_name(line: &str) -> Option<&str> {
    let trimmed = line.trim();
    if trimmed.starts_with("[[") {
        return Some(trimmed.trim_start_matches('[').trim_end_matches(']').trim());
    }
    let inner = trimmed.strip_prefix('[')?;
    let end = inner.find(']')?;
    Some(inner[..end].trim())
}

fn is_comment_or_blank(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

fn key_of(line: &str) -> &str {
    line.split('=')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"')
}

struct Scan<'a> {
    lines: Vec<&'a str>,
    package_version: Option<usize>,
    internal: Vec<InternalDependency>,
}

fn scan<'a>(path: &Path, text: &'a str) -> Result<Scan<'a>, XtaskError> {
    let problem = |line: usize, message: String| XtaskError::Manifest {
        path: path.to_path_buf(),
        line: Some(line),
        message,
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut section = String::new();
    let mut package_version = None;
    let mut internal = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let number = index + 1;
        if is_comment_or_blank(line) {
            continue;
        }
        if let Some(name) = section_name(line) {
            if name.starts_with(&format!("{DEPENDENCIES_SECTION}.")) {
                return Err(problem(
                    number,
                    format!(
                        "`[{name}]` tables are not supported; write the dependency as a one-line inline table in [{DEPENDENCIES_SECTION}]"
                    ),
                ));
            }
            section = name.to_string();
            continue;
        }
        if section == PACKAGE_SECTION && key_of(line) == "version" {
            if package_version.is_some() {
                return Err(problem(
                    number,
                    format!("second `version` in [{PACKAGE_SECTION}]"),
                ));
            }
            if quoted_value_range(line, "version").is_none() {
                return Err(problem(
                    number,
                    "expected `version = \"x.y.z\"`".to_string(),
                ));
            }
            package_version = Some(index);
        } else if section == DEPENDENCIES_SECTION {
            let name = key_of(line).to_string();
            if let Some((crate_name, _)) = name.split_once('.') {
                if line.contains("path") {
                    return Err(problem(
                        number,
                        format!(
                            "dotted key `{name}` is not supported; write `{crate_name} = {{ path = …, version = … }}` on one line"
                        ),
                    ));
                }
                continue;
            }
            if quoted_value_range(line, "path").is_none() {
                continue;
            }
            if !line.trim_end().ends_with('}') {
                return Err(problem(
                    number,
                    format!(
                        "internal dependency `{name}` must be a one-line inline table `{{ path = …, version = … }}`"
                    ),
                ));
            }
            let version = quoted_value_range(line, "version").map(|(s, e)| line[s..e].to_string());
            internal.push(InternalDependency {
                name,
                line: number,
                version,
            });
        }
    }
    Ok(Scan {
        lines,
        package_version,
        internal,
    })
}

/// The version in `[workspace.package]` of the root manifest `text` (read from `path`).
pub fn workspace_version(path: &Path, text: &str) -> Result<Version, XtaskError> {
    let scan = scan(path, text)?;
    let index = scan.package_version.ok_or_else(|| XtaskError::Manifest {
        path: path.to_path_buf(),
        line: None,
        message: format!("no `version = \"…\"` in [{PACKAGE_SECTION}]"),
    })?;
    let line = scan.lines[index];
    let (start, end) = quoted_value_range(line, "version").unwrap_or((0, 0));
    line[start..end]
        .parse()
        .map_err(|e: XtaskError| XtaskError::Manifest {
            path: path.to_path_buf(),
            line: Some(index + 1),
            message: e.to_string(),
        })
}

/// The internal crates (entries with a `path`) of `[workspace.dependencies]`.
pub fn internal_dependencies(
    path: &Path,
    text: &str,
) -> Result<Vec<InternalDependency>, XtaskError> {
    Ok(scan(path, text)?.internal)
}

/// Sets `version` as the `[workspace.package]` version and as the version of every internal
/// dependency in `[workspace.dependencies]`, keeping a requirement operator (`=`, `^`, `~`) if
/// one was written. Returns the new text and the lines changed.
pub fn set_version(
    path: &Path,
    text: &str,
    version: &Version,
) -> Result<(String, Vec<ManifestEdit>), XtaskError> {
    let scan = scan(path, text)?;
    let Some(package_line) = scan.package_version else {
        return Err(XtaskError::Manifest {
            path: path.to_path_buf(),
            line: None,
            message: format!("no `version = \"…\"` in [{PACKAGE_SECTION}]"),
        });
    };
    let mut lines: Vec<String> = scan.lines.iter().map(|l| l.to_string()).collect();
    let mut edits = Vec::new();
    let mut replace = |index: usize, what: &str, keep_operator: bool| {
        let line = &lines[index];
        let (start, end) = quoted_value_range(line, "version").unwrap_or((0, 0));
        let from = line[start..end].to_string();
        let operator: String = if keep_operator {
            from.chars()
                .take_while(|c| matches!(c, '=' | '^' | '~' | ' '))
                .collect()
        } else {
            String::new()
        };
        let to = format!("{operator}{version}");
        lines[index] = format!("{}{to}{}", &line[..start], &line[end..]);
        edits.push(ManifestEdit {
            line: index + 1,
            what: what.to_string(),
            from,
            to,
        });
    };
    replace(package_line, PACKAGE_SECTION, false);
    for dep in &scan.internal {
        if dep.version.is_none() {
            return Err(XtaskError::Manifest {
                path: path.to_path_buf(),
                line: Some(dep.line),
                message: format!(
                    "internal dependency `{}` has no `version`; crates.io needs one to publish its dependents",
                    dep.name
                ),
            });
        }
        replace(dep.line - 1, &dep.name, true);
    }
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    Ok((out, edits))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"[workspace]
members = ["a", "b"]

[workspace.package]
# the shared version
version = "0.1.0"
edition = "2024"

[workspace.dependencies]
# Internal crates: path for the workspace, version for publishing.
pam-model = { path = "crates/pam-model", version = "0.1.0" }
pam-token = { version = "=0.1.0", path = "crates/pam-token" }
serde = { version = "1", features = ["derive"] }
regex = "1"

[package]
version = "9.9.9"
"#;

    fn p() -> &'static Path {
        Path::new("Cargo.toml")
    }

    #[test]
    fn reads_the_workspace_version() {
        assert_eq!(
            workspace_version(p(), MANIFEST).unwrap().to_string(),
            "0.1.0"
        );
    }

    #[test]
    fn sets_only_the_known_lines() {
        let (text, edits) = set_version(p(), MANIFEST, &"0.2.0-rc.1".parse().unwrap()).unwrap();
        let expected = MANIFEST
            .replace(
                "version = \"0.1.0\"\nedition",
                "version = \"0.2.0-rc.1\"\nedition",
            )
            .replace(
                "pam-model\", version = \"0.1.0\"",
                "pam-model\", version = \"0.2.0-rc.1\"",
            )
            .replace("version = \"=0.1.0\"", "version = \"=0.2.0-rc.1\"");
        assert_eq!(text, expected);
        let summary: Vec<String> = edits.iter().map(ToString::to_string).collect();
        assert_eq!(
            summary,
            [
                "line 6: workspace.package version 0.1.0 -> 0.2.0-rc.1",
                "line 11: pam-model version 0.1.0 -> 0.2.0-rc.1",
                "line 12: pam-token version =0.1.0 -> =0.2.0-rc.1",
            ]
        );
    }

    #[test]
    fn lists_internal_dependencies() {
        let deps = internal_dependencies(p(), MANIFEST).unwrap();
        let names: Vec<&str> = deps.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["pam-model", "pam-token"]);
    }

    #[test]
    fn refuses_an_internal_dependency_without_version() {
        let text = MANIFEST.replace(", version = \"0.1.0\" }", " }");
        let err = set_version(p(), &text, &"0.2.0".parse().unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("Cargo.toml:11:"), "{err}");
        assert!(err.contains("`pam-model` has no `version`"), "{err}");
    }

    #[test]
    fn refuses_shapes_it_cannot_edit_safely() {
        let multi_line = MANIFEST.replace(
            "pam-model = { path = \"crates/pam-model\", version = \"0.1.0\" }",
            "pam-model = { path = \"crates/pam-model\",\n  version = \"0.1.0\" }",
        );
        let err = set_version(p(), &multi_line, &"0.2.0".parse().unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("Cargo.toml:11:") && err.contains("one-line inline table"),
            "{err}"
        );

        let subtable = format!("{MANIFEST}\n[workspace.dependencies.pam-sign]\npath = \"x\"\n");
        let err = workspace_version(p(), &subtable).unwrap_err().to_string();
        assert!(err.contains("[workspace.dependencies.pam-sign]"), "{err}");

        let no_version = MANIFEST.replace("version = \"0.1.0\"\nedition", "edition");
        let err = workspace_version(p(), &no_version).unwrap_err().to_string();
        assert!(err.contains("no `version"), "{err}");

        let bad_version =
            MANIFEST.replace("version = \"0.1.0\"\nedition", "version = \"0.1\"\nedition");
        let err = workspace_version(p(), &bad_version)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("Cargo.toml:6:") && err.contains("MAJOR.MINOR.PATCH"),
            "{err}"
        );
    }

    #[test]
    fn quoted_values_match_whole_keys_only() {
        let line = r#"x = { xpath = "no", path = "yes" }"#;
        let (s, e) = quoted_value_range(line, "path").unwrap();
        assert_eq!(&line[s..e], "yes");
        assert_eq!(
            quoted_value_range("version.workspace = true", "version"),
            None
        );
    }
}
