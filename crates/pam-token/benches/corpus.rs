//! Parsing every real token of `../shared/vectors/tokens`, each against base64-decoding the
//! same string.
//!
//! `cargo bench -p pam-token --bench corpus`. The directory is `$PAM_SHARED_DIR` when set,
//! else `<workspace>/../shared`; without it the bench prints why and measures nothing.

// criterion's macros generate public functions without docs.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use criterion::{Criterion, criterion_group, criterion_main};

/// base64url, padding optional: what any parser must do first.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// `(id, token)` of every corpus file, sorted by file name; `None` when the directory is absent.
fn corpus_tokens() -> Option<Vec<(String, String)>> {
    let shared = std::env::var_os("PAM_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let dir = shared.join("vectors/tokens");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    let tokens = paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("a readable corpus file");
            let value: serde_json::Value = serde_json::from_str(&text).expect("corpus JSON");
            let id = value["id"].as_str().expect("an id").to_owned();
            let token = value["token"].as_str().expect("a token").to_owned();
            (id, token)
        })
        .collect();
    Some(tokens)
}

fn benches(c: &mut Criterion) {
    let Some(tokens) = corpus_tokens() else {
        eprintln!("skipping: ../shared not found (set PAM_SHARED_DIR to the reference directory)");
        return;
    };
    for (id, token) in &tokens {
        assert!(pam_token::parse(token).is_ok(), "{id} parses");
        let mut group = c.benchmark_group(id.as_str());
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
