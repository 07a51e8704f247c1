//! A correct variant of the reference implementation: every message it sends has its protobuf
//! fields in reverse order (valid: protobuf readers take fields in any order), with the MAC
//! over those bytes. Shared by `reordered_fields.rs` and `mutants.rs`.

use e2ee_harness::impls::Implementation;
use e2ee_iut::hexbytes::arr;
use e2ee_iut::protocol::{Failure, Hello, Iut, MessageKind, Reply, Request};
use e2ee_spec::crypto::kdf;
use e2ee_spec::double_ratchet as dr;
use e2ee_spec::profiles::{olm_v1, signal_v3};
use e2ee_spec::session::{self, Ratchet, Session};
use e2ee_spec::wire::protobuf::{self, Value};
use e2ee_spec::Profile;
use e2ee_vectors::spec_iut::SpecIut;

/// The spec, except that every message it sends has its protobuf fields in reverse order
/// (the prekey wrapper's and the inner message's), with the MAC computed over those bytes,
/// as any implementation MACs what it serializes.
pub struct Reordered {
    pub spec: SpecIut,
}

impl Iut for Reordered {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        let Request::Encrypt {
            party,
            ratchet_private,
            ..
        } = request
        else {
            return self.spec.call(request);
        };
        let before = self.spec.party(party).cloned();
        let reply = self.spec.call(request)?;
        let (Some(before), Reply::Encrypted { kind, message }) = (before, &reply) else {
            return Ok(reply);
        };
        if before.profile == Profile::Modern {
            return Ok(reply);
        }
        let after = self.spec.party(party).expect("the party that sent");
        // The session that sent is the one the encryption changed.
        let sender = before
            .sessions
            .iter()
            .find(|s| after.session(&s.remote_identity) != Some(s))
            .expect("a session advanced");
        let fresh: [u8; 32] = arr(ratchet_private.as_ref().expect("injected ratchet key"))?;
        let m = hex::decode(message).expect("hex");
        let reordered = match kind {
            MessageKind::Normal => reorder_message(sender, &fresh, &m),
            MessageKind::Prekey => reorder_prekey(sender, &fresh, &m),
        };
        Ok(Reply::Encrypted {
            kind: *kind,
            message: hex::encode(reordered),
        })
    }
}

/// The message key `sender` uses for its next message: Double Ratchet §3.4, with Olm's
/// sending step first when its sending chain is not active yet.
fn message_key(sender: &Session, fresh: &[u8; 32]) -> [u8; 32] {
    let Ratchet::Plain(state) = &sender.ratchet else {
        panic!("header encryption is modern only");
    };
    let mut s = state.clone();
    if s.ck_s.is_none() {
        dr::sending_step(sender.profile, &mut s, fresh).expect("sending step");
    }
    dr::kdf_ck(&s.ck_s.expect("sending chain")).1
}

/// `fields` in reverse order.
fn reversed(fields: &[(u32, Value<'_>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (number, value) in fields.iter().rev() {
        match value {
            Value::Uint(v) => protobuf::put_uint(&mut out, *number, *v),
            Value::Bytes(b) => protobuf::put_bytes(&mut out, *number, b),
            Value::Fixed => panic!("the spec writes no fixed-width fields"),
        }
    }
    out
}

/// A normal message with its fields reversed and its MAC over the new bytes.
fn reorder_message(sender: &Session, fresh: &[u8; 32], m: &[u8]) -> Vec<u8> {
    let mac_len = 8;
    let fields = protobuf::fields(&m[1..m.len() - mac_len]).expect("the spec's message");
    let mut out = vec![m[0]];
    out.extend(reversed(&fields));
    let mk = message_key(sender, fresh);
    let mac = match sender.profile {
        Profile::SignalV3 | Profile::SignalV4 => {
            let (_, mac_key, _) = signal_v3::message_keys(&mk);
            let ad = session::direction_ad(sender, true);
            kdf::hmac_sha256(&mac_key, &[&ad[..], &out].concat())
        }
        Profile::OlmV1 => kdf::hmac_sha256(&olm_v1::message_keys(&mk).1, &out),
        Profile::Modern => unreachable!("modern has no protobuf"),
    };
    out.extend_from_slice(&mac[..mac_len]);
    out
}

/// A prekey message with its fields reversed, around the reordered inner message.
fn reorder_prekey(sender: &Session, fresh: &[u8; 32], m: &[u8]) -> Vec<u8> {
    // The inner message is field 4 in both profiles.
    let inner_field = 4;
    let fields = protobuf::fields(&m[1..]).expect("the spec's prekey message");
    let inner = match protobuf::last_bytes(&fields, inner_field) {
        Ok(Some(inner)) => reorder_message(sender, fresh, inner),
        _ => panic!("a prekey message wraps a message"),
    };
    let fields: Vec<(u32, Value<'_>)> = fields
        .iter()
        .map(|(n, v)| match *n == inner_field {
            true => (*n, Value::Bytes(&inner)),
            false => (*n, v.clone()),
        })
        .collect();
    let mut out = vec![m[0]];
    out.extend(reversed(&fields));
    out
}

/// What both implementations declare: the spec's hello without `deterministic`, since a full
/// replay compares bytes and a reordering implementation's bytes are its own. Kat runs then
/// replay each test's receiver; interop runs every scenario in both roles, and property mode
/// random conversations with tampering in both roles.
pub fn hello() -> Hello {
    let mut h = SpecIut::hello();
    h.capabilities.retain(|c| c != "deterministic");
    h
}

/// The variant as the runner drives it.
pub fn implementation() -> Implementation {
    Implementation {
        name: "reordered".into(),
        iut: Box::new(Reordered {
            spec: SpecIut::new(0),
        }),
        hello: hello(),
    }
}
