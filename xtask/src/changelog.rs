//! Releasing the `## [Unreleased]` section of a Keep a Changelog file.
//!
//! The section runs from its heading to the next `## ` heading, or to the link reference
//! definitions (`[x]: https://…`) that Keep a Changelog puts at the end of the file.

use jiff::civil::Date;
use semver::Version;

/// The heading whose section a release moves.
pub const UNRELEASED_HEADING: &str = "## [Unreleased]";

/// Why a changelog cannot be released.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChangelogProblem {
    /// There is no `## [Unreleased]` heading.
    NoUnreleasedHeading,
    /// There is more than one `## [Unreleased]` heading (1-based lines).
    DuplicateUnreleasedHeading(usize, usize),
    /// The Unreleased section has no entries.
    EmptyUnreleased,
    /// The version already has a section (1-based line).
    VersionAlreadyReleased(usize),
}

impl std::fmt::Display for ChangelogProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChangelogProblem::NoUnreleasedHeading => {
                write!(f, "no `{UNRELEASED_HEADING}` heading to release")
            }
            ChangelogProblem::DuplicateUnreleasedHeading(a, b) => {
                write!(
                    f,
                    "`{UNRELEASED_HEADING}` appears twice (lines {a} and {b})"
                )
            }
            ChangelogProblem::EmptyUnreleased => write!(
                f,
                "the `{UNRELEASED_HEADING}` section is empty; describe what this release changes first"
            ),
            ChangelogProblem::VersionAlreadyReleased(line) => {
                write!(f, "line {line} already has a section for this version")
            }
        }
    }
}

fn is_link_definition(line: &str) -> bool {
    line.starts_with('[') && line.contains("]: ")
}

/// Today's date in UTC (the changelog records the UTC day a release was cut).
pub fn today_utc() -> Date {
    jiff::tz::Offset::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

/// Returns `text` with the Unreleased entries moved under `## [version] - date`, and an empty
/// `## [Unreleased]` section left above it.
pub fn release_unreleased(
    text: &str,
    version: &Version,
    date: Date,
) -> Result<String, ChangelogProblem> {
    let lines: Vec<&str> = text.lines().collect();
    let version_heading = format!("## [{version}]");
    let mut unreleased = None;
    for (index, line) in lines.iter().enumerate() {
        let line = line.trim_end();
        if line == UNRELEASED_HEADING {
            if let Some(first) = unreleased {
                return Err(ChangelogProblem::DuplicateUnreleasedHeading(
                    first + 1,
                    index + 1,
                ));
            }
            unreleased = Some(index);
        } else if line == version_heading || line.starts_with(&format!("{version_heading} ")) {
            return Err(ChangelogProblem::VersionAlreadyReleased(index + 1));
        }
    }
    let heading = unreleased.ok_or(ChangelogProblem::NoUnreleasedHeading)?;
    let end = lines[heading + 1..]
        .iter()
        .position(|line| line.starts_with("## ") || is_link_definition(line))
        .map_or(lines.len(), |offset| heading + 1 + offset);
    let body = &lines[heading + 1..end];
    let first = body.iter().position(|l| !l.trim().is_empty());
    let last = body.iter().rposition(|l| !l.trim().is_empty());
    let (Some(first), Some(last)) = (first, last) else {
        return Err(ChangelogProblem::EmptyUnreleased);
    };

    let mut out: Vec<String> = lines[..=heading].iter().map(|l| l.to_string()).collect();
    out.push(String::new());
    out.push(format!("{version_heading} - {date}"));
    out.push(String::new());
    out.extend(body[first..=last].iter().map(|l| l.to_string()));
    if end < lines.len() {
        out.push(String::new());
        out.extend(lines[end..].iter().map(|l| l.to_string()));
    }
    let mut result = out.join("\n");
    result.push('\n');
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATE: Date = jiff::civil::date(2026, 11, 29);

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn moves_entries_under_the_dated_heading() {
        let text = "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n### Added\n\n- new thing\n\n## [0.1.0] - 2026-01-02\n\n### Added\n\n- first\n";
        let released = release_unreleased(text, &v("0.2.0"), DATE).unwrap();
        assert_eq!(
            released,
            "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n## [0.2.0] - 2026-11-29\n\n### Added\n\n- new thing\n\n## [0.1.0] - 2026-01-02\n\n### Added\n\n- first\n"
        );
    }

    #[test]
    fn stops_at_link_definitions() {
        let text = "## [Unreleased]\n- x\n\n[Unreleased]: https://example.com/compare\n";
        let released = release_unreleased(text, &v("1.0.0-rc.1"), DATE).unwrap();
        assert_eq!(
            released,
            "## [Unreleased]\n\n## [1.0.0-rc.1] - 2026-11-29\n\n- x\n\n[Unreleased]: https://example.com/compare\n"
        );
    }

    #[test]
    fn releasing_twice_needs_new_entries() {
        let text = "## [Unreleased]\n\n- x\n";
        let once = release_unreleased(text, &v("0.2.0"), DATE).unwrap();
        assert_eq!(
            release_unreleased(&once, &v("0.3.0"), DATE),
            Err(ChangelogProblem::EmptyUnreleased)
        );
    }

    #[test]
    fn refuses_problems() {
        assert_eq!(
            release_unreleased("# Changelog\n", &v("0.2.0"), DATE),
            Err(ChangelogProblem::NoUnreleasedHeading)
        );
        assert_eq!(
            release_unreleased("## [Unreleased]\n- a\n## [Unreleased]\n", &v("0.2.0"), DATE),
            Err(ChangelogProblem::DuplicateUnreleasedHeading(1, 3))
        );
        assert_eq!(
            release_unreleased(
                "## [Unreleased]\n- a\n## [0.2.0] - 2026-01-01\n",
                &v("0.2.0"),
                DATE
            ),
            Err(ChangelogProblem::VersionAlreadyReleased(3))
        );
        assert_eq!(
            release_unreleased("## [Unreleased]\n\n   \n## [0.1.0]\n", &v("0.2.0"), DATE),
            Err(ChangelogProblem::EmptyUnreleased)
        );
    }

    #[test]
    fn today_agrees_with_the_date_command_when_available() {
        let before = today_utc().to_string();
        let output = match std::process::Command::new("date")
            .args(["-u", "+%Y-%m-%d"])
            .output()
        {
            Ok(output) if output.status.success() => output,
            _ => {
                eprintln!("skipping: no `date` command to compare with");
                return;
            }
        };
        let after = today_utc().to_string();
        let from_date = String::from_utf8_lossy(&output.stdout).trim().to_string();
        // Around midnight the day may change between the calls; it must match one of them.
        assert!(
            from_date == before || from_date == after,
            "date says {from_date}, we computed {before} / {after}"
        );
        assert_eq!(DATE.to_string(), "2026-11-29");
    }
}
