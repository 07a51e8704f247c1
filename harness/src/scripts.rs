//! Conversation scripts built in code: the interop scenarios that would be too large as
//! files (the skip limits), and the random scripts of property mode. Scripts are trace tests
//! with empty expectations; the spec records the expectations before an IUT runs them.

use e2ee_iut::protocol::MessageKind;
use e2ee_spec::profile::Limits;
use e2ee_spec::Profile;
use e2ee_vectors::envelope::Verdict;
use e2ee_vectors::layout;
use e2ee_vectors::trace::{Expect, PartyInit, Step, TraceTest};

use e2ee_vectors::rng::Rng;
use e2ee_vectors::spec_iut::SpecIut;

pub const ALICE: &str = "alice";
pub const BOB: &str = "bob";

/// Alice and Bob, Bob's bundle (with a one-time prekey, and in a PQXDH profile a
/// last-resort KEM prekey), Alice's session.
pub fn setup(profile: Profile, rng: &mut Rng) -> (Vec<PartyInit>, Vec<Step>) {
    let parties = vec![
        PartyInit {
            name: ALICE.into(),
            identity_private: rng.hex(32),
            registration_id: 1111,
            version_byte: None,
        },
        PartyInit {
            name: BOB.into(),
            identity_private: rng.hex(32),
            registration_id: 2222,
            version_byte: None,
        },
    ];
    let pq = profile.post_quantum();
    // The KEM draws come after the others, so the X3DH profiles' scripts are unchanged.
    let (spk, otk, z) = (rng.hex(32), rng.hex(32), rng.hex(64));
    let (kyber_seed, kyber_z) = if pq {
        (Some(rng.hex(64)), Some(rng.hex(64)))
    } else {
        (None, None)
    };
    let publish = Step::Publish {
        actor: BOB.into(),
        signed_prekey_id: 1,
        signed_prekey_private: spk,
        one_time_prekey_id: Some(2),
        one_time_prekey_private: Some(otk),
        signature_randomness: z,
        kyber_prekey_id: pq.then_some(3),
        kyber_prekey_seed: kyber_seed,
        kyber_signature_randomness: kyber_z,
        kyber_last_resort: pq,
        expect: Expect::default(),
    };
    let (base, ratchet) = (rng.hex(32), rng.hex(32));
    let initiate = Step::Initiate {
        actor: ALICE.into(),
        peer: BOB.into(),
        bundle: None,
        base_key_private: base,
        ratchet_private: ratchet,
        kem_randomness: pq.then(|| rng.hex(32)),
        expect: Expect::default(),
    };
    let steps = vec![publish, initiate];
    (parties, steps)
}

pub fn send(rng: &mut Rng, from: &str, to: &str, label: &str) -> Step {
    Step::Send {
        actor: from.into(),
        peer: to.into(),
        label: label.into(),
        plaintext: rng.hex(12),
        ratchet_private: rng.hex(32),
        header_nonce: rng.hex(12),
        expect: Expect::default(),
    }
}

pub fn deliver(rng: &mut Rng, to: &str, from: &str, label: &str) -> Step {
    Step::Deliver {
        actor: to.into(),
        peer: from.into(),
        label: label.into(),
        ratchet_private: rng.hex(32),
        expect: Expect::default(),
    }
}

/// [`setup`], then Alice's first message and Bob's answer, each delivered: a session both
/// sides have, on which Alice sends normal messages.
fn acknowledged(profile: Profile, rng: &mut Rng) -> (Vec<PartyInit>, Vec<Step>) {
    let (parties, mut steps) = setup(profile, rng);
    steps.push(send(rng, ALICE, BOB, "first"));
    steps.push(deliver(rng, BOB, ALICE, "first"));
    steps.push(send(rng, BOB, ALICE, "ack"));
    steps.push(deliver(rng, ALICE, BOB, "ack"));
    (parties, steps)
}

/// The live interop scenarios below, kept as their recipe: `skip_limit`'s script has tens of
/// thousands of steps per profile, so a plan holds how to build each scenario and the runner
/// builds it when it runs it (seeded, so it is the same test every time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    SkipLimit,
    EvictedKeys,
    BadBundleWithSession,
    SizeLimit,
}

impl Scenario {
    pub const ALL: [Scenario; 4] = [
        Scenario::SkipLimit,
        Scenario::EvictedKeys,
        Scenario::BadBundleWithSession,
        Scenario::SizeLimit,
    ];

    /// The scenario's script in `profile` at `limits` (the implementation's kept limits);
    /// `None` where the profile has nothing to test (`size_limit` without a size limit). A
    /// header-encrypted one's id ends in `.header_encryption`.
    pub fn build(
        self,
        profile: Profile,
        header_encryption: bool,
        limits: &Limits,
        seed: u64,
    ) -> Option<TraceTest> {
        let mut test = match self {
            Scenario::SkipLimit => Some(skip_limit(profile, limits, seed)),
            Scenario::EvictedKeys => Some(evicted_keys(profile, limits, seed)),
            Scenario::BadBundleWithSession => Some(bad_bundle_with_session(profile, seed)),
            Scenario::SizeLimit => size_limit(profile, seed),
        }?;
        if header_encryption {
            test.tc_id.push_str(".header_encryption");
        }
        Some(test)
    }
}

/// The skip limit, exercised live: after the session is established Alice sends
/// `max_skip` messages that are lost and the next one arrives (a gap of exactly `max_skip`:
/// accepted), then `max_skip + 1` lost and the next one (a gap of `max_skip + 1`: rejected
/// with `too_far_ahead`), then the last lost one (a gap of `max_skip` again: accepted, so the
/// rejection changed no state). `limits` are the profile's or those the implementation
/// declared (SHIM.md §Limits).
pub fn skip_limit(profile: Profile, limits: &Limits, seed: u64) -> TraceTest {
    let max = limits.max_skip as usize;
    let mut rng = Rng::from_u64(seed);
    let (parties, mut steps) = acknowledged(profile, &mut rng);
    for i in 0..max {
        steps.push(send(&mut rng, ALICE, BOB, &format!("lost{i}")));
    }
    steps.push(send(&mut rng, ALICE, BOB, "at_limit"));
    steps.push(deliver(&mut rng, BOB, ALICE, "at_limit"));
    for i in 0..=max {
        steps.push(send(&mut rng, ALICE, BOB, &format!("gap{i}")));
    }
    steps.push(send(&mut rng, ALICE, BOB, "over_limit"));
    steps.push(deliver(&mut rng, BOB, ALICE, "over_limit"));
    steps.push(deliver(&mut rng, BOB, ALICE, &format!("gap{max}")));
    TraceTest {
        tc_id: "interop.skip.limit".into(),
        comment: format!("gap of exactly MAX_SKIP = {max} accepted, MAX_SKIP + 1 rejected, state unchanged by the rejection"),
        flags: vec!["SkipAtLimit".into(), "SkipOverLimit".into()],
        result: Verdict::Invalid,
        parties,
        receiver: None,
        steps,
    }
}

/// The skipped-key store's bound, exercised live: Alice sends a run of messages and Bob
/// receives them in jumps of at most MAX_SKIP to the last, so that one key more was skipped
/// than the store keeps; then the earliest messages arrive. The
/// oldest key was evicted (its message is refused); the later ones decrypt. `limits` as for
/// [`skip_limit`].
pub fn evicted_keys(profile: Profile, limits: &Limits, seed: u64) -> TraceTest {
    let store = limits.skipped_keys.size();
    let jump = (limits.max_skip as usize).min(store);
    let mut rng = Rng::from_u64(seed);
    let (parties, mut steps) = acknowledged(profile, &mut rng);
    // Every jump skips `jump` keys; the last message closes the run. The run is one message
    // longer than needed for the keys skipped to outnumber the store by one.
    let jumps = |n: usize| -> Vec<usize> {
        let mut delivered: Vec<usize> = (jump..n - 1).step_by(jump + 1).collect();
        delivered.push(n - 1);
        delivered
    };
    let mut n = store + 2;
    while n - jumps(n).len() <= store {
        n += 1;
    }
    let delivered = jumps(n);
    for i in 0..n {
        steps.push(send(&mut rng, ALICE, BOB, &format!("k{i}")));
    }
    for &i in &delivered {
        steps.push(deliver(&mut rng, BOB, ALICE, &format!("k{i}")));
    }
    for i in (0..3).filter(|i| !delivered.contains(i)) {
        steps.push(deliver(&mut rng, BOB, ALICE, &format!("k{i}")));
    }
    TraceTest {
        tc_id: "interop.skip.evicted_keys".into(),
        comment: format!("more keys skipped than the store keeps ({store}): the oldest key's message is refused, the next ones decrypt"),
        flags: vec!["SkippedKeyEvicted".into()],
        result: Verdict::Invalid,
        parties,
        receiver: None,
        steps,
    }
}

/// A bad bundle while a session exists, live: Alice and Bob talk, Alice is handed a bundle in
/// Bob's name that she must refuse (a bad signature; in Olm, no one-time key), and the session
/// they have goes on both ways.
pub fn bad_bundle_with_session(profile: Profile, seed: u64) -> TraceTest {
    let mut rng = Rng::from_u64(seed);
    let (parties, mut steps) = setup(profile, &mut rng);
    for (from, to, label) in [(ALICE, BOB, "a0"), (BOB, ALICE, "b0")] {
        steps.push(send(&mut rng, from, to, label));
        steps.push(deliver(&mut rng, to, from, label));
    }
    steps.push(Step::Initiate {
        actor: ALICE.into(),
        peer: BOB.into(),
        bundle: Some(bad_bundle(profile, seed)),
        base_key_private: rng.hex(32),
        ratchet_private: rng.hex(32),
        kem_randomness: profile.post_quantum().then(|| rng.hex(32)),
        expect: Expect::default(),
    });
    for (from, to, label) in [(ALICE, BOB, "a1"), (BOB, ALICE, "b1"), (ALICE, BOB, "a2")] {
        steps.push(send(&mut rng, from, to, label));
        steps.push(deliver(&mut rng, to, from, label));
    }
    let flag = match profile {
        Profile::OlmV1 => "MissingOneTimePrekey",
        _ => "BadSignedPrekeySignature",
    };
    TraceTest {
        tc_id: "interop.bundle.bad_while_session".into(),
        comment: "a bundle Alice must refuse arrives while she has a session with Bob: refused, and the session goes on both ways".into(),
        flags: vec![flag.into(), "FailedInitiateKeepsSession".into()],
        result: Verdict::Invalid,
        parties,
        receiver: None,
        steps,
    }
}

/// The profile's plaintext size limit, live (profiles that have one): a message of exactly the
/// limit is sent and decrypts; one byte more is refused by the sender.
pub fn size_limit(profile: Profile, seed: u64) -> Option<TraceTest> {
    let max = profile.limits().max_plaintext;
    if max == usize::MAX {
        return None;
    }
    let mut rng = Rng::from_u64(seed);
    let (parties, mut steps) = setup(profile, &mut rng);
    for (label, len) in [("at_limit", max), ("over_limit", max + 1)] {
        steps.push(Step::Send {
            actor: ALICE.into(),
            peer: BOB.into(),
            label: label.into(),
            plaintext: hex::encode(vec![0x5a; len]),
            ratchet_private: rng.hex(32),
            header_nonce: rng.hex(12),
            expect: Expect::default(),
        });
    }
    steps.push(deliver(&mut rng, BOB, ALICE, "at_limit"));
    steps.push(send(&mut rng, ALICE, BOB, "after"));
    steps.push(deliver(&mut rng, BOB, ALICE, "after"));
    Some(TraceTest {
        tc_id: "interop.size.plaintext_limit".into(),
        comment: format!("a plaintext of exactly {max} bytes is sent and decrypts; {} bytes are refused by the sender, and the session goes on", max + 1),
        flags: vec!["PlaintextAtLimit".into()],
        result: Verdict::Invalid,
        parties,
        receiver: None,
        steps,
    })
}

/// One action of a random conversation (property mode).
#[derive(Debug, Clone)]
pub enum Action {
    /// Party 0 (Alice) or 1 (Bob) sends a message.
    Send(u8),
    /// The `n`-th (modulo) message not yet delivered arrives.
    Deliver(usize),
    /// The `n`-th (modulo) delivered message arrives again.
    Duplicate(usize),
    /// The `n`-th (modulo) sent message arrives with one byte of a field XORed: the `f`-th
    /// (modulo) field that message has, its first byte or, with `last`, its last one.
    Tamper(usize, usize, bool, u8),
    /// Party 0 or 1 sends `n` messages in a row: with later deliveries in any order, long
    /// gaps, skipped keys past a per-chain store's limit (evictions), and losses.
    Burst(u8, u8),
    /// `n` round trips, each message delivered at once: one DH ratchet step per message, so
    /// the late messages of earlier chains meet evicted receiving chains.
    RoundTrips(u8),
    /// Alice starts a session from a bundle whose signed prekey signature does not verify
    /// (another party's keys, made from the seed): refused, and the session she has goes on.
    BadBundle(u64),
}

/// The fields a random tamper aims at: bytes the MAC (or the header's AEAD tag) covers and no
/// check reads before it, so that every implementation must answer `auth_failure` (or, for a
/// copy of a message already delivered, whatever its order of checks puts first). A flipped
/// version, varint, id or key byte changes how the rest parses or which check fails first (a
/// lenient parser's `too_far_ahead` on a huge counter, a strict one's `decode_error`), which
/// depends on the parser and on the message's random bytes, not on the protocol: property mode
/// blamed a correct implementation (vodozemac) at random. The kat and interop tamper vectors pin
/// each of those fields with its documented class instead.
const AUTHENTICATED: [&str; 4] = ["ciphertext", "mac", "header_nonce", "encrypted_header"];

/// Who sends for party `who` (0 Alice, 1 Bob): Bob has no session until one of Alice's
/// messages reached him, so until then Alice sends.
fn sender(
    who: u8,
    sent: &[(String, &'static str, &'static str, MessageKind)],
    delivered: &[usize],
) -> (&'static str, &'static str) {
    if who == 1 && delivered.iter().any(|&i| sent[i].1 == ALICE) {
        (BOB, ALICE)
    } else {
        (ALICE, BOB)
    }
}

/// Alice sends prekey messages until a message from Bob has reached her.
fn kind_of(from: &str, alice_heard: bool) -> MessageKind {
    if from == ALICE && !alice_heard {
        MessageKind::Prekey
    } else {
        MessageKind::Normal
    }
}

/// A bundle of another party's keys (made from `seed`) whose signed prekey signature has one
/// bit flipped: every profile with signed prekeys refuses it with `bad_signature`; Olm, which
/// signs nothing, gets one without a one-time key instead (`unknown_prekey`).
fn bad_bundle(profile: Profile, seed: u64) -> e2ee_iut::protocol::Bundle {
    use e2ee_iut::protocol::{Iut, Reply, Request};
    let mut rng = Rng::from_u64(seed);
    let mut spec = SpecIut::new(seed);
    let party = match spec.call(&Request::CreateParty {
        profile: profile.name().into(),
        header_encryption: false,
        identity_private: Some(rng.hex(32)),
        registration_id: Some(3333),
        version_byte: None,
    }) {
        Ok(Reply::Party { party, .. }) => party,
        other => panic!("the spec makes a party: {other:?}"),
    };
    let olm = profile == Profile::OlmV1;
    let pq = profile.post_quantum();
    let mut bundle = match spec.call(&Request::CreateBundle {
        party,
        signed_prekey_id: 9,
        signed_prekey_private: Some(rng.hex(32)),
        one_time_prekey_id: (!olm).then_some(9),
        one_time_prekey_private: (!olm).then(|| rng.hex(32)),
        signature_randomness: Some(rng.hex(64)),
        kyber_prekey_id: pq.then_some(9),
        kyber_prekey_seed: pq.then(|| rng.hex(64)),
        kyber_prekey_private: None,
        kyber_signature_randomness: pq.then(|| rng.hex(64)),
        kyber_last_resort: pq,
    }) {
        Ok(Reply::Bundle(b)) => b,
        other => panic!("the spec publishes a bundle: {other:?}"),
    };
    if let Some(sig) = &mut bundle.signed_prekey_signature {
        let mut b = hex::decode(&*sig).expect("hex");
        b[0] ^= 0x01;
        *sig = hex::encode(b);
    }
    bundle
}

/// Turn actions into a script for `profile` (header-encrypted when `he`). Messages are
/// labelled `m<k>`; a tampered copy `t<k>`.
pub fn conversation(profile: Profile, he: bool, seed: u64, actions: &[Action]) -> TraceTest {
    let mut rng = Rng::from_u64(seed);
    let (parties, mut steps) = setup(profile, &mut rng);
    // (label, from, to, kind): which fields a message has depends on its kind.
    let mut sent: Vec<(String, &str, &str, MessageKind)> = Vec::new();
    let mut undelivered: Vec<usize> = Vec::new();
    let mut delivered: Vec<usize> = Vec::new();
    // Alice sends prekey messages until a message from Bob has reached her.
    let mut alice_heard = false;
    for (k, action) in actions.iter().enumerate() {
        match action {
            Action::Send(who) => {
                let (from, to) = sender(*who, &sent, &delivered);
                let label = format!("m{k}");
                steps.push(send(&mut rng, from, to, &label));
                sent.push((label, from, to, kind_of(from, alice_heard)));
                undelivered.push(sent.len() - 1);
            }
            Action::Burst(who, n) => {
                for i in 0..*n {
                    let (from, to) = sender(*who, &sent, &delivered);
                    let label = format!("m{k}_{i}");
                    steps.push(send(&mut rng, from, to, &label));
                    sent.push((label, from, to, kind_of(from, alice_heard)));
                    undelivered.push(sent.len() - 1);
                }
            }
            Action::RoundTrips(n) => {
                for i in 0..*n {
                    for who in [0, 1] {
                        let (from, to) = sender(who, &sent, &delivered);
                        let label = format!("m{k}_{i}_{who}");
                        steps.push(send(&mut rng, from, to, &label));
                        sent.push((label.clone(), from, to, kind_of(from, alice_heard)));
                        steps.push(deliver(&mut rng, to, from, &label));
                        alice_heard |= to == ALICE;
                        delivered.push(sent.len() - 1);
                    }
                }
            }
            Action::BadBundle(bundle_seed) => {
                steps.push(Step::Initiate {
                    actor: ALICE.into(),
                    peer: BOB.into(),
                    bundle: Some(bad_bundle(profile, *bundle_seed)),
                    base_key_private: rng.hex(32),
                    ratchet_private: rng.hex(32),
                    kem_randomness: profile.post_quantum().then(|| rng.hex(32)),
                    expect: Expect::default(),
                });
            }
            Action::Deliver(n) if !undelivered.is_empty() => {
                let idx = undelivered.remove(n % undelivered.len());
                let (label, from, to, _) = &sent[idx];
                steps.push(deliver(&mut rng, to, from, label));
                alice_heard |= *to == ALICE;
                delivered.push(idx);
            }
            Action::Duplicate(n) if !delivered.is_empty() => {
                let (label, from, to, _) = &sent[delivered[n % delivered.len()]];
                steps.push(deliver(&mut rng, to, from, label));
            }
            Action::Tamper(n, f, last, xor) if !sent.is_empty() => {
                let (label, from, to, kind) = sent[n % sent.len()].clone();
                let fields: Vec<String> = layout::fields(profile, he, kind)
                    .into_iter()
                    .filter(|f| AUTHENTICATED.contains(&f.strip_prefix(layout::INNER).unwrap_or(f)))
                    .collect();
                let as_label = format!("t{k}");
                steps.push(Step::Tamper {
                    label,
                    as_label: as_label.clone(),
                    field: fields[f % fields.len()].clone(),
                    field_offset: if *last { -1 } else { 0 },
                    // Recorded by the spec with the expectations.
                    offset: 0,
                    xor: (*xor).max(1),
                });
                steps.push(deliver(&mut rng, to, from, &as_label));
            }
            _ => {}
        }
    }
    TraceTest {
        tc_id: format!("props.{seed:016x}"),
        comment: "random conversation (property mode)".into(),
        flags: Vec::new(),
        result: Verdict::Valid,
        parties,
        receiver: None,
        steps,
    }
}
