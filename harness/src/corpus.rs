//! The vector corpus a run replays: every file loads, parses and validates against the
//! schema it pins, or the run does not start. A run must never pass because its vectors
//! were missing (a directory that is not there, a file that does not parse).

use e2ee_spec::Profile;
use e2ee_vectors::envelope::VectorFile;
use e2ee_vectors::trace::TraceGroup;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A trace file as read: its path and contents.
pub type TraceFile = (PathBuf, VectorFile<TraceGroup>);

/// The trace files of the requested profiles, and what identifies the corpus in a report.
pub struct Corpus {
    pub dir: PathBuf,
    /// Per profile (in the order asked for): its trace files in name order.
    pub traces: Vec<(Profile, Vec<TraceFile>)>,
    /// SHA-256 over every file's path (relative to `dir`) and bytes, in path order: two runs
    /// with the same digest replayed the same vectors.
    pub digest: String,
    pub files: usize,
}

impl Corpus {
    pub fn traces_of(&self, profile: Profile) -> &[TraceFile] {
        self.traces
            .iter()
            .find(|(p, _)| *p == profile)
            .map(|(_, f)| f.as_slice())
            .unwrap_or_default()
    }
}

/// Load the corpus under `dir` for `profiles`. `Err` names the first file (or directory)
/// that is missing, unreadable, not JSON, not valid against its schema, or not a vector file.
pub fn load(dir: &Path, profiles: &[Profile]) -> Result<Corpus, String> {
    // Each schema compiled once, not once per file that pins it.
    let validators = e2ee_vectors::schema::schemas()
        .into_iter()
        .map(|(name, schema)| {
            jsonschema::draft202012::new(&schema)
                .map(|v| (name, v))
                .map_err(|e| format!("schema {name}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut hasher = Sha256::new();
    let mut traces = Vec::new();
    let mut count = 0;
    for &profile in profiles {
        let sub = dir.join(profile.name());
        let paths = json_files(&sub)?;
        let mut files = Vec::new();
        for path in paths {
            let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let at = |e: String| format!("{}: {e}", path.display());
            let value: Value = serde_json::from_slice(&bytes).map_err(|e| at(e.to_string()))?;
            validate(&value, &validators).map_err(at)?;
            hasher.update(format!("{}/", profile.name()));
            hasher.update(path.file_name().unwrap_or_default().as_encoded_bytes());
            hasher.update((bytes.len() as u64).to_be_bytes());
            hasher.update(&bytes);
            count += 1;
            if value["schema"] == "trace.schema.json" {
                let file: VectorFile<TraceGroup> =
                    serde_json::from_value(value).map_err(|e| at(e.to_string()))?;
                if file.profile != profile.name() {
                    return Err(at(format!(
                        "profile {:?} in a {} directory",
                        file.profile,
                        profile.name()
                    )));
                }
                files.push((path, file));
            }
        }
        if files.is_empty() {
            return Err(format!("{}: no trace vector files", sub.display()));
        }
        traces.push((profile, files));
    }
    Ok(Corpus {
        dir: dir.to_path_buf(),
        traces,
        digest: hex::encode(hasher.finalize()),
        files: count,
    })
}

/// The `.json` files of one directory, in name order; a missing directory is an error.
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.extension().is_some_and(|x| x == "json") {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// Validate a vector file against the schema its `schema` field names (one of the suite's
/// own schemas, built in memory, so an edited schema file cannot loosen the check), and
/// that `numberOfTests` counts its tests.
fn validate(file: &Value, validators: &[(&str, jsonschema::Validator)]) -> Result<(), String> {
    let name = file["schema"].as_str().ok_or("no \"schema\" field")?;
    let (_, validator) = validators
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| format!("unknown schema {name:?}"))?;
    let errors: Vec<String> = validator
        .iter_errors(file)
        .take(3)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    if !errors.is_empty() {
        return Err(format!(
            "does not validate against {name}: {}",
            errors.join("; ")
        ));
    }
    let tests: usize = file["testGroups"]
        .as_array()
        .map(|groups| {
            groups
                .iter()
                .map(|g| g["tests"].as_array().map_or(0, Vec::len))
                .sum()
        })
        .unwrap_or(0);
    if file["numberOfTests"].as_u64() != Some(tests as u64) {
        return Err(format!(
            "numberOfTests is {}, but the file holds {tests} tests",
            file["numberOfTests"]
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("e2ee-corpus-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn published() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/data")
    }

    #[test]
    fn the_published_corpus_loads() {
        let c = load(&published(), &Profile::ALL).unwrap();
        assert!(c.files > 40, "{} files", c.files);
        assert_eq!(c.digest.len(), 64);
        for p in Profile::ALL {
            assert!(!c.traces_of(p).is_empty(), "{}", p.name());
        }
    }

    #[test]
    fn a_missing_directory_is_an_error() {
        let dir = scratch("missing");
        let e = load(&dir.join("nowhere"), &[Profile::Modern])
            .err()
            .unwrap();
        assert!(e.contains("nowhere"), "{e}");
    }

    #[test]
    fn a_profile_without_traces_is_an_error() {
        let dir = scratch("empty");
        std::fs::create_dir_all(dir.join("modern")).unwrap();
        let e = load(&dir, &[Profile::Modern]).err().unwrap();
        assert!(e.contains("no trace vector files"), "{e}");
    }

    /// Each way a file can be broken is named, with the file.
    #[test]
    fn a_broken_file_is_named() {
        let source = published().join("modern/trace_skip.json");
        let text = std::fs::read_to_string(&source).unwrap();
        let mut value: Value = serde_json::from_str(&text).unwrap();
        value["numberOfTests"] = Value::from(1);
        let miscounted = serde_json::to_string(&value).unwrap();
        let mut value: Value = serde_json::from_str(&text).unwrap();
        value["testGroups"][0]["tests"][0]["result"] = Value::from("maybe");
        let off_schema = serde_json::to_string(&value).unwrap();
        let cases = [
            ("not json", "{".to_string(), "trace_skip.json"),
            (
                "truncated",
                text[..text.len() / 2].to_string(),
                "trace_skip.json",
            ),
            ("miscounted", miscounted, "numberOfTests"),
            ("off schema", off_schema, "does not validate"),
        ];
        for (what, contents, needle) in cases {
            let dir = scratch("broken");
            std::fs::create_dir_all(dir.join("modern")).unwrap();
            std::fs::copy(
                published().join("modern/trace_tamper.json"),
                dir.join("modern/trace_tamper.json"),
            )
            .unwrap();
            std::fs::write(dir.join("modern/trace_skip.json"), contents).unwrap();
            let e = load(&dir, &[Profile::Modern]).err().unwrap_or_default();
            assert!(e.contains(needle), "{what}: {e}");
            assert!(e.contains("trace_skip.json"), "{what}: {e}");
        }
    }

    #[test]
    fn the_digest_changes_with_any_byte() {
        let dir = scratch("digest");
        std::fs::create_dir_all(dir.join("modern")).unwrap();
        let target = dir.join("modern/trace_skip.json");
        std::fs::copy(published().join("modern/trace_skip.json"), &target).unwrap();
        let before = load(&dir, &[Profile::Modern]).unwrap().digest;
        let text = std::fs::read_to_string(&target).unwrap();
        std::fs::write(
            &target,
            text.replacen("\"comment\": \"", "\"comment\": \"x", 1),
        )
        .unwrap();
        let after = load(&dir, &[Profile::Modern]).unwrap().digest;
        assert_ne!(before, after);
    }
}
