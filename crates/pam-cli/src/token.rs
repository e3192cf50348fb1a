//! `pam token …`: parse, check, verify and issue tokens offline.

use std::io::Read;
use std::process::ExitCode;

use pam_model::{Permission, Permissions, ResourceKind};
use pam_token::{AccessRequest, Decision, MatchedBy, Token};

use crate::Failure;
use crate::failure::{print, println};
use crate::grant_flags::GrantFlags;
use crate::time_text;

/// Token subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum TokenCommand {
    /// Decode a token: a readable summary, or the JSON contract with --json.
    Parse(ParseArgs),
    /// Decide whether a token allows a permission on a resource (exit 0 allowed, 1 denied).
    Check(CheckArgs),
    /// Check a token's signature against a secret key (exit 0 valid, 1 invalid).
    ///
    /// Works for tokens issued by pam (and its emulator); PubNub's own server signs with a
    /// scheme that is not public, so its tokens cannot be verified offline.
    Verify(VerifyArgs),
    /// Issue a token signed with a secret key, in PubNub's layout.
    Issue(IssueArgs),
}

/// `pam token parse`.
#[derive(Debug, clap::Args)]
pub(crate) struct ParseArgs {
    /// The token, or `-` to read it from standard input.
    token: String,
    /// Print the token as JSON (the shape of `pam_token::Token::to_json`) instead of a summary.
    #[arg(long)]
    json: bool,
    /// The time to compute "expires in" against, in Unix seconds (default: now).
    #[arg(long, value_name = "UNIX")]
    now: Option<u64>,
}

/// `pam token check`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("resource").required(true).args(["channel", "group", "uuid"])))]
pub(crate) struct CheckArgs {
    /// The token, or `-` to read it from standard input.
    token: String,
    /// Check access to this channel.
    #[arg(long, value_name = "NAME")]
    channel: Option<String>,
    /// Check access to this channel group.
    #[arg(long, value_name = "NAME")]
    group: Option<String>,
    /// Check access to this user id.
    #[arg(long, value_name = "NAME")]
    uuid: Option<String>,
    /// The permission needed: read, write, manage, delete, create, get, update or join
    /// (several, comma-separated, must all be granted).
    #[arg(long, value_name = "P")]
    permission: Permissions,
    /// The user id making the request (checked against the token's authorized user id).
    #[arg(long, value_name = "U")]
    user_id: Option<String>,
    /// The time of the request, in Unix seconds (default: now).
    #[arg(long, value_name = "UNIX")]
    now: Option<u64>,
    /// Print the decision as JSON.
    #[arg(long)]
    json: bool,
}

/// `pam token verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// The token, or `-` to read it from standard input.
    token: String,
    /// Secret key (never printed)
    #[arg(long, env = "PUBNUB_SECRET_KEY", hide_env_values = true)]
    secret_key: String,
}

/// `pam token issue`.
///
/// Permissions are given as NAME=PERMS, PERMS comma-separated (read,write,manage,delete,get,
/// update,join). The split is at the last `=`, so a pattern may itself contain `=`.
#[derive(Debug, clap::Args)]
pub(crate) struct IssueArgs {
    /// Secret key (never printed)
    #[arg(long, env = "PUBNUB_SECRET_KEY", hide_env_values = true)]
    secret_key: String,
    /// Issue time in Unix seconds (default: now).
    #[arg(long, value_name = "UNIX")]
    timestamp: Option<u64>,
    #[command(flatten)]
    grant: GrantFlags,
}

pub(crate) fn run(cmd: TokenCommand) -> Result<ExitCode, Failure> {
    match cmd {
        TokenCommand::Parse(args) => parse(args),
        TokenCommand::Check(args) => check(args),
        TokenCommand::Verify(args) => verify(args),
        TokenCommand::Issue(args) => issue(args),
    }
}

/// The token text from the argument, or from stdin for `-` (bounded, trimmed).
pub(crate) fn token_text(arg: &str) -> Result<String, Failure> {
    if arg != "-" {
        return Ok(arg.trim().to_owned());
    }
    let limit = pam_token::MAX_TOKEN_LEN + 1024;
    let mut text = String::new();
    std::io::stdin()
        .take(limit as u64 + 1)
        .read_to_string(&mut text)
        .map_err(|source| Failure::Io {
            context: "reading the token from standard input".into(),
            source,
        })?;
    if text.len() > limit {
        return Err(Failure::input(format!(
            "standard input holds more than {limit} bytes: not a token"
        )));
    }
    Ok(text.trim().to_owned())
}

fn parsed(arg: &str) -> Result<Token, Failure> {
    let text = token_text(arg)?;
    pam_token::parse(&text).map_err(|e| Failure::input(format!("invalid token: {e}")))
}

fn parse(args: ParseArgs) -> Result<ExitCode, Failure> {
    let token = parsed(&args.token)?;
    if args.json {
        let json = serde_json::to_string_pretty(&token).map_err(|e| {
            Failure::input(format!(
                "the token's content cannot be written as JSON: {e}"
            ))
        })?;
        println(&json)?;
    } else {
        print(&summary(&token, args.now.unwrap_or_else(time_text::now)))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The readable summary of `pam token parse`.
fn summary(token: &Token, now: u64) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let expires = token.expires_at();
    let _ = writeln!(out, "version      {}", token.version());
    let _ = writeln!(
        out,
        "issued       {} ({})",
        time_text::utc(token.timestamp()),
        token.timestamp()
    );
    let _ = writeln!(out, "ttl          {} min", token.ttl());
    let _ = writeln!(
        out,
        "expires      {} ({})",
        time_text::utc(expires),
        time_text::relative(expires, now)
    );
    let _ = writeln!(
        out,
        "authorized   {}",
        token.authorized_user_id().map_or_else(
            || "any user id".to_owned(),
            |u| format!("user id {u:?} only")
        )
    );
    for (title, grants) in [
        ("resources", token.resources()),
        ("patterns", token.patterns()),
    ] {
        let rows: Vec<(String, String, String)> = grants
            .entries()
            .map(|e| {
                (
                    e.kind.to_string(),
                    e.name.to_owned(),
                    format!("{} ({})", e.permissions, e.permissions.bits()),
                )
            })
            .collect();
        if rows.is_empty() {
            let _ = writeln!(out, "{title:<12} none");
            continue;
        }
        let _ = writeln!(out, "{title}");
        let kind_w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(4);
        let name_w = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(4);
        let _ = writeln!(
            out,
            "  {:<kind_w$}  {:<name_w$}  PERMISSIONS",
            "KIND", "NAME"
        );
        for (kind, name, perms) in rows {
            let _ = writeln!(out, "  {kind:<kind_w$}  {name:<name_w$}  {perms}");
        }
    }
    let meta = token.meta();
    if meta.is_empty() {
        let _ = writeln!(out, "meta         none");
    } else {
        let _ = writeln!(out, "meta         {}", meta.to_json());
    }
    let _ = writeln!(out, "signature    {}", hex(token.signature()));
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check(args: CheckArgs) -> Result<ExitCode, Failure> {
    let token = parsed(&args.token)?;
    let (kind, name) = match (&args.channel, &args.group, &args.uuid) {
        (Some(n), _, _) => (ResourceKind::Channel, n.as_str()),
        (_, Some(n), _) => (ResourceKind::ChannelGroup, n.as_str()),
        (_, _, Some(n)) => (ResourceKind::UserId, n.as_str()),
        (None, None, None) => {
            return Err(Failure::input(
                "name the resource with --channel, --group or --uuid",
            ));
        }
    };
    if args.permission.is_empty() {
        return Err(Failure::input(
            "--permission: name at least one permission, e.g. --permission read",
        ));
    }
    let mut request = AccessRequest::new(
        kind,
        name,
        args.permission,
        args.now.unwrap_or_else(time_text::now),
    );
    if let Some(user) = args.user_id.as_deref() {
        request = request.by(user);
    }
    let decision = token.authorize(&request);
    if args.json {
        println(&decision_json(&decision, &request).to_string())?;
    } else {
        println(&decision.to_string())?;
    }
    Ok(if decision.is_allowed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn decision_json(decision: &Decision<'_>, request: &AccessRequest<'_>) -> serde_json::Value {
    let matched = |by: &MatchedBy<'_>| {
        let (entry_type, entry) = match by {
            MatchedBy::Resource(e) => ("resource", e),
            MatchedBy::Pattern(e) => ("pattern", e),
        };
        serde_json::json!({
            "type": entry_type,
            "name": entry.name,
            "granted": permission_names(entry.permissions),
            "bitmask": entry.permissions.bits(),
        })
    };
    let by = match decision {
        Decision::Allowed { by, .. } | Decision::MissingPermissions { by, .. } => matched(by),
        _ => serde_json::Value::Null,
    };
    serde_json::json!({
        "allowed": decision.is_allowed(),
        "reason": decision.to_string(),
        "kind": request.kind.plural_name(),
        "name": request.name,
        "needed": permission_names(request.permissions),
        "missing": permission_names(decision.missing()),
        "matched": by,
        "user_id": request.user_id,
        "now": request.now,
    })
}

fn permission_names(p: Permissions) -> Vec<&'static str> {
    p.iter().map(Permission::name).collect()
}

fn verify(args: VerifyArgs) -> Result<ExitCode, Failure> {
    let text = token_text(&args.token)?;
    match pam_token::verify(&text, args.secret_key.as_bytes()) {
        Ok(_) => {
            println("valid: the token's signature matches the secret key")?;
            Ok(ExitCode::SUCCESS)
        }
        Err(pam_token::Error::SignatureMismatch) => {
            println("invalid: the token was not signed with this secret key, or was altered")?;
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(Failure::input(format!("invalid token: {e}"))),
    }
}

fn issue(args: IssueArgs) -> Result<ExitCode, Failure> {
    let request = args.grant.to_request()?;
    request
        .validate()
        .map_err(|e| Failure::input(format!("the grant would be refused: {e}")))?;
    let timestamp = args.timestamp.unwrap_or_else(time_text::now);
    println(&pam_token::issue(
        &request,
        timestamp,
        args.secret_key.as_bytes(),
    ))?;
    Ok(ExitCode::SUCCESS)
}
