//! The post-compromise security models: Alice's whole state leaks right after she sends m1,
//! then the messages are delivered unmodified (on a channel the attacker reads but cannot
//! write, per session); with a fresh ratchet key pair at each DH step the session heals, in
//! the sanity model (exported from a spec whose DH steps reuse the old key pair) it does not.

use super::dr;
use super::process::{Ctx, Proc};
use super::text::{assemble, fill, fresh_assumptions, print_queries, secret_decls};
use super::{as_sanity, with_completes, About, Expect, FixedQuery, Model, Sanity};
use crate::guards::Spec;
use crate::mutants;
use crate::schedule::prefix;
use e2ee_spec::Profile;

/// Everything after the declarations: `{secrets}`, `{queries}`, `{assumptions}`,
/// `{processes}`, and `{active}`, the line starting the sessions the attacker delivers (the
/// file ends right after it, without a newline of its own, as the model does without them).
const TEMPLATE: &str = include_str!("../templates/pcs.pv");

/// The sessions the attacker delivers (and may replace) messages of, with names of their
/// own: a secrecy assumption must name exactly one `new`.
const ACTIVE_SESSIONS: &str = "  | !( new kmx: bitstring; new spkX: scalar; (AliceActive(kmx, exp(g, spkX)) | BobActive(kmx, spkX)) )\n";

/// One post-compromise model.
pub(super) struct Variant {
    about: About,
    /// Its queries, before the two reachability ones every model has.
    queries: &'static [FixedQuery],
}

/// m1 of the sessions the attacker delivers, sent before the compromise (its key was derived
/// from a chain key the leaked state no longer holds).
const AUTH_ACTIVE_M1: FixedQuery = FixedQuery {
    id: "auth_active_m1",
    property: "authentication",
    text: "k: G, m: bitstring; event(BobRecvActive1(k, m)) ==> event(AliceSentActive1(k, m))",
    expected: Expect::True,
    meaning: "in a session whose messages the attacker delivers, when Bob accepts m1 under ratchet key k, Alice sent that plaintext under k: her state leaked only after m1's message key was derived and deleted",
};

pub(super) const VARIANTS: &[Variant] = &[
    Variant {
        about: About {
            name: "dr_pcs",
            weakened: false,
            title: "Double Ratchet: post-compromise security",
            description: "   The Double Ratchet as in the dr model. Alice's entire state (root key, chain keys, ratchet\n   private key) leaks right after she sends m1. In the sessions Alice/Bob every later message is\n   delivered unmodified (the attacker reads a copy), so the session heals once Alice makes a\n   fresh DH ratchet step; in AliceActive/BobActive the attacker controls delivery and it does not.",
        },
        queries: &[
            FixedQuery {
                id: "pcs_m1",
                property: "forward-secrecy",
                text: "attacker(s_m1)",
                expected: Expect::True,
                meaning: "m1, sent just before the compromise, stays secret: its chain key was already advanced",
            },
            FixedQuery {
                id: "pcs_m2",
                property: "post-compromise-security",
                text: "attacker(s_m2)",
                expected: Expect::False,
                meaning: "ATTACK EXPECTED (healing is not immediate): Bob's reply is computed with Alice's compromised ratchet key A1, so the attacker reads it",
            },
            FixedQuery {
                id: "pcs_m3",
                property: "post-compromise-security",
                text: "attacker(s_m3)",
                expected: Expect::True,
                meaning: "after Alice's fresh DH ratchet step (A2 with Bob's B1), undisturbed by the attacker, her messages are secret again",
            },
            FixedQuery {
                id: "pcs_m4",
                property: "post-compromise-security",
                text: "attacker(s_m4)",
                expected: Expect::True,
                meaning: "and so are Bob's replies on the next chain",
            },
            AUTH_ACTIVE_M1,
            FixedQuery {
                id: "pcs_active_m3",
                property: "post-compromise-security",
                text: "attacker(t_m3)",
                expected: Expect::False,
                meaning: "ATTACK EXPECTED: if the attacker may inject messages after the compromise, it answers with a ratchet key of its own and Alice's next chain is the attacker's too",
            },
        ],
    },
];

pub(super) const SANITY: &[Sanity] = &[
Sanity {
    about: About {
        name: "dr_no_fresh_ratchet_key",
        weakened: true,
        title: "SANITY (weakened): Double Ratchet whose DH steps reuse the ratchet key",
        description: "   The post-compromise model, exported from a spec whose DH ratchet step keeps the current\n   key pair instead of the fresh one it is given. ProVerif must find that the session never\n   heals.",
    },
    base: "dr_pcs",
    mutant: &mutants::RATCHET_KEY_REUSED,
    queries: &[FixedQuery {
        id: "pcs_m3",
        property: "sanity",
        text: "attacker(s_m3)",
        expected: Expect::False,
        meaning: "ATTACK EXPECTED: without a fresh ratchet key pair a DH ratchet step adds nothing the attacker does not know, and the session never heals",
    }],
},
Sanity {
    about: About {
        name: "dr_no_mac_check",
        weakened: true,
        title: "SANITY (weakened): Double Ratchet whose receiver checks no MAC",
        description: "   The post-compromise model, exported from a spec whose open decrypts without checking\n   the MAC (signal-v3) or the Poly1305 tag (modern): the cipher alone is malleable, so nothing\n   stops the attacker from changing a message it delivers. ProVerif must find the forgery.",
    },
    base: "dr_pcs",
    mutant: &mutants::NO_MAC_CHECK,
    queries: &[
        FixedQuery {
            id: "pcs_m1",
            property: "forward-secrecy",
            text: "attacker(s_m1)",
            expected: Expect::True,
            meaning: "m1 is still secret: the cipher hides it without the MAC",
        },
        FixedQuery {
            id: "auth_active_m1",
            property: "sanity",
            text: AUTH_ACTIVE_M1.text,
            expected: Expect::False,
            meaning: "ATTACK EXPECTED: without the MAC check the attacker turns Alice's m1 into a message of its choice under the same key, and Bob accepts it as Alice's",
        },
    ],
},
];

pub(super) fn model(p: Profile, v: &Variant, spec: &Spec) -> Model {
    write(p, spec, &v.about, v.queries)
}

pub(super) fn sanity(p: Profile, s: &Sanity) -> Model {
    // The one post-compromise scenario: nothing of the base variant but its name to look up.
    s.base_in(VARIANTS, |v| &v.about);
    as_sanity(write(p, &s.mutant.spec, &s.about, s.queries), prefix(p), s)
}

fn write(p: Profile, spec: &Spec, about: &About, queries: &[FixedQuery]) -> Model {
    let mut cx = Ctx::new(p, spec);
    let (ad_ab, ad_ba) = dr::ads(p);

    // Sessions with unmodified delivery after the leak.
    let mut alice = Proc::new("Alice(km: bitstring, spkb: G, sid: bitstring)");
    let mut bob = Proc::new("Bob(km: bitstring, spkB: scalar, sid: bitstring)");
    let (mut ar, mut br) = dr::init(&mut cx, &mut alice, &mut bob, "a", "b");
    let send = |pr: &mut Proc, m: &str| {
        pr.line(format!("let msg = {m} in"));
        pr.line("out(c, msg);");
        pr.line("out(auth, (sid, msg));");
    };
    let m1 = ar.encrypt(&mut cx, &mut alice, ad_ab, "s_m1");
    send(&mut alice, &m1);
    let mut leaked = vec![ar.dh_s.clone()];
    alice.line(format!("out(c, {});", ar.state()));
    bob.line("in(auth, (=sid, msg1: bitstring));");
    br.decrypt(&mut cx, &mut bob, "msg1", ad_ab);
    let m2 = br.encrypt(&mut cx, &mut bob, ad_ba, "s_m2");
    send(&mut bob, &m2);
    alice.line("in(auth, (=sid, msg2: bitstring));");
    ar.decrypt(&mut cx, &mut alice, "msg2", ad_ba);
    let m3 = ar.encrypt(&mut cx, &mut alice, ad_ab, "s_m3");
    send(&mut alice, &m3);
    alice.line("event AliceDone(pkb);");
    bob.line("in(auth, (=sid, msg3: bitstring));");
    br.decrypt(&mut cx, &mut bob, "msg3", ad_ab);
    let m4 = br.encrypt(&mut cx, &mut bob, ad_ba, "s_m4");
    // Nobody receives m4, and an output on a private channel waits for its receiver (the
    // reachability query found Bob stuck here): it only goes to the attacker.
    bob.line(format!("out(c, {m4});"));
    bob.line("event BobDone(pka);");
    let mut procs = vec![alice, bob];

    // The same sessions, but the attacker delivers (and may replace) every message.
    let mut alice2 = Proc::new("AliceActive(km: bitstring, spkb: G)");
    let mut bob2 = Proc::new("BobActive(km: bitstring, spkB: scalar)");
    let (mut ar2, mut br2) = dr::init(&mut cx, &mut alice2, &mut bob2, "x", "y");
    let m1 = ar2.encrypt(&mut cx, &mut alice2, ad_ab, "t_m1");
    alice2.line(format!(
        "event AliceSentActive1(exp(g, {}), t_m1);",
        ar2.dh_s
    ));
    alice2.line(format!("out(c, {m1});"));
    leaked.push(ar2.dh_s.clone());
    alice2.line(format!("out(c, {});", ar2.state()));
    bob2.line("in(c, msg1: bitstring);");
    let (pt, k) = br2.decrypt(&mut cx, &mut bob2, "msg1", ad_ab);
    bob2.line(format!("event BobRecvActive1({k}, {pt});"));
    let m2 = br2.encrypt(&mut cx, &mut bob2, ad_ba, "t_m2");
    bob2.line(format!("out(c, {m2});"));
    alice2.line("in(c, msg2: bitstring);");
    ar2.decrypt(&mut cx, &mut alice2, "msg2", ad_ba);
    let m3 = ar2.encrypt(&mut cx, &mut alice2, ad_ab, "t_m3");
    alice2.line(format!("out(c, {m3});"));
    procs.push(alice2);
    procs.push(bob2);
    let queries = with_completes(queries, "AliceDone(pkb)", "BobDone(pka)");

    let secrets = ["s_m1", "s_m2", "s_m3", "s_m4", "t_m1", "t_m2", "t_m3"];
    let extra = [
        ("new km", None),
        ("new spkB", None),
        ("new kmx", None),
        ("new spkX", None),
    ];
    let refs: Vec<&Proc> = procs.iter().collect();
    let assumptions = fresh_assumptions(&refs, &extra, &[], &leaked);
    let processes: String = procs.iter().map(|pr| format!("\n{}", pr.text())).collect();
    let rest = fill(
        TEMPLATE,
        &[
            ("secrets", &secret_decls(&secrets)),
            ("queries", &print_queries(&queries)),
            ("assumptions", &assumptions),
            ("processes", &processes),
            ("active", ACTIVE_SESSIONS),
        ],
    );
    assemble(cx, about, queries, &rest)
}
