//! Many clients at once: 32 tasks x 200 mixed grant / revoke / publish requests, with the
//! revocation journal on. No answer is a 5xx, and every token whose revoke was answered 200
//! is refused afterwards, also after a restart.

use std::sync::Arc;

use super::support::{Call, client, config, publish, revoke, start_with, temp_dir};

const TASKS: usize = 32;
const REQUESTS_PER_TASK: usize = 200;

/// Write on `channel`, with meta that makes every token distinct (identical grants in the
/// same second give identical tokens).
fn distinct_grant(channel: &str, task: usize, request: usize) -> String {
    serde_json::json!({
        "ttl": 10,
        "permissions": {
            "resources": {"channels": {channel: 2}},
            "meta": {"task": task, "request": request}
        }
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mixed_load_sees_no_5xx_and_revocations_hold() {
    let dir = temp_dir("load");
    let emulator = Arc::new(start_with(config().with_data_dir(dir.path())).await);
    let client = client();

    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let emulator = Arc::clone(&emulator);
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let channel = format!("ch-{}", task % 4);
            let mut tokens: Vec<String> = Vec::new();
            let mut revoked: Vec<String> = Vec::new();
            for i in 0..REQUESTS_PER_TASK {
                let answer = match i % 4 {
                    // Grant (also a first request, so there is a token to use).
                    0 => {
                        let answer =
                            Call::new("POST", format!("/v3/pam/{}/grant", super::support::SUB))
                                .json_body(&distinct_grant(&channel, task, i))
                                .signed_now(&emulator)
                                .send(&client, &emulator)
                                .await;
                        if answer.status == 200 {
                            tokens.push(
                                answer.json()["data"]["token"]
                                    .as_str()
                                    .expect("token")
                                    .to_owned(),
                            );
                        }
                        answer
                    }
                    // Revoke one of this task's tokens (sometimes one already revoked).
                    1 if !tokens.is_empty() => {
                        let token = tokens[(i / 4 + task) % tokens.len()].clone();
                        let answer = revoke(&client, &emulator, &token).await;
                        if answer.status == 200 {
                            revoked.push(token);
                        }
                        answer
                    }
                    // Publish with one of this task's tokens.
                    _ if !tokens.is_empty() => {
                        let token = &tokens[(i * 7 + task) % tokens.len()];
                        let answer = publish(&client, &emulator, &channel, token).await;
                        assert!(
                            matches!(answer.status, 200 | 403),
                            "publish answered {}: {}",
                            answer.status,
                            answer.body
                        );
                        if revoked.contains(token) {
                            assert_eq!(answer.status, 403, "a revoked token published");
                        }
                        answer
                    }
                    _ => Call::new("GET", "/time/0").send(&client, &emulator).await,
                };
                assert!(
                    answer.status < 500,
                    "server error {}: {}",
                    answer.status,
                    answer.body
                );
            }
            revoked
        }));
    }
    let mut all_revoked = Vec::new();
    for task in tasks {
        all_revoked.extend(task.await.expect("task completes"));
    }
    assert!(
        all_revoked.len() >= TASKS,
        "revokes happened: {}",
        all_revoked.len()
    );
    all_revoked.sort();
    all_revoked.dedup();

    for token in &all_revoked {
        let answer = publish(&client, &emulator, "ch-0", token).await;
        assert_eq!(answer.status, 403);
        assert_eq!(answer.json()["message"], "Token is revoked.");
    }
    let emulator = Arc::try_unwrap(emulator).expect("tasks are done");
    emulator.shutdown().await.expect("shutdown");

    // Every acknowledged revoke was journaled.
    let emulator = start_with(config().with_data_dir(dir.path())).await;
    assert_eq!(
        emulator.access_manager().revocation_count(),
        all_revoked.len()
    );
    for token in &all_revoked {
        let answer = publish(&client, &emulator, "ch-1", token).await;
        assert_eq!(
            answer.json()["message"],
            "Token is revoked.",
            "{}",
            answer.body
        );
    }
    emulator.shutdown().await.expect("shutdown");
}
