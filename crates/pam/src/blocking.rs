//! The private runtime behind `execute_blocking()`.
//!
//! Each [`PubNub`] (with its clones) starts, on first use, one tokio runtime with a single
//! worker thread. A blocking call hands its future to that worker and waits for the result on
//! a channel, so the calling thread needs no runtime of its own, and the worker keeps pooled
//! connections alive between calls. Because the future never runs on the calling thread, a
//! call made from inside another runtime does not panic or deadlock; it does block that
//! runtime's thread for the length of the request, which is why async code should use
//! `execute().await` instead.

use std::fmt;
use std::future::Future;
use std::sync::OnceLock;

use pam_http::Error;

use crate::PubNub;

/// A lazily started runtime, shut down without waiting when the last clone of its client is
/// dropped (so dropping a client inside async code is fine too).
#[derive(Default)]
pub(crate) struct BlockingRuntime {
    runtime: OnceLock<tokio::runtime::Runtime>,
}

impl BlockingRuntime {
    fn get(&self) -> Result<&tokio::runtime::Runtime, Error> {
        if let Some(runtime) = self.runtime.get() {
            return Ok(runtime);
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("pam-blocking")
            .enable_all()
            .build()
            .map_err(|e| Error::Setup {
                reason: "cannot start the runtime of the blocking API".to_owned(),
                source: Some(Box::new(e)),
            })?;
        if let Err(unused) = self.runtime.set(runtime) {
            // Another thread started one first; drop ours without blocking.
            unused.shutdown_background();
        }
        self.runtime.get().ok_or_else(|| Error::Setup {
            reason: "the runtime of the blocking API vanished".to_owned(),
            source: None,
        })
    }
}

impl Drop for BlockingRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl fmt::Debug for BlockingRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingRuntime")
            .field("started", &self.runtime.get().is_some())
            .finish()
    }
}

impl PubNub {
    /// Runs `future` on this client's private runtime and waits for its result.
    pub(crate) fn block_on<T: Send + 'static>(
        &self,
        future: impl Future<Output = Result<T, Error>> + Send + 'static,
    ) -> Result<T, Error> {
        let runtime = self.shared.blocking.get()?;
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(async move {
            // The receiver only goes away if the waiting thread did, and then nobody needs it.
            let _ = sender.send(future.await);
        });
        receiver.recv().map_err(|e| Error::Setup {
            reason: "the runtime of the blocking API stopped before the call finished".to_owned(),
            source: Some(Box::new(e)),
        })?
    }
}
