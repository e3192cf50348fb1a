//! `@contract=NAME` tags, and the emulator set-up each one stands for.
//!
//! PubNub's mock server answers a contract by script; here the same situation is made real on
//! the emulator. Only the contracts listed are known: a scenario tagged with another one fails
//! instead of running against a set-up that does not match it.

use std::fmt;

/// The contract a scenario is tagged with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Contract {
    /// A token granting write on the channel: publish succeeds.
    AuthSuccess,
    /// A token issued with a time in the past, so already expired: "Token is expired.".
    AuthFailureExpired,
    /// A token granting write on another channel only: "Forbidden".
    AuthFailurePermissions,
    /// A token that is revoked right after it is granted: "Token is revoked.".
    AuthFailureRevoked,
    /// Grants answered by the emulator's validation and token issuer, as they come.
    Grant,
    /// A token the emulator did issue, then revoked.
    RevokeValidToken,
    /// A well-formed token signed with another keyset's secret: "Invalid token".
    RevokeInvalidToken,
    /// A keyset with token revocation disabled: "Feature disabled".
    RevokeFeatureDisabled,
}

/// The grant contracts: nothing to arrange beyond the grant itself.
const GRANT_CONTRACTS: [&str; 7] = [
    "grantAllPermissions",
    "grantWithoutAuthorizedUUID",
    "grantWithAuthorizedUUID",
    "grantWithoutAnyPermissionsError",
    "grantWithRegExpSyntaxError",
    "grantWithRegExpNonCapturingError",
    "grantWithTTLExceedMaxTTL",
];

impl Contract {
    /// The contract named `name` (the tag without `@contract=`).
    pub(crate) fn from_name(name: &str) -> Result<Contract, String> {
        Ok(match name {
            "authSuccess" => Contract::AuthSuccess,
            "authFailureExpired" => Contract::AuthFailureExpired,
            "authFailurePermissions" => Contract::AuthFailurePermissions,
            "authFailureRevoked" => Contract::AuthFailureRevoked,
            "revokeValidToken" => Contract::RevokeValidToken,
            "revokeInvalidToken" => Contract::RevokeInvalidToken,
            "revokeFeatureDisabled" => Contract::RevokeFeatureDisabled,
            grant if GRANT_CONTRACTS.contains(&grant) => Contract::Grant,
            other => {
                return Err(format!(
                    "@contract={other} has no emulator set-up in tests/tests/acceptance/contract.rs"
                ));
            }
        })
    }

    /// The contract among `tags` (feature, rule and scenario tags, with or without `@`).
    pub(crate) fn from_tags<'t>(
        tags: impl IntoIterator<Item = &'t String>,
    ) -> Result<Option<Contract>, String> {
        let mut found = None;
        for tag in tags {
            if let Some(name) = tag.trim_start_matches('@').strip_prefix("contract=") {
                if found.is_some() {
                    return Err(format!("more than one @contract tag (second: {name})"));
                }
                found = Some(Contract::from_name(name)?);
            }
        }
        Ok(found)
    }

    /// Whether the keyset the emulator serves for this contract has revocation enabled.
    pub(crate) fn revocation_enabled(contract: Option<Contract>) -> bool {
        contract != Some(Contract::RevokeFeatureDisabled)
    }
}

impl fmt::Display for Contract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Contract::AuthSuccess => "authSuccess",
            Contract::AuthFailureExpired => "authFailureExpired",
            Contract::AuthFailurePermissions => "authFailurePermissions",
            Contract::AuthFailureRevoked => "authFailureRevoked",
            Contract::Grant => "grant…",
            Contract::RevokeValidToken => "revokeValidToken",
            Contract::RevokeInvalidToken => "revokeInvalidToken",
            Contract::RevokeFeatureDisabled => "revokeFeatureDisabled",
        })
    }
}
