//! The first inputs of each fuzz target: a few built in here, in each target's input format
//! (see the docs at the top of each `fuzz/fuzz_targets/*.rs`), plus the real tokens,
//! signature vectors and grant bodies committed in `crates/pam-vectors/data`.
//!
//! The built-in requests use the keyset the targets use (`sub-c-fuzz`, `pub-c-fuzz`).

use std::path::Path;

use serde_json::Value;

use crate::XtaskError;

/// A named seed input.
pub(crate) type Seed = (String, Vec<u8>);

const GRANT_BODY: &str = r#"{"ttl":60,"permissions":{"resources":{"channels":{"chat":3},"groups":{"g":5},"uuids":{"bob":96}},"patterns":{"channels":{"^room-[0-9]+$":1},"uuids":{"^bot-.*$":32}},"meta":{"role":"admin","n":1,"f":1.5,"ok":true,"none":null},"uuid":"alice"}}"#;

/// Seeds of `target`: the built-in ones and those made from the vectors in `vectors`.
///
/// # Errors
///
/// [`XtaskError::Io`] when a vector file cannot be read. A vector file that is not the
/// expected JSON is skipped, not an error.
pub(crate) fn seeds(target: &str, vectors: &Path) -> Result<Vec<Seed>, XtaskError> {
    let mut out = built_in(target);
    out.extend(from_vectors(target, vectors)?);
    Ok(out)
}

fn seed(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Seed {
    (name.into(), bytes.into())
}

/// `flags` byte, then the text head, then `0x00` and `body`.
fn framed(flags: Option<u8>, head: &str, body: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = flags.into_iter().collect();
    out.extend_from_slice(head.as_bytes());
    out.push(0);
    out.extend_from_slice(body);
    out
}

/// `{"v":2,"t":0,"ttl":1,"res":{},"pat":{},"meta":{},"sig":<32 zero bytes>}` as CBOR, with
/// byte-string keys as PubNub writes them.
fn minimal_token_cbor() -> Vec<u8> {
    let mut cbor = vec![0xa7, 0x41, b'v', 0x02, 0x41, b't', 0x00];
    cbor.extend_from_slice(&[0x43, b't', b't', b'l', 0x01]);
    cbor.extend_from_slice(&[0x43, b'r', b'e', b's', 0xa0, 0x43, b'p', b'a', b't', 0xa0]);
    cbor.extend_from_slice(&[0x44, b'm', b'e', b't', b'a', 0xa0]);
    cbor.extend_from_slice(&[0x43, b's', b'i', b'g', 0x58, 0x20]);
    cbor.extend_from_slice(&[0; 32]);
    cbor
}

fn built_in(target: &str) -> Vec<Seed> {
    match target {
        "token_parse" => vec![
            seed("empty", ""),
            seed("short", "qEF2Ag"),
            seed("padded", "qEF2AkF0GmVT8QA="),
            seed("standard-alphabet", "qEF2+/Ag"),
        ],
        "token_verify_authorize" => vec![
            seed(
                "built-patterns",
                framed(
                    Some(1),
                    "room-7\nalice\n^room-[0-9]+$\n(?:ab){3}\n[a-z]+",
                    &[9, 0, 3, 2, 1, 4, 255],
                ),
            ),
            seed("built-empty", framed(Some(1), "chat\n", &[0; 24])),
            seed(
                "parsed-minimal",
                framed(Some(0), "chat\nalice", &minimal_token_cbor()),
            ),
        ],
        "signature_verify" => vec![
            seed(
                "time",
                framed(
                    None,
                    "GET\n/time/0\nuuid=me&timestamp=1700000000\nuuid=me",
                    b"",
                ),
            ),
            seed(
                "grant",
                framed(
                    None,
                    "POST\n/v3/pam/sub-c-fuzz/grant\nuuid=admin&timestamp=1&signature=v2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\npnsdk=x&uuid=admin",
                    GRANT_BODY.as_bytes(),
                ),
            ),
        ],
        "grant_body" => vec![
            seed("full", GRANT_BODY),
            seed(
                "minimal",
                r#"{"ttl":1,"permissions":{"resources":{"channels":{"a":1}}}}"#,
            ),
            seed(
                "string-ttl",
                r#"{"permissions":{"patterns":{"uuids":{".*":32}}},"ttl":"15"}"#,
            ),
        ],
        "emulator_request" => vec![
            seed(
                "grant-signed",
                framed(
                    Some(1),
                    "POST\n/v3/pam/sub-c-fuzz/grant\nuuid=admin&pnsdk=fuzz\nContent-Type: application/json",
                    GRANT_BODY.as_bytes(),
                ),
            ),
            seed(
                "revoke-signed",
                framed(
                    Some(3),
                    "DELETE\n/v3/pam/sub-c-fuzz/grant/{token}\nuuid=admin",
                    b"",
                ),
            ),
            seed(
                "publish-with-token",
                framed(
                    Some(2),
                    "GET\n/publish/pub-c-fuzz/sub-c-fuzz/0/room-1/0/%22hi%22\nuuid=alice&auth={token}",
                    b"",
                ),
            ),
            seed(
                "signal-with-token",
                framed(
                    Some(2),
                    "GET\n/signal/pub-c-fuzz/sub-c-fuzz/0/room-1/0/%7B%22a%22%3A1%7D\nuuid=alice&auth={token}",
                    b"",
                ),
            ),
            seed(
                "publish-post",
                framed(
                    Some(2),
                    "POST\n/publish/pub-c-fuzz/sub-c-fuzz/0/room-1/0\nuuid=alice&auth={token}\nContent-Type: application/json",
                    br#"{"text":"hi"}"#,
                ),
            ),
            seed("time", framed(Some(0), "GET\n/time/0\nuuid=me", b"")),
            seed(
                "grant-unsigned",
                framed(
                    Some(0),
                    "POST\n/v3/pam/sub-c-fuzz/grant\nuuid=admin&timestamp=1&signature=v2.x",
                    GRANT_BODY.as_bytes(),
                ),
            ),
        ],
        _ => Vec::new(),
    }
}

fn read_json(path: &Path) -> Result<Option<Value>, XtaskError> {
    let text = std::fs::read_to_string(path).map_err(|e| XtaskError::io(path, e))?;
    Ok(serde_json::from_str(&text).ok())
}

/// The `tokens/*.json` files, sorted by name, as `(file stem, JSON)`.
fn token_vectors(vectors: &Path) -> Result<Vec<(String, Value)>, XtaskError> {
    let dir = vectors.join("tokens");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        if let Some(json) = read_json(&path)? {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((stem, json));
        }
    }
    Ok(out)
}

/// The bytes of a hex string; `None` when it is not one.
pub(crate) fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Every grant body in the vectors: the examples and the recorded requests of tokens.
fn grant_bodies(vectors: &Path) -> Result<Vec<(String, String)>, XtaskError> {
    let mut out = Vec::new();
    if let Some(json) = read_json(&vectors.join("grant_requests.json"))? {
        for (i, example) in json["examples"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(body) = example["body"].as_str() {
                out.push((format!("grant-example-{i}"), body.to_owned()));
            }
        }
    }
    for (name, token) in token_vectors(vectors)? {
        if let Some(body) = token["grant_request_body"].as_str() {
            out.push((format!("grant-{name}"), body.to_owned()));
        }
    }
    Ok(out)
}

fn from_vectors(target: &str, vectors: &Path) -> Result<Vec<Seed>, XtaskError> {
    let mut out = Vec::new();
    match target {
        "token_parse" => {
            for (name, token) in token_vectors(vectors)? {
                if let Some(text) = token["token"].as_str() {
                    out.push(seed(format!("token-{name}"), text));
                }
            }
            if let Some(json) = read_json(&vectors.join("invalid_tokens.json"))? {
                for (i, case) in json["cases"].as_array().into_iter().flatten().enumerate() {
                    if let Some(text) = case["input"].as_str() {
                        out.push(seed(format!("invalid-{i}"), text));
                    }
                }
            }
        }
        "token_verify_authorize" => {
            for (name, token) in token_vectors(vectors)? {
                let Some(cbor) = token["cbor"]["raw_hex"].as_str().and_then(hex_bytes) else {
                    continue;
                };
                let user = token["expected"]["authorized_uuid"].as_str().unwrap_or("");
                let channel = token["expected"]["resources"]["channels"]
                    .as_object()
                    .and_then(|m| m.keys().next().cloned())
                    .unwrap_or_else(|| "channel-1".to_owned());
                out.push(seed(
                    format!("token-{name}"),
                    framed(Some(0), &format!("{channel}\n{user}"), &cbor),
                ));
            }
        }
        "signature_verify" => {
            if let Some(json) = read_json(&vectors.join("signatures.json"))? {
                for (i, vector) in json["vectors"].as_array().into_iter().flatten().enumerate() {
                    let text = |key: &str| vector[key].as_str().unwrap_or("").to_owned();
                    let head = format!(
                        "{}\n{}\n{}\n{}",
                        text("method"),
                        text("path"),
                        text("canonical_query"),
                        text("canonical_query")
                    );
                    out.push(seed(
                        format!("signature-{i}"),
                        framed(None, &head, text("body").as_bytes()),
                    ));
                }
            }
        }
        "grant_body" => {
            for (name, body) in grant_bodies(vectors)? {
                out.push(seed(name, body));
            }
        }
        "emulator_request" => {
            for (name, body) in grant_bodies(vectors)? {
                out.push(seed(
                    name,
                    framed(
                        Some(1),
                        "POST\n/v3/pam/sub-c-fuzz/grant\nuuid=admin\nContent-Type: application/json",
                        body.as_bytes(),
                    ),
                ));
            }
        }
        _ => {}
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_decodes_pairs_only() {
        assert_eq!(hex_bytes("a7410f"), Some(vec![0xa7, 0x41, 0x0f]));
        assert_eq!(hex_bytes("a74"), None);
        assert_eq!(hex_bytes("zz"), None);
    }

    #[test]
    fn framing_puts_flags_head_zero_body() {
        assert_eq!(framed(Some(3), "GET\n/", b"x"), b"\x03GET\n/\x00x");
        assert_eq!(framed(None, "a", b""), b"a\x00");
    }

    #[test]
    fn the_committed_vectors_add_seeds() {
        let vectors = super::super::vectors_dir(&crate::workspace_root());
        for target in super::super::TARGETS {
            let all = seeds(target, &vectors).unwrap();
            assert!(
                all.len() > built_in(target).len(),
                "{target}: no seeds from the vectors"
            );
        }
    }
}
