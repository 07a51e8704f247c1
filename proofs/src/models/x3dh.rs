//! The X3DH models: the key agreement between honest Alice and Bob with Alice's first ratchet
//! message in the prekey message, with and without a one-time prekey, its forward secrecy,
//! and four sanity models, each the model of a spec with one X3DH step removed.

use super::handshake::{alice_first_message, alice_x3dh, bob_one_time_prekey, bob_x3dh};
use super::process::{Ctx, Proc};
use super::ratchet::Ratchet;
use super::text::{assemble, fresh_assumptions, revealed_from_start, two_parties};
use super::{as_sanity, with_completes, About, Expect, FixedQuery, Model, Sanity};
use crate::guards::Spec;
use crate::mutants;
use crate::schedule::prefix;
use e2ee_spec::Profile;

/// Everything after the declarations: `{queries}`, `{assumptions}`, `{alice}`, `{bob}` and
/// `{leaks}`, the compromise phases.
const TEMPLATE: &str = include_str!("../templates/x3dh.pv");

/// One X3DH model. What Alice and Bob check and compute is read from the spec (`Guards`:
/// the signature check, the DH outputs, the one-time prekey's deletion).
pub(super) struct Variant {
    about: About,
    /// Bob publishes a one-time prekey per session, and Alice uses it.
    one_time: bool,
    /// Compromise phases: 0 none, 1 both identity keys leak, 2 then Bob's signed prekey too.
    phases: u32,
    /// Bob's private keys the attacker holds from the start (`ikB`, `spkB`): key-compromise
    /// impersonation.
    known_from_start: &'static [&'static str],
    /// Its queries, before the two reachability ones every model has.
    queries: &'static [FixedQuery],
}

/// The paragraph every unweakened X3DH model's description starts with.
macro_rules! base {
    () => {
        "   X3DH (§3.2-3.4) between honest Alice (initiator) and Bob (responder), unboundedly many\n   sessions each, against an active attacker who also holds identities of its own. Alice's first\n   Double Ratchet message rides in the prekey message (§3.3); Bob accepts when it decrypts."
    };
}

const MAIN_DESCRIPTION: &str = concat!(
    base!(),
    "\n   Alice answers any identity's bundle; Bob any initial message."
);
const FS_DESCRIPTION: &str = concat!(
    base!(),
    "\n   Phase 1 reveals both identity keys, phase 2 also Bob's signed prekey (one-time prekeys and\n   ephemeral keys are deleted after use). Alice starts sessions with Bob's identity only."
);

const KCI_DESCRIPTION: &str = concat!(
    base!(),
    "\n   Alice answers any identity's bundle; Bob any initial message. The attacker holds Bob's\n   private keys named in the title from the start (both parties still use them)."
);

const BOB_AGREES: &str = "ikb: G, spk: G, ek: G, opk: G; event(BobAccept(exp(g, ikA), ikb, spk, ek, opk)) ==> event(AliceInit(exp(g, ikA), ikb, spk, ek, opk))";
const BUNDLE_AUTHENTIC: &str = "ika: G, spk: G, ek: G, opk: G; event(AliceInit(ika, exp(g, ikB), spk, ek, opk)) ==> event(BobSignedPrekey(exp(g, ikB), spk))";

const SECRECY_M1: FixedQuery = FixedQuery {
    id: "secrecy_m1",
    property: "secrecy",
    text: "attacker(s_m1)",
    expected: Expect::True,
    meaning: "the initial message's plaintext, sent by Alice to honest Bob, stays secret from an active attacker",
};
const BOB_AGREES_WITH_ALICE: FixedQuery = FixedQuery {
    id: "bob_agrees_with_alice",
    property: "authentication",
    text: BOB_AGREES,
    expected: Expect::True,
    meaning: "when Bob accepts an initial message from Alice's identity, Alice ran X3DH with Bob's identity and the same SPK, EK and OPK, hence the same X3DH secret",
};
const ALICE_BUNDLE_AUTHENTIC: FixedQuery = FixedQuery {
    id: "alice_bundle_authentic",
    property: "authentication",
    text: BUNDLE_AUTHENTIC,
    expected: Expect::True,
    meaning: "the signed prekey Alice uses with Bob's identity is one Bob published",
};
const INJECTIVE: &str = "ikb: G, spk: G, ek: G, opk: G; inj-event(BobAccept(exp(g, ikA), ikb, spk, ek, opk)) ==> inj-event(AliceInit(exp(g, ikA), ikb, spk, ek, opk))";
const SECRECY_M1_PHASE0: FixedQuery = FixedQuery {
    id: "secrecy_m1",
    property: "secrecy",
    text: "attacker(s_m1) phase 0",
    expected: Expect::True,
    meaning: "before any compromise the initial message is secret",
};
const FS_IDENTITY_KEYS_M1: FixedQuery = FixedQuery {
    id: "fs_identity_keys_m1",
    property: "forward-secrecy",
    text: "attacker(s_m1) phase 1",
    expected: Expect::True,
    meaning:
        "compromise of both identity keys after the session does not reveal the initial message",
};

pub(super) const VARIANTS: &[Variant] = &[
    Variant {
        about: About {
            name: "x3dh_opk",
            weakened: false,
            title: "X3DH with a one-time prekey: secrecy and authentication",
            description: MAIN_DESCRIPTION,
        },
        one_time: true,
        phases: 0,
        known_from_start: &[],
        queries: &[
            SECRECY_M1,
            BOB_AGREES_WITH_ALICE,
            ALICE_BUNDLE_AUTHENTIC,
            FixedQuery {
                id: "bob_agrees_injective",
                property: "replay",
                text: INJECTIVE,
                expected: Expect::True,
                meaning: "each initial message Bob accepts from Alice comes from its own run of Alice: the one-time prekey is used once, so no replay",
            },
        ],
    },
    Variant {
        about: About {
            name: "x3dh_noopk",
            weakened: false,
            title: "X3DH without a one-time prekey: secrecy and authentication",
            description: MAIN_DESCRIPTION,
        },
        one_time: false,
        phases: 0,
        known_from_start: &[],
        queries: &[
            SECRECY_M1,
            BOB_AGREES_WITH_ALICE,
            ALICE_BUNDLE_AUTHENTIC,
            FixedQuery {
                id: "bob_agrees_injective",
                property: "replay",
                text: INJECTIVE,
                expected: Expect::False,
                meaning: "ATTACK EXPECTED (X3DH §4.2): without a one-time prekey an initial message can be replayed and Bob accepts it again",
            },
        ],
    },
    Variant {
        about: About {
            name: "x3dh_opk_fs",
            weakened: false,
            title: "X3DH with a one-time prekey: forward secrecy",
            description: FS_DESCRIPTION,
        },
        one_time: true,
        phases: 2,
        known_from_start: &[],
        queries: &[
            SECRECY_M1_PHASE0,
            FS_IDENTITY_KEYS_M1,
            FixedQuery {
                id: "bob_agrees_injective",
                property: "replay",
                text: INJECTIVE,
                expected: Expect::True,
                meaning: "each initial message Bob accepts from Alice (before any compromise: his sessions end with phase 0) comes from its own run of Alice: the one-time prekey is used once, so no replay",
            },
            FixedQuery {
                id: "fs_signed_prekey_m1",
                property: "forward-secrecy",
                text: "attacker(s_m1) phase 2",
                expected: Expect::False,
                meaning: "ATTACK EXPECTED (X3DH §4.6-4.7): one-time prekeys are not signed, so a server that replaces or withholds one leaves the session to the signed prekey; compromise of SPK_B and the identity keys before SPK_B is deleted reveals the message",
            },
        ],
    },
    Variant {
        about: About {
            name: "x3dh_noopk_fs",
            weakened: false,
            title: "X3DH without a one-time prekey: forward secrecy",
            description: FS_DESCRIPTION,
        },
        one_time: false,
        phases: 2,
        known_from_start: &[],
        queries: &[
            SECRECY_M1_PHASE0,
            FS_IDENTITY_KEYS_M1,
            FixedQuery {
                id: "fs_signed_prekey_m1",
                property: "forward-secrecy",
                text: "attacker(s_m1) phase 2",
                expected: Expect::False,
                meaning: "ATTACK EXPECTED (X3DH §4.6): without a one-time prekey, compromise of SPK_B and the identity keys before SPK_B is deleted reveals the initial message",
            },
        ],
    },
    Variant {
        about: About {
            name: "x3dh_kci",
            weakened: false,
            title: "X3DH without a one-time prekey, Bob's identity key compromised: key-compromise impersonation",
            description: KCI_DESCRIPTION,
        },
        one_time: false,
        phases: 0,
        known_from_start: &["ikB"],
        queries: &[
            FixedQuery {
                id: "bob_agrees_with_alice",
                property: "key-compromise-impersonation",
                text: BOB_AGREES,
                expected: Expect::True,
                meaning: "key-compromise impersonation resisted: although the attacker holds IK_B from the start, when Bob accepts an initial message from Alice's identity, Alice ran X3DH with Bob's identity and the same SPK and EK (DH1 = DH(IK_A, SPK_B) and DH3 = DH(EK_A, SPK_B) need a private key the attacker lacks)",
            },
            FixedQuery {
                id: "secrecy_m1",
                property: "key-compromise-impersonation",
                text: "attacker(s_m1)",
                expected: Expect::False,
                meaning: "ATTACK EXPECTED (X3DH §4.6: \"compromise of a party's identity private key allows impersonation of that party to others\"): with IK_B the attacker signs a prekey of its own, and Alice sends m1 to 'Bob' under keys the attacker knows; this also shows the compromise is in effect",
            },
        ],
    },
    Variant {
        about: About {
            name: "x3dh_kci_spk",
            weakened: false,
            title: "X3DH without a one-time prekey, Bob's identity key and signed prekey compromised: impersonation of Alice to Bob",
            description: KCI_DESCRIPTION,
        },
        one_time: false,
        phases: 0,
        known_from_start: &["ikB", "spkB"],
        queries: &[FixedQuery {
            id: "bob_agrees_with_alice",
            property: "key-compromise-impersonation",
            text: BOB_AGREES,
            expected: Expect::False,
            meaning: "ATTACK EXPECTED: with SPK_B the attacker computes every DH of an initial message in Alice's name with an ephemeral key of its own (DH1 = DH(IK_A, SPK_B) from SPK_B and Alice's public key; DH2 = DH(EK, IK_B) and DH3 from its EK and Bob's public keys), and Bob accepts it as Alice's: X3DH's resistance to key-compromise impersonation rests on SPK_B (IK_B adds nothing to this attack)",
        }],
    },
];

/// The sanity models: the models above, exported from a spec with one step removed.
pub(super) const SANITY: &[Sanity] = &[
    Sanity {
        about: About {
            name: "x3dh_no_signature_check",
            weakened: true,
            title: "SANITY (weakened): X3DH where Alice does not verify the signed prekey",
            description: "   The X3DH model with a one-time prekey, exported from a spec whose x3dh::initiate skips\n   the XEdDSA check of §3.3. ProVerif must find the attack marked expected false.",
        },
        base: "x3dh_opk",
        mutant: &mutants::NO_SIGNATURE_CHECK,
        queries: &[
            FixedQuery {
                id: "secrecy_m1",
                property: "secrecy",
                text: "attacker(s_m1)",
                expected: Expect::True,
                meaning: "without compromise the message is still secret: DH2 = DH(EK_A, IK_B) keeps the substituted prekeys from helping the attacker",
            },
            FixedQuery {
                id: "alice_bundle_authentic",
                property: "sanity",
                text: BUNDLE_AUTHENTIC,
                expected: Expect::False,
                meaning: "ATTACK EXPECTED: without the signature check Alice uses a signed prekey Bob never published",
            },
        ],
    },
    Sanity {
        about: About {
            name: "x3dh_no_signature_check_fs",
            weakened: true,
            title: "SANITY (weakened): X3DH without the signature check, identity keys compromised later",
            description: "   The forward-secrecy model with a one-time prekey, exported from a spec whose\n   x3dh::initiate skips the XEdDSA check of §3.3. ProVerif must find the attack.",
        },
        base: "x3dh_opk_fs",
        mutant: &mutants::NO_SIGNATURE_CHECK,
        queries: &[FixedQuery {
            id: "fs_identity_keys_m1",
            property: "forward-secrecy",
            text: "attacker(s_m1) phase 1",
            expected: Expect::False,
            meaning: "ATTACK EXPECTED (X3DH §4.5): without the signature check the attacker substitutes its own signed and one-time prekeys, and a later compromise of IK_B gives it every DH input",
        }],
    },
    Sanity {
        about: About {
            name: "x3dh_no_identity_dh",
            weakened: true,
            title: "SANITY (weakened): X3DH without DH1 = DH(IK_A, SPK_B)",
            description: "   The X3DH model with a one-time prekey, exported from a spec whose key material leaves\n   out DH1, so nothing binds Alice's identity key. ProVerif must find the impersonation.",
        },
        base: "x3dh_opk",
        mutant: &mutants::NO_IDENTITY_DH,
        queries: &[FixedQuery {
            id: "bob_agrees_with_alice",
            property: "sanity",
            text: BOB_AGREES,
            expected: Expect::False,
            meaning: "ATTACK EXPECTED: without DH1 nothing binds Alice's identity key, so the attacker opens a session with Bob in Alice's name",
        }],
    },
    Sanity {
        about: About {
            name: "x3dh_one_time_prekey_kept",
            weakened: true,
            title: "SANITY (weakened): X3DH where Bob does not delete a used one-time prekey",
            description: "   The forward-secrecy model with a one-time prekey, exported from a spec whose\n   party::decrypt keeps the one-time prekey a prekey message used (X3DH §3.4 says to delete\n   it), so each of Bob's one-time prekeys serves any number of sessions. ProVerif must find\n   the replay.",
        },
        base: "x3dh_opk_fs",
        mutant: &mutants::ONE_TIME_PREKEY_KEPT,
        queries: &[FixedQuery {
            id: "bob_agrees_injective",
            property: "sanity",
            text: INJECTIVE,
            expected: Expect::False,
            meaning: "ATTACK EXPECTED (X3DH §4.2): a one-time prekey that is not deleted does not stop a replay, and Bob accepts Alice's initial message twice",
        }],
    },
];

pub(super) fn model(p: Profile, v: &Variant, spec: &Spec) -> Model {
    write(p, v, spec, &v.about, v.queries)
}

pub(super) fn sanity(p: Profile, s: &Sanity) -> Model {
    let base = s.base_in(VARIANTS, |v| &v.about);
    as_sanity(
        write(p, base, &s.mutant.spec, &s.about, s.queries),
        prefix(p),
        s,
    )
}

fn write(p: Profile, v: &Variant, spec: &Spec, about: &About, queries: &[FixedQuery]) -> Model {
    let mut cx = Ctx::new(p, spec);
    let one_time = v.one_time;
    // With compromise phases Alice only starts sessions with Bob's identity (the bundle's
    // prekeys and signature still come from the network): the phase-free models cover her
    // sessions with other identities, and ProVerif would need far longer with both.
    let any_identity = v.phases == 0;

    let mut alice = Proc::new("Alice");
    let ax = alice_x3dh(&mut cx, &mut alice, one_time, any_identity);
    alice.line(format!(
        "event AliceInit(exp(g, ikA), ikb, spkb, exp(g, {}), {});",
        ax.ek, ax.opk
    ));
    let mut ar = Ratchet::init_alice(&mut cx, &mut alice, "a", &ax.rk0, ax.ck0.as_deref(), "spkb");
    alice_first_message(
        &mut cx,
        &mut alice,
        &mut ar,
        &ax,
        one_time,
        any_identity,
        "s_m1",
    );
    alice.line("event AliceDone(ikb);");

    // Bob: one signed prekey for all his sessions, a fresh one-time prekey for each (or for
    // any number of them, if the spec does not delete it).
    let mut bob = Proc::new("Bob(spkB: scalar)");
    if one_time {
        bob_one_time_prekey(&cx, &mut bob);
    }
    let bx = bob_x3dh(&mut cx, &mut bob, one_time);
    let mut br = Ratchet::init_bob("b", &bx.rk0, bx.ck0.as_deref(), "spkB");
    br.final_step = true;
    br.decrypt(&mut cx, &mut bob, &bx.inner, &bx.ad_in);
    let opk = if one_time { "exp(g, opkB)" } else { "no_opk" };
    bob.line(format!(
        "event BobAccept(ika, exp(g, ikB), exp(g, spkB), eka, {opk});"
    ));
    bob.line("event BobDone(ika);");

    let queries = with_completes(queries, "AliceDone(exp(g, ikB))", "BobDone(exp(g, ikA))");

    let ik_phase = (v.phases > 0).then_some(0);
    let spk_phase = (v.phases > 1).then_some(1);
    let secret = |name: &str| !v.known_from_start.contains(&name);
    let keys = [
        ("ikA", ik_phase),
        ("ikB", ik_phase),
        ("new spkB", spk_phase),
    ];
    let keys: Vec<_> = keys
        .into_iter()
        .filter(|(n, _)| secret(n.trim_start_matches("new ")))
        .collect();
    let assumptions = fresh_assumptions(&[&alice, &bob], &keys, &[], &[]);
    let mut leaks = match v.phases {
        0 => String::new(),
        1 => "\n  | (phase 1; out(c, (ikA, ikB)))".to_string(),
        _ => "\n  | (phase 1; out(c, (ikA, ikB)))\n  | (phase 2; out(c, spkB))".to_string(),
    };
    leaks.push_str(&revealed_from_start(v.known_from_start));
    let rest = two_parties(
        TEMPLATE,
        &queries,
        &assumptions,
        &alice,
        &bob,
        &[("leaks", &leaks)],
    );
    assemble(cx, about, queries, &rest)
}
