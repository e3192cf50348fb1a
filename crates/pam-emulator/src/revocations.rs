//! The set of revoked tokens, identified by their signature bytes, kept in memory and, with a
//! data directory, in the journal.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::Error;
use crate::journal::{Journal, Revocation};
use crate::limits::MAX_LIVE_REVOCATIONS;

/// What a revoke did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Revoked {
    /// The token is now revoked (and durable, with a journal).
    Now,
    /// It already was.
    Already,
}

/// Why a revoke could not be recorded.
#[derive(Debug)]
pub(crate) enum RevokeFailure {
    /// [`MAX_LIVE_REVOCATIONS`] unexpired revocations are already kept.
    Full,
    /// The journal could not be written; the token is not revoked.
    Journal(Error),
}

/// Revoked token signatures with their expiry times. `Debug` shows how many, not which.
pub(crate) struct Revocations {
    live: Mutex<HashMap<[u8; 32], u64>>,
    /// Held across check, append and fsync, so a signature is journaled once and revokes
    /// are durable in the order they are acknowledged.
    journal: Option<Mutex<Journal>>,
}

/// A poisoned lock only means another request panicked while holding it; the map and the
/// journal stay consistent (every update is a single insert or a whole append), so go on.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl std::fmt::Debug for Revocations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Revocations")
            .field("live", &self.len())
            .field("journaled", &self.journal.is_some())
            .finish()
    }
}

impl Revocations {
    /// An in-memory set.
    pub(crate) fn in_memory() -> Self {
        Revocations {
            live: Mutex::new(HashMap::new()),
            journal: None,
        }
    }

    /// A set backed by the journal in `dir` (created if missing), loaded with the
    /// revocations that have not expired at `now`.
    pub(crate) fn in_dir(dir: &Path, now: u64) -> Result<Self, Error> {
        std::fs::create_dir_all(dir).map_err(|source| Error::DataDir {
            path: dir.to_owned(),
            source,
        })?;
        let (journal, loaded, repair) = Journal::open(dir, now)?;
        if let Some(repair) = repair {
            // Said on standard error whatever the logging setup: a revocation may be gone.
            eprintln!("pam-emulator: {repair}");
            tracing::warn!(dropped = repair.dropped_records(), "{repair}");
        }
        let live = loaded
            .into_iter()
            .map(|r| (r.signature, r.expires_at))
            .collect();
        Ok(Revocations {
            live: Mutex::new(live),
            journal: Some(Mutex::new(journal)),
        })
    }

    /// How many revocations are kept.
    pub(crate) fn len(&self) -> usize {
        lock(&self.live).len()
    }

    /// Whether the token with this signature is revoked.
    pub(crate) fn contains(&self, signature: &[u8]) -> bool {
        lock(&self.live).contains_key(signature)
    }

    /// Revokes the token with `signature` that expires at `expires_at`. With a journal, the
    /// record is on stable storage before this returns `Ok`.
    pub(crate) fn revoke(
        &self,
        signature: [u8; 32],
        expires_at: u64,
        now: u64,
    ) -> Result<Revoked, RevokeFailure> {
        let mut journal = self.journal.as_ref().map(lock);
        {
            let mut live = lock(&self.live);
            if live.contains_key(&signature) {
                return Ok(Revoked::Already);
            }
            if live.len() >= MAX_LIVE_REVOCATIONS {
                live.retain(|_, expiry| *expiry > now);
                if live.len() >= MAX_LIVE_REVOCATIONS {
                    return Err(RevokeFailure::Full);
                }
            }
        }
        if let Some(journal) = journal.as_mut() {
            journal
                .append(&Revocation {
                    signature,
                    expires_at,
                })
                .map_err(RevokeFailure::Journal)?;
        }
        lock(&self.live).insert(signature, expires_at);
        Ok(Revoked::Now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revoking_twice_is_reported() {
        let set = Revocations::in_memory();
        assert!(!set.contains(&[1; 32]));
        assert_eq!(set.revoke([1; 32], 10, 0).unwrap(), Revoked::Now);
        assert_eq!(set.revoke([1; 32], 10, 0).unwrap(), Revoked::Already);
        assert!(set.contains(&[1; 32]));
        assert_eq!(set.len(), 1);
    }
}
