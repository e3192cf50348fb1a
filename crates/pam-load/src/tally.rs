//! What the traffic saw: answers by operation and status, latencies, and the answers that
//! break the contract.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::Latencies;

/// The kinds of request the driver sends, each with the answer it must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    /// A signed grant of a valid body: `200` with a token.
    Grant,
    /// A publish with a live token that grants write: `200`.
    Publish,
    /// A signed revoke of a live token: `200`.
    Revoke,
    /// A publish with a token whose revoke was answered `200`: `403`.
    PublishRevoked,
    /// A grant whose signature was made with another secret key: `403`.
    GrantBadSignature,
    /// A signed grant with ttl 0: `400`.
    GrantInvalidTtl,
    /// A publish without a token: `403`.
    PublishWithoutToken,
    /// After the run: a publish with every token whose revoke was answered `200`: `403`.
    RecheckRevoked,
    /// After the run: a publish with some tokens never revoked: `200`.
    RecheckKept,
}

impl Operation {
    /// The status this operation must be answered with.
    #[must_use]
    pub const fn expected_status(self) -> u16 {
        match self {
            Operation::Grant | Operation::Publish | Operation::Revoke | Operation::RecheckKept => {
                200
            }
            Operation::PublishRevoked
            | Operation::GrantBadSignature
            | Operation::PublishWithoutToken
            | Operation::RecheckRevoked => 403,
            Operation::GrantInvalidTtl => 400,
        }
    }

    /// A short name for the report.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Operation::Grant => "grant",
            Operation::Publish => "publish",
            Operation::Revoke => "revoke",
            Operation::PublishRevoked => "publish-revoked",
            Operation::GrantBadSignature => "grant-bad-signature",
            Operation::GrantInvalidTtl => "grant-invalid-ttl",
            Operation::PublishWithoutToken => "publish-without-token",
            Operation::RecheckRevoked => "recheck-revoked",
            Operation::RecheckKept => "recheck-kept",
        }
    }

    /// True when a `200` answer means a revoked token was accepted.
    #[must_use]
    pub const fn uses_revoked_token(self) -> bool {
        matches!(self, Operation::PublishRevoked | Operation::RecheckRevoked)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One answer that broke the contract, kept for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unexpected {
    /// What was sent.
    pub operation: Operation,
    /// The status received (`None`: no answer at all).
    pub status: Option<u16>,
    /// The start of the body, or the transport error.
    pub detail: String,
}

/// How many unexpected answers are kept word for word (all are counted).
pub const MAX_KEPT_UNEXPECTED: usize = 20;

/// Counts and latencies of a run.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Answers by operation, then by status.
    pub by_operation: BTreeMap<Operation, BTreeMap<u16, u64>>,
    /// Requests that got no HTTP answer (connection refused or reset, timeout).
    pub transport_errors: u64,
    /// Latencies of every answered request.
    pub latencies: Latencies,
    /// Latencies by operation.
    pub latencies_by_operation: BTreeMap<Operation, Latencies>,
    /// How many answers broke the contract (wrong status, missing token).
    pub unexpected_count: u64,
    /// The first [`MAX_KEPT_UNEXPECTED`] of them.
    pub unexpected: Vec<Unexpected>,
    /// Revoked tokens (revoke answered `200`) that a later publish was allowed with.
    pub revoked_but_accepted: u64,
}

impl Tally {
    /// Records an answer; returns whether it was the expected one.
    pub fn answer(
        &mut self,
        operation: Operation,
        status: u16,
        latency: Duration,
        body: &str,
    ) -> bool {
        *self
            .by_operation
            .entry(operation)
            .or_default()
            .entry(status)
            .or_default() += 1;
        self.latencies.record(latency);
        self.latencies_by_operation
            .entry(operation)
            .or_default()
            .record(latency);
        if operation.uses_revoked_token() && status == 200 {
            self.revoked_but_accepted += 1;
        }
        let expected = status == operation.expected_status();
        if !expected {
            self.note_unexpected(operation, Some(status), excerpt(body));
        }
        expected
    }

    /// Records a request that got no answer.
    pub fn transport_error(&mut self, operation: Operation, error: &str) {
        self.transport_errors += 1;
        self.note_unexpected(operation, None, excerpt(error));
    }

    /// Records an answer with the right status but the wrong content.
    pub fn wrong_content(&mut self, operation: Operation, status: u16, body: &str) {
        self.note_unexpected(operation, Some(status), excerpt(body));
    }

    fn note_unexpected(&mut self, operation: Operation, status: Option<u16>, detail: String) {
        self.unexpected_count += 1;
        if self.unexpected.len() < MAX_KEPT_UNEXPECTED {
            self.unexpected.push(Unexpected {
                operation,
                status,
                detail,
            });
        }
    }

    /// Adds everything `other` counted.
    pub fn merge(&mut self, other: Tally) {
        for (operation, statuses) in other.by_operation {
            let mine = self.by_operation.entry(operation).or_default();
            for (status, count) in statuses {
                *mine.entry(status).or_default() += count;
            }
        }
        self.transport_errors += other.transport_errors;
        self.latencies.merge(&other.latencies);
        for (operation, latencies) in &other.latencies_by_operation {
            self.latencies_by_operation
                .entry(*operation)
                .or_default()
                .merge(latencies);
        }
        self.unexpected_count += other.unexpected_count;
        let room = MAX_KEPT_UNEXPECTED.saturating_sub(self.unexpected.len());
        self.unexpected
            .extend(other.unexpected.into_iter().take(room));
        self.revoked_but_accepted += other.revoked_but_accepted;
    }

    /// Answered requests plus those without an answer.
    #[must_use]
    pub fn requests(&self) -> u64 {
        self.answered() + self.transport_errors
    }

    /// Requests that got an HTTP answer.
    #[must_use]
    pub fn answered(&self) -> u64 {
        self.by_operation.values().flat_map(|s| s.values()).sum()
    }

    /// Answers by status, all operations together.
    #[must_use]
    pub fn by_status(&self) -> BTreeMap<u16, u64> {
        let mut out = BTreeMap::new();
        for statuses in self.by_operation.values() {
            for (status, count) in statuses {
                *out.entry(*status).or_default() += count;
            }
        }
        out
    }

    /// Answers with a 5xx status.
    #[must_use]
    pub fn server_errors(&self) -> u64 {
        self.by_status()
            .iter()
            .filter(|(status, _)| (500..600).contains(*status))
            .map(|(_, count)| count)
            .sum()
    }
}

/// The first 160 characters of `text`, on one line.
fn excerpt(text: &str) -> String {
    text.chars()
        .take(160)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_statuses_violations_and_merges() {
        let ms = Duration::from_millis(1);
        let mut a = Tally::default();
        assert!(a.answer(Operation::Grant, 200, ms, "{}"));
        assert!(!a.answer(Operation::Publish, 503, ms, "busy\nnow"));
        assert!(!a.answer(Operation::PublishRevoked, 200, ms, "[1,\"Sent\",\"1\"]"));
        let mut b = Tally::default();
        assert!(b.answer(Operation::RecheckRevoked, 403, ms, "revoked"));
        b.transport_error(Operation::Revoke, "connection refused");
        a.merge(b);
        assert_eq!(a.requests(), 5);
        assert_eq!(a.answered(), 4);
        assert_eq!(a.server_errors(), 1);
        assert_eq!(a.revoked_but_accepted, 1);
        assert_eq!(a.unexpected_count, 3);
        assert_eq!(a.unexpected[0].detail, "busy now");
        assert_eq!(
            a.by_status(),
            BTreeMap::from([(200, 2), (403, 1), (503, 1)])
        );
        assert_eq!(a.latencies.len(), 4);
    }
}
