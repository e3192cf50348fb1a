//! `--profile WHAT`: runs one of pam's operations alone in a loop for a few seconds, so that
//! `perf record` or `valgrind --tool=callgrind` sees nothing else.

use std::hint::black_box;
use std::time::{Duration, Instant};

use pam_token::{AccessRequest, Permission, ResourceKind};

use crate::corpus::CorpusToken;
use crate::sample_tokens::{ISSUED_AT, SECRET, last_pattern_hit, typical, with_patterns};

/// What `--profile` accepts.
pub(crate) const TARGETS: [&str; 5] = [
    "parse",
    "parse-cbor",
    "verify",
    "verify-signature",
    "authorize-10",
];

/// Runs `what` for `duration` (or `iterations` times, when given, for callgrind); returns how
/// many operations ran.
pub(crate) fn run(
    what: &str,
    corpus: &[CorpusToken],
    duration: Duration,
    iterations: Option<u64>,
) -> Result<u64, String> {
    let typical = typical();
    let typical_bytes = {
        use base64::Engine as _;
        crate::parse_rows::BASE64_FLOOR
            .decode(&typical)
            .map_err(|e| e.to_string())?
    };
    let corpus_bytes: Vec<Vec<u8>> = corpus
        .iter()
        .filter_map(|t| {
            use base64::Engine as _;
            crate::parse_rows::BASE64_FLOOR.decode(&t.token).ok()
        })
        .collect();
    let patterns = pam_token::parse(&with_patterns(10)).map_err(|e| e.to_string())?;
    let name = last_pattern_hit(10);
    let request = AccessRequest::new(
        ResourceKind::Channel,
        &name,
        Permission::Read,
        ISSUED_AT + 1,
    );
    let mut step: Box<dyn FnMut()> = match what {
        "parse" => Box::new(|| {
            for t in corpus {
                black_box(pam_token::parse(black_box(&t.token)).is_ok());
            }
        }),
        "parse-cbor" => Box::new(|| {
            for bytes in &corpus_bytes {
                black_box(pam_token::parse_cbor(black_box(bytes)).is_ok());
            }
        }),
        "verify" => Box::new(|| {
            black_box(pam_token::verify_cbor(black_box(&typical_bytes), SECRET).is_ok());
        }),
        "verify-signature" => Box::new(|| {
            black_box(pam_token::verify_signature_cbor(black_box(&typical_bytes), SECRET).is_ok());
        }),
        "authorize-10" => Box::new(|| {
            black_box(patterns.authorize(black_box(&request)).is_allowed());
        }),
        other => {
            return Err(format!(
                "unknown --profile target `{other}` (one of: {})",
                TARGETS.join(", ")
            ));
        }
    };
    let start = Instant::now();
    let mut done = 0u64;
    loop {
        step();
        done += 1;
        let finished = match iterations {
            Some(n) => done >= n,
            None => done % 64 == 0 && start.elapsed() >= duration,
        };
        if finished {
            return Ok(done);
        }
    }
}
