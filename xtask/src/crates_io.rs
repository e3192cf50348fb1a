//! Whether a package name is free on crates.io, ours, or someone else's.
//!
//! Asks with `cargo info NAME --registry crates-io` (cargo's own registry client), run outside
//! the workspace so cargo does not answer from the local workspace instead of the registry.

use std::path::Path;

use crate::XtaskError;
use crate::subprocess;

/// What crates.io says about a name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameStatus {
    /// No crate has this name.
    Free,
    /// A crate with this name exists and names our repository: an earlier release of ours.
    Ours {
        /// Its newest published version.
        latest: String,
    },
    /// A crate with this name exists and belongs to another project.
    TakenByOthers {
        /// Its newest published version.
        latest: String,
        /// The repository it names, if any.
        repository: Option<String>,
    },
    /// The registry could not be asked (network down, registry error).
    Unknown {
        /// Why.
        reason: String,
    },
}

impl std::fmt::Display for NameStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NameStatus::Free => f.write_str("free"),
            NameStatus::Ours { latest } => write!(f, "ours (latest published {latest})"),
            NameStatus::TakenByOthers { latest, repository } => write!(
                f,
                "TAKEN by another project (latest {latest}, repository {})",
                repository.as_deref().unwrap_or("not given")
            ),
            NameStatus::Unknown { reason } => write!(f, "unknown: {reason}"),
        }
    }
}

fn normalize_repository(url: &str) -> String {
    url.trim()
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .to_ascii_lowercase()
}

/// Classifies the result of `cargo info NAME` (its success, stdout and stderr) for a crate
/// whose repository should be `our_repository`.
pub fn classify(
    name: &str,
    success: bool,
    stdout: &str,
    stderr: &str,
    our_repository: &str,
) -> NameStatus {
    if !success {
        if stderr.contains(&format!("could not find `{name}` in registry")) {
            return NameStatus::Free;
        }
        let reason = stderr
            .lines()
            .find(|l| l.trim_start().starts_with("error"))
            .unwrap_or("cargo info failed")
            .trim()
            .to_string();
        return NameStatus::Unknown { reason };
    }
    let field = |key: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{key}: ")))
            .map(|v| v.trim().to_string())
    };
    let latest = field("version").unwrap_or_else(|| "unknown".to_string());
    let repository = field("repository");
    match &repository {
        Some(repo) if normalize_repository(repo) == normalize_repository(our_repository) => {
            NameStatus::Ours { latest }
        }
        _ => NameStatus::TakenByOthers { latest, repository },
    }
}

/// Asks crates.io about `name`, running cargo in `scratch` (a directory outside any workspace).
pub fn check_name(
    name: &str,
    our_repository: &str,
    scratch: &Path,
) -> Result<NameStatus, XtaskError> {
    let captured = subprocess::capture(subprocess::cargo(scratch).args([
        "info",
        name,
        "--registry",
        "crates-io",
        "--color",
        "never",
    ]))?;
    Ok(classify(
        name,
        captured.success,
        &captured.stdout,
        &captured.stderr,
        our_repository,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "https://github.com/pam-rs/pam";

    #[test]
    fn a_missing_crate_is_free() {
        let stderr = "    Updating crates.io index\nerror: could not find `pam-model` in registry `https://github.com/rust-lang/crates.io-index`\n";
        assert_eq!(
            classify("pam-model", false, "", stderr, OURS),
            NameStatus::Free
        );
    }

    #[test]
    fn a_crate_of_another_project_is_taken() {
        // Shape of `cargo info pam` output (the Linux PAM bindings that own the name `pam`).
        let stdout = "pam\nSafe Rust wrappers for PAM authentication\nversion: 0.8.0\nlicense: MIT OR Apache-2.0\nrepository: https://github.com/1wilkens/pam/\n";
        assert_eq!(
            classify("pam", true, stdout, "", OURS),
            NameStatus::TakenByOthers {
                latest: "0.8.0".to_string(),
                repository: Some("https://github.com/1wilkens/pam/".to_string())
            }
        );
    }

    #[test]
    fn a_crate_naming_our_repository_is_ours() {
        let stdout =
            "pam-model\nx\nversion: 0.1.0\nrepository: https://github.com/pam-rs/pam.git\n";
        assert_eq!(
            classify("pam-model", true, stdout, "", OURS),
            NameStatus::Ours {
                latest: "0.1.0".to_string()
            }
        );
    }

    #[test]
    fn registry_failures_are_unknown_not_free() {
        let stderr = "error: failed to query replaced source registry `crates-io`\n";
        assert!(matches!(
            classify("pam-model", false, "", stderr, OURS),
            NameStatus::Unknown { reason } if reason.contains("failed to query")
        ));
    }
}
