//! The vector generator: every file under `vectors/data/` comes from here, from the spec and
//! fixed seeds, byte for byte the same on every run (`e2ee-conform vectors generate`).

mod forge;
mod franking;
mod groups;
mod kat;
mod salamander;
mod script;
mod structure;
mod traces;
mod xeddsa_bundles;

use crate::envelope::VectorFile;
use crate::notes;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use kat::LOW_ORDER_POINTS;

/// Every vector file: its path under the data directory and its contents.
pub fn files() -> Vec<(PathBuf, String)> {
    let mut out = kat::files();
    out.extend(traces::files());
    out.extend(structure::files());
    out.extend(groups::files());
    out.push(committing_aead_file());
    out.push(franking_file());
    out
}

/// `franking/kat_committing_aead.json` alone (`vectors/tests/committing_aead.rs` checks it
/// without generating the whole corpus).
pub fn committing_aead_file() -> (PathBuf, String) {
    salamander::file()
}

/// `franking/kat_franking.json` alone (`vectors/tests/franking.rs`).
pub fn franking_file() -> (PathBuf, String) {
    franking::file()
}

/// Write every vector file under `out` (`out/<profile>/<name>.json`), remove `.json` files
/// in those profile directories that the generator no longer makes, and return the paths
/// written.
pub fn write_all(out: &Path) -> std::io::Result<Vec<PathBuf>> {
    let files = files();
    let mut written = Vec::new();
    let dirs: BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|(p, _)| p.parent().map(|d| out.join(d)))
        .collect();
    for dir in &dirs {
        std::fs::create_dir_all(dir)?;
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            let ours = files.iter().any(|(p, _)| out.join(p) == path);
            if !ours && path.extension().is_some_and(|e| e == "json") {
                std::fs::remove_file(&path)?;
            }
        }
    }
    for (path, text) in files {
        let path = out.join(path);
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}

pub use crate::rng::Rng;

/// A vector file around `groups`: `numberOfTests` counted and `notes` holding exactly the
/// flags the tests use.
pub fn vector_file<G: Serialize>(
    algorithm: &str,
    profile: &str,
    schema: &str,
    header: &[&str],
    groups: Vec<G>,
) -> VectorFile<G> {
    let value = serde_json::to_value(&groups).expect("vector groups serialize");
    let mut flags = BTreeSet::new();
    let mut n = 0;
    for group in value.as_array().into_iter().flatten() {
        for test in group["tests"].as_array().into_iter().flatten() {
            n += 1;
            for f in test["flags"].as_array().into_iter().flatten() {
                flags.insert(f.as_str().unwrap_or_default().to_string());
            }
        }
    }
    VectorFile {
        algorithm: algorithm.into(),
        profile: profile.into(),
        schema: schema.into(),
        number_of_tests: n,
        header: header.iter().map(|s| s.to_string()).collect(),
        notes: notes::notes_for(&flags),
        test_groups: groups,
    }
}

/// Pretty JSON with a trailing newline: the committed form.
pub fn render<G: Serialize>(file: &VectorFile<G>) -> String {
    let mut s = serde_json::to_string_pretty(file).expect("vector file serializes");
    s.push('\n');
    s
}
