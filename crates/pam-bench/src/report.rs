//! The one table `pam-bench` prints, in Markdown so it can go into the README as is.

use std::fmt::Write as _;

/// Whether a row meets its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// The row has a target and meets it.
    Met,
    /// The row has a target and misses it.
    Missed,
    /// The row informs; it has no target of its own.
    Info,
}

impl Status {
    /// `Met` when `ok`, else `Missed`.
    pub(crate) fn check(ok: bool) -> Status {
        if ok { Status::Met } else { Status::Missed }
    }
}

/// One line of the table. Empty cells print as `–`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Row {
    /// What is measured.
    pub(crate) what: String,
    /// pam's figure.
    pub(crate) ours: String,
    /// `pubnub` 0.9's figure.
    pub(crate) pubnub: String,
    /// pubnub's cost ÷ ours (above 1: we are faster).
    pub(crate) speedup: String,
    /// The floor (or reference) the row compares with, and its figure.
    pub(crate) floor: String,
    /// Our cost ÷ the floor's.
    pub(crate) over_floor: String,
    /// The target, in words.
    pub(crate) target: String,
    /// Met, missed or informational (a section header when `None`).
    pub(crate) status: Option<Status>,
}

/// The table: rows in order, with section headers, and notes printed under it.
#[derive(Debug, Default)]
pub(crate) struct Table {
    rows: Vec<Row>,
    notes: Vec<String>,
}

impl Table {
    /// Starts a section.
    pub(crate) fn section(&mut self, title: &str) {
        self.rows.push(Row {
            what: format!("**{title}**"),
            status: None,
            ..Row::default()
        });
    }

    /// Adds a row.
    pub(crate) fn row(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// Adds a note printed under the table.
    pub(crate) fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// The rows with a target, and how many of them are met.
    pub(crate) fn targets(&self) -> (usize, usize) {
        let with_target = self
            .rows
            .iter()
            .filter(|r| matches!(r.status, Some(Status::Met | Status::Missed)));
        let total = with_target.clone().count();
        let met = with_target
            .filter(|r| r.status == Some(Status::Met))
            .count();
        (met, total)
    }

    /// The table in Markdown, then the notes.
    pub(crate) fn render(&self) -> String {
        let header = [
            "measurement",
            "pam",
            "pubnub 0.9",
            "pubnub ÷ pam",
            "floor / reference",
            "pam ÷ floor",
            "target",
            "",
        ];
        let cells: Vec<[String; 8]> = self
            .rows
            .iter()
            .map(|r| {
                let cell = |s: &str| {
                    if s.is_empty() {
                        "–".to_owned()
                    } else {
                        s.to_owned()
                    }
                };
                let status = match r.status {
                    None => String::new(),
                    Some(Status::Met) => "met".to_owned(),
                    Some(Status::Missed) => "**missed**".to_owned(),
                    Some(Status::Info) => String::new(),
                };
                if r.status.is_none() {
                    [
                        r.what.clone(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                    ]
                } else {
                    [
                        r.what.clone(),
                        cell(&r.ours),
                        cell(&r.pubnub),
                        cell(&r.speedup),
                        cell(&r.floor),
                        cell(&r.over_floor),
                        cell(&r.target),
                        status,
                    ]
                }
            })
            .collect();
        let widths: Vec<usize> = (0..header.len())
            .map(|i| {
                cells
                    .iter()
                    .map(|c| c[i].chars().count())
                    .chain([header[i].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        let line = |out: &mut String, cells: &[&str]| {
            out.push('|');
            for (cell, width) in cells.iter().zip(&widths) {
                let pad = width - cell.chars().count();
                let _ = write!(out, " {cell}{} |", " ".repeat(pad));
            }
            out.push('\n');
        };
        line(&mut out, &header);
        out.push('|');
        for width in &widths {
            let _ = write!(out, "{}|", "-".repeat(width + 2));
        }
        out.push('\n');
        for row in &cells {
            let refs: Vec<&str> = row.iter().map(String::as_str).collect();
            line(&mut out, &refs);
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for note in &self.notes {
                let _ = writeln!(out, "- {note}");
            }
        }
        out
    }
}

/// A duration in nanoseconds, with a unit that keeps three significant digits.
pub(crate) fn nanos(ns: f64) -> String {
    if !ns.is_finite() {
        "n/a".to_owned()
    } else if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{:.2} ms", ns / 1_000_000.0)
    }
}

/// A ratio, such as `12.3×`.
pub(crate) fn ratio(x: f64) -> String {
    if !x.is_finite() {
        "n/a".to_owned()
    } else if x >= 100.0 {
        format!("{x:.0}×")
    } else if x >= 10.0 {
        format!("{x:.1}×")
    } else {
        format!("{x:.2}×")
    }
}

/// A rate, such as `12 345 req/s`.
pub(crate) fn rate(per_sec: f64) -> String {
    if !per_sec.is_finite() {
        return "n/a".to_owned();
    }
    let whole = per_sec.round() as u64;
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    format!("{grouped} req/s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_layout() {
        assert_eq!(nanos(999.4), "999 ns");
        assert_eq!(nanos(1_234.0), "1.23 µs");
        assert_eq!(nanos(2_500_000.0), "2.50 ms");
        assert_eq!(ratio(12.34), "12.3×");
        assert_eq!(ratio(0.5), "0.50×");
        assert_eq!(rate(12_345.4), "12\u{202f}345 req/s");
        let mut table = Table::default();
        table.section("parse");
        table.row(Row {
            what: "x".into(),
            ours: "1 ns".into(),
            target: "fast".into(),
            status: Some(Status::Missed),
            ..Row::default()
        });
        table.row(Row {
            what: "y".into(),
            status: Some(Status::Met),
            target: "t".into(),
            ..Row::default()
        });
        assert_eq!(table.targets(), (1, 2));
        let text = table.render();
        assert_eq!(text.lines().count(), 5, "{text}");
        assert!(text.contains("**missed**"));
        let widths: Vec<usize> = text.lines().map(|l| l.chars().count()).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{text}");
    }
}
