//! Revocations with a data directory survive a restart; without one they do not.

use super::support::{channel_grant, client, config, grant, publish, revoke, start_with, temp_dir};

#[tokio::test]
async fn revocations_survive_a_restart_with_a_data_directory() {
    let dir = temp_dir("restart");
    let client = client();

    let emulator = start_with(config().with_data_dir(dir.path())).await;
    let revoked = grant(&client, &emulator, &channel_grant("room", 2, 10)).await;
    // Another grant: identical grants in the same second give the identical token.
    let kept = grant(&client, &emulator, &channel_grant("room", 3, 10)).await;
    assert_eq!(revoke(&client, &emulator, &revoked).await.status, 200);
    emulator.shutdown().await.expect("shutdown");

    let emulator = start_with(config().with_data_dir(dir.path())).await;
    assert_eq!(emulator.access_manager().revocation_count(), 1);
    let answer = publish(&client, &emulator, "room", &revoked).await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.json()["message"], "Token is revoked.");
    super::support::assert_sent(&publish(&client, &emulator, "room", &kept).await);
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn without_a_data_directory_revocations_are_forgotten() {
    let client = client();
    let emulator = start_with(config()).await;
    let token = grant(&client, &emulator, &channel_grant("room", 2, 10)).await;
    assert_eq!(revoke(&client, &emulator, &token).await.status, 200);
    emulator.shutdown().await.expect("shutdown");

    let emulator = start_with(config()).await;
    super::support::assert_sent(&publish(&client, &emulator, "room", &token).await);
    emulator.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_corrupt_journal_stops_the_start_with_a_clear_error() {
    let dir = temp_dir("corrupt");
    let client = client();
    let emulator = start_with(config().with_data_dir(dir.path())).await;
    for channel in ["a", "b", "c"] {
        let token = grant(&client, &emulator, &channel_grant(channel, 2, 10)).await;
        assert_eq!(revoke(&client, &emulator, &token).await.status, 200);
    }
    emulator.shutdown().await.expect("shutdown");

    let journal = dir.path().join("revocations.journal");
    let mut bytes = std::fs::read(&journal).expect("journal exists");
    assert_eq!(bytes.len(), 16 + 3 * 48, "header and three records");
    bytes[16 + 48 + 3] ^= 0x55;
    std::fs::write(&journal, &bytes).expect("write");
    let error = pam_emulator::Emulator::start(config().with_data_dir(dir.path()))
        .await
        .expect_err("refuses a corrupt journal");
    let message = error.to_string();
    assert!(message.contains("corrupt"), "{message}");
    assert!(message.contains("record 1"), "{message}");
}

#[tokio::test]
async fn a_data_dir_that_is_a_file_is_reported() {
    let dir = temp_dir("file");
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").expect("write");
    let error = pam_emulator::Emulator::start(config().with_data_dir(&file))
        .await
        .expect_err("cannot use a file as data directory");
    assert!(error.to_string().contains("not-a-dir"), "{error}");
}
