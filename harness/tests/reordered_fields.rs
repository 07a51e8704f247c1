//! No false blame from tampering: an implementation that writes its protobuf fields in
//! another order (valid: protobuf readers take fields in any order) passes exactly what the
//! spec passes, because a tamper step names a field and the runner finds that field in the
//! implementation's own bytes.

use e2ee_harness::corpus::Corpus;
use e2ee_harness::expectations::Expectations;
use e2ee_harness::impls::Implementation;
use e2ee_harness::report::Status;
use e2ee_harness::suite::{self, Options, RunMode};
use e2ee_iut::hexbytes::arr;
use e2ee_iut::protocol::{Failure, Hello, Iut, MessageKind, Reply, Request};
use e2ee_spec::crypto::kdf;
use e2ee_spec::double_ratchet as dr;
use e2ee_spec::profiles::{olm_v1, signal_v3};
use e2ee_spec::session::{self, Ratchet, Session};
use e2ee_spec::wire::protobuf::{self, Value};
use e2ee_spec::Profile;
use e2ee_vectors::spec_iut::SpecIut;
use std::collections::BTreeSet;

/// The spec, except that every message it sends has its protobuf fields in reverse order
/// (the prekey wrapper's and the inner message's), with the MAC computed over those bytes,
/// as any implementation MACs what it serializes.
struct Reordered {
    spec: SpecIut,
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
fn hello() -> Hello {
    let mut h = SpecIut::hello();
    h.capabilities.retain(|c| c != "deterministic");
    h
}

fn options() -> Options {
    Options {
        modes: vec![RunMode::Kat, RunMode::Interop, RunMode::Props],
        profiles: vec![Profile::SignalV3, Profile::OlmV1],
        vectors: e2ee_harness::corpus::Source::Published,
        cases: 16,
        seed: 7,
        filter: None,
        shard: None,
        failures_dir: std::env::temp_dir().join("e2ee-conform-test-failures"),
    }
}

fn run(iut: Box<dyn Iut>, opts: &Options, corpus: &Corpus) -> Vec<(String, Status)> {
    let mut imp = Implementation {
        name: "under-test".into(),
        iut,
        hello: hello(),
    };
    suite::plan(&imp.hello, opts, corpus)
        .iter()
        .map(|p| {
            let r = suite::run_one(&mut imp, p, opts, &Expectations::default());
            (r.id, r.status)
        })
        .collect()
}

fn with(results: &[(String, Status)], status: Status) -> BTreeSet<String> {
    results
        .iter()
        .filter(|(_, s)| *s == status)
        .map(|(id, _)| id.clone())
        .collect()
}

#[test]
fn reordering_implementation_passes_what_the_spec_passes() {
    let opts = options();
    let corpus = e2ee_harness::corpus::load(&opts.vectors, &opts.profiles).expect("vectors");
    let spec = run(Box::new(SpecIut::new(0)), &opts, &corpus);
    let reordered = run(
        Box::new(Reordered {
            spec: SpecIut::new(0),
        }),
        &opts,
        &corpus,
    );
    let passed = with(&spec, Status::Pass);
    let counts = |r: &[(String, Status)]| {
        [Status::Pass, Status::Fail, Status::Skip, Status::SuiteError].map(|s| with(r, s).len())
    };
    // Pass, fail, skip, suite error: printed for the record (the numbers in the commit).
    eprintln!(
        "spec: {:?}; reordered: {:?}",
        counts(&spec),
        counts(&reordered)
    );
    assert!(passed.len() > 500, "{} tests passed", passed.len());
    let [_, failed, _, suite_errors] = counts(&spec);
    assert_eq!((failed, suite_errors), (0, 0));
    // The same plan, test for test, with the same result.
    assert_eq!(spec.len(), reordered.len());
    let differ: Vec<_> = spec
        .iter()
        .zip(&reordered)
        .filter(|(a, b)| a != b)
        .collect();
    assert!(
        differ.is_empty(),
        "{} tests differ: {differ:?}",
        differ.len()
    );
}

/// The wrapper does reorder (else the test above would prove nothing): its first message
/// differs from the spec's, and the spec still decrypts it.
#[test]
fn the_wrapper_writes_other_bytes_the_spec_accepts() {
    for profile in ["signal-v3", "olm-v1"] {
        let mut sent = Vec::new();
        for iut in [
            Box::new(SpecIut::new(0)) as Box<dyn Iut>,
            Box::new(Reordered {
                spec: SpecIut::new(0),
            }),
        ] {
            let mut iut = iut;
            let mut receiver = SpecIut::new(0);
            let call = |iut: &mut dyn Iut, r: Request| iut.call(&r).expect("ok");
            let party = |iut: &mut dyn Iut, key: &str| match call(
                iut,
                Request::CreateParty {
                    profile: profile.into(),
                    header_encryption: false,
                    identity_private: Some(key.repeat(32)),
                    registration_id: Some(7),
                },
            ) {
                Reply::Party { party, .. } => party,
                other => panic!("{other:?}"),
            };
            let alice = party(iut.as_mut(), "11");
            let bob = party(&mut receiver, "22");
            let Reply::Bundle(bundle) = call(
                &mut receiver,
                Request::CreateBundle {
                    party: bob.clone(),
                    signed_prekey_id: 1,
                    signed_prekey_private: Some("33".repeat(32)),
                    one_time_prekey_id: Some(1),
                    one_time_prekey_private: Some("44".repeat(32)),
                    signature_randomness: Some("55".repeat(64)),
                    kyber_prekey_id: None,
                    kyber_prekey_seed: None,
                    kyber_prekey_private: None,
                    kyber_signature_randomness: None,
                    kyber_last_resort: false,
                },
            ) else {
                panic!("a bundle")
            };
            call(
                iut.as_mut(),
                Request::Initiate {
                    party: alice.clone(),
                    peer: "bob".into(),
                    bundle,
                    base_key_private: Some("66".repeat(32)),
                    ratchet_private: Some("77".repeat(32)),
                    kem_randomness: None,
                },
            );
            let Reply::Encrypted { kind, message } = call(
                iut.as_mut(),
                Request::Encrypt {
                    party: alice,
                    peer: "bob".into(),
                    plaintext: "00ff".into(),
                    ratchet_private: Some("88".repeat(32)),
                    header_nonce: Some("99".repeat(12)),
                },
            ) else {
                panic!("a message")
            };
            let got = call(
                &mut receiver,
                Request::Decrypt {
                    party: bob,
                    peer: "alice".into(),
                    kind,
                    message: message.clone(),
                    ratchet_private: Some("aa".repeat(32)),
                },
            );
            assert_eq!(
                got,
                Reply::Decrypted {
                    plaintext: "00ff".into()
                }
            );
            sent.push(message);
        }
        assert_ne!(sent[0], sent[1], "{profile}");
        assert_eq!(sent[0].len(), sent[1].len(), "{profile}");
    }
}
