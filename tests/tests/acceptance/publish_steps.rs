//! Authorization failure reporting: a token made as the contract says, then a publish with it
//! from the client without the secret key (so Access Manager checks the token).

use cucumber::{given, then, when};
use pam::{GrantRequest, permissions};

use crate::contract::Contract;
use crate::outcome::{Outcome, Refusal};
use crate::world::{AccessWorld, SECRET_KEY, ensure};

/// The lifetime of the tokens granted here, in minutes.
const TOKEN_TTL_MINUTES: u32 = 10;

/// How long before now the already expired token is issued, in seconds: its one-minute
/// lifetime ended a minute ago.
const EXPIRED_ISSUED_SECS_AGO: u64 = 120;

/// The channel a token for `authFailurePermissions` is granted on instead of `channel`.
fn other_channel(channel: &str) -> String {
    format!("other-than-{channel}")
}

#[given(regex = r"^a valid token with permissions to publish with channel '([^']*)'$")]
async fn valid_token(world: &mut AccessWorld, channel: String) -> Result<(), String> {
    let contract = world.contract()?;
    let granted_on = match contract {
        None | Some(Contract::AuthSuccess | Contract::AuthFailureRevoked) => channel.clone(),
        Some(Contract::AuthFailurePermissions) => other_channel(&channel),
        Some(other) => {
            return Err(format!(
                "`a valid token …` has no set-up for @contract={other}"
            ));
        }
    };
    let server = world.server()?;
    let token = server
        .admin
        .grant_token(TOKEN_TTL_MINUTES)
        .resources(&[permissions::channel(granted_on.clone()).write()])
        .execute()
        .await
        .map_err(|e| format!("granting write on '{granted_on}' failed: {e}"))?
        .token;
    pam::verify_token(&token, SECRET_KEY.as_bytes())
        .map_err(|e| format!("the granted token does not verify with the keyset's secret: {e}"))?;
    if contract == Some(Contract::AuthFailureRevoked) {
        server
            .admin
            .revoke_token(token.clone())
            .execute()
            .await
            .map_err(|e| format!("revoking the token first failed: {e}"))?;
        ensure(
            server.emulator.access_manager().revocation_count() == 1,
            || "the emulator does not count the revocation".to_owned(),
        )?;
    }
    world.use_token(token, Some(granted_on.clone()));
    let parsed = world.parsed_token()?;
    ensure(
        parsed
            .resources()
            .get(pam::ResourceKind::Channel, &granted_on)
            .is_some_and(|p| p.has(pam::Permission::Write)),
        || format!("the token does not grant write on '{granted_on}'"),
    )
}

#[given(regex = r"^an expired token with permissions to publish with channel '([^']*)'$")]
fn expired_token(world: &mut AccessWorld, channel: String) -> Result<(), String> {
    let contract = world.contract()?;
    ensure(
        matches!(contract, None | Some(Contract::AuthFailureExpired)),
        || format!("`an expired token …` under @contract={contract:?}"),
    )?;
    let server = world.server()?;
    let access_manager = server.emulator.access_manager();
    let now = access_manager.now();
    let grant = GrantRequest::new(1).resource(permissions::channel(channel.clone()).write());
    let token = access_manager
        .issue_token(0, &grant, now.saturating_sub(EXPIRED_ISSUED_SECS_AGO))
        .map_err(|e| format!("the emulator cannot issue a token: {e}"))?;
    world.use_token(token, Some(channel));
    let parsed = world.parsed_token()?;
    ensure(parsed.is_expired_at(now), || {
        format!(
            "the token should have expired: it expires at {}, now is {now}",
            parsed.expires_at()
        )
    })
}

#[when(
    regex = r"^I (?:attempt to )?publish a message using that auth token with channel '([^']*)'$"
)]
async fn publish(world: &mut AccessWorld, channel: String) -> Result<(), String> {
    let token = world.token()?.text.clone();
    let client = &world.server()?.client;
    client.set_token(token.clone());
    ensure(
        client.get_token().as_deref() == Some(token.as_str()),
        || "get_token does not return the token just set".to_owned(),
    )?;
    let result = client
        .publish()
        .channel(channel)
        .message(serde_json::json!({ "text": "hello from PubNub's acceptance features" }))
        .execute()
        .await;
    world.outcome = Some(match result {
        Ok(timetoken) => Outcome::Published(timetoken),
        Err(error) => Outcome::Refused(vec![Refusal {
            by: "the facade",
            error,
        }]),
    });
    Ok(())
}

#[then(regex = r"^the result is successful$")]
fn successful(world: &mut AccessWorld) -> Result<(), String> {
    let now = world.server()?.emulator.access_manager().now();
    match &world.outcome {
        Some(Outcome::Published(timetoken)) => {
            ensure(timetoken.unix_seconds().abs_diff(now) <= 3600, || {
                format!("the timetoken {timetoken:?} is not near the emulator's time {now}")
            })
        }
        Some(Outcome::Granted(_) | Outcome::Revoked) => Ok(()),
        other => Err(format!("expected success, got {other:?}")),
    }
}
