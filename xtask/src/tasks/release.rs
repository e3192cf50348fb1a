//! `cargo xtask release VERSION [--dry-run] [--execute]`: cut a release of every crate.
//!
//! All crates share the `[workspace.package]` version, so a release bumps that and the
//! `version` of each internal crate in `[workspace.dependencies]`, moves the changelog's
//! Unreleased entries under a dated heading, and publishes the crates in
//! [`layering::PUBLISH_ORDER`].
//!
//! Every edit is made in a staging copy of the workspace (the files git tracks), and every
//! check runs there: the version bump is re-read through `cargo metadata` and `Cargo.lock`,
//! the tidy rules run, crates.io is asked about each name, and `cargo package` and
//! `cargo publish --dry-run` run on the staged crates. Only when all of that passed are the
//! changed files copied back, each replaced atomically. So a failed release, or a `--dry-run`,
//! leaves the checkout exactly as it was.
//!
//! Packaging crates whose internal dependencies are not on crates.io yet: cargo (1.90+)
//! packages several `-p` crates together in dependency order and verifies each against a local
//! registry overlay holding the others, so `cargo package -p … -p …` verifies fully (each
//! crate builds from its `.crate` contents) without anything published. `cargo publish
//! --dry-run` with the same `-p` list uses the same overlay and adds crates.io's own checks.
//! Both build in a fresh target directory of their own (see `package_and_dry_run` for why),
//! so a full dry run compiles every crate and its dependencies once: minutes, not seconds.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use semver::Version;

use crate::XtaskError;
use crate::changelog;
use crate::crates_io::{self, NameStatus};
use crate::layering;
use crate::metadata;
use crate::scratch;
use crate::subprocess;
use crate::workspace_manifest::{self, ManifestEdit};

/// `cargo xtask release`'s arguments.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct ReleaseArgs {
    /// The new version, `MAJOR.MINOR.PATCH[-PRE][+BUILD]`, above the current one.
    #[arg(value_name = "VERSION", value_parser = workspace_manifest::parse_version)]
    pub version: Version,
    /// Do everything in a staging copy only; the checkout is unchanged.
    #[arg(long, conflicts_with = "execute")]
    pub dry_run: bool,
    /// After applying, commit, tag and `cargo publish` each crate in order.
    #[arg(long)]
    pub execute: bool,
}

impl ReleaseArgs {
    /// How far the release goes.
    #[must_use]
    pub fn mode(&self) -> Mode {
        match (self.dry_run, self.execute) {
            (true, _) => Mode::DryRun,
            (false, true) => Mode::Execute,
            (false, false) => Mode::Apply,
        }
    }
}

/// The files a release changes, relative to the workspace root.
pub const RELEASE_FILES: &[&str] = &["Cargo.toml", "CHANGELOG.md", "Cargo.lock"];

/// How far a release goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Do everything in the staging copy only; the checkout is unchanged.
    DryRun,
    /// Write the bumped files into the checkout and print the commit, tag and publish commands.
    Apply,
    /// Apply, then commit, tag and `cargo publish` each crate in order.
    Execute,
}

/// What to release and how.
#[derive(Debug, Clone)]
pub struct ReleaseOptions {
    /// The workspace root (a clean git checkout).
    pub root: PathBuf,
    /// The new version.
    pub version: Version,
    /// How far to go.
    pub mode: Mode,
    /// Run the tidy rules on the staged workspace and refuse on any violation. Tests of the
    /// version and changelog logic turn this off so they do not depend on the tidiness of the
    /// crates being written concurrently; the tidy rules have their own tests.
    pub run_tidy: bool,
    /// Run the crates.io name check, `cargo package` and `cargo publish --dry-run`. Tests turn
    /// this off: those steps need the network and build every crate.
    pub cargo_steps: bool,
    /// The release date for the changelog.
    pub date: jiff::civil::Date,
}

/// What a release did (or, for a dry run, would do).
#[derive(Debug, Clone)]
pub struct ReleaseOutcome {
    /// The version before.
    pub previous: Version,
    /// The lines changed in the root `Cargo.toml`.
    pub manifest_edits: Vec<ManifestEdit>,
    /// The changelog heading the Unreleased entries moved under.
    pub changelog_heading: String,
    /// The files whose content changed (relative paths).
    pub changed_files: Vec<String>,
    /// crates.io's answer per crate (empty when the cargo steps were skipped).
    pub names: Vec<(String, NameStatus)>,
    /// The publish commands, in order.
    pub publish_commands: Vec<String>,
    /// Whether the checkout was changed.
    pub applied: bool,
}

macro_rules! say {
    ($log:expr, $($arg:tt)*) => {
        // The log is progress output; a closed stdout must not abort a half-done release.
        let _ = writeln!($log, $($arg)*);
    };
}

/// Fails with [`XtaskError::DirtyTree`] when `git status --porcelain` lists anything.
pub fn ensure_clean(root: &Path) -> Result<(), XtaskError> {
    let status = subprocess::run_captured(subprocess::git(root).args(["status", "--porcelain"]))?;
    let entries: Vec<String> = status
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    if entries.is_empty() {
        Ok(())
    } else {
        Err(XtaskError::DirtyTree {
            root: root.to_path_buf(),
            entries,
        })
    }
}

fn read(path: &Path) -> Result<String, XtaskError> {
    fs::read_to_string(path).map_err(|e| XtaskError::io(path, e))
}

/// Runs a release; progress goes to `log`.
pub fn release(
    options: &ReleaseOptions,
    log: &mut dyn Write,
) -> Result<ReleaseOutcome, XtaskError> {
    let root = options.root.as_path();
    let version = &options.version;
    ensure_clean(root)?;

    let manifest_path = root.join("Cargo.toml");
    let manifest = read(&manifest_path)?;
    let previous = workspace_manifest::workspace_version(&manifest_path, &manifest)?;
    if version.cmp_precedence(&previous) != std::cmp::Ordering::Greater {
        return Err(XtaskError::VersionNotAbove {
            requested: version.to_string(),
            current: previous.to_string(),
        });
    }
    let changelog_path = root.join("CHANGELOG.md");
    let changelog_text = read(&changelog_path)?;
    let new_changelog = changelog::release_unreleased(&changelog_text, version, options.date)
        .map_err(|problem| XtaskError::Changelog {
            path: changelog_path.clone(),
            message: problem.to_string(),
        })?;
    let (new_manifest, manifest_edits) =
        workspace_manifest::set_version(&manifest_path, &manifest, version)?;
    let changelog_heading = format!("## [{version}] - {}", options.date);
    say!(
        log,
        "release: {previous} -> {version} ({})",
        match options.mode {
            Mode::DryRun => "dry run: the checkout stays unchanged",
            Mode::Apply => "apply: files change, nothing is published",
            Mode::Execute => "execute: commit, tag and publish",
        }
    );
    say!(log, "Cargo.toml:");
    for edit in &manifest_edits {
        say!(log, "  {edit}");
    }
    say!(
        log,
        "CHANGELOG.md: [Unreleased] entries move under `{changelog_heading}`"
    );

    let staging = scratch::temp_dir("xtask-release")?;
    let stage = staging.path();
    scratch::copy_tracked_files(root, stage)?;
    fs::write(stage.join("Cargo.toml"), &new_manifest)
        .map_err(|e| XtaskError::io(stage.join("Cargo.toml"), e))?;
    fs::write(stage.join("CHANGELOG.md"), &new_changelog)
        .map_err(|e| XtaskError::io(stage.join("CHANGELOG.md"), e))?;
    say!(log, "staging copy: {}", stage.display());
    subprocess::run_captured(subprocess::cargo(stage).args([
        "update",
        "--workspace",
        "--offline",
    ]))?;
    check_bump(stage, version)?;
    say!(
        log,
        "version bump: consistent across manifests and Cargo.lock"
    );
    if options.run_tidy {
        let violations = super::tidy::check(stage)?;
        if !violations.is_empty() {
            return Err(XtaskError::Tidy(violations));
        }
        say!(log, "tidy: ok");
    } else {
        say!(log, "skipped: tidy");
    }

    let mut names = Vec::new();
    if options.cargo_steps {
        names = check_names(stage, log)?;
        package_and_dry_run(stage, log)?;
    } else {
        say!(
            log,
            "skipped: crates.io name check, cargo package, cargo publish --dry-run"
        );
    }

    let mut changed_files = Vec::new();
    let mut staged = Vec::new();
    for file in RELEASE_FILES {
        let new = fs::read(stage.join(file)).map_err(|e| XtaskError::io(stage.join(file), e))?;
        let old = fs::read(root.join(file)).ok();
        if old.as_deref() != Some(new.as_slice()) {
            changed_files.push(file.to_string());
            staged.push((file, new));
        }
    }
    let publish_commands: Vec<String> = layering::PUBLISH_ORDER
        .iter()
        .map(|name| format!("cargo publish -p {name}"))
        .collect();

    let applied = options.mode != Mode::DryRun;
    if applied {
        // The cargo steps take minutes: make sure nobody changed the checkout meanwhile.
        ensure_clean(root)?;
        if read(&manifest_path)? != manifest || read(&changelog_path)? != changelog_text {
            return Err(XtaskError::Usage(
                "Cargo.toml or CHANGELOG.md changed during the release; run it again".to_string(),
            ));
        }
        for (file, contents) in &staged {
            scratch::replace_file(&root.join(file), contents)?;
        }
        say!(log, "updated: {}", changed_files.join(", "));
    } else {
        say!(log, "dry run: would update {}", changed_files.join(", "));
    }

    if options.mode == Mode::Execute {
        publish(root, version, &changed_files, &names, log)?;
    } else {
        say!(
            log,
            "\nto publish, from a clean checkout with these changes:"
        );
        say!(
            log,
            "  git commit -m \"Release {version}\" -- {}",
            changed_files.join(" ")
        );
        say!(log, "  git tag -a v{version} -m \"Release {version}\"");
        for command in &publish_commands {
            say!(log, "  {command}");
        }
        say!(log, "  git push && git push origin v{version}");
        say!(
            log,
            "(`cargo xtask release {version} --execute` does the commit, tag and publishes in this order)"
        );
    }

    Ok(ReleaseOutcome {
        previous,
        manifest_edits,
        changelog_heading,
        changed_files,
        names,
        publish_commands,
        applied,
    })
}

/// Checks, in the workspace at `root`, that every publishable crate, every internal dependency
/// requirement and every workspace entry of `Cargo.lock` names `version`.
pub fn check_bump(root: &Path, version: &Version) -> Result<(), XtaskError> {
    let expected = version.to_string();
    let metadata = metadata::load(root, true)?;
    let mut problems = Vec::new();
    for package in metadata.workspace_packages() {
        let is_ours = layering::PUBLISH_ORDER.contains(&package.name.as_str());
        if is_ours && package.version.to_string() != expected {
            problems.push(format!(
                "{} is at {}, not {expected}",
                package.name, package.version
            ));
        }
        for dependency in package
            .dependencies
            .iter()
            .filter(|d| d.path.is_some() && d.req != cargo_metadata::semver::VersionReq::STAR)
        {
            let req = dependency.req.to_string();
            if layering::PUBLISH_ORDER.contains(&dependency.name.as_str())
                && req.trim_start_matches(['=', '^', '~', ' ']) != expected
            {
                problems.push(format!(
                    "{} requires {} `{}`, not {expected}; declare it as `{} = {{ workspace = true }}`",
                    package.name, dependency.name, req, dependency.name
                ));
            }
        }
    }
    let lock_path = root.join("Cargo.lock");
    let lock = read(&lock_path)?;
    for (name, locked) in lock_versions(&lock_path, &lock)? {
        if layering::PUBLISH_ORDER.contains(&name.as_str()) && locked != expected {
            problems.push(format!("Cargo.lock has {name} {locked}, not {expected}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(XtaskError::InconsistentBump(problems))
    }
}

/// `(name, version)` of each `[[package]]` in a `Cargo.lock` (at `path`).
pub fn lock_versions(path: &Path, lock: &str) -> Result<Vec<(String, String)>, XtaskError> {
    let document: toml_edit::DocumentMut =
        lock.parse()
            .map_err(|e: toml_edit::TomlError| XtaskError::Manifest {
                path: path.to_path_buf(),
                line: None,
                message: e.to_string(),
            })?;
    let packages = document
        .get("package")
        .and_then(toml_edit::Item::as_array_of_tables);
    Ok(packages
        .into_iter()
        .flat_map(|tables| tables.iter())
        .filter_map(|package| {
            let name = package.get("name")?.as_str()?;
            let version = package.get("version")?.as_str()?;
            Some((name.to_string(), version.to_string()))
        })
        .collect())
}

fn check_names(stage: &Path, log: &mut dyn Write) -> Result<Vec<(String, NameStatus)>, XtaskError> {
    let metadata = metadata::load(stage, true)?;
    let outside = scratch::temp_dir("xtask-crates-io")?;
    let mut names = Vec::new();
    let mut taken = Vec::new();
    say!(log, "crates.io names:");
    for name in layering::PUBLISH_ORDER {
        let repository = metadata::member(&metadata, name)
            .and_then(|p| p.repository.clone())
            .unwrap_or_default();
        let status = crates_io::check_name(name, &repository, outside.path())?;
        say!(log, "  {name}: {status}");
        if let NameStatus::TakenByOthers { .. } = status {
            taken.push(format!("{name}: {status}"));
        }
        names.push((name.to_string(), status));
    }
    if taken.is_empty() {
        Ok(names)
    } else {
        Err(XtaskError::NamesTaken(taken))
    }
}

fn with_packages(command: &mut std::process::Command) {
    for name in layering::PUBLISH_ORDER {
        command.args(["-p", name]);
    }
}

fn package_and_dry_run(stage: &Path, log: &mut dyn Write) -> Result<(), XtaskError> {
    // A target directory of this run only, inside the staging copy (removed with it). Reusing
    // a shared one would be faster but wrong: cargo unpacks the overlay registry's crates into
    // `$CARGO_HOME/registry/src/<hash of the overlay's path>/<name>-<version>` and does not
    // unpack again when that directory exists, so a second run for the same version with the
    // same target directory would verify the first run's sources. The build dir is pinned to
    // it too, since `build.build-dir` is where the overlay lives when configured.
    let target = stage.join("target");
    let mut package = subprocess::cargo(stage);
    package
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_BUILD_BUILD_DIR", &target)
        .arg("package");
    with_packages(&mut package);
    say!(log, "running: {}", subprocess::describe(&package));
    let _ = log.flush();
    subprocess::run_visible(&mut package)?;
    let mut publish = subprocess::cargo(stage);
    publish
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_BUILD_BUILD_DIR", &target)
        .args(["publish", "--dry-run"]);
    with_packages(&mut publish);
    say!(log, "running: {}", subprocess::describe(&publish));
    let _ = log.flush();
    subprocess::run_visible(&mut publish)?;
    say!(
        log,
        "cargo package and cargo publish --dry-run: ok for all {} crates",
        layering::PUBLISH_ORDER.len()
    );
    Ok(())
}

fn publish(
    root: &Path,
    version: &Version,
    changed_files: &[String],
    names: &[(String, NameStatus)],
    log: &mut dyn Write,
) -> Result<(), XtaskError> {
    let unknown: Vec<String> = names
        .iter()
        .filter(|(_, s)| matches!(s, NameStatus::Unknown { .. }))
        .map(|(n, s)| format!("{n}: {s}"))
        .collect();
    if names.len() != layering::PUBLISH_ORDER.len() || !unknown.is_empty() {
        return Err(XtaskError::Usage(format!(
            "not publishing: crates.io names were not all confirmed free or ours ({}); the changes are applied, commit and publish by hand once resolved",
            unknown.join("; ")
        )));
    }
    let message = format!("Release {version}");
    let mut commit = subprocess::git(root);
    commit
        .args(["commit", "-m", &message, "--"])
        .args(changed_files);
    subprocess::run_visible(&mut commit)?;
    subprocess::run_visible(subprocess::git(root).args([
        "tag",
        "-a",
        &format!("v{version}"),
        "-m",
        &message,
    ]))?;
    for name in layering::PUBLISH_ORDER {
        let mut command = subprocess::cargo(root);
        command.args(["publish", "-p", name]);
        say!(log, "running: {}", subprocess::describe(&command));
        let _ = log.flush();
        subprocess::run_visible(&mut command)?;
    }
    say!(
        log,
        "published {version}; now: git push && git push origin v{version}"
    );
    Ok(())
}

/// Runs the release `args` asks for on the workspace at `root`, dated today (UTC).
pub fn run(root: &Path, args: &ReleaseArgs) -> Result<(), XtaskError> {
    let options = ReleaseOptions {
        root: root.to_path_buf(),
        version: args.version.clone(),
        mode: args.mode(),
        run_tidy: true,
        cargo_steps: true,
        date: changelog::today_utc(),
    };
    release(&options, &mut std::io::stdout())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(list: &[&str]) -> Result<(Version, Mode), String> {
        match crate::tasks::parse(std::iter::once("release").chain(list.iter().copied())) {
            Ok(Some(crate::tasks::Task::Release(args))) => Ok((args.version.clone(), args.mode())),
            Ok(other) => Err(format!("not a release task: {other:?}")),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn parses_modes() {
        let (v, mode) = parse(&["0.2.0", "--dry-run"]).unwrap();
        assert_eq!((v.to_string(), mode), ("0.2.0".to_string(), Mode::DryRun));
        assert_eq!(
            parse(&["--execute", "1.0.0-rc.1"]).unwrap().1,
            Mode::Execute
        );
        assert_eq!(parse(&["0.2.0"]).unwrap().1, Mode::Apply);
    }

    #[test]
    fn rejects_bad_arguments_with_usage() {
        for (list, expected) in [
            (
                &["--dry-run"][..],
                "the following required arguments were not provided",
            ),
            (
                &["0.2.0", "--dry-run", "--execute"][..],
                "'--dry-run' cannot be used with '--execute'",
            ),
            (&["0.2.0", "--force"][..], "unexpected argument '--force'"),
            (&["0.2.0", "0.3.0"][..], "unexpected argument '0.3.0'"),
            (&["v0.2.0"][..], "invalid version `v0.2.0`"),
        ] {
            let err = parse(list).unwrap_err();
            assert!(err.contains(expected), "{list:?}: {err}");
            assert!(
                err.contains("Usage: cargo xtask release") || err.contains("--help"),
                "{err}"
            );
        }
    }

    #[test]
    fn reads_lock_versions() {
        let err = lock_versions(Path::new("Cargo.lock"), "[[package]\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("Cargo.lock: "), "{err}");
        let lock = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"b\"\nversion = \"2.0.0\"\nsource = \"x\"\n";
        assert_eq!(
            lock_versions(Path::new("Cargo.lock"), lock).unwrap(),
            [
                ("a".to_string(), "0.1.0".to_string()),
                ("b".to_string(), "2.0.0".to_string())
            ]
        );
    }
}
