//! Parsing the corpus: pam against `pubnub` 0.9's `parse_token` and against base64-decoding
//! the same strings; which tokens each parses correctly; allocations per parse.

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::alloc_count::{Allocations, count};
use crate::content::{self, Outcome};
use crate::corpus::CorpusToken;
use crate::interleave::{Contender, Plan, medians};
use crate::report::{Row, Status, Table, nanos, ratio};
use crate::stats::{geometric_mean, median};

/// The floor: base64url, padding optional, into a fresh `Vec` (what any parser must do first).
pub(crate) const BASE64_FLOOR: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Parse is to be at least this many times faster than `pubnub` 0.9.
pub(crate) const PUBNUB_SPEEDUP_TARGET: f64 = 10.0;
/// And at most this many times the cost of base64-decoding the string.
pub(crate) const FLOOR_RATIO_TARGET: f64 = 4.0;

/// How pam and `pubnub` 0.9 did on one token.
#[derive(Debug)]
struct TokenResult {
    ours: Outcome,
    pubnub: Outcome,
    ns: [f64; 3],
    allocations: [Allocations; 3],
}

/// pam's outcome on one token: content and signature against `expected`.
fn ours_outcome(token: &CorpusToken) -> Outcome {
    match pam_token::parse(&token.token) {
        Ok(parsed) => {
            let found = content::from_cli_json(&parsed.to_json());
            let expected = content::from_cli_json(&token.expected);
            let mut outcome = content::exact(&found, &expected);
            let hex: String = parsed
                .signature()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            if token.expected["signature"]["hex"].as_str() != Some(hex.as_str()) {
                outcome = match outcome {
                    Outcome::Correct => Outcome::Wrong(vec!["signature"]),
                    Outcome::Wrong(mut fields) => {
                        fields.push("signature");
                        Outcome::Wrong(fields)
                    }
                    failed => failed,
                };
            }
            outcome
        }
        Err(error) => Outcome::Failed(error.to_string()),
    }
}

/// `pubnub` 0.9's outcome on one token (it does not expose the signature).
fn pubnub_outcome(token: &CorpusToken) -> Outcome {
    match pubnub::parse_token(&token.token) {
        Ok(parsed) => content::compare(
            &content::from_pubnub(&parsed),
            &content::from_cli_json(&token.expected),
        ),
        Err(error) => Outcome::Failed(error.to_string()),
    }
}

fn ours(s: &str) -> bool {
    pam_token::parse(black_box(s)).is_ok()
}

fn theirs(s: &str) -> bool {
    pubnub::parse_token(black_box(s)).is_ok()
}

fn floor(s: &str) -> bool {
    BASE64_FLOOR.decode(black_box(s)).is_ok()
}

/// Times `f` on each of `strings` (one operation = the whole list) as a contender.
fn over<'a>(strings: &'a [&'a str], f: fn(&str) -> bool) -> Contender<'a> {
    Contender::new(move |n| {
        for _ in 0..n {
            for s in strings {
                black_box(f(s));
            }
        }
    })
}

/// Adds the parse section to `table`.
pub(crate) fn add_rows(corpus: &[CorpusToken], plan: Plan, table: &mut Table) {
    let results: Vec<TokenResult> = corpus
        .iter()
        .map(|token| {
            let s = token.token.as_str();
            let (_, a) = count(|| ours(s));
            let (_, b) = count(|| theirs(s));
            let (_, c) = count(|| floor(s));
            let one = [s];
            let ns = medians(
                plan,
                &mut [over(&one, ours), over(&one, theirs), over(&one, floor)],
            );
            TokenResult {
                ours: ours_outcome(token),
                pubnub: pubnub_outcome(token),
                ns: [ns[0], ns[1], ns[2]],
                allocations: [a, b, c],
            }
        })
        .collect();

    table.section(&format!(
        "parse, per corpus token ({} tokens of crates/pam-vectors/data/tokens)",
        corpus.len()
    ));
    for (token, result) in corpus.iter().zip(&results) {
        let [a, b, c] = result.ns;
        let mut ours = format!("{} ({} allocs)", nanos(a), result.allocations[0].calls);
        if !result.ours.is_correct() {
            ours.push_str(&format!(" {}", result.ours.describe()));
        }
        let pubnub = format!("{} ({})", nanos(b), result.pubnub.describe());
        table.row(Row {
            what: format!("`{}` ({} chars)", token.id, token.token.len()),
            ours,
            pubnub,
            speedup: ratio(b / a),
            floor: format!("base64 {}", nanos(c)),
            over_floor: ratio(a / c),
            target: String::new(),
            status: Some(Status::Info),
        });
    }

    table.section("parse, whole corpus");
    let count_of = |f: &dyn Fn(&TokenResult) -> bool| results.iter().filter(|r| f(r)).count();
    let correct_ours = count_of(&|r| r.ours.is_correct());
    let exact_pubnub = count_of(&|r| r.pubnub.is_correct());
    let legacy_pubnub = count_of(&|r| r.pubnub == Outcome::LegacyDropped);
    let refused_pubnub = count_of(&|r| !r.pubnub.parsed());
    let wrong_pubnub = results.len() - exact_pubnub - legacy_pubnub - refused_pubnub;
    table.row(Row {
        what: "tokens decoded correctly (all fields compared with `expected`)".to_owned(),
        ours: format!("{correct_ours}/{}", results.len()),
        pubnub: format!(
            "{exact_pubnub}/{}: {legacy_pubnub} lose their usr/spc entries, {wrong_pubnub} other wrong content, {refused_pubnub} refused",
            results.len()
        ),
        target: "all".to_owned(),
        status: Some(Status::check(correct_ours == results.len())),
        ..Row::default()
    });
    // DESIGN.md: clients must accept unpadded tokens. Strip the server's `=` padding from
    // every corpus token and see who still reads it (to the same content as padded).
    let unpadded: Vec<(String, &CorpusToken)> = corpus
        .iter()
        .filter(|t| t.token.ends_with('='))
        .map(|t| (t.token.trim_end_matches('=').to_owned(), t))
        .collect();
    let ours_unpadded = unpadded
        .iter()
        .filter(|(s, t)| pam_token::parse(s).ok() == pam_token::parse(&t.token).ok())
        .count();
    let pubnub_unpadded = unpadded
        .iter()
        .filter(
            |(s, t)| match (pubnub::parse_token(s), pubnub::parse_token(&t.token)) {
                (Ok(a), Ok(b)) => content::from_pubnub(&a) == content::from_pubnub(&b),
                _ => false,
            },
        )
        .count();
    let one_pad = unpadded
        .iter()
        .filter(|(_, t)| t.token.ends_with('=') && !t.token.ends_with("=="))
        .count();
    table.row(Row {
        what: format!(
            "the {} padded tokens with their `=` padding removed ({one_pad} of them then have length % 4 = 3)",
            unpadded.len()
        ),
        ours: format!("{ours_unpadded}/{} read as padded", unpadded.len()),
        pubnub: format!("{pubnub_unpadded}/{} read as padded", unpadded.len()),
        target: "all".to_owned(),
        status: Some(Status::check(ours_unpadded == unpadded.len())),
        ..Row::default()
    });

    // One operation = one pass over the tokens both parsers accept, so neither is timed on a
    // cheap early error.
    let both: Vec<&str> = corpus
        .iter()
        .zip(&results)
        .filter(|(_, r)| r.ours.parsed() && r.pubnub.parsed())
        .map(|(t, _)| t.token.as_str())
        .collect();
    let pass = medians(
        plan,
        &mut [over(&both, ours), over(&both, theirs), over(&both, floor)],
    );
    let per_token = |ns: f64| ns / both.len().max(1) as f64;
    let speedup = pass[1] / pass[0];
    let over_floor = pass[0] / pass[2];
    table.row(Row {
        what: format!(
            "parse, one pass over the {} tokens both parse (mean per token)",
            both.len()
        ),
        ours: nanos(per_token(pass[0])),
        pubnub: nanos(per_token(pass[1])),
        speedup: ratio(speedup),
        floor: format!("base64 {}", nanos(per_token(pass[2]))),
        over_floor: ratio(over_floor),
        target: format!("≥ {PUBNUB_SPEEDUP_TARGET:.0}× faster; ≤ {FLOOR_RATIO_TARGET:.0}× base64"),
        status: Some(Status::check(
            speedup >= PUBNUB_SPEEDUP_TARGET && over_floor <= FLOOR_RATIO_TARGET,
        )),
    });
    let both_results: Vec<&TokenResult> = results
        .iter()
        .filter(|r| r.ours.parsed() && r.pubnub.parsed())
        .collect();
    let speedups: Vec<f64> = both_results.iter().map(|r| r.ns[1] / r.ns[0]).collect();
    let floors: Vec<f64> = results.iter().map(|r| r.ns[0] / r.ns[2]).collect();
    table.row(Row {
        what: "parse, per-token ratios: geometric mean (worst)".to_owned(),
        speedup: format!(
            "{} ({})",
            ratio(geometric_mean(&speedups)),
            ratio(speedups.iter().copied().fold(f64::INFINITY, f64::min))
        ),
        over_floor: format!(
            "{} ({})",
            ratio(geometric_mean(&floors)),
            ratio(floors.iter().copied().fold(0.0, f64::max))
        ),
        status: Some(Status::Info),
        ..Row::default()
    });

    let allocs = |i: usize| {
        let calls: Vec<f64> = results
            .iter()
            .map(|r| r.allocations[i].calls as f64)
            .collect();
        let bytes: Vec<f64> = results
            .iter()
            .map(|r| r.allocations[i].bytes as f64)
            .collect();
        format!("{:.0} ({:.0} B)", median(&calls), median(&bytes))
    };
    table.row(Row {
        what: "allocations per parse, median over the corpus (bytes asked)".to_owned(),
        ours: allocs(0),
        pubnub: allocs(1),
        floor: format!("base64 {}", allocs(2)),
        status: Some(Status::Info),
        ..Row::default()
    });

    for (token, result) in corpus.iter().zip(&results) {
        if !result.ours.is_correct() {
            table.note(format!(
                "pam on `{}`: {}",
                token.id,
                match &result.ours {
                    Outcome::Failed(message) => message.clone(),
                    other => other.describe(),
                }
            ));
        }
    }
    let failures: Vec<String> = corpus
        .iter()
        .zip(&results)
        .filter(|(_, r)| !r.pubnub.is_correct() && r.pubnub != Outcome::LegacyDropped)
        .map(|(t, r)| match &r.pubnub {
            Outcome::Failed(message) => format!("`{}` (refused: {message})", t.id),
            other => format!("`{}` ({})", t.id, other.describe()),
        })
        .collect();
    if !failures.is_empty() {
        table.note(format!(
            "pubnub 0.9 `parse_token`, beyond dropping usr/spc entries, gets {} of {} corpus tokens wrong: {}",
            failures.len(),
            results.len(),
            failures.join(", ")
        ));
    }
}
