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
//! - the pure crates' normal dependency trees contain no async runtime or HTTP crate;
//! - a publishable crate with features asks docs.rs to build with all of them
//!   (`[package.metadata.docs.rs] all-features = true`), so feature-gated items are documented;
//! - every declared dependency is mentioned by one of its crate's targets
//!   ([`unused_dependencies`]).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::path::Path;

pub mod unused_dependencies;

use crate::XtaskError;
use cargo_metadata::semver::VersionReq;
use cargo_metadata::{DependencyKind, Metadata, PackageId};

use crate::layering;
use crate::metadata::{self, directory, is_publishable, kind_label};
use crate::workspace_manifest;

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
    /// Every declared dependency is used by some target of its crate.
    UnusedDependency,
    /// A publishable crate with features has docs.rs build all of them.
    DocsRsFeatures,
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
            Rule::UnusedDependency => "unused-dependency",
            Rule::DocsRsFeatures => "docs-rs-features",
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
    let metadata = metadata::load(root, false)?;
    violations.extend(check_metadata(&metadata, &workspace_version.to_string()));
    for unused in unused_dependencies::find(&metadata)? {
        violations.push(Violation {
            package: unused.package,
            rule: Rule::UnusedDependency,
            message: format!(
                "{} `{}` is declared but none of its targets mentions `{}`; remove it from Cargo.toml",
                kind_label(unused.kind),
                unused.dependency,
                unused.code_name
            ),
        });
    }
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

    let members = metadata.workspace_packages();
    let publishable: BTreeSet<&str> = members
        .iter()
        .filter(|p| is_publishable(p))
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

    let versions: BTreeMap<&str, String> = members
        .iter()
        .map(|p| (p.name.as_str(), p.version.to_string()))
        .collect();

    for package in &members {
        let name = package.name.as_str();
        for dependency in &package.dependencies {
            if dependency.name == layering::LEAF_CRATE {
                push(
                    name,
                    Rule::Layering,
                    format!(
                        "{} on {}: nothing may depend on the CLI crate",
                        kind_label(dependency.kind),
                        layering::LEAF_CRATE
                    ),
                );
            }
        }
        if !is_publishable(package) {
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
                let path = directory(package).join(readme);
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
        let features: Vec<&str> = package
            .features
            .keys()
            .map(String::as_str)
            .filter(|f| *f != "default")
            .collect();
        let all_features = package
            .metadata
            .pointer("/docs/rs/all-features")
            .and_then(serde_json::Value::as_bool)
            == Some(true);
        if !features.is_empty() && !all_features {
            push(
                name,
                Rule::DocsRsFeatures,
                format!(
                    "has features ({}) but docs.rs would build only the default ones; add \
                     `[package.metadata.docs.rs]` with `all-features = true`",
                    features.join(", ")
                ),
            );
        }
        if package.version.to_string() != workspace_version {
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
            let stripped_on_publish = dependency.kind == DependencyKind::Development
                && dependency.path.is_some()
                && dependency.req == VersionReq::STAR;
            if dependency.path.is_some() && !stripped_on_publish {
                let req = dependency.req.to_string();
                let required = req.trim_start_matches(['=', '^', '~', ' ']);
                if dependency.req == VersionReq::STAR {
                    push(
                        name,
                        Rule::InternalVersion,
                        format!(
                            "{} on {} has a path but no version; use `{} = {{ workspace = true }}`",
                            kind_label(dependency.kind),
                            dependency.name,
                            dependency.name
                        ),
                    );
                } else if required != target_version {
                    push(
                        name,
                        Rule::InternalVersion,
                        format!(
                            "{} on {} requires `{req}` but {} is at {target_version}",
                            kind_label(dependency.kind),
                            dependency.name,
                            dependency.name
                        ),
                    );
                }
            }
            if layering::PUBLISH_ORDER.contains(&dependency.name.as_str())
                && dependency.name != layering::LEAF_CRATE
                && !allowed.contains(&dependency.name.as_str())
                && !stripped_on_publish
            {
                let message = if dependency.kind == DependencyKind::Development {
                    format!(
                        "dev-dependency on {dep} carries a version, so crates.io must have {dep} {target_version} before {name} \
                         can be published, but {dep} is published after {name}; declare it path-only in [dev-dependencies] \
                         (`{dep} = {{ path = \"{path}\" }}`: cargo strips it when packaging) or move the test to tests/ (pam-tests)",
                        dep = dependency.name,
                        path = relative_path(
                            directory(package),
                            dependency.path.as_ref().map(|p| p.as_std_path())
                        ),
                    )
                } else {
                    format!(
                        "{} on {} points up the layering (xtask/src/layering.rs); {name} may use only: {}",
                        kind_label(dependency.kind),
                        dependency.name,
                        display_list(allowed)
                    )
                };
                push(name, Rule::Layering, message);
            }
        }
    }

    for pure in layering::PURE_CRATES {
        let Some(package) = metadata::member(metadata, pure) else {
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
fn find_io_crate(metadata: &Metadata, start: &PackageId) -> Option<Vec<String>> {
    let resolve = metadata.resolve.as_ref()?;
    let edges: BTreeMap<&PackageId, Vec<&PackageId>> = resolve
        .nodes
        .iter()
        .map(|node| {
            let normal = node
                .deps
                .iter()
                .filter(|dep| {
                    dep.dep_kinds
                        .iter()
                        .any(|k| k.kind == DependencyKind::Normal)
                })
                .map(|dep| &dep.pkg)
                .collect();
            (&node.id, normal)
        })
        .collect();
    let mut parent: BTreeMap<&PackageId, &PackageId> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    let mut seen = BTreeSet::from([start]);
    while let Some(id) = queue.pop_front() {
        for &to in edges.get(id).into_iter().flatten() {
            if !seen.insert(to) {
                continue;
            }
            parent.insert(to, id);
            let name = metadata::package_name(metadata, to);
            if layering::IO_CRATES.contains(&name) {
                let mut chain = vec![name.to_string()];
                let mut at = to;
                while let Some(&up) = parent.get(at) {
                    chain.push(metadata::package_name(metadata, up).to_string());
                    at = up;
                }
                chain.reverse();
                return Some(chain);
            }
            queue.push_back(to);
        }
    }
    None
}

/// Checks the workspace at `root` and prints the outcome; fails on any violation.
pub fn run(root: &Path) -> Result<(), XtaskError> {
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
