//! Implementations that skip one parser check fail exactly the structure traces
//! (`trace_structure.json`, issue #13 item 5) that should catch them. Which tests those are
//! is computed from the vector JSON with a protobuf walker of this file's own, not by the
//! spec's decoder.

#[path = "support/suite.rs"]
mod support;
use support::corpus;

use e2ee_harness::expectations::Expectations;
use e2ee_harness::impls::Implementation;
use e2ee_harness::report::Status;
use e2ee_harness::suite::{self, Options, RunMode};
use e2ee_iut::protocol::{Failure, Iut, MessageKind, Reply, Request};
use e2ee_spec::Profile;
use e2ee_vectors::spec_iut::SpecIut;
use std::collections::{BTreeMap, BTreeSet};

/// The protobuf profiles (`modern` has a fixed layout).
const PROFILES: [Profile; 3] = [Profile::SignalV3, Profile::SignalV4, Profile::OlmV1];

fn options() -> Options {
    support::options(vec![RunMode::Kat], PROFILES.to_vec(), 1)
}

fn failing(imp: Implementation) -> BTreeSet<String> {
    let opts = options();
    let mut imp = imp;
    let plan = suite::plan(&imp.hello, &opts, &corpus(&opts));
    assert!(plan.len() > 100, "the suite is not empty");
    plan.iter()
        .map(|p| suite::run_one(&mut imp, p, &opts, &Expectations::default()))
        .filter(|r| r.status == Status::Fail)
        .map(|r| r.id)
        .collect()
}

// ---- a protobuf walker of its own ------------------------------------------------------------

/// (field number, wire type, value: the varint or the bytes' range).
type Field = (u64, u64, std::ops::Range<usize>);

fn varint(b: &[u8], mut i: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(i)?;
        i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Some((v, i));
        }
    }
    None
}

/// The fields of `b` until the first that does not parse; and whether all of `b` parsed.
fn walk(b: &[u8]) -> (Vec<Field>, usize, bool) {
    let (mut out, mut i) = (Vec::new(), 0);
    while i < b.len() {
        let Some((key, j)) = varint(b, i).filter(|(k, _)| k >> 3 != 0) else {
            return (out, i, false);
        };
        let next = match key & 7 {
            0 => varint(b, j).map(|(_, e)| (j..e, e)),
            2 => varint(b, j)
                .and_then(|(len, s)| Some((s, s.checked_add(usize::try_from(len).ok()?)?)))
                .filter(|&(_, e)| e <= b.len())
                .map(|(s, e)| (s..e, e)),
            _ => None,
        };
        let Some((range, e)) = next else {
            return (out, i, false);
        };
        out.push((key >> 3, key & 7, range));
        i = e;
    }
    (out, i, true)
}

/// The length-delimited (or, for ids, varint) fields a prekey message must carry to start a
/// session: libsignal base key, identity key, message, signed prekey id (and the Kyber pair in
/// version 4); Olm one-time key, base key, identity key, message.
fn required(p: Profile) -> &'static [(u64, u64)] {
    match p {
        Profile::SignalV3 => &[(2, 2), (3, 2), (4, 2), (6, 0)],
        Profile::SignalV4 => &[(2, 2), (3, 2), (4, 2), (6, 0), (7, 0), (8, 2)],
        _ => &[(1, 2), (2, 2), (3, 2), (4, 2)],
    }
}

fn has_all(fields: &[Field], want: &[(u64, u64)]) -> bool {
    want.iter()
        .all(|w| fields.iter().any(|(n, t, _)| (*n, *t) == *w))
}

/// Kat ids of the tests where an injected prekey message whose wrapper satisfies `caught` is
/// delivered with an expected error.
fn tests_where(caught: impl Fn(Profile, &[u8]) -> bool) -> BTreeSet<String> {
    let opts = options();
    let corpus = corpus(&opts);
    let mut out = BTreeSet::new();
    for profile in PROFILES {
        for (name, _) in corpus.traces_of(profile) {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/data/").to_string() + name;
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            for group in v["testGroups"].as_array().unwrap() {
                for test in group["tests"].as_array().unwrap() {
                    let mut injected: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
                    let mut hit = false;
                    for step in test["steps"].as_array().unwrap() {
                        let label = step["label"].as_str().unwrap_or_default();
                        if step["op"] == "inject" && step["kind"] == "prekey" {
                            let m = hex::decode(step["message"].as_str().unwrap()).unwrap();
                            injected.insert(label, m);
                        } else if step["op"] != "deliver" || step["expect"]["error"].is_null() {
                            continue;
                        } else if let Some(m) = injected.get(label) {
                            hit |= !m.is_empty() && caught(profile, m);
                        }
                    }
                    if hit {
                        out.insert(format!(
                            "kat/{}/{}",
                            profile.name(),
                            test["tcId"].as_str().unwrap()
                        ));
                    }
                }
            }
        }
    }
    out
}

// ---- the wrong implementations ---------------------------------------------------------------

/// The spec behind a careless prekey-message parser: `rewrite` turns the bytes it gets into
/// the bytes the careless parser effectively reads, which the spec then processes.
struct Careless {
    spec: SpecIut,
    profile: Option<Profile>,
    rewrite: fn(Profile, &[u8]) -> Option<Vec<u8>>,
}

impl Iut for Careless {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        let mut request = request.clone();
        match &mut request {
            Request::Reset {} => self.profile = None,
            Request::CreateParty { profile, .. } => self.profile = Profile::from_name(profile),
            Request::Decrypt {
                kind: MessageKind::Prekey,
                message,
                ..
            } => {
                let bytes = hex::decode(&*message).unwrap_or_default();
                if let (Some(p), Some(b)) = (self.profile, bytes.split_first()) {
                    if let Some(body) = (self.rewrite)(p, b.1) {
                        *message = hex::encode([&[*b.0][..], &body].concat());
                    }
                }
            }
            _ => {}
        }
        self.spec.call(&request)
    }
}

fn careless(name: &str, rewrite: fn(Profile, &[u8]) -> Option<Vec<u8>>) -> Implementation {
    Implementation {
        name: name.into(),
        iut: Box::new(Careless {
            spec: SpecIut::new(0),
            profile: None,
            rewrite,
        }),
        hello: SpecIut::hello(),
    }
}

/// An absent identity key read as zeros (the deployed bug that dereferences NULL there reads
/// whatever the pointer gives): the body with an all-zero identity key added.
fn zero_identity(p: Profile, body: &[u8]) -> Option<Vec<u8>> {
    let (fields, _, whole) = walk(body);
    if !whole || fields.iter().any(|f| f.0 == 3) {
        return None;
    }
    let key = match p {
        Profile::OlmV1 => vec![0u8; 32],
        _ => [&[0x05u8][..], &[0u8; 32]].concat(),
    };
    Some([body, &[0x1a, key.len() as u8], &key].concat())
}

/// Bytes after the last field that parses ignored.
fn ignore_trailing(_: Profile, body: &[u8]) -> Option<Vec<u8>> {
    let (_, end, whole) = walk(body);
    (!whole).then(|| body[..end].to_vec())
}

#[test]
fn absent_identity_key_read_as_zeros_fails_the_missing_identity_key_traces() {
    let expected = tests_where(|p, m| {
        let (fields, _, whole) = walk(&m[1..]);
        let mut want: Vec<_> = required(p).to_vec();
        want.retain(|w| w.0 != 3);
        whole && !fields.iter().any(|f| f.0 == 3) && has_all(&fields, &want)
    });
    // One per protobuf profile: dr.structure.prekey.missing_identity_key.
    assert_eq!(expected.len(), 3, "{expected:?}");
    assert!(expected
        .iter()
        .all(|id| id.ends_with("/dr.structure.prekey.missing_identity_key")));
    assert_eq!(failing(careless("zero-identity", zero_identity)), expected);
}

#[test]
fn trailing_bytes_ignored_fails_the_trailing_byte_traces() {
    let expected = tests_where(|p, m| {
        let (fields, _, whole) = walk(&m[1..]);
        !whole && has_all(&fields, required(p))
    });
    assert_eq!(expected.len(), 3, "{expected:?}");
    assert!(expected
        .iter()
        .all(|id| id.ends_with("/dr.structure.prekey.trailing_zero")));
    assert_eq!(
        failing(careless("ignore-trailing", ignore_trailing)),
        expected
    );
}

/// The walker agrees with the generator about the vectors it reads: a correct implementation
/// (the spec, rewriting nothing) fails no test.
#[test]
fn the_spec_behind_a_no_op_rewrite_fails_nothing() {
    assert_eq!(failing(careless("no-op", |_, _| None)), BTreeSet::new());
}
