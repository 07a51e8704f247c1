//! e2ee-proofs: proof obligations: ProVerif models generated from the spec, their expected results, and a
//! checker that runs ProVerif (when installed) and compares.
//!
//! `export` writes the models (default `proofs/proverif/`), `expected_json` and
//! `obligations_json` give `proofs/expected.json` and `proofs/obligations.json`, `check`
//! runs `proverif` on each model and `write_record` keeps what it answered
//! (`proofs/results.json`). The models' labels, key schedule and message layouts are terms
//! built from the spec's constants (`schedule`), checked against the spec's own functions on
//! bytes by this module's tests.
#![forbid(unsafe_code)]

mod check;
mod models;
mod obligations;
mod record;
mod schedule;
mod term;

pub use check::{
    check, find_proverif, proverif_version, CheckResult, CheckStatus, ModelResult, QueryResult,
    Verdict, MODEL_TIMEOUT,
};
pub use models::{Expect, Model, Query};
pub use obligations::{SourceItem, SOURCE as SOURCE_OBLIGATIONS};
pub use record::{read_record, write_record, RecordEntry, RecordVerdict, DEFAULT_RECORD};

use sha2::{Digest, Sha256};
use std::io;
use std::path::{Path, PathBuf};

/// Where the models live in the repository.
pub const DEFAULT_MODELS_DIR: &str = "proofs/proverif";
/// Where the obligations manifest lives in the repository.
pub const DEFAULT_OBLIGATIONS: &str = "proofs/obligations.json";
/// Where the expected results live in the repository.
pub const DEFAULT_EXPECTED: &str = "proofs/expected.json";
/// The ProVerif release the models are written for and were checked with.
pub const PROVERIF_VERSION: &str = "2.05";

/// Every model, generated afresh from the spec.
pub fn models() -> Vec<Model> {
    models::all()
}

/// Write `models` into `out` (created if missing); returns the files written.
pub fn export(out: &Path, models: &[Model]) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out)?;
    let mut written = Vec::new();
    for m in models {
        let path = out.join(&m.file);
        std::fs::write(&path, &m.text)?;
        written.push(path);
    }
    Ok(written)
}

/// The obligations manifest (`proofs/obligations.json`) for `models`.
pub fn obligations_json(models: &[Model]) -> String {
    obligations::manifest_json(models)
}

/// Write `text` to `path`, creating its directory.
pub fn write_file(path: &Path, text: &str) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
}

/// SHA-256 of a model text, as expected.json and the run record name it.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The expected results of every query of `models`, as `proofs/expected.json` holds them.
/// Everything here comes from the models; what ProVerif answered is kept apart, in the run
/// record (`proofs/results.json`), so that this file never claims a run.
pub fn expected_json(models: &[Model]) -> String {
    let models: Vec<serde_json::Value> = models
        .iter()
        .map(|m| {
            serde_json::json!({
                "file": m.file,
                "profile": m.profile.name(),
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
