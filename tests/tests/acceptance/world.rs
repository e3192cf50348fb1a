//! The state of one scenario: its contract, its emulator and clients, and what the steps
//! have done so far.

use cucumber::gherkin;
use pam::PubNub;
use pam_emulator::Emulator;

use crate::contract::Contract;
use crate::grant_steps::GrantDraft;
use crate::outcome::Outcome;
use crate::token_steps::InspectedEntry;

/// The keyset every scenario's emulator serves.
pub(crate) const SUBSCRIBE_KEY: &str = "sub-c-acceptance";
/// Its publish key.
pub(crate) const PUBLISH_KEY: &str = "pub-c-acceptance";
/// Its secret key.
pub(crate) const SECRET_KEY: &str = "sec-c-acceptance";
/// The user id of the server-side client (the one with the secret key).
pub(crate) const ADMIN_USER_ID: &str = "acceptance-admin";
/// The user id of the client without the secret key.
pub(crate) const CLIENT_USER_ID: &str = "acceptance-client";

/// One scenario's world.
#[derive(Debug, Default, cucumber::World)]
pub(crate) struct AccessWorld {
    /// `feature: scenario`, for messages.
    pub(crate) scenario: String,
    /// The scenario's contract, or why its tags name none that is known.
    pub(crate) contract: Option<Result<Contract, String>>,
    /// The emulator and the clients talking to it (from the Background step).
    pub(crate) server: Option<Server>,
    /// The grant the steps describe.
    pub(crate) grant: GrantDraft,
    /// The token the scenario works with.
    pub(crate) token: Option<TokenUnderTest>,
    /// The token as the facade parsed it.
    pub(crate) parsed: Option<pam::Token>,
    /// The entry of the parsed token the `token … permission …` steps look at.
    pub(crate) inspected: Option<InspectedEntry>,
    /// What the last operation gave.
    pub(crate) outcome: Option<Outcome>,
}

/// A running emulator and two clients of its keyset.
#[derive(Debug)]
pub(crate) struct Server {
    /// The emulator, stopped when the world is dropped at the end of the scenario.
    pub(crate) emulator: Emulator,
    /// Server side: subscribe, publish and secret keys. Grants, revokes.
    pub(crate) admin: PubNub,
    /// Client side: subscribe and publish keys only, so Access Manager checks its token.
    pub(crate) client: PubNub,
}

/// A token and what it was made for.
#[derive(Debug, Clone)]
pub(crate) struct TokenUnderTest {
    /// The token.
    pub(crate) text: String,
    /// The channel it was granted `write` on, when it was granted one.
    pub(crate) writes_to: Option<String>,
}

impl AccessWorld {
    /// Called before the scenario's first step: records its name and contract.
    pub(crate) fn begin(
        &mut self,
        feature: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        scenario: &gherkin::Scenario,
    ) {
        self.scenario = format!("{}: {}", feature.name, scenario.name);
        let tags = feature
            .tags
            .iter()
            .chain(rule.iter().flat_map(|r| &r.tags))
            .chain(&scenario.tags);
        self.contract = Contract::from_tags(tags).transpose();
    }

    /// The scenario's contract (`None` for scenarios without one, such as parsing).
    pub(crate) fn contract(&self) -> Result<Option<Contract>, String> {
        self.contract.clone().transpose()
    }

    /// The emulator and its clients.
    pub(crate) fn server(&self) -> Result<&Server, String> {
        self.server.as_ref().ok_or_else(|| {
            "no emulator: the Background step `I have a keyset with access manager enabled` \
             did not run"
                .to_owned()
        })
    }

    /// The token the scenario works with.
    pub(crate) fn token(&self) -> Result<&TokenUnderTest, String> {
        self.token
            .as_ref()
            .ok_or_else(|| "no token: no earlier step granted, issued or chose one".to_owned())
    }

    /// The token the scenario works with, parsed by the facade (parsing it now if no step
    /// has yet).
    pub(crate) fn parsed_token(&mut self) -> Result<&pam::Token, String> {
        if self.parsed.is_none() {
            let text = self.token()?.text.clone();
            let parsed = self
                .server()?
                .admin
                .parse_token(&text)
                .map_err(|e| format!("the facade cannot parse the token: {e}"))?;
            self.parsed = Some(parsed);
        }
        self.parsed
            .as_ref()
            .ok_or_else(|| "the token was not parsed".to_owned())
    }

    /// Makes `text` the scenario's token (forgetting any earlier parse of another one).
    pub(crate) fn use_token(&mut self, text: String, writes_to: Option<String>) {
        self.token = Some(TokenUnderTest { text, writes_to });
        self.parsed = None;
        self.inspected = None;
    }
}

/// Passes when `condition` holds; otherwise fails the step with `message`.
pub(crate) fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if condition { Ok(()) } else { Err(message()) }
}
