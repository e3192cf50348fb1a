//! `pam-load`: see the library docs. Run it through `cargo xtask load`.

use std::process::ExitCode;

use clap::Parser;
use pam_load::{Options, run};

fn main() -> ExitCode {
    // clap prints --help (exit 0) and usage errors (exit 2) itself.
    let options = Options::parse();
    let work_dir = std::env::temp_dir().join(format!("pam-load-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&work_dir) {
        eprintln!("error: cannot create {}: {e}", work_dir.display());
        return ExitCode::FAILURE;
    }
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
    let result = runtime.block_on(run(&options, &work_dir));
    let _ = std::fs::remove_dir_all(&work_dir);
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
