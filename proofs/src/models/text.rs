//! A model's text: the fixed ProVerif text of `templates/`, filled in with what the
//! processes and queries printed, and the parts that follow from the queries and processes
//! (the `query` statement, the secrecy assumptions).

use super::process::{Ctx, Family, Proc};
use super::{About, Model, Query};
use e2ee_spec::Profile;

/// The model's header comment: `{title}`, `{description}`, `{profile}`.
const HEADER: &str = include_str!("../templates/header.pv");
/// What every model assumes of the primitives, before its own declarations.
const PRELUDE: &str = include_str!("../templates/prelude.pvl");
/// The profile's message encryption: modern's AEAD, signal-v3's AES-CBC (with a MAC), and
/// Sender Keys' AES-CBC with no MAC (malleable: only the signature authenticates).
const AEAD: &str = include_str!("../templates/aead.pvl");
/// The same for a spec whose `open` checks no MAC: ChaCha20 without its tag, AES-CBC alone.
const AEAD_UNAUTHENTICATED: &str = include_str!("../templates/aead_unauthenticated.pvl");
const CBC: &str = include_str!("../templates/cbc.pvl");
const CBC_NO_MAC: &str = include_str!("../templates/cbc_no_mac.pvl");
/// Franking's attachment encryption: AES-GCM as an ideal (committing) AEAD, or as it is
/// (not committing), with SHA-256 for the digest.
const GCM: &str = include_str!("../templates/gcm.pvl");
const GCM_SALAMANDER: &str = include_str!("../templates/gcm_salamander.pvl");

/// `template` with each `{name}` replaced by its value in `values`. Every placeholder must
/// have a value and every value a placeholder, so a template and its caller cannot drift
/// apart unnoticed. The values are inserted as they are (never searched for placeholders).
pub(super) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut used = vec![false; values.len()];
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let end = start + rest[start..].find('}').expect("unclosed placeholder");
        let name = &rest[start + 1..end];
        let i = values
            .iter()
            .position(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no value for {{{name}}}"));
        used[i] = true;
        out.push_str(&rest[..start]);
        out.push_str(values[i].1);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    assert!(used.iter().all(|u| *u), "a value without its placeholder");
    out
}

/// Put a model together: header comment, prelude, declarations collected while printing,
/// letfuns, then `rest` (names, events, queries, processes).
pub(super) fn assemble(mut cx: Ctx, about: &About, queries: Vec<Query>, rest: &str) -> Model {
    let letfuns = cx.letfuns();
    let cipher = match (cx.family, cx.p) {
        (Family::SenderKeys, _) => CBC_NO_MAC,
        (Family::Franking { committing: true }, _) => GCM,
        (Family::Franking { committing: false }, _) => GCM_SALAMANDER,
        (_, Profile::Modern) if cx.guards().mac_checked => AEAD,
        (_, Profile::Modern) => AEAD_UNAUTHENTICATED,
        _ if cx.guards().mac_checked => CBC,
        _ => CBC_NO_MAC,
    };
    // No crate version in the header: a version bump alone must not invalidate the recorded runs.
    let mut text = fill(
        HEADER,
        &[
            ("title", about.title),
            ("description", about.description),
            ("profile", cx.profile_name()),
        ],
    );
    text.push_str(PRELUDE);
    text.push_str(cipher);
    text.push('\n');
    text.push_str(&cx.d.declarations());
    text.push('\n');
    text.push_str(&letfuns);
    text.push('\n');
    text.push_str(rest);
    Model {
        file: format!("{}_{}.pv", cx.prefix(), about.name),
        profile: cx.profile_name(),
        weakened: about.weakened,
        summary: about.title.to_string(),
        functions: &[],
        queries,
        text,
        sanity_of: None,
    }
}

/// The text after the declarations of a model with one process per party: `template` with
/// its `{queries}`, `{assumptions}`, `{alice}`, `{bob}` and the placeholders in `more`.
pub(super) fn two_parties(
    template: &str,
    queries: &[Query],
    assumptions: &str,
    alice: &Proc,
    bob: &Proc,
    more: &[(&str, &str)],
) -> String {
    let (queries, alice, bob) = (print_queries(queries), alice.text(), bob.text());
    let mut values = vec![
        ("queries", queries.as_str()),
        ("assumptions", assumptions),
        ("alice", alice.as_str()),
        ("bob", bob.as_str()),
    ];
    values.extend_from_slice(more);
    fill(template, &values)
}

/// The model's queries as one `query` statement: ProVerif then saturates the clauses once for
/// all of them and answers them in order. The statement declares the union of the queries'
/// variables (a name always has one type across a model's queries).
pub(super) fn print_queries(queries: &[Query]) -> String {
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

/// `free` declarations of the secret plaintexts `names`.
pub(super) fn secret_decls(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("free {n}: bitstring [private].\n"))
        .collect()
}

/// The model's secrecy assumptions (`not attacker(...)`), which ProVerif checks and then uses
/// to discard clauses: without them the models do not finish in reasonable time. They name
/// every fresh name of its processes (plus `extra`), secret in every phase except those in
/// `until_phase0` (secret in phase 0 only, they leak in phase 1) and those in `leaked` (no
/// assumption).
pub(super) fn fresh_assumptions(
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
            let phase = until_phase0.contains(n).then_some(0);
            items.push((format!("new {n}"), phase));
        }
    }
    let mut out = String::from("(* Secrecy assumptions: ProVerif proves each one (or stops with an error) and uses them to prune. *)\n");
    for (n, phase) in items {
        match phase {
            Some(p) => out.push_str(&format!("not attacker({n}) phase {p}.\n")),
            None => out.push_str(&format!("not attacker({n}).\n")),
        }
    }
    out
}

/// The parallel branch that gives the attacker the private keys `keys` from the start (an
/// output at phase 0, open at any time): nothing if there are none.
pub(super) fn revealed_from_start(keys: &[&str]) -> String {
    match keys {
        [] => String::new(),
        [key] => format!("\n  | out(c, {key})"),
        keys => format!("\n  | out(c, ({}))", keys.join(", ")),
    }
}
