//! The parts of `cargo metadata --format-version 1` that tidy and release read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::XtaskError;
use crate::subprocess;

/// Which table a dependency is declared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DependencyKind {
    /// `[dependencies]`.
    Normal,
    /// `[dev-dependencies]`.
    Dev,
    /// `[build-dependencies]`.
    Build,
}

impl std::fmt::Display for DependencyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DependencyKind::Normal => "dependency",
            DependencyKind::Dev => "dev-dependency",
            DependencyKind::Build => "build-dependency",
        })
    }
}

/// A dependency as declared by a package (after workspace inheritance).
#[derive(Debug, Clone)]
pub struct Dependency {
    /// The package depended on.
    pub name: String,
    /// The version requirement; `*` when none was written.
    pub req: String,
    /// Which table declares it.
    pub kind: DependencyKind,
    /// The local path, for path dependencies.
    pub path: Option<PathBuf>,
}

/// A package of the workspace.
#[derive(Debug, Clone)]
pub struct Package {
    /// Package id, as used by the resolve graph.
    pub id: String,
    /// Package name.
    pub name: String,
    /// Package version.
    pub version: String,
    /// Path of its `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// `publish = false` gives `Some([])`; absent gives `None`.
    pub publish: Option<Vec<String>>,
    /// `description`.
    pub description: Option<String>,
    /// `license`.
    pub license: Option<String>,
    /// `license-file`.
    pub license_file: Option<String>,
    /// `repository`.
    pub repository: Option<String>,
    /// `rust-version`.
    pub rust_version: Option<String>,
    /// `readme`, relative to the manifest's directory.
    pub readme: Option<String>,
    /// `keywords`.
    pub keywords: Vec<String>,
    /// Declared dependencies.
    pub dependencies: Vec<Dependency>,
}

impl Package {
    /// Whether `cargo publish` may publish it (no `publish = false`).
    pub fn is_publishable(&self) -> bool {
        self.publish
            .as_ref()
            .is_none_or(|registries| !registries.is_empty())
    }

    /// The directory holding its `Cargo.toml`.
    pub fn directory(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("."))
    }
}

/// A resolved dependency edge.
#[derive(Debug, Clone)]
pub struct ResolvedEdge {
    /// Package id depended on.
    pub to: String,
    /// Whether the edge exists as a normal (not dev, not build) dependency.
    pub normal: bool,
}

/// What `cargo metadata` says about a workspace.
#[derive(Debug, Clone)]
pub struct Metadata {
    /// The workspace's own packages.
    pub members: Vec<Package>,
    /// Every package id's name and version (members and dependencies).
    pub names: BTreeMap<String, (String, String)>,
    /// The resolved graph: package id to its dependencies. Empty with `no_deps`.
    pub resolve: BTreeMap<String, Vec<ResolvedEdge>>,
}

impl Metadata {
    /// Runs `cargo metadata` on the workspace at `root`. `no_deps` skips dependency resolution
    /// (fast, no lock file needed).
    ///
    /// Uses `--offline`, since checks must not depend on the network: after a build, the lock
    /// file and the local cache know every dependency *for this machine's platform*. Full
    /// metadata would also download the manifests of other platforms' dependencies
    /// (`hermit-abi`, `windows-sys`, …), so the resolved graph is filtered to the host platform
    /// (`--filter-platform`, host from `rustc -vV`). A dependency declared only for another
    /// platform is therefore not seen.
    pub fn load(root: &Path, no_deps: bool) -> Result<Self, XtaskError> {
        let mut command = subprocess::cargo(root);
        command.args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--manifest-path",
        ]);
        command.arg(root.join("Cargo.toml"));
        if no_deps {
            command.arg("--no-deps");
        } else {
            command.args(["--filter-platform", &host_triple(root)?]);
        }
        let stdout = subprocess::run_captured(&mut command)?;
        Self::parse(&stdout)
    }

    /// Parses `cargo metadata --format-version 1` output.
    pub fn parse(json: &str) -> Result<Self, XtaskError> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| XtaskError::Metadata(format!("not JSON: {e}")))?;
        let array = |v: &Value, key: &str| -> Result<Vec<Value>, XtaskError> {
            v.get(key)
                .and_then(Value::as_array)
                .cloned()
                .ok_or_else(|| XtaskError::Metadata(format!("missing array `{key}`")))
        };
        let member_ids: Vec<String> = array(&value, "workspace_members")?
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let mut members = Vec::new();
        let mut names = BTreeMap::new();
        for package in array(&value, "packages")? {
            let id = text(&package, "id")?;
            names.insert(
                id.clone(),
                (text(&package, "name")?, text(&package, "version")?),
            );
            if member_ids.contains(&id) {
                members.push(parse_package(&package)?);
            }
        }
        let mut resolve = BTreeMap::new();
        if let Some(nodes) = value.pointer("/resolve/nodes").and_then(Value::as_array) {
            for node in nodes {
                let id = text(node, "id")?;
                let mut edges = Vec::new();
                for dep in node
                    .get("deps")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let normal =
                        dep.get("dep_kinds")
                            .and_then(Value::as_array)
                            .is_some_and(|kinds| {
                                kinds
                                    .iter()
                                    .any(|k| k.get("kind").is_some_and(Value::is_null))
                            });
                    edges.push(ResolvedEdge {
                        to: text(dep, "pkg")?,
                        normal,
                    });
                }
                resolve.insert(id, edges);
            }
        }
        Ok(Metadata {
            members,
            names,
            resolve,
        })
    }

    /// The member named `name`.
    pub fn member(&self, name: &str) -> Option<&Package> {
        self.members.iter().find(|p| p.name == name)
    }
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

fn text(value: &Value, key: &str) -> Result<String, XtaskError> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| XtaskError::Metadata(format!("missing string `{key}` in {}", short(value))))
}

fn optional_text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

fn short(value: &Value) -> String {
    let mut s = value.to_string();
    if s.len() > 120 {
        let mut cut = 120;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

fn parse_package(package: &Value) -> Result<Package, XtaskError> {
    let strings = |key: &str| -> Vec<String> {
        package
            .get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut dependencies = Vec::new();
    for dep in package
        .get("dependencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let kind = match dep.get("kind").and_then(Value::as_str) {
            None => DependencyKind::Normal,
            Some("dev") => DependencyKind::Dev,
            Some("build") => DependencyKind::Build,
            Some(other) => {
                return Err(XtaskError::Metadata(format!(
                    "unknown dependency kind `{other}`"
                )));
            }
        };
        dependencies.push(Dependency {
            name: text(dep, "name")?,
            req: text(dep, "req")?,
            kind,
            path: optional_text(dep, "path").map(PathBuf::from),
        });
    }
    Ok(Package {
        id: text(package, "id")?,
        name: text(package, "name")?,
        version: text(package, "version")?,
        manifest_path: PathBuf::from(text(package, "manifest_path")?),
        publish: package
            .get("publish")
            .and_then(Value::as_array)
            .map(|_| strings("publish")),
        description: optional_text(package, "description"),
        license: optional_text(package, "license"),
        license_file: optional_text(package, "license_file"),
        repository: optional_text(package, "repository"),
        rust_version: optional_text(package, "rust_version"),
        readme: optional_text(package, "readme"),
        keywords: strings("keywords"),
        dependencies,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_fields_tidy_reads() {
        let json = r#"{
          "workspace_members": ["path+file:///w/a#0.1.0", "path+file:///w/x#0.0.0"],
          "packages": [
            {"id": "path+file:///w/a#0.1.0", "name": "a", "version": "0.1.0",
             "manifest_path": "/w/a/Cargo.toml", "publish": null, "description": "A",
             "license": "MIT", "repository": "https://r", "rust_version": "1.85",
             "readme": "README.md", "keywords": ["k"],
             "dependencies": [
               {"name": "b", "req": "^0.1.0", "kind": null, "path": "/w/b"},
               {"name": "p", "req": "^1", "kind": "dev"}
             ]},
            {"id": "path+file:///w/x#0.0.0", "name": "x", "version": "0.0.0",
             "manifest_path": "/w/x/Cargo.toml", "publish": [], "dependencies": []},
            {"id": "registry+https://x#p@1.0.0", "name": "p", "version": "1.0.0",
             "manifest_path": "/r/p/Cargo.toml", "dependencies": []}
          ],
          "resolve": {"nodes": [
            {"id": "path+file:///w/a#0.1.0", "deps": [
              {"pkg": "registry+https://x#p@1.0.0", "dep_kinds": [{"kind": "dev", "target": null}]}
            ]}
          ]}
        }"#;
        let metadata = Metadata::parse(json).unwrap();
        assert_eq!(metadata.members.len(), 2);
        let a = metadata.member("a").unwrap();
        assert!(a.is_publishable());
        assert!(!metadata.member("x").unwrap().is_publishable());
        assert_eq!(a.dependencies[0].path.as_deref(), Some(Path::new("/w/b")));
        assert_eq!(a.dependencies[1].kind, DependencyKind::Dev);
        assert_eq!(a.directory(), Path::new("/w/a"));
        let edges = &metadata.resolve["path+file:///w/a#0.1.0"];
        assert!(!edges[0].normal, "a dev-only edge is not normal");
        assert_eq!(metadata.names["registry+https://x#p@1.0.0"].0, "p");
    }

    #[test]
    fn malformed_output_is_an_error_not_a_panic() {
        for bad in [
            "",
            "[]",
            r#"{"workspace_members": []}"#,
            r#"{"workspace_members":[],"packages":[{"id":1}]}"#,
        ] {
            let err = Metadata::parse(bad).expect_err(bad).to_string();
            assert!(
                err.starts_with("unexpected `cargo metadata` output"),
                "{err}"
            );
        }
    }
}
