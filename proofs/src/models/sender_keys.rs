//! The Sender Keys models (signal-sk-v3): one sender, Alice, whose chains' distributions go
//! to an honest member, Bob, over their pairwise session; her messages' secrecy against
//! outsiders, their authenticity against members, the hash ratchet's forward secrecy, its
//! lack of post-compromise security until a rotation, and a weakened receiver that skips the
//! signature.
//!
//! The processes follow `sender_keys::Sender::encrypt` (message keys from the chain key,
//! AES-256-CBC, the body signed, the chain stepped) and `Record::decrypt` (the state of the
//! message's chain id, the signature, the iteration's key, AES-256-CBC); Bob joins from the
//! encoded distribution as `Distribution::decode` reads it. Messages arrive in order, one per
//! iteration, as in the Double Ratchet models.

use super::process::{Ctx, Proc};
use super::text::{assemble, fresh_assumptions, secret_decls, two_parties};
use super::{completes, About, Expect, FixedQuery, Model};
use crate::schedule_sk::{chain_id, iteration, CHAIN_ID, ROTATED_CHAIN_ID};
use crate::term::{call, var, Term, Ty};

/// Everything after the declarations: `{secrets}`, `{rotation_events}`, `{queries}`,
/// `{assumptions}`, `{alice}`, `{bob}` and `{sessions}`, the top-level process.
const TEMPLATE: &str = include_str!("../templates/sender_keys.pv");

/// The spec functions the queries are about.
const FUNCTIONS: &[&str] = &[
    "spec/src/sender_keys.rs::Sender::encrypt",
    "spec/src/sender_keys.rs::Record::decrypt",
    "spec/src/sender_keys.rs::Distribution::decode",
];

/// Messages Alice sends on a chain (iterations 0, 1, 2).
const MESSAGES: u32 = 3;

/// What leaks of the sender-key states, and when.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Compromise {
    None,
    /// After the chain's last message: Alice's state (chain key, signing private key) and
    /// Bob's (chain key).
    AfterChain,
    /// Alice's state after her second message; she sends one more on that chain, then
    /// rotates (a new chain id, chain key and signing key pair, distributed over the pairwise
    /// session) and sends on the new chain. Bob keeps the old chain beside the new one.
    MidChainThenRotate,
}

/// One Sender Keys model.
pub(super) struct Variant {
    about: About,
    /// The attacker is a member of the group: Alice's distribution also goes to it (over its
    /// own pairwise session with her), and it chooses her plaintexts, which it could read
    /// anyway.
    member: bool,
    /// Bob checks each message's signature (`Record::decrypt`); the sanity variant does not.
    verify: bool,
    compromise: Compromise,
    /// Its queries, before the two reachability ones every model has.
    queries: &'static [FixedQuery],
}

const AUTH: &str =
    "k: G, i: bitstring, m: bitstring; event(BobAccept(k, i, m)) ==> event(AliceSent(k, i, m))";

macro_rules! base {
    () => {
        "   libsignal's Sender Keys (group_encrypt / group_decrypt) between a sender, Alice, and a\n   member, Bob, unboundedly many chains: each message is AES-256-CBC under keys from the chain\n   key, signed with the chain's XEdDSA key, and the chain key steps by HMAC. The distribution\n   (chain id, iteration, chain key, signing key) reaches Bob over their pairwise session, a\n   secure channel. Messages arrive in order, one per iteration."
    };
}

pub(super) const VARIANTS: &[Variant] = &[
    Variant {
        about: About {
            name: "secrecy",
            weakened: false,
            title: "Sender Keys: secrecy against outsiders",
            description: concat!(
                base!(),
                "\n   The attacker is not a member: it sees every group message, never a distribution."
            ),
        },
        member: false,
        verify: true,
        compromise: Compromise::None,
        queries: &[
            FixedQuery {
                id: "secrecy_m0",
                property: "secrecy",
                text: "attacker(s_m0)",
                expected: Expect::True,
                meaning: "Alice's message at iteration 0 stays secret from an active attacker outside the group",
            },
            FixedQuery {
                id: "secrecy_m1",
                property: "secrecy",
                text: "attacker(s_m1)",
                expected: Expect::True,
                meaning: "so does her message at iteration 1",
            },
            FixedQuery {
                id: "secrecy_m2",
                property: "secrecy",
                text: "attacker(s_m2)",
                expected: Expect::True,
                meaning: "and at iteration 2",
            },
        ],
    },
    Variant {
        about: About {
            name: "authenticity",
            weakened: false,
            title: "Sender Keys: sender authenticity against other members",
            description: concat!(
                base!(),
                "\n   The attacker is a member: it receives every distribution of Alice's, so it holds each\n   chain key, and it chooses her plaintexts."
            ),
        },
        member: true,
        verify: true,
        compromise: Compromise::None,
        queries: &[
            FixedQuery {
                id: "auth",
                property: "authentication",
                text: AUTH,
                expected: Expect::True,
                meaning: "when Bob accepts plaintext m at iteration i on a chain whose distribution Alice gave him (signing key k), Alice sent m at iteration i on that chain, although the attacker holds its chain key: only the signature keeps a member from writing in her name",
            },
            FixedQuery {
                id: "auth_injective",
                property: "replay",
                text: "k: G, i: bitstring, m: bitstring; inj-event(BobAccept(k, i, m)) ==> inj-event(AliceSent(k, i, m))",
                expected: Expect::True,
                meaning: "each message Bob accepts is a distinct message Alice sent: a replay is not accepted twice (Bob takes each iteration once)",
            },
        ],
    },
    Variant {
        about: About {
            name: "fs",
            weakened: false,
            title: "Sender Keys: forward secrecy of the hash ratchet",
            description: concat!(
                base!(),
                "\n   The attacker is not a member. After a chain's last message, Alice's state (the chain key at\n   iteration 3 and the signing private key) and Bob's (the chain key at iteration 3) leak."
            ),
        },
        member: false,
        verify: true,
        compromise: Compromise::AfterChain,
        queries: &[
            FixedQuery {
                id: "fs_m0",
                property: "forward-secrecy",
                text: "attacker(s_m0)",
                expected: Expect::True,
                meaning: "the message at iteration 0 stays secret when the chain key of iteration 3 and the signing key leak afterwards: HMAC does not run backwards",
            },
            FixedQuery {
                id: "fs_m1",
                property: "forward-secrecy",
                text: "attacker(s_m1)",
                expected: Expect::True,
                meaning: "so does the message at iteration 1",
            },
            FixedQuery {
                id: "fs_m2",
                property: "forward-secrecy",
                text: "attacker(s_m2)",
                expected: Expect::True,
                meaning: "and the one at iteration 2, the last before the leak",
            },
        ],
    },
    Variant {
        about: About {
            name: "pcs",
            weakened: false,
            title: "Sender Keys: no post-compromise security until the sender rotates",
            description: concat!(
                base!(),
                "\n   The attacker is not a member. Alice's state (chain key at iteration 2, signing private key)\n   leaks after her second message; she sends a third on that chain, then rotates: a new\n   chain (new chain id, chain key and signing key pair) whose distribution goes to Bob over\n   the pairwise session, which the attacker has not compromised, and one message on it. Bob\n   keeps the old chain beside the new one, as a record keeps up to MAX_SENDER_KEY_STATES."
            ),
        },
        member: false,
        verify: true,
        compromise: Compromise::MidChainThenRotate,
        queries: &[
            FixedQuery {
                id: "fs_m0",
                property: "forward-secrecy",
                text: "attacker(s_m0)",
                expected: Expect::True,
                meaning: "the message at iteration 0, sent before the compromise, stays secret",
            },
            FixedQuery {
                id: "fs_m1",
                property: "forward-secrecy",
                text: "attacker(s_m1)",
                expected: Expect::True,
                meaning: "so does the one at iteration 1, sent just before it",
            },
            FixedQuery {
                id: "pcs_m2",
                property: "post-compromise-security",
                text: "attacker(s_m2)",
                expected: Expect::False,
                meaning: "ATTACK EXPECTED (no post-compromise security): the leaked chain key is the key of iteration 2 and of every later one, so the attacker reads Alice's next message on the chain",
            },
            FixedQuery {
                id: "pcs_forgery",
                property: "post-compromise-security",
                text: AUTH,
                expected: Expect::False,
                meaning: "ATTACK EXPECTED: with the leaked chain key and signing key the attacker makes Bob accept, on the old chain, a message Alice never sent",
            },
            FixedQuery {
                id: "rotated_m3",
                property: "post-compromise-security",
                text: "attacker(s_m3)",
                expected: Expect::True,
                meaning: "after the rotation, Alice's message on the new chain is secret again",
            },
            FixedQuery {
                id: "rotated_auth",
                property: "authentication",
                text: "k: G, i: bitstring, m: bitstring; event(BobAcceptRotated(k, i, m)) ==> event(AliceSentRotated(k, i, m))",
                expected: Expect::True,
                meaning: "and what Bob accepts on the new chain Alice sent on it",
            },
            FixedQuery {
                id: "stale_forgery",
                property: "post-compromise-security",
                text: "k: G, i: bitstring, m: bitstring; event(BobAcceptStale(k, i, m)) ==> event(AliceSent(k, i, m))",
                expected: Expect::False,
                meaning: "ATTACK EXPECTED: after the rotation Bob still accepts messages on the old chain, so the attacker goes on forging messages in Alice's name there until the old state is dropped",
            },
        ],
    },
    Variant {
        about: About {
            name: "no_signature_check",
            weakened: true,
            title: "SANITY (weakened): Sender Keys where the receiver does not verify the signature",
            description: concat!(
                base!(),
                "\n   As the authenticity model (the attacker is a member), but Bob skips the XEdDSA check.\n   ProVerif must find the attack."
            ),
        },
        member: true,
        verify: false,
        compromise: Compromise::None,
        queries: &[FixedQuery {
            id: "auth",
            property: "sanity",
            text: AUTH,
            expected: Expect::False,
            meaning: "ATTACK EXPECTED: without the signature check a member, who holds the chain key, makes Bob accept in Alice's name a message she never sent",
        }],
    },
    Variant {
        about: About {
            name: "no_signature_check_outsider",
            weakened: true,
            title: "SANITY (weakened): Sender Keys without the signature check, against outsiders",
            description: concat!(
                base!(),
                "\n   The attacker is not a member, and Bob skips the XEdDSA check. ProVerif must find the\n   attack, which shows that the model's AES-CBC has no integrity of its own (Sender Keys has\n   no MAC): without the signature even an outsider changes what Bob reads."
            ),
        },
        member: false,
        verify: false,
        compromise: Compromise::None,
        queries: &[
            FixedQuery {
                id: "secrecy_m0",
                property: "secrecy",
                text: "attacker(s_m0)",
                expected: Expect::True,
                meaning: "the messages stay secret: the signature has nothing to do with confidentiality",
            },
            FixedQuery {
                id: "auth",
                property: "sanity",
                text: AUTH,
                expected: Expect::False,
                meaning: "ATTACK EXPECTED: without the signature check an outsider, who has no key, turns Alice's ciphertext into one of a plaintext of its choice (CBC is malleable) and Bob accepts it in her name",
            },
        ],
    },
];

/// One chain as a party's ProVerif variables.
struct Chain {
    /// Prefix of the variables the party binds for this chain.
    who: &'static str,
    id: u32,
    iteration: u32,
    /// The chain key at `iteration`.
    ck: String,
    /// Alice: the signing private key (a scalar); Bob: its public key (a G), as distributed.
    signing: String,
}

impl Chain {
    fn var(&self, base: &str) -> String {
        format!("{}_{base}{}", self.who, self.iteration)
    }

    /// `Sender::encrypt`: the message of `plaintext` at the current iteration, after the
    /// event `sent`; the chain steps.
    fn send(&mut self, cx: &mut Ctx, pr: &mut Proc, plaintext: &str, sent: &str) {
        let (seed, next, body) = (self.var("seed"), self.next_key(), self.var("body"));
        let (chain, it) = (cx.t(&chain_id(self.id)), cx.t(&iteration(self.iteration)));
        pr.line(format!("let {seed} = sk_seed({}) in", self.ck));
        pr.line(format!("let {next} = sk_next({}) in", self.ck));
        pr.line(format!(
            "let {body} = sk_body({chain}, {it}, sk_ct({seed}, {plaintext})) in"
        ));
        pr.line(format!(
            "event {sent}(exp(g, {}), {it}, {plaintext});",
            self.signing
        ));
        pr.line(format!(
            "out(c, sk_message({body}, xsign({}, {body})));",
            self.signing
        ));
        self.step(next);
    }

    /// `Record::decrypt` of the next message, expected at the current iteration of this
    /// chain: parse, the signature (unless `verify` is off), the iteration's keys, AES-CBC;
    /// then the event `accepted`.
    fn receive(&mut self, cx: &mut Ctx, pr: &mut Proc, verify: bool, accepted: &str) {
        let (msg, body, signature, ct) = (
            self.var("msg"),
            self.var("body"),
            self.var("signature"),
            self.var("ct"),
        );
        let (seed, next, pt) = (self.var("seed"), self.next_key(), self.var("pt"));
        pr.line(format!("in(c, {msg}: bitstring);"));
        let whole = cx.pattern(
            &call("sk_message", vec![var(&body), var(&signature)]),
            &[(&body, Ty::Bits), (&signature, Ty::Bits)],
        );
        pr.line(format!("let {whole} = {msg} in"));
        let fields = cx.pattern(
            &call(
                "sk_body",
                vec![chain_id(self.id), iteration(self.iteration), var(&ct)],
            ),
            &[(&ct, Ty::Bits)],
        );
        pr.line(format!("let {fields} = {body} in"));
        if verify {
            pr.line(format!(
                "if xverify({}, {body}, {signature}) = true then",
                self.signing
            ));
        }
        pr.line(format!("let {seed} = sk_seed({}) in", self.ck));
        pr.line(format!("let {next} = sk_next({}) in", self.ck));
        pr.line(format!(
            "let {pt} = cbc_dec(sk_key({seed}), sk_iv({seed}), {ct}) in"
        ));
        let it = cx.t(&iteration(self.iteration));
        pr.line(format!("event {accepted}({}, {it}, {pt});", self.signing));
        self.step(next);
    }

    /// The variable of the chain key one iteration on.
    fn next_key(&self) -> String {
        format!("{}_ck{}", self.who, self.iteration + 1)
    }

    fn step(&mut self, next: String) {
        self.ck = next;
        self.iteration += 1;
    }
}

/// A new chain of Alice's: its chain key and signing key, her process's arguments.
fn sender_chain(who: &'static str, id: u32, ck: &str, signing: &str) -> Chain {
    Chain {
        who,
        id,
        iteration: 0,
        ck: ck.to_string(),
        signing: signing.to_string(),
    }
}

/// Bob joins from the distribution `dist` (`Distribution::decode`, `Record::add`): its chain
/// key and signing key are his state of the chain.
fn join(cx: &mut Ctx, pr: &mut Proc, who: &'static str, id: u32, dist: &str) -> Chain {
    let (ck, spk) = (format!("{who}_ck0"), format!("{who}_spk"));
    let pattern = cx.pattern(
        &distribution(id, var(&ck), var(&spk)),
        &[(&ck, Ty::Bits), (&spk, Ty::G)],
    );
    pr.line(format!("let {pattern} = {dist} in"));
    Chain {
        who,
        id,
        iteration: 0,
        ck,
        signing: spk,
    }
}

/// The distribution of a new chain (iteration 0) with chain key `ck` and signing public key
/// `spk`.
fn distribution(id: u32, ck: Term, spk: Term) -> Term {
    call("sk_distribution", vec![chain_id(id), iteration(0), ck, spk])
}

/// The plaintext of Alice's `k`-th message: the secret `s_mk`, or, when the attacker is a
/// member, one it chooses.
fn plaintext(pr: &mut Proc, member: bool, k: u32, secrets: &mut Vec<String>) -> String {
    if member {
        let pt = format!("a_pt{k}");
        pr.line(format!("in(c, {pt}: bitstring);"));
        pt
    } else {
        let s = format!("s_m{k}");
        secrets.push(s.clone());
        s
    }
}

pub(super) fn model(v: &Variant) -> Model {
    let mut cx = Ctx::signal_sk_v3();
    let rotate = v.compromise == Compromise::MidChainThenRotate;
    let (mut alice, mut bob) = if rotate {
        (
            Proc::new("Alice(ck0: bitstring, sig: scalar, rck0: bitstring, rsig: scalar)"),
            Proc::new("Bob(dist: bitstring, rdist: bitstring)"),
        )
    } else {
        (
            Proc::new("Alice(ck0: bitstring, sig: scalar)"),
            Proc::new("Bob(dist: bitstring)"),
        )
    };
    let mut secrets = Vec::new();
    let mut a = sender_chain("a", CHAIN_ID, "ck0", "sig");
    let mut b = join(&mut cx, &mut bob, "b", CHAIN_ID, "dist");
    for k in 0..MESSAGES {
        if rotate && k == 2 {
            // The whole sending state: `Sender` less the public distribution id and chain id.
            alice.line(format!("out(c, ({}, {}));", a.ck, a.signing));
        }
        let pt = plaintext(&mut alice, v.member, k, &mut secrets);
        a.send(&mut cx, &mut alice, &pt, "AliceSent");
        b.receive(&mut cx, &mut bob, v.verify, "BobAccept");
    }
    if v.compromise == Compromise::AfterChain {
        alice.line(format!("out(c, ({}, {}));", a.ck, a.signing));
        bob.line(format!("out(c, {});", b.ck));
    }
    if rotate {
        let mut ra = sender_chain("r", ROTATED_CHAIN_ID, "rck0", "rsig");
        let mut rb = join(&mut cx, &mut bob, "q", ROTATED_CHAIN_ID, "rdist");
        let pt = plaintext(&mut alice, v.member, MESSAGES, &mut secrets);
        ra.send(&mut cx, &mut alice, &pt, "AliceSentRotated");
        rb.receive(&mut cx, &mut bob, v.verify, "BobAcceptRotated");
    }
    alice.line("event AliceDone;");
    bob.line("event BobDone;");
    if rotate {
        // Bob's record still holds the old chain: a message on it is read with that state.
        b.receive(&mut cx, &mut bob, v.verify, "BobAcceptStale");
    }

    let mut queries: Vec<_> = v.queries.iter().map(FixedQuery::query).collect();
    queries.push(completes("Alice", "AliceDone"));
    queries.push(completes("Bob", "BobDone"));

    let sessions = sessions(&mut cx, v.member, rotate);
    // The first chain's key never leaks (only later ones of the chain do) unless the
    // attacker is a member; its signing key leaks with a compromise; the rotated chain's
    // keys never leak.
    let mut extra = Vec::new();
    if !v.member {
        extra.push(("new ck0", None));
    }
    if v.compromise == Compromise::None {
        extra.push(("new sig", None));
    }
    if rotate {
        extra.extend([("new rck0", None), ("new rsig", None)]);
    }
    let assumptions = fresh_assumptions(&[&alice, &bob], &extra, &[], &[]);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let secrets = if secrets.is_empty() {
        String::new()
    } else {
        format!("(* Alice's plaintexts. *)\n{}\n", secret_decls(&secrets))
    };
    let rotation_events = if rotate {
        "\nevent AliceSentRotated(G, bitstring, bitstring).\nevent BobAcceptRotated(G, bitstring, bitstring).\nevent BobAcceptStale(G, bitstring, bitstring)."
    } else {
        ""
    };
    let rest = two_parties(
        TEMPLATE,
        &queries,
        &assumptions,
        &alice,
        &bob,
        &[
            ("secrets", &secrets),
            ("rotation_events", rotation_events),
            ("sessions", &sessions),
        ],
    );
    Model {
        functions: FUNCTIONS,
        ..assemble(cx, &v.about, queries, &rest)
    }
}

/// The top-level process: per session Alice's fresh chain (and the one she rotates to), its
/// distribution as Bob's argument, and for a member attacker a copy of it on the network.
fn sessions(cx: &mut Ctx, member: bool, rotate: bool) -> String {
    let pk = |x: &str| Term::Pk(Box::new(var(x)));
    let dist = distribution(CHAIN_ID, var("ck0"), pk("sig"));
    let dist = cx.t(&dist);
    if rotate {
        let rdist = distribution(ROTATED_CHAIN_ID, var("rck0"), pk("rsig"));
        let rdist = cx.t(&rdist);
        return format!("  !( new ck0: bitstring; new sig: scalar; new rck0: bitstring; new rsig: scalar;\n     (Alice(ck0, sig, rck0, rsig) | Bob({dist}, {rdist})) )\n");
    }
    if member {
        return format!("  !( new ck0: bitstring; new sig: scalar;\n     let dist = {dist} in\n     (Alice(ck0, sig) | Bob(dist) | out(c, dist)) )\n");
    }
    format!("  !( new ck0: bitstring; new sig: scalar;\n     (Alice(ck0, sig) | Bob({dist})) )\n")
}
