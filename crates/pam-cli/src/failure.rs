//! The CLI's error: one line for stderr, exit code 2.

/// Why a command could not do its job. Printed as `pam: <message>` with exit code 2.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    /// The user's input was wrong (a flag, a value, a token).
    #[error("{0}")]
    Input(String),
    /// A request to Access Manager failed: refused, or no usable answer. The error's text has
    /// tokens, signatures and secret keys redacted.
    #[error("{0}")]
    Request(#[from] pam::Error),
    /// Reading input or writing output failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Failure {
    /// An input error with this message.
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Failure::Input(message.into())
    }
}

/// Writes `text` to standard output. A closed pipe (`pam token parse T | head -1`) is not an
/// error worth a message; any other write failure is.
pub(crate) fn print(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::Io {
            context: "writing to standard output".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// [`print()`] with a newline.
pub(crate) fn println(text: &str) -> Result<(), Failure> {
    print(&format!("{text}\n"))
}

/// Writes `text` and a newline to standard error, ignoring failures (there is nowhere left to
/// report them).
pub(crate) fn eprintln(text: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err
        .write_all(format!("{text}\n").as_bytes())
        .and_then(|()| err.flush());
}
