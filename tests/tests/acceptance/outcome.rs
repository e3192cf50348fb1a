//! What the last operation of a scenario gave.

use pam::Timetoken;

/// The result of the last grant, publish or revoke.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// A grant succeeded with this token.
    Granted(String),
    /// A publish succeeded with this timetoken.
    Published(Timetoken),
    /// A revoke succeeded.
    Revoked,
    /// The operation was refused. A grant refused by the facade's local validation is also
    /// sent as it is to the emulator, so both refusals are here, and error steps check each.
    Refused(Vec<Refusal>),
}

/// One refusal and who gave it.
#[derive(Debug)]
pub(crate) struct Refusal {
    /// `the facade`, `the facade's local validation`, `the emulator`.
    pub(crate) by: &'static str,
    /// The error.
    pub(crate) error: pam::Error,
}

impl Outcome {
    /// The refusals, or a message saying the operation succeeded.
    pub(crate) fn refusals(&self) -> Result<&[Refusal], String> {
        match self {
            Outcome::Refused(refusals) if !refusals.is_empty() => Ok(refusals),
            other => Err(format!(
                "expected an error, but the operation gave {other:?}"
            )),
        }
    }
}

/// Checks `check` on every refusal of `outcome`, naming who gave the one that fails.
pub(crate) fn each_refusal(
    outcome: Option<&Outcome>,
    mut check: impl FnMut(&pam::Error) -> Result<(), String>,
) -> Result<(), String> {
    let outcome = outcome.ok_or("no operation was attempted before this step")?;
    for refusal in outcome.refusals()? {
        check(&refusal.error).map_err(|problem| format!("{}: {problem}", refusal.by))?;
    }
    Ok(())
}
