//! Temporary directories and copies of the workspace.
//!
//! The release task stages every edit in a copy of the workspace and copies the finished files
//! back, so the real files are never left half-edited; tests use the same copies to try
//! broken manifests without touching the checkout.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::XtaskError;
use crate::subprocess;

/// A directory under the system temporary directory, removed (with its contents) on drop.
#[derive(Debug)]
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// Creates a fresh, empty directory whose name starts with `prefix`.
    pub fn new(prefix: &str) -> Result<Self, XtaskError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "{prefix}-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir(&path).map_err(|e| XtaskError::io(&path, e))?;
        Ok(ScratchDir { path })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        // Best effort: a leftover temporary directory is harmless.
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// What tests leave out when they copy the working tree to edit it: git's data and `fuzz/`,
/// a workspace of its own whose corpus a running fuzzer rewrites while the copy is made
/// (build directories named `target` are always left out).
pub const WORKSPACE_COPY_SKIPS: &[&str] = &[".git", "fuzz"];

/// Copies the directory tree `from` into `to` (created if missing), skipping entries of
/// `from` itself whose names are in `skip_top_level` (e.g. `.git`, `fuzz`) and every build
/// directory named `target` at any depth. Symbolic links are copied as the files they point to.
pub fn copy_tree(from: &Path, to: &Path, skip_top_level: &[&str]) -> Result<(), XtaskError> {
    copy_dir(from, to, skip_top_level)
}

fn copy_dir(from: &Path, to: &Path, skip: &[&str]) -> Result<(), XtaskError> {
    fs::create_dir_all(to).map_err(|e| XtaskError::io(to, e))?;
    let entries = fs::read_dir(from).map_err(|e| XtaskError::io(from, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| XtaskError::io(from, e))?;
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        let source = entry.path();
        let destination = to.join(&name);
        let metadata = fs::metadata(&source).map_err(|e| XtaskError::io(&source, e))?;
        if metadata.is_dir() && name == "target" {
            continue;
        }
        if metadata.is_dir() {
            copy_dir(&source, &destination, &[])?;
        } else {
            fs::copy(&source, &destination).map_err(|e| XtaskError::io(&source, e))?;
        }
    }
    Ok(())
}

/// Copies the files git tracks in `root` (`git ls-files`) into `to`: exactly a clean
/// checkout's content, without `target/` or ignored files.
pub fn copy_tracked_files(root: &Path, to: &Path) -> Result<(), XtaskError> {
    let listing = subprocess::run_captured(subprocess::git(root).args(["ls-files", "-z"]))?;
    for relative in listing.split('\0').filter(|p| !p.is_empty()) {
        let source = root.join(relative);
        let destination = to.join(relative);
        if let Some(parent) = destination.parent() {
            fs::create_dir_all(parent).map_err(|e| XtaskError::io(parent, e))?;
        }
        fs::copy(&source, &destination).map_err(|e| XtaskError::io(&source, e))?;
    }
    Ok(())
}

/// Replaces `path` with `contents` atomically: writes a sibling temporary file, then renames it
/// over `path`, so readers see the old file or the new one, never a partial write.
pub fn replace_file(path: &Path, contents: &[u8]) -> Result<(), XtaskError> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.xtask-{}", std::process::id()));
    fs::write(&temporary, contents).map_err(|e| XtaskError::io(&temporary, e))?;
    if let Ok(metadata) = fs::metadata(path) {
        let _ = fs::set_permissions(&temporary, metadata.permissions());
    }
    fs::rename(&temporary, path).map_err(|e| {
        let _ = fs::remove_file(&temporary);
        XtaskError::io(path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_trees_skipping_top_level_names_and_build_dirs_and_cleans_up() {
        let source = ScratchDir::new("xtask-copy-src").unwrap();
        fs::create_dir_all(source.path().join("a/target")).unwrap();
        fs::create_dir_all(source.path().join("target")).unwrap();
        fs::create_dir_all(source.path().join("fuzz")).unwrap();
        fs::write(
            source.path().join("a/target/skipped.txt"),
            "nested build dir",
        )
        .unwrap();
        fs::write(source.path().join("a/kept.txt"), "kept").unwrap();
        fs::write(source.path().join("fuzz/skipped.txt"), "x").unwrap();
        fs::write(source.path().join("target/skipped.txt"), "x").unwrap();
        fs::write(source.path().join("top.txt"), "top").unwrap();
        let copy_path;
        {
            let copy = ScratchDir::new("xtask-copy-dst").unwrap();
            copy_path = copy.path().to_path_buf();
            copy_tree(source.path(), copy.path(), &["fuzz"]).unwrap();
            assert_eq!(
                fs::read_to_string(copy.path().join("top.txt")).unwrap(),
                "top"
            );
            assert!(copy.path().join("a/kept.txt").is_file());
            assert!(!copy.path().join("a/target").exists());
            assert!(!copy.path().join("target").exists());
            assert!(!copy.path().join("fuzz").exists());
        }
        assert!(
            !copy_path.exists(),
            "ScratchDir removes its directory on drop"
        );
    }

    #[test]
    fn replace_file_swaps_contents_and_leaves_no_temporary() {
        let dir = ScratchDir::new("xtask-replace").unwrap();
        let path = dir.path().join("Cargo.toml");
        fs::write(&path, "old").unwrap();
        replace_file(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["Cargo.toml"]);
    }
}
