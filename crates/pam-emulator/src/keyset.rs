//! A keyset: the subscribe, publish and secret keys an application uses, whether token
//! revocation is enabled on it, and whether it restricts App Context listings (PubNub's Admin
//! Portal switches).

use std::fmt;

use crate::Error;
use crate::limits::MAX_KEY_BYTES;

/// The demo keyset's subscribe key (see [`Keyset::demo`]).
pub const DEMO_SUBSCRIBE_KEY: &str = "sub-c-local-demo";
/// The demo keyset's publish key.
pub const DEMO_PUBLISH_KEY: &str = "pub-c-local-demo";
/// The demo keyset's secret key. It is printed and documented: never use it beyond loopback.
pub const DEMO_SECRET_KEY: &str = "sec-c-local-demo";

/// One keyset served by the emulator.
///
/// `Debug` shows the subscribe and publish keys but never the secret key.
///
/// ```
/// use pam_emulator::Keyset;
///
/// let keyset = Keyset::new("sub-c-1", "pub-c-1", "sec-c-1").with_revocation(false);
/// assert_eq!(keyset.subscribe_key(), "sub-c-1");
/// assert!(!keyset.revocation_enabled());
/// assert!(!format!("{keyset:?}").contains("sec-c-1"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Keyset {
    subscribe_key: String,
    publish_key: String,
    secret_key: String,
    revocation_enabled: bool,
    disallow_get_all_channel_metadata: bool,
    disallow_get_all_user_metadata: bool,
}

impl Keyset {
    /// A keyset with revocation enabled. Keys are checked by [`Keyset::validate`] when the
    /// emulator starts.
    pub fn new(
        subscribe_key: impl Into<String>,
        publish_key: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        Keyset {
            subscribe_key: subscribe_key.into(),
            publish_key: publish_key.into(),
            secret_key: secret_key.into(),
            revocation_enabled: true,
            disallow_get_all_channel_metadata: false,
            disallow_get_all_user_metadata: false,
        }
    }

    /// The demo keyset `pam serve` starts without arguments:
    /// [`DEMO_SUBSCRIBE_KEY`], [`DEMO_PUBLISH_KEY`], [`DEMO_SECRET_KEY`], revocation on.
    #[must_use]
    pub fn demo() -> Self {
        Keyset::new(DEMO_SUBSCRIBE_KEY, DEMO_PUBLISH_KEY, DEMO_SECRET_KEY)
    }

    /// The same keyset with token revocation enabled or disabled. With it disabled, revoke
    /// answers PubNub's "Feature disabled" error.
    #[must_use]
    pub fn with_revocation(mut self, enabled: bool) -> Self {
        self.revocation_enabled = enabled;
        self
    }

    /// The same keyset with "Disallow Get All Channel Metadata" on or off. When on, listing
    /// all channel metadata (`GET /v2/objects/{sub}/channels`) needs a token whose `cat`
    /// grants `get` on `channels`; when off (the default), any valid token may list.
    #[must_use]
    pub fn with_disallow_get_all_channel_metadata(mut self, disallow: bool) -> Self {
        self.disallow_get_all_channel_metadata = disallow;
        self
    }

    /// The same keyset with "Disallow Get All User Metadata" on or off: as
    /// [`with_disallow_get_all_channel_metadata`](Keyset::with_disallow_get_all_channel_metadata)
    /// for `GET /v2/objects/{sub}/uuids` and the `uuids` category.
    #[must_use]
    pub fn with_disallow_get_all_user_metadata(mut self, disallow: bool) -> Self {
        self.disallow_get_all_user_metadata = disallow;
        self
    }

    /// Whether listing all channel metadata needs the `channels` category.
    #[must_use]
    pub fn disallow_get_all_channel_metadata(&self) -> bool {
        self.disallow_get_all_channel_metadata
    }

    /// Whether listing all uuid metadata needs the `uuids` category.
    #[must_use]
    pub fn disallow_get_all_user_metadata(&self) -> bool {
        self.disallow_get_all_user_metadata
    }

    /// The subscribe key (part of every Access Manager path).
    #[must_use]
    pub fn subscribe_key(&self) -> &str {
        &self.subscribe_key
    }

    /// The publish key (part of publish paths and of every string to sign).
    #[must_use]
    pub fn publish_key(&self) -> &str {
        &self.publish_key
    }

    /// The secret key: signs requests and tokens. Keep it out of logs.
    #[must_use]
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// Whether revoke is enabled on this keyset.
    #[must_use]
    pub fn revocation_enabled(&self) -> bool {
        self.revocation_enabled
    }

    /// Whether this keyset is the documented demo keyset (whose secret may be printed).
    #[must_use]
    pub fn is_demo(&self) -> bool {
        self.subscribe_key == DEMO_SUBSCRIBE_KEY
            && self.publish_key == DEMO_PUBLISH_KEY
            && self.secret_key == DEMO_SECRET_KEY
    }

    /// Checks that every key is usable in a URL path: 1 to [`MAX_KEY_BYTES`] bytes of visible
    /// ASCII other than `/`, `?`, `#` and `%`. `index` names the keyset in the error.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] naming the key and what is wrong (never the secret's value).
    pub fn validate(&self, index: usize) -> Result<(), Error> {
        check_key(index, "subscribe_key", &self.subscribe_key)?;
        check_key(index, "publish_key", &self.publish_key)?;
        check_key(index, "secret_key", &self.secret_key)
    }
}

fn check_key(index: usize, name: &str, value: &str) -> Result<(), Error> {
    let invalid = |problem: String| Error::InvalidConfig {
        field: format!("keyset[{index}].{name}"),
        problem,
    };
    if value.is_empty() {
        return Err(invalid("is empty".to_owned()));
    }
    if value.len() > MAX_KEY_BYTES {
        return Err(invalid(format!(
            "has {} bytes; at most {MAX_KEY_BYTES} are accepted",
            value.len()
        )));
    }
    if let Some(position) = value
        .bytes()
        .position(|b| !b.is_ascii_graphic() || matches!(b, b'/' | b'?' | b'#' | b'%'))
    {
        return Err(invalid(format!(
            "has a character at byte {position} that is not visible ASCII or is one of / ? # % \
             (keys appear in URL paths)"
        )));
    }
    Ok(())
}

impl fmt::Debug for Keyset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyset")
            .field("subscribe_key", &self.subscribe_key)
            .field("publish_key", &self.publish_key)
            .field("secret_key", &"[redacted]")
            .field("revocation_enabled", &self.revocation_enabled)
            .field(
                "disallow_get_all_channel_metadata",
                &self.disallow_get_all_channel_metadata,
            )
            .field(
                "disallow_get_all_user_metadata",
                &self.disallow_get_all_user_metadata,
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_key_but_not_the_secret() {
        let bad = Keyset::new("sub", "pub", "sec ret");
        let message = bad.validate(2).unwrap_err().to_string();
        assert!(message.contains("keyset[2].secret_key"), "{message}");
        assert!(!message.contains("sec ret"), "{message}");
        assert!(Keyset::new("", "p", "s").validate(0).is_err());
        assert!(Keyset::new("s/x", "p", "s").validate(0).is_err());
        assert!(
            Keyset::new("s".repeat(MAX_KEY_BYTES + 1), "p", "s")
                .validate(0)
                .is_err()
        );
        assert!(Keyset::demo().validate(0).is_ok());
    }

    #[test]
    fn demo_is_recognised() {
        assert!(Keyset::demo().is_demo());
        assert!(!Keyset::new(DEMO_SUBSCRIBE_KEY, DEMO_PUBLISH_KEY, "other").is_demo());
    }
}
