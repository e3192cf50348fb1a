//! The grant body, both ways: a client writes it (`to_body_json`), the emulator reads it back
//! and validates it (`from_body_json`, `validate`).
//!
//! `cargo bench -p pam-model`. Two requests: a typical one (a channel, a group, a user id, a
//! pattern, an authorized user id, two meta entries) and a large one (100 channels, 100
//! patterns).

// criterion's macros generate public functions without docs.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use pam_model::{GrantRequest, permissions};

fn typical() -> GrantRequest {
    GrantRequest::new(60)
        .resource(permissions::channel("chat").read().write())
        .resource(permissions::channel_group("lobby").read())
        .resource(permissions::user_id("alice").get().update())
        .pattern(permissions::channel("^room-[0-9]+$").read())
        .authorized_user_id("alice")
        .meta("role", "admin")
        .meta("level", 3)
}

fn large() -> GrantRequest {
    (0..100).fold(GrantRequest::new(60), |request, i| {
        request
            .resource(permissions::channel(format!("channel-{i}")).read().write())
            .pattern(permissions::channel(format!("^room-{i}-[a-z]+$")).read())
    })
}

fn benches(c: &mut Criterion) {
    for (name, request) in [
        ("typical", typical()),
        ("100 channels + 100 patterns", large()),
    ] {
        c.bench_function(&format!("to_body_json ({name})"), |b| {
            b.iter(|| black_box(&request).to_body_json())
        });
        let body = request.to_body_json();
        c.bench_function(
            &format!("from_body_json ({name}, {} bytes)", body.len()),
            |b| b.iter(|| GrantRequest::from_body_json(black_box(body.as_bytes())).map(|r| r.ttl)),
        );
        c.bench_function(&format!("validate ({name})"), |b| {
            b.iter(|| black_box(&request).validate().is_ok())
        });
    }
}

criterion_group! {
    name = grant_body;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = benches
}
criterion_main!(grant_body);
