//! Revoke: a token as the contract needs, revoked through the facade, and the proof that a
//! revoked token no longer works.

use cucumber::{given, then, when};
use pam::{GrantRequest, permissions};

use crate::contract::Contract;
use crate::outcome::{Outcome, Refusal};
use crate::world::{AccessWorld, SECRET_KEY};

/// The channel the tokens of these scenarios grant write on, so a publish can show whether
/// the token still works.
const CHANNEL: &str = "revoke-check";

/// The secret of a keyset the emulator does not serve: a token signed with it is well formed
/// but not one of this keyset's.
const FOREIGN_SECRET_KEY: &str = "sec-c-some-other-keyset";

#[given(regex = r"^a token$")]
async fn a_token(world: &mut AccessWorld) -> Result<(), String> {
    let contract = world.contract()?;
    let token = match contract {
        Some(Contract::RevokeValidToken | Contract::RevokeFeatureDisabled) => {
            world
                .server()?
                .admin
                .grant_token(60)
                .resources(&[permissions::channel(CHANNEL).write()])
                .execute()
                .await
                .map_err(|e| format!("granting the token to revoke failed: {e}"))?
                .token
        }
        Some(Contract::RevokeInvalidToken) => {
            let grant = GrantRequest::new(60).resource(permissions::channel(CHANNEL).write());
            let now = world.server()?.emulator.access_manager().now();
            let token = pam::token::issue(&grant, now, FOREIGN_SECRET_KEY.as_bytes());
            if pam::verify_token(&token, SECRET_KEY.as_bytes()).is_ok() {
                return Err(
                    "a token signed with another secret verifies with this keyset's".into(),
                );
            }
            token
        }
        other => return Err(format!("`a token` has no set-up for @contract={other:?}")),
    };
    world.use_token(token, Some(CHANNEL.to_owned()));
    // Whatever its origin, the token parses.
    world.parsed_token().map(|_| ())
}

#[when(regex = r"^I revoke a token$")]
async fn revoke(world: &mut AccessWorld) -> Result<(), String> {
    let token = world.token()?.text.clone();
    let result = world.server()?.admin.revoke_token(token).execute().await;
    world.outcome = Some(match result {
        Ok(()) => Outcome::Revoked,
        Err(error) => Outcome::Refused(vec![Refusal {
            by: "the facade",
            error,
        }]),
    });
    Ok(())
}

#[then(regex = r"^I get confirmation that token has been revoked$")]
async fn confirmed(world: &mut AccessWorld) -> Result<(), String> {
    match &world.outcome {
        Some(Outcome::Revoked) => {}
        other => return Err(format!("expected the revoke to succeed, got {other:?}")),
    }
    // And it is: a publish the token allows is now refused as revoked.
    let token = world.token()?.clone();
    let channel = token
        .writes_to
        .ok_or("the token grants no channel to publish on")?;
    let client = &world.server()?.client;
    client.set_token(token.text);
    match client
        .publish()
        .channel(channel)
        .message("after revoke")
        .execute()
        .await
    {
        Err(pam::Error::TokenRevoked { message, .. }) if message == "Token is revoked." => Ok(()),
        other => Err(format!(
            "a publish with the revoked token should be refused with \"Token is revoked.\", got \
             {other:?}"
        )),
    }
}
