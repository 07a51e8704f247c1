//! X3DH under compromise at any time: the attacker may reveal IK_A, IK_B and SPK_B whenever
//! it likes (an oracle per key, its event marking when), and each property says which keys,
//! compromised before what, break it: forward secrecy with a genuine one-time prekey, secrecy
//! unless Bob's keys fall, and key-compromise impersonation.
//!
//! Each session's message is a fresh name made after Alice received the bundle (not a
//! global secret): ProVerif then tells apart sessions that used different prekeys, which is
//! what "the session with a genuine one-time prekey" needs.

use super::handshake::{alice_first_message, alice_x3dh, bob_one_time_prekey, bob_x3dh};
use super::process::{Ctx, Proc};
use super::ratchet::Ratchet;
use super::text::{assemble, fresh_assumptions, two_parties};
use super::{with_completes, About, Expect, FixedQuery, Model};
use crate::guards::Spec;
use crate::term::Ty;
use e2ee_spec::Profile;

/// Everything after the declarations: `{queries}`, `{assumptions}`, `{alice}`, `{bob}`.
const TEMPLATE: &str = include_str!("../templates/compromise.pv");

/// The one model of this family.
pub(super) struct Variant {
    about: About,
    queries: &'static [FixedQuery],
}

pub(super) const VARIANTS: &[Variant] = &[Variant {
    about: About {
        name: "x3dh_compromise",
        weakened: false,
        title: "X3DH with a one-time prekey, keys compromised at any time",
        description: "   X3DH (§3.2-3.4) with a one-time prekey between honest Alice (initiator, with Bob's identity)\n   and Bob (responder, any initial message), unboundedly many sessions, Alice's first ratchet\n   message in the prekey message with a fresh plaintext per session. The attacker may reveal\n   IK_A, IK_B and SPK_B at any time (RevealIkA, RevealIkB, RevealSpkB mark when); one-time\n   prekeys and ephemeral keys are never revealed (deleted after use).",
    },
    queries: &[
        FixedQuery {
            id: "fs_genuine_one_time_prekey",
            property: "forward-secrecy",
            text: "ek: G, spk: G, o: G, m: bitstring; event(AliceSends(ek, spk, o, m)) && event(BobOneTimePrekey(o)) && attacker(m) ==> false",
            expected: Expect::True,
            meaning: "forward secrecy with a genuine one-time prekey: the message of a session in which Alice used a one-time prekey Bob published stays secret although IK_A, IK_B and SPK_B may all be compromised, before or after the session (DH4 = DH(EK_A, OPK_B) needs two private keys that are never revealed; X3DH §4.6 counts on the one-time prekey for this)",
        },
        FixedQuery {
            id: "genuine_one_time_prekey_used",
            property: "sanity",
            text: "ek: G, spk: G, o: G, m: bitstring; event(AliceSends(ek, spk, o, m)) && event(BobOneTimePrekey(o)) ==> false",
            expected: Expect::False,
            meaning: "REACHABLE EXPECTED: a session exists in which Alice uses one of Bob's one-time prekeys, so the query above is not vacuous",
        },
        FixedQuery {
            id: "secrecy_unless_bob_compromised",
            property: "secrecy",
            text: "ek: G, spk: G, o: G, m: bitstring, i: time, j: time; event(AliceSends(ek, spk, o, m))@i && attacker(m) ==> (event(RevealIkB)@j && j < i) || (event(RevealIkB) && event(RevealSpkB))",
            expected: Expect::True,
            meaning: "whatever one-time prekey Alice got, her message stays secret unless IK_B was compromised before she derived the session's keys (the attacker then signs a prekey of its own, X3DH §4.6) or both IK_B and SPK_B were compromised at some time (the forward-secrecy limit of x3dh_opk_fs's phase 2); compromising IK_A never reveals it",
        },
        FixedQuery {
            id: "secrecy_needs_the_earlier_compromise",
            property: "secrecy",
            text: "ek: G, spk: G, o: G, m: bitstring; event(AliceSends(ek, spk, o, m)) && attacker(m) ==> event(RevealIkB) && event(RevealSpkB)",
            expected: Expect::False,
            meaning: "ATTACK EXPECTED: the first case above is needed: with IK_B compromised before the session and SPK_B never, the attacker signs its own prekey, hands Alice its own one-time prekey too, and reads her message",
        },
        FixedQuery {
            id: "bob_agrees_unless_compromised",
            property: "key-compromise-impersonation",
            text: "ikb: G, spk: G, ek: G, opk: G, i: time, j: time, k: time; event(BobAccept(exp(g, ikA), ikb, spk, ek, opk))@i ==> event(AliceInit(exp(g, ikA), ikb, spk, ek, opk)) || (event(RevealIkA)@j && j < i) || (event(RevealSpkB)@k && k < i)",
            expected: Expect::True,
            meaning: "key-compromise impersonation resisted at any time: when Bob accepts an initial message from Alice's identity, Alice ran X3DH with him with the same SPK, EK and OPK, unless IK_A or SPK_B was compromised before Bob accepted; IK_B compromised at any time does not matter",
        },
        FixedQuery {
            id: "bob_agrees_needs_spk",
            property: "key-compromise-impersonation",
            text: "ikb: G, spk: G, ek: G, opk: G, i: time, j: time; event(BobAccept(exp(g, ikA), ikb, spk, ek, opk))@i ==> event(AliceInit(exp(g, ikA), ikb, spk, ek, opk)) || (event(RevealIkA)@j && j < i)",
            expected: Expect::False,
            meaning: "ATTACK EXPECTED: the SPK_B case is needed: with SPK_B compromised, the attacker computes every DH of a prekey message in Alice's name with its own ephemeral key and Bob accepts it",
        },
    ],
}];

pub(super) fn model(p: Profile, v: &Variant, spec: &Spec) -> Model {
    let mut cx = Ctx::new(p, spec);
    let mut alice = Proc::new("Alice");
    let ax = alice_x3dh(&mut cx, &mut alice, true, false);
    let m = alice.fresh_here("a_m", Ty::Bits);
    alice.line(format!(
        "event AliceSends(exp(g, {}), spkb, {}, {m});",
        ax.ek, ax.opk
    ));
    alice.line(format!(
        "event AliceInit(exp(g, ikA), ikb, spkb, exp(g, {}), {});",
        ax.ek, ax.opk
    ));
    let mut ar = Ratchet::init_alice(&mut cx, &mut alice, "a", &ax.rk0, ax.ck0.as_deref(), "spkb");
    alice_first_message(&mut cx, &mut alice, &mut ar, &ax, true, false, &m);
    alice.line("event AliceDone(ikb);");

    let mut bob = Proc::new("Bob(spkB: scalar)");
    // Which one-time prekeys are Bob's: the genuine ones.
    bob.line("event BobOneTimePrekey(exp(g, opkB));");
    bob_one_time_prekey(&cx, &mut bob);
    let bx = bob_x3dh(&mut cx, &mut bob, true);
    let mut br = Ratchet::init_bob("b", &bx.rk0, bx.ck0.as_deref(), "spkB");
    br.final_step = true;
    br.decrypt(&mut cx, &mut bob, &bx.inner, &bx.ad_in);
    bob.line("event BobAccept(ika, exp(g, ikB), exp(g, spkB), eka, exp(g, opkB));");
    bob.line("event BobDone(ika);");

    let queries = with_completes(v.queries, "AliceDone(exp(g, ikB))", "BobDone(exp(g, ikA))");
    // Identity keys and the signed prekey may leak: no assumption about them.
    let assumptions = fresh_assumptions(&[&alice, &bob], &[], &[], &[]);
    let rest = two_parties(TEMPLATE, &queries, &assumptions, &alice, &bob, &[]);
    assemble(cx, &v.about, queries, &rest)
}
