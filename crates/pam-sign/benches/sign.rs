//! Signing a grant request as a client does, and verifying it as the emulator does.
//!
//! `cargo bench -p pam-sign`. The request is the grant a server SDK sends: `POST
//! /v3/pam/{sub_key}/grant` with `uuid`, `pnsdk` and `requestid` in the query and a JSON body.

// criterion's macros generate public functions without docs.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use pam_sign::{Request, SigningKey, canonical_query, percent_encode};

const BODY: &[u8] = br#"{"ttl":60,"permissions":{"resources":{"channels":{"chat":3},"groups":{},"uuids":{}},"patterns":{"channels":{},"groups":{},"uuids":{}},"meta":{}}}"#;
const PATH: &str = "/v3/pam/sub-c-bench/grant";
const TIMESTAMP: u64 = 1_700_000_000;

fn benches(c: &mut Criterion) {
    let key = SigningKey::new("pub-c-bench", "sec-c-bench");
    let query = [
        ("uuid", "server-admin"),
        ("pnsdk", "pam-rust/0.1.0"),
        ("requestid", "0f8b6c1e-6a43-4b43-9c2e-3f1f6f1f4d0a"),
    ];
    let request = Request {
        method: "POST",
        path: PATH,
        query: &query,
        body: BODY,
    };
    c.bench_function("sign a grant request", |b| {
        b.iter(|| key.sign(black_box(&request), TIMESTAMP))
    });

    let signed = key.sign(&request, TIMESTAMP);
    let [timestamp, signature] = signed.query_pairs();
    let received: Vec<(&str, &str)> = query
        .iter()
        .copied()
        .chain([
            (timestamp.0, timestamp.1.as_str()),
            (signature.0, signature.1.as_str()),
        ])
        .collect();
    let incoming = Request {
        query: &received,
        ..request
    };
    assert!(key.verify(&incoming).is_ok());
    c.bench_function("verify a signed grant request", |b| {
        b.iter(|| key.verify(black_box(&incoming)).is_ok())
    });
    c.bench_function("canonical query (5 parameters)", |b| {
        b.iter(|| canonical_query(black_box(&received)))
    });
    c.bench_function("percent-encode a 36-character value", |b| {
        b.iter(|| percent_encode(black_box("0f8b6c1e-6a43-4b43-9c2e-3f1f6f1f4d0a")))
    });
}

criterion_group! {
    name = sign;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = benches
}
criterion_main!(sign);
