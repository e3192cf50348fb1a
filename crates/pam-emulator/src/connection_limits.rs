//! Bounds on connections: how long a client may take, how many may be open, how long a
//! graceful shutdown waits.

use std::time::Duration;

use crate::Error;
use crate::limits::{
    DEFAULT_BODY_TIMEOUT_SECS, DEFAULT_HEADER_TIMEOUT_SECS, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_SHUTDOWN_TIMEOUT_SECS, MAX_CONNECTIONS_LIMIT, MAX_TIMEOUT_SECS,
};

/// How the server treats slow, idle and excess connections, and how long it waits at
/// shutdown. Every field is configurable (`pam serve` flags and TOML keys of the same
/// names); the defaults are in [`crate::limits`].
///
/// ```
/// use std::time::Duration;
/// use pam_emulator::ConnectionLimits;
///
/// let limits = ConnectionLimits::default().with_max_connections(64);
/// assert_eq!(limits.header_timeout, Duration::from_secs(10));
/// assert!(limits.validate().is_ok());
/// assert!(ConnectionLimits::default().with_max_connections(0).validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Time to send a complete request head, counted from when the server starts waiting for
    /// it (so it is also the idle keep-alive timeout); the connection is closed past it.
    pub header_timeout: Duration,
    /// Time to send the whole body once the head is in; past it, `408` and close.
    pub body_timeout: Duration,
    /// Most connections open at once; one more gets `503` and is closed.
    pub max_connections: usize,
    /// How long a graceful shutdown waits for in-flight requests before closing every
    /// connection.
    pub shutdown_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(DEFAULT_HEADER_TIMEOUT_SECS),
            body_timeout: Duration::from_secs(DEFAULT_BODY_TIMEOUT_SECS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            shutdown_timeout: Duration::from_secs(DEFAULT_SHUTDOWN_TIMEOUT_SECS),
        }
    }
}

impl ConnectionLimits {
    /// The same limits with a header (and idle keep-alive) timeout of `timeout`.
    #[must_use]
    pub fn with_header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
        self
    }

    /// The same limits with a body timeout of `timeout`.
    #[must_use]
    pub fn with_body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// The same limits with at most `max` open connections.
    #[must_use]
    pub fn with_max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// The same limits with a shutdown deadline of `timeout`.
    #[must_use]
    pub fn with_shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Checks every timeout is above zero and at most [`MAX_TIMEOUT_SECS`] (the shutdown
    /// timeout may be zero: close at once), and `max_connections` is 1 to
    /// [`MAX_CONNECTIONS_LIMIT`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] naming the setting.
    pub fn validate(&self) -> Result<(), Error> {
        let max = Duration::from_secs(MAX_TIMEOUT_SECS);
        for (field, value, zero_ok) in [
            ("header_timeout_secs", self.header_timeout, false),
            ("body_timeout_secs", self.body_timeout, false),
            ("shutdown_timeout_secs", self.shutdown_timeout, true),
        ] {
            if value > max || (value.is_zero() && !zero_ok) {
                return Err(Error::InvalidConfig {
                    field: field.to_owned(),
                    problem: format!(
                        "is {} s; accepted: {} to {MAX_TIMEOUT_SECS} s",
                        value.as_secs_f64(),
                        u8::from(!zero_ok)
                    ),
                });
            }
        }
        if self.max_connections == 0 || self.max_connections > MAX_CONNECTIONS_LIMIT {
            return Err(Error::InvalidConfig {
                field: "max_connections".to_owned(),
                problem: format!(
                    "is {}; accepted: 1 to {MAX_CONNECTIONS_LIMIT}",
                    self.max_connections
                ),
            });
        }
        Ok(())
    }
}
