//! The token a client holds, through its life: parsed when it arrives, checked before every
//! request, refreshed ahead of expiry by the provider (one refresh at a time), replaced once
//! after a 403 "Token is expired." or "Token is revoked.".

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use pam_model::{Permission, Permissions, ResourceKind};
use pam_token::{AccessRequest, Decision, Token};
use rand::Rng;
use tokio::sync::{Notify, broadcast, watch};
// tokio's clock, so that the cooldown follows paused time in tests like every other wait.
use tokio::time::Instant;
use tracing::{Instrument, info, info_span, warn};

use crate::client::Client;
use crate::error::{Error, Operation};
use crate::retry::full_jitter;
use crate::token_errors::{Denial, RefreshError, RefreshErrorKind, TokenProblem};
use crate::token_provider::{
    SharedTokenProvider, TokenEvent, TokenOrigin, TokenRefreshPolicy, TokenStatus,
};

/// How many events a slow subscriber may fall behind before it misses some.
const EVENT_BUFFER: usize = 64;

/// A token the client holds, with what parsing it told.
pub(crate) struct TokenState {
    pub(crate) text: Arc<str>,
    parsed: Option<Token>,
    origin: TokenOrigin,
    pub(crate) refresh_at_ms: Option<u64>,
    pub(crate) generation: u64,
}

impl TokenState {
    /// Why this token cannot work for `user_id` at `now` (Unix seconds), if it cannot.
    pub(crate) fn problem(&self, now: u64, user_id: &str) -> Option<TokenProblem> {
        let Some(token) = &self.parsed else {
            return Some(TokenProblem::NotAToken);
        };
        if token.is_expired_at(now) {
            return Some(TokenProblem::Expired {
                expired_at: token.expires_at(),
                now,
            });
        }
        match token.authorized_user_id() {
            Some(authorized) if authorized != user_id => Some(TokenProblem::OtherUser {
                authorized: authorized.to_owned(),
                user_id: user_id.to_owned(),
            }),
            _ => None,
        }
    }
}

/// The outcome of one refresh, handed to every request waiting for it.
type Outcome = Result<Arc<TokenState>, RefreshFailure>;

#[derive(Clone)]
struct RefreshFailure {
    attempts: u32,
    error: RefreshError,
}

impl RefreshFailure {
    fn to_error(&self, operation: Operation) -> Error {
        Error::TokenRefreshFailed {
            operation,
            attempts: self.attempts,
            source: self.error.clone(),
        }
    }
}

#[derive(Default)]
struct Flight {
    running: Option<watch::Receiver<Option<Outcome>>>,
    last_failure: Option<(Instant, RefreshFailure)>,
}

/// Everything about the token of one client (shared by its clones).
pub(crate) struct Lifecycle {
    pub(crate) provider: Option<SharedTokenProvider>,
    pub(crate) policy: TokenRefreshPolicy,
    check_before_sending: bool,
    state: RwLock<Option<Arc<TokenState>>>,
    generation: AtomicU64,
    flight: Mutex<Flight>,
    events: broadcast::Sender<TokenEvent>,
    pub(crate) changed: Arc<Notify>,
    pub(crate) scheduler_started: AtomicBool,
    /// The generation of the last token reported expired (one event per token).
    expired_reported: AtomicU64,
    /// Held while the server's time is fetched before calling a token expired, so that many
    /// requests make one `/time/0`.
    clock_sync: tokio::sync::Mutex<()>,
}

impl Lifecycle {
    pub(crate) fn new(
        provider: Option<SharedTokenProvider>,
        policy: TokenRefreshPolicy,
        check_before_sending: bool,
    ) -> Self {
        Lifecycle {
            provider,
            policy,
            check_before_sending,
            state: RwLock::new(None),
            generation: AtomicU64::new(0),
            flight: Mutex::new(Flight::default()),
            events: broadcast::channel(EVENT_BUFFER).0,
            changed: Arc::new(Notify::new()),
            scheduler_started: AtomicBool::new(false),
            expired_reported: AtomicU64::new(0),
            clock_sync: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn current(&self) -> Option<Arc<TokenState>> {
        self.state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Wakes the scheduler so that it ends (the client is gone) or re-plans.
    pub(crate) fn wake(&self) {
        self.changed.notify_one();
    }

    fn emit(&self, event: TokenEvent) {
        info!(target: "pam_http::token", ?event, "token event");
        // No subscriber is fine.
        let _ = self.events.send(event);
    }
}

impl Client {
    /// Sets the token sent as `auth` with every later request (except grant and revoke),
    /// from this client and all its clones. An empty string clears it.
    ///
    /// The token is parsed offline: when it is already expired or restricted to another user
    /// id, this logs a warning and [`Client::token_status`] says so; requests then fail with
    /// [`Error::TokenNotSent`] (or, with a provider, get a new token first).
    pub fn set_token(&self, token: impl Into<String>) {
        let token: String = token.into();
        if token.is_empty() {
            self.clear_token();
            return;
        }
        let parsed = pam_token::parse(&token).ok();
        let state = self.install(Arc::from(token), parsed, TokenOrigin::SetByApplication);
        let problem = state.problem(self.inner.clock.now_secs(), self.user_id());
        if let Some(problem) = &problem {
            warn!(target: "pam_http::token", %problem, "set_token: this token cannot work");
        }
        self.lifecycle().emit(TokenEvent::Replaced {
            expires_at: state.parsed.as_ref().map(Token::expires_at),
            unusable: problem.is_some(),
        });
    }

    /// Stops sending a token.
    pub fn clear_token(&self) {
        let lifecycle = self.lifecycle();
        *lifecycle
            .state
            .write()
            .unwrap_or_else(PoisonError::into_inner) = None;
        lifecycle.wake();
        lifecycle.emit(TokenEvent::Replaced {
            expires_at: None,
            unusable: false,
        });
    }

    /// The token in use (set with [`Client::set_token`] or obtained from the provider), if any.
    #[must_use]
    pub fn token(&self) -> Option<String> {
        self.lifecycle().current().map(|t| t.text.to_string())
    }

    /// What the client knows about its token: expiry, user id, refresh time, and why it will
    /// not be sent if it will not.
    #[must_use]
    pub fn token_status(&self) -> Option<TokenStatus> {
        let state = self.lifecycle().current()?;
        let problem = state
            .problem(self.inner.clock.now_secs(), self.user_id())
            .filter(|p| *p != TokenProblem::NotAToken || self.has_token_provider())
            .map(|p| p.to_string());
        Some(TokenStatus {
            origin: state.origin,
            expires_at: state.parsed.as_ref().map(Token::expires_at),
            authorized_user_id: state
                .parsed
                .as_ref()
                .and_then(|t| t.authorized_user_id().map(str::to_owned)),
            refresh_at_ms: state.refresh_at_ms,
            problem,
        })
    }

    /// Token events (refreshed, refresh failed, expired, replaced) from now on. A subscriber
    /// that falls more than 64 events behind misses the oldest ones
    /// ([`broadcast::error::RecvError::Lagged`]).
    #[must_use]
    pub fn token_events(&self) -> broadcast::Receiver<TokenEvent> {
        self.lifecycle().events.subscribe()
    }

    /// Whether the client has a token provider.
    #[must_use]
    pub fn has_token_provider(&self) -> bool {
        self.lifecycle().provider.is_some()
    }

    /// Gets a token from the provider now, unless another refresh is under way (then waits
    /// for that one). Starts the refresh schedule too.
    ///
    /// # Errors
    ///
    /// [`Error::TokenRefreshFailed`] when the provider failed (or failed within the cooldown);
    /// [`crate::Misuse::TokenProviderRequired`] without a provider.
    pub async fn refresh_token(&self) -> Result<(), Error> {
        if !self.has_token_provider() {
            return Err(crate::Misuse::TokenProviderRequired.into());
        }
        self.ensure_scheduler();
        let stale = self.lifecycle().current().map(|s| s.generation);
        self.refresh(Operation::Refresh, stale).await.map(drop)
    }

    pub(crate) fn lifecycle(&self) -> &Lifecycle {
        &self.inner.lifecycle
    }

    /// The corrected time in Unix milliseconds.
    pub(crate) fn now_ms(&self) -> u64 {
        self.inner.clock.now_millis()
    }

    /// Makes `text` the token in use, with what parsing it gave (parsed once, by the caller).
    fn install(
        &self,
        text: Arc<str>,
        parsed: Option<Token>,
        origin: TokenOrigin,
    ) -> Arc<TokenState> {
        let lifecycle = self.lifecycle();
        let refresh_at_ms = match (&lifecycle.provider, &parsed) {
            (Some(_), Some(token)) => Some(lifecycle.policy.refresh_time_ms(
                token.timestamp().saturating_mul(1000),
                token.expires_at().saturating_mul(1000),
                rand::thread_rng().gen_range(0.0..=1.0),
            )),
            _ => None,
        };
        let state = Arc::new(TokenState {
            text,
            parsed,
            origin,
            refresh_at_ms,
            generation: lifecycle.generation.fetch_add(1, Ordering::Relaxed) + 1,
        });
        *lifecycle
            .state
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&state));
        lifecycle.wake();
        state
    }

    /// The token to send with a request of `operation`: the current one when it can work,
    /// a fresh one from the provider when it cannot (or there is none yet), or
    /// [`Error::TokenNotSent`] without a provider. Past the refresh time, a refresh starts in
    /// the background and the current token is used meanwhile.
    pub(crate) async fn token_for(
        &self,
        operation: Operation,
    ) -> Result<Option<Arc<TokenState>>, Error> {
        self.ensure_scheduler();
        let lifecycle = self.lifecycle();
        let Some(state) = lifecycle.current() else {
            return match lifecycle.provider {
                None => Ok(None),
                Some(_) => self.refresh(operation, None).await.map(Some),
            };
        };
        let problem = self.problem_after_clock_sync(operation, &state).await;
        if lifecycle.provider.is_none() {
            if lifecycle.check_before_sending {
                // A string that is not a token is sent anyway: the server decides.
                if let Some(
                    problem @ (TokenProblem::Expired { .. } | TokenProblem::OtherUser { .. }),
                ) = problem
                {
                    return Err(Error::TokenNotSent { operation, problem });
                }
            }
            return Ok(Some(state));
        }
        if let Some(problem) = problem {
            if let TokenProblem::Expired { expired_at, .. } = problem {
                if lifecycle
                    .expired_reported
                    .swap(state.generation, Ordering::Relaxed)
                    != state.generation
                {
                    lifecycle.emit(TokenEvent::Expired { expired_at });
                }
            }
            return self
                .refresh(operation, Some(state.generation))
                .await
                .map(Some);
        }
        if state.refresh_at_ms.is_some_and(|at| self.now_ms() >= at) {
            self.start_refresh(Some(state.generation));
        }
        Ok(Some(state))
    }

    /// Why `state` cannot work now, if it cannot. Before the client calls a token expired on
    /// its own: when it never learnt the server's time, it asks for it once (a local clock
    /// that runs ahead must not kill valid tokens) and checks again by the corrected clock.
    async fn problem_after_clock_sync(
        &self,
        operation: Operation,
        state: &TokenState,
    ) -> Option<TokenProblem> {
        let problem = state.problem(self.inner.clock.now_secs(), self.user_id());
        if !matches!(problem, Some(TokenProblem::Expired { .. })) || self.inner.clock.is_synced() {
            return problem;
        }
        {
            let _one_at_a_time = self.lifecycle().clock_sync.lock().await;
            if !self.inner.clock.is_synced() {
                self.correct_clock(operation).await;
            }
        }
        state.problem(self.inner.clock.now_secs(), self.user_id())
    }

    /// The offline check of `token` for a request the server refused with 403 "Forbidden".
    pub(crate) fn denial(
        &self,
        token: &TokenState,
        access: &(ResourceKind, String, Permission),
    ) -> Option<Denial> {
        let parsed = token.parsed.as_ref()?;
        let (kind, name, permission) = access;
        let request = AccessRequest::new(*kind, name, *permission, self.inner.clock.now_secs())
            .by(self.user_id());
        let decision = parsed.authorize(&request);
        if decision.is_allowed() {
            return None;
        }
        let missing = match decision {
            Decision::MissingPermissions { .. } => decision.missing(),
            _ => Permissions::from(*permission),
        };
        Some(Denial {
            kind: *kind,
            name: name.clone(),
            needed: Permissions::from(*permission),
            missing,
            reason: decision.to_string(),
        })
    }

    /// A refresh in the background, unless one is running or the last one failed within the
    /// cooldown.
    fn start_refresh(&self, stale: Option<u64>) {
        let mut flight = self
            .lifecycle()
            .flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if flight.running.is_some() || self.replaced_since(stale) || self.cooling_down(&flight) {
            return;
        }
        self.launch(&mut flight);
    }

    /// Waits for a new token: joins the refresh under way or starts one. A token that
    /// replaced `stale` meanwhile is returned at once.
    pub(crate) async fn refresh(
        &self,
        operation: Operation,
        stale: Option<u64>,
    ) -> Result<Arc<TokenState>, Error> {
        let mut receiver = {
            let mut flight = self
                .lifecycle()
                .flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if self.replaced_since(stale) {
                if let Some(state) = self.lifecycle().current() {
                    return Ok(state);
                }
            }
            match &flight.running {
                Some(receiver) => receiver.clone(),
                None => {
                    if self.cooling_down(&flight) {
                        if let Some((_, failure)) = &flight.last_failure {
                            return Err(failure.to_error(operation));
                        }
                    }
                    self.launch(&mut flight)
                }
            }
        };
        let outcome = receiver
            .wait_for(Option::is_some)
            .await
            .map_err(|_| Error::Setup {
                reason: "the token refresh stopped before it finished (its runtime shut down)"
                    .to_owned(),
                source: None,
            })?
            .clone();
        match outcome {
            Some(Ok(state)) => Ok(state),
            Some(Err(failure)) => Err(failure.to_error(operation)),
            None => unreachable_outcome(operation),
        }
    }

    /// Whether the token in use is newer than `stale` and can work.
    fn replaced_since(&self, stale: Option<u64>) -> bool {
        self.lifecycle().current().is_some_and(|state| {
            Some(state.generation) != stale
                && state
                    .problem(self.inner.clock.now_secs(), self.user_id())
                    .is_none()
        })
    }

    fn cooling_down(&self, flight: &Flight) -> bool {
        flight
            .last_failure
            .as_ref()
            .is_some_and(|(at, _)| at.elapsed() < self.lifecycle().policy.failure_cooldown)
    }

    /// Starts the refresh task; the caller holds the flight lock.
    fn launch(&self, flight: &mut Flight) -> watch::Receiver<Option<Outcome>> {
        let (sender, receiver) = watch::channel(None);
        flight.running = Some(receiver.clone());
        let client = self.clone();
        let span =
            info_span!(target: "pam_http::token", "token_refresh", user_id = %self.user_id());
        tokio::spawn(
            async move {
                let outcome = client.call_provider().await;
                let lifecycle = client.lifecycle();
                let mut flight = lifecycle
                    .flight
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                flight.running = None;
                flight.last_failure = match &outcome {
                    Ok(_) => None,
                    Err(failure) => Some((Instant::now(), failure.clone())),
                };
                drop(flight);
                // Nobody waiting is fine.
                let _ = sender.send(Some(outcome));
            }
            .instrument(span),
        );
        receiver
    }

    /// Calls the provider, with bounded retries, and installs what it gives.
    async fn call_provider(&self) -> Outcome {
        let lifecycle = self.lifecycle();
        let Some(provider) = &lifecycle.provider else {
            return Err(RefreshFailure {
                attempts: 0,
                error: RefreshError(Arc::new(RefreshErrorKind::Provider(
                    "the client has no token provider".into(),
                ))),
            });
        };
        let policy = &lifecycle.policy;
        let attempts = policy.attempts();
        let mut last = None;
        for attempt in 1..=attempts {
            // A task of its own: a provider that panics fails this call, not the refresh (whose
            // waiters would otherwise never hear back).
            let shared = Arc::clone(&provider.0);
            let mut call = tokio::spawn(async move { shared.fetch_token().await });
            let answer = match tokio::time::timeout(policy.call_timeout, &mut call).await {
                Ok(Ok(answer)) => Ok(answer),
                Ok(Err(_panicked)) => Err(RefreshErrorKind::Panicked),
                Err(_) => {
                    call.abort();
                    Err(RefreshErrorKind::TimedOut(policy.call_timeout))
                }
            };
            match answer {
                Ok(Ok(text)) => match pam_token::parse(&text) {
                    Ok(token) => {
                        let state = TokenState {
                            text: Arc::from(text),
                            parsed: Some(token),
                            origin: TokenOrigin::Provider,
                            refresh_at_ms: None,
                            generation: 0,
                        };
                        match self
                            .problem_after_clock_sync(Operation::Refresh, &state)
                            .await
                        {
                            None => {
                                let installed =
                                    self.install(state.text, state.parsed, TokenOrigin::Provider);
                                let event = TokenEvent::Refreshed {
                                    expires_at: installed
                                        .parsed
                                        .as_ref()
                                        .map_or(0, Token::expires_at),
                                    refresh_at_ms: installed.refresh_at_ms.unwrap_or(0),
                                    attempts: attempt,
                                };
                                lifecycle.emit(event);
                                return Ok(installed);
                            }
                            Some(problem) => last = Some(RefreshErrorKind::Unusable(problem)),
                        }
                    }
                    Err(error) => last = Some(RefreshErrorKind::NotAToken(error)),
                },
                Ok(Err(cause)) => last = Some(RefreshErrorKind::Provider(cause)),
                Err(kind) => last = Some(kind),
            }
            if attempt < attempts {
                let wait = full_jitter(policy.backoff_cap(attempt - 1));
                warn!(target: "pam_http::token", attempt, wait_ms = wait.as_millis() as u64,
                      "the token provider failed; calling it again");
                tokio::time::sleep(wait).await;
            }
        }
        let error = RefreshError(Arc::new(
            last.unwrap_or(RefreshErrorKind::TimedOut(policy.call_timeout)),
        ));
        warn!(target: "pam_http::token", attempts, %error, "token refresh failed");
        lifecycle.emit(TokenEvent::RefreshFailed {
            attempts,
            reason: error.to_string(),
        });
        Err(RefreshFailure { attempts, error })
    }
}

fn unreachable_outcome(operation: Operation) -> Result<Arc<TokenState>, Error> {
    Err(Error::Setup {
        reason: format!("{operation}: the token refresh ended without an outcome"),
        source: None,
    })
}
