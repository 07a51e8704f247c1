//! The session models: X3DH then the Double Ratchet as `e2ee_spec::session` runs them, m1 in
//! the prekey message, Bob's reply m2 after his DH ratchet step, Alice's m3 after hers; and
//! their forward secrecy.

use super::handshake::{alice_first_message, alice_x3dh, bob_one_time_prekey, bob_x3dh};
use super::process::{Ctx, Proc};
use super::ratchet::Ratchet;
use super::text::{assemble, fresh_assumptions, two_parties};
use super::{completes, q, About, Expect, Model, Query};
use crate::guards::Spec;
use e2ee_spec::Profile;

/// Everything after the declarations: `{queries}`, `{assumptions}`, `{alice}`, `{bob}` and
/// `{leak}`, the compromise phase.
const TEMPLATE: &str = include_str!("../templates/session.pv");

/// One session model.
pub(super) struct Variant {
    about: About,
    /// Phase 1 reveals both identity keys and both parties' state (then Alice only starts
    /// sessions with Bob's identity, as in the X3DH forward-secrecy models).
    fs: bool,
}

/// The paragraph both session models' descriptions start with.
macro_rules! base {
    () => {
        "   The whole session as e2ee_spec::session runs it: X3DH with a one-time prekey, the first\n   ratchet message inside the prekey message (m1), Bob's reply after his DH ratchet step (m2),\n   Alice's next message after hers (m3). Unboundedly many sessions."
    };
}

pub(super) const VARIANTS: &[Variant] = &[
    Variant {
        about: About {
            name: "session",
            weakened: false,
            title: "Session (X3DH + Double Ratchet): secrecy and authentication",
            description: concat!(
                base!(),
                "\n   Alice answers any identity's bundle, Bob any initial message."
            ),
        },
        fs: false,
    },
    Variant {
        about: About {
            name: "session_fs",
            weakened: false,
            title: "Session (X3DH + Double Ratchet): forward secrecy",
            description: concat!(
                base!(),
                "\n   This variant ends after m2 (Alice has made her DH step); the dr model covers later messages.\n   Phase 1 reveals both identity keys and both parties' ratchet state (the signed prekey\n   stays secret: see the X3DH models for its compromise). Alice starts sessions with Bob's\n   identity only; Bob answers any initial message."
            ),
        },
        fs: true,
    },
];

/// The queries of a model without (`fs` false) or with the compromise phase.
fn queries(fs: bool) -> Vec<Query> {
    let mut queries = Vec::new();
    if fs {
        for i in 1..=2 {
            queries.push(q(
                &format!("fs_m{i}"),
                "forward-secrecy",
                &format!("attacker(s_m{i}) phase 1"),
                Expect::True,
                &format!("message {i} stays secret when both identity keys and both parties' ratchet state are compromised after the conversation"),
            ));
        }
    } else {
        for i in 1..=3 {
            queries.push(q(
                &format!("secrecy_m{i}"),
                "secrecy",
                &format!("attacker(s_m{i})"),
                Expect::True,
                &format!(
                    "message {i} between honest Alice and Bob stays secret from an active attacker"
                ),
            ));
        }
        queries.push(q(
            "alice_agrees_m2",
            "authentication",
            "ek: G, b: G, m: bitstring; event(AliceRecv2(exp(g, ikA), exp(g, ikB), ek, b, m)) ==> event(BobSent2(exp(g, ikA), exp(g, ikB), ek, b, m))",
            Expect::True,
            "when Alice accepts Bob's reply in the session of her ephemeral key EK, Bob sent it in a session with Alice's identity and that EK (key confirmation for Alice)",
        ));
        queries.push(q(
            "bob_agrees_m3",
            "authentication",
            "ek: G, a: G, m: bitstring; event(BobRecv3(exp(g, ikA), exp(g, ikB), ek, a, m)) ==> event(AliceSent3(exp(g, ikA), exp(g, ikB), ek, a, m))",
            Expect::True,
            "when Bob accepts Alice's message after a DH ratchet step, Alice sent it, with the same identities, EK and ratchet key",
        ));
    }
    queries.push(completes("Alice", "AliceDone(exp(g, ikB))"));
    queries.push(completes("Bob", "BobDone(exp(g, ikA))"));
    queries
}

pub(super) fn model(p: Profile, v: &Variant, spec: &Spec) -> Model {
    let mut cx = Ctx::new(p, spec);
    let fs = v.fs;
    let any_identity = !fs;
    let mut alice = Proc::new("Alice");
    let ax = alice_x3dh(&mut cx, &mut alice, true, any_identity);
    let mut ar = Ratchet::init_alice(&mut cx, &mut alice, "a", &ax.rk0, ax.ck0.as_deref(), "spkb");
    alice_first_message(
        &mut cx,
        &mut alice,
        &mut ar,
        &ax,
        true,
        any_identity,
        "s_m1",
    );
    alice.line("in(c, msg2: bitstring);");
    let (p2, b1) = ar.decrypt(&mut cx, &mut alice, "msg2", &ax.ad_in);
    alice.line(format!(
        "event AliceRecv2(exp(g, ikA), ikb, exp(g, {}), {b1}, {p2});",
        ax.ek
    ));
    // The forward-secrecy variant stops after m2 (Alice has made her DH step, so her state
    // holds a fresh ratchet key and sending chain): with m3 as well ProVerif does not finish
    // within the limit, and later messages' forward secrecy is the `dr` model's.
    if fs {
        alice.line("event AliceDone(ikb);");
        alice.line("phase 1;");
        alice.line(format!("out(c, {});", ar.state()));
    } else {
        let m3 = ar.encrypt(&mut cx, &mut alice, &ax.ad, "s_m3");
        alice.line(format!(
            "event AliceSent3(exp(g, ikA), ikb, exp(g, {}), exp(g, {}), s_m3);",
            ax.ek, ar.dh_s
        ));
        alice.line(format!("out(c, {m3});"));
        alice.line("event AliceDone(ikb);");
    }

    let mut bob = Proc::new("Bob(spkB: scalar)");
    bob_one_time_prekey(&cx, &mut bob);
    let bx = bob_x3dh(&mut cx, &mut bob, true);
    let mut br = Ratchet::init_bob("b", &bx.rk0, bx.ck0.as_deref(), "spkB");
    br.decrypt(&mut cx, &mut bob, &bx.inner, &bx.ad_in);
    // A session with another identity stops here, for the same reason as Alice's.
    bob.line("if ika = exp(g, ikA) then");
    let m2 = br.encrypt(&mut cx, &mut bob, &bx.ad_out, "s_m2");
    bob.line(format!(
        "event BobSent2(ika, exp(g, ikB), eka, exp(g, {}), s_m2);",
        br.dh_s
    ));
    bob.line(format!("out(c, {m2});"));
    if fs {
        bob.line("event BobDone(ika);");
        bob.line("phase 1;");
        bob.line(format!("out(c, {});", br.state()));
    } else {
        bob.line("in(c, msg3: bitstring);");
        br.final_step = true;
        let (p3, a2) = br.decrypt(&mut cx, &mut bob, "msg3", &bx.ad_in);
        bob.line(format!(
            "event BobRecv3(ika, exp(g, ikB), eka, {a2}, {p3});"
        ));
        bob.line("event BobDone(ika);");
    }

    let queries = queries(fs);
    let ik_phase = fs.then_some(0);
    let current: Vec<String> = if fs {
        vec![ar.dh_s.clone(), br.dh_s.clone()]
    } else {
        Vec::new()
    };
    let assumptions = fresh_assumptions(
        &[&alice, &bob],
        &[("ikA", ik_phase), ("ikB", ik_phase), ("new spkB", None)],
        &current,
        &[],
    );
    let leak = if fs {
        " | (phase 1; out(c, (ikA, ikB)))"
    } else {
        ""
    };
    let rest = two_parties(
        TEMPLATE,
        &queries,
        &assumptions,
        &alice,
        &bob,
        &[("leak", leak)],
    );
    assemble(cx, &v.about, queries, &rest)
}
