//! Command-line options.

use std::time::Duration;

use crate::grant_rows::NetPlan;
use crate::interleave::Plan;

/// What `--help` prints.
pub(crate) const USAGE: &str = "\
Usage: pam-bench [--quick] [--only SECTION[,SECTION…]]
       pam-bench --profile WHAT [--iterations N]

Prints one Markdown table comparing pam with pubnub 0.9 and with the floor. The token
corpus is the repository's crates/pam-vectors/data/tokens.

  --quick          fewer rounds and shorter windows (a smoke run; ratios are noisier)
  --only SECTIONS  run only these of: parse, verify, authorize, grant, emulator, cbor
  --profile WHAT   run only pam's WHAT (parse, parse-cbor, verify, verify-signature,
                   authorize-10) in a loop for 5 s, for `perf record` or `valgrind --tool=callgrind`
  --iterations N   with --profile: N operations instead of 5 s (callgrind is slow)
";

/// A part of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl Section {
    const ALL: [(&'static str, Section); 6] = [
        ("parse", Section::Parse),
        ("verify", Section::Verify),
        ("authorize", Section::Authorize),
        ("grant", Section::Grant),
        ("emulator", Section::Emulator),
        ("cbor", Section::Cbor),
    ];
}

/// Parsed options.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    quick: bool,
    only: Option<Vec<Section>>,
    /// `--profile WHAT`.
    pub(crate) profile: Option<String>,
    /// `--iterations N`.
    pub(crate) iterations: Option<u64>,
}

impl Options {
    /// Parses the arguments; `Ok(None)` for `--help`.
    pub(crate) fn parse(args: &[String]) -> Result<Option<Options>, String> {
        let mut options = Options::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--help" | "-h" => return Ok(None),
                "--quick" => options.quick = true,
                "--only" => {
                    let list = args.next().ok_or("--only needs a list of sections")?;
                    let sections = list
                        .split(',')
                        .map(|name| {
                            Section::ALL
                                .iter()
                                .find(|(n, _)| *n == name)
                                .map(|(_, s)| *s)
                                .ok_or_else(|| format!("unknown section `{name}` in --only"))
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    options.only = Some(sections);
                }
                "--profile" => {
                    let what = args.next().ok_or("--profile needs a target")?;
                    options.profile = Some(what.clone());
                }
                "--iterations" => {
                    let n = args.next().ok_or("--iterations needs a number")?;
                    let n =
                        n.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                            format!("--iterations {n}: expected a number above 0")
                        })?;
                    options.iterations = Some(n);
                }
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(Some(options))
    }

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
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn sections_and_errors() {
        let options = Options::parse(&strings(&["--quick", "--only", "parse,grant"]))
            .unwrap()
            .unwrap();
        assert!(options.wants(Section::Parse) && options.wants(Section::Grant));
        assert!(!options.wants(Section::Verify));
        assert!(Options::parse(&strings(&["--help"])).unwrap().is_none());
        let err = Options::parse(&strings(&["--only", "nope"])).unwrap_err();
        assert!(err.contains("`nope`"), "{err}");
        assert!(Options::parse(&strings(&["--fast"])).is_err());
        let profile = Options::parse(&strings(&["--profile", "verify", "--iterations", "9"]))
            .unwrap()
            .unwrap();
        assert_eq!(profile.profile.as_deref(), Some("verify"));
        assert_eq!(profile.iterations, Some(9));
        assert!(Options::parse(&strings(&["--iterations", "0"])).is_err());
    }
}
