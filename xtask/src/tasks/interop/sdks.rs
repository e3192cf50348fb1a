//! The pinned SDKs: where each is installed, how, and the command that runs its flows.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::checks::{run_with_deadline, tail};
use super::server::Keysets;

/// How long one SDK's flows may run before they are killed and failed.
pub const FLOWS_DEADLINE: Duration = Duration::from_secs(300);

/// How long installing one SDK may take (a cold Rust build of `pubnub` included).
pub const INSTALL_DEADLINE: Duration = Duration::from_secs(1_500);

/// Where things live: the workspace and `target/interop`.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The workspace root.
    pub root: PathBuf,
    /// `target/interop`: the SDKs, the server configuration and logs.
    pub dir: PathBuf,
}

impl Layout {
    /// The layout of the workspace at `root`.
    #[must_use]
    pub fn new(root: &Path) -> Layout {
        Layout {
            root: root.to_path_buf(),
            dir: root.join("target").join("interop"),
        }
    }

    /// The `pam` binary `cargo build -p pam-cli` makes (in `$CARGO_TARGET_DIR` when set).
    #[must_use]
    pub fn pam_bin(&self) -> PathBuf {
        crate::target_dir(&self.root)
            .join("debug")
            .join(format!("pam{}", std::env::consts::EXE_SUFFIX))
    }
}

/// One official SDK, pinned.
#[derive(Debug)]
pub struct Sdk {
    /// The name `--sdk` takes and check lines show.
    pub name: &'static str,
    /// The pinned version.
    pub version: &'static str,
    /// Installs it when needed and returns the command that runs its flows (the harness
    /// adds the environment), or why it cannot.
    pub prepare: fn(&Layout) -> Result<Command, String>,
}

/// Every SDK the suite runs, in order.
pub const SDKS: &[Sdk] = &[
    Sdk {
        name: "python",
        version: PYTHON_VERSION,
        prepare: prepare_python,
    },
    Sdk {
        name: "js",
        version: JS_VERSION,
        prepare: prepare_js,
    },
    Sdk {
        name: "rust",
        version: RUST_VERSION,
        prepare: prepare_rust,
    },
];

/// The Python SDK's pinned version (PyPI `pubnub`).
pub const PYTHON_VERSION: &str = "10.8.0";
/// The JavaScript SDK's pinned version (npm `pubnub`).
pub const JS_VERSION: &str = "11.0.2";
/// The Rust crate's pinned version (crates.io `pubnub`; also pinned in `interop/rust`).
pub const RUST_VERSION: &str = "0.9.0";

/// The environment every runner gets (see `interop/README.md`).
#[must_use]
pub fn environment(
    layout: &Layout,
    keysets: &Keysets,
    origin: &str,
    skewed_origin: &str,
) -> Vec<(String, String)> {
    let mut env = vec![
        ("PAM_ORIGIN".to_owned(), origin.to_owned()),
        ("PAM_SKEWED_ORIGIN".to_owned(), skewed_origin.to_owned()),
        ("PAM_BIN".to_owned(), layout.pam_bin().display().to_string()),
    ];
    for (prefix, keyset) in [("", &keysets.main), ("_NOREVOKE", &keysets.no_revocation)] {
        env.push((format!("PAM_SUB{prefix}"), keyset.subscribe_key.to_owned()));
        env.push((format!("PAM_PUB{prefix}"), keyset.publish_key.to_owned()));
        env.push((format!("PAM_SECRET{prefix}"), keyset.secret_key.to_owned()));
    }
    env
}

/// Runs an install step; on failure, says which registry it needed and what the tool said.
fn install(command: &mut Command, registry: &str) -> Result<(), String> {
    let described = crate::subprocess::describe(command);
    println!("interop:   {described}");
    let (status, stdout, stderr) = run_with_deadline(command, INSTALL_DEADLINE)
        .map_err(|why| format!("`{described}`: {why}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{described}` failed ({status}); is {registry} reachable? Last output:\n{}",
            tail(&format!("{stdout}\n{stderr}"), 15)
        ))
    }
}

fn prepare_python(layout: &Layout) -> Result<Command, String> {
    let venv = layout.dir.join("python");
    let python = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };
    if !python.is_file() {
        let host = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
        install(
            Command::new(&host).args(["-m", "venv"]).arg(&venv),
            "Python (venv)",
        )?;
    }
    let installed = Command::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('pubnub'))",
        ])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned());
    if installed.as_deref() != Some(PYTHON_VERSION) {
        install(
            Command::new(&python).args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--quiet",
                &format!("pubnub=={PYTHON_VERSION}"),
            ]),
            "PyPI",
        )?;
    }
    let mut command = Command::new(python);
    command.arg(layout.root.join("interop").join("python").join("run.py"));
    Ok(command)
}

fn prepare_js(layout: &Layout) -> Result<Command, String> {
    let prefix = layout.dir.join("js");
    let modules = prefix.join("node_modules");
    let manifest = modules.join("pubnub").join("package.json");
    let installed = std::fs::read_to_string(&manifest)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|json| json["version"].as_str().map(str::to_owned));
    if installed.as_deref() != Some(JS_VERSION) {
        std::fs::create_dir_all(&prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
        install(
            Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--prefix"])
                .arg(&prefix)
                .arg(format!("pubnub@{JS_VERSION}")),
            "the npm registry",
        )?;
    }
    let mut command = Command::new("node");
    command
        .arg(layout.root.join("interop").join("js").join("run.cjs"))
        .env("NODE_PATH", modules);
    Ok(command)
}

fn prepare_rust(layout: &Layout) -> Result<Command, String> {
    let target_dir = layout.dir.join("rust");
    let manifest = layout.root.join("interop").join("rust").join("Cargo.toml");
    let mut build = crate::subprocess::cargo(&layout.root);
    build
        .args(["build", "--locked", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir);
    install(&mut build, "crates.io")?;
    Ok(Command::new(target_dir.join("debug").join(format!(
        "pam-interop-rust{}",
        std::env::consts::EXE_SUFFIX
    ))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_names_both_keysets_and_servers() {
        let layout = Layout::new(Path::new("/w"));
        let env = environment(&layout, &Keysets::interop(), "127.0.0.1:1", "127.0.0.1:2");
        let get = |key: &str| env.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        assert_eq!(get("PAM_ORIGIN"), Some("127.0.0.1:1"));
        assert_eq!(get("PAM_SKEWED_ORIGIN"), Some("127.0.0.1:2"));
        assert!(get("PAM_SUB_NOREVOKE").is_some());
        assert_ne!(get("PAM_SUB"), get("PAM_SUB_NOREVOKE"));
        assert!(get("PAM_BIN").is_some_and(|bin| bin.contains("debug")));
    }
}
