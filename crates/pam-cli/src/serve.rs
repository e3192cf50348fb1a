//! `pam serve`: a local Access Manager (the `pam-emulator` crate) on this machine.

use std::io::{IsTerminal, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use pam_emulator::{Emulator, EmulatorConfig, Keyset};

use crate::failure::Failure;
use crate::keys::KeyArgs;

const AFTER_HELP: &str = "\
Keysets come from --config FILE ([[keysets]] tables), from --subscribe-key, --publish-key and
--secret-key (or PUBNUB_SUBSCRIBE_KEY, PUBNUB_PUBLISH_KEY, PUBNUB_SECRET_KEY), or both. With
none, a demo keyset is served: sub-c-local-demo / pub-c-local-demo / sec-c-local-demo.
Flags override the file's settings of the same names.

Configuration file (TOML; every key optional):
  host = \"127.0.0.1\"
  port = 8090
  data_dir = \"revocations\"          # relative to the file
  timestamp_tolerance_secs = 60
  clock_offset_secs = 0
  subscribe_hold_secs = 280         # longest a subscribe long-poll is held (1-300)
  header_timeout_secs = 10          # also the idle keep-alive timeout
  body_timeout_secs = 30
  max_connections = 512
  shutdown_timeout_secs = 10
  [[keysets]]
  subscribe_key = \"sub-c-...\"
  publish_key = \"pub-c-...\"
  secret_key = \"sec-c-...\"
  revocation = true
  disallow_get_all_channel_metadata = false   # true: listing channels needs cat channels get
  disallow_get_all_user_metadata = false      # true: listing uuids needs cat uuids get

The first line printed is `listening on http://HOST:PORT` (with the port chosen for --port 0),
then the keysets. Requests are logged on stderr with auth, signature and tokens redacted;
RUST_LOG sets the level (default info). Ctrl-C or SIGTERM stops the server gracefully:
in-flight requests are finished for at most --shutdown-timeout seconds, then every
connection still open is closed and the process exits.";

/// Run a local Access Manager: grant, revoke, time, publish and signal, subscribe, history,
/// presence, channel groups and App Context (channel and uuid metadata, memberships), with
/// PubNub's paths, signatures and error bodies.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub(crate) struct ServeArgs {
    /// TOML configuration file: keysets, host, port, data_dir, tolerance, clock offset
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// IP address to listen on [default: 127.0.0.1]
    #[arg(long, value_name = "IP")]
    host: Option<IpAddr>,

    /// Port to listen on; 0 picks a free port (printed on the first line) [default: 8090]
    #[arg(long, value_name = "PORT")]
    port: Option<u16>,

    /// Keyset given by flags or environment (added to the file's keysets)
    #[command(flatten)]
    keys: KeyArgs,

    /// Disable token revocation on the keyset given by flags (revoke then answers "Feature
    /// disabled")
    #[arg(long)]
    no_revocation: bool,

    /// Restrict listing all channel metadata on the keyset given by flags (or the demo
    /// keyset): only tokens whose categories grant `channels` get may list
    #[arg(long)]
    disallow_get_all_channel_metadata: bool,

    /// Restrict listing all uuid metadata on the keyset given by flags (or the demo keyset):
    /// only tokens whose categories grant `uuids` get may list
    #[arg(long)]
    disallow_get_all_user_metadata: bool,

    /// Journal revocations in DIR (created if missing), fsynced before each revoke is
    /// answered and reloaded at start; without it revocations are kept in memory only
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Accept signed requests whose timestamp is at most SECS from the server time
    /// [default: 60]
    #[arg(long, value_name = "SECS")]
    timestamp_tolerance: Option<u64>,

    /// Shift the server clock by SECS seconds (negative: behind), e.g. to test a client's
    /// clock-offset correction [default: 0]
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    clock_offset: Option<i64>,

    /// Close a connection that has not sent a complete request head within SECS, counted
    /// from when the server waits for one (so also an idle keep-alive connection)
    /// [default: 10]
    #[arg(long, value_name = "SECS")]
    header_timeout: Option<u64>,

    /// Answer 408 and close when a request's body is not complete SECS after its head
    /// [default: 30]
    #[arg(long, value_name = "SECS")]
    body_timeout: Option<u64>,

    /// Serve at most N connections at once; one more is answered 503 and closed
    /// [default: 512]
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,

    /// On Ctrl-C or SIGTERM, wait at most SECS for in-flight requests before closing every
    /// connection and exiting [default: 10]
    #[arg(long, value_name = "SECS")]
    shutdown_timeout: Option<u64>,
}

/// Builds the emulator configuration from the file, the flags and the environment.
fn configuration(args: &ServeArgs) -> Result<EmulatorConfig, Failure> {
    let mut config = match &args.config {
        Some(path) => EmulatorConfig::from_toml_file(path).map_err(describe)?,
        None => EmulatorConfig::new(Vec::new()),
    };
    let restrict_listing =
        args.disallow_get_all_channel_metadata || args.disallow_get_all_user_metadata;
    // The keyset of the flags, else the demo keyset when the file has none: the one the
    // --no-revocation and --disallow-… flags apply to.
    let keyset = match flag_keyset(args)? {
        Some(keyset) => Some(keyset),
        None if args.no_revocation => {
            return Err(Failure::input(
                "--no-revocation applies to the keyset given by --subscribe-key, --publish-key and \
                 --secret-key, and none was given",
            ));
        }
        None if config.keysets.is_empty() => Some(Keyset::demo()),
        None if restrict_listing => {
            return Err(Failure::input(
                "--disallow-get-all-channel-metadata and --disallow-get-all-user-metadata apply to \
                 the keyset given by --subscribe-key, --publish-key and --secret-key (or to the \
                 demo keyset), and the configuration file's keysets set them with \
                 disallow_get_all_channel_metadata / disallow_get_all_user_metadata",
            ));
        }
        None => None,
    };
    if let Some(keyset) = keyset {
        config.keysets.push(
            keyset
                .with_disallow_get_all_channel_metadata(args.disallow_get_all_channel_metadata)
                .with_disallow_get_all_user_metadata(args.disallow_get_all_user_metadata),
        );
    }
    if let Some(host) = args.host {
        config.listen.set_ip(host);
    }
    if let Some(port) = args.port {
        config.listen.set_port(port);
    }
    if let Some(dir) = &args.data_dir {
        config.data_dir = Some(dir.clone());
    }
    if let Some(secs) = args.timestamp_tolerance {
        config.timestamp_tolerance_secs = secs;
    }
    if let Some(secs) = args.clock_offset {
        config.clock_offset_secs = secs;
    }
    let limits = &mut config.connection_limits;
    if let Some(secs) = args.header_timeout {
        limits.header_timeout = Duration::from_secs(secs);
    }
    if let Some(secs) = args.body_timeout {
        limits.body_timeout = Duration::from_secs(secs);
    }
    if let Some(max) = args.max_connections {
        limits.max_connections = max;
    }
    if let Some(secs) = args.shutdown_timeout {
        limits.shutdown_timeout = Duration::from_secs(secs);
    }
    config.validate().map_err(describe)?;
    Ok(config)
}

/// The keyset of `--subscribe-key`, `--publish-key` and `--secret-key` (or their
/// environment variables): all three, or none.
fn flag_keyset(args: &ServeArgs) -> Result<Option<Keyset>, Failure> {
    let keys = &args.keys;
    match (&keys.subscribe_key, &keys.publish_key, &keys.secret_key) {
        (None, None, None) => Ok(None),
        (Some(sub), Some(publish), Some(secret)) => Ok(Some(
            Keyset::new(sub, publish, secret).with_revocation(!args.no_revocation),
        )),
        (sub, publish, secret) => {
            let missing: Vec<&str> = [
                (sub.is_none(), "--subscribe-key (PUBNUB_SUBSCRIBE_KEY)"),
                (publish.is_none(), "--publish-key (PUBNUB_PUBLISH_KEY)"),
                (secret.is_none(), "--secret-key (PUBNUB_SECRET_KEY)"),
            ]
            .into_iter()
            .filter_map(|(is_missing, name)| is_missing.then_some(name))
            .collect();
            Err(Failure::input(format!(
                "a keyset needs a subscribe, a publish and a secret key; missing: {}",
                missing.join(", ")
            )))
        }
    }
}

fn describe(error: pam_emulator::Error) -> Failure {
    match error {
        pam_emulator::Error::Bind { addr, source } => Failure::Io {
            context: format!("cannot listen on {addr}"),
            source,
        },
        other => Failure::input(other.to_string()),
    }
}

/// What is printed once the server listens: the address first, then the keysets (the secret
/// only for the demo keyset, whose secret is public).
fn banner(emulator: &Emulator, data_dir: Option<&PathBuf>) -> String {
    let mut out = format!("listening on {}\n", emulator.url());
    for (index, keyset) in emulator.keysets().enumerate() {
        let secret = if keyset.is_demo() {
            format!("{} (demo keyset: loopback use only)", keyset.secret_key())
        } else {
            "(as configured; not printed)".to_owned()
        };
        out.push_str(&format!(
            "keyset {index}: subscribe key {}, publish key {}, secret key {secret}, revocation {}\n",
            keyset.subscribe_key(),
            keyset.publish_key(),
            if keyset.revocation_enabled() {
                "enabled"
            } else {
                "disabled"
            },
        ));
        let restricted: Vec<&str> = [
            (keyset.disallow_get_all_channel_metadata(), "channels"),
            (keyset.disallow_get_all_user_metadata(), "uuids"),
        ]
        .into_iter()
        .filter_map(|(on, what)| on.then_some(what))
        .collect();
        if !restricted.is_empty() {
            out.push_str(&format!(
                "keyset {index}: listing all {} metadata needs a token with that category\n",
                restricted.join(" and ")
            ));
        }
    }
    match data_dir {
        Some(dir) => out.push_str(&format!("revocations: journaled in {}\n", dir.display())),
        None => out.push_str("revocations: in memory (forgotten at exit)\n"),
    }
    out.push_str("press Ctrl-C to stop\n");
    out
}

/// Waits for Ctrl-C, or SIGTERM on Unix.
async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Runs `pam serve` until Ctrl-C or SIGTERM.
pub(crate) fn run(args: ServeArgs) -> Result<ExitCode, Failure> {
    let config = configuration(&args)?;
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| Failure::Io {
            context: "cannot start the async runtime".to_owned(),
            source,
        })?;
    runtime.block_on(async move {
        let data_dir = config.data_dir.clone();
        let emulator = Emulator::start(config).await.map_err(describe)?;
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(banner(&emulator, data_dir.as_ref()).as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|source| Failure::Io {
                context: "cannot write to stdout".to_owned(),
                source,
            })?;
        drop(stdout);
        stop_requested().await;
        emulator.shutdown().await.map_err(describe)?;
        Ok(ExitCode::SUCCESS)
    })
}
