//! The CLI's error: one line for stderr, exit code 2.

/// Why a command could not do its job. Printed as `pam: <message>` with exit code 2.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    /// The user's input was wrong (a flag, a value, a token).
    #[error("{0}")]
    Input(String),
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
