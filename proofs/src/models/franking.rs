//! The franking models (`e2ee_spec::franking`, Messenger's construction): receiver binding
//! against a malicious recipient, sender binding against a malicious sender, and the secrecy
//! of unreported messages from the server, with two sanity variants whose attacks ProVerif
//! must find (a server tag without the context; an attachment key outside the commitment
//! under a non-committing cipher).
//!
//! The processes follow `franking::frank` (N_F drawn, T_F = HMAC(N_F, M), the payload
//! version || N_F || M into the 1:1 session), `server_tag` (R_F over T_F and the context),
//! `open` (T_F recomputed from what was decrypted), `verify_report` and `open_attachment`
//! (the digest, then AES-GCM with the key M commits to). The 1:1 session itself is a secure
//! channel here: its models are the other files.

use super::process::Ctx;
use super::text::{assemble, fill, print_queries, secret_decls};
use super::{completes, About, Expect, FixedQuery, Model};
use crate::term::{call, var, Term, Ty};

/// Everything after the declarations: `{secrets}`, `{queries}`, `{assumptions}`,
/// `{processes}` and `{process}`, the top-level process.
const TEMPLATE: &str = include_str!("../templates/franking.pv");

/// The spec functions the queries are about.
const FUNCTIONS: &[&str] = &[
    "spec/src/franking.rs::frank",
    "spec/src/franking.rs::server_tag",
    "spec/src/franking.rs::open",
    "spec/src/franking.rs::verify_report",
    "spec/src/franking.rs::open_attachment",
];

/// Who the attacker is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Attacker {
    /// Every recipient but Bob, and every sender but Alice; it also sees every delivery.
    Recipient,
    /// Every sender (Alice included: she is no more trusted than the rest); it learns every
    /// R_F and runs the attachment store. Bob and the server are honest.
    Sender,
    /// The server: it holds K_FB, sees every T_F, tag and report, and stores attachments.
    Server,
}

/// One franking model.
pub(super) struct Variant {
    about: About,
    attacker: Attacker,
    /// R_F covers the context (`server_tag`); the sanity variant tags T_F alone.
    context_in_tag: bool,
    /// M carries the attachment key (`Message::encode`); the sanity variant carries it
    /// beside M in the payload and in the report, outside T_F.
    key_in_m: bool,
    /// The attachments' AES-GCM commits to its key (an ideal AEAD) or not (`gcm_two`).
    committing: bool,
    /// Its queries, before the two reachability ones every model has.
    queries: &'static [FixedQuery],
}

const RECEIVER_BINDING: &str = "r: bitstring, ts: bitstring, m: bitstring, t: bitstring; event(ReportAccepted(A, r, ts, m, t)) ==> event(Tagged(A, r, ts, t)) && event(Sent(A, r, m, t))";
const REPORT_ACCEPTED: &str =
    "ts: bitstring, m: bitstring, t: bitstring; event(ReportAccepted(A, B, ts, m, t))";
const SENDER_BINDING: &str = "s: bitstring, ts: bitstring, m: bitstring, p: bitstring, q: bitstring; event(Shown(s, B, ts, m, p)) && event(Resolved(s, B, ts, m, q)) ==> p = q";
const HONEST_REPORT: &str = "s: bitstring, r: bitstring, ts: bitstring, m: bitstring; event(HonestReportRejected(s, r, ts, m))";
const RESOLVED: &str =
    "s: bitstring, ts: bitstring, m: bitstring, q: bitstring; event(Resolved(s, B, ts, m, q))";

macro_rules! base {
    () => {
        "   Message franking (Messenger's Secret Conversations): the sender draws N_F, sends\n   T_F = HMAC(N_F, M) beside the 1:1 ciphertext of version || N_F || M; the server tags\n   R_F = HMAC(K_FB, T_F || context(sender, recipient, timestamp)); the recipient decrypts,\n   checks T_F and keeps (M, N_F, R_F, context); a report reveals those and the server\n   verifies. An attachment's M carries its AES-GCM key, nonce and ciphertext digest. The 1:1\n   session is a secure channel; timestamps are the attacker's choice (any clock)."
    };
}

const SENDER_QUERIES: &[FixedQuery] = &[
    FixedQuery {
        id: "sender_binding",
        property: "authentication",
        text: SENDER_BINDING,
        expected: Expect::True,
        meaning: "every accepted report of a delivery Bob accepted resolves to what Bob was shown (the text, or the attachment's plaintext), although the sender chose everything and anyone may submit reports: T_F commits to the attachment key",
    },
    FixedQuery {
        id: "honest_report_accepted",
        property: "authentication",
        text: HONEST_REPORT,
        expected: Expect::True,
        meaning: "the server never refuses, nor fails to resolve, a report Bob sends of a message he accepted: a malicious sender cannot make an accepted message unreportable",
    },
    FixedQuery {
        id: "resolved_reachable",
        property: "sanity",
        text: RESOLVED,
        expected: Expect::False,
        meaning: "REACHABLE EXPECTED: the server resolves a report of a delivery to Bob (so sender_binding is not vacuous)",
    },
    FixedQuery {
        id: "text_completes",
        property: "sanity",
        text: "event(BobTextDone)",
        expected: Expect::False,
        meaning: "REACHABLE EXPECTED: Bob also accepts and reports a text message (bob_completes is the attachment path)",
    },
];

pub(super) const VARIANTS: &[Variant] = &[
    Variant {
        about: About {
            name: "receiver_binding",
            weakened: false,
            title: "Franking: receiver binding (a malicious recipient cannot frame a sender)",
            description: concat!(
                base!(),
                "\n   The attacker is every recipient but Bob (and every sender but Alice): it picks Alice's\n   recipients and messages, reads what she sends it, sees every delivery, and submits any\n   report. K_FB stays with the server."
            ),
        },
        attacker: Attacker::Recipient,
        context_in_tag: true,
        key_in_m: true,
        committing: true,
        queries: &[
            FixedQuery {
                id: "receiver_binding",
                property: "authentication",
                text: RECEIVER_BINDING,
                expected: Expect::True,
                meaning: "the server accepts a report of M from Alice to recipient r at timestamp ts only if Alice franked M for r and the server tagged its T_F in exactly that context: a malicious recipient cannot frame Alice with a message she never sent, nor move a message to another recipient or time",
            },
            FixedQuery {
                id: "report_accepted",
                property: "sanity",
                text: REPORT_ACCEPTED,
                expected: Expect::False,
                meaning: "REACHABLE EXPECTED: the server accepts Bob's report of a message from Alice (so receiver_binding is not vacuous)",
            },
        ],
    },
    Variant {
        about: About {
            name: "sender_binding",
            weakened: false,
            title: "Franking: sender binding (a malicious sender cannot make a message unreportable)",
            description: concat!(
                base!(),
                "\n   The attacker is every sender and runs the attachment store; it learns every R_F (as if\n   deliveries were public) and may submit reports itself. The attachments' AES-GCM is an\n   ideal AEAD (committing). The server and Bob are honest, and Bob's deliveries and reports\n   travel on authenticated channels."
            ),
        },
        attacker: Attacker::Sender,
        context_in_tag: true,
        key_in_m: true,
        committing: true,
        queries: SENDER_QUERIES,
    },
    Variant {
        about: About {
            name: "sender_binding_noncommitting",
            weakened: false,
            title: "Franking: sender binding with a non-committing attachment cipher",
            description: concat!(
                base!(),
                "\n   As the sender-binding model, but the attachments' AES-GCM does not commit to its key:\n   the sender may make a ciphertext that opens to two plaintexts under two keys (gcm_two).\n   Because T_F commits to the key, the report still resolves to what Bob was shown (the\n   spec's claim in franking::open_attachment)."
            ),
        },
        attacker: Attacker::Sender,
        context_in_tag: true,
        key_in_m: true,
        committing: false,
        queries: SENDER_QUERIES,
    },
    Variant {
        about: About {
            name: "secrecy",
            weakened: false,
            title: "Franking: unreported messages stay secret from the server",
            description: concat!(
                base!(),
                "\n   The attacker is the server: it holds K_FB (so makes every tag), sees every T_F, stores\n   the attachments and receives every report. Alice sends Bob a text and an attachment he\n   never reports, and a text he reports."
            ),
        },
        attacker: Attacker::Server,
        context_in_tag: true,
        key_in_m: true,
        committing: true,
        queries: &[
            FixedQuery {
                id: "secrecy_text",
                property: "secrecy",
                text: "attacker(s_text)",
                expected: Expect::True,
                meaning: "a text nobody reports stays secret from the server, which sees its T_F: HMAC under a fresh N_F hides M",
            },
            FixedQuery {
                id: "secrecy_attachment",
                property: "secrecy",
                text: "attacker(s_attachment)",
                expected: Expect::True,
                meaning: "so does an unreported attachment's plaintext, whose ciphertext the server stores",
            },
            FixedQuery {
                id: "reported_revealed",
                property: "sanity",
                text: "attacker(s_reported)",
                expected: Expect::False,
                meaning: "REACHABLE EXPECTED: a reported message reaches the server (the report is what reveals it, and only it)",
            },
        ],
    },
    Variant {
        about: About {
            name: "uncommitted_attachment_key",
            weakened: true,
            title: "SANITY (weakened): franking with the attachment key outside T_F and a non-committing cipher",
            description: concat!(
                base!(),
                "\n   As the non-committing sender-binding model, but M commits only to the attachment's\n   nonce and digest: K_A travels beside M in the payload and in the report. ProVerif must\n   find the attack (the invisible-salamander attack of Dodis-Grubbs-Ristenpart-Woodage)."
            ),
        },
        attacker: Attacker::Sender,
        context_in_tag: true,
        key_in_m: false,
        committing: false,
        queries: &[
            FixedQuery {
                id: "sender_binding",
                property: "sanity",
                text: SENDER_BINDING,
                expected: Expect::False,
                meaning: "ATTACK EXPECTED: the sender makes one ciphertext that opens to one plaintext under the key Bob gets and to another under a second key; a report of that delivery with the second key verifies (T_F does not cover it) and resolves to something other than what Bob was shown",
            },
            FixedQuery {
                id: "honest_report_accepted",
                property: "authentication",
                text: HONEST_REPORT,
                expected: Expect::True,
                meaning: "Bob's own report is still accepted and resolves: the weakness is that a report does not fix which key opens the attachment",
            },
        ],
    },
    Variant {
        about: About {
            name: "no_context_in_tag",
            weakened: true,
            title: "SANITY (weakened): franking with a server tag that leaves out the context",
            description: concat!(
                base!(),
                "\n   As the receiver-binding model, but R_F = HMAC(K_FB, T_F). ProVerif must find the attack."
            ),
        },
        attacker: Attacker::Recipient,
        context_in_tag: false,
        key_in_m: true,
        committing: true,
        queries: &[FixedQuery {
            id: "receiver_binding",
            property: "sanity",
            text: RECEIVER_BINDING,
            expected: Expect::False,
            meaning: "ATTACK EXPECTED: a malicious recipient reports a message Alice sent it as if it had been delivered in another context (to another recipient, or at another time), and the server accepts",
        }],
    },
];

/// The parts of the processes that depend on the variant, printed once.
struct Parts {
    /// `R_F` of `t_f` for a delivery from `s` to `r` at `ts`.
    tag: String,
    /// `let` patterns of the payload, a text M and an attachment M.
    payload: String,
    text: String,
    attachment: String,
    /// A report as sent and as received.
    report_out: String,
    report_in: String,
}

fn parts(cx: &mut Ctx, v: &Variant) -> Parts {
    let bits = |names: &[&'static str]| -> Vec<(&'static str, Ty)> {
        names.iter().map(|n| (*n, Ty::Bits)).collect()
    };
    let vars = |names: &[&str]| -> Vec<Term> { names.iter().map(|n| var(n)).collect() };
    let tag = if v.context_in_tag {
        call("fk_server_tag", vars(&["kfb", "t_f", "s", "r", "ts"]))
    } else {
        call("weak_server_tag", vars(&["kfb", "t_f"]))
    };
    let tag = cx.t(&tag);
    let (payload, attachment) = if v.key_in_m {
        (
            cx.pattern(
                &call("fk_payload", vars(&["n_f", "m"])),
                &bits(&["n_f", "m"]),
            ),
            cx.pattern(
                &call(
                    "fk_attachment",
                    vars(&["key", "nonce", "digest", "caption"]),
                ),
                &bits(&["key", "nonce", "digest", "caption"]),
            ),
        )
    } else {
        (
            cx.pattern(
                &call("weak_payload", vars(&["n_f", "key", "m"])),
                &bits(&["n_f", "key", "m"]),
            ),
            cx.pattern(
                &call("weak_attachment", vars(&["nonce", "digest", "caption"])),
                &bits(&["nonce", "digest", "caption"]),
            ),
        )
    };
    let text = cx.pattern(&call("fk_text", vars(&["text"])), &bits(&["text"]));
    let (report_out, report_in) = if v.key_in_m {
        (
            "(m, n_f, r_f, s, B, ts)",
            "(m: bitstring, n_f: bitstring, r_f: bitstring, s: bitstring, r: bitstring, ts: bitstring)",
        )
    } else {
        (
            "(m, n_f, key, r_f, s, B, ts)",
            "(m: bitstring, n_f: bitstring, key: bitstring, r_f: bitstring, s: bitstring, r: bitstring, ts: bitstring)",
        )
    };
    Parts {
        tag,
        payload,
        text,
        attachment,
        report_out: report_out.to_string(),
        report_in: report_in.to_string(),
    }
}

/// Receiver binding: Alice franks what the attacker picks for whom it picks, and the server
/// tags her submission; it also tags the attacker's own and checks reports.
fn receiver_binding(cx: &mut Ctx, p: &Parts) -> (String, String) {
    let payload = cx.t(&call("fk_payload", vec![var("n_f"), var("m")]));
    let processes = format!(
        "(* Bob (franking::open) on Alice's payload and the server's delivery; he reports it. *)
let Bob(payload: bitstring, ts: bitstring, t_f: bitstring, r_f: bitstring) =
  let {pattern} = payload in
  if fk_commitment(n_f, m) = t_f then
  event BobDone;
  out(c, {report_out}).

(* Alice franks M for recipient r (both the attacker's choice) and submits T_F (her login
   authenticates it); the server tags the delivery (franking::server_tag) and delivers it in
   the clear. The payload goes to Bob over their session, to anyone else in the clear (the
   attacker is that recipient). *)
let Alice(kfb: bitstring) =
  new n_f: bitstring;
  in(c, (r: bitstring, m: bitstring));
  let t_f = fk_commitment(n_f, m) in
  event Sent(A, r, m, t_f);
  in(c, ts: bitstring);
  let s = A in
  event Tagged(s, r, ts, t_f);
  let r_f = {tag} in
  out(c, (s, r, ts, t_f, r_f));
  let payload = {payload} in
  event AliceDone;
  if r = B then Bob(payload, ts, t_f, r_f) else out(c, payload).

(* The server: it tags any other identity's submissions, and checks reports from anyone
   (franking::verify_report). *)
let Server(kfb: bitstring) =
  (! in(c, (s: bitstring, r: bitstring, ts: bitstring, t_f: bitstring));
     if s <> A then
     event Tagged(s, r, ts, t_f);
     out(c, {tag}))
  | (! in(c, {report_in});
     let t_f = fk_commitment(n_f, m) in
     if r_f = {tag} then
     event ReportAccepted(s, r, ts, m, t_f)).
",
        pattern = p.payload,
        tag = p.tag,
        report_in = p.report_in,
        report_out = p.report_out.replace("s, B", "A, B"),
    );
    let process = "  new kfb: bitstring; ((!Alice(kfb)) | Server(kfb))\n".to_string();
    (processes, process)
}

/// The server's check of a report and its resolution (franking::verify_report, then
/// open_attachment with the key the report's M carries). `honest`: the report Bob sent, whose
/// refusal is an event.
fn verify(p: &Parts, honest: bool) -> String {
    let reject = if honest {
        "event HonestReportRejected(s, r, ts, m)"
    } else {
        "0"
    };
    format!(
        "let t_f = fk_commitment(n_f, m) in
     if r_f = {tag} then (
       event ReportAccepted(s, r, ts, m, t_f);
       let {text} = m in event Resolved(s, r, ts, m, text)
       else let {attachment} = m in (
         in(c, act: bitstring);
         if fk_digest(act) = digest then (
           let pt = gcm_dec(key, nonce, act) in event Resolved(s, r, ts, m, pt)
           else {reject}))
       else {reject})
     else {reject}",
        tag = p.tag,
        text = p.text,
        attachment = p.attachment,
    )
}

/// Sender binding: the attacker sends Bob what it likes; the server tags and delivers to
/// Bob on an authenticated channel, and resolves reports.
fn sender_binding(cx: &mut Ctx, v: &Variant, p: &Parts) -> (String, String) {
    let act = cx.t(&call(
        "fk_attachment_ct",
        vec![var("key"), var("nonce"), var("pt")],
    ));
    let digest = cx.t(&call("fk_digest", vec![var("act")]));
    let (m, payload) = if v.key_in_m {
        (
            cx.t(&call(
                "fk_attachment",
                vec![var("key"), var("nonce"), var("digest"), var("caption")],
            )),
            cx.t(&call("fk_payload", vec![var("n_f"), var("m")])),
        )
    } else {
        (
            cx.t(&call(
                "weak_attachment",
                vec![var("nonce"), var("digest"), var("caption")],
            )),
            cx.t(&call(
                "weak_payload",
                vec![var("n_f"), var("key"), var("m")],
            )),
        )
    };
    let processes = format!(
        "(* Bob (franking::open, open_attachment): the 1:1 session with sender s opens ct; s is the
   attacker, so the payload is whatever it chose. An attachment comes from the store. His
   report reaches the server on an authenticated channel: the server's check follows. *)
let Bob(kfb: bitstring, s: bitstring, ts: bitstring, ct: bitstring, t_f: bitstring, r_f: bitstring) =
  let {pattern} = ct in
  if fk_commitment(n_f, m) = t_f then
  let {text} = m in (
    event Shown(s, B, ts, m, text);
    event BobTextDone;
    let r = B in
    {verify_bob})
  else let {attachment} = m in
  in(c, act: bitstring);
  if fk_digest(act) = digest then
  let pt = gcm_dec(key, nonce, act) in
  event Shown(s, B, ts, m, pt);
  event BobDone;
  let r = B in
  {verify_bob}.

(* An honest sender, Alice, with an attachment: she encrypts it, uploads the ciphertext
   and submits her franked message (the attacker could do all of this in her name too). *)
let Alice =
  new n_f: bitstring;
  new key: bitstring;
  new nonce: bitstring;
  in(c, (pt: bitstring, caption: bitstring));
  let act = {act} in
  out(c, act);
  let digest = {digest} in
  let m = {m} in
  out(c, (A, B, fk_commitment(n_f, m), {payload}));
  event AliceDone.

(* The server: it tags any submission (franking::server_tag), gives R_F away, and delivers
   to Bob on his authenticated channel; it resolves reports from anyone. *)
let Server(kfb: bitstring) =
  (! in(c, (s: bitstring, r: bitstring, t_f: bitstring, ct: bitstring));
     in(c, ts: bitstring);
     event Tagged(s, r, ts, t_f);
     let r_f = {tag} in
     out(c, r_f);
     if r = B then Bob(kfb, s, ts, ct, t_f, r_f))
  | (! in(c, {report_in});
     {verify_any}).
",
        tag = p.tag,
        report_in = p.report_in,
        verify_any = verify(p, false),
        verify_bob = verify(p, true).replace("\n     ", "\n    "),
        pattern = p.payload,
        text = p.text,
        attachment = p.attachment,
    );
    let process = "  new kfb: bitstring; ((!Alice) | Server(kfb))\n".to_string();
    (processes, process)
}

/// Secrecy: the server is the attacker. Alice sends Bob an unreported text, an unreported
/// attachment and a text Bob reports.
fn secrecy(cx: &mut Ctx, p: &Parts) -> (String, String) {
    let text = |cx: &mut Ctx, s: &str| cx.t(&call("fk_text", vec![var(s)]));
    let (m1, m3) = (text(cx, "s_text"), text(cx, "s_reported"));
    let act = cx.t(&call(
        "fk_attachment_ct",
        vec![var("key"), var("nonce"), var("s_attachment")],
    ));
    let m2 = cx.t(&call(
        "fk_attachment",
        vec![
            var("key"),
            var("nonce"),
            call("fk_digest", vec![var("act")]),
            var("caption"),
        ],
    ));
    let payload = |cx: &mut Ctx, n: &str, m: &str| cx.t(&call("fk_payload", vec![var(n), var(m)]));
    let (p1, p2, p3) = (
        payload(cx, "n_f1", "m1"),
        payload(cx, "n_f2", "m2"),
        payload(cx, "n_f3", "m3"),
    );
    let processes = format!(
        "(* Bob reports the message Alice sent for reporting (franking::open, then the report) with
   the delivery the server gives him; the other two he accepts and keeps. *)
let BobKeeps(payload: bitstring) =
  in(c, (ts: bitstring, t_f: bitstring, r_f: bitstring));
  let {pattern} = payload in
  if fk_commitment(n_f, m) = t_f then 0.

let Bob(payload: bitstring) =
  in(c, (ts: bitstring, t_f: bitstring, r_f: bitstring));
  let {pattern} = payload in
  if fk_commitment(n_f, m) = t_f then
  out(c, (m, n_f, r_f, A, B, ts));
  event BobDone.

(* Alice: each message's T_F goes to the server, its payload to Bob over their session; the
   attachment's ciphertext to the server's store. *)
let Alice =
  new n_f1: bitstring;
  new n_f2: bitstring;
  new n_f3: bitstring;
  new key: bitstring;
  new nonce: bitstring;
  in(c, caption: bitstring);
  let m1 = {m1} in
  out(c, (A, B, fk_commitment(n_f1, m1)));
  let act = {act} in
  out(c, act);
  let m2 = {m2} in
  out(c, (A, B, fk_commitment(n_f2, m2)));
  let m3 = {m3} in
  out(c, (A, B, fk_commitment(n_f3, m3)));
  event AliceDone;
  (BobKeeps({p1}) | BobKeeps({p2}) | Bob({p3})).
",
        pattern = p.payload,
    );
    let process = "  !Alice\n".to_string();
    (processes, process)
}

pub(super) fn model(v: &Variant) -> Model {
    let mut cx = Ctx::franking(v.committing, v.about.weakened);
    let p = parts(&mut cx, v);
    let (processes, process) = match v.attacker {
        Attacker::Recipient => receiver_binding(&mut cx, &p),
        Attacker::Sender => sender_binding(&mut cx, v, &p),
        Attacker::Server => secrecy(&mut cx, &p),
    };
    let mut queries: Vec<_> = v.queries.iter().map(FixedQuery::query).collect();
    queries.push(completes("Alice", "AliceDone"));
    queries.push(completes("Bob", "BobDone"));
    let (secrets, assumptions) = match v.attacker {
        Attacker::Server => (
            format!(
                "\n(* Alice's plaintexts. *)\n{}",
                secret_decls(&["s_text", "s_attachment", "s_reported"])
            ),
            "(* Secrecy assumptions: ProVerif proves each one (or stops with an error) and uses them to prune. *)\nnot attacker(new n_f1).\nnot attacker(new n_f2).\nnot attacker(new key).\n",
        ),
        _ => (
            String::new(),
            "(* Secrecy assumptions: ProVerif proves each one (or stops with an error) and uses them to prune. *)\nnot attacker(new kfb).\n",
        ),
    };
    let queries_text = print_queries(&queries);
    let rest = fill(
        TEMPLATE,
        &[
            ("secrets", &secrets),
            ("queries", &queries_text),
            ("assumptions", assumptions),
            ("processes", &processes),
            ("process", &process),
        ],
    );
    Model {
        functions: FUNCTIONS,
        ..assemble(cx, &v.about, queries, &rest)
    }
}
