//! The ProVerif models: X3DH, the Double Ratchet over a bounded number of DH ratchet steps,
//! and their composition, for `modern` and `signal-v3`, each with its queries and their
//! expected results, plus deliberately weakened variants whose attacks ProVerif must find.
//!
//! The processes follow the spec step by step (`x3dh::initiate`/`respond`,
//! `double_ratchet::ratchet_init_*`, `ratchet_encrypt`, `ratchet_decrypt`, `dh_ratchet`,
//! `sending_step`, `session::*`); every derivation and every byte layout is a `letfun` from
//! `schedule`, whose tests check it against the spec on bytes.
//!
//! What the models do not cover (also in proofs/README.md): messages arrive in order, one per
//! chain (no skipped message keys, no MAX_SKIP); header encryption; olm-v1; sessions are
//! bounded to the messages written out below; primitives are ideal (symbolic).

use super::schedule::{self, counter, message_layout, prefix, prekey_layout, LetFun};
use super::term::{var, Decls, Term, Ty};
use e2ee_spec::Profile;

/// A query's expected ProVerif result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// `RESULT ... is true.`: the property holds (for the model's unbounded sessions).
    True,
    /// `RESULT ... is false.`: ProVerif finds an attack (a trace).
    False,
}

impl Expect {
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::True => "true",
            Expect::False => "false",
        }
    }
}

/// One ProVerif query.
#[derive(Clone, Debug)]
pub struct Query {
    /// Stable id, unique in its model.
    pub id: String,
    /// secrecy, authentication, forward-secrecy, post-compromise-security, replay or sanity.
    pub property: &'static str,
    /// The query as written in the model (without `query` and the final dot).
    pub text: String,
    pub expected: Expect,
    pub meaning: String,
}

/// One model file.
#[derive(Clone, Debug)]
pub struct Model {
    pub file: String,
    pub profile: Profile,
    /// Whether this is a deliberately weakened variant (its attack queries must be found).
    pub weakened: bool,
    pub summary: String,
    pub queries: Vec<Query>,
    pub text: String,
}

/// All models, in a fixed order.
pub fn all() -> Vec<Model> {
    let mut out = Vec::new();
    for profile in schedule::PROFILES {
        out.push(x3dh(profile, X3dh::Main { one_time: true }));
        out.push(x3dh(profile, X3dh::Main { one_time: false }));
        out.push(x3dh(profile, X3dh::Fs { one_time: true }));
        out.push(x3dh(profile, X3dh::Fs { one_time: false }));
        out.push(x3dh(profile, X3dh::NoSignatureCheck));
        out.push(x3dh(profile, X3dh::NoSignatureCheckFs));
        out.push(x3dh(profile, X3dh::NoIdentityDh));
        out.push(dr(profile, DrVariant::Standard));
        out.push(dr(profile, DrVariant::KeepMessageKeys));
        out.push(dr_pcs(profile, true));
        out.push(dr_pcs(profile, false));
        out.push(session(profile, false));
        out.push(session(profile, true));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Writing processes.

/// A process definition under construction. Every `new` is hoisted to the top: a fresh name
/// then depends only on the session, not on the messages received before it, which keeps
/// ProVerif's clauses small (and does not change what the process does).
struct Proc {
    header: String,
    news: Vec<(String, Ty)>,
    lines: Vec<String>,
}

impl Proc {
    fn new(header: &str) -> Proc {
        Proc {
            header: header.to_string(),
            news: Vec::new(),
            lines: Vec::new(),
        }
    }

    fn fresh(&mut self, name: &str, ty: Ty) -> String {
        self.news.push((name.to_string(), ty));
        name.to_string()
    }

    fn line(&mut self, l: impl Into<String>) {
        self.lines.push(l.into());
    }

    fn text(&self) -> String {
        let mut out = format!("let {} =\n", self.header);
        for (n, ty) in &self.news {
            out.push_str(&format!("  new {n}: {};\n", ty.pv()));
        }
        for l in &self.lines {
            out.push_str(&format!("  {l}\n"));
        }
        out.push_str("  0.\n");
        out
    }
}

/// Printing context: the declarations a model needs and its profile's letfuns.
struct Ctx {
    p: Profile,
    d: Decls,
    funs: Vec<LetFun>,
}

impl Ctx {
    fn new(p: Profile) -> Ctx {
        Ctx {
            p,
            d: Decls::default(),
            funs: schedule::letfuns(p),
        }
    }

    fn t(&mut self, t: &Term) -> String {
        t.pv(&mut self.d)
    }

    fn counter(&mut self, which: &str, value: u32) -> String {
        let t = counter(self.p, which, value);
        self.t(&t)
    }

    fn letfuns(&mut self) -> String {
        let mut out = String::new();
        for f in &self.funs {
            let params: Vec<String> = f
                .params
                .iter()
                .map(|(n, ty)| format!("{n}: {}", ty.pv()))
                .collect();
            let body = f.body.pv(&mut self.d);
            out.push_str(&format!(
                "(* {} *)\nletfun {}({}) =\n  {}.\n",
                f.doc,
                f.name,
                params.join(", "),
                body
            ));
        }
        out
    }

    /// A `let pattern = msg in` line destructuring a message layout.
    fn pattern(&mut self, t: &Term, bound: &[(&str, Ty)]) -> String {
        let funs = &self.funs;
        let expand = |name: &str, args: &[Term]| schedule::expand(funs, name, args);
        let bind = |v: &str| bound.iter().find(|(n, _)| *n == v).map(|(_, ty)| *ty);
        t.pattern(&mut self.d, &bind, &expand)
    }
}

/// The Double Ratchet state of one party as ProVerif variables (§3.2: RK, CKs, DHs, the
/// receiving chains' CKr, Ns, PN), advanced by emitting `let`s into a process.
struct Ratchet {
    who: &'static str,
    seq: usize,
    rk: String,
    ck_s: Option<String>,
    dh_s: String,
    /// Receiving chain keys, newest first, at most `Limits::receiver_chains` of them.
    chains: Vec<String>,
    n_s: u32,
    pn: u32,
    /// Sanity variant: a DH ratchet step reuses the current key pair instead of a fresh one.
    reuse_ratchet_key: bool,
    /// Sanity variant: message keys of received messages are kept, not deleted.
    keep_message_keys: bool,
    kept: Vec<String>,
    /// The next `decrypt` is the party's last step: leave out the unused sending half.
    final_step: bool,
}

impl Ratchet {
    /// A party's state before any message: nothing sent, no variant switched on.
    fn new(
        who: &'static str,
        rk: &str,
        ck_s: Option<&str>,
        dh_s: &str,
        chains: Vec<String>,
    ) -> Ratchet {
        Ratchet {
            who,
            seq: 0,
            rk: rk.to_string(),
            ck_s: ck_s.map(str::to_string),
            dh_s: dh_s.to_string(),
            chains,
            n_s: 0,
            pn: 0,
            reuse_ratchet_key: false,
            keep_message_keys: false,
            kept: Vec::new(),
            final_step: false,
        }
    }

    fn name(&mut self, base: &str) -> String {
        self.seq += 1;
        format!("{}_{base}{}", self.who, self.seq)
    }

    /// §3.3 RatchetInitAlice (modern) / libsignal initialize_alice_session (signal-v3): the
    /// sending half of a DH ratchet step against Bob's signed prekey `spk` (a G term).
    fn init_alice(
        cx: &mut Ctx,
        pr: &mut Proc,
        who: &'static str,
        rk0: &str,
        ck0: Option<&str>,
        spk: &str,
    ) -> Ratchet {
        // signal-v3: the X3DH chain key is Alice's first receiving chain.
        let chains = ck0.map(|c| vec![c.to_string()]).unwrap_or_default();
        let mut r = Ratchet::new(who, rk0, None, "", chains);
        let fresh = r.name("dh");
        pr.fresh(&fresh, Ty::Scalar);
        r.dh_s = fresh.clone();
        let d = r.name("d");
        pr.line(format!("let {d} = exp({spk}, {fresh}) in"));
        let (rk, ck) = (r.name("rk"), r.name("cks"));
        pr.line(format!("let {rk} = kdf_rk_rk({}, {d}) in", r.rk));
        pr.line(format!("let {ck} = kdf_rk_ck({}, {d}) in", r.rk));
        r.rk = rk;
        r.ck_s = Some(ck);
        // modern: ratchet_init_alice sets PN = 0; signal-v3: sending_step sets previous_counter(Ns = 0).
        r.pn = if cx.p == Profile::SignalV3 {
            cx.p.previous_counter(0)
        } else {
            0
        };
        r
    }

    /// §3.3 RatchetInitBob / libsignal initialize_bob_session: the signed prekey is the
    /// ratchet key; signal-v3 also gets a sending chain `ck0` on it.
    fn init_bob(who: &'static str, rk0: &str, ck0: Option<&str>, spk: &str) -> Ratchet {
        Ratchet::new(who, rk0, ck0, spk, Vec::new())
    }

    /// §3.4 RatchetEncrypt: derive the message key, advance CKs; returns the message term.
    fn encrypt(&mut self, cx: &mut Ctx, pr: &mut Proc, ad: &str, plaintext: &str) -> String {
        let ck = self.ck_s.clone().expect("no sending chain");
        let (mk, next) = (self.name("mk"), self.name("cks"));
        pr.line(format!("let {mk} = kdf_ck_mk({ck}) in"));
        pr.line(format!("let {next} = kdf_ck_ck({ck}) in"));
        self.ck_s = Some(next);
        let pn = cx.counter("pn", self.pn);
        let n = cx.counter("n", self.n_s);
        self.n_s += 1;
        format!(
            "seal({mk}, {ad}, exp(g, {}), {pn}, {n}, {plaintext})",
            self.dh_s
        )
    }

    /// §3.5 RatchetDecrypt of a message `msg` that starts a new receiving chain (the models
    /// deliver in order, one message per chain): parse the header, DHRatchet (receiving half,
    /// then the sending half with a fresh key pair), derive the message key, authenticate and
    /// decrypt. Returns (plaintext variable, sender's ratchet public key variable).
    fn decrypt(&mut self, cx: &mut Ctx, pr: &mut Proc, msg: &str, ad: &str) -> (String, String) {
        let (peer, pnv, ct, mac) = (
            self.name("peer"),
            self.name("pn"),
            self.name("ct"),
            self.name("mac"),
        );
        let n0 = counter(cx.p, "n", 0);
        let layout = message_layout(cx.p, var(&peer), var(&pnv), n0.clone(), var(&ct), var(&mac));
        let pat = cx.pattern(
            &layout,
            &[
                (&peer, Ty::G),
                (&pnv, Ty::Bits),
                (&ct, Ty::Bits),
                (&mac, Ty::Bits),
            ],
        );
        pr.line(format!("let {pat} = {msg} in"));
        // DHRatchet, receiving half.
        let (d, rk, ckr) = (self.name("d"), self.name("rk"), self.name("ckr"));
        pr.line(format!("let {d} = exp({peer}, {}) in", self.dh_s));
        pr.line(format!("let {rk} = kdf_rk_rk({}, {d}) in", self.rk));
        pr.line(format!("let {ckr} = kdf_rk_ck({}, {d}) in", self.rk));
        self.rk = rk;
        // Sending half (sending_step): a fresh ratchet key pair. Left out when nothing after
        // this step uses it (no later message, no state leak): an unused derivation changes
        // nothing in a symbolic model, and each DH on an attacker's value costs ProVerif.
        if !self.final_step {
            let next_dh = if self.reuse_ratchet_key {
                self.dh_s.clone()
            } else {
                let f = self.name("dh");
                pr.fresh(&f, Ty::Scalar);
                f
            };
            let (d2, rk2, cks) = (self.name("d"), self.name("rk"), self.name("cks"));
            pr.line(format!("let {d2} = exp({peer}, {next_dh}) in"));
            pr.line(format!("let {rk2} = kdf_rk_rk({}, {d2}) in", self.rk));
            pr.line(format!("let {cks} = kdf_rk_ck({}, {d2}) in", self.rk));
            self.pn = if cx.p == Profile::Modern {
                self.n_s
            } else {
                cx.p.previous_counter(self.n_s)
            };
            self.n_s = 0;
            self.rk = rk2;
            self.ck_s = Some(cks);
            self.dh_s = next_dh;
        }
        // The message key of N = 0 on the new chain.
        let (mk, next) = (self.name("mk"), self.name("ckr"));
        pr.line(format!("let {mk} = kdf_ck_mk({ckr}) in"));
        pr.line(format!("let {next} = kdf_ck_ck({ckr}) in"));
        self.chains.insert(0, next);
        self.chains.truncate(cx.p.limits().receiver_chains);
        if self.keep_message_keys {
            self.kept.push(mk.clone());
        }
        let pt = self.name("pt");
        let n0 = cx.t(&n0);
        match cx.p {
            Profile::Modern => {
                pr.line(format!("let {pt} = aead_dec(mk_key({mk}), mk_nonce({mk}), aad({ad}, {peer}, {pnv}, {n0}), {ct}) in"));
            }
            _ => {
                pr.line(format!(
                    "if mac({mk}, {ad}, body({peer}, {n0}, {pnv}, {ct})) = {mac} then"
                ));
                pr.line(format!(
                    "let {pt} = cbc_dec(mk_cipher_key({mk}), mk_iv({mk}), {ct}) in"
                ));
            }
        }
        (pt, peer)
    }

    /// Everything the party holds: RK, CKs, DHs's private key, the receiving chain keys (and,
    /// in the sanity variant, the message keys it failed to delete).
    fn state(&self) -> String {
        let mut parts = vec![self.rk.clone()];
        parts.extend(self.ck_s.clone());
        parts.push(self.dh_s.clone());
        parts.extend(self.chains.iter().cloned());
        parts.extend(self.kept.iter().cloned());
        format!("({})", parts.join(", "))
    }
}

// ---------------------------------------------------------------------------------------------
// Model text.

fn prelude(cx: &Ctx) -> String {
    let cipher = match cx.p {
        Profile::Modern => "(* ChaCha20-Poly1305 (RFC 8439) as an ideal AEAD: key, nonce, associated data, plaintext. *)\n\
fun aead_enc(bitstring, bitstring, bitstring, bitstring): bitstring.\n\
reduc forall k: bitstring, n: bitstring, a: bitstring, p: bitstring; aead_dec(k, n, a, aead_enc(k, n, a, p)) = p.\n",
        _ => "(* AES-256-CBC as ideal symmetric encryption (key, IV, plaintext); integrity comes from the MAC. *)\n\
fun cbc_enc(bitstring, bitstring, bitstring): bitstring.\n\
reduc forall k: bitstring, iv: bitstring, p: bitstring; cbc_dec(k, iv, cbc_enc(k, iv, p)) = p.\n",
    };
    format!(
        "(* The attacker is typed: group elements are built from g and exponents, so a public key\n   is never, say, a KDF output (the spec also refuses low-order points). *)\n\
set ignoreTypes = false.\n(* A performance setting (redundant clauses are removed more thoroughly); results are unchanged. *)\nset redundancyElim = best.\n\n\
free c: channel.\n\n\
(* X25519 as Diffie-Hellman in a prime-order group. *)\n\
type G.\n\
type scalar.\n\
const g: G [data].\n\
fun exp(G, scalar): G.\n\
equation forall x: scalar, y: scalar; exp(exp(g, x), y) = exp(exp(g, y), x).\n\
fun G2b(G): bitstring [data, typeConverter].\n\n\
(* XEdDSA with the X25519 identity key (X3DH §3.2). *)\n\
fun xsign(scalar, bitstring): bitstring.\n\
reduc forall k: scalar, m: bitstring; xverify(exp(g, k), m, xsign(k, m)) = true.\n\n\
(* HKDF-SHA256 (salt, ikm, info) as an output stream, cut by okm_FROM_TO; HMAC-SHA256 (key, data). *)\n\
fun hkdf(bitstring, bitstring, bitstring): bitstring.\n\
fun hmac(bitstring, bitstring): bitstring.\n\n\
{cipher}"
    )
}

/// Put a model together: header comment, prelude, declarations collected while printing,
/// letfuns, then `rest` (names, events, queries, processes). The file is
/// `<profile prefix>_<name>.pv`; `title` is also the model's summary.
fn assemble(
    mut cx: Ctx,
    name: &str,
    weakened: bool,
    title: String,
    description: &str,
    queries: Vec<Query>,
    rest: &str,
) -> Model {
    let letfuns = cx.letfuns();
    let mut text = format!(
        // No crate version here: a version bump alone must not invalidate the recorded runs.
        "(* {title}\n\n{description}\n\n   Profile: {}.\n   Generated by `e2ee-conform proofs export` from the spec's constants: do not edit.\n   Run: proverif <this file>; expected results: proofs/expected.json. *)\n\n",
        cx.p.name(),
    );
    text.push_str(&prelude(&cx));
    text.push('\n');
    text.push_str(&cx.d.declarations());
    text.push('\n');
    text.push_str(&letfuns);
    text.push('\n');
    text.push_str(rest);
    Model {
        file: format!("{}_{name}.pv", prefix(cx.p)),
        profile: cx.p,
        weakened,
        summary: title,
        queries,
        text,
    }
}

/// The model's queries as one `query` statement: ProVerif then saturates the clauses once for
/// all of them and answers them in order. The statement declares the union of the queries'
/// variables (a name always has one type across a model's queries).
fn print_queries(queries: &[Query]) -> String {
    let mut out = String::new();
    for q in queries {
        out.push_str(&format!(
            "(* [{}] expected {}: {} *)\n",
            q.id,
            q.expected.as_str(),
            q.meaning
        ));
    }
    let mut decls: Vec<&str> = Vec::new();
    let mut bodies: Vec<&str> = Vec::new();
    for q in queries {
        match q.text.split_once("; ") {
            Some((vars, body)) => {
                for v in vars.split(", ") {
                    let name = v.split(':').next().unwrap_or(v);
                    let clash = decls
                        .iter()
                        .any(|d| d.split(':').next() == Some(name) && *d != v);
                    assert!(!clash, "query variable {name} declared with two types");
                    if !decls.contains(&v) {
                        decls.push(v);
                    }
                }
                bodies.push(body);
            }
            None => bodies.push(&q.text),
        }
    }
    let head = if decls.is_empty() {
        String::new()
    } else {
        format!("{};\n      ", decls.join(", "))
    };
    out.push_str(&format!("query {head}{}.\n\n", bodies.join(";\n      ")));
    out
}

/// Reachability: the query is false exactly when ProVerif finds a run in which `who` executes
/// the event at the end of its process, so the model's honest run completes and its other
/// results are not vacuous (a process stuck on a pattern that never matches proves anything).
fn completes(who: &str, event: &str) -> Query {
    q(
        &format!("{}_completes", who.to_lowercase()),
        "sanity",
        &format!("event({event})"),
        Expect::False,
        &format!("REACHABLE EXPECTED: a run exists in which {who} completes every step with the honest peer"),
    )
}

fn q(id: &str, property: &'static str, text: &str, expected: Expect, meaning: &str) -> Query {
    Query {
        id: id.to_string(),
        property,
        text: text.to_string(),
        expected,
        meaning: meaning.to_string(),
    }
}

fn secret_decls(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("free {n}: bitstring [private].\n"))
        .collect()
}

/// `not attacker(...)` declarations: secrecy assumptions ProVerif checks and then uses to
/// discard clauses (without them the models do not finish in reasonable time).
fn assumptions(items: &[(&str, Option<u32>)]) -> String {
    let mut out = String::from("(* Secrecy assumptions: ProVerif proves each one (or stops with an error) and uses them to prune. *)\n");
    for (n, phase) in items {
        match phase {
            Some(p) => out.push_str(&format!("not attacker({n}) phase {p}.\n")),
            None => out.push_str(&format!("not attacker({n}).\n")),
        }
    }
    out
}

/// The secrecy assumptions of a model: every fresh name of its processes (plus `extra`),
/// secret in every phase except those in `until_phase0` (secret in phase 0 only, they leak
/// in phase 1) and those in `leaked` (no assumption).
fn fresh_assumptions(
    procs: &[&Proc],
    extra: &[(&str, Option<u32>)],
    until_phase0: &[String],
    leaked: &[String],
) -> String {
    let mut items: Vec<(String, Option<u32>)> =
        extra.iter().map(|(n, p)| (n.to_string(), *p)).collect();
    for pr in procs {
        for (n, _) in &pr.news {
            if leaked.contains(n) {
                continue;
            }
            items.push((
                format!("new {n}"),
                if until_phase0.contains(n) {
                    Some(0)
                } else {
                    None
                },
            ));
        }
    }
    let refs: Vec<(&str, Option<u32>)> = items.iter().map(|(n, p)| (n.as_str(), *p)).collect();
    assumptions(&refs)
}

// ---------------------------------------------------------------------------------------------
// X3DH.

#[derive(Clone, Copy, PartialEq, Eq)]
enum X3dh {
    /// Secrecy and authentication, no compromise.
    Main { one_time: bool },
    /// Forward secrecy: identity keys leak in phase 1, the signed prekey too in phase 2.
    Fs { one_time: bool },
    /// Sanity: Alice does not verify the signed prekey's signature (no compromise).
    NoSignatureCheck,
    /// Sanity: as NoSignatureCheck, with identity keys leaking in phase 1.
    NoSignatureCheckFs,
    /// Sanity: the KDF input leaves out DH1 = DH(IK_A, SPK_B), so Alice's identity key is unused.
    NoIdentityDh,
}

/// X3DH §3.3: KM = F || DH1 || DH2 || DH3 [|| DH4] (DH1 left out only by a sanity variant),
/// then the first root key (and, in signal-v3, chain key `ck0`, which is returned) as
/// `km`, `rk0` in the process. Both parties' sides print the same lines on their own DH terms.
fn x3dh_agreement(
    cx: &Ctx,
    pr: &mut Proc,
    dh1: Option<String>,
    dh2_dh3: [String; 2],
    dh4: Option<String>,
) -> Option<String> {
    let dhs: Vec<String> = dh1.into_iter().chain(dh2_dh3).chain(dh4).collect();
    let km_fun = if dhs.len() == 4 {
        "x3dh_km4"
    } else {
        "x3dh_km3"
    };
    pr.line(format!("let km = {km_fun}({}) in", dhs.join(", ")));
    pr.line("let rk0 = x3dh_rk(km) in");
    (cx.p == Profile::SignalV3).then(|| {
        pr.line("let ck0 = x3dh_ck(km) in");
        "ck0".to_string()
    })
}

/// X3DH §3.3 AD = Encode(IK_A) || Encode(IK_B) as `ad`. modern binds it in both directions;
/// signal-v3's MAC input is (sender, receiver), so the other direction gets the reversed pair
/// as `reversed`. Returns the name bound to the other direction's AD.
fn x3dh_ad(cx: &Ctx, pr: &mut Proc, ik_a: &str, ik_b: &str, reversed: &str) -> String {
    pr.line(format!("let ad = assoc({ik_a}, {ik_b}) in"));
    if cx.p == Profile::SignalV3 {
        pr.line(format!("let {reversed} = assoc({ik_b}, {ik_a}) in"));
        reversed.to_string()
    } else {
        "ad".to_string()
    }
}

/// What Alice's X3DH leaves in scope.
struct AliceX3dh {
    rk0: String,
    ck0: Option<String>,
    /// AD of Alice's messages; `ad_in` of Bob's (they differ in signal-v3 only).
    ad: String,
    ad_in: String,
    ek: String,
    opk: String,
}

/// Alice's side of X3DH (§3.3): take a bundle from the network (with `any_identity`, for any
/// identity key; else for Bob's), verify the signature, compute the agreement.
fn alice_x3dh(
    cx: &mut Ctx,
    pr: &mut Proc,
    one_time: bool,
    any_identity: bool,
    verify: bool,
    identity_dh: bool,
) -> AliceX3dh {
    let ek = pr.fresh("ek_a", Ty::Scalar);
    let ikb = if any_identity { "ikb: G, " } else { "" };
    let opk = if one_time { ", opkb: G" } else { "" };
    pr.line(format!("in(c, ({ikb}spkb: G, sig: bitstring{opk}));"));
    if !any_identity {
        pr.line("let ikb = exp(g, ikB) in");
    }
    if verify {
        pr.line("if xverify(ikb, encode(spkb), sig) = true then");
    }
    let ck0 = x3dh_agreement(
        cx,
        pr,
        identity_dh.then_some("exp(spkb, ikA)".to_string()),
        [format!("exp(ikb, {ek})"), format!("exp(spkb, {ek})")],
        one_time.then(|| format!("exp(opkb, {ek})")),
    );
    let ad_in = x3dh_ad(cx, pr, "exp(g, ikA)", "ikb", "ad_in");
    AliceX3dh {
        rk0: "rk0".into(),
        ck0,
        ad: "ad".into(),
        ad_in,
        ek,
        opk: if one_time {
            "opkb".into()
        } else {
            "no_opk".into()
        },
    }
}

/// What Bob's X3DH leaves in scope.
struct BobX3dh {
    rk0: String,
    ck0: Option<String>,
    ad_in: String,
    ad_out: String,
    inner: String,
}

/// Bob's side (§3.4): parse the prekey message, recompute the agreement.
fn bob_x3dh(cx: &mut Ctx, pr: &mut Proc, one_time: bool, identity_dh: bool) -> BobX3dh {
    let layout = prekey_layout(cx.p, one_time, var("ika"), var("eka"), var("inner"));
    let pat = cx.pattern(
        &layout,
        &[("ika", Ty::G), ("eka", Ty::G), ("inner", Ty::Bits)],
    );
    pr.line("in(c, pm: bitstring);");
    pr.line(format!("let {pat} = pm in"));
    let ck0 = x3dh_agreement(
        cx,
        pr,
        identity_dh.then_some("exp(ika, spkB)".to_string()),
        ["exp(eka, ikB)".to_string(), "exp(eka, spkB)".to_string()],
        one_time.then_some("exp(eka, opkB)".to_string()),
    );
    let ad_out = x3dh_ad(cx, pr, "ika", "exp(g, ikB)", "ad_out");
    BobX3dh {
        rk0: "rk0".into(),
        ck0,
        ad_in: "ad".into(),
        ad_out,
        inner: "inner".into(),
    }
}

/// Alice's initial message: the prekey message around her first ratchet message. With
/// `any_identity`, the secret only goes to Bob's identity; others get a public payload.
fn alice_first_message(
    cx: &mut Ctx,
    pr: &mut Proc,
    ar: &mut Ratchet,
    ax: &AliceX3dh,
    one_time: bool,
    any_identity: bool,
) {
    let prekey_fun = if one_time {
        "prekey_msg_opk"
    } else {
        "prekey_msg"
    };
    let secret = ar.encrypt(cx, pr, &ax.ad, "s_m1");
    let ek = &ax.ek;
    if any_identity {
        let public = secret.replace("s_m1)", "nonsecret)");
        // A session with another identity stops here: its later steps use only its own fresh
        // keys, which tell the attacker nothing about other sessions.
        pr.line(format!("if ikb <> exp(g, ikB) then out(c, {prekey_fun}(exp(g, ikA), exp(g, {ek}), {public})) else"));
    }
    pr.line(format!(
        "out(c, {prekey_fun}(exp(g, ikA), exp(g, {ek}), {secret}));"
    ));
}

fn x3dh(p: Profile, variant: X3dh) -> Model {
    let mut cx = Ctx::new(p);
    let (one_time, verify, identity_dh, phases) = match variant {
        X3dh::Main { one_time } => (one_time, true, true, 0),
        X3dh::Fs { one_time } => (one_time, true, true, 2),
        X3dh::NoSignatureCheck => (true, false, true, 0),
        X3dh::NoSignatureCheckFs => (true, false, true, 1),
        X3dh::NoIdentityDh => (true, true, false, 0),
    };
    // With compromise phases Alice only starts sessions with Bob's identity (the bundle's
    // prekeys and signature still come from the network): the phase-free models cover her
    // sessions with other identities, and ProVerif would need far longer with both.
    let any_identity = phases == 0;

    let mut alice = Proc::new("Alice");
    let ax = alice_x3dh(
        &mut cx,
        &mut alice,
        one_time,
        any_identity,
        verify,
        identity_dh,
    );
    alice.line(format!(
        "event AliceInit(exp(g, ikA), ikb, spkb, exp(g, {}), {});",
        ax.ek, ax.opk
    ));
    let mut ar = Ratchet::init_alice(&mut cx, &mut alice, "a", &ax.rk0, ax.ck0.as_deref(), "spkb");
    alice_first_message(&mut cx, &mut alice, &mut ar, &ax, one_time, any_identity);
    alice.line("event AliceDone(ikb);");

    // Bob: one signed prekey for all his sessions, a fresh one-time prekey for each.
    let mut bob = Proc::new("Bob(spkB: scalar)");
    if one_time {
        bob.fresh("opkB", Ty::Scalar);
        bob.line("out(c, exp(g, opkB));");
    }
    let bx = bob_x3dh(&mut cx, &mut bob, one_time, identity_dh);
    let mut br = Ratchet::init_bob("b", &bx.rk0, bx.ck0.as_deref(), "spkB");
    br.final_step = true;
    br.decrypt(&mut cx, &mut bob, &bx.inner, &bx.ad_in);
    let opk = if one_time { "exp(g, opkB)" } else { "no_opk" };
    bob.line(format!(
        "event BobAccept(ika, exp(g, ikB), exp(g, spkB), eka, {opk});"
    ));
    bob.line("event BobDone(ika);");

    let mut queries = Vec::new();
    let fs_identity = |expected: Expect, meaning: &str| {
        q(
            "fs_identity_keys_m1",
            "forward-secrecy",
            "attacker(s_m1) phase 1",
            expected,
            meaning,
        )
    };
    match variant {
        X3dh::Main { one_time } => {
            queries.push(q(
                "secrecy_m1",
                "secrecy",
                "attacker(s_m1)",
                Expect::True,
                "the initial message's plaintext, sent by Alice to honest Bob, stays secret from an active attacker",
            ));
            queries.push(q(
                "bob_agrees_with_alice",
                "authentication",
                "ikb: G, spk: G, ek: G, opk: G; event(BobAccept(exp(g, ikA), ikb, spk, ek, opk)) ==> event(AliceInit(exp(g, ikA), ikb, spk, ek, opk))",
                Expect::True,
                "when Bob accepts an initial message from Alice's identity, Alice ran X3DH with Bob's identity and the same SPK, EK and OPK, hence the same X3DH secret",
            ));
            queries.push(q(
                "alice_bundle_authentic",
                "authentication",
                "ika: G, spk: G, ek: G, opk: G; event(AliceInit(ika, exp(g, ikB), spk, ek, opk)) ==> event(BobSignedPrekey(exp(g, ikB), spk))",
                Expect::True,
                "the signed prekey Alice uses with Bob's identity is one Bob published",
            ));
            queries.push(q(
                "bob_agrees_injective",
                "replay",
                "ikb: G, spk: G, ek: G, opk: G; inj-event(BobAccept(exp(g, ikA), ikb, spk, ek, opk)) ==> inj-event(AliceInit(exp(g, ikA), ikb, spk, ek, opk))",
                if one_time { Expect::True } else { Expect::False },
                if one_time {
                    "each initial message Bob accepts from Alice comes from its own run of Alice: the one-time prekey is used once, so no replay"
                } else {
                    "ATTACK EXPECTED (X3DH §4.2): without a one-time prekey an initial message can be replayed and Bob accepts it again"
                },
            ));
        }
        X3dh::Fs { one_time } => {
            queries.push(q(
                "secrecy_m1",
                "secrecy",
                "attacker(s_m1) phase 0",
                Expect::True,
                "before any compromise the initial message is secret",
            ));
            queries.push(fs_identity(
                Expect::True,
                "compromise of both identity keys after the session does not reveal the initial message",
            ));
            queries.push(q(
                "fs_signed_prekey_m1",
                "forward-secrecy",
                "attacker(s_m1) phase 2",
                Expect::False,
                if one_time {
                    "ATTACK EXPECTED (X3DH §4.6-4.7): one-time prekeys are not signed, so a server that replaces or withholds one leaves the session to the signed prekey; compromise of SPK_B and the identity keys before SPK_B is deleted reveals the message"
                } else {
                    "ATTACK EXPECTED (X3DH §4.6): without a one-time prekey, compromise of SPK_B and the identity keys before SPK_B is deleted reveals the initial message"
                },
            ));
        }
        X3dh::NoSignatureCheck => {
            queries.push(q(
                "secrecy_m1",
                "secrecy",
                "attacker(s_m1)",
                Expect::True,
                "without compromise the message is still secret: DH2 = DH(EK_A, IK_B) keeps the substituted prekeys from helping the attacker",
            ));
            queries.push(q(
                "alice_bundle_authentic",
                "sanity",
                "ika: G, spk: G, ek: G, opk: G; event(AliceInit(ika, exp(g, ikB), spk, ek, opk)) ==> event(BobSignedPrekey(exp(g, ikB), spk))",
                Expect::False,
                "ATTACK EXPECTED: without the signature check Alice uses a signed prekey Bob never published",
            ));
        }
        X3dh::NoSignatureCheckFs => {
            queries.push(fs_identity(
                Expect::False,
                "ATTACK EXPECTED (X3DH §4.5): without the signature check the attacker substitutes its own signed and one-time prekeys, and a later compromise of IK_B gives it every DH input",
            ));
        }
        X3dh::NoIdentityDh => {
            queries.push(q(
                "bob_agrees_with_alice",
                "sanity",
                "ikb: G, spk: G, ek: G, opk: G; event(BobAccept(exp(g, ikA), ikb, spk, ek, opk)) ==> event(AliceInit(exp(g, ikA), ikb, spk, ek, opk))",
                Expect::False,
                "ATTACK EXPECTED: without DH1 nothing binds Alice's identity key, so the attacker opens a session with Bob in Alice's name",
            ));
        }
    }
    queries.push(completes("Alice", "AliceDone(exp(g, ikB))"));
    queries.push(completes("Bob", "BobDone(exp(g, ikA))"));

    let mut rest = String::new();
    rest.push_str("(* Honest identities; the attacker may use any others. *)\nfree ikA: scalar [private].\nfree ikB: scalar [private].\n");
    rest.push_str("(* Stands for the absent one-time prekey in events. *)\nconst no_opk: G.\nfree nonsecret: bitstring.\n");
    rest.push_str(&secret_decls(&["s_m1"]));
    rest.push_str("\nevent AliceInit(G, G, G, G, G).\nevent BobAccept(G, G, G, G, G).\nevent BobSignedPrekey(G, G).\nevent AliceDone(G).\nevent BobDone(G).\n\n");
    rest.push_str(&print_queries(&queries));
    let ik_phase = if phases > 0 { Some(0) } else { None };
    let spk_phase = if phases > 1 { Some(1) } else { None };
    rest.push_str(&fresh_assumptions(
        &[&alice, &bob],
        &[
            ("ikA", ik_phase),
            ("ikB", ik_phase),
            ("new spkB", spk_phase),
        ],
        &[],
        &[],
    ));
    rest.push('\n');
    rest.push_str(&alice.text());
    rest.push('\n');
    rest.push_str(&bob.text());
    let leaks = match phases {
        0 => String::new(),
        1 => "\n  | (phase 1; out(c, (ikA, ikB)))".to_string(),
        _ => "\n  | (phase 1; out(c, (ikA, ikB)))\n  | (phase 2; out(c, spkB))".to_string(),
    };
    rest.push_str(&format!(
        "\nprocess\n  new spkB: scalar;\n  event BobSignedPrekey(exp(g, ikB), exp(g, spkB));\n  out(c, (exp(g, ikA), exp(g, ikB), exp(g, spkB), xsign(ikB, encode(exp(g, spkB)))));\n  ( (!Alice) | (!Bob(spkB)){leaks} )\n"
    ));

    let with = if one_time { "with" } else { "without" };
    let base = "   X3DH (§3.2-3.4) between honest Alice (initiator) and Bob (responder), unboundedly many\n   sessions each, against an active attacker who also holds identities of its own. Alice's first\n   Double Ratchet message rides in the prekey message (§3.3); Bob accepts when it decrypts.";
    let (suffix, title, description, weakened) = match variant {
        X3dh::Main { one_time } => (
            if one_time { "x3dh_opk" } else { "x3dh_noopk" },
            format!("X3DH {with} a one-time prekey: secrecy and authentication"),
            format!("{base}\n   Alice answers any identity's bundle; Bob any initial message."),
            false,
        ),
        X3dh::Fs { one_time } => (
            if one_time { "x3dh_opk_fs" } else { "x3dh_noopk_fs" },
            format!("X3DH {with} a one-time prekey: forward secrecy"),
            format!("{base}\n   Phase 1 reveals both identity keys, phase 2 also Bob's signed prekey (one-time prekeys and\n   ephemeral keys are deleted after use). Alice starts sessions with Bob's identity only."),
            false,
        ),
        X3dh::NoSignatureCheck => (
            "x3dh_no_signature_check",
            "SANITY (weakened): X3DH where Alice does not verify the signed prekey".to_string(),
            "   As the X3DH model with a one-time prekey, but Alice skips the XEdDSA check of §3.3.\n   ProVerif must find the attack marked expected false.".to_string(),
            true,
        ),
        X3dh::NoSignatureCheckFs => (
            "x3dh_no_signature_check_fs",
            "SANITY (weakened): X3DH without the signature check, identity keys compromised later".to_string(),
            "   As the forward-secrecy model with a one-time prekey, but Alice skips the XEdDSA check of\n   §3.3. Phase 1 reveals both identity keys. ProVerif must find the attack.".to_string(),
            true,
        ),
        X3dh::NoIdentityDh => (
            "x3dh_no_identity_dh",
            "SANITY (weakened): X3DH without DH1 = DH(IK_A, SPK_B)".to_string(),
            "   As the X3DH model with a one-time prekey, but the KDF input leaves out DH1, so nothing\n   binds Alice's identity key. ProVerif must find the impersonation.".to_string(),
            true,
        ),
    };
    assemble(cx, suffix, weakened, title, &description, queries, &rest)
}

// ---------------------------------------------------------------------------------------------
// The Double Ratchet alone.

#[derive(Clone, Copy, PartialEq, Eq)]
enum DrVariant {
    Standard,
    /// Sanity: message keys of received messages are not deleted (they leak with the state).
    KeepMessageKeys,
}

/// The AD each direction binds: `modern` the session's X3DH AD, `signal-v3` (sender, receiver).
fn dr_ads(p: Profile) -> (&'static str, &'static str) {
    match p {
        Profile::Modern => ("assoc(pka, pkb)", "assoc(pka, pkb)"),
        _ => ("assoc(pka, pkb)", "assoc(pkb, pka)"),
    }
}

/// Both parties' initial ratchet state from shared X3DH key material `km`.
fn dr_init(
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

const DR_EVENTS: &str = "event AliceDone(G).\nevent BobDone(G).\nevent AliceSent1(G, bitstring).\nevent BobRecv1(G, bitstring).\nevent BobSent2(G, bitstring).\nevent AliceRecv2(G, bitstring).\nevent AliceSent3(G, bitstring).\nevent BobRecv3(G, bitstring).\nevent BobSent4(G, bitstring).\nevent AliceRecv4(G, bitstring).\n";

fn dr(p: Profile, variant: DrVariant) -> Model {
    let mut cx = Ctx::new(p);
    let keep = variant == DrVariant::KeepMessageKeys;
    let (ad_ab, ad_ba) = dr_ads(p);
    let mut alice = Proc::new("Alice(km: bitstring, spkb: G)");
    let mut bob = Proc::new("Bob(km: bitstring, spkB: scalar)");
    let (mut ar, mut br) = dr_init(&mut cx, &mut alice, &mut bob, "a", "b");
    ar.keep_message_keys = keep;
    br.keep_message_keys = keep;

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

    let mut queries = Vec::new();
    if keep {
        queries.push(q(
            "secrecy_m1",
            "secrecy",
            "attacker(s_m1) phase 0",
            Expect::True,
            "before any compromise the first message is secret",
        ));
        queries.push(q(
            "fs_m1",
            "sanity",
            "attacker(s_m1) phase 1",
            Expect::False,
            "ATTACK EXPECTED: Bob kept the message key of m1, so compromising his state later reveals m1",
        ));
        queries.push(q(
            "fs_m2",
            "sanity",
            "attacker(s_m2) phase 1",
            Expect::False,
            "ATTACK EXPECTED: Alice kept the message key of m2, so compromising her state later reveals m2",
        ));
    } else {
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
    }

    queries.push(completes("Alice", "AliceDone(pkb)"));
    queries.push(completes("Bob", "BobDone(pka)"));

    let mut rest = String::new();
    rest.push_str("(* Public identity keys for the associated data; the ratchet does not use them otherwise. *)\nfree pka: G.\nfree pkb: G.\n");
    rest.push_str(&secret_decls(&["s_m1", "s_m2", "s_m3", "s_m4"]));
    rest.push('\n');
    rest.push_str(DR_EVENTS);
    rest.push('\n');
    rest.push_str(&print_queries(&queries));
    // The current ratchet keys and Bob's signed prekey leak in phase 1.
    let current = vec![ar.dh_s.clone(), br.dh_s.clone()];
    rest.push_str(&fresh_assumptions(
        &[&alice, &bob],
        &[("new km", None), ("new spkB", Some(0))],
        &current,
        &[],
    ));
    rest.push('\n');
    rest.push_str(&alice.text());
    rest.push('\n');
    rest.push_str(&bob.text());
    rest.push_str("\n(* Each session starts from fresh X3DH key material km, with Bob's signed prekey as his ratchet key. *)\nprocess\n  !( new km: bitstring; new spkB: scalar; (Alice(km, exp(g, spkB)) | Bob(km, spkB)) )\n");

    let (file, title, description) = if keep {
        (
            "dr_keep_message_keys",
            "SANITY (weakened): Double Ratchet that does not delete message keys".to_string(),
            "   As the Double Ratchet model, but each party keeps the message keys of the messages it\n   received (a store that is never emptied), and they leak with its state in phase 1.\n   ProVerif must find the attacks marked expected false.".to_string(),
        )
    } else {
        (
            "dr",
            "Double Ratchet: four messages, three DH ratchet steps after initialisation".to_string(),
            "   The Double Ratchet (§3) from X3DH key material shared by Alice and Bob (fresh per session,\n   unboundedly many sessions), Bob's signed prekey as his first ratchet key. Ping-pong:\n   m1 (Alice, ratchet key A1), m2 (Bob, B1), m3 (Alice, A2), m4 (Bob, B2), each delivered by\n   the attacker, each starting a new chain. Phase 1 reveals both parties' entire state after\n   the conversation.".to_string(),
        )
    };
    assemble(cx, file, keep, title, &description, queries, &rest)
}

/// Post-compromise security: Alice's whole state leaks right after she sends m1; then the
/// messages are delivered unmodified (on a channel the attacker reads but cannot write, per
/// session). `fresh` false is the sanity variant whose DH steps reuse the old ratchet key.
fn dr_pcs(p: Profile, fresh: bool) -> Model {
    let mut cx = Ctx::new(p);
    let (ad_ab, ad_ba) = dr_ads(p);

    // Sessions with unmodified delivery after the leak.
    let mut alice = Proc::new("Alice(km: bitstring, spkb: G, sid: bitstring)");
    let mut bob = Proc::new("Bob(km: bitstring, spkB: scalar, sid: bitstring)");
    let (mut ar, mut br) = dr_init(&mut cx, &mut alice, &mut bob, "a", "b");
    ar.reuse_ratchet_key = !fresh;
    br.reuse_ratchet_key = !fresh;
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

    let mut queries = Vec::new();
    if fresh {
        queries.push(q(
            "pcs_m1",
            "forward-secrecy",
            "attacker(s_m1)",
            Expect::True,
            "m1, sent just before the compromise, stays secret: its chain key was already advanced",
        ));
        queries.push(q(
            "pcs_m2",
            "post-compromise-security",
            "attacker(s_m2)",
            Expect::False,
            "ATTACK EXPECTED (healing is not immediate): Bob's reply is computed with Alice's compromised ratchet key A1, so the attacker reads it",
        ));
        queries.push(q(
            "pcs_m3",
            "post-compromise-security",
            "attacker(s_m3)",
            Expect::True,
            "after Alice's fresh DH ratchet step (A2 with Bob's B1), undisturbed by the attacker, her messages are secret again",
        ));
        queries.push(q(
            "pcs_m4",
            "post-compromise-security",
            "attacker(s_m4)",
            Expect::True,
            "and so are Bob's replies on the next chain",
        ));
        queries.push(q(
            "pcs_active_m3",
            "post-compromise-security",
            "attacker(t_m3)",
            Expect::False,
            "ATTACK EXPECTED: if the attacker may inject messages after the compromise, it answers with a ratchet key of its own and Alice's next chain is the attacker's too",
        ));
        // The same sessions, but the attacker delivers (and may replace) every message.
        let mut alice2 = Proc::new("AliceActive(km: bitstring, spkb: G)");
        let mut bob2 = Proc::new("BobActive(km: bitstring, spkB: scalar)");
        let (mut ar2, mut br2) = dr_init(&mut cx, &mut alice2, &mut bob2, "x", "y");
        let m1 = ar2.encrypt(&mut cx, &mut alice2, ad_ab, "t_m1");
        alice2.line(format!("out(c, {m1});"));
        leaked.push(ar2.dh_s.clone());
        alice2.line(format!("out(c, {});", ar2.state()));
        bob2.line("in(c, msg1: bitstring);");
        br2.decrypt(&mut cx, &mut bob2, "msg1", ad_ab);
        let m2 = br2.encrypt(&mut cx, &mut bob2, ad_ba, "t_m2");
        bob2.line(format!("out(c, {m2});"));
        alice2.line("in(c, msg2: bitstring);");
        ar2.decrypt(&mut cx, &mut alice2, "msg2", ad_ba);
        let m3 = ar2.encrypt(&mut cx, &mut alice2, ad_ab, "t_m3");
        alice2.line(format!("out(c, {m3});"));
        procs.push(alice2);
        procs.push(bob2);
    } else {
        queries.push(q(
            "pcs_m3",
            "sanity",
            "attacker(s_m3)",
            Expect::False,
            "ATTACK EXPECTED: without a fresh ratchet key pair a DH ratchet step adds nothing the attacker does not know, and the session never heals",
        ));
    }

    queries.push(completes("Alice", "AliceDone(pkb)"));
    queries.push(completes("Bob", "BobDone(pka)"));

    let mut rest = String::new();
    rest.push_str(
        "(* Public identity keys for the associated data. *)\nfree pka: G.\nfree pkb: G.\n",
    );
    rest.push_str("(* Delivery the attacker reads (every message is also sent on c) but cannot forge. *)\nfree auth: channel [private].\n");
    let mut secrets = vec!["s_m1", "s_m2", "s_m3", "s_m4"];
    if fresh {
        secrets.extend(["t_m1", "t_m2", "t_m3"]);
    }
    rest.push_str(&secret_decls(&secrets));
    rest.push_str("\nevent AliceDone(G).\nevent BobDone(G).\n\n");
    rest.push_str(&print_queries(&queries));
    let refs: Vec<&Proc> = procs.iter().collect();
    let mut extra = vec![("new km", None), ("new spkB", None)];
    if fresh {
        extra.extend([("new kmx", None), ("new spkX", None)]);
    }
    rest.push_str(&fresh_assumptions(&refs, &extra, &[], &leaked));
    for pr in &procs {
        rest.push('\n');
        rest.push_str(&pr.text());
    }
    rest.push_str("\nprocess\n  !( new km: bitstring; new spkB: scalar; new sid: bitstring; (Alice(km, exp(g, spkB), sid) | Bob(km, spkB, sid)) )\n");
    if fresh {
        // Names of their own: a secrecy assumption must name exactly one `new`.
        rest.push_str("  | !( new kmx: bitstring; new spkX: scalar; (AliceActive(kmx, exp(g, spkX)) | BobActive(kmx, spkX)) )\n");
    }

    let (file, title, description) = if fresh {
        (
            "dr_pcs",
            "Double Ratchet: post-compromise security".to_string(),
            "   The Double Ratchet as in the dr model. Alice's entire state (root key, chain keys, ratchet\n   private key) leaks right after she sends m1. In the sessions Alice/Bob every later message is\n   delivered unmodified (the attacker reads a copy), so the session heals once Alice makes a\n   fresh DH ratchet step; in AliceActive/BobActive the attacker controls delivery and it does not.".to_string(),
        )
    } else {
        (
            "dr_no_fresh_ratchet_key",
            "SANITY (weakened): Double Ratchet whose DH steps reuse the ratchet key".to_string(),
            "   As the post-compromise model, but a DH ratchet step keeps the current key pair instead of\n   generating one (sending_step without fresh randomness). ProVerif must find that the session\n   never heals.".to_string(),
        )
    };
    assemble(cx, file, !fresh, title, &description, queries, &rest)
}

// ---------------------------------------------------------------------------------------------
// Composition: X3DH then the Double Ratchet.

/// The whole session as e2ee_spec::session runs it: m1 in the prekey message, Bob's reply m2
/// after his DH ratchet step, Alice's m3 after hers. `fs`: phase 1 reveals both identity keys
/// and both parties' state (then Alice only starts sessions with Bob's identity, as in the
/// X3DH forward-secrecy models).
fn session(p: Profile, fs: bool) -> Model {
    let mut cx = Ctx::new(p);
    let any_identity = !fs;
    let mut alice = Proc::new("Alice");
    let ax = alice_x3dh(&mut cx, &mut alice, true, any_identity, true, true);
    let mut ar = Ratchet::init_alice(&mut cx, &mut alice, "a", &ax.rk0, ax.ck0.as_deref(), "spkb");
    alice_first_message(&mut cx, &mut alice, &mut ar, &ax, true, any_identity);
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
    bob.fresh("opkB", Ty::Scalar);
    bob.line("out(c, exp(g, opkB));");
    let bx = bob_x3dh(&mut cx, &mut bob, true, true);
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

    let mut rest = String::new();
    rest.push_str("(* Honest identities; the attacker may use any others. *)\nfree ikA: scalar [private].\nfree ikB: scalar [private].\nfree nonsecret: bitstring.\n");
    rest.push_str(&secret_decls(&["s_m1", "s_m2", "s_m3"]));
    rest.push_str("\nevent AliceRecv2(G, G, G, G, bitstring).\nevent BobSent2(G, G, G, G, bitstring).\nevent AliceSent3(G, G, G, G, bitstring).\nevent BobRecv3(G, G, G, G, bitstring).\nevent AliceDone(G).\nevent BobDone(G).\n\n");
    rest.push_str(&print_queries(&queries));
    let ik_phase = if fs { Some(0) } else { None };
    let current: Vec<String> = if fs {
        vec![ar.dh_s.clone(), br.dh_s.clone()]
    } else {
        Vec::new()
    };
    rest.push_str(&fresh_assumptions(
        &[&alice, &bob],
        &[("ikA", ik_phase), ("ikB", ik_phase), ("new spkB", None)],
        &current,
        &[],
    ));
    rest.push('\n');
    rest.push_str(&alice.text());
    rest.push('\n');
    rest.push_str(&bob.text());
    let leak = if fs {
        " | (phase 1; out(c, (ikA, ikB)))"
    } else {
        ""
    };
    rest.push_str(&format!(
        "\nprocess\n  new spkB: scalar;\n  out(c, (exp(g, ikA), exp(g, ikB), exp(g, spkB), xsign(ikB, encode(exp(g, spkB)))));\n  ( (!Alice) | (!Bob(spkB)){leak} )\n"
    ));
    let base = "   The whole session as e2ee_spec::session runs it: X3DH with a one-time prekey, the first\n   ratchet message inside the prekey message (m1), Bob's reply after his DH ratchet step (m2),\n   Alice's next message after hers (m3). Unboundedly many sessions.";
    let (file, title, description) = if fs {
        (
            "session_fs",
            "Session (X3DH + Double Ratchet): forward secrecy".to_string(),
            format!("{base}\n   This variant ends after m2 (Alice has made her DH step); the dr model covers later messages.\n   Phase 1 reveals both identity keys and both parties' ratchet state (the signed prekey\n   stays secret: see the X3DH models for its compromise). Alice starts sessions with Bob's\n   identity only; Bob answers any initial message."),
        )
    } else {
        (
            "session",
            "Session (X3DH + Double Ratchet): secrecy and authentication".to_string(),
            format!("{base}\n   Alice answers any identity's bundle, Bob any initial message."),
        )
    };
    assemble(cx, file, false, title, &description, queries, &rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every model asks ProVerif to show that both honest parties can run to the end, and
    /// every weakened model expects at least one attack besides those.
    #[test]
    fn every_model_checks_reachability_and_every_sanity_model_an_attack() {
        for m in all() {
            for who in ["alice_completes", "bob_completes"] {
                let q = m.queries.iter().find(|q| q.id == who);
                assert!(
                    q.is_some_and(|q| q.expected == Expect::False),
                    "{}: {who}",
                    m.file
                );
            }
            let attacks = m
                .queries
                .iter()
                .filter(|q| q.expected == Expect::False && !q.id.ends_with("_completes"))
                .count();
            if m.weakened {
                assert!(
                    attacks > 0,
                    "{}: weakened without an expected attack",
                    m.file
                );
            }
            let ids: std::collections::BTreeSet<&str> =
                m.queries.iter().map(|q| q.id.as_str()).collect();
            assert_eq!(
                ids.len(),
                m.queries.len(),
                "{}: duplicate query ids",
                m.file
            );
            assert_eq!(
                m.text.matches("(* [").count(),
                m.queries.len(),
                "{}: one comment per query",
                m.file
            );
        }
    }
}
