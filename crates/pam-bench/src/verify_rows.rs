//! Verifying a token's signature against the raw HMAC-SHA256 over the same bytes.

use std::hint::black_box;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::interleave::{Contender, Plan, medians};
use crate::parse_rows::BASE64_FLOOR;
use crate::report::{Row, Status, Table, nanos, ratio};
use crate::sample_tokens::{SECRET, typical};

/// Verify is to cost at most this many times the raw HMAC.
pub(crate) const HMAC_RATIO_TARGET: f64 = 1.5;

fn raw_hmac(bytes: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(SECRET).expect("any key length");
    mac.update(bytes);
    mac.finalize().into_bytes().into()
}

/// Adds the verify section to `table`.
pub(crate) fn add_rows(plan: Plan, table: &mut Table) {
    let token = typical();
    let bytes = BASE64_FLOOR.decode(&token).expect("our own token decodes");
    assert!(
        pam_token::verify(&token, SECRET).is_ok()
            && pam_token::verify_signature(&token, SECRET).is_ok(),
        "the sample token verifies"
    );
    let ns = medians(
        plan,
        &mut [
            Contender::new(|n| {
                for _ in 0..n {
                    black_box(pam_token::verify(black_box(&token), SECRET).is_ok());
                }
            }),
            Contender::new(|n| {
                for _ in 0..n {
                    black_box(pam_token::verify_cbor(black_box(&bytes), SECRET).is_ok());
                }
            }),
            Contender::new(|n| {
                for _ in 0..n {
                    black_box(pam_token::verify_signature(black_box(&token), SECRET).is_ok());
                }
            }),
            Contender::new(|n| {
                for _ in 0..n {
                    black_box(pam_token::verify_signature_cbor(black_box(&bytes), SECRET).is_ok());
                }
            }),
            Contender::new(|n| {
                for _ in 0..n {
                    black_box(raw_hmac(black_box(&bytes)));
                }
            }),
            Contender::new(|n| {
                for _ in 0..n {
                    let decoded = BASE64_FLOOR.decode(black_box(&token)).unwrap_or_default();
                    black_box(raw_hmac(&decoded));
                }
            }),
        ],
    );
    let [
        string,
        cbor,
        signature_string,
        signature_cbor,
        hmac,
        decode_hmac,
    ] = [ns[0], ns[1], ns[2], ns[3], ns[4], ns[5]];
    table.section(&format!(
        "verify (a token issued by pam-token: {} chars, {} CBOR bytes; pubnub 0.9 cannot verify)",
        token.len(),
        bytes.len()
    ));
    table.row(Row {
        what: "verify_cbor(bytes) vs HMAC-SHA256 over the same bytes".to_owned(),
        ours: nanos(cbor),
        floor: format!("HMAC {}", nanos(hmac)),
        over_floor: ratio(cbor / hmac),
        target: format!("≤ {HMAC_RATIO_TARGET}× HMAC"),
        status: Some(Status::check(cbor / hmac <= HMAC_RATIO_TARGET)),
        ..Row::default()
    });
    table.row(Row {
        what: "verify(token string) vs HMAC-SHA256 over its bytes".to_owned(),
        ours: nanos(string),
        floor: format!("HMAC {}", nanos(hmac)),
        over_floor: ratio(string / hmac),
        target: format!("≤ {HMAC_RATIO_TARGET}× HMAC"),
        status: Some(Status::check(string / hmac <= HMAC_RATIO_TARGET)),
        ..Row::default()
    });
    table.row(Row {
        what: "verify(token string) vs base64-decode + HMAC".to_owned(),
        ours: nanos(string),
        floor: format!("decode+HMAC {}", nanos(decode_hmac)),
        over_floor: ratio(string / decode_hmac),
        status: Some(Status::Info),
        ..Row::default()
    });
    table.row(Row {
        what: "verify_signature_cbor(bytes) vs HMAC-SHA256 over the same bytes".to_owned(),
        ours: nanos(signature_cbor),
        floor: format!("HMAC {}", nanos(hmac)),
        over_floor: ratio(signature_cbor / hmac),
        target: format!("≤ {HMAC_RATIO_TARGET}× HMAC"),
        status: Some(Status::check(signature_cbor / hmac <= HMAC_RATIO_TARGET)),
        ..Row::default()
    });
    table.row(Row {
        what: "verify_signature(token string) vs HMAC-SHA256 over its bytes".to_owned(),
        ours: nanos(signature_string),
        floor: format!("HMAC {}", nanos(hmac)),
        over_floor: ratio(signature_string / hmac),
        target: format!("≤ {HMAC_RATIO_TARGET}× HMAC"),
        status: Some(Status::check(signature_string / hmac <= HMAC_RATIO_TARGET)),
        ..Row::default()
    });
    table.row(Row {
        what: "verify_signature(token string) vs base64-decode + HMAC".to_owned(),
        ours: nanos(signature_string),
        floor: format!("decode+HMAC {}", nanos(decode_hmac)),
        over_floor: ratio(signature_string / decode_hmac),
        status: Some(Status::Info),
        ..Row::default()
    });
}
