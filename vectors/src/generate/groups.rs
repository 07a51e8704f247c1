//! Group traces (`<group profile>/trace_group.json`): conversations of Sender Keys and
//! Megolm members with loss, reordering, replays, late joins, rotations, forgeries by other
//! members, tampering and the profiles' limits.
//!
//! A case is written as a script on a `Builder` that plays every member on the spec's own
//! `group::Member` as it goes (so a later step can forge or tamper with bytes an earlier one
//! produced) and states what each delivery must give; the finished test is then recorded
//! through the spec as an implementation (`group_engine::record`), and both must agree.

use super::{render, vector_file};
use crate::envelope::Verdict;
use crate::group_engine;
use crate::group_trace::{GroupStep, GroupTraceGroup, GroupTraceTest};
use crate::rng::Rng;
use crate::spec_iut::SpecIut;
use crate::trace::Expect;
use e2ee_spec::crypto::{aes_cbc, ed25519, x25519};
use e2ee_spec::group::{GroupProfile, Inbound, Member, SenderDraws};
use e2ee_spec::profiles::{megolm_v1, signal_sk_v3};
use e2ee_spec::{megolm, sender_keys, Error};
use std::path::PathBuf;

const HEADER: &str =
    "Group conversations: one sender's session shared by distribution, read by the other members.";
const HOW: &str = "Each test's steps run in order; labels name distributions and messages. An injected message was made outside the conversation from the draws of the session it claims (forged, tampered and re-signed, or far ahead).";

pub fn files() -> Vec<(PathBuf, String)> {
    GroupProfile::ALL
        .iter()
        .map(|&profile| {
            let tests = cases(profile);
            let file = vector_file(
                "GroupMessaging-Trace",
                profile.name(),
                "group_trace.schema.json",
                &[HEADER, HOW],
                vec![GroupTraceGroup {
                    group_type: "GroupTraceTest".into(),
                    tests,
                }],
            );
            (
                PathBuf::from(profile.name()).join("trace_group.json"),
                render(&file),
            )
        })
        .collect()
}

/// What a join or delivery must give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    Ok,
    Err(Error),
}
use Want::{Err as Refused, Ok as Accepted};

struct Builder {
    profile: GroupProfile,
    tc_id: String,
    rng: Rng,
    members: Vec<(String, Member)>,
    steps: Vec<GroupStep>,
    /// label → (bytes, Megolm session id, plaintext if a message)
    labels: Vec<(String, Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>)>,
    /// (member, group) → the draws of its current session.
    draws: Vec<((String, String), SenderDraws)>,
}

impl Builder {
    fn new(profile: GroupProfile, tc_id: &str, members: &[&str]) -> Builder {
        Builder {
            profile,
            tc_id: tc_id.to_string(),
            rng: Rng::new(&["group trace", profile.name(), tc_id]),
            members: members
                .iter()
                .map(|m| (m.to_string(), Member::new(profile)))
                .collect(),
            steps: Vec::new(),
            labels: Vec::new(),
            draws: Vec::new(),
        }
    }

    /// A member who joins the conversation later.
    fn add_member(&mut self, name: &str) {
        self.members
            .push((name.to_string(), Member::new(self.profile)));
    }

    fn member(&mut self, name: &str) -> &mut Member {
        let at = self.members.iter().position(|(n, _)| n == name);
        &mut self.members[at.unwrap_or_else(|| panic!("{}: no member {name}", self.tc_id))].1
    }

    fn bytes(&self, label: &str) -> Vec<u8> {
        self.entry(label).1.clone()
    }

    fn entry(&self, label: &str) -> &(String, Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>) {
        self.labels
            .iter()
            .rev()
            .find(|(l, ..)| l == label)
            .unwrap_or_else(|| panic!("{}: no label {label}", self.tc_id))
    }

    fn remember(&mut self, label: &str, bytes: Vec<u8>, sid: Option<Vec<u8>>, pt: Option<Vec<u8>>) {
        self.labels.push((label.to_string(), bytes, sid, pt));
    }

    fn session_draws(&self, actor: &str, group: &str) -> SenderDraws {
        self.draws
            .iter()
            .rev()
            .find(|((a, g), _)| a == actor && g == group)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| panic!("{}: {actor} has no session for {group}", self.tc_id))
    }

    fn session_id(&self, actor: &str, group: &str) -> Option<Vec<u8>> {
        match self.profile {
            GroupProfile::MegolmV1 => Some(
                ed25519::public_key(&self.session_draws(actor, group).signing_private).to_vec(),
            ),
            GroupProfile::SignalSkV3 => None,
        }
    }

    /// A group's distribution id: the application's, one per group, shared by its senders.
    fn distribution_id(group: &str) -> [u8; 16] {
        Rng::new(&["distribution id", group]).bytes()
    }

    fn create(&mut self, actor: &str, group: &str, label: &str) {
        self.create_at(actor, group, label, 0)
    }

    fn create_at(&mut self, actor: &str, group: &str, label: &str, iteration: u32) {
        let draws = SenderDraws {
            distribution_id: Builder::distribution_id(group),
            chain_id: u32::from_be_bytes(self.rng.bytes()) >> 1,
            chain_key: self.rng.vec(self.profile.chain_key_len()),
            iteration,
            signing_private: self.rng.bytes(),
        };
        let distribution = self
            .member(actor)
            .create(group, &draws)
            .unwrap_or_else(|e| panic!("create: {e}"));
        let signal = self.profile == GroupProfile::SignalSkV3;
        self.steps.push(GroupStep::Create {
            actor: actor.into(),
            group: group.into(),
            label: label.into(),
            distribution_id: signal.then(|| hex::encode(draws.distribution_id)),
            chain_id: signal.then_some(draws.chain_id),
            chain_key: hex::encode(&draws.chain_key),
            iteration,
            signing_private: hex::encode(draws.signing_private),
            expect: Expect::default(),
        });
        self.draws
            .push(((actor.to_string(), group.to_string()), draws));
        self.remember(label, distribution, None, None);
    }

    fn share(&mut self, actor: &str, group: &str, label: &str) {
        let distribution = self
            .member(actor)
            .distribution(group)
            .unwrap_or_else(|e| panic!("share: {e}"));
        self.steps.push(GroupStep::Share {
            actor: actor.into(),
            group: group.into(),
            label: label.into(),
            expect: Expect::default(),
        });
        self.remember(label, distribution, None, None);
    }

    fn join(&mut self, actor: &str, sender: &str, label: &str, want: Want) {
        let distribution = self.bytes(label);
        let got = self.member(actor).join(sender, &distribution);
        self.check(
            &format!("join {label} by {actor}"),
            got.map(|_| Vec::new()),
            want,
            None,
        );
        self.steps.push(GroupStep::Join {
            actor: actor.into(),
            sender: sender.into(),
            label: label.into(),
            expect: Expect::default(),
        });
    }

    fn send(&mut self, actor: &str, group: &str, label: &str, text: &str) {
        let z: [u8; 64] = self.rng.bytes();
        let message = self
            .member(actor)
            .encrypt(group, text.as_bytes(), &z)
            .unwrap_or_else(|e| panic!("send: {e}"));
        let signal = self.profile == GroupProfile::SignalSkV3;
        self.steps.push(GroupStep::Send {
            actor: actor.into(),
            group: group.into(),
            label: label.into(),
            plaintext: hex::encode(text),
            signature_randomness: signal.then(|| hex::encode(z)),
            expect: Expect::default(),
        });
        let sid = self.session_id(actor, group);
        self.remember(label, message, sid, Some(text.as_bytes().to_vec()));
    }

    fn deliver(&mut self, actor: &str, sender: &str, label: &str, want: Want) {
        let (_, message, sid, plaintext) = self.entry(label).clone();
        let got = self.member(actor).decrypt(sender, sid.as_deref(), &message);
        self.check(&format!("deliver {label} to {actor}"), got, want, plaintext);
        self.steps.push(GroupStep::Deliver {
            actor: actor.into(),
            sender: sender.into(),
            label: label.into(),
            expect: Expect::default(),
        });
    }

    /// Bytes made outside the conversation; `plaintext` is what they decrypt to, if anything.
    fn inject(
        &mut self,
        label: &str,
        bytes: Vec<u8>,
        sid: Option<Vec<u8>>,
        plaintext: Option<&str>,
    ) {
        self.steps.push(GroupStep::Inject {
            label: label.into(),
            bytes: hex::encode(&bytes),
            session_id: sid.as_ref().map(hex::encode),
        });
        self.remember(label, bytes, sid, plaintext.map(|p| p.as_bytes().to_vec()));
    }

    fn snapshot(&mut self, actor: &str, name: &str) {
        self.steps.push(GroupStep::Snapshot {
            actor: actor.into(),
            name: name.into(),
        });
    }

    fn check(
        &self,
        what: &str,
        got: Result<Vec<u8>, Error>,
        want: Want,
        plaintext: Option<Vec<u8>>,
    ) {
        match (&got, want) {
            (Ok(p), Accepted) => {
                if let Some(expected) = plaintext {
                    assert_eq!(p, &expected, "{}: {what}: wrong plaintext", self.tc_id);
                }
            }
            (Err(e), Refused(w)) if *e == w => {}
            _ => panic!(
                "{}: {what}: the spec gave {got:?}, the case says {want:?}",
                self.tc_id
            ),
        }
    }

    /// A message in the name of `actor`'s session on `group` at `iteration`, made from its
    /// draws, with `body` changed by `edit` before signing by `signer` (the sender's own
    /// signing key unless a forger's is given).
    fn forged(&self, actor: &str, group: &str, iteration: u32, text: &str, how: Forge) -> Vec<u8> {
        let d = self.session_draws(actor, group);
        let signer = how.signer.unwrap_or(d.signing_private);
        match self.profile {
            GroupProfile::SignalSkV3 => {
                let mut chain = sender_keys::ChainKey {
                    iteration: d.iteration,
                    key: d
                        .chain_key
                        .as_slice()
                        .try_into()
                        .expect("32-byte chain key"),
                };
                while chain.iteration < iteration {
                    chain = chain.next().expect("chain steps");
                }
                let (iv, key) = sender_keys::message_keys(&chain.message_key_seed().seed);
                let ciphertext = how
                    .ciphertext
                    .clone()
                    .unwrap_or_else(|| aes_cbc::encrypt(&key, &iv, text.as_bytes()));
                let mut body = sender_keys::message_body(
                    &d.distribution_id,
                    d.chain_id,
                    iteration,
                    &ciphertext,
                );
                if let Some(v) = how.version {
                    body[0] = v;
                }
                sender_keys::sign(&signer, body, &[7; 64])
            }
            GroupProfile::MegolmV1 => {
                let ratchet = megolm::Ratchet::from_bytes(
                    d.chain_key.as_slice().try_into().expect("128-byte ratchet"),
                    d.iteration,
                )
                .advance_to(iteration)
                .expect("ratchet advances");
                let (aes_key, mac_key, iv) = ratchet.message_keys();
                let ciphertext = how
                    .ciphertext
                    .clone()
                    .unwrap_or_else(|| aes_cbc::encrypt(&aes_key, &iv, text.as_bytes()));
                let mut body = megolm::message_body(iteration, &ciphertext);
                if let Some(v) = how.version {
                    body[0] = v;
                }
                let mut out = body;
                let mac = e2ee_spec::crypto::kdf::hmac_sha256(&mac_key, &out);
                out.extend_from_slice(&mac[..megolm_v1::MAC_LEN]);
                if how.bad_mac {
                    let at = out.len() - 1;
                    out[at] ^= 0x01;
                }
                let signature = ed25519::sign(&signer, &out);
                out.extend_from_slice(&signature);
                out
            }
        }
    }

    fn finish(self, comment: &str, flags: &[&str], result: Verdict) -> GroupTraceTest {
        let mut test = GroupTraceTest {
            tc_id: self.tc_id.clone(),
            comment: comment.to_string(),
            flags: flags.iter().map(|f| f.to_string()).collect(),
            result,
            members: self.members.iter().map(|(n, _)| n.clone()).collect(),
            steps: self.steps,
        };
        let mut spec = SpecIut::new(0);
        group_engine::record(&mut spec, self.profile.name(), &mut test)
            .unwrap_or_else(|e| panic!("{}: {e}", test.tc_id));
        test
    }
}

/// How `Builder::forged` departs from the genuine message.
#[derive(Clone, Default)]
struct Forge {
    signer: Option<[u8; 32]>,
    ciphertext: Option<Vec<u8>>,
    version: Option<u8>,
    bad_mac: bool,
}

/// One flipped bit of `bytes` at `at`.
fn flip(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[at] ^= 0x01;
    out
}

/// A sender, two receivers, a distribution joined by both: the prefix of most cases.
fn group_of_three(profile: GroupProfile, tc_id: &str) -> Builder {
    let mut b = Builder::new(profile, tc_id, &["alice", "bob", "carol"]);
    b.create("alice", "g", "d0");
    b.join("bob", "alice", "d0", Accepted);
    b.join("carol", "alice", "d0", Accepted);
    b
}

fn cases(profile: GroupProfile) -> Vec<GroupTraceTest> {
    let mut out = common(profile);
    out.extend(match profile {
        GroupProfile::SignalSkV3 => sender_keys_only(),
        GroupProfile::MegolmV1 => megolm_only(),
    });
    out
}

fn common(p: GroupProfile) -> Vec<GroupTraceTest> {
    let mut out = Vec::new();

    let mut b = group_of_three(p, "grp.basic.in_order.000");
    for i in 0..3 {
        b.send("alice", "g", &format!("m{i}"), &format!("message {i}"));
        b.deliver("bob", "alice", &format!("m{i}"), Accepted);
        b.deliver("carol", "alice", &format!("m{i}"), Accepted);
    }
    out.push(b.finish(
        "Three messages to two members, delivered in order.",
        &["InOrder"],
        Verdict::Valid,
    ));

    let mut b = Builder::new(p, "grp.basic.two_senders.000", &["alice", "bob"]);
    b.create("alice", "g", "da");
    b.create("bob", "g", "db");
    b.join("bob", "alice", "da", Accepted);
    b.join("alice", "bob", "db", Accepted);
    b.send("alice", "g", "a0", "from alice");
    b.send("bob", "g", "b0", "from bob");
    b.deliver("alice", "bob", "b0", Accepted);
    b.deliver("bob", "alice", "a0", Accepted);
    out.push(b.finish(
        "Two senders in one group, each reading the other's session.",
        &["InOrder"],
        Verdict::Valid,
    ));

    let mut b = group_of_three(p, "grp.order.out_of_order.000");
    for i in 0..5 {
        b.send("alice", "g", &format!("m{i}"), &format!("message {i}"));
    }
    for i in [3, 0, 4, 1, 2] {
        b.deliver("bob", "alice", &format!("m{i}"), Accepted);
    }
    out.push(b.finish(
        "Five messages delivered as 3, 0, 4, 1, 2: skipped keys kept and used.",
        &["OutOfOrder"],
        Verdict::Valid,
    ));

    let mut b = group_of_three(p, "grp.loss.000");
    for i in 0..4 {
        b.send("alice", "g", &format!("m{i}"), &format!("message {i}"));
    }
    b.deliver("bob", "alice", "m0", Accepted);
    b.deliver("bob", "alice", "m3", Accepted);
    b.send("alice", "g", "m4", "message 4");
    b.deliver("bob", "alice", "m4", Accepted);
    out.push(b.finish(
        "Messages 1 and 2 are never delivered; later ones decrypt.",
        &["MessageLoss"],
        Verdict::Valid,
    ));

    let mut b = group_of_three(p, "grp.duplicate.replay.000");
    b.send("alice", "g", "m0", "once");
    b.deliver("bob", "alice", "m0", Accepted);
    b.deliver("bob", "alice", "m0", Refused(Error::DuplicateMessage));
    b.send("alice", "g", "m1", "next");
    b.deliver("bob", "alice", "m1", Accepted);
    out.push(b.finish(
        "A message delivered twice: the second is a replay.",
        &["DuplicateMessage"],
        Verdict::Invalid,
    ));

    let mut b = group_of_three(p, "grp.duplicate.skipped_replay.000");
    for i in 0..3 {
        b.send("alice", "g", &format!("m{i}"), &format!("message {i}"));
    }
    b.deliver("bob", "alice", "m2", Accepted);
    b.deliver("bob", "alice", "m0", Accepted);
    b.deliver("bob", "alice", "m0", Refused(Error::DuplicateMessage));
    b.deliver("bob", "alice", "m1", Accepted);
    out.push(b.finish(
        "A late message decrypted with a skipped key, then delivered again.",
        &["SkippedKeyReplay"],
        Verdict::Invalid,
    ));

    let mut b = group_of_three(p, "grp.late_join.below_first.000");
    b.send("alice", "g", "m0", "before carol");
    b.send("alice", "g", "m1", "before carol too");
    b.share("alice", "g", "d2");
    b.add_member("dave");
    b.join("dave", "alice", "d2", Accepted);
    b.send("alice", "g", "m2", "after dave joined");
    b.deliver("dave", "alice", "m0", Refused(Error::DuplicateMessage));
    b.deliver("dave", "alice", "m2", Accepted);
    b.deliver("dave", "alice", "m1", Refused(Error::DuplicateMessage));
    out.push(b.finish("A member who joins from a later distribution cannot read earlier messages (their keys were never shared): duplicate_message.", &["IndexBelowFirst"], Verdict::Invalid));

    let mut b = group_of_three(p, "grp.rotation.late_previous.000");
    b.send("alice", "g", "m0", "old session");
    b.send("alice", "g", "m1", "old session, late");
    b.deliver("bob", "alice", "m0", Accepted);
    b.create("alice", "g", "d1");
    b.join("bob", "alice", "d1", Accepted);
    b.send("alice", "g", "m2", "new session");
    b.deliver("bob", "alice", "m2", Accepted);
    b.deliver("bob", "alice", "m1", Accepted);
    out.push(b.finish("The sender rotates (a new session); a late message of the previous session still decrypts.", &["Rotation"], Verdict::Valid));

    let mut b = group_of_three(p, "grp.forgery.member_signature.000");
    b.send("alice", "g", "m0", "genuine");
    b.deliver("bob", "alice", "m0", Accepted);
    b.deliver("carol", "alice", "m0", Accepted);
    // Bob knows alice's chain (he is a member) and signs with a key of his own.
    let bob_key: [u8; 32] = b.rng.bytes();
    let forged = b.forged(
        "alice",
        "g",
        1,
        "forged by bob",
        Forge {
            signer: Some(bob_key),
            ..Forge::default()
        },
    );
    let sid = b.session_id("alice", "g");
    b.inject("f1", forged, sid, None);
    b.deliver("carol", "alice", "f1", Refused(Error::BadSignature));
    b.send("alice", "g", "m1", "genuine again");
    b.deliver("carol", "alice", "m1", Accepted);
    out.push(b.finish("A member who knows the sender's chain encrypts a message at the sender's next index and signs it with its own key: bad_signature, and the genuine message at that index still decrypts.", &["MemberForgery"], Verdict::Invalid));

    let mut b = Builder::new(
        p,
        "grp.forgery.wrong_sender.000",
        &["alice", "bob", "carol"],
    );
    b.create("alice", "g", "da");
    b.create("bob", "g", "db");
    b.join("carol", "alice", "da", Accepted);
    b.join("carol", "bob", "db", Accepted);
    b.send("bob", "g", "b0", "from bob");
    b.deliver("carol", "alice", "b0", Refused(Error::State));
    b.deliver("carol", "bob", "b0", Accepted);
    out.push(b.finish("Bob's genuine message delivered in alice's name: no session of alice's reads it (state_error); in bob's name it decrypts.", &["SenderBinding"], Verdict::Invalid));

    let mut b = group_of_three(p, "grp.unknown_session.000");
    b.add_member("dave");
    b.send("alice", "g", "m0", "dave never joined");
    b.deliver("dave", "alice", "m0", Refused(Error::State));
    out.push(b.finish(
        "A message of a session the member never joined: state_error.",
        &["NoSession"],
        Verdict::Invalid,
    ));

    out.extend(tampering(p));
    out.extend(distributions(p));
    out
}

fn tampering(p: GroupProfile) -> Vec<GroupTraceTest> {
    let mut out = Vec::new();
    let signal = p == GroupProfile::SignalSkV3;
    // Unsigned changes: the signature covers every byte before it.
    // Bytes from the end: the signature (64), Megolm's MAC (8) before it.
    let suffix = if signal { 64 } else { 64 + megolm_v1::MAC_LEN };
    let places: [(&str, &str, usize); 3] = [
        ("ciphertext", "TamperedCiphertext", suffix + 3),
        ("signature", "TamperedSignature", 10),
        ("version", "TamperedVersion", 0),
    ];
    for (what, flag, from_end) in places {
        let mut b = group_of_three(p, &format!("grp.tamper.{what}.000"));
        b.send("alice", "g", "m0", "tamper with me");
        let m = b.bytes("m0");
        let sid = b.session_id("alice", "g");
        let mut t = m.clone();
        if what == "version" {
            t[0] ^= 0x80;
        } else {
            t = flip(&m, m.len() - from_end);
        }
        b.inject("t0", t, sid, None);
        let want = if what == "version" {
            Error::Decode
        } else {
            Error::BadSignature
        };
        b.deliver("bob", "alice", "t0", Refused(want));
        b.deliver("bob", "alice", "m0", Accepted);
        out.push(b.finish(&format!("The message's {what} changed after signing: refused; the genuine message still decrypts."), &[flag], Verdict::Invalid));
    }
    // The header field that picks the key: iteration / index, unsigned change.
    let mut b = group_of_three(p, "grp.tamper.index.000");
    b.send("alice", "g", "m0", "tamper with me");
    b.send("alice", "g", "m1", "the next one");
    let m = b.bytes("m0");
    let sid = b.session_id("alice", "g");
    // Re-encode with the index of m1 but keep m0's signature.
    let with_index = {
        let forged = b.forged(
            "alice",
            "g",
            1,
            "x",
            Forge {
                ciphertext: Some(ciphertext_of(p, &m)),
                ..Forge::default()
            },
        );
        let mut out = forged[..forged.len() - 64].to_vec();
        out.extend_from_slice(&m[m.len() - 64..]);
        out
    };
    b.inject("t0", with_index, sid, None);
    b.deliver("bob", "alice", "t0", Refused(Error::BadSignature));
    b.deliver("bob", "alice", "m1", Accepted);
    b.deliver("bob", "alice", "m0", Accepted);
    out.push(b.finish(
        "The message's iteration (index) changed after signing: bad_signature; nothing consumed.",
        &["TamperedCounter"],
        Verdict::Invalid,
    ));

    // Authenticated and signed, but the padding is malformed: only the padding check refuses.
    let mut b = group_of_three(p, "grp.tamper.signed_bad_padding.000");
    let bad_block = bad_padding_block(&b, p);
    let forged = b.forged(
        "alice",
        "g",
        0,
        "",
        Forge {
            ciphertext: Some(bad_block),
            ..Forge::default()
        },
    );
    let sid = b.session_id("alice", "g");
    b.inject("t0", forged, sid, None);
    b.deliver("bob", "alice", "t0", Refused(Error::AuthFailure));
    b.send("alice", "g", "m0", "genuine");
    b.deliver("bob", "alice", "m0", Accepted);
    out.push(b.finish(if signal { "A message signed by the sender whose AES-CBC plaintext has malformed padding (pad byte 0): auth_failure, and its key is not used up." } else { "A message with a valid MAC and signature whose AES-CBC plaintext has malformed padding (pad byte 0): auth_failure, and its index is not used up." }, &["AuthenticatedBadPadding"], Verdict::Invalid));

    // A version the profile does not know, signed by the sender.
    let mut b = group_of_three(p, "grp.tamper.signed_version.000");
    let version = if signal { 0x23 } else { 0x04 };
    let forged = b.forged(
        "alice",
        "g",
        0,
        "old version",
        Forge {
            version: Some(version),
            ..Forge::default()
        },
    );
    let sid = b.session_id("alice", "g");
    b.inject("t0", forged, sid, None);
    b.deliver("bob", "alice", "t0", Refused(Error::Decode));
    out.push(b.finish(
        &format!("A message with version byte {version:#04x}, signed by the sender: decode_error."),
        &["TamperedVersion"],
        Verdict::Invalid,
    ));

    let mut b = group_of_three(p, "grp.malformed.truncated.000");
    b.send("alice", "g", "m0", "cut short");
    let m = b.bytes("m0");
    let sid = b.session_id("alice", "g");
    b.inject("t0", m[..10].to_vec(), sid, None);
    b.deliver("bob", "alice", "t0", Refused(Error::Decode));
    b.deliver("bob", "alice", "m0", Accepted);
    out.push(b.finish(
        "A message cut to 10 bytes: decode_error.",
        &["Truncated"],
        Verdict::Invalid,
    ));
    out
}

/// The ciphertext field of a genuine message.
fn ciphertext_of(p: GroupProfile, message: &[u8]) -> Vec<u8> {
    match p {
        GroupProfile::SignalSkV3 => sender_keys::parse(message).map(|m| m.ciphertext.to_vec()),
        GroupProfile::MegolmV1 => megolm::parse(message).map(|m| m.ciphertext.to_vec()),
    }
    .expect("a genuine message parses")
}

/// One AES block that decrypts, under alice's index-0 keys, to 15 bytes and a pad byte 0.
fn bad_padding_block(b: &Builder, p: GroupProfile) -> Vec<u8> {
    let d = b.session_draws("alice", "g");
    let (key, iv) = match p {
        GroupProfile::SignalSkV3 => {
            let chain = sender_keys::ChainKey {
                iteration: d.iteration,
                key: d.chain_key.as_slice().try_into().expect("32 bytes"),
            };
            let (iv, key) = sender_keys::message_keys(&chain.message_key_seed().seed);
            (key, iv)
        }
        GroupProfile::MegolmV1 => {
            let r = megolm::Ratchet::from_bytes(
                d.chain_key.as_slice().try_into().expect("128 bytes"),
                d.iteration,
            );
            let (key, _, iv) = r.message_keys();
            (key, iv)
        }
    };
    // Encrypting 16 bytes gives two blocks (a full pad block follows); the first block's
    // plaintext ends in 0x00, so alone it is a ciphertext whose padding byte is 0.
    let mut plain = [0x41u8; 16];
    plain[15] = 0;
    aes_cbc::encrypt(&key, &iv, &plain)[..16].to_vec()
}

fn distributions(p: GroupProfile) -> Vec<GroupTraceTest> {
    let mut out = Vec::new();
    let signal = p == GroupProfile::SignalSkV3;

    let mut b = group_of_three(p, "grp.distribution.replayed.000");
    b.send("alice", "g", "m0", "first");
    b.send("alice", "g", "m1", "second");
    b.deliver("bob", "alice", "m0", Accepted);
    b.deliver("bob", "alice", "m1", Accepted);
    b.join("bob", "alice", "d0", Accepted);
    b.deliver("bob", "alice", "m0", Refused(Error::DuplicateMessage));
    b.send("alice", "g", "m2", "third");
    b.deliver("bob", "alice", "m2", Accepted);
    out.push(b.finish("The same distribution joined again after two messages: it must not rewind the session, so the first message stays a duplicate.", &["DistributionRewind"], Verdict::Invalid));

    // The distribution's signing key changed on the way.
    let mut b = Builder::new(
        p,
        "grp.distribution.tampered_signing_key.000",
        &["alice", "bob"],
    );
    b.create("alice", "g", "d0");
    let d = b.bytes("d0");
    let key_at = if signal {
        d.len() - 5
    } else {
        1 + 4 + megolm_v1::RATCHET_LEN + 3
    };
    let mut t = flip(&d, key_at);
    if !signal
        && e2ee_spec::crypto::ed25519::check_public_key(&t[133..165].try_into().expect("32"))
            .is_err()
    {
        t = flip(&d, key_at + 1);
    }
    b.inject("t0", t, None, None);
    if signal {
        // Unsigned (the pairwise session authenticates it): joined, but the sender's
        // messages no longer verify.
        b.join("bob", "alice", "t0", Accepted);
        b.send("alice", "g", "m0", "signed with the real key");
        b.deliver("bob", "alice", "m0", Refused(Error::BadSignature));
    } else {
        b.join("bob", "alice", "t0", Refused(Error::BadSignature));
    }
    out.push(b.finish(if signal { "A distribution whose signing key was changed: the sender's messages fail their signature check." } else { "A session key whose signing key was changed: its signature fails, bad_signature." }, &["TamperedDistribution"], Verdict::Invalid));

    let mut b = Builder::new(
        p,
        "grp.distribution.tampered_chain_key.000",
        &["alice", "bob"],
    );
    b.create("alice", "g", "d0");
    b.send("alice", "g", "m0", "under the real chain key");
    let d = b.bytes("d0");
    if signal {
        // The chain key is the 32 bytes before the signing key field (2 + 33 bytes).
        let chain_at = d.len() - 35 - 32;
        // Any flipped bit gives another key; pick the first whose decryption fails padding.
        let message = b.bytes("m0");
        let mut at = chain_at;
        let t = loop {
            let t = flip(&d, at);
            let mut probe = Member::new(p);
            if probe.join("alice", &t).is_ok()
                && probe.decrypt("alice", None, &message) == Err(Error::AuthFailure)
            {
                break t;
            }
            at += 1;
        };
        b.inject("t0", t, None, None);
        b.join("bob", "alice", "t0", Accepted);
        b.deliver("bob", "alice", "m0", Refused(Error::AuthFailure));
    } else {
        let t = flip(&d, 5 + 40);
        b.inject("t0", t, None, None);
        b.join("bob", "alice", "t0", Refused(Error::BadSignature));
    }
    out.push(b.finish(if signal { "A distribution whose chain key was changed: joined (it is not signed), but the sender's message does not decrypt (auth_failure: malformed padding)." } else { "A session key whose ratchet was changed: its signature fails, bad_signature." }, &["TamperedDistribution"], Verdict::Invalid));

    let mut b = Builder::new(p, "grp.distribution.truncated.000", &["alice", "bob"]);
    b.create("alice", "g", "d0");
    let d = b.bytes("d0");
    b.inject("t0", d[..d.len() - 1].to_vec(), None, None);
    b.join("bob", "alice", "t0", Refused(Error::Decode));
    b.join("bob", "alice", "d0", Accepted);
    out.push(b.finish(
        "A distribution missing its last byte: decode_error; the whole one then joins.",
        &["Truncated"],
        Verdict::Invalid,
    ));
    out
}

fn sender_keys_only() -> Vec<GroupTraceTest> {
    let p = GroupProfile::SignalSkV3;
    let mut out = Vec::new();
    let jump = signal_sk_v3::MAX_FORWARD_JUMPS;

    let mut b = group_of_three(p, "grp.skip.at_limit.000");
    let sid = b.session_id("alice", "g");
    let far = b.forged("alice", "g", jump, "far ahead", Forge::default());
    b.inject("f0", far, sid, Some("far ahead"));
    b.deliver("bob", "alice", "f0", Accepted);
    out.push(b.finish(
        &format!("A message at iteration {jump}: exactly MAX_FORWARD_JUMPS ahead, accepted."),
        &["SkipAtLimit"],
        Verdict::Valid,
    ));

    let mut b = group_of_three(p, "grp.skip.over_limit.000");
    let sid = b.session_id("alice", "g");
    let far = b.forged("alice", "g", jump + 1, "too far ahead", Forge::default());
    b.inject("f0", far, sid, None);
    b.deliver("bob", "alice", "f0", Refused(Error::TooFarAhead));
    b.send("alice", "g", "m0", "genuine");
    b.deliver("bob", "alice", "m0", Accepted);
    out.push(b.finish(&format!("A message at iteration {}: one past MAX_FORWARD_JUMPS, too_far_ahead, and nothing consumed.", jump + 1), &["SkipOverLimit"], Verdict::Invalid));

    let keys = signal_sk_v3::MAX_MESSAGE_KEYS as u32;
    let mut b = group_of_three(p, "grp.skip.evicted_keys.000");
    b.send("alice", "g", "m0", "evicted");
    b.send("alice", "g", "m1", "kept");
    let sid = b.session_id("alice", "g");
    let far = b.forged(
        "alice",
        "g",
        keys + 1,
        "skips one key too many",
        Forge::default(),
    );
    b.inject("f0", far, sid, Some("skips one key too many"));
    b.deliver("bob", "alice", "f0", Accepted);
    b.deliver("bob", "alice", "m0", Refused(Error::DuplicateMessage));
    b.deliver("bob", "alice", "m1", Accepted);
    out.push(b.finish(&format!("A jump skips {} keys, one more than the {keys} a state stores: the oldest (iteration 0) is evicted, so its message reads as a duplicate; iteration 1 still decrypts.", keys + 1), &["SkippedKeyEvicted"], Verdict::Invalid));

    let states = signal_sk_v3::MAX_SENDER_KEY_STATES;
    let mut b = Builder::new(p, "grp.rotation.states_bound.000", &["alice", "bob"]);
    for k in 0..=states {
        b.create("alice", "g", &format!("d{k}"));
        b.join("bob", "alice", &format!("d{k}"), Accepted);
        b.send("alice", "g", &format!("m{k}"), &format!("chain {k}"));
    }
    b.deliver("bob", "alice", "m0", Refused(Error::State));
    b.deliver("bob", "alice", "m1", Accepted);
    b.deliver("bob", "alice", &format!("m{states}"), Accepted);
    out.push(b.finish(&format!("{} distributions of one sender in one group: a member keeps {states} states, so the first chain's late message finds none (state_error); the second's decrypts.", states + 1), &["SenderKeyStatesEvicted"], Verdict::Invalid));

    // The same chain id again with another signing key replaces the state.
    let mut b = Builder::new(
        p,
        "grp.rotation.same_chain_other_key.000",
        &["alice", "bob"],
    );
    b.create("alice", "g", "d0");
    b.join("bob", "alice", "d0", Accepted);
    b.send("alice", "g", "m0", "under the first key");
    let d0 = sender_keys::Distribution::decode(&b.bytes("d0")).expect("decodes");
    let other: [u8; 32] = b.rng.bytes();
    let replaced = sender_keys::Distribution {
        signing_key: x25519::public_key(&other),
        ..d0
    };
    b.inject("d1", replaced.encode(), None, None);
    b.join("bob", "alice", "d1", Accepted);
    b.deliver("bob", "alice", "m0", Refused(Error::BadSignature));
    out.push(b.finish("A distribution with a chain id already held but another signing key replaces that state: the earlier key's messages no longer verify.", &["Rotation"], Verdict::Invalid));

    let mut b = group_of_three(p, "grp.state.snapshot.000");
    b.send("alice", "g", "m0", "before the snapshot");
    b.snapshot("bob", "s0");
    b.deliver("bob", "alice", "m0", Accepted);
    out.push(b.finish(
        "A member's state can be saved (the engine's snapshot step) before a delivery.",
        &["InOrder"],
        Verdict::Valid,
    ));
    out
}

fn megolm_only() -> Vec<GroupTraceTest> {
    let p = GroupProfile::MegolmV1;
    let mut out = Vec::new();

    let mut b = group_of_three(p, "grp.skip.far_jump.000");
    let sid = b.session_id("alice", "g");
    let far = b.forged("alice", "g", 100_000, "far ahead", Forge::default());
    b.inject("f0", far, sid, Some("far ahead"));
    b.deliver("bob", "alice", "f0", Accepted);
    b.send("alice", "g", "m0", "index 0, after the jump");
    b.deliver("bob", "alice", "m0", Accepted);
    out.push(b.finish("A message at index 100,000: Megolm has no forward limit and keeps no skipped keys (any index at or after the first known one can be derived), so it and then index 0 decrypt.", &["MegolmNoForwardLimit"], Verdict::Valid));

    let mut b = group_of_three(p, "grp.tamper.mac.000");
    b.send("alice", "g", "m0", "genuine");
    let m = b.bytes("m0");
    let sid = b.session_id("alice", "g");
    b.inject("t0", flip(&m, m.len() - 64 - 1), sid.clone(), None);
    b.deliver("bob", "alice", "t0", Refused(Error::BadSignature));
    let resigned = b.forged(
        "alice",
        "g",
        0,
        "genuine",
        Forge {
            bad_mac: true,
            ..Forge::default()
        },
    );
    b.inject("t1", resigned, sid, None);
    b.deliver("bob", "alice", "t1", Refused(Error::AuthFailure));
    b.deliver("bob", "alice", "m0", Accepted);
    out.push(b.finish("A changed MAC: with the old signature, bad_signature; signed again by the sender (a valid signature over a wrong MAC), auth_failure.", &["TamperedMac"], Verdict::Invalid));

    // An exported key (no signature) at a later index.
    let mut b = group_of_three(p, "grp.exported.first_index.000");
    for i in 0..3 {
        b.send("alice", "g", &format!("m{i}"), &format!("message {i}"));
    }
    let held = match &b.member("bob").inbound[0].2 {
        Inbound::Megolm(s) => s.clone(),
        Inbound::SenderKeys(_) => unreachable!("a megolm member"),
    };
    let exported = held.export_at(2).expect("index 2 is reachable");
    b.inject("x2", exported, None, None);
    b.add_member("dave");
    b.join("dave", "alice", "x2", Accepted);
    b.deliver("dave", "alice", "m2", Accepted);
    b.deliver("dave", "alice", "m1", Refused(Error::DuplicateMessage));
    // Then the session key from index 0: the two are merged, the earlier kept.
    b.join("dave", "alice", "d0", Accepted);
    b.deliver("dave", "alice", "m1", Accepted);
    b.deliver("dave", "alice", "m2", Refused(Error::DuplicateMessage));
    out.push(b.finish("A member joins from an exported key at index 2 (it reads 2, not 1), then from the session key at 0: the keys merge, index 1 decrypts, and index 2 stays a replay.", &["ExportedKey", "IndexBelowFirst"], Verdict::Invalid));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every case of both profiles builds and records (the builder's statements of what
    /// each delivery must give agree with the spec as an implementation).
    #[test]
    fn every_group_case_records() {
        for p in GroupProfile::ALL {
            let tests = cases(p);
            assert!(tests.len() > 15, "{}: {}", p.name(), tests.len());
        }
    }
}
