//! Parsing every real token of the committed vectors (`pam-vectors`), each against base64-decoding the
//! same string.
//!
//! `cargo bench -p pam-token --bench corpus`.

// criterion's macros generate public functions without docs.
#![allow(missing_docs)]

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use criterion::{Criterion, criterion_group, criterion_main};

/// base64url, padding optional: what any parser must do first.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn benches(c: &mut Criterion) {
    let vectors = pam_vectors::token_vectors();
    for vector in &vectors {
        let id = vector["id"].as_str().expect("an id");
        let token = vector["token"].as_str().expect("a token");
        assert!(pam_token::parse(token).is_ok(), "{id} parses");
        let mut group = c.benchmark_group(id);
        group.bench_function("parse", |b| {
            b.iter(|| pam_token::parse(black_box(token)).map(|t| t.ttl()))
        });
        group.bench_function("base64 decode", |b| {
            b.iter(|| BASE64.decode(black_box(token)).map(|v| v.len()))
        });
        group.finish();
    }
}

criterion_group! {
    name = corpus_parse;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(200))
        .measurement_time(std::time::Duration::from_millis(500));
    targets = benches
}
criterion_main!(corpus_parse);
