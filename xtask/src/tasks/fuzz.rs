//! `cargo xtask fuzz TARGET --seconds N`: runs one libFuzzer target of `fuzz/` for N seconds.
//!
//! The targets live in `fuzz/` (a cargo-fuzz project outside the workspace, so `cargo test`
//! never builds them). This task:
//! 1. seeds `fuzz/corpus/TARGET/` with inputs built in here and with the real tokens,
//!    signature vectors and grant bodies committed in `crates/pam-vectors/data` (existing files
//!    are kept, so the corpus grows across runs);
//! 2. runs `cargo fuzz run TARGET` with `RUSTC_BOOTSTRAP=1` (cargo-fuzz passes `-Z` sanitizer
//!    flags, which a stable toolchain only takes with it), `-max_total_time=N` and
//!    `-max_len=`[`MAX_LEN`] (128 KiB, past every input bound), showing
//!    libFuzzer's output as it goes;
//! 3. prints one summary line: executions, coverage (`cov`, `ft`), corpus size, peak memory,
//!    and fails when libFuzzer found a crash (its input is saved under `fuzz/artifacts/`).
//!
//! Needs `cargo install cargo-fuzz`.

mod seeds;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use clap::builder::PossibleValuesParser;
use clap::value_parser;

use crate::XtaskError;
use crate::subprocess;

/// The fuzz targets of `fuzz/fuzz_targets/`, one per untrusted-input entry point.
pub const TARGETS: &[&str] = &[
    "token_parse",
    "token_verify_authorize",
    "signature_verify",
    "grant_body",
    "emulator_request",
];

/// libFuzzer's `-max_len` for every target: 128 KiB, past each input bound of the project
/// (32 KiB token strings, 24 KiB token CBOR, 32 KiB requests and grant bodies) and past the
/// 65 536 bytes a 16-bit offset addresses, so inputs that only go wrong when long are reached.
/// libFuzzer's own default is 4 096 bytes (or the longest seed).
pub const MAX_LEN: usize = 128 * 1024;

/// How long a run lasts when `--seconds` is not given.
pub const DEFAULT_SECONDS: u64 = 60;

/// `cargo xtask fuzz`'s arguments.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct FuzzArgs {
    /// The fuzz target.
    #[arg(value_name = "TARGET", value_parser = PossibleValuesParser::new(TARGETS))]
    pub target: String,
    /// libFuzzer's `-max_total_time`, in seconds.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SECONDS,
          value_parser = value_parser!(u64).range(1..))]
    pub seconds: u64,
}

/// What libFuzzer reported about a run (each `None` when it did not say).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FuzzStats {
    /// Inputs executed (`stat::number_of_executed_units`, else the last `#N`).
    pub execs: Option<u64>,
    /// Coverage: edges reached (`cov:`).
    pub cov: Option<u64>,
    /// Features (`ft:`): edges plus hit counts and compare operands.
    pub ft: Option<u64>,
    /// Inputs in the corpus (`corp:`).
    pub corpus: Option<u64>,
    /// Peak resident memory, MB (`stat::peak_rss_mb`).
    pub peak_rss_mb: Option<u64>,
    /// How long it ran, seconds (`Done N runs in S second(s)`).
    pub elapsed_secs: Option<u64>,
    /// The file libFuzzer saved a crashing input to.
    pub crash_artifact: Option<String>,
}

impl FuzzStats {
    /// Takes what one line of libFuzzer's output says into account.
    pub fn read_line(&mut self, line: &str) {
        if let Some(value) = line.strip_prefix("stat::number_of_executed_units:") {
            self.execs = value.trim().parse().ok().or(self.execs);
            return;
        }
        if let Some(value) = line.strip_prefix("stat::peak_rss_mb:") {
            self.peak_rss_mb = value.trim().parse().ok().or(self.peak_rss_mb);
            return;
        }
        if let Some(done) = line.strip_prefix("Done ") {
            // `Done 900000 runs in 600 second(s)`
            let words: Vec<&str> = done.split_whitespace().collect();
            if let [runs, "runs", "in", secs, ..] = words.as_slice() {
                self.execs = runs.parse().ok().or(self.execs);
                self.elapsed_secs = secs.parse().ok();
            }
            return;
        }
        if let Some(at) = line.find("Test unit written to ") {
            self.crash_artifact =
                Some(line[at + "Test unit written to ".len()..].trim().to_owned());
            return;
        }
        // Status lines: `#12345\tNEW    cov: 812 ft: 2301 corp: 140/9Kb …`.
        let Some(status) = line.strip_prefix('#') else {
            return;
        };
        let mut words = status.split_whitespace();
        if let Some(execs) = words.next().and_then(|n| n.parse().ok()) {
            self.execs = Some(execs);
        }
        let mut previous = "";
        for word in status.split_whitespace() {
            match previous {
                "cov:" => self.cov = word.parse().ok().or(self.cov),
                "ft:" => self.ft = word.parse().ok().or(self.ft),
                "corp:" => {
                    self.corpus = word
                        .split('/')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .or(self.corpus);
                }
                _ => {}
            }
            previous = word;
        }
    }

    /// One line for people: `token_parse: 1234567 execs in 600 s, cov 812, ft 2301, …`;
    /// `seconds` is shown when libFuzzer did not say how long it ran.
    #[must_use]
    pub fn summary(&self, target: &str, seconds: u64) -> String {
        let show = |value: Option<u64>| value.map_or_else(|| "?".to_owned(), |v| v.to_string());
        // A run that crashed stops early and says nothing about its duration.
        let duration = match (self.elapsed_secs, &self.crash_artifact) {
            (Some(secs), _) => format!("in {secs} s"),
            (None, Some(_)) => "before the crash".to_owned(),
            (None, None) => format!("in {seconds} s"),
        };
        format!(
            "{target}: {} execs {duration}, cov {}, ft {}, corpus {}, peak RSS {} MB, {}",
            show(self.execs),
            show(self.cov),
            show(self.ft),
            show(self.corpus),
            show(self.peak_rss_mb),
            match &self.crash_artifact {
                Some(path) => format!("CRASH saved to {path}"),
                None => "no crash".to_owned(),
            }
        )
    }
}

/// The committed conformance vectors: `crates/pam-vectors/data`.
pub fn vectors_dir(root: &Path) -> PathBuf {
    root.join("crates").join("pam-vectors").join("data")
}

/// Writes the seeds of `target` into `corpus` (keeping files already there); returns how many
/// files were written.
///
/// # Errors
///
/// [`XtaskError::Io`] when the directory or a file cannot be written, or a vector file cannot
/// be read.
pub fn seed_corpus(corpus: &Path, target: &str, vectors: &Path) -> Result<usize, XtaskError> {
    std::fs::create_dir_all(corpus).map_err(|e| XtaskError::io(corpus, e))?;
    let mut written = 0;
    for (name, bytes) in seeds::seeds(target, vectors)? {
        let path = corpus.join(format!("seed-{name}"));
        if !path.exists() {
            std::fs::write(&path, bytes).map_err(|e| XtaskError::io(&path, e))?;
            written += 1;
        }
    }
    Ok(written)
}

/// Seeds the corpus of `args.target` and runs it for `args.seconds`.
pub fn run(root: &Path, args: &FuzzArgs) -> Result<(), XtaskError> {
    let fuzz_dir = root.join("fuzz");
    let corpus = fuzz_dir.join("corpus").join(&args.target);
    let vectors = vectors_dir(root);
    println!("fuzz: seeding from {}", vectors.display());
    let written = seed_corpus(&corpus, &args.target, &vectors)?;
    println!("fuzz: {written} new seed(s) in {}", corpus.display());

    let mut command = subprocess::cargo(root);
    command
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["fuzz", "run", "--fuzz-dir"])
        .arg(&fuzz_dir)
        .arg(&args.target)
        .arg(&corpus)
        .arg("--")
        .arg(format!("-max_total_time={}", args.seconds))
        .arg(format!("-max_len={MAX_LEN}"))
        .arg("-print_final_stats=1");
    let described = subprocess::describe(&command);
    println!("fuzz: {described}");
    let mut child = command
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| XtaskError::Spawn {
            command: described.clone(),
            source,
        })?;
    let mut stats = FuzzStats::default();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            eprintln!("{line}");
            stats.read_line(&line);
        }
    }
    let status = child.wait().map_err(|source| XtaskError::Spawn {
        command: described.clone(),
        source,
    })?;
    println!("fuzz: {}", stats.summary(&args.target, args.seconds));
    if status.success() && stats.crash_artifact.is_none() {
        Ok(())
    } else {
        Err(XtaskError::CommandFailed {
            command: described,
            status: status.to_string(),
            stderr: stats.summary(&args.target, args.seconds),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<FuzzArgs, String> {
        match crate::tasks::parse(std::iter::once("fuzz").chain(args.iter().copied())) {
            Ok(Some(crate::tasks::Task::Fuzz(args))) => Ok(args),
            Ok(other) => Err(format!("not a fuzz task: {other:?}")),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn parses_target_and_seconds() {
        assert_eq!(
            parse(&["grant_body", "--seconds", "600"]).unwrap(),
            FuzzArgs {
                target: "grant_body".into(),
                seconds: 600
            }
        );
        assert_eq!(parse(&["token_parse"]).unwrap().seconds, DEFAULT_SECONDS);
        for (args, expected) in [
            (&["nope"][..], "invalid value 'nope' for '<TARGET>'"),
            (
                &[][..],
                "the following required arguments were not provided",
            ),
            (
                &["token_parse", "--seconds", "0"][..],
                "invalid value '0' for '--seconds <N>'",
            ),
            (
                &["token_parse", "--seconds"][..],
                "a value is required for '--seconds <N>'",
            ),
            (
                &["token_parse", "--jobs", "2"][..],
                "unexpected argument '--jobs'",
            ),
            (
                &["token_parse", "grant_body"][..],
                "unexpected argument 'grant_body'",
            ),
        ] {
            let err = parse(args).unwrap_err();
            assert!(err.contains(expected), "{args:?}: {err}");
        }
        let err = parse(&["nope"]).unwrap_err();
        assert!(
            err.contains("[possible values: token_parse, token_verify_authorize"),
            "{err}"
        );
    }

    #[test]
    fn reads_libfuzzer_output() {
        let mut stats = FuzzStats::default();
        for line in [
            "INFO: Seed: 1234",
            "#2\tINITED cov: 100 ft: 120 corp: 5/300b exec/s: 0 rss: 40Mb",
            "#4096\tNEW    cov: 812 ft: 2301 corp: 140/9Kb lim: 43 exec/s: 2048 rss: 90Mb",
            "#900000\tDONE   cov: 815 ft: 2310 corp: 141/9Kb lim: 4096 exec/s: 1500 rss: 95Mb",
            "Done 900000 runs in 600 second(s)",
            "stat::number_of_executed_units: 900123",
            "stat::peak_rss_mb:              95",
        ] {
            stats.read_line(line);
        }
        assert_eq!(
            stats,
            FuzzStats {
                execs: Some(900_123),
                cov: Some(815),
                ft: Some(2310),
                corpus: Some(141),
                peak_rss_mb: Some(95),
                elapsed_secs: Some(600),
                crash_artifact: None,
            }
        );
        assert_eq!(
            stats.summary("grant_body", 600),
            "grant_body: 900123 execs in 600 s, cov 815, ft 2310, corpus 141, peak RSS 95 MB, no crash"
        );
        let mut crashed = FuzzStats::default();
        crashed.read_line("#311820\tREDUCE cov: 8340 ft: 17785 corp: 1751/459Kb exec/s: 3543");
        crashed.read_line("artifact_prefix='./'; Test unit written to fuzz/artifacts/x/crash-ab12");
        assert_eq!(
            crashed.crash_artifact.as_deref(),
            Some("fuzz/artifacts/x/crash-ab12")
        );
        assert_eq!(
            crashed.summary("x", 600),
            "x: 311820 execs before the crash, cov 8340, ft 17785, corpus 1751, peak RSS ? MB, \
             CRASH saved to fuzz/artifacts/x/crash-ab12"
        );
    }

    #[test]
    fn every_target_has_a_fuzz_target_file_and_seeds() {
        let root = crate::workspace_root();
        for target in TARGETS {
            let file = root
                .join("fuzz")
                .join("fuzz_targets")
                .join(format!("{target}.rs"));
            assert!(file.is_file(), "{} is missing", file.display());
            let seeds = seeds::seeds(target, &vectors_dir(&root)).unwrap();
            assert!(!seeds.is_empty(), "{target} has no seeds");
        }
        let manifest = std::fs::read_to_string(root.join("fuzz").join("Cargo.toml")).unwrap();
        for target in TARGETS {
            assert!(
                manifest.contains(&format!("name = \"{target}\"")),
                "{target}"
            );
        }
    }

    #[test]
    fn seeding_keeps_existing_files() {
        let dir = crate::scratch::temp_dir("xtask-fuzz-seed").unwrap();
        let corpus = dir.path().join("corpus");
        let first = seed_corpus(
            &corpus,
            "grant_body",
            &vectors_dir(&crate::workspace_root()),
        )
        .unwrap();
        assert!(first > 0);
        assert_eq!(
            seed_corpus(
                &corpus,
                "grant_body",
                &vectors_dir(&crate::workspace_root())
            )
            .unwrap(),
            0
        );
    }
}
