//! The CBOR library decision, measured: `pam_token::parse_cbor` / `verify_cbor` (the
//! hand-written reader) against the same job built on `ciborium-ll` ([`crate::cbor_ll`]), on
//! the decoded bytes of every corpus token and of the sample token, interleaved.

use std::hint::black_box;

use base64::Engine as _;

use crate::cbor_ll;
use crate::corpus::CorpusToken;
use crate::interleave::{Contender, Plan, medians};
use crate::parse_rows::BASE64_FLOOR;
use crate::report::{Row, Status, Table, nanos, ratio};
use crate::sample_tokens::{SECRET, typical, with_patterns};

/// The library version is adopted when it costs at most this many times the hand-written one.
pub(crate) const SWITCH_IF_WITHIN: f64 = 1.5;

/// `(kind, name, bits)` of a token's entries, sorted, from `pam-token`.
fn ours_entries(token: &pam_token::Token) -> Vec<(bool, String, u8)> {
    let mut out: Vec<(bool, String, u8)> = token
        .resources()
        .entries()
        .map(|e| (false, e.name.to_owned(), e.permissions.bits()))
        .chain(
            token
                .patterns()
                .entries()
                .map(|e| (true, e.name.to_owned(), e.permissions.bits())),
        )
        .collect();
    out.sort();
    out
}

/// The same from the `ciborium-ll` reader.
fn ll_entries(token: &cbor_ll::LlToken) -> Vec<(bool, String, u8)> {
    let mut out: Vec<(bool, String, u8)> = token
        .entries
        .iter()
        .zip(token.names())
        .map(|(e, name)| (e.pattern, name.to_owned(), e.bits))
        .collect();
    out.sort();
    out
}

/// Both readers read `bytes` alike: both refuse, or both accept with the same fields.
fn agree(bytes: &[u8]) -> Result<(), String> {
    match (pam_token::parse_cbor(bytes), cbor_ll::parse(bytes)) {
        (Ok(ours), Ok(ll)) => {
            let same = ours.version() == 2
                && ours.timestamp() == ll.timestamp
                && ours.ttl() == ll.ttl
                && ours.expires_at() == ll.expires_at
                && *ours.signature() == ll.signature
                && ours.authorized_user_id()
                    == ll.uuid.map(|(s, e)| &ll.text[s as usize..e as usize])
                && ours_entries(&ours) == ll_entries(&ll);
            if same {
                Ok(())
            } else {
                Err("read differently".to_owned())
            }
        }
        (Err(_), Err(_)) => Ok(()),
        (Ok(_), Err(e)) => Err(format!("only pam-token accepts it ({e:?})")),
        (Err(e), Ok(_)) => Err(format!("only ciborium-ll accepts it ({e})")),
    }
}

/// Adds the CBOR section to `table`.
pub(crate) fn add_rows(corpus: &[CorpusToken], plan: Plan, table: &mut Table) {
    table.section(&format!(
        "CBOR reader: pam-token's own vs one built on ciborium-ll (same strictness); switch if within {SWITCH_IF_WITHIN}x"
    ));
    let decoded: Vec<Vec<u8>> = corpus
        .iter()
        .map(|t| {
            BASE64_FLOOR
                .decode(&t.token)
                .expect("corpus tokens are base64")
        })
        .collect();
    let typical = BASE64_FLOOR.decode(typical()).expect("base64");
    let hundred = BASE64_FLOOR.decode(with_patterns(100)).expect("base64");
    // The two readers must do the same job before their times mean anything.
    let mut disagreements = Vec::new();
    for (bytes, id) in decoded
        .iter()
        .zip(corpus.iter().map(|t| t.id.as_str()))
        .chain([(&typical, "typical"), (&hundred, "100 patterns")])
    {
        if let Err(why) = agree(bytes) {
            disagreements.push(format!("{id}: {why}"));
        }
        // A byte cut off, a byte flipped: both refuse or both read alike.
        for mutated in [bytes[..bytes.len() - 1].to_vec(), {
            let mut m = bytes.clone();
            m[bytes.len() / 2] ^= 0x20;
            m
        }] {
            if let Err(why) = agree(&mutated) {
                disagreements.push(format!("{id} (mutated): {why}"));
            }
        }
    }
    assert!(
        pam_token::verify_cbor(&typical, SECRET).is_ok()
            && cbor_ll::verify(&typical, SECRET).is_ok(),
        "both verify the sample token"
    );
    assert!(
        cbor_ll::verify(&typical, b"another key").is_err(),
        "ciborium-ll reader refuses a wrong key"
    );

    let corpus_refs: Vec<&[u8]> = decoded.iter().map(Vec::as_slice).collect();
    let whole = |f: fn(&[u8]) -> bool| {
        let corpus_refs = &corpus_refs;
        Contender::new(move |n| {
            for _ in 0..n {
                for bytes in corpus_refs {
                    black_box(f(black_box(bytes)));
                }
            }
        })
    };
    let one = |bytes: &[u8], f: fn(&[u8]) -> bool| {
        let bytes = bytes.to_vec();
        Contender::new(move |n| {
            for _ in 0..n {
                black_box(f(black_box(&bytes)));
            }
        })
    };
    fn ours_parse(b: &[u8]) -> bool {
        pam_token::parse_cbor(b).is_ok()
    }
    fn ll_parse(b: &[u8]) -> bool {
        cbor_ll::parse(b).is_ok()
    }
    fn ours_verify(b: &[u8]) -> bool {
        pam_token::verify_cbor(b, SECRET).is_ok()
    }
    fn ll_verify(b: &[u8]) -> bool {
        cbor_ll::verify(b, SECRET).is_ok()
    }
    fn ll_walk(b: &[u8]) -> bool {
        cbor_ll::walk(b).is_some()
    }
    let rows: [(String, Contender<'_>, Contender<'_>); 6] = [
        (
            format!(
                "the {} corpus tokens: parse_cbor vs a bare ciborium-ll walk (no checks, nothing built)",
                corpus.len()
            ),
            whole(ours_parse),
            whole(ll_walk),
        ),
        (
            format!(
                "sample token: parse_cbor vs a bare ciborium-ll walk ({} bytes)",
                typical.len()
            ),
            one(&typical, ours_parse),
            one(&typical, ll_walk),
        ),
        (
            format!("parse_cbor, the {} corpus tokens", corpus.len()),
            whole(ours_parse),
            whole(ll_parse),
        ),
        (
            format!("parse_cbor, sample token ({} bytes)", typical.len()),
            one(&typical, ours_parse),
            one(&typical, ll_parse),
        ),
        (
            format!("parse_cbor, 100 patterns ({} bytes)", hundred.len()),
            one(&hundred, ours_parse),
            one(&hundred, ll_parse),
        ),
        (
            format!("verify_cbor, sample token ({} bytes)", typical.len()),
            one(&typical, ours_verify),
            one(&typical, ll_verify),
        ),
    ];
    for (what, ours, ll) in rows {
        let ns = medians(plan, &mut [ours, ll]);
        let over = ns[1] / ns[0];
        table.row(Row {
            what,
            ours: nanos(ns[0]),
            floor: format!("ciborium-ll: {}", nanos(ns[1])),
            over_floor: format!("ciborium-ll = {} ours", ratio(over)),
            target: format!("switch if ≤ {SWITCH_IF_WITHIN}x"),
            status: Some(Status::Info),
            ..Row::default()
        });
        eprintln!("cbor: {}", table_line(&ns));
    }
    if disagreements.is_empty() {
        table.note(format!(
            "CBOR readers agree on all {} corpus tokens, the sample tokens, and a truncated and a flipped copy of each",
            corpus.len()
        ));
    } else {
        table.note(format!(
            "CBOR readers DISAGREE (times not comparable): {}",
            disagreements.join("; ")
        ));
    }
}

fn table_line(ns: &[f64]) -> String {
    format!("ours {} / ciborium-ll {}", nanos(ns[0]), nanos(ns[1]))
}
