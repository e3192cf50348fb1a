//! Real-time flows for the Rust `pubnub` crate 0.9.0: subscribe with a token and receive what
//! another client published; subscribe to a channel the token lacks, or with a revoked token,
//! refused. This build of the SDK has no presence, history or channel-group calls, so those
//! flows are the Python and JavaScript runners' only.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use pubnub::access::permissions;
use pubnub::subscribe::{ConnectionStatus, EventEmitter, EventSubscriber, SubscriptionParams};
use serde_json::json;

use crate::{ClientOptions, Context};

const WAIT: Duration = Duration::from_secs(15);

/// A name of its own for each run, so runs against one server never see each other.
fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}-rs-{nanos:08x}")
}

async fn grant(ctx: &Context, channel: &str, read: bool) -> Result<String, String> {
    let admin = ctx.client("admin", ctx.admin())?;
    let permission = if read {
        permissions::channel(channel).read()
    } else {
        permissions::channel(channel).write()
    };
    admin
        .grant_token(15)
        .resources(&[permission])
        .execute()
        .await
        .map(|result| result.token)
        .map_err(|e| format!("grant: {e}"))
}

fn token_client(ctx: &Context, user_id: &str, token: &str) -> Result<pubnub::PubNubClient, String> {
    let client = ctx.client(
        user_id,
        ClientOptions {
            secret: None,
            ..ctx.admin()
        },
    )?;
    client.set_token(token);
    Ok(client)
}

/// The first status on `statuses` (taken before subscribing) other than a subscription
/// change: connected or an error; `None` when none comes within [`WAIT`].
async fn first_status(
    mut statuses: pubnub::core::DataStream<ConnectionStatus>,
) -> Option<ConnectionStatus> {
    tokio::time::timeout(WAIT, async {
        while let Some(status) = statuses.next().await {
            match status {
                ConnectionStatus::SubscriptionChanged { .. } => continue,
                other => return Some(other),
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
}

fn is_refused(status: &Option<ConnectionStatus>) -> bool {
    match status {
        Some(ConnectionStatus::ConnectionError(error))
        | Some(ConnectionStatus::DisconnectedUnexpectedly(error)) => {
            matches!(error, pubnub::core::PubNubError::API { status: 403, .. })
        }
        _ => false,
    }
}

pub(crate) async fn subscribe_receives_what_another_client_published(
    ctx: &mut Context,
) -> Result<(), String> {
    let room = unique("room");
    let reader = token_client(ctx, "rs-reader", &grant(ctx, &room, true).await?)?;
    let writer = token_client(ctx, "rs-writer", &grant(ctx, &room, false).await?)?;
    let subscription = reader.subscription(SubscriptionParams {
        channels: Some(&[room.as_str()]),
        channel_groups: None,
        options: None,
    });
    let mut messages = subscription.messages_stream();
    let statuses = reader.status_stream();
    subscription.subscribe();
    let status = first_status(statuses).await;
    ctx.check(
        "subscribe with a token connects",
        matches!(status, Some(ConnectionStatus::Connected)),
        format!("{status:?}"),
    );
    let sent = writer
        .publish_message(json!({"text": "hello from rust"}))
        .channel(room.clone())
        .execute()
        .await
        .map_err(|e| format!("publish: {e}"))?;
    let message = tokio::time::timeout(WAIT, messages.next())
        .await
        .ok()
        .flatten();
    let data = message
        .as_ref()
        .and_then(|m| serde_json::from_slice::<serde_json::Value>(&m.data).ok());
    ctx.check(
        "the message another client published arrives",
        data == Some(json!({"text": "hello from rust"})),
        format!("{data:?}"),
    );
    ctx.check(
        "with its publisher and timetoken",
        message.as_ref().is_some_and(|m| {
            m.sender.as_deref() == Some("rs-writer") && m.timestamp.to_string() == sent.timetoken
        }),
        format!(
            "{:?} sent {}",
            message.as_ref().map(|m| (&m.sender, m.timestamp)),
            sent.timetoken
        ),
    );
    reader.unsubscribe_all();
    reader.terminate();

    let closed = unique("closed");
    let refused = token_client(ctx, "rs-reader", &grant(ctx, &room, true).await?)?;
    let subscription = refused.subscription(SubscriptionParams {
        channels: Some(&[closed.as_str()]),
        channel_groups: None,
        options: None,
    });
    let statuses = refused.status_stream();
    subscription.subscribe();
    let status = first_status(statuses).await;
    ctx.check(
        "subscribe to a channel the token lacks is refused (403)",
        is_refused(&status),
        format!("{status:?}"),
    );
    refused.terminate();
    Ok(())
}

pub(crate) async fn revoked_token_cannot_subscribe(ctx: &mut Context) -> Result<(), String> {
    let channel = unique("revoked");
    let token = grant(ctx, &channel, true).await?;
    let admin = ctx.client("admin", ctx.admin())?;
    admin
        .revoke_token(token.clone())
        .execute()
        .await
        .map_err(|e| format!("revoke: {e}"))?;
    let client = token_client(ctx, "rs-revoked", &token)?;
    let subscription = client.subscription(SubscriptionParams {
        channels: Some(&[channel.as_str()]),
        channel_groups: None,
        options: None,
    });
    let statuses = client.status_stream();
    subscription.subscribe();
    let status = first_status(statuses).await;
    ctx.check(
        "subscribe with a revoked token is refused (403)",
        is_refused(&status),
        format!("{status:?}"),
    );
    client.terminate();
    Ok(())
}
