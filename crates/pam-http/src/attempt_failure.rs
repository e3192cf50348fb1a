//! What an attempt that got no answer from the server failed on: a timeout, a connection
//! that failed (before or after the request went out), or an answer too large to read. The
//! client's send loop decides from it whether to retry and which [`crate::Error`] to return.

use crate::answer::{MAX_RESPONSE_BYTES, cut};

/// Why an attempt produced no answer.
pub(crate) enum Failure {
    Timeout {
        connecting: bool,
        source: reqwest::Error,
    },
    Connect {
        may_have_been_sent: bool,
        source: reqwest::Error,
    },
    TooLarge {
        status: u16,
    },
}

impl Failure {
    /// One line saying what went wrong, for logs.
    pub(crate) fn describe(&self) -> String {
        match self {
            Failure::Timeout {
                connecting: true, ..
            } => "timed out connecting".to_owned(),
            Failure::Timeout {
                connecting: false, ..
            } => "timed out waiting for the response".to_owned(),
            Failure::Connect { source, .. } => describe(source),
            Failure::TooLarge { .. } => {
                format!("the response is larger than {MAX_RESPONSE_BYTES} bytes")
            }
        }
    }
}

/// Sorts a transport error into timeout, connect-before-sending and lost-after-connecting;
/// the error is kept (as the cause) without its URL, which may carry credentials.
pub(crate) fn failure(error: reqwest::Error) -> Failure {
    let connecting = error.is_connect();
    let source = error.without_url();
    if source.is_timeout() {
        Failure::Timeout { connecting, source }
    } else {
        Failure::Connect {
            may_have_been_sent: !connecting,
            source,
        }
    }
}

/// A reqwest error and its causes, one after the other (the URL left out by the caller).
pub(crate) fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    cut(&text, 300)
}
