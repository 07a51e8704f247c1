//! Proof obligations: ProVerif models generated from the spec, their expected results, and a
//! checker that runs ProVerif (when installed) and compares.
//!
//! `export` writes the models (default `proofs/proverif/`), `export_expected` the expected
//! results (default `proofs/expected.json`), `check` runs `proverif` on each model. The models'
//! labels, key schedule and message layouts are terms built from the spec's constants
//! (`schedule`), checked against the spec's own functions on bytes by this module's tests.

mod check;
mod models;
mod schedule;
mod term;
mod verified;

pub use check::{check, check_only, CheckResult, CheckStatus, ModelResult, QueryResult, Verdict};
pub use models::{Expect, Model, Query};

use sha2::{Digest, Sha256};
use std::io;
use std::path::{Path, PathBuf};

/// Where the models live in the repository.
pub const DEFAULT_MODELS_DIR: &str = "proofs/proverif";
/// Where the expected results live in the repository.
pub const DEFAULT_EXPECTED: &str = "proofs/expected.json";
/// The ProVerif release the models are written for and were checked with.
pub const PROVERIF_VERSION: &str = "2.05";

/// Every model, generated afresh from the spec.
pub fn models() -> Vec<Model> {
    models::all()
}

/// Write every model into `out` (created if missing); returns the files written.
pub fn export(out: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out)?;
    let mut written = Vec::new();
    for m in models() {
        let path = out.join(&m.file);
        std::fs::write(&path, &m.text)?;
        written.push(path);
    }
    Ok(written)
}

/// Write the expected results to `path`.
pub fn export_expected(path: &Path) -> io::Result<PathBuf> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
    }
    std::fs::write(path, expected_json())?;
    Ok(path.to_path_buf())
}

pub(crate) fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The expected results of every query of every model, as `proofs/expected.json` holds them.
/// A model's `verified` is the record of a ProVerif run on exactly this model text (matched by
/// SHA-256), or null when the model changed since it was last checked.
pub fn expected_json() -> String {
    let models: Vec<serde_json::Value> = models()
        .iter()
        .map(|m| {
            let sha = sha256_hex(&m.text);
            let verified = verified::lookup(&m.file, &sha).map(|seconds| {
                serde_json::json!({
                    "tool": format!("ProVerif {PROVERIF_VERSION}"),
                    "seconds": seconds,
                })
            });
            serde_json::json!({
                "file": m.file,
                "profile": m.profile.name(),
                "weakened": m.weakened,
                "summary": m.summary,
                "sha256": sha,
                "verified": verified,
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
        "about": "Expected ProVerif results for proofs/proverif/*.pv, generated with them by `e2ee-conform proofs export`. expected \"true\": the property is proved; \"false\": ProVerif must find the attack. verified: a run of this exact model (sha256) with the named tool, or null if the model changed since.",
        "proverif": PROVERIF_VERSION,
        "models": models,
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("JSON");
    text.push('\n');
    text
}
