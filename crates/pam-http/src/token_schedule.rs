//! The refresh schedule: a background task per client with a token provider that refreshes
//! the token at the time its policy gives, ahead of expiry.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::Notify;
use tracing::{Instrument, info_span};

use crate::client::{Client, Inner};
use crate::error::Operation;

impl Client {
    /// Starts the refresh schedule once, when a provider is set and a runtime is at hand.
    pub(crate) fn ensure_scheduler(&self) {
        let lifecycle = self.lifecycle();
        if lifecycle.provider.is_none() || lifecycle.scheduler_started.swap(true, Ordering::AcqRel)
        {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let span = info_span!(target: "pam_http::token", "token_schedule", user_id = %self.user_id());
                runtime.spawn(
                    schedule(Arc::downgrade(&self.inner), Arc::clone(&lifecycle.changed))
                        .instrument(span),
                );
            }
            Err(_) => lifecycle.scheduler_started.store(false, Ordering::Release),
        }
    }
}

/// The refresh schedule of one client: sleeps until the current token's refresh time (or a
/// change of token), refreshes, and ends when the client is dropped. After a failed refresh it
/// tries again after the cooldown while the token still works; once it does not, requests
/// drive the refreshes (and get their errors), so a broken provider is never called in a loop.
async fn schedule(client: Weak<Inner>, changed: Arc<Notify>) {
    loop {
        let notified = changed.notified();
        let wait = {
            let Some(inner) = client.upgrade() else {
                return;
            };
            let client = Client { inner };
            match client.lifecycle().current() {
                // The first token is fetched on first use, not at build time.
                None => None,
                Some(state) => state
                    .refresh_at_ms
                    .map(|at| Duration::from_millis(at.saturating_sub(client.now_ms()))),
            }
        };
        match wait {
            Some(wait) => {
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = notified => continue,
                }
            }
            None => {
                notified.await;
                continue;
            }
        }
        let (failed, cooldown, still_works) = {
            let Some(inner) = client.upgrade() else {
                return;
            };
            let client = Client { inner };
            let stale = client.lifecycle().current().map(|s| s.generation);
            let failed = client.refresh(Operation::Refresh, stale).await.is_err();
            let still_works = client.lifecycle().current().is_some_and(|s| {
                s.problem(client.inner.clock.now_secs(), client.user_id())
                    .is_none()
            });
            (
                failed,
                client.lifecycle().policy.failure_cooldown,
                still_works,
            )
        };
        if failed {
            let notified = changed.notified();
            if still_works {
                tokio::select! {
                    () = tokio::time::sleep(cooldown) => {}
                    () = notified => {}
                }
            } else {
                notified.await;
            }
        }
    }
}
