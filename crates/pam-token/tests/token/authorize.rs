//! Authorization, one rule at a time (DESIGN.md, "Authorization semantics").

use pam_token::{
    AccessRequest, Decision, MatchedBy, Operation, Permission, Permissions, ResourceKind, Token,
    TokenBuilder,
};

const T: u64 = 1_700_000_000;
const SECRET: &[u8] = b"secret";

fn token(builder: TokenBuilder) -> Token {
    let text = builder.sign(SECRET);
    assert_eq!(pam_token::verify_signature(&text, SECRET), Ok(()));
    pam_token::verify(&text, SECRET).expect("issued tokens verify")
}

fn channel(name: &str, permission: Permission) -> AccessRequest<'_> {
    AccessRequest::new(ResourceKind::Channel, name, permission, T + 1)
}

#[test]
fn expiry_boundary_is_exclusive() {
    let t = token(TokenBuilder::new(T, 10).resource(ResourceKind::Channel, "c", Permissions::READ));
    let at = |now| AccessRequest::new(ResourceKind::Channel, "c", Permission::Read, now);
    assert!(t.authorize(&at(T)).is_allowed());
    assert!(t.authorize(&at(T + 599)).is_allowed());
    let d = t.authorize(&at(T + 600));
    assert_eq!(
        d,
        Decision::Expired {
            expired_at: T + 600,
            now: T + 600
        }
    );
    assert_eq!(d.server_message(), Some("Token is expired."));
    assert!(d.to_string().contains("expired at 1700000600"), "{d}");
    assert!(t.is_expired_at(T + 600));
    // Expiry is checked before anything else.
    let other = AccessRequest::new(ResourceKind::Channel, "nothing", Permission::Read, T + 601);
    assert!(matches!(t.authorize(&other), Decision::Expired { .. }));
}

#[test]
fn authorized_user_id_must_match() {
    let t = token(
        TokenBuilder::new(T, 10)
            .resource(ResourceKind::Channel, "c", Permissions::READ)
            .authorized_user_id("alice"),
    );
    assert!(
        t.authorize(&channel("c", Permission::Read).by("alice"))
            .is_allowed()
    );
    let bob = t.authorize(&channel("c", Permission::Read).by("bob"));
    assert_eq!(
        bob,
        Decision::UserMismatch {
            authorized: "alice",
            requested_by: Some("bob")
        }
    );
    assert!(bob.to_string().contains("\"bob\""), "{bob}");
    let anonymous = t.authorize(&channel("c", Permission::Read));
    assert_eq!(
        anonymous,
        Decision::UserMismatch {
            authorized: "alice",
            requested_by: None
        }
    );
    assert_eq!(anonymous.server_message(), Some("Forbidden"));

    // A token without an authorized user id serves anyone.
    let open =
        token(TokenBuilder::new(T, 10).resource(ResourceKind::Channel, "c", Permissions::READ));
    assert!(
        open.authorize(&channel("c", Permission::Read).by("bob"))
            .is_allowed()
    );
}

#[test]
fn explicit_resource_decides_alone_even_when_it_grants_less() {
    let t = token(
        TokenBuilder::new(T, 10)
            .resource(ResourceKind::Channel, "chat", Permissions::READ)
            .pattern(
                ResourceKind::Channel,
                ".*",
                Permissions::READ | Permissions::WRITE,
            ),
    );
    let d = t.authorize(&channel("chat", Permission::Write));
    match d {
        Decision::MissingPermissions {
            by: MatchedBy::Resource(e),
            needed,
            ..
        } => {
            assert_eq!(e.name, "chat");
            assert_eq!(e.permissions, Permissions::READ);
            assert_eq!(needed, Permissions::WRITE);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(d.missing(), Permissions::WRITE);
    assert!(d.to_string().contains("missing write"), "{d}");
    // Another channel falls through to the pattern.
    let d = t.authorize(&channel("chat2", Permission::Write));
    assert!(
        matches!(d, Decision::Allowed { by: MatchedBy::Pattern(e), .. } if e.name == ".*"),
        "{d}"
    );
    // Resource names are exact, not patterns.
    let exact =
        token(TokenBuilder::new(T, 10).resource(ResourceKind::Channel, "a.c", Permissions::READ));
    assert!(matches!(
        exact.authorize(&channel("abc", Permission::Read)),
        Decision::NoMatch { .. }
    ));
}

#[test]
fn first_matching_pattern_in_token_order_wins() {
    let t = token(
        TokenBuilder::new(T, 10)
            .pattern(ResourceKind::Channel, "^room-", Permissions::READ)
            .pattern(
                ResourceKind::Channel,
                "^room-vip",
                Permissions::READ | Permissions::WRITE,
            ),
    );
    let d = t.authorize(&channel("room-vip-1", Permission::Write));
    assert!(
        matches!(d, Decision::MissingPermissions { by: MatchedBy::Pattern(e), .. } if e.name == "^room-"),
        "{d}"
    );

    let reversed = token(
        TokenBuilder::new(T, 10)
            .pattern(
                ResourceKind::Channel,
                "^room-vip",
                Permissions::READ | Permissions::WRITE,
            )
            .pattern(ResourceKind::Channel, "^room-", Permissions::READ),
    );
    let d = reversed.authorize(&channel("room-vip-1", Permission::Write));
    assert!(
        matches!(d, Decision::Allowed { by: MatchedBy::Pattern(e), .. } if e.name == "^room-vip"),
        "{d}"
    );
}

#[test]
fn patterns_match_anywhere_unless_anchored() {
    let t = token(
        TokenBuilder::new(T, 10)
            .pattern(ResourceKind::Channel, "chat", Permissions::READ)
            .pattern(ResourceKind::Channel, "^news-[0-9]+$", Permissions::WRITE),
    );
    assert!(
        t.authorize(&channel("the-chat-room", Permission::Read))
            .is_allowed()
    );
    assert!(
        t.authorize(&channel("news-42", Permission::Write))
            .is_allowed()
    );
    let d = t.authorize(&channel("news-42x", Permission::Write));
    assert_eq!(
        d,
        Decision::NoMatch {
            kind: ResourceKind::Channel,
            name: "news-42x"
        }
    );
    assert!(
        d.to_string()
            .starts_with("denied: no resource or pattern entry"),
        "{d}"
    );
}

#[test]
fn categories_do_not_leak_into_each_other() {
    let t = token(
        TokenBuilder::new(T, 10)
            .resource(
                ResourceKind::ChannelGroup,
                "g",
                Permissions::READ | Permissions::MANAGE,
            )
            .pattern(ResourceKind::UserId, ".*", Permissions::GET),
    );
    assert!(matches!(
        t.authorize(&channel("g", Permission::Read)),
        Decision::NoMatch { .. }
    ));
    let group = AccessRequest::new(ResourceKind::ChannelGroup, "g", Permission::Manage, T);
    assert!(t.authorize(&group).is_allowed());
    let user = AccessRequest::new(ResourceKind::UserId, "anyone", Permission::Get, T);
    assert!(t.authorize(&user).is_allowed());
}

#[test]
fn a_broken_pattern_denies_with_its_reason() {
    let t = token(
        TokenBuilder::new(T, 10)
            .pattern(ResourceKind::Channel, "^ok-", Permissions::READ)
            .pattern(ResourceKind::Channel, "(unclosed", Permissions::READ)
            .pattern(ResourceKind::Channel, ".*", Permissions::READ),
    );
    // Before the broken pattern, matching works.
    assert!(t.authorize(&channel("ok-1", Permission::Read)).is_allowed());
    // Reaching it: denied, with the reason on one line.
    let d = t.authorize(&channel("other", Permission::Read));
    match d {
        Decision::InvalidPattern {
            pattern, reason, ..
        } => {
            assert_eq!(pattern, "(unclosed");
            assert!(!reason.is_empty() && !reason.contains('\n'), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!d.to_string().contains('\n'));
    // A pattern too big to compile within the limit is denied the same way.
    let big = token(TokenBuilder::new(T, 10).pattern(
        ResourceKind::Channel,
        "\\w{21}",
        Permissions::READ,
    ));
    let d = big.authorize(&channel("x", Permission::Read));
    assert!(
        matches!(d, Decision::InvalidPattern { reason, .. } if reason.contains("size limit")),
        "{d}"
    );
}

#[test]
fn several_permissions_must_all_be_granted() {
    let t = token(TokenBuilder::new(T, 10).resource(
        ResourceKind::Channel,
        "c",
        Permissions::READ | Permissions::JOIN,
    ));
    let both = AccessRequest::new(
        ResourceKind::Channel,
        "c",
        Permissions::READ | Permissions::JOIN,
        T,
    );
    assert!(t.authorize(&both).is_allowed());
    let three = AccessRequest::new(
        ResourceKind::Channel,
        "c",
        Permissions::READ | Permissions::JOIN | Permissions::WRITE,
        T,
    );
    assert_eq!(t.authorize(&three).missing(), Permissions::WRITE);
}

#[test]
fn clones_share_and_reuse_compiled_patterns() {
    let t = token(TokenBuilder::new(T, 10).pattern(ResourceKind::Channel, "^a", Permissions::READ));
    assert!(t.authorize(&channel("ab", Permission::Read)).is_allowed());
    let copy = t.clone();
    assert!(
        copy.authorize(&channel("ab", Permission::Read))
            .is_allowed()
    );
    assert!(
        !copy
            .authorize(&channel("ba", Permission::Read))
            .is_allowed()
    );
}

#[test]
fn operations_check_through_the_shared_table() {
    let t = token(
        TokenBuilder::new(T, 10)
            .resource(
                ResourceKind::Channel,
                "c",
                Permissions::WRITE | Permissions::JOIN,
            )
            .resource(ResourceKind::UserId, "alice", Permissions::UPDATE)
            .authorized_user_id("alice"),
    );
    let check = |op: Operation, kind: ResourceKind, name: &str| {
        let permission = op.permission_on(kind).expect("operation touches this kind");
        t.authorize(&AccessRequest::new(kind, name, permission, T).by("alice"))
            .is_allowed()
    };
    assert!(check(Operation::Publish, ResourceKind::Channel, "c"));
    assert!(check(Operation::Signal, ResourceKind::Channel, "c"));
    assert!(!check(Operation::Subscribe, ResourceKind::Channel, "c"));
    assert!(check(
        Operation::SetMemberships,
        ResourceKind::UserId,
        "alice"
    ));
    assert!(check(Operation::SetMemberships, ResourceKind::Channel, "c"));
    assert!(!check(
        Operation::SetMemberships,
        ResourceKind::Channel,
        "d"
    ));
}

#[test]
fn real_contract_token_authorizes_as_pubnub_describes() {
    // The contract fixture: channel-1 resource 239, ^channel-\S*$ pattern 239, authorized
    // uuid test-authorized-uuid, issued 1627968380 for 60 minutes.
    let text = "qEF2AkF0GmEI03xDdHRsGDxDcmVzpURjaGFuoWljaGFubmVsLTEY70NncnChb2NoYW5uZWxfZ3JvdXAtMQVDdXNyoENzcGOgRHV1aWShZnV1aWQtMRhoQ3BhdKVEY2hhbqFtXmNoYW5uZWwtXFMqJBjvQ2dycKF0XjpjaGFubmVsX2dyb3VwLVxTKiQFQ3VzcqBDc3BjoER1dWlkoWpedXVpZC1cUyokGGhEbWV0YaBEdXVpZHR0ZXN0LWF1dGhvcml6ZWQtdXVpZENzaWdYIPpU-vCe9rkpYs87YUrFNWkyNq8CVvmKwEjVinnDrJJc";
    let t = pam_token::parse(text).expect("parses");
    let now = 1_627_968_380 + 30;
    let who = "test-authorized-uuid";
    let req =
        |name| AccessRequest::new(ResourceKind::Channel, name, Permission::Write, now).by(who);
    assert!(matches!(
        t.authorize(&req("channel-1")),
        Decision::Allowed {
            by: MatchedBy::Resource(_),
            ..
        }
    ));
    assert!(matches!(
        t.authorize(&req("channel-xyz")),
        Decision::Allowed {
            by: MatchedBy::Pattern(_),
            ..
        }
    ));
    assert!(matches!(
        t.authorize(&req("other")),
        Decision::NoMatch { .. }
    ));
    let manage = AccessRequest::new(
        ResourceKind::ChannelGroup,
        "channel_group-1",
        Permission::Manage,
        now,
    )
    .by(who);
    assert!(t.authorize(&manage).is_allowed());
    let expired = AccessRequest::new(
        ResourceKind::Channel,
        "channel-1",
        Permission::Write,
        1_627_968_380 + 3600,
    )
    .by(who);
    assert!(matches!(t.authorize(&expired), Decision::Expired { .. }));
}

#[test]
fn public_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Token>();
    assert_send_sync::<pam_token::Error>();
    assert_send_sync::<Decision<'static>>();
    assert_send_sync::<pam_token::Meta>();
    assert_send_sync::<TokenBuilder>();
}

#[test]
fn debug_shortens_the_signature() {
    let t = token(TokenBuilder::new(T, 10).resource(ResourceKind::Channel, "c", Permissions::READ));
    let debug = format!("{t:?}");
    let full: String = t.signature().iter().map(|b| format!("{b:02x}")).collect();
    assert!(debug.contains(&full[..8]), "{debug}");
    assert!(!debug.contains(&full), "{debug}");
}

#[test]
fn patterns_past_the_compile_limit_deny_with_the_reason() {
    let limit = pam_token::MAX_COMPILED_PATTERNS;
    let builder = (0..=limit).fold(TokenBuilder::new(T, 10), |b, i| {
        b.pattern(ResourceKind::Channel, format!("^p{i}$"), Permissions::READ)
    });
    let t = token(builder);
    // The last pattern within the limit works; the one after it is never compiled.
    let within = format!("p{}", limit - 1);
    assert!(
        t.authorize(&channel(&within, Permission::Read))
            .is_allowed()
    );
    let beyond = format!("p{limit}");
    let d = t.authorize(&channel(&beyond, Permission::Read));
    assert!(
        matches!(d, Decision::InvalidPattern { reason, .. } if reason.contains(&limit.to_string())),
        "{d}"
    );
}
