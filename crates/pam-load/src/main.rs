//! `pam-load`: see the library docs. Run it through `cargo xtask load`.

use std::process::ExitCode;

use clap::Parser;
use pam_load::{Options, run};

fn main() -> ExitCode {
    // clap prints --help (exit 0) and usage errors (exit 2) itself.
    let options = Options::parse();
    let work_dir = match tempfile::Builder::new().prefix("pam-load-").tempdir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!(
                "error: cannot create a directory in {}: {e}",
                std::env::temp_dir().display()
            );
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(&options, work_dir.path()));
    drop(work_dir);
    match result {
        Ok(report) => {
            println!("{report}");
            if report.failures().is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
