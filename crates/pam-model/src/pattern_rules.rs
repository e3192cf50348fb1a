//! Which regular expressions a grant may use as patterns, judged as PubNub's server judges
//! them. The rules are documented on [`GrantRequest::validate`](crate::GrantRequest::validate).
//!
//! Bounded by [`MAX_PATTERN_NESTING`], [`MAX_REPETITION_COUNT`] and
//! [`MAX_PATTERN_EXPANSION`]; the length bound
//! ([`MAX_PATTERN_BYTES`](crate::limits::MAX_PATTERN_BYTES)) is checked by the caller first.

use regex_syntax::ast::{
    self, AssertionKind, Ast, ClassSetBinaryOp, ClassSetItem, ErrorKind, Flag, FlagsItemKind,
    GroupKind, HexLiteralKind, LiteralKind, RepetitionKind, RepetitionRange,
};

use crate::limits::{MAX_PATTERN_EXPANSION, MAX_PATTERN_NESTING, MAX_REPETITION_COUNT};

/// Why a pattern is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PatternProblem {
    /// Not a valid pattern; the reason, Python-worded, without a trailing period.
    Syntax(String),
    /// Valid, but it has a capturing group.
    CapturingGroup,
}

/// Checks one pattern (already known to be within the length limit).
pub(crate) fn check_pattern(pattern: &str) -> Result<(), PatternProblem> {
    let ast = ast::parse::ParserBuilder::new()
        .nest_limit(MAX_PATTERN_NESTING)
        .octal(false)
        .build()
        .parse(pattern)
        .map_err(|e| PatternProblem::Syntax(parse_error_reason(pattern, &e)))?;
    let rules = ast::visit(
        &ast,
        PythonRules {
            pattern,
            capturing: false,
            weights: Vec::new(),
            total: 0,
        },
    )
    .map_err(PatternProblem::Syntax)?;
    if rules.capturing {
        return Err(PatternProblem::CapturingGroup);
    }
    if rules.total > MAX_PATTERN_EXPANSION {
        return Err(PatternProblem::Syntax(format!(
            "pattern is too complex: it expands to {} atoms, at most {MAX_PATTERN_EXPANSION} allowed",
            rules.total
        )));
    }
    Ok(())
}

/// The text a span covers, or nothing if the span is not on character boundaries.
fn span_text<'p>(pattern: &'p str, span: &ast::Span) -> &'p str {
    pattern
        .get(span.start.offset..span.end.offset)
        .unwrap_or_default()
}

/// The escape sequence that ends at `end`: from the last backslash before it.
fn escape_before(pattern: &str, end: usize) -> &str {
    let head = pattern.get(..end).unwrap_or(pattern);
    head.rfind('\\').map_or(head, |start| &head[start..])
}

/// The whole range `x-y` around `span`, which covers only its non-literal boundary (`\d` in
/// `[\d-z]`), as Python quotes it.
fn range_around<'p>(pattern: &'p str, span: &ast::Span) -> &'p str {
    let (start, end) = (span.start.offset, span.end.offset);
    let whole = if pattern.get(end..).is_some_and(|rest| rest.starts_with('-')) {
        // The span is the start boundary: extend over `-` and the next atom.
        let after = end + 1;
        pattern.get(start..after + atom_len(pattern.get(after..).unwrap_or_default()))
    } else if pattern.get(..start).is_some_and(|head| head.ends_with('-')) {
        // The span is the end boundary: extend back over `-` and the atom before it.
        let head = pattern.get(..start - 1).unwrap_or_default();
        let atom_start = head.char_indices().next_back().map_or(0, |(i, _)| {
            if head[..i].ends_with('\\') { i - 1 } else { i }
        });
        pattern.get(atom_start..end)
    } else {
        None
    };
    whole.unwrap_or_else(|| span_text(pattern, span))
}

/// The length of the atom `text` starts with: one character, or `\` and one character.
fn atom_len(text: &str) -> usize {
    let mut chars = text.chars();
    match chars.next() {
        Some('\\') => 1 + chars.next().map_or(0, char::len_utf8),
        Some(c) => c.len_utf8(),
        None => 0,
    }
}

/// A `regex-syntax` parse error in Python's words.
fn parse_error_reason(pattern: &str, error: &ast::Error) -> String {
    let span = error.span();
    let text = span_text(pattern, span);
    match error.kind() {
        ErrorKind::RepetitionMissing => "nothing to repeat".to_owned(),
        ErrorKind::ClassUnclosed => "unterminated character set".to_owned(),
        ErrorKind::GroupUnclosed => "missing ), unterminated subpattern".to_owned(),
        ErrorKind::GroupUnopened => "unbalanced parenthesis".to_owned(),
        ErrorKind::ClassRangeInvalid => format!("bad character range {text}"),
        ErrorKind::ClassRangeLiteral => {
            format!("bad character range {}", range_around(pattern, span))
        }
        ErrorKind::ClassEscapeInvalid | ErrorKind::EscapeUnrecognized if text == "\\Z" => {
            "\\Z is not supported, use $".to_owned()
        }
        ErrorKind::ClassEscapeInvalid | ErrorKind::EscapeUnrecognized => {
            format!("bad escape {text}")
        }
        ErrorKind::EscapeUnexpectedEof => {
            let escape = escape_before(pattern, span.end.offset);
            if escape == "\\" {
                "bad escape (end of pattern)".to_owned()
            } else {
                format!("incomplete escape {escape}")
            }
        }
        ErrorKind::EscapeHexEmpty
        | ErrorKind::EscapeHexInvalid
        | ErrorKind::EscapeHexInvalidDigit => {
            format!(
                "incomplete escape {}",
                escape_before(pattern, span.start.offset)
            )
        }
        ErrorKind::UnicodeClassInvalid => format!("bad escape {}", text.get(..2).unwrap_or(text)),
        ErrorKind::FlagUnrecognized | ErrorKind::FlagRepeatedNegation { .. } => {
            "unknown flag".to_owned()
        }
        ErrorKind::FlagDanglingNegation => "missing flag".to_owned(),
        ErrorKind::FlagDuplicate { .. } => "bad inline flags: duplicate flag".to_owned(),
        ErrorKind::FlagUnexpectedEof => "missing -, : or )".to_owned(),
        ErrorKind::GroupNameDuplicate { .. } => "redefinition of group name".to_owned(),
        ErrorKind::GroupNameEmpty => "missing group name".to_owned(),
        ErrorKind::GroupNameInvalid => "bad character in group name".to_owned(),
        ErrorKind::GroupNameUnexpectedEof => "missing >, unterminated name".to_owned(),
        ErrorKind::CaptureLimitExceeded => "too many groups".to_owned(),
        ErrorKind::NestLimitExceeded(_) => {
            format!("nesting deeper than {MAX_PATTERN_NESTING} levels")
        }
        ErrorKind::RepetitionCountInvalid => "min repeat greater than max repeat".to_owned(),
        ErrorKind::DecimalInvalid => "the repetition number is too large".to_owned(),
        ErrorKind::RepetitionCountUnclosed
        | ErrorKind::RepetitionCountDecimalEmpty
        | ErrorKind::DecimalEmpty => {
            "unterminated repetition count, write \\{ for a literal {".to_owned()
        }
        ErrorKind::UnsupportedBackreference => {
            let digits = text.trim_start_matches('\\');
            if digits.starts_with('0') {
                "octal escapes are not supported, use \\x00".to_owned()
            } else {
                format!("invalid group reference {digits}")
            }
        }
        ErrorKind::UnsupportedLookAround => "look-around is not supported".to_owned(),
        other => other.to_string(),
    }
}

/// Walks a parsed pattern: refuses what Python refuses (or reads differently), notes
/// capturing groups, and sums the expansion estimate.
struct PythonRules<'p> {
    pattern: &'p str,
    capturing: bool,
    /// One running sum per open container (group, repetition, concatenation, alternation).
    weights: Vec<u64>,
    total: u64,
}

impl PythonRules<'_> {
    fn check_node(&mut self, node: &Ast) -> Result<(), String> {
        match node {
            Ast::Repetition(rep) => {
                match &*rep.ast {
                    Ast::Repetition(_) => return Err("multiple repeat".to_owned()),
                    Ast::Assertion(_) | Ast::Empty(_) | Ast::Flags(_) => {
                        return Err("nothing to repeat".to_owned());
                    }
                    _ => {}
                }
                if let RepetitionKind::Range(range) = &rep.op.kind {
                    let largest = match *range {
                        RepetitionRange::Exactly(n) | RepetitionRange::AtLeast(n) => n,
                        RepetitionRange::Bounded(m, n) => m.max(n),
                    };
                    if largest > MAX_REPETITION_COUNT {
                        return Err("the repetition number is too large".to_owned());
                    }
                }
            }
            Ast::Group(group) => match &group.kind {
                GroupKind::CaptureIndex(_) | GroupKind::CaptureName { .. } => {
                    self.capturing = true;
                }
                GroupKind::NonCapturing(flags) => check_flags(flags)?,
            },
            Ast::Flags(set) => check_flags(&set.flags)?,
            Ast::Assertion(assertion) => match assertion.kind {
                AssertionKind::EndText => return Err("bad escape \\z".to_owned()),
                AssertionKind::WordBoundaryStart
                | AssertionKind::WordBoundaryEnd
                | AssertionKind::WordBoundaryStartAngle
                | AssertionKind::WordBoundaryEndAngle
                | AssertionKind::WordBoundaryStartHalf
                | AssertionKind::WordBoundaryEndHalf => {
                    return Err(format!(
                        "escape {} means a literal to the server but a word boundary to Rust",
                        span_text(self.pattern, &assertion.span)
                    ));
                }
                _ => {}
            },
            Ast::ClassUnicode(class) => {
                return Err(unicode_class_reason(self.pattern, &class.span));
            }
            Ast::Literal(literal) => check_literal(literal)?,
            _ => {}
        }
        Ok(())
    }

    /// Adds a finished node's weight to its parent.
    fn add_weight(&mut self, weight: u64) {
        match self.weights.last_mut() {
            Some(parent) => *parent = parent.saturating_add(weight),
            None => self.total = self.total.saturating_add(weight),
        }
    }
}

fn unicode_class_reason(pattern: &str, span: &ast::Span) -> String {
    let text = span_text(pattern, span);
    format!("bad escape {}", text.get(..2).unwrap_or(text))
}

fn check_flags(flags: &ast::Flags) -> Result<(), String> {
    let mut negated = false;
    for item in &flags.items {
        match item.kind {
            FlagsItemKind::Negation => negated = true,
            FlagsItemKind::Flag(Flag::SwapGreed | Flag::CRLF) => {
                return Err("unknown flag".to_owned());
            }
            FlagsItemKind::Flag(Flag::Unicode) if negated => {
                return Err("bad inline flags: cannot turn off flags 'a', 'u' and 'L'".to_owned());
            }
            FlagsItemKind::Flag(_) => {}
        }
    }
    Ok(())
}

fn check_literal(literal: &ast::Literal) -> Result<(), String> {
    if let LiteralKind::HexBrace(kind) = &literal.kind {
        let escape = match kind {
            HexLiteralKind::X => "\\x",
            HexLiteralKind::UnicodeShort => "\\u",
            HexLiteralKind::UnicodeLong => "\\U",
        };
        return Err(format!("incomplete escape {escape}"));
    }
    Ok(())
}

impl ast::Visitor for PythonRules<'_> {
    type Output = Self;
    type Err = String;

    fn finish(self) -> Result<Self, String> {
        Ok(self)
    }

    fn visit_pre(&mut self, node: &Ast) -> Result<(), String> {
        self.check_node(node)?;
        if matches!(
            node,
            Ast::Repetition(_) | Ast::Group(_) | Ast::Concat(_) | Ast::Alternation(_)
        ) {
            self.weights.push(0);
        }
        Ok(())
    }

    fn visit_post(&mut self, node: &Ast) -> Result<(), String> {
        let weight = match node {
            Ast::Empty(_) | Ast::Flags(_) | Ast::Assertion(_) => 0,
            Ast::Literal(_)
            | Ast::Dot(_)
            | Ast::ClassUnicode(_)
            | Ast::ClassPerl(_)
            | Ast::ClassBracketed(_) => 1,
            Ast::Group(_) | Ast::Concat(_) | Ast::Alternation(_) => {
                self.weights.pop().unwrap_or_default()
            }
            Ast::Repetition(rep) => {
                let inner = self.weights.pop().unwrap_or_default();
                let times = match &rep.op.kind {
                    RepetitionKind::ZeroOrOne
                    | RepetitionKind::ZeroOrMore
                    | RepetitionKind::OneOrMore => 1,
                    RepetitionKind::Range(
                        RepetitionRange::Exactly(n) | RepetitionRange::AtLeast(n),
                    ) => (*n).max(1),
                    RepetitionKind::Range(RepetitionRange::Bounded(m, n)) => (*m).max(*n).max(1),
                };
                inner.saturating_mul(u64::from(times))
            }
        };
        self.add_weight(weight);
        Ok(())
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), String> {
        match item {
            ClassSetItem::Bracketed(_) => Err(
                "nested character sets are not supported, escape [ inside a set as \\[".to_owned(),
            ),
            ClassSetItem::Ascii(_) => {
                Err("POSIX character classes such as [:alpha:] are not supported".to_owned())
            }
            ClassSetItem::Unicode(class) => Err(unicode_class_reason(self.pattern, &class.span)),
            ClassSetItem::Literal(literal) => check_literal(literal),
            _ => Ok(()),
        }
    }

    fn visit_class_set_binary_op_pre(&mut self, _op: &ClassSetBinaryOp) -> Result<(), String> {
        Err("set operations &&, -- and ~~ are not supported, escape them inside a set".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(pattern: &str) -> String {
        match check_pattern(pattern) {
            Err(PatternProblem::Syntax(reason)) => reason,
            other => panic!("{pattern:?}: expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn accepts_what_both_engines_read_alike() {
        for pattern in [
            "",
            "^channel-\\S*$",
            "^:channel_group-\\S*$",
            "whatever.*",
            "users.*",
            "some_*",
            "(?:ab)+c?",
            "(?i:abc)",
            "(?i)abc",
            "[a-z0-9_-]+",
            "[^>]",
            "a{2,5}?",
            "\\x41\\u0041\\U00000041",
            "\\Aabc$",
            "\\bword\\B",
            "a|b|",
            "\\.\\*\\%",
        ] {
            assert_eq!(check_pattern(pattern), Ok(()), "{pattern:?}");
        }
    }

    #[test]
    fn doubled_repetitions_are_multiple_repeat() {
        for pattern in ["!<[^>]+>++", "a**", "a+??", "a{2}*", "a{2}{3}", "(?:a)*+"] {
            assert_eq!(reason(pattern), "multiple repeat", "{pattern:?}");
        }
    }

    #[test]
    fn python_worded_syntax_errors() {
        let cases = [
            ("*a", "nothing to repeat"),
            ("a|*", "nothing to repeat"),
            ("^*", "nothing to repeat"),
            ("(?i)*", "nothing to repeat"),
            ("[abc", "unterminated character set"),
            ("(?:abc", "missing ), unterminated subpattern"),
            ("abc)", "unbalanced parenthesis"),
            ("[z-a]", "bad character range z-a"),
            ("[\\d-z]", "bad character range \\d-z"),
            ("[a-\\w]", "bad character range a-\\w"),
            ("\\Q", "bad escape \\Q"),
            ("\\p{L}", "bad escape \\p"),
            ("[\\P{L}]", "bad escape \\P"),
            ("abc\\z", "bad escape \\z"),
            ("abc\\", "bad escape (end of pattern)"),
            ("\\x", "incomplete escape \\x"),
            ("\\xZZ", "incomplete escape \\x"),
            ("\\x{41}", "incomplete escape \\x"),
            ("a{3,2}", "min repeat greater than max repeat"),
            ("a{99999999999}", "the repetition number is too large"),
            ("a{1001}", "the repetition number is too large"),
            ("(?y)a", "unknown flag"),
            ("(?U)a", "unknown flag"),
            (
                "(?-u)a",
                "bad inline flags: cannot turn off flags 'a', 'u' and 'L'",
            ),
            ("(?i", "missing -, : or )"),
            ("\\1", "invalid group reference 1"),
            ("(?=a)", "look-around is not supported"),
            ("\\Z", "\\Z is not supported, use $"),
        ];
        for (pattern, expected) in cases {
            assert_eq!(reason(pattern), expected, "{pattern:?}");
        }
    }

    #[test]
    fn constructs_read_differently_are_refused() {
        for pattern in [
            "\\<a",
            "a\\>",
            "\\b{start}a",
            "[a[bc]]",
            "[a&&b]",
            "[[:alpha:]]",
        ] {
            assert!(check_pattern(pattern).is_err(), "{pattern:?}");
        }
    }

    #[test]
    fn capturing_groups_named_or_not() {
        for pattern in ["(!<[^>]+>)+", "(?P<n>a)", "(?<n>a)", "(?:x(y))"] {
            assert_eq!(
                check_pattern(pattern),
                Err(PatternProblem::CapturingGroup),
                "{pattern:?}"
            );
        }
        // A syntax error anywhere is reported before a capturing group.
        assert_eq!(reason("(a)++"), "multiple repeat");
    }

    #[test]
    fn bounded_nesting_and_expansion() {
        let deep = format!("{}a{}", "(?:".repeat(40), ")".repeat(40));
        assert_eq!(reason(&deep), "nesting deeper than 32 levels");
        assert!(reason("(?:(?:a{100}){100}){100}").starts_with("pattern is too complex"));
        assert_eq!(check_pattern("(?:ab{10}){100}"), Ok(()));
    }
}
