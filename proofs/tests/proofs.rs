//! The committed proof artefacts against the spec: the models and manifests are exactly what
//! `proofs export` writes today, every contract in spec/src is in the obligations manifest,
//! every test the manifest names exists, and every committed model has a recorded ProVerif run
//! on its exact text that gave every expected result within the time limit.

use e2ee_proofs as proofs;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The proofs folder the artefacts are committed in.
fn dir() -> PathBuf {
    PathBuf::from(proofs::DIR)
}

/// The repository root, which the manifest's paths start from.
fn root() -> PathBuf {
    dir().join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file under `dir`, by its path from `dir`, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            found.insert(rel, std::fs::read(&path).unwrap());
        }
    }
    found
}

/// Whether `name` (a path in a proofs folder) is one of the files `proofs export` writes.
fn exported(name: &str) -> bool {
    let model = name
        .strip_prefix(&format!("{}/", proofs::MODELS))
        .is_some_and(|f| f.ends_with(".pv") && !f.contains('/'));
    model || name == proofs::EXPECTED || name == proofs::OBLIGATIONS
}

const STALE: &str =
    "run `cargo run -p e2ee-harness -- proofs export --out proofs` and commit the result";

/// A fresh export into an empty folder writes the models and both manifests and nothing else,
/// and the committed ones are byte for byte the same (no model missing, none left over).
#[test]
fn committed_files_equal_a_fresh_export() {
    let out = std::env::temp_dir().join(format!("e2ee-proofs-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let written = proofs::export(&out, &proofs::models()).unwrap();
    let fresh = files(&out);
    let _ = std::fs::remove_dir_all(&out);
    assert_eq!(written.len(), fresh.len(), "export wrote a file twice");
    let extra: Vec<&String> = fresh.keys().filter(|n| !exported(n)).collect();
    assert!(extra.is_empty(), "export wrote {extra:?}");
    let mut committed = files(&dir());
    committed.retain(|name, _| exported(name));
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(names(&committed), names(&fresh), "files differ: {STALE}");
    for (name, bytes) in &fresh {
        assert!(committed[name] == *bytes, "{name} differs: {STALE}");
    }
}

/// (file, function, attribute) of every `#[hax_lib::requires|ensures|opaque]` in spec/src,
/// found by reading the source: the attribute, then the next `fn`.
fn contracts_in_source() -> BTreeSet<(String, String, String)> {
    let mut found = BTreeSet::new();
    let mut stack = vec![root().join("spec/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = path
                .strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let mut pending: Vec<String> = Vec::new();
            for line in read(&path).lines() {
                let t = line.trim_start();
                for attr in ["requires", "ensures", "opaque"] {
                    if t.starts_with(&format!("#[hax_lib::{attr}")) {
                        pending.push(attr.to_string());
                    }
                }
                let decl = t.strip_prefix("pub ").unwrap_or(t);
                if let Some(rest) = decl.strip_prefix("fn ") {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    for attr in pending.drain(..) {
                        found.insert((rel.clone(), name.clone(), attr));
                    }
                }
            }
            assert!(
                pending.is_empty(),
                "{rel}: hax attribute without a function"
            );
        }
    }
    found
}

#[test]
fn every_contract_in_the_spec_is_in_the_manifest() {
    let source = contracts_in_source();
    assert!(
        source.len() >= 20,
        "the scan found only {} contracts: is it reading spec/src?",
        source.len()
    );
    let manifest: BTreeSet<(String, String, String)> = proofs::SOURCE_OBLIGATIONS
        .iter()
        .map(|i| {
            (
                i.file.to_string(),
                i.function.to_string(),
                i.attribute.to_string(),
            )
        })
        .collect();
    let missing: Vec<_> = source.difference(&manifest).collect();
    let stale: Vec<_> = manifest.difference(&source).collect();
    assert!(
        missing.is_empty(),
        "contracts missing from proofs/src/obligations.rs: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "manifest entries with no such contract in spec/src: {stale:?}"
    );
    // And the committed manifest carries them (the export test holds it equal to the table).
    let doc: serde_json::Value =
        serde_json::from_str(&read(&dir().join(proofs::OBLIGATIONS))).unwrap();
    let ids: BTreeSet<&str> = doc["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    for (file, function, attr) in &source {
        let id = format!("{file}::{function}#{attr}");
        assert!(
            ids.contains(id.as_str()),
            "{id} not in proofs/obligations.json"
        );
    }
}

#[test]
fn every_test_the_manifest_names_exists() {
    let doc: serde_json::Value =
        serde_json::from_str(&read(&dir().join(proofs::OBLIGATIONS))).unwrap();
    let mut checked = 0;
    for o in doc["obligations"].as_array().unwrap() {
        for t in o["checked_by"].as_array().unwrap() {
            let t = t.as_str().unwrap();
            let Some((file, name)) = t.split_once("::") else {
                assert_eq!(t, "e2ee-conform proofs check");
                continue;
            };
            let text = read(&root().join(file));
            assert!(
                text.contains(&format!("fn {name}(")),
                "{} names {t}, which does not exist",
                o["id"]
            );
            checked += 1;
        }
    }
    assert!(checked >= 20);
}

/// Each committed model was run with ProVerif (`proofs check --record`) on exactly its current
/// text, every query gave its expected result, and the run took less than the limit.
#[test]
fn every_model_has_a_passing_recorded_run() {
    let record = proofs::read_record(&dir().join(proofs::RECORD)).unwrap();
    let limit = proofs::MODEL_TIMEOUT.as_secs_f64();
    let mut problems = Vec::new();
    let models = proofs::models();
    for m in &models {
        let sha = proofs::sha256_hex(&m.text);
        let Some(run) = record.iter().find(|r| r.file == m.file) else {
            problems.push(format!("{}: never run", m.file));
            continue;
        };
        if run.sha256 != sha {
            problems.push(format!("{}: changed since its recorded run", m.file));
            continue;
        }
        if !run
            .tool
            .starts_with(&format!("Proverif {}", proofs::PROVERIF_VERSION))
        {
            problems.push(format!("{}: run with {}", m.file, run.tool));
        }
        if run.seconds >= limit {
            problems.push(format!("{}: took {} s", m.file, run.seconds));
        }
        let expected: Vec<(String, String)> = m
            .queries
            .iter()
            .map(|q| (q.id.clone(), q.expected.as_str().to_string()))
            .collect();
        let recorded: Vec<(String, String)> = run
            .verdicts
            .iter()
            .map(|v| (v.id.clone(), v.verdict.clone()))
            .collect();
        if recorded != expected {
            problems.push(format!(
                "{}: recorded {recorded:?}, expected {expected:?}",
                m.file
            ));
        }
    }
    let stale: Vec<_> = record
        .iter()
        .filter(|r| !models.iter().any(|m| m.file == r.file))
        .map(|r| r.file.clone())
        .collect();
    assert!(
        stale.is_empty(),
        "records of models that no longer exist: {stale:?}"
    );
    assert!(
        problems.is_empty(),
        "run `e2ee-conform proofs check --record` with ProVerif {}:\n{}",
        proofs::PROVERIF_VERSION,
        problems.join("\n")
    );
}
