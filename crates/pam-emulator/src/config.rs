//! What an emulator serves and how: keysets, address, timestamp tolerance, clock offset and
//! where revocations are kept. Built in code or read from a small TOML file.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::limits::{
    DEFAULT_SUBSCRIBE_HOLD_SECS, MAX_CLOCK_OFFSET_SECS, MAX_CONFIG_FILE_BYTES, MAX_KEYSETS,
    MAX_SUBSCRIBE_HOLD_SECS, MAX_TIMESTAMP_TOLERANCE_SECS,
};
use crate::{ConnectionLimits, Error, Keyset};

/// Where `pam serve` listens when told nothing: `127.0.0.1:8090`.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8090);

/// PubNub's timestamp tolerance, used by default: ±60 seconds.
pub const DEFAULT_TIMESTAMP_TOLERANCE_SECS: u64 = 60;

/// The emulator's configuration.
///
/// ```
/// use pam_emulator::{EmulatorConfig, Keyset};
///
/// let config = EmulatorConfig::new(vec![Keyset::new("sub-c-1", "pub-c-1", "sec-c-1")])
///     .with_listen("127.0.0.1:0".parse().unwrap())
///     .with_timestamp_tolerance(30);
/// assert!(config.validate().is_ok());
///
/// let from_toml = EmulatorConfig::from_toml_str(
///     r#"
///     port = 0
///     [[keysets]]
///     subscribe_key = "sub-c-1"
///     publish_key = "pub-c-1"
///     secret_key = "sec-c-1"
///     revocation = false
///     "#,
/// )
/// .unwrap();
/// assert_eq!(from_toml.listen.port(), 0);
/// assert!(!from_toml.keysets[0].revocation_enabled());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatorConfig {
    /// The address to listen on; port 0 picks a free port (see `EmulatorHandle::url`).
    pub listen: SocketAddr,
    /// The keysets served, at least one; subscribe keys must differ.
    pub keysets: Vec<Keyset>,
    /// How far a signed request's `timestamp` may be from the server's time, in seconds.
    pub timestamp_tolerance_secs: u64,
    /// Seconds added to the system clock to get the server's time (negative: behind). Lets a
    /// client's clock-offset correction be tested against a server whose clock differs.
    pub clock_offset_secs: i64,
    /// Where revocations are journaled; `None` keeps them in memory only.
    pub data_dir: Option<PathBuf>,
    /// How long a subscribe long-poll with nothing to deliver is held before it is answered
    /// with no message, in seconds: 1 to [`MAX_SUBSCRIBE_HOLD_SECS`], default
    /// [`DEFAULT_SUBSCRIBE_HOLD_SECS`] (PubNub's 280).
    pub subscribe_hold_secs: u64,
    /// Timeouts, the connection cap and the shutdown deadline.
    pub connection_limits: ConnectionLimits,
}

impl EmulatorConfig {
    /// Serves `keysets` on [`DEFAULT_LISTEN`] with PubNub's tolerance, revocations in memory.
    #[must_use]
    pub fn new(keysets: Vec<Keyset>) -> Self {
        EmulatorConfig {
            listen: DEFAULT_LISTEN,
            keysets,
            timestamp_tolerance_secs: DEFAULT_TIMESTAMP_TOLERANCE_SECS,
            clock_offset_secs: 0,
            data_dir: None,
            subscribe_hold_secs: DEFAULT_SUBSCRIBE_HOLD_SECS,
            connection_limits: ConnectionLimits::default(),
        }
    }

    /// The demo: [`Keyset::demo`] on [`DEFAULT_LISTEN`].
    #[must_use]
    pub fn demo() -> Self {
        EmulatorConfig::new(vec![Keyset::demo()])
    }

    /// The same configuration listening on `listen`.
    #[must_use]
    pub fn with_listen(mut self, listen: SocketAddr) -> Self {
        self.listen = listen;
        self
    }

    /// The same configuration journaling revocations under `dir`.
    #[must_use]
    pub fn with_data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// The same configuration with another timestamp tolerance (seconds).
    #[must_use]
    pub fn with_timestamp_tolerance(mut self, secs: u64) -> Self {
        self.timestamp_tolerance_secs = secs;
        self
    }

    /// The same configuration with the server clock shifted by `secs` seconds.
    #[must_use]
    pub fn with_clock_offset(mut self, secs: i64) -> Self {
        self.clock_offset_secs = secs;
        self
    }

    /// The same configuration holding subscribe long-polls at most `secs` seconds.
    #[must_use]
    pub fn with_subscribe_hold(mut self, secs: u64) -> Self {
        self.subscribe_hold_secs = secs;
        self
    }

    /// The same configuration with these connection limits.
    #[must_use]
    pub fn with_connection_limits(mut self, limits: ConnectionLimits) -> Self {
        self.connection_limits = limits;
        self
    }

    /// Checks everything the emulator relies on: at least one and at most
    /// [`MAX_KEYSETS`] keysets, valid keys, distinct subscribe keys, tolerance and clock
    /// offset within their limits, and the [`ConnectionLimits`].
    ///
    /// # Errors
    ///
    /// The first problem found, naming the setting.
    pub fn validate(&self) -> Result<(), Error> {
        if self.keysets.is_empty() {
            return Err(Error::NoKeysets);
        }
        if self.keysets.len() > MAX_KEYSETS {
            return Err(Error::InvalidConfig {
                field: "keysets".to_owned(),
                problem: format!(
                    "has {} entries; at most {MAX_KEYSETS} are accepted",
                    self.keysets.len()
                ),
            });
        }
        for (index, keyset) in self.keysets.iter().enumerate() {
            keyset.validate(index)?;
            if let Some(first) = self.keysets[..index]
                .iter()
                .position(|k| k.subscribe_key() == keyset.subscribe_key())
            {
                return Err(Error::DuplicateSubscribeKey {
                    subscribe_key: keyset.subscribe_key().to_owned(),
                    first,
                    second: index,
                });
            }
        }
        if self.timestamp_tolerance_secs > MAX_TIMESTAMP_TOLERANCE_SECS {
            return Err(Error::InvalidConfig {
                field: "timestamp_tolerance_secs".to_owned(),
                problem: format!(
                    "is {}; at most {MAX_TIMESTAMP_TOLERANCE_SECS} is accepted",
                    self.timestamp_tolerance_secs
                ),
            });
        }
        self.connection_limits.validate()?;
        if self.clock_offset_secs.unsigned_abs() > MAX_CLOCK_OFFSET_SECS.unsigned_abs() {
            return Err(Error::InvalidConfig {
                field: "clock_offset_secs".to_owned(),
                problem: format!(
                    "is {}; at most ±{MAX_CLOCK_OFFSET_SECS} is accepted",
                    self.clock_offset_secs
                ),
            });
        }
        if !(1..=MAX_SUBSCRIBE_HOLD_SECS).contains(&self.subscribe_hold_secs) {
            return Err(Error::InvalidConfig {
                field: "subscribe_hold_secs".to_owned(),
                problem: format!(
                    "is {}; 1 to {MAX_SUBSCRIBE_HOLD_SECS} is accepted",
                    self.subscribe_hold_secs
                ),
            });
        }
        Ok(())
    }

    /// Reads a TOML configuration. Every key is optional; missing ones take the defaults of
    /// [`EmulatorConfig::new`]. Unknown keys are refused, so a typo does not go unnoticed.
    ///
    /// ```toml
    /// host = "127.0.0.1"                 # default 127.0.0.1
    /// port = 8090                        # default 8090; 0 picks a free port
    /// data_dir = "/var/lib/pam"          # default: revocations in memory only
    /// timestamp_tolerance_secs = 60      # default 60
    /// clock_offset_secs = 0              # default 0
    /// subscribe_hold_secs = 280          # default 280
    /// header_timeout_secs = 10           # default 10; also the idle keep-alive timeout
    /// body_timeout_secs = 30             # default 30
    /// max_connections = 512              # default 512
    /// shutdown_timeout_secs = 10         # default 10
    ///
    /// [[keysets]]
    /// subscribe_key = "sub-c-…"
    /// publish_key = "pub-c-…"
    /// secret_key = "sec-c-…"
    /// revocation = true                  # default true
    /// disallow_get_all_channel_metadata = false  # default false
    /// disallow_get_all_user_metadata = false     # default false
    /// ```
    ///
    /// The result is not validated (keysets may come from elsewhere too); the emulator
    /// validates at start.
    ///
    /// # Errors
    ///
    /// [`Error::ConfigSyntax`] with the parser's line and column.
    pub fn from_toml_str(text: &str) -> Result<Self, Error> {
        parse_toml(text, "text")
    }

    /// Reads the TOML file at `path` (at most [`MAX_CONFIG_FILE_BYTES`]); see
    /// [`EmulatorConfig::from_toml_str`]. A relative `data_dir` in it is relative to the
    /// file's directory.
    ///
    /// # Errors
    ///
    /// [`Error::ConfigRead`], [`Error::ConfigTooLarge`] or [`Error::ConfigSyntax`].
    pub fn from_toml_file(path: &Path) -> Result<Self, Error> {
        let read_error = |source| Error::ConfigRead {
            path: path.to_owned(),
            source,
        };
        let size = std::fs::metadata(path).map_err(read_error)?.len();
        if size > MAX_CONFIG_FILE_BYTES {
            return Err(Error::ConfigTooLarge {
                path: path.to_owned(),
                found: size,
                limit: MAX_CONFIG_FILE_BYTES,
            });
        }
        let text = std::fs::read_to_string(path).map_err(read_error)?;
        let mut config = parse_toml(&text, &format!("file {}", path.display()))?;
        if let Some(dir) = &config.data_dir {
            if dir.is_relative() {
                let base = path.parent().unwrap_or(Path::new("."));
                config.data_dir = Some(base.join(dir));
            }
        }
        Ok(config)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlConfig {
    host: Option<IpAddr>,
    port: Option<u16>,
    data_dir: Option<PathBuf>,
    timestamp_tolerance_secs: Option<u64>,
    clock_offset_secs: Option<i64>,
    subscribe_hold_secs: Option<u64>,
    header_timeout_secs: Option<u64>,
    body_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
    shutdown_timeout_secs: Option<u64>,
    #[serde(default)]
    keysets: Vec<TomlKeyset>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlKeyset {
    subscribe_key: String,
    publish_key: String,
    secret_key: String,
    #[serde(default = "revocation_default")]
    revocation: bool,
    #[serde(default)]
    disallow_get_all_channel_metadata: bool,
    #[serde(default)]
    disallow_get_all_user_metadata: bool,
}

fn revocation_default() -> bool {
    true
}

fn parse_toml(text: &str, origin: &str) -> Result<EmulatorConfig, Error> {
    let parsed: TomlConfig = toml::from_str(text).map_err(|e| Error::ConfigSyntax {
        origin: origin.to_owned(),
        // toml's message quotes the offending line, which may hold a secret key; keep the
        // parser's own description and position only.
        message: describe_toml_error(&e, text),
    })?;
    let mut config = EmulatorConfig::new(
        parsed
            .keysets
            .into_iter()
            .map(|k| {
                Keyset::new(k.subscribe_key, k.publish_key, k.secret_key)
                    .with_revocation(k.revocation)
                    .with_disallow_get_all_channel_metadata(k.disallow_get_all_channel_metadata)
                    .with_disallow_get_all_user_metadata(k.disallow_get_all_user_metadata)
            })
            .collect(),
    );
    if let Some(host) = parsed.host {
        config.listen.set_ip(host);
    }
    if let Some(port) = parsed.port {
        config.listen.set_port(port);
    }
    config.data_dir = parsed.data_dir;
    if let Some(secs) = parsed.timestamp_tolerance_secs {
        config.timestamp_tolerance_secs = secs;
    }
    if let Some(secs) = parsed.clock_offset_secs {
        config.clock_offset_secs = secs;
    }
    if let Some(secs) = parsed.subscribe_hold_secs {
        config.subscribe_hold_secs = secs;
    }
    let limits = &mut config.connection_limits;
    if let Some(secs) = parsed.header_timeout_secs {
        limits.header_timeout = std::time::Duration::from_secs(secs);
    }
    if let Some(secs) = parsed.body_timeout_secs {
        limits.body_timeout = std::time::Duration::from_secs(secs);
    }
    if let Some(max) = parsed.max_connections {
        limits.max_connections = max;
    }
    if let Some(secs) = parsed.shutdown_timeout_secs {
        limits.shutdown_timeout = std::time::Duration::from_secs(secs);
    }
    Ok(config)
}

fn describe_toml_error(error: &toml::de::Error, text: &str) -> String {
    let message = error.message();
    match error.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_errors_give_the_position_and_never_the_line() {
        let text = "[[keysets]]\nsubscribe_key = \"s\"\npublish_key = \"p\"\nsecret_key = \"sec-c-hidden\"\nrevocation = \"yes\"\n";
        let message = EmulatorConfig::from_toml_str(text).unwrap_err().to_string();
        assert!(message.contains("line 5"), "{message}");
        assert!(!message.contains("sec-c-hidden"), "{message}");
    }

    #[test]
    fn connection_limits_come_from_toml_and_are_validated() {
        let config = EmulatorConfig::from_toml_str(
            "header_timeout_secs = 2\nbody_timeout_secs = 3\nmax_connections = 7\nshutdown_timeout_secs = 0\n",
        )
        .unwrap();
        let limits = config.connection_limits;
        assert_eq!(limits.header_timeout.as_secs(), 2);
        assert_eq!(limits.body_timeout.as_secs(), 3);
        assert_eq!(limits.max_connections, 7);
        assert_eq!(limits.shutdown_timeout.as_secs(), 0);
        let config = EmulatorConfig::from_toml_str("header_timeout_secs = 0\n")
            .unwrap()
            .with_connection_limits(
                ConnectionLimits::default().with_header_timeout(std::time::Duration::ZERO),
            );
        let mut config = config;
        config.keysets.push(Keyset::new("s", "p", "x"));
        let message = config.validate().unwrap_err().to_string();
        assert!(message.contains("header_timeout_secs"), "{message}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let message = EmulatorConfig::from_toml_str("prot = 1\n")
            .unwrap_err()
            .to_string();
        assert!(message.contains("prot"), "{message}");
    }

    #[test]
    fn validation_catches_duplicates_and_limits() {
        let k = Keyset::new("s", "p", "x");
        assert!(matches!(
            EmulatorConfig::new(vec![k.clone(), k.clone()]).validate(),
            Err(Error::DuplicateSubscribeKey {
                first: 0,
                second: 1,
                ..
            })
        ));
        assert!(matches!(
            EmulatorConfig::new(vec![]).validate(),
            Err(Error::NoKeysets)
        ));
        assert!(
            EmulatorConfig::new(vec![k.clone()])
                .with_timestamp_tolerance(MAX_TIMESTAMP_TOLERANCE_SECS + 1)
                .validate()
                .is_err()
        );
        assert!(
            EmulatorConfig::new(vec![k.clone()])
                .with_subscribe_hold(MAX_SUBSCRIBE_HOLD_SECS + 1)
                .validate()
                .is_err()
        );
        assert!(
            EmulatorConfig::new(vec![k.clone()])
                .with_subscribe_hold(0)
                .validate()
                .is_err()
        );
        assert!(
            EmulatorConfig::new(vec![k])
                .with_clock_offset(i64::MIN)
                .validate()
                .is_err()
        );
    }
}
