//! The vector corpus a run replays: every file loads, parses and validates against the
//! schema it pins, or the run does not start. A run must never pass because its vectors
//! were missing (a directory that is not there, a file that does not parse).

use e2ee_spec::group::GroupProfile;
use e2ee_spec::{AnyProfile, Profile};
use e2ee_vectors::envelope::VectorFile;
use e2ee_vectors::group_trace::GroupTraceGroup;
use e2ee_vectors::kat::{FrankingTest, Group, XeddsaTest};
use e2ee_vectors::trace::TraceGroup;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::path::PathBuf;

/// A trace file as read: its name (`PROFILE/NAME.json`) and contents.
pub type TraceFile = (String, VectorFile<TraceGroup>);
/// A group trace file (`trace_group.json` of a group profile).
pub type GroupTraceFile = (String, VectorFile<GroupTraceGroup>);
/// A `kat_xeddsa.json` file: replayed against IUTs that declare `xeddsa-verify`.
pub type XeddsaFile = (String, VectorFile<Group<XeddsaTest>>);
/// `franking/kat_franking.json`: replayed against IUTs that declare the `franking` profile.
pub type FrankingFile = (String, VectorFile<Group<FrankingTest>>);

/// Vector files as read: (`DIR/NAME.json`, bytes) in name order.
pub type Files = Vec<(String, Cow<'static, [u8]>)>;

/// Where a run's vectors come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The corpus built into this binary: `vectors/data/` of the suite's own version.
    Published,
    /// A directory laid out as `vectors/data/` is: `PROFILE/NAME.json`.
    Dir(PathBuf),
}

impl Source {
    /// `--vectors DIR` if given, else the built-in corpus.
    pub fn from_arg(dir: Option<PathBuf>) -> Source {
        dir.map_or(Source::Published, Source::Dir)
    }

    /// How a report names the corpus.
    pub fn describe(&self) -> String {
        match self {
            Source::Published => "built in".to_string(),
            Source::Dir(dir) => dir.display().to_string(),
        }
    }

    /// The `.json` files of one profile: (`PROFILE/NAME.json`, bytes) in name order. A missing
    /// or unreadable directory is an error, never an empty corpus.
    pub fn files(&self, profile: AnyProfile) -> Result<Files, String> {
        self.files_in(profile.name())
    }

    /// The `.json` files of one directory of the corpus (see [`directories`]), as [`files`].
    ///
    /// [`files`]: Source::files
    pub fn files_in(&self, dir: &str) -> Result<Files, String> {
        match self {
            Source::Published => {
                let prefix = format!("{dir}/");
                Ok(e2ee_vectors::published::files()
                    .iter()
                    .filter(|(name, _)| name.starts_with(&prefix))
                    .map(|(name, bytes)| (name.to_string(), Cow::Borrowed(*bytes)))
                    .collect())
            }
            Source::Dir(root) => {
                let sub = root.join(dir);
                let entries =
                    std::fs::read_dir(&sub).map_err(|e| format!("{}: {e}", sub.display()))?;
                let mut paths = Vec::new();
                for entry in entries {
                    let path = entry.map_err(|e| format!("{}: {e}", sub.display()))?.path();
                    if path.extension().is_some_and(|x| x == "json") {
                        paths.push(path);
                    }
                }
                paths.sort();
                paths
                    .into_iter()
                    .map(|path| {
                        let bytes =
                            std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                        let file = path.file_name().unwrap_or_default().to_string_lossy();
                        Ok((format!("{dir}/{file}"), Cow::Owned(bytes)))
                    })
                    .collect()
            }
        }
    }

    /// How errors name one of its files.
    pub fn locate(&self, name: &str) -> String {
        match self {
            Source::Published => format!("built-in {name}"),
            Source::Dir(dir) => dir.join(name).display().to_string(),
        }
    }
}

/// What one directory of a corpus (`vectors/data/<name>/`) holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directory {
    /// A 1:1 session profile's known answers and traces: a run loads, validates and replays
    /// them ([`load`]); `vectors check` re-derives them with the spec.
    Session(Profile),
    /// A group profile's traces: loaded and replayed like a session profile's.
    Group(GroupProfile),
    /// Franking, the layer over a session's plaintext: its known answers (replayed against
    /// an IUT through `frank` / `frank_open`) and the committing-AEAD vectors (about the
    /// ciphers, not an implementation: `vectors check` alone re-derives them).
    Franking,
}

impl Directory {
    pub fn name(self) -> &'static str {
        match self {
            Directory::Session(p) => p.name(),
            Directory::Group(g) => g.name(),
            Directory::Franking => e2ee_spec::profile::FRANKING,
        }
    }
}

/// Every directory a corpus has, the session profiles' first: the one place that says which
/// directories are not a session profile's (a test holds it to `vectors/data/`).
pub fn directories() -> Vec<Directory> {
    let mut dirs: Vec<Directory> = Profile::ALL.into_iter().map(Directory::Session).collect();
    dirs.extend(GroupProfile::ALL.into_iter().map(Directory::Group));
    dirs.push(Directory::Franking);
    dirs
}

/// The trace files of the requested profiles, and what identifies the corpus in a report.
pub struct Corpus {
    pub source: Source,
    /// Per profile (in the order asked for): its trace files in name order.
    pub traces: Vec<(Profile, Vec<TraceFile>)>,
    /// Per profile: its XEdDSA known-answer files (none in `olm-v1`).
    pub xeddsa: Vec<(Profile, Vec<XeddsaFile>)>,
    /// Per group profile: its group trace files.
    pub groups: Vec<(GroupProfile, Vec<GroupTraceFile>)>,
    /// Franking's known-answer files, if the run asked for the profile.
    pub franking: Vec<FrankingFile>,
    /// SHA-256 over every file's name (`PROFILE/NAME.json`), length and bytes, in name order:
    /// two runs with the same digest replayed the same vectors, built in or from a directory.
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

    pub fn groups_of(&self, profile: GroupProfile) -> &[GroupTraceFile] {
        self.groups
            .iter()
            .find(|(p, _)| *p == profile)
            .map(|(_, f)| f.as_slice())
            .unwrap_or_default()
    }

    pub fn xeddsa_of(&self, profile: Profile) -> &[XeddsaFile] {
        self.xeddsa
            .iter()
            .find(|(p, _)| *p == profile)
            .map(|(_, f)| f.as_slice())
            .unwrap_or_default()
    }
}

/// Load the corpus from `source` for `profiles`. `Err` names the first file (or directory)
/// that is missing, unreadable, not JSON, not valid against its schema, or not a vector file.
pub fn load(source: &Source, profiles: &[AnyProfile]) -> Result<Corpus, String> {
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
    let mut xeddsa = Vec::new();
    let mut groups = Vec::new();
    let mut franking = Vec::new();
    let mut count = 0;
    for &profile in profiles {
        let mut files = Vec::new();
        let mut kats = Vec::new();
        let mut group_files = Vec::new();
        for (name, bytes) in source.files(profile)? {
            let at = |e: String| format!("{}: {e}", source.locate(&name));
            let value: Value = serde_json::from_slice(&bytes).map_err(|e| at(e.to_string()))?;
            validate(&value, &validators).map_err(at)?;
            hasher.update(name.as_bytes());
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
                files.push((name, file));
            } else if value["schema"] == "group_trace.schema.json" {
                let file: VectorFile<GroupTraceGroup> =
                    serde_json::from_value(value).map_err(|e| at(e.to_string()))?;
                if file.profile != profile.name() {
                    return Err(at(format!(
                        "profile {:?} in a {} directory",
                        file.profile,
                        profile.name()
                    )));
                }
                group_files.push((name, file));
            } else if value["schema"] == "xeddsa.schema.json" {
                let file: VectorFile<Group<XeddsaTest>> =
                    serde_json::from_value(value).map_err(|e| at(e.to_string()))?;
                kats.push((name, file));
            } else if value["schema"] == "franking.schema.json" {
                let file: VectorFile<Group<FrankingTest>> =
                    serde_json::from_value(value).map_err(|e| at(e.to_string()))?;
                franking.push((name, file));
            }
        }
        if profile == AnyProfile::Franking {
            if franking.is_empty() {
                return Err(format!(
                    "{}: no franking known-answer file",
                    source.locate(profile.name())
                ));
            }
            continue;
        }
        if files.is_empty() && group_files.is_empty() {
            return Err(format!(
                "{}: no trace vector files",
                source.locate(profile.name())
            ));
        }
        match profile {
            AnyProfile::Session(p) => {
                traces.push((p, files));
                xeddsa.push((p, kats));
            }
            AnyProfile::Group(g) => groups.push((g, group_files)),
            AnyProfile::Franking => {}
        }
    }
    Ok(Corpus {
        source: source.clone(),
        traces,
        xeddsa,
        groups,
        franking,
        digest: hex::encode(hasher.finalize()),
        files: count,
    })
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
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/data")
    }

    #[test]
    fn the_published_corpus_loads() {
        let c = load(&Source::Published, &AnyProfile::ALL).unwrap();
        assert!(c.files > 40, "{} files", c.files);
        assert_eq!(c.digest.len(), 64);
        for p in Profile::ALL {
            assert!(!c.traces_of(p).is_empty(), "{}", p.name());
        }
        for g in GroupProfile::ALL {
            assert!(!c.groups_of(g).is_empty(), "{}", g.name());
        }
    }

    /// Every directory of the published corpus is one `directories()` names, and each it
    /// names is there: a new kind of directory must say what it is before it ships.
    #[test]
    fn every_published_directory_is_understood() {
        let published: std::collections::BTreeSet<&str> = e2ee_vectors::published::files()
            .iter()
            .filter_map(|(name, _)| name.split_once('/').map(|(dir, _)| dir))
            .collect();
        let named: std::collections::BTreeSet<&str> =
            directories().into_iter().map(Directory::name).collect();
        assert_eq!(published, named);
        for dir in directories() {
            assert!(!Source::Published.files_in(dir.name()).unwrap().is_empty());
        }
    }

    /// The built-in corpus and the directory it was built from are the same corpus.
    #[test]
    fn built_in_and_directory_digests_agree() {
        let built_in = load(&Source::Published, &AnyProfile::ALL).unwrap();
        let on_disk = load(&Source::Dir(published()), &AnyProfile::ALL).unwrap();
        assert_eq!(built_in.digest, on_disk.digest);
        assert_eq!(built_in.files, on_disk.files);
    }

    #[test]
    fn a_missing_directory_is_an_error() {
        let dir = scratch("missing");
        let e = load(&Source::Dir(dir.join("nowhere")), &[Profile::Modern.into()])
            .err()
            .unwrap();
        assert!(e.contains("nowhere"), "{e}");
    }

    #[test]
    fn a_profile_without_traces_is_an_error() {
        let dir = scratch("empty");
        std::fs::create_dir_all(dir.join("modern")).unwrap();
        let e = load(&Source::Dir(dir.clone()), &[Profile::Modern.into()])
            .err()
            .unwrap();
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
            let e = load(&Source::Dir(dir.clone()), &[Profile::Modern.into()])
                .err()
                .unwrap_or_default();
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
        let before = load(&Source::Dir(dir.clone()), &[Profile::Modern.into()])
            .unwrap()
            .digest;
        let text = std::fs::read_to_string(&target).unwrap();
        std::fs::write(
            &target,
            text.replacen("\"comment\": \"", "\"comment\": \"x", 1),
        )
        .unwrap();
        let after = load(&Source::Dir(dir.clone()), &[Profile::Modern.into()])
            .unwrap()
            .digest;
        assert_ne!(before, after);
    }
}
