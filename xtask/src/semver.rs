//! Semantic versions (`MAJOR.MINOR.PATCH[-PRE][+BUILD]`) with semver 2.0 precedence.
//!
//! Enough of semver for release decisions: `0.2.0-rc.1 < 0.2.0-rc.2 < 0.2.0-rc.10 < 0.2.0`.
//! Build metadata is kept for display and ignored for precedence, as the spec says.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::XtaskError;

/// One dot-separated pre-release identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreIdentifier {
    /// Digits only; compared numerically.
    Numeric(u64),
    /// Letters, digits and `-`; compared as ASCII text.
    Alphanumeric(String),
}

impl Ord for PreIdentifier {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (PreIdentifier::Numeric(a), PreIdentifier::Numeric(b)) => a.cmp(b),
            (PreIdentifier::Numeric(_), PreIdentifier::Alphanumeric(_)) => Ordering::Less,
            (PreIdentifier::Alphanumeric(_), PreIdentifier::Numeric(_)) => Ordering::Greater,
            (PreIdentifier::Alphanumeric(a), PreIdentifier::Alphanumeric(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for PreIdentifier {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for PreIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PreIdentifier::Numeric(n) => write!(f, "{n}"),
            PreIdentifier::Alphanumeric(s) => f.write_str(s),
        }
    }
}

/// A semantic version.
#[derive(Debug, Clone)]
pub struct Version {
    /// Incompatible API changes.
    pub major: u64,
    /// Compatible additions.
    pub minor: u64,
    /// Compatible fixes.
    pub patch: u64,
    /// Pre-release identifiers (`rc.1` is `[Alphanumeric("rc"), Numeric(1)]`); empty for a release.
    pub pre: Vec<PreIdentifier>,
    /// Build metadata after `+`, without the `+`; ignored for precedence.
    pub build: Option<String>,
}

impl Version {
    /// True when the version has pre-release identifiers.
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                // A pre-release sorts before the release it leads to.
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        for (i, id) in self.pre.iter().enumerate() {
            f.write_str(if i == 0 { "-" } else { "." })?;
            write!(f, "{id}")?;
        }
        if let Some(build) = &self.build {
            write!(f, "+{build}")?;
        }
        Ok(())
    }
}

/// Longest version string accepted; real versions are a few dozen characters.
pub const MAX_VERSION_LEN: usize = 256;

impl FromStr for Version {
    type Err = XtaskError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: String| XtaskError::InvalidVersion {
            input: input.chars().take(MAX_VERSION_LEN).collect(),
            reason,
        };
        if input.len() > MAX_VERSION_LEN {
            return Err(invalid(format!("longer than {MAX_VERSION_LEN} bytes")));
        }
        let (rest, build) = match input.split_once('+') {
            Some((rest, build)) => {
                check_identifiers(build, "build metadata").map_err(&invalid)?;
                (rest, Some(build.to_string()))
            }
            None => (input, None),
        };
        let (core, pre_text) = match rest.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (rest, None),
        };
        let parts: Vec<&str> = core.split('.').collect();
        if parts.len() != 3 {
            return Err(invalid(format!(
                "expected MAJOR.MINOR.PATCH, found {} dot-separated part(s) in `{core}`",
                parts.len()
            )));
        }
        let mut numbers = [0u64; 3];
        for (slot, (part, name)) in numbers
            .iter_mut()
            .zip(parts.iter().zip(["major", "minor", "patch"]))
        {
            *slot = parse_numeric(part)
                .map_err(|why| invalid(format!("{name} part `{part}` {why}")))?;
        }
        let mut pre = Vec::new();
        if let Some(pre_text) = pre_text {
            check_identifiers(pre_text, "pre-release").map_err(&invalid)?;
            for id in pre_text.split('.') {
                if id.bytes().all(|b| b.is_ascii_digit()) {
                    let n = parse_numeric(id)
                        .map_err(|why| invalid(format!("pre-release identifier `{id}` {why}")))?;
                    pre.push(PreIdentifier::Numeric(n));
                } else {
                    pre.push(PreIdentifier::Alphanumeric(id.to_string()));
                }
            }
        }
        Ok(Version {
            major: numbers[0],
            minor: numbers[1],
            patch: numbers[2],
            pre,
            build,
        })
    }
}

fn parse_numeric(part: &str) -> Result<u64, String> {
    if part.is_empty() {
        return Err("is empty".to_string());
    }
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return Err("is not a number".to_string());
    }
    if part.len() > 1 && part.starts_with('0') {
        return Err("has a leading zero".to_string());
    }
    part.parse::<u64>()
        .map_err(|_| "does not fit in 64 bits".to_string())
}

fn check_identifiers(text: &str, what: &str) -> Result<(), String> {
    for id in text.split('.') {
        if id.is_empty() {
            return Err(format!("{what} `{text}` has an empty identifier"));
        }
        if let Some(bad) = id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(format!(
                "{what} identifier `{id}` contains `{bad}`; only ASCII letters, digits and `-` are allowed"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn precedence_follows_semver() {
        let ordered = [
            "0.1.0",
            "0.1.1",
            "0.2.0-alpha",
            "0.2.0-alpha.1",
            "0.2.0-alpha.beta",
            "0.2.0-beta.2",
            "0.2.0-beta.11",
            "0.2.0-rc.1",
            "0.2.0-rc.2",
            "0.2.0-rc.10",
            "0.2.0",
            "0.10.0",
            "1.0.0",
        ];
        for pair in ordered.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
            assert!(v(pair[1]) > v(pair[0]), "{} > {}", pair[1], pair[0]);
        }
    }

    #[test]
    fn build_metadata_is_ignored_for_precedence_and_kept_for_display() {
        assert_eq!(v("1.2.3+abc"), v("1.2.3"));
        assert_eq!(v("1.2.3-rc.1+abc.5").to_string(), "1.2.3-rc.1+abc.5");
    }

    #[test]
    fn display_round_trips() {
        for s in ["0.0.0", "12.3.45", "1.0.0-rc.1", "1.0.0-x-y.0.z"] {
            assert_eq!(v(s).to_string(), s);
        }
    }

    #[test]
    fn rejects_malformed_versions_with_reasons() {
        for (input, reason) in [
            ("1.2", "expected MAJOR.MINOR.PATCH"),
            ("1.2.3.4", "expected MAJOR.MINOR.PATCH"),
            ("01.2.3", "leading zero"),
            ("1.x.3", "minor part `x` is not a number"),
            ("1.2.3-", "empty identifier"),
            ("1.2.3-rc..1", "empty identifier"),
            ("1.2.3-rc.01", "leading zero"),
            ("1.2.3-r_c", "contains `_`"),
            ("v1.2.3", "not a number"),
            ("", "expected MAJOR.MINOR.PATCH"),
            ("99999999999999999999.0.0", "64 bits"),
        ] {
            let err = input.parse::<Version>().expect_err(input).to_string();
            assert!(err.contains(reason), "{input}: {err}");
            assert!(err.contains("invalid version"), "{input}: {err}");
        }
    }
}
