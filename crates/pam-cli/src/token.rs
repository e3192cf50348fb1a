//! `pam token …`: parse, check, verify and issue tokens offline.

use std::process::ExitCode;

use pam_model::{Permission, Permissions, ResourceKind};
use pam_token::{AccessRequest, Decision, MatchedBy, Operation, Token};

use crate::Failure;
use crate::bounded_stdin;
use crate::failure::{print, println};
use crate::grant_flags::GrantFlags;
use crate::secret_key::SecretKeyArg;
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
    #[command(after_help = SECRET_KEY_HELP)]
    Verify(VerifyArgs),
    /// Issue a token signed with a secret key, in PubNub's layout.
    #[command(after_help = SECRET_KEY_HELP)]
    Issue(IssueArgs),
}

/// Where `verify` and `issue` read the secret key (shown under their `--help`).
const SECRET_KEY_HELP: &str = "The secret key is read from PUBNUB_SECRET_KEY, else from standard \
input (e.g. `pam token issue … < key-file`; not from a terminal). --secret-key KEY still works \
but prints a warning: a key on the command line is visible in the process list and shell history.";

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
#[command(group(clap::ArgGroup::new("resource").args(["channel", "group", "uuid"])))]
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
    #[arg(long, value_name = "P", required_unless_present = "operation")]
    permission: Option<Permissions>,
    /// A PubNub operation instead of --permission: what it needs on the named resource
    /// (publish, get-channel-metadata, set-memberships, …), or, for get-all-channel-metadata
    /// and get-all-user-metadata, `get` on that category of the token (no resource named).
    #[arg(long, value_name = "OP", conflicts_with = "permission")]
    operation: Option<Operation>,
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
    /// The token, or `-` to read it from standard input (the secret key then comes from
    /// PUBNUB_SECRET_KEY).
    token: String,
    #[command(flatten)]
    secret_key: SecretKeyArg,
}

/// `pam token issue`.
///
/// Permissions are given as NAME=PERMS, PERMS comma-separated (read,write,manage,delete,get,
/// update,join). The split is at the last `=`, so a pattern may itself contain `=`.
#[derive(Debug, clap::Args)]
pub(crate) struct IssueArgs {
    #[command(flatten)]
    secret_key: SecretKeyArg,
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
    let text = bounded_stdin::read(pam_token::MAX_TOKEN_LEN + 1024, "token")?;
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
    let categories: Vec<String> = token
        .categories()
        .iter()
        .map(|(kind, bits)| format!("{} {bits} ({})", kind.plural_name(), bits.bits()))
        .collect();
    if categories.is_empty() {
        let _ = writeln!(out, "categories   none");
    } else {
        let _ = writeln!(out, "categories   {}", categories.join(", "));
    }
    match token.hmac_signature() {
        Some(signature) => {
            let _ = writeln!(out, "signature    {}", hex(signature));
        }
        None => {
            let _ = writeln!(
                out,
                "signature    {} ({} bytes, not a 32-byte HMAC-SHA256: this token cannot be verified)",
                hex(token.signature()),
                token.signature().len()
            );
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check(args: CheckArgs) -> Result<ExitCode, Failure> {
    let token = parsed(&args.token)?;
    let resource = match (&args.channel, &args.group, &args.uuid) {
        (Some(n), _, _) => Some((ResourceKind::Channel, n.as_str())),
        (_, Some(n), _) => Some((ResourceKind::ChannelGroup, n.as_str())),
        (_, _, Some(n)) => Some((ResourceKind::UserId, n.as_str())),
        (None, None, None) => None,
    };
    let now = args.now.unwrap_or_else(time_text::now);
    let listing = args.operation.and_then(Operation::category);
    let mut request = match (listing, args.operation, resource) {
        (Some(category), _, resource) => {
            if let Some((kind, _)) = resource {
                return Err(Failure::input(format!(
                    "--operation lists the whole {category} and names no {kind}: drop --channel, --group and --uuid"
                )));
            }
            AccessRequest::category(category, now)
        }
        (None, _, None) => {
            return Err(Failure::input(
                "name the resource with --channel, --group or --uuid",
            ));
        }
        (None, Some(operation), Some((kind, name))) => {
            let permission = operation.permission_on(kind).ok_or_else(|| {
                let needs: Vec<String> = operation
                    .requirements()
                    .iter()
                    .map(|r| format!("{} on a {}", r.permission, r.kind))
                    .collect();
                Failure::input(format!(
                    "--operation {operation} needs nothing on a {kind}; it needs {}",
                    needs.join(" and ")
                ))
            })?;
            AccessRequest::new(kind, name, permission, now)
        }
        (None, None, Some((kind, name))) => {
            let permission = args.permission.unwrap_or(Permissions::NONE);
            if permission.is_empty() {
                return Err(Failure::input(
                    "--permission: name at least one permission, e.g. --permission read",
                ));
            }
            AccessRequest::new(kind, name, permission, now)
        }
    };
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
    let (kind, name) = match request.category {
        Some(_) => (None, None),
        None => (Some(request.kind.plural_name()), Some(request.name)),
    };
    serde_json::json!({
        "allowed": decision.is_allowed(),
        "reason": decision.to_string(),
        "kind": kind,
        "name": name,
        "category": request.category.map(pam_model::CategoryKind::plural_name),
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
    let secret_key = args.secret_key.resolve(args.token == "-")?;
    let text = token_text(&args.token)?;
    match pam_token::verify(&text, secret_key.as_bytes()) {
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
    let secret_key = args.secret_key.resolve(false)?;
    let timestamp = args.timestamp.unwrap_or_else(time_text::now);
    println(&pam_token::issue(
        &request,
        timestamp,
        secret_key.as_bytes(),
    ))?;
    Ok(ExitCode::SUCCESS)
}
