//! The ProVerif models: X3DH, the Double Ratchet over a bounded number of DH ratchet steps,
//! and their composition, for `modern` and `signal-v3`, each with its queries and their
//! expected results, plus deliberately weakened variants whose attacks ProVerif must find.
//!
//! The processes follow the spec step by step (`x3dh::initiate`/`respond`,
//! `double_ratchet::ratchet_init_*`, `ratchet_encrypt`, `ratchet_decrypt`, `dh_ratchet`,
//! `sending_step`, `session::*`); every derivation and every byte layout is a `letfun` from
//! `schedule`, whose tests check it against the spec on bytes.
//!
//! One module per family of models (`x3dh`, `dr`, `pcs`, `session`, `pqxdh`, and
//! `sender_keys`, signal-sk-v3's group messages, written from `schedule_sk`), each with a table of
//! its variants; the parties' steps they share are in `handshake` (X3DH) and `ratchet`
//! (Double Ratchet), the process builder in `process`, and the fixed ProVerif text in
//! `templates/`, put together by `text`.
//!
//! What the models do not cover (also in proofs/README.md): messages arrive in order, one per
//! chain (no skipped message keys, no MAX_SKIP); header encryption; olm-v1; sessions are
//! bounded to the messages written out in each family.

mod compromise;
mod dr;
mod franking;
mod handshake;
mod pcs;
mod pqxdh;
mod process;
mod ratchet;
mod sender_keys;
mod session;
mod text;
mod x3dh;

use crate::guards::{Spec, REFERENCE};
use crate::mutants::Mutant;
use crate::schedule;

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
    /// secrecy, authentication, forward-secrecy, post-compromise-security,
    /// key-compromise-impersonation, replay or sanity.
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
    /// The profile's name (`Profile::name`, or `signal-v4`, which has no variant yet).
    pub profile: &'static str,
    /// Whether this is a deliberately weakened variant (its attack queries must be found).
    pub weakened: bool,
    pub summary: String,
    /// The spec functions the model's queries are about, when the manifest names them
    /// (`path::function` from the repository root).
    pub functions: &'static [&'static str],
    pub queries: Vec<Query>,
    pub text: String,
    /// A sanity model's origin: the model it is a copy of (file) and the broken spec it is
    /// exported from (`mutants::Mutant::name`).
    pub sanity_of: Option<(String, &'static str)>,
}

/// What names and describes a model, as the variants tables give it. The file is
/// `<profile prefix>_<name>.pv`; `title` is also the model's summary.
struct About {
    name: &'static str,
    weakened: bool,
    title: &'static str,
    /// The header comment's paragraph, each line indented by three spaces.
    description: &'static str,
}

/// A sanity model: a base model exported from a broken spec (`mutants`), with its own
/// name and the queries whose results the broken step changes. Everything ProVerif reads
/// but the queries is the base model's as that spec exports it (`tests/mutants.rs`).
struct Sanity {
    about: About,
    /// The base model's `About::name`.
    base: &'static str,
    mutant: &'static Mutant,
    /// Its queries, before the two reachability ones every model has.
    queries: &'static [FixedQuery],
}

impl Sanity {
    /// The base variant named `self.base` among `variants`.
    fn base_in<'a, V>(&self, variants: &'a [V], about: impl Fn(&V) -> &About) -> &'a V {
        variants
            .iter()
            .find(|v| about(v).name == self.base)
            .unwrap_or_else(|| panic!("sanity model {}: no base {}", self.about.name, self.base))
    }
}

/// `model`, written by `sanity`'s base variant from `sanity`'s broken spec, as that sanity
/// model: its origin recorded (the base model's file has the same profile prefix).
fn as_sanity(mut model: Model, prefix: &str, sanity: &Sanity) -> Model {
    model.sanity_of = Some((format!("{prefix}_{}.pv", sanity.base), sanity.mutant.name));
    model
}

/// A variant's queries, then the two reachability ones every model has.
fn with_completes(queries: &[FixedQuery], alice_done: &str, bob_done: &str) -> Vec<Query> {
    let mut out: Vec<Query> = queries.iter().map(FixedQuery::query).collect();
    out.push(completes("Alice", alice_done));
    out.push(completes("Bob", bob_done));
    out
}

/// A query written out in a variants table.
struct FixedQuery {
    id: &'static str,
    property: &'static str,
    text: &'static str,
    expected: Expect,
    meaning: &'static str,
}

impl FixedQuery {
    fn query(&self) -> Query {
        q(
            self.id,
            self.property,
            self.text,
            self.expected,
            self.meaning,
        )
    }
}

/// All models, in a fixed order: per profile the X3DH variants, the Double Ratchet ones,
/// post-compromise security, then the session, each family's sanity models after its own;
/// then signal-v4's PQXDH models and signal-sk-v3's Sender Keys models, then the franking
/// models.
pub fn all() -> Vec<Model> {
    exported(&REFERENCE, true)
}

/// The models of `spec` (which may be a broken one): every model but the sanity models,
/// which are always exported from their own broken spec.
pub fn of(spec: &Spec) -> Vec<Model> {
    exported(spec, false)
}

fn exported(spec: &Spec, with_sanity: bool) -> Vec<Model> {
    let mut out = Vec::new();
    for p in schedule::PROFILES {
        out.extend(x3dh::VARIANTS.iter().map(|v| x3dh::model(p, v, spec)));
        if with_sanity {
            out.extend(x3dh::SANITY.iter().map(|s| x3dh::sanity(p, s)));
        }
        out.extend(dr::VARIANTS.iter().map(|v| dr::model(p, v, spec)));
        if with_sanity {
            out.extend(dr::SANITY.iter().map(|s| dr::sanity(p, s)));
        }
        out.extend(pcs::VARIANTS.iter().map(|v| pcs::model(p, v, spec)));
        if with_sanity {
            out.extend(pcs::SANITY.iter().map(|s| pcs::sanity(p, s)));
        }
        out.extend(session::VARIANTS.iter().map(|v| session::model(p, v, spec)));
        out.extend(
            compromise::VARIANTS
                .iter()
                .map(|v| compromise::model(p, v, spec)),
        );
    }
    out.extend(pqxdh::VARIANTS.iter().map(|v| pqxdh::model(v, spec)));
    out.extend(sender_keys::VARIANTS.iter().map(sender_keys::model));
    out.extend(franking::VARIANTS.iter().map(franking::model));
    out
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
