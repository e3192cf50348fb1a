//! `pam-bench`: one table, from one run, comparing pam with the official `pubnub` 0.9 crate
//! and with the physical floor (base64 decoding, raw HMAC, the emulator's own `/time/0`).
//!
//! Run it with `cargo xtask bench` (release build). Contenders are measured interleaved, in
//! alternating batches, and compared by medians, so machine drift cancels. Nothing here is
//! a test: no timing is asserted anywhere, the table only says which targets were met.

mod alloc_count;
mod authorize_rows;
mod cbor_ll;
mod cbor_rows;
mod content;
mod corpus;
mod emulator_process;
mod emulator_rows;
mod grant_rows;
mod http_load;
mod interleave;
mod options;
mod parse_rows;
mod profile_loop;
mod report;
mod sample_tokens;
mod stats;
mod verify_rows;

use std::process::ExitCode;

use crate::emulator_process::EmulatorProcess;
use crate::options::{Options, Section};
use crate::report::Table;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(emulator_process::CHILD_ARG) {
        return emulator_process::serve();
    }
    // clap prints --help (exit 0) and usage errors (exit 2) itself.
    let options = <Options as clap::Parser>::parse_from(std::env::args());
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pam-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<(), String> {
    if let Some(what) = &options.profile {
        let corpus = corpus::load()?;
        let started = std::time::Instant::now();
        let done = profile_loop::run(
            what,
            &corpus,
            std::time::Duration::from_secs(5),
            options.iterations,
        )?;
        eprintln!(
            "profile {what}: {done} operations, {} each",
            report::nanos(started.elapsed().as_nanos() as f64 / done as f64)
        );
        return Ok(());
    }
    let mut table = Table::default();
    let plan = options.plan();
    println!("{}", machine());
    // Read once for both sections that time the corpus.
    let tokens = if options.wants(Section::Parse) || options.wants(Section::Cbor) {
        corpus::load()?
    } else {
        Vec::new()
    };
    if options.wants(Section::Parse) {
        eprintln!("parse: {} corpus tokens…", tokens.len());
        parse_rows::add_rows(&tokens, plan, &mut table);
    }
    if options.wants(Section::Cbor) {
        eprintln!("cbor: pam-token's reader vs ciborium-ll…");
        cbor_rows::add_rows(&tokens, plan, &mut table);
    }
    if options.wants(Section::Verify) {
        eprintln!("verify…");
        verify_rows::add_rows(plan, &mut table);
    }
    if options.wants(Section::Authorize) {
        eprintln!("authorize…");
        authorize_rows::add_rows(plan, &mut table);
    }
    if options.wants(Section::Grant) || options.wants(Section::Emulator) {
        let emulator = EmulatorProcess::spawn()?;
        let net = options.net_plan();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
        runtime.block_on(async {
            if options.wants(Section::Grant) {
                eprintln!("grant round trips against {}…", emulator.url());
                grant_rows::add_rows(emulator.url(), net, &mut table).await?;
            }
            if options.wants(Section::Emulator) {
                eprintln!("emulator load…");
                emulator_rows::add_rows(&emulator, net, &mut table).await?;
            }
            Ok::<(), String>(())
        })?;
    }
    print!("{}", table.render());
    let (met, total) = table.targets();
    println!("\n{met} of {total} targets met.");
    Ok(())
}

/// One line naming the machine: logical CPUs and the CPU model.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = if args.is_empty() {
        "cargo xtask bench".to_owned()
    } else {
        format!("cargo xtask bench {}", args.join(" "))
    };
    format!("machine: {cpus} logical CPUs, {model}\ncommand: {command}\n")
}
