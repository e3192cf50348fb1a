//! `cargo xtask tidy`: workspace rules that keep the crates publishable and layered.
//!
//! The same check runs in `cargo test` (`xtask/tests/tidy.rs`), so CI enforces it. It reads
//! `cargo metadata` (manifests after workspace inheritance, plus the resolved graph) and the
//! root `Cargo.toml`, and reports every broken rule at once:
//!
//! - every publishable crate has `description`, `license`, `repository`, `rust-version`,
//!   `keywords` and a `readme` file that exists, and takes its version from the workspace;
//! - internal dependencies carry a version matching the crate they point to (crates.io needs
//!   it), both in `[workspace.dependencies]` and in each crate. The exception is a path-only
//!   dev-dependency (no version): `cargo package` strips it, so it never reaches crates.io;
//!   a dev-dependency *with* a version stays in the published manifest and must already be on
//!   crates.io, so it must follow the layering like any other dependency;
//! - dependencies follow [`crate::layering`]: no crate depends on one above it, nothing
//!   depends on the CLI;
//! - the pure crates' normal dependency trees contain no async runtime or HTTP crate.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::path::Path;

use super::Task;
use crate::XtaskError;
use crate::cargo_metadata::{DependencyKind, Metadata};
use crate::layering;
use crate::workspace_manifest;

/// The `tidy` task.
pub const TASK: Task = Task {
    name: "tidy",
    arguments: "",
    summary: "check crate metadata, internal versions, layering and pure crates' dependencies",
    run,
};

/// crates.io accepts at most this many keywords per crate.
pub const MAX_KEYWORDS: usize = 5;
/// crates.io accepts keywords of at most this many characters.
pub const MAX_KEYWORD_LEN: usize = 20;

/// Which rule a [`Violation`] breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rule {
    /// The publishable crates are exactly [`layering::PUBLISH_ORDER`].
    PublishList,
    /// Required package metadata is present and valid.
    PackageMetadata,
    /// Crates take their version from `[workspace.package]`.
    SharedVersion,
    /// Internal dependencies carry a matching version.
    InternalVersion,
    /// Dependencies only point down the layering.
    Layering,
    /// Pure crates reach no I/O crate.
    PureDependencies,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rule::PublishList => "publish-list",
            Rule::PackageMetadata => "package-metadata",
            Rule::SharedVersion => "shared-version",
            Rule::InternalVersion => "internal-version",
            Rule::Layering => "layering",
            Rule::PureDependencies => "pure-dependencies",
        })
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    /// The package at fault (`workspace` for the root manifest).
    pub package: String,
    /// The rule.
    pub rule: Rule,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]", self.package, self.message, self.rule)
    }
}

/// Checks the workspace at `root`; returns every violation (empty when tidy).
pub fn check(root: &Path) -> Result<Vec<Violation>, XtaskError> {
    let manifest_path = root.join("Cargo.toml");
    let manifest =
        std::fs::read_to_string(&manifest_path).map_err(|e| XtaskError::io(&manifest_path, e))?;
    let workspace_version = workspace_manifest::workspace_version(&manifest_path, &manifest)?;
    let mut violations = Vec::new();
    for dependency in workspace_manifest::internal_dependencies(&manifest_path, &manifest)? {
        if dependency.version.is_none() {
            violations.push(Violation {
                package: "workspace".to_string(),
                rule: Rule::InternalVersion,
                message: format!(
                    "Cargo.toml:{}: `{}` in [workspace.dependencies] has a path but no `version`",
                    dependency.line, dependency.name
                ),
            });
        }
    }
    let metadata = Metadata::load(root, false)?;
    violations.extend(check_metadata(&metadata, &workspace_version.to_string()));
    violations.sort();
    violations.dedup();
    Ok(violations)
}

/// The rules that read `cargo metadata` (and, for `readme`, the file system).
pub fn check_metadata(metadata: &Metadata, workspace_version: &str) -> Vec<Violation> {
    let mut violations = Vec::new();
    let mut push = |package: &str, rule: Rule, message: String| {
        violations.push(Violation {
            package: package.to_string(),
            rule,
            message,
        });
    };

    let publishable: BTreeSet<&str> = metadata
        .members
        .iter()
        .filter(|p| p.is_publishable())
        .map(|p| p.name.as_str())
        .collect();
    for name in layering::PUBLISH_ORDER {
        if !publishable.contains(name) {
            push(
                name,
                Rule::PublishList,
                "listed in layering::PUBLISH_ORDER but not a publishable workspace member"
                    .to_string(),
            );
        }
    }
    for name in &publishable {
        if !layering::PUBLISH_ORDER.contains(name) {
            push(name, Rule::PublishList, "publishable but missing from layering::PUBLISH_ORDER; add it there (and to ALLOWED_INTERNAL_DEPENDENCIES) or set `publish = false`".to_string());
        }
    }

    let versions: BTreeMap<&str, &str> = metadata
        .members
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();

    for package in &metadata.members {
        let name = package.name.as_str();
        for dependency in &package.dependencies {
            if dependency.name == layering::LEAF_CRATE {
                push(
                    name,
                    Rule::Layering,
                    format!(
                        "{} on {}: nothing may depend on the CLI crate",
                        dependency.kind,
                        layering::LEAF_CRATE
                    ),
                );
            }
        }
        if !package.is_publishable() {
            continue;
        }
        let missing =
            |field: &str| format!("missing `{field}` in Cargo.toml (needed on crates.io)");
        if package
            .description
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
        {
            push(name, Rule::PackageMetadata, missing("description"));
        }
        if package.license.is_none() && package.license_file.is_none() {
            push(name, Rule::PackageMetadata, missing("license"));
        }
        if package.repository.is_none() {
            push(name, Rule::PackageMetadata, missing("repository"));
        }
        if package.rust_version.is_none() {
            push(name, Rule::PackageMetadata, missing("rust-version"));
        }
        match &package.readme {
            None => push(name, Rule::PackageMetadata, missing("readme")),
            Some(readme) => {
                let path = package.directory().join(readme);
                if !path.is_file() {
                    push(
                        name,
                        Rule::PackageMetadata,
                        format!("readme `{readme}` does not exist at {}", path.display()),
                    );
                }
            }
        }
        if package.keywords.is_empty() {
            push(name, Rule::PackageMetadata, missing("keywords"));
        }
        if package.keywords.len() > MAX_KEYWORDS {
            push(
                name,
                Rule::PackageMetadata,
                format!(
                    "{} keywords; crates.io accepts at most {MAX_KEYWORDS}",
                    package.keywords.len()
                ),
            );
        }
        for keyword in &package.keywords {
            let valid = keyword.len() <= MAX_KEYWORD_LEN
                && keyword.starts_with(|c: char| c.is_ascii_alphabetic())
                && keyword
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !valid {
                push(
                    name,
                    Rule::PackageMetadata,
                    format!(
                        "keyword `{keyword}` is not valid on crates.io (ASCII letter first, then letters, digits, `-`, `_`; at most {MAX_KEYWORD_LEN} characters)"
                    ),
                );
            }
        }
        if package.version != workspace_version {
            push(
                name,
                Rule::SharedVersion,
                format!(
                    "version {} differs from [workspace.package] version {workspace_version}; use `version.workspace = true`",
                    package.version
                ),
            );
        }

        let allowed = layering::allowed_dependencies(name).unwrap_or(&[]);
        for dependency in &package.dependencies {
            let Some(target_version) = versions.get(dependency.name.as_str()) else {
                continue; // not a workspace member
            };
            // A path-only dev-dependency is stripped by `cargo package`: it never reaches
            // crates.io, needs no version and does not constrain the publish order.
            let stripped_on_publish = dependency.kind == DependencyKind::Dev
                && dependency.path.is_some()
                && dependency.req == "*";
            if dependency.path.is_some() && !stripped_on_publish {
                let required = dependency.req.trim_start_matches(['=', '^', '~', ' ']);
                if dependency.req == "*" {
                    push(
                        name,
                        Rule::InternalVersion,
                        format!(
                            "{} on {} has a path but no version; use `{} = {{ workspace = true }}`",
                            dependency.kind, dependency.name, dependency.name
                        ),
                    );
                } else if required != *target_version {
                    push(
                        name,
                        Rule::InternalVersion,
                        format!(
                            "{} on {} requires `{}` but {} is at {target_version}",
                            dependency.kind, dependency.name, dependency.req, dependency.name
                        ),
                    );
                }
            }
            if layering::PUBLISH_ORDER.contains(&dependency.name.as_str())
                && dependency.name != layering::LEAF_CRATE
                && !allowed.contains(&dependency.name.as_str())
                && !stripped_on_publish
            {
                let message = if dependency.kind == DependencyKind::Dev {
                    format!(
                        "dev-dependency on {dep} carries a version, so crates.io must have {dep} {target_version} before {name} \
                         can be published, but {dep} is published after {name}; declare it path-only in [dev-dependencies] \
                         (`{dep} = {{ path = \"{path}\" }}`: cargo strips it when packaging) or move the test to tests/ (pam-tests)",
                        dep = dependency.name,
                        path = relative_path(package.directory(), dependency.path.as_deref()),
                    )
                } else {
                    format!(
                        "{} on {} points up the layering (xtask/src/layering.rs); {name} may use only: {}",
                        dependency.kind,
                        dependency.name,
                        display_list(allowed)
                    )
                };
                push(name, Rule::Layering, message);
            }
        }
    }

    for pure in layering::PURE_CRATES {
        let Some(package) = metadata.member(pure) else {
            continue; // reported by the publish-list rule
        };
        if let Some(chain) = find_io_crate(metadata, &package.id) {
            push(
                pure,
                Rule::PureDependencies,
                format!(
                    "normal dependency tree reaches an I/O crate: {}; keep {pure} free of async runtimes and HTTP",
                    chain.join(" -> ")
                ),
            );
        }
    }
    violations
}

/// `to` written relative to `from` when both are siblings under one parent (`../pam-emulator`),
/// else `to` as given.
fn relative_path(from: &Path, to: Option<&Path>) -> String {
    let Some(to) = to else {
        return String::new();
    };
    match (from.parent(), to.parent(), to.file_name()) {
        (Some(a), Some(b), Some(name)) if a == b => format!("../{}", name.to_string_lossy()),
        _ => to.display().to_string(),
    }
}

fn display_list(names: &[&str]) -> String {
    if names.is_empty() {
        "no internal crate".to_string()
    } else {
        names.join(", ")
    }
}

/// Breadth-first search over normal edges from `start` for a package named in
/// [`layering::IO_CRATES`]; returns the chain of names from `start` to it.
fn find_io_crate(metadata: &Metadata, start: &str) -> Option<Vec<String>> {
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    let mut seen = BTreeSet::from([start]);
    while let Some(id) = queue.pop_front() {
        for edge in metadata
            .resolve
            .get(id)
            .into_iter()
            .flatten()
            .filter(|e| e.normal)
        {
            if !seen.insert(edge.to.as_str()) {
                continue;
            }
            parent.insert(edge.to.as_str(), id);
            let name = metadata
                .names
                .get(&edge.to)
                .map_or(edge.to.as_str(), |(n, _)| n.as_str());
            if layering::IO_CRATES.contains(&name) {
                let mut chain = vec![name.to_string()];
                let mut at = edge.to.as_str();
                while let Some(&up) = parent.get(at) {
                    chain.push(
                        metadata
                            .names
                            .get(up)
                            .map_or(up.to_string(), |(n, _)| n.clone()),
                    );
                    at = up;
                }
                chain.reverse();
                return Some(chain);
            }
            queue.push_back(edge.to.as_str());
        }
    }
    None
}

fn run(root: &Path, args: &[String]) -> Result<(), XtaskError> {
    super::expect_no_arguments(&TASK, args)?;
    let violations = check(root)?;
    if violations.is_empty() {
        println!(
            "tidy: ok ({} publishable crates checked)",
            layering::PUBLISH_ORDER.len()
        );
        Ok(())
    } else {
        Err(XtaskError::Tidy(violations))
    }
}
