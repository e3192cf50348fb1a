//! PubNub's Access Manager acceptance features (`../shared/features/access/*.feature`), run by
//! the `cucumber` crate against the `pam` facade and a real emulator.
//!
//! In PubNub's own runners a scripted mock answers each scenario as its `@contract=NAME` tag
//! says. Here every scenario starts its own emulator on an ephemeral loopback port, and the
//! contract tag only decides the situation set up on it (a revoked token, a token for another
//! channel, a keyset with revocation disabled, ...; see `contract.rs`). Every step checks what
//! the facade and the emulator really did.
//!
//! Scenarios tagged `@skip` are left out and counted as skipped; `@beta` ones run. A step no
//! definition matches fails its scenario. The last line printed is
//! `acceptance: N passed, N failed, N skipped`; the exit code is 1 when a scenario failed or a
//! feature file did not parse.
//!
//! Arguments that do not start with `-` select scenarios whose `feature: scenario` name
//! contains one of them (`cargo test -p pam-tests --test acceptance -- revoke`); flags are
//! ignored, so `cargo test -- --nocapture` still runs everything. Without
//! `../shared/features/access` (or `PAM_SHARED_DIR`) the run prints why and the summary
//! `acceptance: 0 passed, 0 failed, 1 skipped` (the whole suite), and passes; `.ci/run` fails
//! when `../shared` is present and the suite skipped anyway.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use cucumber::{World as _, gherkin};

mod contract;
mod error_steps;
mod grant_steps;
mod keyset_steps;
mod outcome;
mod parse_steps;
mod publish_steps;
mod revoke_steps;
mod shared;
mod token_steps;
mod vocabulary;
mod world;

use world::AccessWorld;

/// How many scenarios run at once (each with an emulator of its own).
const MAX_CONCURRENT_SCENARIOS: usize = 8;

/// Scenarios left out for `@skip`, by (file, line), so that a filter called twice for the same
/// scenario counts it once.
type SkippedScenarios = BTreeSet<(Option<PathBuf>, usize)>;

/// Whether a feature, rule or scenario tag list holds `@skip`.
fn tagged_skip(tags: &[String]) -> bool {
    tags.iter().any(|t| t.trim_start_matches('@') == "skip")
}

/// The scenario's name as filters see it: `feature: scenario`.
fn full_name(feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> String {
    format!("{}: {}", feature.name, scenario.name)
}

#[tokio::main]
async fn main() {
    let Some(features) = shared::features_dir() else {
        // The notice says why; the summary says that the suite, as one, was skipped.
        println!("acceptance: 0 passed, 0 failed, 1 skipped");
        return;
    };
    if let Err(problem) = has_feature_files(&features) {
        eprintln!("acceptance: {problem}");
        std::process::exit(1);
    }
    let name_filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();

    let skipped: Arc<Mutex<SkippedScenarios>> = Arc::default();
    let skipped_in_filter = Arc::clone(&skipped);
    let filter = move |feature: &gherkin::Feature,
                       rule: Option<&gherkin::Rule>,
                       scenario: &gherkin::Scenario| {
        let name = full_name(feature, scenario);
        if !name_filters.is_empty() && !name_filters.iter().any(|f| name.contains(f.as_str())) {
            return false;
        }
        if tagged_skip(&feature.tags)
            || rule.is_some_and(|r| tagged_skip(&r.tags))
            || tagged_skip(&scenario.tags)
        {
            if let Ok(mut set) = skipped_in_filter.lock() {
                set.insert((feature.path.clone(), scenario.position.line));
            }
            return false;
        }
        true
    };

    let writer = AccessWorld::cucumber()
        .with_default_cli()
        .max_concurrent_scenarios(MAX_CONCURRENT_SCENARIOS)
        .before(|feature, rule, scenario, world| {
            Box::pin(async move { world.begin(feature, rule, scenario) })
        })
        // A step that no definition matches is reported as skipped; here it fails.
        .fail_on_skipped()
        .filter_run(features, filter)
        .await;

    let stats = *writer.inner_writer().scenarios_stats();
    let parsing_errors = cucumber::StatsWriter::<AccessWorld>::parsing_errors(&writer);
    let hook_errors = cucumber::StatsWriter::<AccessWorld>::hook_errors(&writer);
    let skipped = skipped.lock().map_or(0, |set| set.len());
    if parsing_errors > 0 {
        eprintln!("acceptance: {parsing_errors} feature file(s) could not be parsed");
    }
    if hook_errors > 0 {
        eprintln!("acceptance: {hook_errors} hook(s) failed");
    }
    // The line CI reads: scenarios, with `@skip` ones as the only skipped.
    println!(
        "acceptance: {} passed, {} failed, {} skipped",
        stats.passed,
        stats.failed + stats.skipped,
        skipped
    );
    let failed = stats.failed > 0 || stats.skipped > 0 || parsing_errors > 0 || hook_errors > 0;
    std::process::exit(i32::from(failed));
}

/// Checks that `dir` holds at least one `.feature` file.
fn has_feature_files(dir: &Path) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let count = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "feature"))
        .count();
    if count == 0 {
        return Err(format!("{} holds no .feature file", dir.display()));
    }
    Ok(())
}
