//! The Double Ratchet models: four messages in ping-pong from shared X3DH key material, their
//! secrecy, forward secrecy and authentication, and a sanity model, the model of a spec that
//! keeps message keys. Also the initial state both ratchet models start from.

use super::process::{Ctx, Proc};
use super::ratchet::Ratchet;
use super::text::{assemble, fresh_assumptions, two_parties};
use super::{as_sanity, completes, q, About, Expect, FixedQuery, Model, Query, Sanity};
use crate::guards::Spec;
use crate::mutants;
use crate::schedule::prefix;
use e2ee_spec::Profile;

/// Everything after the declarations: `{queries}`, `{assumptions}`, `{alice}`, `{bob}`.
const TEMPLATE: &str = include_str!("../templates/dr.pv");

/// One Double Ratchet model.
pub(super) struct Variant {
    about: About,
}

pub(super) const VARIANTS: &[Variant] = &[Variant {
    about: About {
        name: "dr",
        weakened: false,
        title: "Double Ratchet: four messages, three DH ratchet steps after initialisation",
        description: "   The Double Ratchet (§3) from X3DH key material shared by Alice and Bob (fresh per session,\n   unboundedly many sessions), Bob's signed prekey as his first ratchet key. Ping-pong:\n   m1 (Alice, ratchet key A1), m2 (Bob, B1), m3 (Alice, A2), m4 (Bob, B2), each delivered by\n   the attacker, each starting a new chain. Phase 1 reveals both parties' entire state after\n   the conversation.",
    },
}];

pub(super) const SANITY: &[Sanity] = &[
    Sanity {
        about: About {
            name: "dr_keep_message_keys",
            weakened: true,
            title: "SANITY (weakened): Double Ratchet that does not delete message keys",
            description: "   The Double Ratchet model, exported from a spec whose ratchet_decrypt keeps the message\n   key of each message it decrypted (a store that is never emptied), so the keys leak with\n   the state in phase 1. ProVerif must find the attacks marked expected false.",
        },
        base: "dr",
        mutant: &mutants::MESSAGE_KEYS_KEPT,
        queries: &[
            FixedQuery {
                id: "secrecy_m1",
                property: "secrecy",
                text: "attacker(s_m1) phase 0",
                expected: Expect::True,
                meaning: "before any compromise the first message is secret",
            },
            FixedQuery {
                id: "fs_m1",
                property: "sanity",
                text: "attacker(s_m1) phase 1",
                expected: Expect::False,
                meaning: "ATTACK EXPECTED: Bob kept the message key of m1, so compromising his state later reveals m1",
            },
            FixedQuery {
                id: "fs_m2",
                property: "sanity",
                text: "attacker(s_m2) phase 1",
                expected: Expect::False,
                meaning: "ATTACK EXPECTED: Alice kept the message key of m2, so compromising her state later reveals m2",
            },
        ],
    },
];

/// The AD each direction binds: `modern` the session's X3DH AD, `signal-v3` (sender, receiver).
pub(super) fn ads(p: Profile) -> (&'static str, &'static str) {
    match p {
        Profile::Modern => ("assoc(pka, pkb)", "assoc(pka, pkb)"),
        _ => ("assoc(pka, pkb)", "assoc(pkb, pka)"),
    }
}

/// Both parties' initial ratchet state from shared X3DH key material `km`.
pub(super) fn init(
    cx: &mut Ctx,
    alice: &mut Proc,
    bob: &mut Proc,
    a: &'static str,
    b: &'static str,
) -> (Ratchet, Ratchet) {
    alice.line("let rk0 = x3dh_rk(km) in");
    bob.line("let rk0 = x3dh_rk(km) in");
    let ck0 = (cx.p == Profile::SignalV3).then(|| {
        alice.line("let ck0 = x3dh_ck(km) in");
        bob.line("let ck0 = x3dh_ck(km) in");
        "ck0"
    });
    let ar = Ratchet::init_alice(cx, alice, a, "rk0", ck0, "spkb");
    let br = Ratchet::init_bob(b, "rk0", ck0, "spkB");
    (ar, br)
}

/// The standard model's queries: each message's secrecy, forward secrecy and authentication.
fn standard_queries() -> Vec<Query> {
    let mut queries = Vec::new();
    for i in 1..=4 {
        queries.push(q(
            &format!("secrecy_m{i}"),
            "secrecy",
            &format!("attacker(s_m{i}) phase 0"),
            Expect::True,
            &format!("message {i} stays secret from an active attacker"),
        ));
    }
    for i in 1..=4 {
        queries.push(q(
            &format!("fs_m{i}"),
            "forward-secrecy",
            &format!("attacker(s_m{i}) phase 1"),
            Expect::True,
            &format!("message {i} stays secret when both parties' whole state (root, chain and ratchet keys, Bob's signed prekey) is compromised after the conversation"),
        ));
    }
    let pairs = [
        ("BobRecv1", "AliceSent1", "Alice", "Bob"),
        ("AliceRecv2", "BobSent2", "Bob", "Alice"),
        ("BobRecv3", "AliceSent3", "Alice", "Bob"),
        ("AliceRecv4", "BobSent4", "Bob", "Alice"),
    ];
    for (i, (recv, sent, from, to)) in pairs.iter().enumerate() {
        queries.push(q(
            &format!("auth_m{}", i + 1),
            "authentication",
            &format!("k: G, m: bitstring; event({recv}(k, m)) ==> event({sent}(k, m))"),
            Expect::True,
            &format!("when {to} accepts message {} under ratchet key k, {from} sent that plaintext under k", i + 1),
        ));
    }
    queries
}

pub(super) fn model(p: Profile, v: &Variant, spec: &Spec) -> Model {
    write(p, spec, &v.about, standard_queries())
}

pub(super) fn sanity(p: Profile, s: &Sanity) -> Model {
    // The one Double Ratchet scenario: nothing of the base variant but its name to look up.
    s.base_in(VARIANTS, |v| &v.about);
    let queries = s.queries.iter().map(FixedQuery::query).collect();
    as_sanity(write(p, &s.mutant.spec, &s.about, queries), prefix(p), s)
}

fn write(p: Profile, spec: &Spec, about: &About, mut queries: Vec<Query>) -> Model {
    let mut cx = Ctx::new(p, spec);
    let (ad_ab, ad_ba) = ads(p);
    let mut alice = Proc::new("Alice(km: bitstring, spkb: G)");
    let mut bob = Proc::new("Bob(km: bitstring, spkB: scalar)");
    let (mut ar, mut br) = init(&mut cx, &mut alice, &mut bob, "a", "b");

    // m1: Alice -> Bob (Alice's first chain), m2: Bob -> Alice (after Bob's DH step), m3, m4.
    for i in 1..=4 {
        let (sender, s, receiver, r, ad, from, to) = if i % 2 == 1 {
            (
                &mut alice, &mut ar, &mut bob, &mut br, ad_ab, "Alice", "Bob",
            )
        } else {
            (
                &mut bob, &mut br, &mut alice, &mut ar, ad_ba, "Bob", "Alice",
            )
        };
        let m = s.encrypt(&mut cx, sender, ad, &format!("s_m{i}"));
        sender.line(format!("event {from}Sent{i}(exp(g, {}), s_m{i});", s.dh_s));
        sender.line(format!("out(c, {m});"));
        receiver.line(format!("in(c, msg{i}: bitstring);"));
        let (pt, k) = r.decrypt(&mut cx, receiver, &format!("msg{i}"), ad);
        receiver.line(format!("event {to}Recv{i}({k}, {pt});"));
    }
    alice.line("event AliceDone(pkb);");
    bob.line("event BobDone(pka);");
    // Compromise of everything both hold once the conversation is over.
    alice.line("phase 1;");
    alice.line(format!("out(c, {});", ar.state()));
    bob.line("phase 1;");
    bob.line(format!("out(c, ({}, spkB));", br.state()));

    queries.push(completes("Alice", "AliceDone(pkb)"));
    queries.push(completes("Bob", "BobDone(pka)"));

    // The current ratchet keys and Bob's signed prekey leak in phase 1.
    let current = vec![ar.dh_s.clone(), br.dh_s.clone()];
    let assumptions = fresh_assumptions(
        &[&alice, &bob],
        &[("new km", None), ("new spkB", Some(0))],
        &current,
        &[],
    );
    let rest = two_parties(TEMPLATE, &queries, &assumptions, &alice, &bob, &[]);
    assemble(cx, about, queries, &rest)
}
