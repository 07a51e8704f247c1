//! e2ee-proofs: proof obligations: ProVerif models generated from the spec, their expected
//! results, and a checker that runs ProVerif (when installed) and compares.
//!
//! A proofs folder (by default this crate's own, `proofs/`, where they are committed) holds
//! the models in `proverif/`, `expected.json` and `obligations.json`, all three written by
//! `export`, and `results.json`, the run record `check` results go into (`write_record`).
//! The models' labels, key schedule and message layouts are terms built from the spec's
//! constants (`schedule`), checked against the spec's own functions on bytes by its tests.
#![forbid(unsafe_code)]

mod check;
mod guards;
mod models;
mod mutants;
mod obligations;
mod record;
mod schedule;
mod schedule_fk;
mod schedule_sk;
mod schedule_v4;
mod term;

pub use check::{
    check, find_proverif, proverif_version, CheckResult, CheckStatus, ModelResult, QueryResult,
    Verdict, MODEL_TIMEOUT,
};
pub use guards::{Dh, Guards, Spec, REFERENCE};
pub use models::{Expect, Model, Query};
pub use mutants::{Mutant, ALL as MUTANTS};
pub use obligations::{SourceItem, SOURCE as SOURCE_OBLIGATIONS};
pub use record::{read_record, write_record, RecordEntry, RecordVerdict};

use sha2::{Digest, Sha256};
use std::io;
use std::path::{Path, PathBuf};

/// This crate's folder, where the models, manifests and run record are committed: the
/// default proofs folder of `e2ee-conform proofs export` and `proofs check`.
pub const DIR: &str = env!("CARGO_MANIFEST_DIR");
/// In a proofs folder: the models.
pub const MODELS: &str = "proverif";
/// In a proofs folder: the expected result of every query.
pub const EXPECTED: &str = "expected.json";
/// In a proofs folder: the obligations manifest.
pub const OBLIGATIONS: &str = "obligations.json";
/// In a proofs folder: what ProVerif answered (the run record).
pub const RECORD: &str = "results.json";
/// The ProVerif release the models are written for and were checked with.
pub const PROVERIF_VERSION: &str = "2.05";

/// Every model, generated afresh from the spec.
pub fn models() -> Vec<Model> {
    models::all()
}

/// The models of `spec`, the spec's functions or some of them replaced (a broken spec, one
/// of [`MUTANTS`]): every model but the sanity models, which come from their own broken spec.
pub fn models_of(spec: &Spec) -> Vec<Model> {
    models::of(spec)
}

/// Write `models` into the proofs folder `dir` (created if missing): `proverif/*.pv`,
/// `expected.json` and `obligations.json`, nothing else. Returns the files written.
pub fn export(dir: &Path, models: &[Model]) -> io::Result<Vec<PathBuf>> {
    let mut files: Vec<(PathBuf, String)> = models
        .iter()
        .map(|m| (dir.join(MODELS).join(&m.file), m.text.clone()))
        .collect();
    files.push((dir.join(EXPECTED), expected_json(models)));
    files.push((dir.join(OBLIGATIONS), obligations_json(models)));
    for (path, text) in &files {
        write_file(path, text)?;
    }
    Ok(files.into_iter().map(|(path, _)| path).collect())
}

/// The obligations manifest (`obligations.json`) for `models`.
fn obligations_json(models: &[Model]) -> String {
    obligations::manifest_json(models)
}

/// Write `text` to `path`, creating its directory.
fn write_file(path: &Path, text: &str) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
}

/// SHA-256 of a model text, as expected.json and the run record name it.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The expected results of every query of `models`, as `expected.json` holds them.
/// Everything here comes from the models; what ProVerif answered is kept apart, in the run
/// record (`results.json`), so that this file never claims a run.
fn expected_json(models: &[Model]) -> String {
    let models: Vec<serde_json::Value> = models
        .iter()
        .map(|m| {
            serde_json::json!({
                "file": m.file,
                "profile": m.profile,
                "weakened": m.weakened,
                "summary": m.summary,
                "sha256": sha256_hex(&m.text),
                "queries": m.queries.iter().map(|q| serde_json::json!({
                    "id": q.id,
                    "property": q.property,
                    "query": q.text,
                    "expected": q.expected.as_str(),
                    "meaning": q.meaning,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "about": "Expected ProVerif results for proofs/proverif/*.pv, generated with them by `e2ee-conform proofs export`. expected \"true\": ProVerif proves the property; \"false\": ProVerif must find the attack. What ProVerif answered, and when, is in proofs/results.json.",
        "proverif": PROVERIF_VERSION,
        "models": models,
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("JSON");
    text.push('\n');
    text
}
