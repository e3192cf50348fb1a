//! Looking through the server's log for secrets: the secret key, and any whole token.

use std::collections::HashSet;

/// The shortest run of base64url characters looked up as a possible token. Tokens the
/// emulator issues are well over 100 characters; shorter runs are names and timetokens.
pub const MIN_TOKEN_RUN: usize = 64;

/// What the log held that it must not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFindings {
    /// Lines read.
    pub lines: usize,
    /// Lines holding the secret key.
    pub secret_key_lines: usize,
    /// Lines holding a whole issued token (raw, or percent-encoded with `%3D` padding).
    pub token_lines: usize,
    /// The first offending line, cut short, with the secret replaced, for the report.
    pub first_offence: Option<String>,
}

impl LogFindings {
    /// True when nothing secret was found.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.secret_key_lines == 0 && self.token_lines == 0
    }
}

/// Looks for `secret_key` and for any of `tokens` (whole) in `log`.
///
/// A token counts as found when a run of base64url characters in a line, with `=` or `%3D`
/// padding taken off, equals a token with its padding taken off.
///
/// ```
/// let tokens = vec![format!("{}==", "A".repeat(70))];
/// let found = pam_load::scan_log("GET /p?auth=[redacted]\n", "sec-1", &tokens);
/// assert!(found.is_clean());
/// let found = pam_load::scan_log(&format!("auth={}%3D%3D\n", "A".repeat(70)), "sec-1", &tokens);
/// assert_eq!(found.token_lines, 1);
/// ```
#[must_use]
pub fn scan_log(log: &str, secret_key: &str, tokens: &[String]) -> LogFindings {
    let unpadded: HashSet<&str> = tokens.iter().map(|t| t.trim_end_matches('=')).collect();
    let mut findings = LogFindings::default();
    for line in log.lines() {
        findings.lines += 1;
        let has_secret = !secret_key.is_empty() && line.contains(secret_key);
        let has_token = line
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .filter(|run| run.len() >= MIN_TOKEN_RUN)
            .any(|run| unpadded.contains(run));
        findings.secret_key_lines += usize::from(has_secret);
        findings.token_lines += usize::from(has_token);
        if (has_secret || has_token) && findings.first_offence.is_none() {
            let shown: String = line
                .replace(secret_key, "<SECRET KEY>")
                .chars()
                .take(200)
                .collect();
            findings.first_offence = Some(shown);
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_secrets_and_whole_tokens_only() {
        let token = format!("{}-_x=", "q".repeat(80));
        let tokens = vec![token.clone()];
        let log = format!(
            "fine line\nsigned with sec-c-9 here\nauth={token}\npath /grant/{}%3D\nprefix {}\n",
            token.trim_end_matches('='),
            &token[..70]
        );
        let found = scan_log(&log, "sec-c-9", &tokens);
        assert_eq!(found.lines, 5);
        assert_eq!(found.secret_key_lines, 1);
        assert_eq!(found.token_lines, 2);
        assert_eq!(
            found.first_offence.as_deref(),
            Some("signed with <SECRET KEY> here")
        );
        assert!(!found.is_clean());
    }
}
