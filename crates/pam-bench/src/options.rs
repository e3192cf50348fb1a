//! Command-line options.

use std::time::Duration;

use crate::grant_rows::NetPlan;
use crate::interleave::Plan;

/// A part of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Section {
    /// Parsing the corpus.
    Parse,
    /// Verifying a signature.
    Verify,
    /// Authorizing on a parsed token.
    Authorize,
    /// Grant round trips, pam vs pubnub.
    Grant,
    /// pam-token's CBOR reader against one built on `ciborium-ll`.
    Cbor,
    /// The emulator under load.
    Emulator,
}

/// Parsed options.
#[derive(Debug, Clone, Default, clap::Parser)]
#[command(
    name = "pam-bench",
    about = "Prints one Markdown table comparing pam with pubnub 0.9 and with the floor.",
    long_about = "Prints one Markdown table comparing pam with pubnub 0.9 and with the floor. \
                  The token corpus is the repository's \
                  crates/pam-vectors/data/tokens.",
    override_usage = "pam-bench [--quick] [--only SECTION[,SECTION…]]\n       \
                      pam-bench --profile WHAT [--iterations N]"
)]
pub(crate) struct Options {
    /// Fewer rounds and shorter windows (a smoke run; ratios are noisier).
    #[arg(long)]
    quick: bool,
    /// Run only these sections (comma-separated).
    #[arg(long, value_name = "SECTIONS", value_enum, value_delimiter = ',')]
    only: Option<Vec<Section>>,
    /// Run only pam's WHAT in a loop for 5 s, for `perf record` or
    /// `valgrind --tool=callgrind`.
    #[arg(long, value_name = "WHAT",
          value_parser = clap::builder::PossibleValuesParser::new(crate::profile_loop::TARGETS))]
    pub(crate) profile: Option<String>,
    /// With --profile: N operations instead of 5 s (callgrind is slow).
    #[arg(long, value_name = "N", requires = "profile",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) iterations: Option<u64>,
}

impl Options {
    /// True when `section` is to run.
    pub(crate) fn wants(&self, section: Section) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.contains(&section))
    }

    /// The plan for the in-process (CPU) rows.
    pub(crate) fn plan(&self) -> Plan {
        if self.quick {
            Plan {
                rounds: 7,
                batch: Duration::from_micros(300),
            }
        } else {
            Plan {
                rounds: 41,
                batch: Duration::from_millis(1),
            }
        }
    }

    /// The plan for the network rows.
    pub(crate) fn net_plan(&self) -> NetPlan {
        if self.quick {
            NetPlan {
                sequential_rounds: 4,
                sequential_batch: 25,
                concurrent_rounds: 2,
                window: Duration::from_millis(300),
                concurrency: 32,
            }
        } else {
            NetPlan {
                sequential_rounds: 40,
                sequential_batch: 50,
                concurrent_rounds: 8,
                window: Duration::from_secs(1),
                concurrency: 32,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        Options::try_parse_from(std::iter::once("pam-bench").chain(args.iter().copied()))
    }

    #[test]
    fn sections_and_errors() {
        let options = parse(&["--quick", "--only", "parse,grant"]).unwrap();
        assert!(options.wants(Section::Parse) && options.wants(Section::Grant));
        assert!(!options.wants(Section::Verify));
        assert!(parse(&[]).unwrap().wants(Section::Emulator));
        let help = parse(&["--help"]).unwrap_err();
        assert_eq!(help.kind(), clap::error::ErrorKind::DisplayHelp);
        for flag in [
            "--quick",
            "--only <SECTIONS>",
            "--profile <WHAT>",
            "--iterations <N>",
        ] {
            assert!(help.to_string().contains(flag), "{flag}: {help}");
        }
        let err = parse(&["--only", "nope"]).unwrap_err().to_string();
        assert!(err.contains("'nope'"), "{err}");
        assert!(
            err.contains("parse, verify, authorize, grant, cbor, emulator"),
            "{err}"
        );
        assert!(parse(&["--fast"]).is_err());
        let profile = parse(&["--profile", "verify", "--iterations", "9"]).unwrap();
        assert_eq!(profile.profile.as_deref(), Some("verify"));
        assert_eq!(profile.iterations, Some(9));
        assert!(parse(&["--profile", "verify", "--iterations", "0"]).is_err());
        assert!(parse(&["--profile", "nothing"]).is_err());
        assert!(
            parse(&["--iterations", "5"]).is_err(),
            "--iterations needs --profile"
        );
    }
}
