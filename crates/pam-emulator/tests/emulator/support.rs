//! What every test needs: an emulator on an ephemeral port, and a plain HTTP client that
//! builds PubNub URLs and signs them with `pam-sign`.

use pam_emulator::{Emulator, EmulatorConfig, Keyset};

/// The main test keyset.
pub(crate) const SUB: &str = "sub-c-test";
pub(crate) const PUB: &str = "pub-c-test";
pub(crate) const SECRET: &str = "sec-c-test";

/// A second keyset, with revocation disabled.
pub(crate) const SUB_NO_REVOKE: &str = "sub-c-norevoke";
pub(crate) const PUB_NO_REVOKE: &str = "pub-c-norevoke";
pub(crate) const SECRET_NO_REVOKE: &str = "sec-c-norevoke";

/// The two test keysets.
pub(crate) fn keysets() -> Vec<Keyset> {
    vec![
        Keyset::new(SUB, PUB, SECRET),
        Keyset::new(SUB_NO_REVOKE, PUB_NO_REVOKE, SECRET_NO_REVOKE).with_revocation(false),
    ]
}

/// The test keysets on an ephemeral loopback port.
pub(crate) fn config() -> EmulatorConfig {
    EmulatorConfig::new(keysets()).with_listen("127.0.0.1:0".parse().expect("address"))
}

/// Starts an emulator with the test configuration.
pub(crate) async fn start() -> Emulator {
    start_with(config()).await
}

/// Starts an emulator with `config`.
pub(crate) async fn start_with(config: EmulatorConfig) -> Emulator {
    Emulator::start(config).await.expect("emulator starts")
}

/// A fresh, empty directory under the system temp dir, removed on drop.
pub(crate) fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("pam-emulator-test-{name}-"))
        .tempdir()
        .expect("temp dir")
}

/// An answer: status and body text.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: String,
}

impl Answer {
    /// The body as JSON.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }
}

/// How a request is signed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Signing<'a> {
    /// Not signed.
    None,
    /// Signed with this publish key and secret key at this timestamp.
    With {
        publish_key: &'a str,
        secret_key: &'a str,
        timestamp: u64,
    },
}

/// One request to build and send.
#[derive(Debug, Clone)]
pub(crate) struct Call<'a> {
    pub(crate) method: &'a str,
    /// Already percent-encoded.
    pub(crate) path: String,
    /// Raw (decoded) values, encoded when sent.
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) content_type: Option<&'a str>,
    pub(crate) signing: Signing<'a>,
}

impl<'a> Call<'a> {
    pub(crate) fn new(method: &'a str, path: impl Into<String>) -> Self {
        Call {
            method,
            path: path.into(),
            query: vec![("uuid".to_owned(), "test-user".to_owned())],
            body: Vec::new(),
            content_type: None,
            signing: Signing::None,
        }
    }

    /// Replaces the query (no `uuid` unless given).
    pub(crate) fn query(mut self, pairs: &[(&str, &str)]) -> Self {
        self.query = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self
    }

    /// Adds one query parameter.
    pub(crate) fn param(mut self, key: &str, value: &str) -> Self {
        self.query.push((key.to_owned(), value.to_owned()));
        self
    }

    pub(crate) fn json_body(mut self, body: &str) -> Self {
        self.body = body.as_bytes().to_vec();
        self.content_type = Some("application/json");
        self
    }

    pub(crate) fn raw_body(mut self, body: Vec<u8>, content_type: Option<&'a str>) -> Self {
        self.body = body;
        self.content_type = content_type;
        self
    }

    pub(crate) fn signed(
        mut self,
        publish_key: &'a str,
        secret_key: &'a str,
        timestamp: u64,
    ) -> Self {
        self.signing = Signing::With {
            publish_key,
            secret_key,
            timestamp,
        };
        self
    }

    /// Signed with the main test keyset at the emulator's current time.
    pub(crate) fn signed_now(self, emulator: &Emulator) -> Self {
        let now = emulator.access_manager().now();
        self.signed(PUB, SECRET, now)
    }

    /// The request target (`path?query`) as sent, signature included.
    pub(crate) fn target(&self) -> String {
        let mut pairs = self.query.clone();
        if let Signing::With {
            publish_key,
            secret_key,
            timestamp,
        } = self.signing
        {
            let borrowed: Vec<(&str, &str)> = self
                .query
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let request = pam_sign::Request {
                method: self.method,
                path: &self.path,
                query: &borrowed,
                body: &self.body,
            };
            let signed =
                pam_sign::SigningKey::new(publish_key, secret_key).sign(&request, timestamp);
            for (key, value) in signed.query_pairs() {
                pairs.push((key.to_owned(), value));
            }
        }
        if pairs.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, pam_sign::encode_query(&pairs))
        }
    }

    /// Sends the request to `emulator` and returns the answer.
    pub(crate) async fn send(&self, client: &reqwest::Client, emulator: &Emulator) -> Answer {
        let url = format!("{}{}", emulator.url(), self.target());
        let method = reqwest::Method::from_bytes(self.method.as_bytes()).expect("method");
        let mut request = client.request(method, url).body(self.body.clone());
        if let Some(content_type) = self.content_type {
            request = request.header("Content-Type", content_type);
        }
        let response = request.send().await.expect("request is answered");
        let status = response.status().as_u16();
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some(pam_emulator::CONTENT_TYPE),
            "every answer has PubNub's content type"
        );
        let body = response.text().await.expect("body");
        Answer { status, body }
    }
}

/// A plain HTTP client.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// Grants `body` (JSON) on the main keyset and returns the token; panics unless 200.
pub(crate) async fn grant(client: &reqwest::Client, emulator: &Emulator, body: &str) -> String {
    let answer = Call::new("POST", format!("/v3/pam/{SUB}/grant"))
        .json_body(body)
        .signed_now(emulator)
        .send(client, emulator)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()["data"]["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// A grant body giving `bits` on channel `channel` for `ttl` minutes.
pub(crate) fn channel_grant(channel: &str, bits: u8, ttl: u32) -> String {
    serde_json::json!({
        "ttl": ttl,
        "permissions": {
            "resources": {"channels": {channel: bits}, "groups": {}, "uuids": {}},
            "patterns": {"channels": {}, "groups": {}, "uuids": {}},
            "meta": {}
        }
    })
    .to_string()
}

/// The revoke path of `token` on `sub`.
pub(crate) fn revoke_path(sub: &str, token: &str) -> String {
    format!(
        "/v3/pam/{sub}/grant/{}",
        pam_sign::encode_path_segment(token)
    )
}

/// Revokes `token` on the main keyset (signed now).
pub(crate) async fn revoke(client: &reqwest::Client, emulator: &Emulator, token: &str) -> Answer {
    Call::new("DELETE", revoke_path(SUB, token))
        .signed_now(emulator)
        .send(client, emulator)
        .await
}

/// Publishes `"hello"` to `channel` on the main keyset with `token` as `auth`.
pub(crate) async fn publish(
    client: &reqwest::Client,
    emulator: &Emulator,
    channel: &str,
    token: &str,
) -> Answer {
    Call::new(
        "GET",
        format!(
            "/publish/{PUB}/{SUB}/0/{}/0/{}",
            pam_sign::encode_path_segment(channel),
            pam_sign::encode_path_segment("\"hello\"")
        ),
    )
    .param("auth", token)
    .send(client, emulator)
    .await
}

/// A publish (`kind` `"publish"`) or signal (`"signal"`) of the JSON `message` to `channel`
/// on the main keyset, by `user` with `token` as `auth`, then the `extra` parameters.
pub(crate) fn message_call(
    kind: &str,
    channel: &str,
    message: &str,
    user: &str,
    token: &str,
    extra: &[(&str, &str)],
) -> Call<'static> {
    let mut call = Call::new(
        "GET",
        format!(
            "/{kind}/{PUB}/{SUB}/0/{}/0/{}",
            pam_sign::encode_path_segment(channel),
            pam_sign::encode_path_segment(message)
        ),
    )
    .query(&[("uuid", user), ("auth", token)]);
    for (key, value) in extra {
        call = call.param(key, value);
    }
    call
}

/// Checks a `[1,"Sent","<17 digits>"]` body and returns the timetoken.
pub(crate) fn assert_sent(answer: &Answer) -> u64 {
    assert_eq!(answer.status, 200, "{}", answer.body);
    let value = answer.json();
    let array = value.as_array().expect("array");
    assert_eq!(array.len(), 3, "{}", answer.body);
    assert_eq!(array[0], 1);
    assert_eq!(array[1], "Sent");
    let timetoken = array[2].as_str().expect("timetoken is a string");
    assert_eq!(timetoken.len(), 17, "{timetoken}");
    timetoken.parse().expect("digits")
}
