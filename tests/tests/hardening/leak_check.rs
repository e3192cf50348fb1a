//! The secrets a test must never see again in what it inspects.

/// Secret keys, tokens and signatures that must not appear in a text.
#[derive(Default)]
pub(crate) struct Secrets {
    /// `(label, value)`: the label is printed on failure, the value never is.
    values: Vec<(String, String)>,
}

impl Secrets {
    pub(crate) fn new() -> Self {
        Secrets::default()
    }

    /// A secret key: must not appear at all.
    pub(crate) fn secret_key(mut self, key: &str) -> Self {
        self.values
            .push((format!("secret key ({} chars)", key.len()), key.to_owned()));
        self
    }

    /// A token: must not appear whole, padded or not (a percent-encoded path segment of a
    /// base64url token differs only in its `=` padding, so this covers it too).
    pub(crate) fn token(mut self, token: &str) -> Self {
        let unpadded = token.trim_end_matches('=');
        self.values.push((
            format!(
                "token ({} chars, starting {:?})",
                token.len(),
                &unpadded[..8.min(unpadded.len())]
            ),
            unpadded.to_owned(),
        ));
        self
    }

    /// A request signature (`v2.…`): must not appear.
    pub(crate) fn signature(mut self, signature: &str) -> Self {
        self.values
            .push(("a request signature".to_owned(), signature.to_owned()));
        self
    }

    /// Panics, naming `what` and which secret, when `text` holds one of them.
    #[track_caller]
    pub(crate) fn assert_absent(&self, what: &str, text: &str) {
        for (label, value) in &self.values {
            assert!(
                !text.contains(value.as_str()),
                "{what} holds the {label}:\n{}",
                text.replace(value.as_str(), "<<LEAKED>>")
            );
        }
    }

    /// [`Secrets::assert_absent`] on `{value:?}`, `{value:#?}`.
    #[track_caller]
    pub(crate) fn assert_debug_clean<T: std::fmt::Debug>(&self, what: &str, value: &T) {
        self.assert_absent(&format!("{what} Debug"), &format!("{value:?}"));
        self.assert_absent(&format!("{what} pretty Debug"), &format!("{value:#?}"));
    }

    /// [`Secrets::assert_debug_clean`] and the same on `{value}`.
    #[track_caller]
    pub(crate) fn assert_shown_clean<T: std::fmt::Debug + std::fmt::Display>(
        &self,
        what: &str,
        value: &T,
    ) {
        self.assert_debug_clean(what, value);
        self.assert_absent(&format!("{what} Display"), &value.to_string());
    }
}

/// Every `v2.` followed by 43 base64url characters in `text`: a whole request signature.
pub(crate) fn signatures_in(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("v2.") {
        let candidate = &rest[at..];
        let body: usize = candidate[3..]
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
            .count();
        if body >= pam_sign::SIGNATURE_BASE64_LEN {
            found.push(&candidate[..3 + body]);
        }
        rest = &candidate[3..];
    }
    found
}

#[test]
fn leak_checks_can_fail() {
    let secrets = Secrets::new()
        .secret_key("sec-c-check")
        .token("qEF2AkF0GmVT8QBDdHRsGDw=");
    secrets.assert_absent("clean text", "auth=[redacted] sec-c-che");
    let caught = std::panic::catch_unwind(|| {
        secrets.assert_absent("leaky text", "path /grant/qEF2AkF0GmVT8QBDdHRsGDw%3D");
    });
    assert!(
        caught.is_err(),
        "a token with encoded padding must be caught"
    );
    assert_eq!(
        signatures_in(&format!("x signature=v2.{} y v2.short", "A".repeat(43))),
        [format!("v2.{}", "A".repeat(43))]
    );
}
