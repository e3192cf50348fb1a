//! Authorizing requests on a parsed token, as a fraction of parsing that token.

use std::hint::black_box;

use pam_token::{AccessRequest, Permission, ResourceKind, Token};

use crate::interleave::{Contender, Plan, medians};
use crate::report::{Row, Status, Table, nanos, ratio};
use crate::sample_tokens::{ISSUED_AT, last_pattern_hit, typical, with_patterns};

/// A resource hit is to cost less than this fraction of a parse.
pub(crate) const RESOURCE_HIT_TARGET: f64 = 0.1;
/// A hit on the last of 10 patterns is to cost less than this fraction of a parse.
pub(crate) const PATTERN_10_TARGET: f64 = 0.5;

/// One authorize row: a token, a request, and the target (if any).
struct Case {
    what: String,
    token: String,
    name: String,
    user_id: Option<&'static str>,
    allowed: bool,
    target: Option<f64>,
}

fn decide<'a>(token: &'a Token, name: &'a str, user_id: Option<&'a str>) -> bool {
    let mut request =
        AccessRequest::new(ResourceKind::Channel, name, Permission::Read, ISSUED_AT + 1);
    request.user_id = user_id;
    token.authorize(&request).is_allowed()
}

/// Adds the authorize section to `table`.
pub(crate) fn add_rows(plan: Plan, table: &mut Table) {
    let cases = [
        Case {
            what: "resource hit (typical token, authorized uuid)".to_owned(),
            token: typical(),
            name: "channelResource".to_owned(),
            user_id: Some("uuid"),
            allowed: true,
            target: Some(RESOURCE_HIT_TARGET),
        },
        Case {
            what: "pattern hit, 1 pattern".to_owned(),
            token: with_patterns(1),
            name: last_pattern_hit(1),
            user_id: None,
            allowed: true,
            target: None,
        },
        Case {
            what: "pattern hit on the 10th of 10 patterns".to_owned(),
            token: with_patterns(10),
            name: last_pattern_hit(10),
            user_id: None,
            allowed: true,
            target: Some(PATTERN_10_TARGET),
        },
        Case {
            what: "pattern hit on the 100th of 100 patterns".to_owned(),
            token: with_patterns(100),
            name: last_pattern_hit(100),
            user_id: None,
            allowed: true,
            target: None,
        },
        Case {
            what: "miss: 10 patterns, none matches".to_owned(),
            token: with_patterns(10),
            name: "elsewhere".to_owned(),
            user_id: None,
            allowed: false,
            target: None,
        },
    ];
    table.section("authorize on a parsed token (patterns compiled once, on first use)");
    for case in cases {
        let parsed = pam_token::parse(&case.token).expect("our own token parses");
        // The first request compiles the patterns; it is also the check that the case is
        // what it says.
        assert_eq!(
            decide(&parsed, &case.name, case.user_id),
            case.allowed,
            "{}",
            case.what
        );
        let ns = medians(
            plan,
            &mut [
                Contender::new(|n| {
                    for _ in 0..n {
                        black_box(decide(
                            black_box(&parsed),
                            black_box(&case.name),
                            case.user_id,
                        ));
                    }
                }),
                Contender::new(|n| {
                    for _ in 0..n {
                        black_box(pam_token::parse(black_box(&case.token)).is_ok());
                    }
                }),
            ],
        );
        let share = ns[0] / ns[1];
        table.row(Row {
            what: case.what,
            ours: nanos(ns[0]),
            floor: format!("parse of that token {}", nanos(ns[1])),
            over_floor: ratio(share),
            target: case
                .target
                .map(|t| format!("< {t}× parse"))
                .unwrap_or_default(),
            status: Some(match case.target {
                Some(t) => Status::check(share < t),
                None => Status::Info,
            }),
            ..Row::default()
        });
    }
}
