//! `grant_token`: what a token gives, for how long, to whom.

use pam_http::Error;
use pam_model::permissions::{CategoryPermissions, ResourcePermissions};
use pam_model::{GrantRequest, MetaValue};

use crate::PubNub;

/// A grant in the making; send it with [`GrantTokenBuilder::execute`].
///
/// The request is checked locally before anything is sent, with the same validation the
/// server applies, so a mistake comes back as [`Error::InvalidRequest`] holding the very
/// error body (status, message, details with location) the server would have answered.
///
/// ```no_run
/// # async fn run(pubnub: pam::PubNub) -> Result<(), pam::Error> {
/// use pam::permissions;
///
/// let result = pubnub
///     .grant_token(60)
///     .resources(&[
///         permissions::channel("chat").read().write(),
///         permissions::user_id("bob").get(),
///     ])
///     .patterns(&[permissions::channel("^room-.*$").read()])
///     .authorized_user_id("bob")
///     .execute()
///     .await?;
/// println!("token: {}", result.token);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "a grant does nothing until `.execute()` is called"]
pub struct GrantTokenBuilder {
    pubnub: PubNub,
    request: GrantRequest,
}

/// What a successful grant returns.
#[derive(Clone, PartialEq, Eq)]
pub struct GrantTokenResult {
    /// The token: give it to the client that needs the access (it calls `set_token`).
    pub token: String,
}

impl std::fmt::Debug for GrantTokenResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrantTokenResult")
            .field(
                "token",
                &format_args!("<redacted, {} chars>", self.token.len()),
            )
            .finish()
    }
}

impl GrantTokenBuilder {
    pub(crate) fn new(pubnub: PubNub, ttl_minutes: u32) -> Self {
        GrantTokenBuilder {
            pubnub,
            request: GrantRequest::new(ttl_minutes),
        }
    }

    /// Adds resources named explicitly, each with its permissions, e.g.
    /// `&[permissions::channel("a").read(), permissions::user_id("u").get()]`. An entry whose
    /// kind and name are already there adds its permissions to that entry.
    pub fn resources(mut self, resources: &[Box<dyn ResourcePermissions>]) -> Self {
        for entry in resources {
            self.request.add_resource(entry);
        }
        self
    }

    /// Adds regular-expression patterns: the name of each entry is the pattern, matched
    /// against resource names of its kind, e.g. `&[permissions::channel("^room-.*$").read()]`.
    pub fn patterns(mut self, patterns: &[Box<dyn ResourcePermissions>]) -> Self {
        for entry in patterns {
            self.request.add_pattern(entry);
        }
        self
    }

    /// Adds whole categories (the token's `cat`), e.g.
    /// `&[permissions::channels_category().get(), permissions::uuids_category().get()]`:
    /// `get` on a category lets the token list all channel (or all uuid) metadata on keysets
    /// that restrict that listing. A grant may hold categories only.
    ///
    /// ```no_run
    /// # async fn run(pubnub: pam::PubNub) -> Result<(), pam::Error> {
    /// use pam::permissions;
    ///
    /// let lister = pubnub
    ///     .grant_token(15)
    ///     .categories(&[permissions::channels_category().get()])
    ///     .execute()
    ///     .await?;
    /// let token = pam::parse_token(&lister.token).expect("the server's token parses");
    /// assert_eq!(token.categories().len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn categories<C: AsRef<CategoryPermissions>>(mut self, categories: &[C]) -> Self {
        for entry in categories {
            let entry = entry.as_ref();
            self.request.add_category(entry.kind(), entry.permissions());
        }
        self
    }

    /// Restricts the token to one user id: requests with any other `uuid` are refused.
    pub fn authorized_user_id(mut self, user_id: impl Into<String>) -> Self {
        self.request.authorized_user_id = Some(user_id.into());
        self
    }

    /// Adds scalar values embedded in the token, readable by anyone who parses it, e.g.
    /// `[("role", "admin")]` (strings, integers, floats, booleans; a later value for the same
    /// key replaces an earlier one).
    pub fn meta<K, V>(mut self, meta: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<MetaValue>,
    {
        self.request
            .meta
            .extend(meta.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// The request as it stands.
    #[must_use]
    pub fn request(&self) -> &GrantRequest {
        &self.request
    }

    /// Validates the request locally, then sends it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] when validation refuses it (nothing is sent),
    /// [`Error::Misuse`] when the client has no secret key, [`Error::Api`] and the other
    /// server and transport errors otherwise.
    pub async fn execute(self) -> Result<GrantTokenResult, Error> {
        let token = self.pubnub.shared.client.grant(&self.request).await?;
        Ok(GrantTokenResult { token })
    }

    /// [`GrantTokenBuilder::execute`] for code without an async runtime; see
    /// [the crate docs](crate#blocking) for where it may be called.
    ///
    /// # Errors
    ///
    /// As [`GrantTokenBuilder::execute`].
    #[cfg(feature = "blocking")]
    pub fn execute_blocking(self) -> Result<GrantTokenResult, Error> {
        let pubnub = self.pubnub.clone();
        pubnub.block_on(self.execute())
    }
}
