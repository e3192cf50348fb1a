//! The one error type of this crate.
//!
//! These are failures of the emulator itself (its configuration, its data directory, its
//! socket). A request the emulator refuses is not an error here: it is an HTTP answer with
//! PubNub's error body (see [`crate::Response`]).

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why the emulator could not be configured, started, or stopped.
///
/// Configuration variants describe input a person wrote (flags, environment, a TOML file);
/// journal variants describe bytes found on disk; [`Error::Bind`] and [`Error::Serve`] come
/// from the operating system. Messages never repeat a secret key or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is not acceptable.
    #[error("invalid configuration: `{field}` {problem}")]
    InvalidConfig {
        /// Which setting (`keyset[0].subscribe_key`, `port`, …).
        field: String,
        /// What is wrong with it.
        problem: String,
    },

    /// The configuration names no keyset at all.
    #[error("the configuration has no keyset; add at least one (or use `EmulatorConfig::demo()`)")]
    NoKeysets,

    /// Two keysets share a subscribe key, so requests could not tell them apart.
    #[error("keysets {first} and {second} have the same subscribe key `{subscribe_key}`")]
    DuplicateSubscribeKey {
        /// The repeated key (subscribe keys are not secret).
        subscribe_key: String,
        /// Index of the first keyset with it.
        first: usize,
        /// Index of the second keyset with it.
        second: usize,
    },

    /// The TOML configuration file could not be read.
    #[error("cannot read the configuration file {}: {source}", path.display())]
    ConfigRead {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// The TOML configuration file is larger than [`crate::limits::MAX_CONFIG_FILE_BYTES`].
    #[error(
        "the configuration file {} has {found} bytes; at most {limit} are accepted",
        path.display()
    )]
    ConfigTooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        found: u64,
        /// The limit in bytes.
        limit: u64,
    },

    /// The TOML configuration is not valid TOML or does not have the expected shape.
    #[error("invalid configuration {origin}: {message}")]
    ConfigSyntax {
        /// Where it came from: `file /etc/pam.toml` or `text`.
        origin: String,
        /// The parser's message, with line and column.
        message: String,
    },

    /// The data directory could not be created or opened.
    #[error("cannot use the data directory {}: {source}", path.display())]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// Reading or writing the revocation journal failed.
    #[error("revocation journal {}: {action} failed: {source}", path.display())]
    JournalIo {
        /// The journal file.
        path: PathBuf,
        /// What was being done (`open`, `read`, `append`, `fsync`, …).
        action: &'static str,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// The revocation journal does not start with this format's header, so it is not a
    /// journal this emulator wrote (or a newer version wrote it).
    #[error(
        "{} is not a revocation journal of this format (its first bytes are not the expected \
         header); move it away or point --data-dir elsewhere",
        path.display()
    )]
    JournalHeader {
        /// The journal file.
        path: PathBuf,
    },

    /// A record in the middle of the revocation journal fails its checksum. A damaged last
    /// record is a write cut short and is dropped; a damaged record followed by good ones
    /// means the file was altered, and dropping it could bring a revoked token back.
    #[error(
        "revocation journal {} is corrupt: record {record} (byte offset {offset}) fails its \
         checksum and {later_records} record(s) follow it",
        path.display()
    )]
    JournalCorrupt {
        /// The journal file.
        path: PathBuf,
        /// The record's index, from 0.
        record: u64,
        /// The record's byte offset in the file.
        offset: u64,
        /// How many complete records follow it.
        later_records: u64,
    },

    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// The HTTP server stopped with an error.
    #[error("the HTTP server failed: {source}")]
    Serve {
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },

    /// A keyset index passed to an API was out of range: a programming error of the caller,
    /// never caused by a request.
    #[error("there is no keyset {index}; the emulator has {count}")]
    NoSuchKeyset {
        /// The index asked for.
        index: usize,
        /// How many keysets there are.
        count: usize,
    },
}
