//! The JSON-lines framing of shim protocol 1.x (SHIM.md §Framing): one request or reply per
//! line, `{"id": N, ...}`; a reply is `{"id": N, "ok": {...}}` or
//! `{"id": N, "error": {"class": "...", "detail": "..."}}`.

use crate::protocol::{Bundle, Failure, Hello, MessageKind, Reply, Request};
use serde_json::{json, Map, Value};

/// Encode a request as one line (without the newline).
pub fn request_line(id: u64, request: &Request) -> String {
    let mut v = serde_json::to_value(request).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.insert("id".into(), json!(id));
    }
    v.to_string()
}

/// Decode a request line: its id (if any could be read) and the request.
pub fn parse_request_line(line: &str) -> (Option<u64>, Result<Request, String>) {
    let mut v: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return (None, Err(format!("not JSON: {e}"))),
    };
    let id = v.get("id").and_then(Value::as_u64);
    if let Value::Object(map) = &mut v {
        map.remove("id");
    }
    (id, serde_json::from_value(v).map_err(|e| e.to_string()))
}

/// Encode a reply line.
pub fn reply_line(id: Option<u64>, reply: &Result<Reply, Failure>) -> String {
    let body = match reply {
        Ok(r) => json!({ "ok": reply_value(r) }),
        Err(Failure::Rejected { class, detail }) => {
            json!({"error": {"class": class, "detail": detail}})
        }
        Err(Failure::Unsupported(d)) => json!({"error": {"class": "unsupported", "detail": d}}),
        Err(Failure::Broken(d)) => json!({"error": {"class": "state_error", "detail": d}}),
    };
    let mut body = body;
    body["id"] = id.map(Value::from).unwrap_or(Value::Null);
    body.to_string()
}

fn reply_value(reply: &Reply) -> Value {
    match reply {
        Reply::Hello(h) => serde_json::to_value(h).unwrap_or(Value::Null),
        Reply::Done => Value::Object(Map::new()),
        Reply::Party {
            party,
            identity_key,
        } => json!({"party": party, "identity_key": identity_key}),
        Reply::Bundle(b) => serde_json::to_value(b).unwrap_or(Value::Null),
        Reply::Encrypted { kind, message } => json!({"kind": kind, "message": message}),
        Reply::Decrypted { plaintext } => json!({"plaintext": plaintext}),
        Reply::Snapshot { snapshot } => json!({"snapshot": snapshot}),
        Reply::Distribution { distribution } => json!({"distribution": distribution}),
        Reply::GroupMessage { message } => json!({"message": message}),
        Reply::Franked {
            payload,
            commitment,
        } => json!({"payload": payload, "commitment": commitment}),
        Reply::FrankOpened { message } => json!({ "message": message }),
        Reply::Reported {
            message,
            franking_key,
            server_tag,
            sender,
            recipient,
            timestamp,
        } => json!({
            "message": message,
            "franking_key": franking_key,
            "server_tag": server_tag,
            "sender": sender,
            "recipient": recipient,
            "timestamp": timestamp,
        }),
    }
}

/// Interpret a reply line to `request` sent with `id`. Anything unexpected is `Broken`.
pub fn parse_reply_line(line: &str, id: u64, request: &Request) -> Result<Reply, Failure> {
    let broken = |why: String| Failure::Broken(why);
    let v: Value = serde_json::from_str(line)
        .map_err(|e| broken(format!("reply is not JSON ({e}): {}", clip(line))))?;
    match v.get("id").and_then(Value::as_u64) {
        Some(got) if got == id => {}
        other => return Err(broken(format!("reply id {other:?}, expected {id}"))),
    }
    if let Some(err) = v.get("error") {
        let class = err
            .get("class")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let detail = err
            .get("detail")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if class == "unsupported" {
            return Err(Failure::Unsupported(detail));
        }
        if !crate::protocol::ERROR_CLASSES.contains(&class.as_str()) {
            return Err(broken(format!("unknown error class {class:?}")));
        }
        return Err(Failure::Rejected { class, detail });
    }
    let ok = v
        .get("ok")
        .ok_or_else(|| broken(format!("reply has neither ok nor error: {}", clip(line))))?;
    let field = |name: &str| -> Result<String, Failure> {
        ok.get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| broken(format!("{} reply lacks string field {name}", request.op())))
    };
    let parse = |what: &str| broken(format!("malformed {what} reply: {}", clip(line)));
    Ok(match request {
        Request::Hello { .. } => {
            Reply::Hello(serde_json::from_value::<Hello>(ok.clone()).map_err(|_| parse("hello"))?)
        }
        Request::Reset {}
        | Request::Initiate { .. }
        | Request::Restore { .. }
        | Request::XeddsaVerify { .. }
        | Request::GroupJoin { .. } => Reply::Done,
        Request::CreateParty { .. } => Reply::Party {
            party: field("party")?,
            identity_key: field("identity_key")?,
        },
        Request::CreateBundle { .. } => Reply::Bundle(
            serde_json::from_value::<Bundle>(ok.clone()).map_err(|_| parse("bundle"))?,
        ),
        Request::Encrypt { .. } => Reply::Encrypted {
            kind: serde_json::from_value::<MessageKind>(
                ok.get("kind").cloned().unwrap_or(Value::Null),
            )
            .map_err(|_| parse("encrypt"))?,
            message: field("message")?,
        },
        Request::GroupCreate { .. } | Request::GroupShare { .. } => Reply::Distribution {
            distribution: field("distribution")?,
        },
        Request::GroupEncrypt { .. } => Reply::GroupMessage {
            message: field("message")?,
        },
        Request::Decrypt { .. } | Request::GroupDecrypt { .. } => Reply::Decrypted {
            plaintext: field("plaintext")?,
        },
        Request::Snapshot { .. } => Reply::Snapshot {
            snapshot: field("snapshot")?,
        },
        Request::Frank { .. } => Reply::Franked {
            payload: field("payload")?,
            commitment: field("commitment")?,
        },
        Request::FrankOpen { .. } => Reply::FrankOpened {
            message: field("message")?,
        },
        Request::FrankReport { .. } => Reply::Reported {
            message: field("message")?,
            franking_key: field("franking_key")?,
            server_tag: field("server_tag")?,
            sender: field("sender")?,
            recipient: field("recipient")?,
            timestamp: ok
                .get("timestamp")
                .and_then(Value::as_u64)
                .ok_or_else(|| parse("frank_report"))?,
        },
    })
}

fn clip(s: &str) -> String {
    s.chars().take(120).collect()
}
