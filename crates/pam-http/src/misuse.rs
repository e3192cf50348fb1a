//! Mistakes in how the client was configured or called, as opposed to failures of a call.

use crate::error::{Cause, Operation};

/// A mistake in how the client was configured or called: never caused by what a server
/// answered, always fixed by changing the calling code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Misuse {
    /// A client builder was not given a required setting.
    #[error("the client builder needs `.{setting}(…)`, which was not called")]
    MissingSetting {
        /// The builder method to call (`keyset`, `user_id`).
        setting: &'static str,
    },

    /// The keyset has no subscribe key (or an empty one).
    #[error("the keyset has an empty subscribe key; every request needs one")]
    EmptySubscribeKey,

    /// A key contains a character that cannot appear in a URL path.
    #[error(
        "the keyset's {key} has a character at byte {position} that is not visible ASCII or is \
         one of / ? # % (keys appear in URL paths)"
    )]
    InvalidKey {
        /// `subscribe key`, `publish key` or `secret key`.
        key: &'static str,
        /// Byte offset of the first bad character.
        position: usize,
    },

    /// A secret key was given without a publish key; signatures cover the publish key, so
    /// a secret key alone cannot sign anything.
    #[error(
        "the keyset has a secret key but no publish key; signing needs both (set \
         `publish_key`, or leave out `secret_key`)"
    )]
    SecretKeyWithoutPublishKey,

    /// The user id is empty or only white space.
    #[error("the user id is empty; set a non-empty `user_id` that identifies this client")]
    EmptyUserId,

    /// The user id is longer than [`crate::MAX_USER_ID_BYTES`].
    #[error("the user id has {found} bytes; at most {limit} are accepted")]
    UserIdTooLong {
        /// Its length in bytes.
        found: usize,
        /// The limit in bytes.
        limit: usize,
    },

    /// The origin is not an `http://` or `https://` URL of a host.
    #[error("invalid origin {origin}: {problem}")]
    InvalidOrigin {
        /// The origin as given (cut short, and left out when it carries credentials).
        origin: String,
        /// What is wrong with it.
        problem: String,
    },

    /// Grant and revoke are signed with the secret key, and the client has none.
    #[error("{operation} needs the keyset's secret key (server-side only); the client has none")]
    SecretKeyRequired {
        /// The call that needs it.
        operation: Operation,
    },

    /// Publishing needs the keyset's publish key, and the client has none.
    #[error("{operation} needs the keyset's publish key; the client has none")]
    PublishKeyRequired {
        /// The call that needs it.
        operation: Operation,
    },

    /// A required argument of a call was not given (or is empty).
    #[error("{operation} needs `{argument}`, which is missing or empty")]
    MissingArgument {
        /// The call.
        operation: Operation,
        /// The builder method that sets it.
        argument: &'static str,
    },

    /// [`crate::Client::refresh_token`] was called on a client without a token provider.
    #[error("refreshing the token needs a token provider; the client has none")]
    TokenProviderRequired,

    /// The publish message could not be turned into JSON; `source` is `serde_json`'s error.
    #[error("the message cannot be serialized as JSON")]
    MessageNotSerializable {
        /// What `serde_json` said (a `serde_json::Error`).
        #[source]
        source: Cause,
    },
}
