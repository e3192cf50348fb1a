//! Background: `I have a keyset with access manager enabled [- without secret key]`.
//!
//! Starts the scenario's emulator on an ephemeral loopback port (revocation on the keyset as
//! the contract needs) and builds the two clients: one with the secret key, which grants and
//! revokes, and one without, whose publishes Access Manager checks against its token.

use cucumber::given;
use pam::{Keyset, PubNub, RetryPolicy};
use pam_emulator::{Emulator, EmulatorConfig};

use crate::contract::Contract;
use crate::world::{
    ADMIN_USER_ID, AccessWorld, CLIENT_USER_ID, PUBLISH_KEY, SECRET_KEY, SUBSCRIBE_KEY, Server,
    ensure,
};

/// Seconds the emulator's time and the client's may differ by in a sane set-up.
const MAX_CLOCK_DIFFERENCE_SECS: u64 = 60;

#[given(regex = r"^I have a keyset with access manager enabled$")]
async fn keyset_with_secret_key(world: &mut AccessWorld) -> Result<(), String> {
    start(world).await?;
    let server = world.server()?;
    ensure(server.admin.transport().signs_requests(), || {
        "the server-side client should sign its requests with the secret key".to_owned()
    })
}

#[given(regex = r"^I have a keyset with access manager enabled - without secret key$")]
async fn keyset_without_secret_key(world: &mut AccessWorld) -> Result<(), String> {
    start(world).await?;
    let server = world.server()?;
    ensure(!server.client.transport().signs_requests(), || {
        "the client without a secret key signs its requests, so Access Manager would not check \
         its token"
            .to_owned()
    })?;
    // Without a secret key, grant is refused before anything is sent.
    let refused = server
        .client
        .grant_token(1)
        .resources(&[pam::permissions::channel("x").read()])
        .execute()
        .await;
    ensure(matches!(&refused, Err(e) if e.is_misuse()), || {
        format!("a client without a secret key should not be able to grant: {refused:?}")
    })
}

/// Starts the emulator and the clients, and checks that the emulator answers.
async fn start(world: &mut AccessWorld) -> Result<(), String> {
    ensure(world.server.is_none(), || {
        "the keyset step ran twice in one scenario".to_owned()
    })?;
    let contract = world.contract()?;
    let revocation = Contract::revocation_enabled(contract);
    let config = EmulatorConfig::new(vec![
        pam_emulator::Keyset::new(SUBSCRIBE_KEY, PUBLISH_KEY, SECRET_KEY)
            .with_revocation(revocation),
    ])
    .with_listen(
        "127.0.0.1:0"
            .parse()
            .map_err(|e| format!("loopback address: {e}"))?,
    );
    let emulator = Emulator::start(config)
        .await
        .map_err(|e| format!("the emulator did not start: {e}"))?;
    let admin = client(&emulator, Some(SECRET_KEY), ADMIN_USER_ID)?;
    let client = client(&emulator, None, CLIENT_USER_ID)?;

    let served = emulator
        .keysets()
        .next()
        .ok_or("the emulator serves no keyset")?;
    ensure(served.revocation_enabled() == revocation, || {
        format!("the keyset should have revocation enabled = {revocation}")
    })?;
    let time = admin
        .transport()
        .time()
        .await
        .map_err(|e| format!("the emulator does not answer /time/0: {e}"))?;
    let now = emulator.access_manager().now();
    ensure(
        time.unix_seconds().abs_diff(now) <= MAX_CLOCK_DIFFERENCE_SECS,
        || format!("the emulator says it is {time:?}, its clock says {now}"),
    )?;
    world.server = Some(Server {
        emulator,
        admin,
        client,
    });
    Ok(())
}

/// A client of the scenario's keyset at `emulator`, without retries (nothing here should
/// need one), that sends whatever token it is given.
fn client(emulator: &Emulator, secret: Option<&str>, user_id: &str) -> Result<PubNub, String> {
    PubNub::builder()
        .keyset(Keyset {
            subscribe_key: SUBSCRIBE_KEY.into(),
            publish_key: Some(PUBLISH_KEY.into()),
            secret_key: secret.map(Into::into),
        })
        .user_id(user_id)
        .origin(emulator.url())
        .retry_policy(RetryPolicy::none())
        // The features check the server's answers to dead tokens: send them anyway.
        .check_token_before_sending(false)
        .build()
        .map_err(|e| format!("the client for {user_id} cannot be built: {e}"))
}
