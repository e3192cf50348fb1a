//! `cargo xtask`: the project's automation. Without arguments it lists the tasks.

use std::process::ExitCode;

fn main() -> ExitCode {
    let task = match xtask::tasks::parse(std::env::args_os().skip(1)) {
        Ok(task) => task,
        Err(error) => {
            // --help prints and exits 0; a bad command line prints the usage and exits 2.
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    let Some(task) = task else {
        print!("{}", xtask::tasks::listing());
        return ExitCode::SUCCESS;
    };
    match task.run(&xtask::workspace_root()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            if matches!(error, xtask::XtaskError::Usage(_)) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
