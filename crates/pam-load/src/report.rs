//! The figures of a run, and whether it passed.

use std::fmt;

use crate::{LogFindings, Options, Outcome};

/// Everything the run measured.
#[derive(Debug)]
pub struct Report {
    /// What was asked.
    pub options: Options,
    /// What the traffic saw.
    pub outcome: Outcome,
    /// The server's peak resident memory, KiB.
    pub peak_memory_kib: Option<u64>,
    /// What its log held.
    pub log: LogFindings,
    /// Whether the server was still running at the end.
    pub server_survived: bool,
}

impl Report {
    /// Why the run failed; empty when it passed.
    #[must_use]
    pub fn failures(&self) -> Vec<String> {
        let tally = &self.outcome.tally;
        let mut out = Vec::new();
        if tally.server_errors() > 0 {
            out.push(format!(
                "{} answers with a 5xx status",
                tally.server_errors()
            ));
        }
        if tally.revoked_but_accepted > 0 {
            out.push(format!(
                "{} publishes were allowed with a token whose revoke was answered 200",
                tally.revoked_but_accepted
            ));
        }
        if tally.transport_errors > 0 {
            out.push(format!("{} requests got no answer", tally.transport_errors));
        }
        if tally.unexpected_count > 0 {
            out.push(format!(
                "{} answers differ from what the request must get",
                tally.unexpected_count
            ));
        }
        if self.outcome.revoked_total == 0 {
            out.push("no revoke was answered 200, so nothing was shown".to_owned());
        }
        if !self.log.is_clean() {
            out.push(format!(
                "the server log holds the secret key on {} line(s) and a whole token on {} line(s)",
                self.log.secret_key_lines, self.log.token_lines
            ));
        }
        if !self.server_survived {
            out.push("the server exited during the run".to_owned());
        }
        out
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut tally = self.outcome.tally.clone();
        let secs = self.outcome.traffic_time.as_secs_f64();
        let traffic: u64 = tally
            .by_operation
            .iter()
            .filter(|(op, _)| {
                !matches!(
                    op,
                    crate::Operation::RecheckRevoked | crate::Operation::RecheckKept
                )
            })
            .flat_map(|(_, statuses)| statuses.values())
            .sum();
        writeln!(
            f,
            "load: {} s of mixed traffic at concurrency {} against `pam serve --data-dir` (release)",
            self.options.seconds, self.options.concurrency
        )?;
        writeln!(
            f,
            "requests: {} ({} in the mixed traffic, {:.0}/s over {secs:.1} s; {} in the re-check)",
            tally.requests(),
            traffic,
            if secs > 0.0 {
                traffic as f64 / secs
            } else {
                0.0
            },
            tally.requests() - traffic - tally.transport_errors
        )?;
        let statuses: Vec<String> = tally
            .by_status()
            .iter()
            .map(|(status, count)| format!("{status}: {count}"))
            .collect();
        writeln!(
            f,
            "by status: {}; no answer: {}",
            statuses.join(", "),
            tally.transport_errors
        )?;
        writeln!(
            f,
            "5xx: {}; unexpected answers: {}",
            tally.server_errors(),
            tally.unexpected_count
        )?;
        writeln!(f, "latency (all): {}", tally.latencies.summary())?;
        for (operation, latencies) in &mut tally.latencies_by_operation {
            let statuses = self.outcome.tally.by_operation.get(operation);
            let shown: Vec<String> = statuses
                .into_iter()
                .flatten()
                .map(|(status, count)| format!("{status}×{count}"))
                .collect();
            writeln!(
                f,
                "  {:<22} {:>8}  [{}]  {}",
                operation.name(),
                latencies.len(),
                shown.join(" "),
                latencies.summary()
            )?;
        }
        writeln!(
            f,
            "revokes answered 200: {}; re-checked after the run: {}; accepted after revoke: {}",
            self.outcome.revoked_total,
            self.outcome.rechecked.len(),
            tally.revoked_but_accepted
        )?;
        match self.peak_memory_kib {
            Some(kib) => writeln!(
                f,
                "server peak memory (VmHWM): {kib} KiB ({:.1} MiB)",
                kib as f64 / 1024.0
            )?,
            None => writeln!(f, "server peak memory: unknown (no /proc)")?,
        }
        writeln!(
            f,
            "server log: {} lines; secret key on {}, whole token on {}",
            self.log.lines, self.log.secret_key_lines, self.log.token_lines
        )?;
        if let Some(line) = &self.log.first_offence {
            writeln!(f, "  first: {line}")?;
        }
        for unexpected in &self.outcome.tally.unexpected {
            writeln!(
                f,
                "unexpected: {} got {}: {}",
                unexpected.operation,
                unexpected
                    .status
                    .map_or_else(|| "no answer".to_owned(), |s| s.to_string()),
                unexpected.detail
            )?;
        }
        let failures = self.failures();
        if failures.is_empty() {
            write!(f, "PASS")
        } else {
            write!(f, "FAIL: {}", failures.join("; "))
        }
    }
}
