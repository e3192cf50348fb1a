//! The one validation of a grant, shared by the client (before sending) and the emulator
//! (when answering), so both refuse the same requests with the same body.

use std::collections::HashSet;

use crate::limits::{
    Limit, MAX_BODY_BYTES, MAX_ENTRIES, MAX_META_ENTRIES, MAX_NAME_BYTES, MAX_PATTERN_BYTES,
    MAX_TTL, MIN_TTL,
};
use crate::pattern_rules::{PatternProblem, check_pattern};
use crate::validation_error::section_name;
use crate::{GrantRequest, MetaValue, Resource, ResourceKind, ValidationError};

impl GrantRequest {
    /// Checks the request as PubNub's server does and reports the first problem.
    ///
    /// Checks, in this order (the server reports one error per request; this order puts the
    /// request-wide problems first, then the entries in body order):
    /// 1. `ttl` within 1..=43200 ([`InvalidTtl`](ValidationError::InvalidTtl));
    /// 2. at least one channel, channel group or user id entry, resource or pattern, or one
    ///    category: a categories-only grant is valid
    ///    ([`NoPermissions`](ValidationError::NoPermissions));
    /// 3. the size limits of [`limits`](crate::limits): entry count, meta count, the
    ///    body's length, the authorized user id's length
    ///    ([`TooLarge`](ValidationError::TooLarge));
    /// 4. each entry, resources before patterns, by kind in body order (channels, groups,
    ///    uuids, users, spaces), then in insertion order: name length, duplicates
    ///    ([`DuplicateEntry`](ValidationError::DuplicateEntry)), a 0 bitmask
    ///    ([`ZeroPermissions`](ValidationError::ZeroPermissions)), and for patterns the
    ///    regular expression ([`InvalidRegex`](ValidationError::InvalidRegex), then
    ///    [`CapturingGroup`](ValidationError::CapturingGroup));
    /// 5. each category (channels, then uuids): its bitmask must be exactly `get` (32)
    ///    ([`InvalidCategoryPermissions`](ValidationError::InvalidCategoryPermissions));
    /// 6. each meta entry in key order: key length, finite floats
    ///    ([`NonFiniteMeta`](ValidationError::NonFiniteMeta)).
    ///
    /// Permission bits a kind cannot be granted through PubNub's SDKs (write on a channel
    /// group, create anywhere) are *not* refused: the server accepts and embeds them (a
    /// recorded grant with `create` on a user-id pattern was answered with a token), so
    /// refusing them here would refuse what PubNub accepts.
    ///
    /// # Patterns
    ///
    /// The server compiles patterns with a Python-like engine (it answers `a++` with
    /// `multiple repeat`, Python's wording before 3.11) and token checkers evaluate them with
    /// Rust's `regex` (unanchored search). A pattern is accepted when both read it the same
    /// way; reasons are worded as Python words them, since that is what the server sends:
    /// - syntax errors: `multiple repeat` (`a**`, `a++`, `a{2}*`), `nothing to repeat`
    ///   (`*a`, `^*`), `unterminated character set`, `missing ), unterminated subpattern`,
    ///   `unbalanced parenthesis`, `bad escape \p`, `bad escape \z`,
    ///   `bad character range z-a`, `min repeat greater than max repeat`, `unknown flag`, …;
    /// - a capturing group, named or not, is reported only when there is no syntax error,
    ///   as the server does;
    /// - refused although Python accepts them, because the two engines read them
    ///   differently: `\<` `\>` `\b{…}` (literals to Python, word boundaries to Rust),
    ///   nested classes and `&&` `--` `~~` inside `[…]`, POSIX classes `[[:alpha:]]`;
    /// - refused although Python accepts them, because Rust's `regex` cannot evaluate them:
    ///   look-around, `\Z` (write `$`), octal `\0`; and an unterminated `{` (`a{2`), which
    ///   Python reads as a literal (write `\{`);
    /// - bounded: [`MAX_PATTERN_BYTES`], [`MAX_PATTERN_NESTING`](crate::limits::MAX_PATTERN_NESTING),
    ///   [`MAX_REPETITION_COUNT`](crate::limits::MAX_REPETITION_COUNT) (past it: `the
    ///   repetition number is too large`) and
    ///   [`MAX_PATTERN_EXPANSION`](crate::limits::MAX_PATTERN_EXPANSION) (`pattern is too
    ///   complex`).
    ///
    /// ```
    /// use pam_model::{permissions, GrantRequest};
    ///
    /// let err = GrantRequest::new(60)
    ///     .pattern(permissions::user_id("!<[^>]+>++").get())
    ///     .validate()
    ///     .unwrap_err();
    /// let body = err.to_error_body();
    /// assert_eq!(body.message, "Invalid RegExp");
    /// assert_eq!(body.details[0].message, "Syntax error: multiple repeat.");
    /// assert_eq!(body.details[0].location, "permissions.patterns.uuids.!<[^>]+>++");
    /// ```
    ///
    /// # Errors
    ///
    /// The first problem found, as above.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if !(MIN_TTL..=MAX_TTL).contains(&self.ttl) {
            return Err(ValidationError::InvalidTtl {
                ttl: i64::from(self.ttl),
            });
        }
        let grants_something = self
            .resources
            .iter()
            .chain(&self.patterns)
            .any(|e| ResourceKind::GRANTABLE.contains(&e.kind))
            || !self.categories.is_empty();
        if !grants_something {
            return Err(ValidationError::NoPermissions);
        }
        self.check_sizes()?;
        let mut seen = HashSet::with_capacity(self.resources.len() + self.patterns.len());
        for (pattern, entries) in [(false, &self.resources), (true, &self.patterns)] {
            for kind in ResourceKind::ALL {
                for entry in entries.iter().filter(|e| e.kind == kind) {
                    check_name_length(entry, pattern)?;
                    if !seen.insert((pattern, kind, entry.name.as_str())) {
                        return Err(ValidationError::DuplicateEntry {
                            kind,
                            name: entry.name.clone(),
                            pattern,
                        });
                    }
                    check_entry(entry, pattern)?;
                }
            }
        }
        for (&category, permissions) in &self.categories {
            if *permissions != category.grantable() {
                return Err(ValidationError::InvalidCategoryPermissions {
                    category,
                    found: permissions.bits().to_string(),
                });
            }
        }
        for (key, value) in &self.meta {
            if key.len() > MAX_NAME_BYTES {
                return Err(ValidationError::TooLarge {
                    limit: Limit::MetaKey,
                    found: key.len(),
                    location: "meta".to_owned(),
                });
            }
            if matches!(value, MetaValue::Float(f) if !f.is_finite()) {
                return Err(ValidationError::NonFiniteMeta { key: key.clone() });
            }
        }
        Ok(())
    }

    /// Step 3 of [`validate`](GrantRequest::validate).
    fn check_sizes(&self) -> Result<(), ValidationError> {
        let entries = self.resources.len() + self.patterns.len();
        if entries > MAX_ENTRIES {
            return Err(ValidationError::TooLarge {
                limit: Limit::Entries,
                found: entries,
                location: "permissions".to_owned(),
            });
        }
        if self.meta.len() > MAX_META_ENTRIES {
            return Err(ValidationError::TooLarge {
                limit: Limit::MetaEntries,
                found: self.meta.len(),
                location: "meta".to_owned(),
            });
        }
        let body = self.body_len();
        if body > MAX_BODY_BYTES {
            return Err(ValidationError::TooLarge {
                limit: Limit::Body,
                found: body,
                location: "<root>".to_owned(),
            });
        }
        if let Some(user_id) = &self.authorized_user_id {
            if user_id.len() > MAX_NAME_BYTES {
                return Err(ValidationError::TooLarge {
                    limit: Limit::AuthorizedUserId,
                    found: user_id.len(),
                    location: "permissions.uuid".to_owned(),
                });
            }
        }
        Ok(())
    }
}

fn check_name_length(entry: &Resource, pattern: bool) -> Result<(), ValidationError> {
    let (limit, max) = if pattern {
        (Limit::Pattern, MAX_PATTERN_BYTES)
    } else {
        (Limit::ResourceName, MAX_NAME_BYTES)
    };
    if entry.name.len() > max {
        return Err(ValidationError::TooLarge {
            limit,
            found: entry.name.len(),
            location: format!(
                "permissions.{}.{}",
                section_name(pattern),
                entry.kind.plural_name()
            ),
        });
    }
    Ok(())
}

/// Step 4 of [`GrantRequest::validate`] for one entry seen for the first time, after its
/// name length.
fn check_entry(entry: &Resource, pattern: bool) -> Result<(), ValidationError> {
    if entry.permissions.is_empty() {
        return Err(ValidationError::ZeroPermissions {
            kind: entry.kind,
            name: entry.name.clone(),
            pattern,
        });
    }
    if pattern {
        match check_pattern(&entry.name) {
            Ok(()) => {}
            Err(PatternProblem::Syntax(reason)) => {
                return Err(ValidationError::InvalidRegex {
                    kind: entry.kind,
                    pattern: entry.name.clone(),
                    reason,
                });
            }
            Err(PatternProblem::CapturingGroup) => {
                return Err(ValidationError::CapturingGroup {
                    kind: entry.kind,
                    pattern: entry.name.clone(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Permissions, permissions};

    /// The error body of `request`'s validation, as the JSON PubNub sends.
    fn refusal(request: &GrantRequest) -> String {
        request
            .validate()
            .expect_err("the request should be refused")
            .to_error_body()
            .to_json()
    }

    /// A grant error body exactly as PubNub writes it (key order included).
    fn pubnub_body(message: &str, detail: &str, location: &str) -> String {
        let text = |s: &str| serde_json::to_string(s).unwrap();
        format!(
            r#"{{"error":{{"message":{},"source":"grant","details":[{{"message":{},"location":{},"locationType":"body"}}]}},"service":"Access Manager","status":400}}"#,
            text(message),
            text(detail),
            text(location)
        )
    }

    #[test]
    fn ttl_outside_range_reads_as_pubnub() {
        let expected = r#"{"error":{"message":"Invalid ttl","source":"grant","details":[{"message":"Range should be 1 to 43200 minute(s).","location":"ttl","locationType":"body"}]},"service":"Access Manager","status":400}"#;
        for ttl in [0, 43_201, u32::MAX] {
            let request = GrantRequest::new(ttl).resource(permissions::channel("channel-1").read());
            assert_eq!(refusal(&request), expected, "ttl {ttl}");
        }
        for ttl in [1, 43_200] {
            let request = GrantRequest::new(ttl).resource(permissions::channel("channel-1").read());
            assert_eq!(request.validate(), Ok(()), "ttl {ttl}");
        }
    }

    #[test]
    fn empty_grant_reads_as_pubnub() {
        let expected = pubnub_body(
            "This grant contains no permissions",
            "What are you granting?",
            "permissions",
        );
        assert_eq!(refusal(&GrantRequest::new(60)), expected);
        // PubNub answers a grant of legacy spaces alone the same way (pubnub/c-sharp#155).
        let legacy_only = GrantRequest::new(60).resource(Resource::new(
            ResourceKind::LegacySpace,
            "s",
            Permissions::READ,
        ));
        assert_eq!(refusal(&legacy_only), expected);
    }

    #[test]
    fn zero_bitmask_reads_as_pubnub() {
        let request = GrantRequest::new(60).resource(permissions::user_id("uuid-1"));
        assert_eq!(
            refusal(&request),
            pubnub_body(
                "Invalid permissions",
                "Unexpected value: `permissions.resources.uuids.uuid-1` must be positive and non-zero.",
                "permissions.resources.uuids.uuid-1",
            )
        );
        let pattern = GrantRequest::new(60).pattern(permissions::channel("^a$"));
        let err = pattern.validate().unwrap_err();
        assert_eq!(err.location(), "permissions.patterns.channels.^a$");
    }

    #[test]
    fn regex_syntax_error_reads_as_pubnub() {
        let request = GrantRequest::new(60).pattern(permissions::user_id("!<[^>]+>++").get());
        assert_eq!(
            refusal(&request),
            pubnub_body(
                "Invalid RegExp",
                "Syntax error: multiple repeat.",
                "permissions.patterns.uuids.!<[^>]+>++",
            )
        );
    }

    #[test]
    fn capturing_group_reads_as_pubnub() {
        let request = GrantRequest::new(60).pattern(permissions::user_id("(!<[^>]+>)+").get());
        assert_eq!(
            refusal(&request),
            pubnub_body(
                "Invalid RegExp",
                "Only non-capturing groups are allowed. Try replacing `(` with `(?:`.",
                "permissions.patterns.uuids.(!<[^>]+>)+",
            )
        );
    }

    #[test]
    fn checks_run_in_the_documented_order() {
        let everything_wrong = GrantRequest::new(0)
            .pattern(permissions::channel("(a)"))
            .resource(permissions::user_id("u"));
        assert!(matches!(
            everything_wrong.validate(),
            Err(ValidationError::InvalidTtl { ttl: 0 })
        ));
        // Resources before patterns, channels before user ids whatever the insertion order.
        let request = GrantRequest::new(60)
            .pattern(permissions::channel("(a)").read())
            .resource(permissions::user_id("u"))
            .resource(permissions::channel("c"));
        assert_eq!(
            request.validate().unwrap_err().location(),
            "permissions.resources.channels.c"
        );
        // Within a pattern, a syntax error outranks a capturing group.
        let request = GrantRequest::new(60).pattern(permissions::channel("(a)**").read());
        assert!(matches!(
            request.validate(),
            Err(ValidationError::InvalidRegex { reason, .. }) if reason == "multiple repeat"
        ));
    }

    #[test]
    fn bits_the_server_accepts_are_not_refused() {
        // The recorded Ruby grant: create (16) + delete on a user-id pattern was accepted.
        let request = GrantRequest::new(60)
            .resource(permissions::channel("id").read())
            .pattern(Resource::new(
                ResourceKind::UserId,
                "users.*",
                Permissions::from_bits(24),
            ))
            .resource(Resource::new(
                ResourceKind::ChannelGroup,
                "g",
                Permissions::from_bits(255),
            ));
        assert_eq!(request.validate(), Ok(()));
    }

    #[test]
    fn programmer_errors_are_reported() {
        let mut request = GrantRequest::new(60).resource(permissions::channel("a").read());
        request.resources.push(Resource::new(
            ResourceKind::Channel,
            "a",
            Permissions::WRITE,
        ));
        let err = request.validate().unwrap_err();
        assert!(
            matches!(&err, ValidationError::DuplicateEntry { name, pattern: false, .. } if name == "a")
        );
        assert_eq!(
            err.to_string(),
            "channel resource `a` is listed more than once at `permissions.resources.channels.a`"
        );

        let request = GrantRequest::new(60)
            .resource(permissions::channel("a").read())
            .meta("score", f64::INFINITY);
        let err = request.validate().unwrap_err();
        assert_eq!(
            err,
            ValidationError::NonFiniteMeta {
                key: "score".into()
            }
        );
        assert_eq!(err.to_error_body().details[0].location, "meta.score");
    }

    #[test]
    fn limits_are_enforced() {
        let ok = GrantRequest::new(60).resource(permissions::channel("c").read());

        let names = (0..=MAX_ENTRIES).map(|i| permissions::channel(i.to_string()).read());
        let too_many = GrantRequest::new(60).resources(names);
        assert!(matches!(
            too_many.validate(),
            Err(ValidationError::TooLarge { limit: Limit::Entries, found, .. }) if found == MAX_ENTRIES + 1
        ));

        let long_name = ok
            .clone()
            .resource(permissions::user_id("u".repeat(MAX_NAME_BYTES + 1)).get());
        let err = long_name.validate().unwrap_err();
        assert_eq!(err.location(), "permissions.resources.uuids");
        assert!(matches!(
            err,
            ValidationError::TooLarge {
                limit: Limit::ResourceName,
                ..
            }
        ));

        let long_pattern = ok
            .clone()
            .pattern(permissions::channel("a".repeat(MAX_PATTERN_BYTES + 1)).read());
        let err = long_pattern.validate().unwrap_err();
        assert_eq!(err.to_error_body().message, "Invalid RegExp");

        let long_user = ok
            .clone()
            .authorized_user_id("x".repeat(MAX_NAME_BYTES + 1));
        assert_eq!(
            long_user.validate().unwrap_err().location(),
            "permissions.uuid"
        );

        let long_key = ok.clone().meta("k".repeat(MAX_NAME_BYTES + 1), 1);
        assert_eq!(long_key.validate().unwrap_err().location(), "meta");

        let big_meta =
            (0..MAX_META_ENTRIES).fold(ok.clone(), |r, i| r.meta(i.to_string(), "v".repeat(1_000)));
        let err = big_meta.validate().unwrap_err();
        assert!(matches!(
            err,
            ValidationError::TooLarge {
                limit: Limit::Body,
                ..
            }
        ));
        assert_eq!(err.to_error_body().details[0].location, "<root>");

        let many_meta = (0..=MAX_META_ENTRIES).fold(ok, |r, i| r.meta(i.to_string(), i as i64));
        assert!(matches!(
            many_meta.validate(),
            Err(ValidationError::TooLarge {
                limit: Limit::MetaEntries,
                ..
            })
        ));
    }

    #[test]
    fn display_is_one_line_naming_what_and_where() {
        let errors = [
            GrantRequest::new(0).validate().unwrap_err(),
            GrantRequest::new(60).validate().unwrap_err(),
            GrantRequest::new(60)
                .resource(permissions::user_id("uuid-1"))
                .validate()
                .unwrap_err(),
            GrantRequest::new(60)
                .pattern(permissions::user_id("[a").get())
                .validate()
                .unwrap_err(),
        ];
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "invalid ttl 0 at `ttl`: PubNub accepts 1 to 43200 minutes",
                "the grant contains no permissions at `permissions`: it names no channel, channel group, user id or category",
                "user id resource `uuid-1` grants no permission (bitmask 0) at `permissions.resources.uuids.uuid-1`",
                "user id pattern `[a` is not a valid regular expression at `permissions.patterns.uuids.[a`: unterminated character set",
            ]
        );
        assert!(lines.iter().all(|l| !l.contains('\n')));

        // Untrusted names cannot break the line; the body location stays verbatim.
        let err = GrantRequest::new(60)
            .resource(permissions::channel("a\nFAKE LOG LINE\u{1b}[0m"))
            .validate()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "channel resource `a\\nFAKE LOG LINE\\u{1b}[0m` grants no permission (bitmask 0) at `permissions.resources.channels.a\\nFAKE LOG LINE\\u{1b}[0m`"
        );
        assert_eq!(
            err.location(),
            "permissions.resources.channels.a\nFAKE LOG LINE\u{1b}[0m"
        );
    }
}
