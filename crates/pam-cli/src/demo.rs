//! `pam demo`: a token's whole life against a local Access Manager started in this process,
//! told as a numbered walkthrough.
//!
//! Every step checks that what happened is what should happen (a publish the token does not
//! allow must be refused, and refused for the right reason); the command exits 0 only when all
//! of them did. Nothing leaves the machine: the emulator listens on an ephemeral loopback port
//! and stops at the end.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use pam::{AccessRequest, Keyset, Permission, PubNub, ResourceKind, permissions};
use pam_emulator::{
    DEMO_PUBLISH_KEY, DEMO_SECRET_KEY, DEMO_SUBSCRIBE_KEY, Emulator, EmulatorConfig,
};

use crate::Failure;
use crate::failure::println;
use crate::{connection, time_text};

/// The channel the token allows.
const ALLOWED_CHANNEL: &str = "chat";
/// A channel the token does not name.
const DENIED_CHANNEL: &str = "general";
/// The only user id the token works for.
const USER_ID: &str = "bob";
/// The token's lifetime, in minutes.
const TTL_MINUTES: u32 = 15;
/// How many steps the walkthrough has.
const STEPS: usize = 9;

/// Walk through a token's life against a local Access Manager: grant, parse, publish, revoke, refresh.
///
/// Starts an emulator in this process on a free loopback port with the demo keyset, and
/// checks every step; exit 0 when each behaved as it should, 1 otherwise.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {}

pub(crate) fn run(_args: DemoArgs) -> Result<ExitCode, Failure> {
    let mut walk = Walkthrough::default();
    connection::block_on(walkthrough(&mut walk))??;
    println("")?;
    if walk.failed == 0 && walk.done == STEPS {
        println(&format!("all {STEPS} steps behaved as expected"))?;
        Ok(ExitCode::SUCCESS)
    } else {
        let not_run = STEPS - walk.done;
        let mut summary = format!(
            "{} of {STEPS} steps did not behave as expected",
            walk.failed + not_run
        );
        if not_run > 0 {
            summary.push_str(&format!(
                " ({not_run} not run: they need step {})",
                walk.done
            ));
        }
        println(&summary)?;
        Ok(ExitCode::from(1))
    }
}

/// The numbered steps printed so far.
#[derive(Debug, Default)]
struct Walkthrough {
    done: usize,
    failed: usize,
}

impl Walkthrough {
    /// Prints step `title` with ✓ and `result`'s lines, or ✗ and why; returns whether it
    /// behaved.
    fn step(&mut self, title: &str, result: Result<Vec<String>, String>) -> Result<bool, Failure> {
        self.done += 1;
        let (mark, lines, behaved) = match result {
            Ok(lines) => ("✓", lines, true),
            Err(why) => {
                self.failed += 1;
                ("✗", vec![why], false)
            }
        };
        println(&format!("{}. {mark} {title}", self.done))?;
        for line in lines {
            println(&format!("     {line}"))?;
        }
        Ok(behaved)
    }
}

/// A client of the demo keyset at `origin`; with the secret key for the server side.
fn client(origin: &str, user_id: &str, with_secret: bool) -> Result<PubNub, String> {
    PubNub::builder()
        .keyset(Keyset {
            subscribe_key: DEMO_SUBSCRIBE_KEY.into(),
            publish_key: Some(DEMO_PUBLISH_KEY.into()),
            secret_key: with_secret.then(|| DEMO_SECRET_KEY.into()),
        })
        .user_id(user_id)
        .origin(origin)
        .build()
        .map_err(|e| format!("cannot build the client of {user_id:?}: {e}"))
}

/// `p0F2AkF0Gm…Gd6Tg (152 chars)`: enough to recognise a token without printing it whole.
fn shortened(token: &str) -> String {
    let head: String = token.chars().take(12).collect();
    let tail: String = {
        let mut tail: Vec<char> = token.chars().rev().take(6).collect();
        tail.reverse();
        tail.into_iter().collect()
    };
    format!("{head}…{tail} ({} chars)", token.chars().count())
}

async fn walkthrough(walk: &mut Walkthrough) -> Result<(), Failure> {
    println("pam demo: a token's whole life, against a local Access Manager in this process")?;
    println("")?;

    // 1. A local Access Manager.
    let listen = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let emulator = match Emulator::start(EmulatorConfig::demo().with_listen(listen)).await {
        Ok(emulator) => emulator,
        Err(e) => {
            walk.step(
                "Start a local Access Manager",
                Err(format!("it did not start: {e}")),
            )?;
            return Ok(());
        }
    };
    let origin = emulator.url().to_owned();
    let clients = client(&origin, "server", true)
        .and_then(|server| Ok((server, client(&origin, USER_ID, false)?)));
    let (server, bob) = match clients {
        Ok(clients) => clients,
        Err(why) => {
            walk.step("Start a local Access Manager", Err(why))?;
            return Ok(());
        }
    };
    walk.step(
        "Start a local Access Manager",
        Ok(vec![format!(
            "listening on {origin} (loopback only), demo keyset {DEMO_SUBSCRIBE_KEY}, \
             revocation enabled"
        )]),
    )?;

    // 2. The server grants Bob a token.
    let granted = server
        .grant_token(TTL_MINUTES)
        .resources(&[permissions::channel(ALLOWED_CHANNEL).read().write()])
        .authorized_user_id(USER_ID)
        .execute()
        .await;
    let token = match granted {
        Ok(granted) => granted.token,
        Err(e) => {
            walk.step("Grant a token (server side)", Err(format!("refused: {e}")))?;
            return Ok(());
        }
    };
    walk.step(
        "Grant a token (server side, signed with the secret key)",
        Ok(vec![
            format!(
                "read and write on channel {ALLOWED_CHANNEL:?}, for user id {USER_ID:?} only, \
                 {TTL_MINUTES} minutes"
            ),
            format!("token {}", shortened(&token)),
        ]),
    )?;

    // 3. Anyone can read what it allows, offline.
    let explained = explain(&token, emulator.access_manager().now());
    if !walk.step("Parse and explain the token (offline)", explained)? {
        return Ok(());
    }

    // 4. Bob's client carries it.
    bob.set_token(token.clone());
    let carried = if bob.get_token().as_deref() == Some(token.as_str()) {
        Ok(vec![format!(
            "Bob's client has no secret key; every request it makes now sends the token as auth"
        )])
    } else {
        Err("get_token() does not return the token just set".to_owned())
    };
    if !walk.step("Set the token on Bob's client", carried)? {
        return Ok(());
    }

    // 5. Allowed.
    let sent = bob
        .publish()
        .channel(ALLOWED_CHANNEL)
        .message(serde_json::json!({ "text": "hello from bob" }))
        .execute()
        .await;
    walk.step(
        &format!("Publish to {ALLOWED_CHANNEL:?} (the token allows it)"),
        match sent {
            Ok(timetoken) => Ok(vec![format!("sent, timetoken {}", timetoken.as_u64())]),
            Err(e) => Err(format!("should have been sent, but: {e}")),
        },
    )?;

    // 6. Not in the token.
    let denied = bob
        .publish()
        .channel(DENIED_CHANNEL)
        .message(serde_json::json!({ "text": "hello everyone" }))
        .execute()
        .await;
    walk.step(
        &format!("Publish to {DENIED_CHANNEL:?} (the token does not name it)"),
        match denied {
            Err(pam::Error::Forbidden {
                message, channels, ..
            }) => Ok(vec![format!(
                "refused as expected: 403 {message} (denied channel: {})",
                if channels.is_empty() {
                    "not named".to_owned()
                } else {
                    channels.join(", ")
                }
            )]),
            Ok(timetoken) => Err(format!(
                "was sent (timetoken {}) although the token does not allow it",
                timetoken.as_u64()
            )),
            Err(e) => Err(format!("expected 403 Forbidden, got: {e}")),
        },
    )?;

    // 7. The server revokes it.
    let revoked = server.revoke_token(token.clone()).execute().await;
    walk.step(
        "Revoke the token (server side)",
        match revoked {
            Ok(()) => Ok(vec![format!(
                "Access Manager confirmed; it now remembers {} revoked token(s)",
                emulator.access_manager().revocation_count()
            )]),
            Err(e) => Err(format!("refused: {e}")),
        },
    )?;

    // 8. The same publish as in step 5 is refused now.
    let refused = bob
        .publish()
        .channel(ALLOWED_CHANNEL)
        .message(serde_json::json!({ "text": "hello again" }))
        .execute()
        .await;
    walk.step(
        &format!("Publish to {ALLOWED_CHANNEL:?} again, with the revoked token"),
        match refused {
            Err(pam::Error::TokenRevoked { message, .. }) => {
                Ok(vec![format!("refused as expected: 403 {message}")])
            }
            Ok(timetoken) => Err(format!(
                "was sent (timetoken {}) although the token is revoked",
                timetoken.as_u64()
            )),
            Err(e) => Err(format!("expected 403 Token is revoked., got: {e}")),
        },
    )?;

    // 9. A client with a token provider replaces the revoked token itself.
    walk.step(
        "Publish with the revoked token from a client with a token provider",
        refresh_step(&origin, &server, &token).await,
    )?;

    // A failure to stop does not change what the walkthrough showed.
    let _ = emulator.shutdown().await;
    Ok(())
}

/// A client of Bob's whose provider asks the server for tokens, holding the revoked `token`:
/// its publish must be refused once, get a new token from the provider, and go through.
async fn refresh_step(origin: &str, server: &PubNub, token: &str) -> Result<Vec<String>, String> {
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let (server, counted) = (server.clone(), std::sync::Arc::clone(&calls));
    let bob = PubNub::builder()
        .keyset(Keyset {
            subscribe_key: DEMO_SUBSCRIBE_KEY.into(),
            publish_key: Some(DEMO_PUBLISH_KEY.into()),
            secret_key: None,
        })
        .user_id(USER_ID)
        .origin(origin)
        .token_provider(move || {
            counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let server = server.clone();
            async move {
                let grant = server
                    .grant_token(TTL_MINUTES)
                    .resources(&[permissions::channel(ALLOWED_CHANNEL).write()])
                    .authorized_user_id(USER_ID)
                    .meta([("refreshed", true)])
                    .execute()
                    .await?;
                Ok::<_, pam::Error>(grant.token)
            }
        })
        .build()
        .map_err(|e| format!("cannot build the client of {USER_ID:?}: {e}"))?;
    bob.set_token(token);
    let sent = bob
        .publish()
        .channel(ALLOWED_CHANNEL)
        .message(serde_json::json!({ "text": "hello with a new token" }))
        .execute()
        .await
        .map_err(|e| format!("expected a new token and a resend, got: {e}"))?;
    let calls = calls.load(std::sync::atomic::Ordering::Relaxed);
    let fresh = bob.get_token().unwrap_or_default();
    if calls != 1 || fresh == token {
        return Err(format!(
            "expected one call of the provider and a new token; {calls} call(s), token {}",
            if fresh == token {
                "unchanged"
            } else {
                "changed"
            }
        ));
    }
    Ok(vec![
        "403 Token is revoked.: the client asked its provider for a new token once".to_owned(),
        format!(
            "sent again with {}: published at timetoken {}",
            shortened(&fresh),
            sent.as_u64()
        ),
    ])
}

/// Parses `token` and says what it allows, checking that it is what was granted.
fn explain(token: &str, now: u64) -> Result<Vec<String>, String> {
    let parsed = pam::parse_token(token).map_err(|e| format!("does not parse: {e}"))?;
    let granted = parsed
        .resources()
        .get(ResourceKind::Channel, ALLOWED_CHANNEL)
        .ok_or_else(|| format!("the token does not name channel {ALLOWED_CHANNEL:?}"))?;
    if parsed.authorized_user_id() != Some(USER_ID) || parsed.ttl() != TTL_MINUTES {
        return Err(format!(
            "the token is for {:?} for {} minutes, not for {USER_ID:?} for {TTL_MINUTES}",
            parsed.authorized_user_id(),
            parsed.ttl()
        ));
    }
    let may = |channel: &str, user: &str| {
        parsed
            .authorize(
                &AccessRequest::new(ResourceKind::Channel, channel, Permission::Write, now)
                    .by(user),
            )
            .is_allowed()
    };
    let checks = [
        may(ALLOWED_CHANNEL, USER_ID),
        !may(DENIED_CHANNEL, USER_ID),
        !may(ALLOWED_CHANNEL, "alice"),
    ];
    if checks != [true, true, true] {
        return Err(format!(
            "the offline check disagrees with the grant: {USER_ID} → {ALLOWED_CHANNEL}: {}, \
             {USER_ID} → {DENIED_CHANNEL}: {}, alice → {ALLOWED_CHANNEL}: {}",
            checks[0], !checks[1], !checks[2]
        ));
    }
    Ok(vec![
        format!(
            "v{} token: {granted} on channel {ALLOWED_CHANNEL:?}, for user id {USER_ID:?} only, \
             until {} ({})",
            parsed.version(),
            time_text::utc(parsed.expires_at()),
            time_text::relative(parsed.expires_at(), now),
        ),
        format!(
            "offline check agrees: {USER_ID} may publish to {ALLOWED_CHANNEL:?}, not to \
             {DENIED_CHANNEL:?}; alice may not use the token at all"
        ),
    ])
}
