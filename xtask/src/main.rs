//! `cargo xtask`: the project's automation. Without arguments it lists the tasks.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(name) = args.next() else {
        print!("{}", xtask::tasks::listing());
        return ExitCode::SUCCESS;
    };
    if matches!(name.as_str(), "help" | "--help" | "-h") {
        print!("{}", xtask::tasks::listing());
        return ExitCode::SUCCESS;
    }
    let Some(task) = xtask::tasks::find(&name) else {
        eprint!(
            "error: unknown task `{name}`\n\n{}",
            xtask::tasks::listing()
        );
        return ExitCode::from(2);
    };
    let rest: Vec<String> = args.collect();
    match (task.run)(&xtask::workspace_root(), &rest) {
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
