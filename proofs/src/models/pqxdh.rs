//! The PQXDH models (signal-v4): PQXDH (Signal's PQXDH specification, revision 3, §3.2-3.4)
//! between honest Alice and Bob, Alice's first signal-v3 Double Ratchet message inside the
//! prekey message, with and without a one-time prekey; its resistance to "harvest now,
//! decrypt later" (every X25519 key falls to a quantum computer after the session, the KEM
//! does not); and three weakened variants whose attacks ProVerif must find.
//!
//! The processes follow `pqxdh::initiate` / `pqxdh::respond`: Alice verifies both signatures
//! by IK_B, computes DH1..DH3 [DH4], encapsulates to PQPK_B and appends SS to the KDF input;
//! Bob decapsulates with his PQ prekey and recomputes. Bob has one signed prekey and one signed
//! PQ prekey for all his sessions (libsignal's last-resort Kyber prekey: the worst case, since
//! a one-time PQ prekey is only ever used once).

use super::process::{Ctx, Proc};
use super::ratchet::Ratchet;
use super::text::{assemble, fresh_assumptions, revealed_from_start, two_parties};
use super::{completes, About, Expect, FixedQuery, Model};
use crate::guards::Spec;
use crate::schedule_v4::prekey_layout;
use crate::term::{var, Ty};

/// Everything after the declarations: `{queries}`, `{assumptions}`, `{alice}`, `{bob}` and
/// `{leaks}`, the compromise phase.
const TEMPLATE: &str = include_str!("../templates/pqxdh.pv");

/// The spec functions the queries are about (spec/src/pqxdh.rs, being written alongside).
const FUNCTIONS: &[&str] = &["spec/src/pqxdh.rs::initiate", "spec/src/pqxdh.rs::respond"];

/// What phase 1 (after every session of phase 0) gives the attacker.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leak {
    /// No phase 1.
    None,
    /// Discrete logarithms: every X25519 private key.
    Quantum,
    /// The same, and Bob's KEM secret key as well.
    QuantumAndKemKey,
    /// Bob's private keys named (`ikB`, `spkB`), to the attacker from the start, with no
    /// phase 1: key-compromise impersonation.
    FromStart(&'static [&'static str]),
}

/// One PQXDH model.
pub(super) struct Variant {
    about: About,
    one_time: bool,
    /// Alice answers any identity's bundle (else only Bob's). Only the model without a
    /// one-time prekey does: with both, ProVerif 2.05 did not finish within 10 minutes.
    any_identity: bool,
    /// Alice checks Bob's signature on PQPK_B (§3.3).
    verify_pq: bool,
    /// The KEM shared secret SS is in the KDF input (§3.3).
    kem_secret: bool,
    leak: Leak,
    queries: &'static [FixedQuery],
}

macro_rules! base {
    () => {
        "   PQXDH (revision 3, §3.2-3.4) between honest Alice (initiator) and Bob (responder),\n   unboundedly many sessions each, against an active attacker who also holds identities of its\n   own. Bob signs one prekey and one KEM prekey (PQPK_B) for all his sessions. Alice's first\n   Double Ratchet message (signal-v3's) rides in the prekey message; Bob accepts when it decrypts."
    };
}

const MAIN_DESCRIPTION: &str = concat!(
    base!(),
    "\n   Alice answers any identity's bundle; Bob any initial message."
);
const OPK_DESCRIPTION: &str = concat!(
    base!(),
    "\n   Alice starts sessions with Bob's identity only (the model without a one-time prekey\n   covers her sessions with other identities); Bob answers any initial message."
);
const KCI_DESCRIPTION: &str = concat!(
    base!(),
    "\n   Alice answers any identity's bundle; Bob any initial message. The attacker holds Bob's\n   private keys named in the title from the start (both parties still use them)."
);
const HNDL_DESCRIPTION: &str = concat!(
    base!(),
    "\n   Harvest now, decrypt later: phase 1 opens a discrete-logarithm oracle (a quantum computer),\n   so every X25519 private key of the recorded sessions falls; Bob's KEM secret key does not\n   leak. Alice starts sessions with Bob's identity only."
);

const BOB_AGREES: &str = "ikb: G, spk: G, ek: G, opk: G, pqpk: bitstring, ct: bitstring; event(BobAccept(exp(g, ikA), ikb, spk, ek, opk, pqpk, ct)) ==> event(AliceInit(exp(g, ikA), ikb, spk, ek, opk, pqpk, ct))";
const INJECTIVE: &str = "ikb: G, spk: G, ek: G, opk: G, pqpk: bitstring, ct: bitstring; inj-event(BobAccept(exp(g, ikA), ikb, spk, ek, opk, pqpk, ct)) ==> inj-event(AliceInit(exp(g, ikA), ikb, spk, ek, opk, pqpk, ct))";
const BUNDLE_AUTHENTIC: &str = "ika: G, spk: G, ek: G, opk: G, pqpk: bitstring, ct: bitstring; event(AliceInit(ika, exp(g, ikB), spk, ek, opk, pqpk, ct)) ==> event(BobSignedPrekey(exp(g, ikB), spk))";
const PQ_AUTHENTIC: &str = "ika: G, spk: G, ek: G, opk: G, pqpk: bitstring, ct: bitstring; event(AliceInit(ika, exp(g, ikB), spk, ek, opk, pqpk, ct)) ==> event(BobPqPrekey(exp(g, ikB), pqpk))";

const SECRECY_M1: FixedQuery = FixedQuery {
    id: "secrecy_m1",
    property: "secrecy",
    text: "attacker(s_m1)",
    expected: Expect::True,
    meaning: "the initial message's plaintext (hence the session key it is sealed under), sent by Alice to honest Bob, stays secret from an active attacker",
};
const BOB_AGREES_WITH_ALICE: FixedQuery = FixedQuery {
    id: "bob_agrees_with_alice",
    property: "authentication",
    text: BOB_AGREES,
    expected: Expect::True,
    meaning: "when Bob accepts an initial message from Alice's identity, Alice ran PQXDH with Bob's identity and the same SPK, EK, OPK, PQPK and KEM ciphertext, hence the same secret",
};
const ALICE_BUNDLE_AUTHENTIC: FixedQuery = FixedQuery {
    id: "alice_bundle_authentic",
    property: "authentication",
    text: BUNDLE_AUTHENTIC,
    expected: Expect::True,
    meaning: "the signed prekey Alice uses with Bob's identity is one Bob published",
};
const ALICE_PQ_PREKEY_AUTHENTIC: FixedQuery = FixedQuery {
    id: "alice_pq_prekey_authentic",
    property: "authentication",
    text: PQ_AUTHENTIC,
    expected: Expect::True,
    meaning: "the KEM prekey Alice encapsulates to, in a session with Bob's identity, is one Bob published and signed",
};
const SECRECY_M1_PHASE0: FixedQuery = FixedQuery {
    id: "secrecy_m1",
    property: "secrecy",
    text: "attacker(s_m1) phase 0",
    expected: Expect::True,
    meaning: "before the quantum computer arrives the initial message is secret",
};
const HNDL_M1: FixedQuery = FixedQuery {
    id: "hndl_m1",
    property: "forward-secrecy",
    text: "attacker(s_m1) phase 1",
    expected: Expect::True,
    meaning: "harvest now, decrypt later: when every X25519 private key (identity, signed prekey, one-time, ephemeral, ratchet) is revealed after the session and Bob's KEM secret key is not, the initial message stays secret",
};

pub(super) const VARIANTS: &[Variant] = &[
    Variant {
        about: About {
            name: "pqxdh_opk",
            weakened: false,
            title: "PQXDH with a one-time prekey: secrecy and authentication",
            description: OPK_DESCRIPTION,
        },
        one_time: true,
        any_identity: false,
        verify_pq: true,
        kem_secret: true,
        leak: Leak::None,
        queries: &[
            SECRECY_M1,
            BOB_AGREES_WITH_ALICE,
            ALICE_BUNDLE_AUTHENTIC,
            ALICE_PQ_PREKEY_AUTHENTIC,
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
            name: "pqxdh_noopk",
            weakened: false,
            title: "PQXDH without a one-time prekey: secrecy and authentication",
            description: MAIN_DESCRIPTION,
        },
        one_time: false,
        any_identity: true,
        verify_pq: true,
        kem_secret: true,
        leak: Leak::None,
        queries: &[
            SECRECY_M1,
            BOB_AGREES_WITH_ALICE,
            ALICE_BUNDLE_AUTHENTIC,
            ALICE_PQ_PREKEY_AUTHENTIC,
            FixedQuery {
                id: "bob_agrees_injective",
                property: "replay",
                text: INJECTIVE,
                expected: Expect::False,
                meaning: "ATTACK EXPECTED (PQXDH §4.2, as X3DH): without a one-time prekey (and with a last-resort KEM prekey) an initial message can be replayed and Bob accepts it again",
            },
        ],
    },
    Variant {
        about: About {
            name: "pqxdh_opk_hndl",
            weakened: false,
            title: "PQXDH with a one-time prekey: harvest now, decrypt later",
            description: HNDL_DESCRIPTION,
        },
        one_time: true,
        any_identity: false,
        verify_pq: true,
        kem_secret: true,
        leak: Leak::Quantum,
        queries: &[SECRECY_M1_PHASE0, HNDL_M1],
    },
    Variant {
        about: About {
            name: "pqxdh_noopk_hndl",
            weakened: false,
            title: "PQXDH without a one-time prekey: harvest now, decrypt later",
            description: HNDL_DESCRIPTION,
        },
        one_time: false,
        any_identity: false,
        verify_pq: true,
        kem_secret: true,
        leak: Leak::Quantum,
        queries: &[SECRECY_M1_PHASE0, HNDL_M1],
    },
    Variant {
        about: About {
            name: "pqxdh_kci",
            weakened: false,
            title: "PQXDH without a one-time prekey, Bob's identity key compromised: key-compromise impersonation",
            description: KCI_DESCRIPTION,
        },
        one_time: false,
        any_identity: true,
        verify_pq: true,
        kem_secret: true,
        leak: Leak::FromStart(&["ikB"]),
        queries: &[
            FixedQuery {
                id: "bob_agrees_with_alice",
                property: "key-compromise-impersonation",
                text: BOB_AGREES,
                expected: Expect::True,
                meaning: "key-compromise impersonation resisted: although the attacker holds IK_B from the start, when Bob accepts an initial message from Alice's identity, Alice ran PQXDH with Bob's identity and the same SPK, EK, PQPK and KEM ciphertext (DH1 = DH(IK_A, SPK_B) needs a private key the attacker lacks)",
            },
            FixedQuery {
                id: "secrecy_m1",
                property: "key-compromise-impersonation",
                text: "attacker(s_m1)",
                expected: Expect::False,
                meaning: "ATTACK EXPECTED (PQXDH §4.6, as X3DH §4.6: compromise of an identity key allows impersonating its owner): with IK_B the attacker signs a prekey and a KEM prekey of its own, and Alice sends m1 under keys the attacker knows",
            },
        ],
    },
    Variant {
        about: About {
            name: "pqxdh_kci_spk",
            weakened: false,
            title: "PQXDH without a one-time prekey, Bob's identity key and signed prekey compromised: impersonation of Alice to Bob",
            description: KCI_DESCRIPTION,
        },
        one_time: false,
        any_identity: true,
        verify_pq: true,
        kem_secret: true,
        leak: Leak::FromStart(&["ikB", "spkB"]),
        queries: &[FixedQuery {
            id: "bob_agrees_with_alice",
            property: "key-compromise-impersonation",
            text: BOB_AGREES,
            expected: Expect::False,
            meaning: "ATTACK EXPECTED: with SPK_B the attacker computes every DH of an initial message in Alice's name with an ephemeral key of its own, encapsulates to Bob's own KEM prekey (so it knows SS), and Bob accepts the message as Alice's: the KEM adds no authentication, and resistance to key-compromise impersonation rests on SPK_B as in X3DH",
        }],
    },
    Variant {
        about: About {
            name: "pqxdh_no_pq_signature_check",
            weakened: true,
            title: "SANITY (weakened): PQXDH where Alice does not verify the KEM prekey's signature",
            description: "   As the harvest-now-decrypt-later model with a one-time prekey, but Alice skips the check\n   of Bob's signature on PQPK_B (§3.3), so nothing binds the KEM key to Bob's identity.\n   ProVerif must find the attacks marked expected false.",
        },
        one_time: true,
        any_identity: false,
        verify_pq: false,
        kem_secret: true,
        leak: Leak::Quantum,
        queries: &[
            FixedQuery {
                id: "secrecy_m1",
                property: "secrecy",
                text: "attacker(s_m1) phase 0",
                expected: Expect::True,
                meaning: "before the quantum computer the message is still secret: the X25519 part (DH2 = DH(EK_A, IK_B)) alone protects it",
            },
            FixedQuery {
                id: "alice_pq_prekey_authentic",
                property: "sanity",
                text: PQ_AUTHENTIC,
                expected: Expect::False,
                meaning: "ATTACK EXPECTED: without the signature check Alice encapsulates to a KEM key Bob never published",
            },
            FixedQuery {
                id: "hndl_m1",
                property: "sanity",
                text: "attacker(s_m1) phase 1",
                expected: Expect::False,
                meaning: "ATTACK EXPECTED (key substitution): the attacker hands Alice its own KEM key, so it knows SS; once the X25519 keys fall it has every KDF input",
            },
        ],
    },
    Variant {
        about: About {
            name: "pqxdh_no_kem_secret",
            weakened: true,
            title: "SANITY (weakened): PQXDH with the KEM shared secret left out of the KDF",
            description: "   As the harvest-now-decrypt-later model with a one-time prekey, but the KDF input is X3DH's\n   F || DH1 || DH2 || DH3 || DH4 without SS. ProVerif must find the attack.",
        },
        one_time: true,
        any_identity: false,
        verify_pq: true,
        kem_secret: false,
        leak: Leak::Quantum,
        queries: &[
            SECRECY_M1_PHASE0,
            FixedQuery {
                id: "hndl_m1",
                property: "sanity",
                text: "attacker(s_m1) phase 1",
                expected: Expect::False,
                meaning: "ATTACK EXPECTED: without SS the session key depends on X25519 keys only, which the quantum computer recovers from the recorded traffic",
            },
        ],
    },
    Variant {
        about: About {
            name: "pqxdh_hndl_kem_key_leaks",
            weakened: true,
            title: "SANITY (weakened): harvest now, decrypt later when Bob's KEM secret key leaks too",
            description: "   As the harvest-now-decrypt-later model with a one-time prekey, but phase 1 also reveals\n   Bob's KEM secret key: the HNDL query must then fail, so its true result is not vacuous.",
        },
        one_time: true,
        any_identity: false,
        verify_pq: true,
        kem_secret: true,
        leak: Leak::QuantumAndKemKey,
        queries: &[
            SECRECY_M1_PHASE0,
            FixedQuery {
                id: "hndl_m1",
                property: "sanity",
                text: "attacker(s_m1) phase 1",
                expected: Expect::False,
                meaning: "ATTACK EXPECTED: with the KEM secret key the attacker decapsulates the recorded ciphertext, and with the X25519 keys it has every KDF input",
            },
        ],
    },
];

pub(super) fn model(v: &Variant, spec: &Spec) -> Model {
    let mut cx = Ctx::signal_v4(spec);
    let one_time = v.one_time;
    let any_identity = v.any_identity;

    // Alice (§3.3).
    let mut alice = Proc::new("Alice");
    let ek = alice.fresh("ek_a", Ty::Scalar);
    let m = alice.fresh("pq_m", Ty::Bits);
    let ikb_in = if any_identity { "ikb: G, " } else { "" };
    let opk_in = if one_time { ", opkb: G" } else { "" };
    alice.line(format!(
        "in(c, ({ikb_in}spkb: G, sig: bitstring, pqpkb: bitstring, pqsig: bitstring{opk_in}));"
    ));
    if !any_identity {
        alice.line("let ikb = exp(g, ikB) in");
    }
    alice.line("if xverify(ikb, encode(spkb), sig) = true then");
    if v.verify_pq {
        alice.line("if xverify(ikb, kem_encode(pqpkb), pqsig) = true then");
    }
    alice.line(format!("let pq_ct = kem_ct(pqpkb, {m}) in"));
    alice.line(format!("let pq_ss = kem_ss(pqpkb, {m}) in"));
    let mut dhs = vec![
        "exp(spkb, ikA)".to_string(),
        format!("exp(ikb, {ek})"),
        format!("exp(spkb, {ek})"),
    ];
    if one_time {
        dhs.push(format!("exp(opkb, {ek})"));
    }
    key_schedule(&mut alice, &dhs, v.kem_secret);
    // signal-v3's AD and MAC order: (sender, receiver).
    alice.line("let ad = assoc(exp(g, ikA), ikb) in");
    let opk = if one_time { "opkb" } else { "no_opk" };
    alice.line(format!(
        "event AliceInit(exp(g, ikA), ikb, spkb, exp(g, {ek}), {opk}, pqpkb, pq_ct);"
    ));
    let mut ar = Ratchet::init_alice(&mut cx, &mut alice, "a", "rk0", Some("ck0"), "spkb");
    let secret = ar.encrypt(&mut cx, &mut alice, "ad", "s_m1");
    let prekey_fun = if one_time {
        "prekey_msg_pq_opk"
    } else {
        "prekey_msg_pq"
    };
    if any_identity {
        let public = secret.replace("s_m1)", "nonsecret)");
        // A session with another identity stops here, as in the X3DH models.
        alice.line(format!("if ikb <> exp(g, ikB) then out(c, {prekey_fun}(exp(g, ikA), exp(g, {ek}), pq_ct, {public})) else"));
    }
    alice.line(format!(
        "out(c, {prekey_fun}(exp(g, ikA), exp(g, {ek}), pq_ct, {secret}));"
    ));
    alice.line("event AliceDone(ikb);");

    // Bob (§3.4): one signed prekey and one KEM prekey for all sessions, a fresh one-time
    // prekey for each.
    let mut bob = Proc::new("Bob(spkB: scalar, pqskB: kem_sk)");
    if one_time {
        bob.fresh("opkB", Ty::Scalar);
        bob.line("out(c, exp(g, opkB));");
    }
    let layout = prekey_layout(one_time, var("ika"), var("eka"), var("pq_ct"), var("inner"));
    let pat = cx.pattern(
        &layout,
        &[
            ("ika", Ty::G),
            ("eka", Ty::G),
            ("pq_ct", Ty::Bits),
            ("inner", Ty::Bits),
        ],
    );
    bob.line("in(c, pm: bitstring);");
    bob.line(format!("let {pat} = pm in"));
    bob.line("let pq_ss = kem_decaps(pqskB, pq_ct) in");
    let mut dhs = vec![
        "exp(ika, spkB)".to_string(),
        "exp(eka, ikB)".to_string(),
        "exp(eka, spkB)".to_string(),
    ];
    if one_time {
        dhs.push("exp(eka, opkB)".to_string());
    }
    key_schedule(&mut bob, &dhs, v.kem_secret);
    bob.line("let ad = assoc(ika, exp(g, ikB)) in");
    let mut br = Ratchet::init_bob("b", "rk0", Some("ck0"), "spkB");
    br.final_step = true;
    br.decrypt(&mut cx, &mut bob, "inner", "ad");
    let opk = if one_time { "exp(g, opkB)" } else { "no_opk" };
    bob.line(format!(
        "event BobAccept(ika, exp(g, ikB), exp(g, spkB), eka, {opk}, kem_pk(pqskB), pq_ct);"
    ));
    bob.line("event BobDone(ika);");

    let mut queries: Vec<_> = v.queries.iter().map(FixedQuery::query).collect();
    queries.push(completes("Alice", "AliceDone(exp(g, ikB))"));
    queries.push(completes("Bob", "BobDone(exp(g, ikA))"));

    // Every X25519 scalar falls in phase 1 when the oracle opens; the KEM secret key only in
    // the variant that leaks it; the encapsulation randomness never.
    let quantum = matches!(v.leak, Leak::Quantum | Leak::QuantumAndKemKey);
    let dh_phase = quantum.then_some(0);
    let kem_phase = (v.leak == Leak::QuantumAndKemKey).then_some(0);
    let scalars: Vec<String> = alice
        .news
        .iter()
        .chain(&bob.news)
        .filter(|(_, ty)| *ty == Ty::Scalar)
        .map(|(n, _)| n.clone())
        .collect();
    let until_phase0 = if quantum { scalars } else { Vec::new() };
    let known: &[&str] = match v.leak {
        Leak::FromStart(keys) => keys,
        _ => &[],
    };
    let keys: Vec<(&str, Option<u32>)> = [
        ("ikA", dh_phase),
        ("ikB", dh_phase),
        ("new spkB", dh_phase),
        ("new pqskB", kem_phase),
    ]
    .into_iter()
    .filter(|(n, _)| !known.contains(&n.trim_start_matches("new ")))
    .collect();
    let assumptions = fresh_assumptions(&[&alice, &bob], &keys, &until_phase0, &[]);
    let from_start = revealed_from_start(known);
    let leaks = match v.leak {
        Leak::None => "",
        Leak::Quantum => "\n  | (phase 1; !in(c, y: G); out(c, dlog(y)))",
        Leak::QuantumAndKemKey => {
            "\n  | (phase 1; !in(c, y: G); out(c, dlog(y)))\n  | (phase 1; out(c, pqskB))"
        }
        Leak::FromStart(_) => &from_start,
    };
    let rest = two_parties(
        TEMPLATE,
        &queries,
        &assumptions,
        &alice,
        &bob,
        &[("leaks", leaks)],
    );
    Model {
        functions: FUNCTIONS,
        ..assemble(cx, &v.about, queries, &rest)
    }
}

/// PQXDH §3.3: KM = F ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4] ‖ SS (SS left out only by a sanity variant,
/// which is then X3DH's KM), then libsignal's root key `rk0` and chain key `ck0`.
fn key_schedule(pr: &mut Proc, dhs: &[String], kem_secret: bool) {
    let n = dhs.len();
    let mut args = dhs.to_vec();
    let fun = if kem_secret {
        args.push("pq_ss".to_string());
        format!("pqxdh_km{n}")
    } else {
        format!("x3dh_km{n}")
    };
    pr.line(format!("let km = {fun}({}) in", args.join(", ")));
    pr.line("let rk0 = pqxdh_rk(km) in");
    pr.line("let ck0 = pqxdh_ck(km) in");
}
