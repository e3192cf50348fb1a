//! Copies of the workspace in temporary directories (`tempfile`), and atomic file replacement.
//!
//! The release task stages every edit in a copy of the workspace and copies the finished files
//! back, so the real files are never left half-edited; tests use the same copies to try
//! broken manifests without touching the checkout.

use std::fs;
use std::io::Write;
use std::path::Path;

use tempfile::{NamedTempFile, TempDir};

use crate::XtaskError;
use crate::subprocess;

/// A fresh, empty directory under the system temporary directory whose name starts with
/// `prefix`; removed with its contents when the returned value is dropped.
pub fn temp_dir(prefix: &str) -> Result<TempDir, XtaskError> {
    tempfile::Builder::new()
        .prefix(&format!("{prefix}-"))
        .tempdir()
        .map_err(|e| XtaskError::io(std::env::temp_dir(), e))
}

/// What tests leave out when they copy the working tree to edit it: git's data and `fuzz/`,
/// a workspace of its own whose corpus a running fuzzer rewrites while the copy is made
/// (build directories named `target` are always left out).
pub const WORKSPACE_COPY_SKIPS: &[&str] = &[".git", "fuzz"];

/// Copies the directory tree `from` into `to` (created if missing), skipping entries of
/// `from` itself whose names are in `skip_top_level` (e.g. `.git`, `fuzz`) and every build
/// directory named `target` at any depth. Symbolic links are copied as the files they point to.
pub fn copy_tree(from: &Path, to: &Path, skip_top_level: &[&str]) -> Result<(), XtaskError> {
    fs::create_dir_all(to).map_err(|e| XtaskError::io(to, e))?;
    let entries = fs::read_dir(from).map_err(|e| XtaskError::io(from, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| XtaskError::io(from, e))?;
        let name = entry.file_name();
        if skip_top_level.iter().any(|s| name == *s) {
            continue;
        }
        let source = entry.path();
        let destination = to.join(&name);
        let metadata = fs::metadata(&source).map_err(|e| XtaskError::io(&source, e))?;
        if metadata.is_dir() && name == "target" {
            continue;
        }
        if metadata.is_dir() {
            copy_tree(&source, &destination, &[])?;
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

/// Replaces `path` with `contents` atomically: writes a temporary file beside it, then renames
/// it over `path`, so readers see the old file or the new one, never a partial write. The new
/// file keeps `path`'s permissions.
pub fn replace_file(path: &Path, contents: &[u8]) -> Result<(), XtaskError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temporary = NamedTempFile::new_in(dir).map_err(|e| XtaskError::io(dir, e))?;
    temporary
        .write_all(contents)
        .map_err(|e| XtaskError::io(temporary.path(), e))?;
    if let Ok(metadata) = fs::metadata(path) {
        let _ = fs::set_permissions(temporary.path(), metadata.permissions());
    }
    temporary
        .persist(path)
        .map_err(|e| XtaskError::io(path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_trees_skipping_top_level_names_and_build_dirs_and_cleans_up() {
        let source = temp_dir("xtask-copy-src").unwrap();
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
            let copy = temp_dir("xtask-copy-dst").unwrap();
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
            "the temporary directory is removed on drop"
        );
    }

    #[test]
    fn replace_file_swaps_contents_and_leaves_no_temporary() {
        let dir = temp_dir("xtask-replace").unwrap();
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
