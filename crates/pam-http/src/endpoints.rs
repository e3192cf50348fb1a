//! The four endpoints: what each sends, and how each success is decoded.

use pam_model::GrantRequest;
use reqwest::Method;
use serde_json::Value;

use crate::Timetoken;
use crate::answer::Answer;
use crate::client::{Call, Client};
use crate::error::{Error, Operation};
use crate::misuse::Misuse;
use crate::redact::{REDACTED, RedactedUrl};

impl Call {
    /// `GET /time/0`: never signed (it is how a client with a wrong clock learns the time).
    pub(crate) fn time() -> Call {
        Call {
            operation: Operation::Time,
            method: Method::GET,
            path: "/time/0".to_owned(),
            shown_path: "/time/0".to_owned(),
            json_body: None,
            signed: false,
            with_auth: true,
            access: None,
        }
    }
}

impl Client {
    /// Grants a token: validates `request` locally, then `POST /v3/pam/{sub}/grant`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] when validation refuses the request (nothing is sent; the
    /// body is the one the server would answer), [`Misuse::SecretKeyRequired`] without a
    /// secret key, or any error the server or the transport gives.
    pub async fn grant(&self, request: &GrantRequest) -> Result<String, Error> {
        if let Err(invalid) = request.validate() {
            return Err(Error::InvalidRequest {
                operation: Operation::Grant,
                body: invalid.to_error_body(),
            });
        }
        self.grant_unvalidated(request).await
    }

    /// Grants a token without validating `request` first, so whatever is wrong with it comes
    /// back as the server's own answer. For conformance tests and tools that compare a
    /// server's answers; applications want [`Client::grant`].
    ///
    /// # Errors
    ///
    /// As [`Client::grant`], except [`Error::InvalidRequest`].
    pub async fn grant_unvalidated(&self, request: &GrantRequest) -> Result<String, Error> {
        self.require_secret_key(Operation::Grant)?;
        let path = format!("/v3/pam/{}/grant", self.keyset().subscribe_key);
        let call = Call {
            operation: Operation::Grant,
            method: Method::POST,
            shown_path: path.clone(),
            path,
            json_body: Some(request.to_body_json().into_bytes()),
            signed: true,
            with_auth: false,
            access: None,
        };
        let (answer, shown) = self.send(&call).await?;
        let json = answer.json(Operation::Grant, &shown)?;
        match json.pointer("/data/token").and_then(Value::as_str) {
            Some(token) if !token.is_empty() => Ok(token.to_owned()),
            _ => Err(answer.decode_error(
                Operation::Grant,
                shown,
                r#"expected {"data":{"token":"…"}} with a non-empty token"#,
            )),
        }
    }

    /// Revokes `token`: `DELETE /v3/pam/{sub}/grant/{token}`, the token percent-encoded as a
    /// path segment. Token revocation must be enabled on the keyset.
    ///
    /// # Errors
    ///
    /// [`Misuse::SecretKeyRequired`] without a secret key, [`Misuse::MissingArgument`] for an
    /// empty token, [`Error::Api`] when the server refuses (an invalid token, revocation
    /// disabled on the keyset), or a transport error.
    pub async fn revoke(&self, token: &str) -> Result<(), Error> {
        self.require_secret_key(Operation::Revoke)?;
        if token.trim().is_empty() {
            return Err(Misuse::MissingArgument {
                operation: Operation::Revoke,
                argument: "token",
            }
            .into());
        }
        let prefix = format!("/v3/pam/{}/grant/", self.keyset().subscribe_key);
        let call = Call {
            operation: Operation::Revoke,
            method: Method::DELETE,
            path: format!("{prefix}{}", pam_sign::encode_path_segment(token)),
            shown_path: format!("{prefix}{REDACTED}"),
            json_body: None,
            signed: true,
            with_auth: false,
            access: None,
        };
        let (answer, shown) = self.send(&call).await?;
        match answer.json(Operation::Revoke, &shown)? {
            Value::Object(_) => Ok(()),
            _ => Err(answer.decode_error(
                Operation::Revoke,
                shown,
                r#"expected {"data":{"message":"Success"},…}"#,
            )),
        }
    }

    /// The server's time: `GET /time/0`.
    ///
    /// # Errors
    ///
    /// A transport error, or [`Error::Decode`] when the answer is not `[timetoken]`.
    pub async fn time(&self) -> Result<Timetoken, Error> {
        let (answer, shown) = self.send(&Call::time()).await?;
        decode_time(&answer, &shown)
    }

    /// Publishes `message_json` (a JSON text) to `channel`:
    /// `GET /publish/{pub}/{sub}/0/{channel}/0/{message}` with the token as `auth`. Returns the
    /// timetoken the message was stored under.
    ///
    /// A publish is retried only when the connection could not be made; once the request may
    /// have reached the server it is never repeated, so a message is not sent twice.
    ///
    /// # Errors
    ///
    /// [`Misuse::PublishKeyRequired`] without a publish key, [`Misuse::MissingArgument`] for an
    /// empty channel, [`Error::Forbidden`], [`Error::TokenExpired`], [`Error::TokenRevoked`]
    /// when the token does not allow it, or a transport error.
    pub async fn publish(&self, channel: &str, message_json: &str) -> Result<Timetoken, Error> {
        let Some(publish_key) = self
            .keyset()
            .publish_key
            .as_deref()
            .filter(|k| !k.is_empty())
        else {
            return Err(Misuse::PublishKeyRequired {
                operation: Operation::Publish,
            }
            .into());
        };
        if channel.is_empty() {
            return Err(Misuse::MissingArgument {
                operation: Operation::Publish,
                argument: "channel",
            }
            .into());
        }
        let path = format!(
            "/publish/{publish_key}/{}/0/{}/0/{}",
            self.keyset().subscribe_key,
            pam_sign::encode_path_segment(channel),
            pam_sign::percent_encode(message_json)
        );
        let call = Call {
            operation: Operation::Publish,
            method: Method::GET,
            shown_path: path.clone(),
            path,
            json_body: None,
            signed: true,
            with_auth: true,
            access: Some((
                pam_model::ResourceKind::Channel,
                channel.to_owned(),
                pam_model::Permission::Write,
            )),
        };
        let (answer, shown) = self.send(&call).await?;
        let json = answer.json(Operation::Publish, &shown)?;
        let timetoken = match json.as_array().map(Vec::as_slice) {
            Some([Value::Number(one), _, Value::String(tt), ..]) if one.as_u64() == Some(1) => {
                tt.parse::<u64>().ok()
            }
            _ => None,
        };
        timetoken.map(Timetoken::new).ok_or_else(|| {
            answer.decode_error(
                Operation::Publish,
                shown,
                r#"expected [1,"Sent","<timetoken>"]"#,
            )
        })
    }

    fn require_secret_key(&self, operation: Operation) -> Result<(), Error> {
        if self.signs_requests() {
            Ok(())
        } else {
            Err(Misuse::SecretKeyRequired { operation }.into())
        }
    }
}

/// Decodes `[timetoken]`.
pub(crate) fn decode_time(answer: &Answer, shown: &RedactedUrl) -> Result<Timetoken, Error> {
    let json = answer.json(Operation::Time, shown)?;
    match json.as_array().map(Vec::as_slice) {
        Some([tt]) => tt.as_u64().map(Timetoken::new),
        _ => None,
    }
    .ok_or_else(|| answer.decode_error(Operation::Time, shown.clone(), "expected [timetoken]"))
}
