//! The release logic on temporary git copies of the workspace, without the cargo package,
//! publish and crates.io steps (those need the network and build everything).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;
use xtask::XtaskError;
use xtask::changelog::today_utc;
use xtask::scratch::{self, WORKSPACE_COPY_SKIPS};
use xtask::tasks::release::{self, Mode, ReleaseOptions};

const PUBLISHABLE: &[&str] = &[
    "pam-model",
    "pam-sign",
    "pam-token",
    "pam-http",
    "pam-sdk",
    "pam-emulator",
    "pam-cli",
];

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=xtask test",
            "-c",
            "user.email=xtask@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A copy of the workspace (without target/ and .git/) committed into a fresh git repository.
fn committed_copy() -> TempDir {
    let copy = scratch::temp_dir("xtask-release-test").expect("temporary directory");
    scratch::copy_tree(&xtask::workspace_root(), copy.path(), WORKSPACE_COPY_SKIPS).expect("copy");
    git(copy.path(), &["init", "-q"]);
    git(copy.path(), &["add", "-A"]);
    git(copy.path(), &["commit", "-q", "-m", "snapshot"]);
    copy
}

fn options(root: &Path, version: &str, mode: Mode) -> ReleaseOptions {
    ReleaseOptions {
        root: root.to_path_buf(),
        version: version.parse().expect("test version"),
        mode,
        run_tidy: false,
        cargo_steps: false,
        date: today_utc(),
    }
}

/// Every file under `root` except .git/, with its bytes.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(
                    path.strip_prefix(root).unwrap().to_path_buf(),
                    fs::read(&path).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn metadata(root: &Path) -> Value {
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(root)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

#[test]
fn release_bumps_every_version_and_dates_the_changelog() {
    let copy = committed_copy();
    let root = copy.path();
    let changelog_before = fs::read_to_string(root.join("CHANGELOG.md")).unwrap();
    let unreleased_entries = changelog_before
        .split_once("## [Unreleased]\n")
        .expect("the changelog has an Unreleased section")
        .1
        .trim()
        .to_string();
    assert!(
        unreleased_entries.contains("### Added"),
        "{unreleased_entries}"
    );
    let before = snapshot(root);

    let mut log = Vec::new();
    let outcome = release::release(&options(root, "0.2.0", Mode::Apply), &mut log)
        .unwrap_or_else(|e| panic!("release failed: {e}"));
    let log = String::from_utf8(log).unwrap();
    assert!(outcome.applied);
    assert_eq!(outcome.previous.to_string(), "0.1.0");
    assert_eq!(
        outcome.changed_files,
        ["Cargo.toml", "CHANGELOG.md", "Cargo.lock"]
    );
    // [workspace.package] plus the six internal crates of [workspace.dependencies] (the CLI is
    // a binary nobody depends on, so it is not listed there).
    assert_eq!(
        outcome.manifest_edits.len(),
        7,
        "{:?}",
        outcome.manifest_edits
    );
    let expected_commands: Vec<String> = PUBLISHABLE
        .iter()
        .map(|c| format!("cargo publish -p {c}"))
        .collect();
    assert_eq!(outcome.publish_commands, expected_commands);
    for command in &expected_commands {
        assert!(log.contains(command), "{log}");
    }

    // The root manifest: no trace of the old version, the new one in the 7 expected places.
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("\"0.1.0\""), "{manifest}");
    assert_eq!(
        manifest.matches("version = \"0.2.0\"").count(),
        7,
        "{manifest}"
    );

    // What cargo itself reads after inheritance.
    let metadata = metadata(root);
    for package in metadata["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        if PUBLISHABLE.contains(&name) {
            assert_eq!(package["version"], "0.2.0", "{name}");
        }
        for dependency in package["dependencies"].as_array().unwrap() {
            // Path-only dev-dependencies (`req` "*") are stripped when packaging and carry
            // no version to bump.
            let path_only_dev = dependency["kind"] == "dev" && dependency["req"] == "*";
            if dependency.get("path").is_some()
                && PUBLISHABLE.contains(&dependency["name"].as_str().unwrap())
                && !path_only_dev
            {
                assert_eq!(
                    dependency["req"], "^0.2.0",
                    "{name} -> {}",
                    dependency["name"]
                );
            }
        }
    }

    // Cargo.lock agrees.
    let lock = fs::read_to_string(root.join("Cargo.lock")).unwrap();
    for name in PUBLISHABLE {
        let entry = format!("[[package]]\nname = \"{name}\"\nversion = \"0.2.0\"\n");
        assert!(lock.contains(&entry), "Cargo.lock lacks {entry:?}");
    }

    // The changelog: an empty Unreleased section, then today's release with the old entries.
    let changelog = fs::read_to_string(root.join("CHANGELOG.md")).unwrap();
    let today = today_utc();
    let expected = format!("## [Unreleased]\n\n## [0.2.0] - {today}\n\n{unreleased_entries}\n");
    assert!(changelog.contains(&expected), "{changelog}");
    assert_eq!(changelog.matches("## [").count(), 2, "{changelog}");

    // Nothing else changed.
    let after = snapshot(root);
    for (path, contents) in &before {
        let released_file = ["Cargo.toml", "CHANGELOG.md", "Cargo.lock"]
            .iter()
            .any(|f| Path::new(f) == path);
        if !released_file {
            assert_eq!(
                after.get(path),
                Some(contents),
                "{} changed",
                path.display()
            );
        }
    }
    assert_eq!(before.len(), after.len(), "files were added or removed");
    let status = git(root, &["status", "--porcelain"]);
    let mut changed: Vec<&str> = status.lines().collect();
    changed.sort();
    assert_eq!(
        changed,
        [" M CHANGELOG.md", " M Cargo.lock", " M Cargo.toml"]
    );

    // Released once, the changelog has nothing new for another release.
    git(root, &["commit", "-q", "-am", "Release 0.2.0"]);
    let err = release::release(&options(root, "0.3.0", Mode::DryRun), &mut Vec::new()).unwrap_err();
    assert!(err.to_string().contains("section is empty"), "{err}");
}

#[test]
fn a_dry_run_changes_nothing() {
    let copy = committed_copy();
    let root = copy.path();
    let before = snapshot(root);
    let mut log = Vec::new();
    let outcome = release::release(&options(root, "0.2.0", Mode::DryRun), &mut log)
        .unwrap_or_else(|e| panic!("dry run failed: {e}"));
    let log = String::from_utf8(log).unwrap();
    // It did the work (in its staging copy) ...
    assert!(!outcome.applied);
    assert_eq!(
        outcome.changed_files,
        ["Cargo.toml", "CHANGELOG.md", "Cargo.lock"]
    );
    assert!(
        log.contains("workspace.package version 0.1.0 -> 0.2.0"),
        "{log}"
    );
    assert!(
        log.contains(&format!("## [0.2.0] - {}", today_utc())),
        "{log}"
    );
    assert!(log.contains("cargo publish -p pam-model"), "{log}");
    // ... and left the checkout exactly as it was.
    assert_eq!(snapshot(root), before, "the dry run changed files");
    assert_eq!(git(root, &["status", "--porcelain"]), "");
}

#[test]
fn a_dirty_tree_is_refused_and_left_alone() {
    let copy = committed_copy();
    let root = copy.path();
    fs::write(root.join("notes.txt"), "work in progress").unwrap();
    let before = snapshot(root);
    for mode in [Mode::DryRun, Mode::Apply] {
        let err = release::release(&options(root, "0.2.0", mode), &mut Vec::new()).unwrap_err();
        assert!(
            matches!(&err, XtaskError::DirtyTree { entries, .. } if entries == &["?? notes.txt"]),
            "{err}"
        );
        assert!(
            err.to_string()
                .starts_with("refusing to release: the git tree"),
            "{err}"
        );
    }
    assert_eq!(snapshot(root), before);
}

#[test]
fn versions_not_above_the_current_one_are_refused() {
    let copy = committed_copy();
    let root = copy.path();
    let before = snapshot(root);
    for version in ["0.1.0", "0.0.9", "0.1.0-rc.1", "0.1.0+build.5"] {
        let err =
            release::release(&options(root, version, Mode::Apply), &mut Vec::new()).unwrap_err();
        assert!(
            err.to_string()
                .contains("is not above the current version 0.1.0"),
            "{version}: {err}"
        );
    }
    assert_eq!(snapshot(root), before);
}

#[test]
fn a_release_candidate_precedes_its_release() {
    let copy = committed_copy();
    let root = copy.path();
    release::release(&options(root, "0.2.0-rc.1", Mode::Apply), &mut Vec::new())
        .unwrap_or_else(|e| panic!("rc release failed: {e}"));
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert_eq!(
        manifest.matches("version = \"0.2.0-rc.1\"").count(),
        7,
        "{manifest}"
    );
    git(root, &["commit", "-q", "-am", "Release 0.2.0-rc.1"]);
    let err =
        release::release(&options(root, "0.2.0-rc.1", Mode::DryRun), &mut Vec::new()).unwrap_err();
    assert!(
        err.to_string()
            .contains("not above the current version 0.2.0-rc.1"),
        "{err}"
    );
    // 0.2.0 is above 0.2.0-rc.1; it then stops at the changelog, which has no new entries.
    let err = release::release(&options(root, "0.2.0", Mode::DryRun), &mut Vec::new()).unwrap_err();
    assert!(err.to_string().contains("section is empty"), "{err}");
}

#[test]
fn a_workspace_breaking_a_tidy_rule_is_refused_and_left_alone() {
    let copy = scratch::temp_dir("xtask-release-test").expect("temporary directory");
    scratch::copy_tree(&xtask::workspace_root(), copy.path(), WORKSPACE_COPY_SKIPS).expect("copy");
    let root = copy.path();
    let manifest = root.join("crates/pam-model/Cargo.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    let without_keywords: String = text
        .lines()
        .filter(|l| !l.starts_with("keywords"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(text, without_keywords);
    fs::write(&manifest, without_keywords).unwrap();
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "snapshot"]);
    let before = snapshot(root);
    let mut with_tidy = options(root, "0.2.0", Mode::Apply);
    with_tidy.run_tidy = true;
    let err = release::release(&with_tidy, &mut Vec::new()).unwrap_err();
    assert!(
        err.to_string().contains("pam-model: missing `keywords`"),
        "{err}"
    );
    assert_eq!(snapshot(root), before, "a refused release changed files");
}
