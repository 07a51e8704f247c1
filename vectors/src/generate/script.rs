//! Trace scripts: a test written as steps with empty expectations, recorded against the
//! spec (`engine::record`), then checked against what the script meant to show (`Want`), so
//! a vector can never silently say something else than its name.

use super::Rng;
use crate::engine;
use crate::envelope::Verdict;
use crate::layout;
use crate::spec_iut::{self, SpecIut};
use crate::trace::{Expect, PartyInit, Step, TraceTest};
use e2ee_iut::protocol::{Bundle, MessageKind};
use e2ee_spec::double_ratchet::KeyPair;
use e2ee_spec::party::{self, Party};
use e2ee_spec::profile::WireVariant;
use e2ee_spec::session::MessageKind as Kind;
use e2ee_spec::Profile;

/// Which group a test is in: the profile, header encryption (modern only), and which
/// parties write the profile's legacy wire variant (`signal-v3`'s `0x33`).
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    pub profile: Profile,
    pub he: bool,
    pub legacy: Legacy,
}

/// The parties of a test that write `WireVariant::Legacy`; the others write the reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Legacy {
    Nobody,
    All,
    Only(&'static str),
}

impl Legacy {
    fn covers(self, party: &str) -> bool {
        match self {
            Legacy::Nobody => false,
            Legacy::All => true,
            Legacy::Only(p) => p == party,
        }
    }
}

impl Ctx {
    /// The tcId prefix of Double Ratchet traces in this group.
    pub fn dr(&self) -> &'static str {
        if self.he {
            "dr_he"
        } else {
            "dr"
        }
    }
    pub fn max_skip(&self) -> u32 {
        self.profile.limits().max_skip
    }
}

/// What a step is meant to give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    Ok,
    Err(&'static str),
    /// Rejected, with whatever class the spec gives (it differs between profiles).
    Rejected,
}

pub const DUPLICATE: Want = Want::Err("duplicate_message");
pub const AUTH: Want = Want::Err("auth_failure");
pub const DECODE: Want = Want::Err("decode_error");
pub const TOO_FAR: Want = Want::Err("too_far_ahead");
pub const INVALID_KEY: Want = Want::Err("invalid_key");
pub const UNTRUSTED_IDENTITY: Want = Want::Err("untrusted_identity");
pub const BAD_SIGNATURE: Want = Want::Err("bad_signature");
pub const UNKNOWN_PREKEY: Want = Want::Err("unknown_prekey");

pub struct Script {
    pub ctx: Ctx,
    test: TraceTest,
    wants: Vec<Option<Want>>,
    /// A rejection the spec records may be an acceptance in an implementation (`acceptable`).
    acceptable: bool,
    pub rng: Rng,
}

impl Script {
    pub fn new(ctx: Ctx, tc_id: String, comment: &str, flags: &[&str]) -> Script {
        let seed = tc_id.clone();
        Script::seeded(ctx, tc_id, &seed, comment, flags)
    }

    /// A script whose randomness comes from `seed` instead of its id: tests that share a
    /// seed share their parties' keys.
    pub fn seeded(ctx: Ctx, tc_id: String, seed: &str, comment: &str, flags: &[&str]) -> Script {
        let rng = Rng::new(&[
            ctx.profile.name(),
            if ctx.he { "he" } else { "plain" },
            seed,
        ]);
        Script {
            ctx,
            test: TraceTest {
                tc_id,
                comment: comment.to_string(),
                flags: flags.iter().map(|f| f.to_string()).collect(),
                result: Verdict::Valid,
                parties: Vec::new(),
                receiver: None,
                steps: Vec::new(),
            },
            wants: Vec::new(),
            acceptable: false,
            rng,
        }
    }

    /// Alice and Bob; Bob publishes a bundle (signed prekey 1, one-time prekey 1) and Alice
    /// starts a session from it.
    pub fn pair(ctx: Ctx, tc_id: String, comment: &str, flags: &[&str]) -> Script {
        let mut s = Script::new(ctx, tc_id, comment, flags);
        s.party("alice");
        s.party("bob");
        s.publish("bob", 1, Some(1));
        s.initiate("alice", "bob");
        s
    }

    pub fn tc_id(&self) -> &str {
        &self.test.tc_id
    }

    pub fn flag(&mut self, flag: &str) {
        if !self.test.flags.iter().any(|f| f == flag) {
            self.test.flags.push(flag.to_string());
        }
    }

    /// The test's rejections may be acceptances (`result: acceptable`): the engine then judges
    /// the rest of the trace as usual, so the steps after an accepted one must mean the same
    /// either way.
    pub fn acceptable(&mut self) {
        self.acceptable = true;
    }

    pub fn receiver(&mut self, name: &str) {
        self.test.receiver = Some(name.to_string());
    }

    fn step(&mut self, step: Step, want: Option<Want>) {
        self.test.steps.push(step);
        self.wants.push(want);
    }

    pub fn party(&mut self, name: &str) {
        let identity: [u8; 32] = self.rng.bytes();
        // libsignal registration ids are 14-bit, never 0.
        let registration_id = self.rng.below(16380);
        let wire = if self.ctx.legacy.covers(name) {
            WireVariant::Legacy
        } else {
            WireVariant::Reference
        };
        self.test.parties.push(PartyInit {
            name: name.to_string(),
            identity_private: hex::encode(identity),
            registration_id,
            version_byte: (wire != WireVariant::Reference)
                .then(|| wire.version_byte(self.ctx.profile))
                .flatten()
                .map(|b| hex::encode([b])),
        });
    }

    /// How `name` writes its messages (`Ctx::legacy`).
    pub fn wire(&self, name: &str) -> WireVariant {
        spec_iut::wire_of(self.ctx.profile, self.init(name).version_byte.as_deref())
            .expect("a version byte the generator wrote")
    }

    pub fn registration_id(&self, name: &str) -> u32 {
        self.init(name).registration_id
    }

    /// The party `name` as the test declares it.
    fn init(&self, name: &str) -> &PartyInit {
        self.test
            .parties
            .iter()
            .find(|p| p.name == name)
            .expect("known party")
    }

    pub fn identity(&self, name: &str) -> KeyPair {
        let p = self.init(name);
        let private: [u8; 32] = hex::decode(&p.identity_private)
            .expect("hex")
            .try_into()
            .expect("32 bytes");
        KeyPair::from_private(&private)
    }

    /// `actor` publishes a bundle. In `signal-v4` it carries a last-resort KEM prekey with the
    /// signed prekey's id, which (like the signed prekey) any number of sessions may use, so
    /// that a script means the same in `signal-v3` and `signal-v4`; scripts about one-time KEM
    /// prekeys use [`Script::publish_kyber`].
    pub fn publish(&mut self, actor: &str, signed_prekey_id: u32, one_time_prekey_id: Option<u32>) {
        let kyber = self
            .ctx
            .profile
            .post_quantum()
            .then_some((signed_prekey_id, true));
        self.publish_kyber(actor, signed_prekey_id, one_time_prekey_id, kyber);
    }

    /// `actor` publishes a bundle with KEM prekey `kyber` = (id, last resort) (PQXDH §3.2).
    pub fn publish_kyber(
        &mut self,
        actor: &str,
        signed_prekey_id: u32,
        one_time_prekey_id: Option<u32>,
        kyber: Option<(u32, bool)>,
    ) {
        let spk: [u8; 32] = self.rng.bytes();
        let otk: [u8; 32] = self.rng.bytes();
        let z: [u8; 64] = self.rng.bytes();
        // Drawn only when used, after the X3DH draws: the other profiles' scripts draw what
        // they drew before PQXDH existed, so their vectors did not change.
        let (kyber_seed, kyber_z): (Option<[u8; 64]>, Option<[u8; 64]>) = match kyber {
            Some(_) => (Some(self.rng.bytes()), Some(self.rng.bytes())),
            None => (None, None),
        };
        self.step(
            Step::Publish {
                actor: actor.into(),
                signed_prekey_id,
                signed_prekey_private: hex::encode(spk),
                one_time_prekey_id,
                one_time_prekey_private: one_time_prekey_id.map(|_| hex::encode(otk)),
                signature_randomness: hex::encode(z),
                kyber_prekey_id: kyber.map(|(id, _)| id),
                kyber_prekey_seed: kyber_seed.map(hex::encode),
                kyber_signature_randomness: kyber_z.map(hex::encode),
                kyber_last_resort: kyber.is_some_and(|(_, last_resort)| last_resort),
                expect: Expect::default(),
            },
            Some(Want::Ok),
        );
    }

    pub fn initiate(&mut self, actor: &str, peer: &str) {
        self.initiate_with(actor, peer, None, Want::Ok);
    }

    pub fn initiate_with(&mut self, actor: &str, peer: &str, bundle: Option<Bundle>, want: Want) {
        let base: [u8; 32] = self.rng.bytes();
        let ratchet: [u8; 32] = self.rng.bytes();
        let kem: Option<[u8; 32]> = self.ctx.profile.post_quantum().then(|| self.rng.bytes());
        self.step(
            Step::Initiate {
                actor: actor.into(),
                peer: peer.into(),
                bundle,
                base_key_private: hex::encode(base),
                ratchet_private: hex::encode(ratchet),
                kem_randomness: kem.map(hex::encode),
                expect: Expect::default(),
            },
            Some(want),
        );
    }

    /// The plaintext of message `label`: readable, and of varying length.
    fn plaintext(label: &str) -> Vec<u8> {
        format!("message {label}").into_bytes()
    }

    pub fn send(&mut self, actor: &str, peer: &str, label: &str) {
        self.send_bytes(actor, peer, label, Script::plaintext(label));
    }

    pub fn send_bytes(&mut self, actor: &str, peer: &str, label: &str, plaintext: Vec<u8>) {
        let ratchet: [u8; 32] = self.rng.bytes();
        let nonce: [u8; 12] = self.rng.bytes();
        self.step(
            Step::Send {
                actor: actor.into(),
                peer: peer.into(),
                label: label.into(),
                plaintext: hex::encode(plaintext),
                ratchet_private: hex::encode(ratchet),
                header_nonce: hex::encode(nonce),
                expect: Expect::default(),
            },
            Some(Want::Ok),
        );
    }

    pub fn sends(&mut self, actor: &str, peer: &str, labels: &[&str]) {
        for l in labels {
            self.send(actor, peer, l);
        }
    }

    pub fn deliver(&mut self, actor: &str, peer: &str, label: &str) {
        self.deliver_want(actor, peer, label, Want::Ok);
    }

    pub fn delivers(&mut self, actor: &str, peer: &str, labels: &[&str]) {
        for l in labels {
            self.deliver(actor, peer, l);
        }
    }

    pub fn deliver_want(&mut self, actor: &str, peer: &str, label: &str, want: Want) {
        let ratchet: [u8; 32] = self.rng.bytes();
        self.step(
            Step::Deliver {
                actor: actor.into(),
                peer: peer.into(),
                label: label.into(),
                ratchet_private: hex::encode(ratchet),
                expect: Expect::default(),
            },
            Some(want),
        );
    }

    /// Send and deliver at once.
    pub fn exchange(&mut self, from: &str, to: &str, label: &str) {
        self.send(from, to, label);
        self.deliver(to, from, label);
    }

    pub fn drop(&mut self, label: &str) {
        self.step(
            Step::Drop {
                label: label.into(),
            },
            None,
        );
    }

    /// Message `as_label` = message `label` with byte `field_offset` of field `field` XOR
    /// `xor` (`Step::Tamper`); the field must be in the spec's message.
    pub fn tamper(&mut self, label: &str, as_label: &str, field: &str, field_offset: i64, xor: u8) {
        let (kind, m) = self.message(label);
        let at = layout::locate(self.ctx.profile, self.ctx.he, kind, &m, field)
            .map(|r| layout::byte_of(&r, field_offset));
        let Ok(Some(offset)) = at else {
            panic!(
                "{}: tamper {label} at {field}[{field_offset}]: {at:?}",
                self.tc_id()
            );
        };
        assert!(xor != 0, "{}: tamper {label} with xor 0", self.tc_id());
        self.step(
            Step::Tamper {
                label: label.into(),
                as_label: as_label.into(),
                field: field.into(),
                field_offset,
                offset,
                xor,
            },
            None,
        );
    }

    pub fn inject(&mut self, label: &str, kind: MessageKind, message: &[u8]) {
        self.step(
            Step::Inject {
                label: label.into(),
                kind,
                message: hex::encode(message),
            },
            None,
        );
    }

    pub fn snapshot(&mut self, actor: &str, name: &str) {
        self.step(
            Step::Snapshot {
                actor: actor.into(),
                name: name.into(),
            },
            None,
        );
    }

    pub fn restore(&mut self, actor: &str, name: &str) {
        self.step(
            Step::Restore {
                actor: actor.into(),
                name: name.into(),
            },
            None,
        );
    }

    /// Record the script so far against the spec.
    fn record_prefix(&self) -> (SpecIut, TraceTest) {
        let mut spec = SpecIut::new(0);
        let mut test = self.test.clone();
        if let Err(e) = engine::record(&mut spec, self.ctx.profile.name(), self.ctx.he, &mut test) {
            panic!("{}: recording failed: {e}", self.tc_id());
        }
        (spec, test)
    }

    /// The bytes of message `label` as the spec produces them (sent or injected).
    pub fn message(&self, label: &str) -> (MessageKind, Vec<u8>) {
        let (_, test) = self.record_prefix();
        let mut found = None;
        for step in &test.steps {
            match step {
                Step::Send {
                    label: l, expect, ..
                } if l == label => {
                    if let (Some(kind), Some(m)) = (expect.kind, &expect.message) {
                        found = Some((kind, hex::decode(m).expect("hex")));
                    }
                }
                Step::Inject {
                    label: l,
                    kind,
                    message,
                } if l == label => {
                    found = Some((*kind, hex::decode(message).expect("hex")));
                }
                _ => {}
            }
        }
        found.unwrap_or_else(|| panic!("{}: no message {label}", self.tc_id()))
    }

    /// The bundle `actor` published last, as the spec made it.
    pub fn bundle(&self, actor: &str) -> Bundle {
        let (_, test) = self.record_prefix();
        test.steps
            .iter()
            .rev()
            .find_map(|step| match step {
                Step::Publish {
                    actor: a, expect, ..
                } if a == actor => expect.bundle.clone(),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{}: {actor} published no bundle", self.tc_id()))
    }

    /// A separate run of the spec from `actor`'s state after the script so far: what it
    /// does there never enters the trace except as injected messages.
    pub fn offline(&mut self, actor: &str) -> Offline {
        let (spec, _) = self.record_prefix();
        let me = self.identity(actor);
        let party = spec
            .party_with_identity(&me.public)
            .expect("party state")
            .clone();
        let peers = self
            .test
            .parties
            .iter()
            .map(|p| (p.name.clone(), self.identity(&p.name).public))
            .collect();
        let rng = Rng::new(&[self.ctx.profile.name(), self.tc_id(), "offline", actor]);
        Offline { party, peers, rng }
    }

    /// Record the script and check every step gave what it was meant to.
    pub fn finish(mut self) -> TraceTest {
        if let Some(r) = &self.test.receiver {
            for (step, want) in self.test.steps.iter().zip(&self.wants) {
                let acting = step.actor() == Some(r.as_str());
                let sends = matches!(step, Step::Send { .. })
                    || (matches!(step, Step::Initiate { .. }) && *want == Some(Want::Ok));
                assert!(
                    !(acting && sends),
                    "{}: receiver {r} sends or initiates",
                    self.tc_id()
                );
            }
        }
        let (_, recorded) = self.record_prefix();
        let mut negative = false;
        for (i, (step, want)) in recorded.steps.iter().zip(&self.wants).enumerate() {
            let Some(want) = want else { continue };
            let got = expect_of(step).and_then(|e| e.error.clone());
            let ok = match (want, &got) {
                (Want::Ok, None) => true,
                (Want::Err(c), Some(g)) => c == g,
                (Want::Rejected, Some(_)) => true,
                _ => false,
            };
            assert!(
                ok,
                "{}: step {i} ({step:?}) was meant to give {want:?}, the spec gave {got:?}",
                self.tc_id()
            );
            negative |= got.is_some();
        }
        self.test = recorded;
        // An acceptable test tolerates either what the spec refuses or an injected message the
        // spec reads that a stricter reader may refuse (vectors/src/engine.rs `Tolerance`).
        let injected: Vec<&str> = self
            .test
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Inject { label, .. } => Some(label.as_str()),
                _ => None,
            })
            .collect();
        let tolerates = self.test.steps.iter().any(
            |s| matches!(s, Step::Deliver { label, .. } if injected.contains(&label.as_str())),
        );
        assert!(
            negative || tolerates || !self.acceptable,
            "{}: acceptable, but the spec rejects nothing and reads no injected message",
            self.tc_id()
        );
        self.test.result = if (negative || tolerates) && self.acceptable {
            Verdict::Acceptable
        } else if negative {
            Verdict::Invalid
        } else {
            Verdict::Valid
        };
        self.test
    }
}

fn expect_of(step: &Step) -> Option<&Expect> {
    match step {
        Step::Publish { expect, .. }
        | Step::Initiate { expect, .. }
        | Step::Send { expect, .. }
        | Step::Deliver { expect, .. } => Some(expect),
        _ => None,
    }
}

/// A party's state taken out of a script and driven directly through the spec's party API.
pub struct Offline {
    pub party: Party,
    peers: Vec<(String, [u8; 32])>,
    rng: Rng,
}

fn wire_kind(kind: Kind) -> MessageKind {
    match kind {
        Kind::PreKey => MessageKind::Prekey,
        Kind::Normal => MessageKind::Normal,
    }
}

impl Offline {
    fn peer(&self, name: &str) -> [u8; 32] {
        self.peers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, k)| *k)
            .expect("known peer")
    }

    pub fn encrypt(&mut self, peer: &str, plaintext: &[u8]) -> (MessageKind, Vec<u8>) {
        let remote = self.peer(peer);
        let (update, kind, message) = party::encrypt(
            &self.party,
            &remote,
            plaintext,
            &self.rng.bytes(),
            &self.rng.bytes(),
        )
        .expect("offline encrypt");
        spec_iut::apply(&mut self.party, update);
        (wire_kind(kind), message)
    }

    /// Encrypt `count` messages and keep those whose index (0 = the next message the
    /// party would send) is in `keep`.
    pub fn encrypt_many(
        &mut self,
        peer: &str,
        count: u32,
        keep: &[u32],
    ) -> Vec<(u32, MessageKind, Vec<u8>)> {
        let mut out = Vec::new();
        for i in 0..count {
            let (kind, m) = self.encrypt(peer, format!("message {i} ahead").as_bytes());
            if keep.contains(&i) {
                out.push((i, kind, m));
            }
        }
        out
    }

    pub fn decrypt(&mut self, peer: &str, kind: MessageKind, message: &[u8]) {
        let remote = self.peer(peer);
        let kind = match kind {
            MessageKind::Prekey => Kind::PreKey,
            MessageKind::Normal => Kind::Normal,
        };
        let (update, _) = party::decrypt(&self.party, &remote, kind, message, &self.rng.bytes())
            .expect("offline decrypt");
        spec_iut::apply(&mut self.party, update);
    }
}
