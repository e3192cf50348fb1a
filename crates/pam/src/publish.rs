//! `publish`: send a message to a channel, with the client's token.

use pam_http::{Error, Misuse, Operation, Timetoken};
use serde::Serialize;

use crate::PubNub;

/// A publish in the making; send it with [`PublishBuilder::execute`].
///
/// The message is any `Serialize` value, sent as JSON. The token set with
/// [`PubNub::set_token`] at the time of sending goes along as `auth`; Access Manager needs it
/// to grant `write` on the channel, and otherwise answers [`Error::Forbidden`],
/// [`Error::TokenExpired`] or [`Error::TokenRevoked`].
#[derive(Debug)]
#[must_use = "a publish does nothing until `.execute()` is called"]
pub struct PublishBuilder {
    pubnub: PubNub,
    channel: Option<String>,
    message: Option<Result<String, serde_json::Error>>,
}

impl PublishBuilder {
    pub(crate) fn new(pubnub: PubNub) -> Self {
        PublishBuilder {
            pubnub,
            channel: None,
            message: None,
        }
    }

    /// The channel to publish to (required).
    pub fn channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = Some(channel.into());
        self
    }

    /// The message (required): any value `serde_json` can serialize.
    pub fn message(mut self, message: impl Serialize) -> Self {
        self.message = Some(serde_json::to_string(&message));
        self
    }

    /// Publishes; returns the timetoken the message was stored under.
    ///
    /// # Errors
    ///
    /// [`Error::Misuse`] for a missing channel or message, a message that does not serialize,
    /// or a client without a publish key; [`Error::Forbidden`], [`Error::TokenExpired`],
    /// [`Error::TokenRevoked`] when the token does not allow it; transport errors otherwise.
    pub async fn execute(self) -> Result<Timetoken, Error> {
        let channel = self.channel.ok_or(Misuse::MissingArgument {
            operation: Operation::Publish,
            argument: "channel",
        })?;
        let message = match self.message {
            None => {
                return Err(Misuse::MissingArgument {
                    operation: Operation::Publish,
                    argument: "message",
                }
                .into());
            }
            Some(Err(source)) => {
                return Err(Misuse::MessageNotSerializable {
                    source: Box::new(source),
                }
                .into());
            }
            Some(Ok(json)) => json,
        };
        self.pubnub.shared.client.publish(&channel, &message).await
    }

    /// [`PublishBuilder::execute`] for code without an async runtime; see
    /// [the crate docs](crate#blocking) for where it may be called.
    ///
    /// # Errors
    ///
    /// As [`PublishBuilder::execute`].
    #[cfg(feature = "blocking")]
    pub fn execute_blocking(self) -> Result<Timetoken, Error> {
        let pubnub = self.pubnub.clone();
        pubnub.block_on(self.execute())
    }
}
