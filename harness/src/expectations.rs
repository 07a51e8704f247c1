//! The expectations file (BoGo style): what an implementation is known to do differently.
//!
//! ```json
//! {
//!   "kat/signal-v3/xeddsa.*": "libsignal accepts s >= L (documented in PROFILES.md)",
//!   "kat/signal-v3/dr.tamper.low_order_ratchet_key.*": {
//!     "reason": "libsignal fails at the MAC, the spec at the key: both reject",
//!     "errorMap": { "invalid_key": "auth_failure" }
//!   }
//! }
//! ```
//! A **string** excuses the whole test: a failing test it matches is an expected failure
//! (the steps after the first failing one are never checked, and the report says how many).
//! An **error map** (BoGo's `ErrorMap`) excuses only a different error class: a step the spec
//! rejects with the key's class passes, with a note, when the implementation rejects it with
//! the value's class, and the test goes on, so every later step is still checked.
//!
//! Globs use `*`, `?` and `[...]`; a key may start with `<implementation>:` to apply to one
//! implementation only. An entry is **stale** when it matches no test the implementation has
//! at all (in any mode, profile or shard), so `--filter`, `--shard` and `--mode` never make
//! an entry stale; an entry that matched tests which all passed is an **unexpected pass**.

use crate::report::{Status, TestResult};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Deserialize)]
#[serde(untagged)]
enum RawEntry {
    Excuse(String),
    Map {
        reason: String,
        #[serde(rename = "errorMap")]
        error_map: BTreeMap<String, String>,
    },
}

/// What one entry allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowance {
    /// The whole test is known to fail.
    Excuse,
    /// (class the spec gives, class the implementation gives instead).
    ErrorMap(Vec<(String, String)>),
}

#[derive(Debug, Clone)]
pub struct Entry {
    /// The key as written, for reports.
    pub key: String,
    implementation: Option<String>,
    pattern: glob::Pattern,
    pub reason: String,
    pub allowance: Allowance,
    /// Where the entry was read from.
    pub source: String,
}

impl Entry {
    pub fn matches(&self, implementation: &str, id: &str) -> bool {
        self.implementation
            .as_deref()
            .is_none_or(|i| i == implementation)
            && self.pattern.matches(id)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Expectations {
    entries: Vec<Entry>,
}

impl Expectations {
    pub fn load(path: &Path) -> Result<Expectations, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("expectations file {}: {e}", path.display()))?;
        Expectations::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, source: &str) -> Result<Expectations, String> {
        let map: BTreeMap<String, RawEntry> = serde_json::from_str(text).map_err(|e| {
            format!("{source}: not a JSON object of glob -> reason or {{reason, errorMap}}: {e}")
        })?;
        let known = e2ee_iut::protocol::ERROR_CLASSES;
        let mut entries = Vec::new();
        for (key, raw) in map {
            let (implementation, glob) = match key.split_once(':') {
                Some((imp, glob)) if !imp.contains(['/', '*', '?', '[']) => {
                    (Some(imp.to_string()), glob.to_string())
                }
                _ => (None, key.clone()),
            };
            let pattern = glob::Pattern::new(&glob)
                .map_err(|e| format!("{source}: bad glob {key:?}: {e}"))?;
            let (reason, allowance) = match raw {
                RawEntry::Excuse(reason) => (reason, Allowance::Excuse),
                RawEntry::Map { reason, error_map } => {
                    if error_map.is_empty() {
                        return Err(format!("{source}: {key:?}: empty errorMap"));
                    }
                    for class in error_map.keys().chain(error_map.values()) {
                        if !known.contains(&class.as_str()) {
                            return Err(format!(
                                "{source}: {key:?}: unknown error class {class:?} (one of {})",
                                known.join(", ")
                            ));
                        }
                    }
                    (reason, Allowance::ErrorMap(error_map.into_iter().collect()))
                }
            };
            entries.push(Entry {
                key,
                implementation,
                pattern,
                reason,
                allowance,
                source: source.to_string(),
            });
        }
        Ok(Expectations { entries })
    }

    /// The error-class substitutions allowed for one test.
    pub fn error_map(&self, implementation: &str, id: &str) -> Vec<(String, String)> {
        self.entries
            .iter()
            .filter(|e| e.matches(implementation, id))
            .filter_map(|e| match &e.allowance {
                Allowance::ErrorMap(m) => Some(m.clone()),
                Allowance::Excuse => None,
            })
            .flatten()
            .collect()
    }

    /// Mark failures excused by a whole-test entry, and record on every matched result the
    /// entry that matched (so a pass under an excuse shows as unexpected).
    pub fn apply(&self, results: &mut [TestResult]) {
        for r in results.iter_mut() {
            for e in self
                .entries
                .iter()
                .filter(|e| e.matches(&r.implementation, &r.id))
            {
                match e.allowance {
                    Allowance::Excuse => {
                        r.expectation = Some(format!("{} ({})", e.key, e.reason));
                        if r.status == Status::Fail {
                            r.status = Status::ExpectedFail;
                        }
                        break;
                    }
                    Allowance::ErrorMap(_) => {
                        r.error_map = Some(format!("{} ({})", e.key, e.reason));
                    }
                }
            }
        }
    }

    /// Entries that can never apply: every implementation of this run that an entry is for
    /// has no test id it matches. `universes` holds, per implementation, every test id it
    /// gets with no filter, shard or mode restriction. An entry for an implementation that
    /// is not in this run is not judged.
    pub fn stale<'a>(&'a self, universes: &[(String, Vec<String>)]) -> Vec<&'a Entry> {
        self.entries
            .iter()
            .filter(|e| {
                let judged: Vec<&Vec<String>> = universes
                    .iter()
                    .filter(|(imp, _)| e.implementation.as_deref().is_none_or(|i| i == imp))
                    .map(|(_, ids)| ids)
                    .collect();
                !judged.is_empty()
                    && !judged
                        .iter()
                        .any(|ids| ids.iter().any(|id| e.pattern.matches(id)))
            })
            .collect()
    }
}

/// Results excused by a whole-test entry that nevertheless passed.
pub fn unexpected_passes(results: &[TestResult]) -> Vec<&TestResult> {
    results
        .iter()
        .filter(|r| r.status == Status::Pass && r.expectation.is_some())
        .collect()
}

/// Error-map entries none of whose tests needed the map: the implementation now reports the
/// spec's class (the entry can go). An entry is judged only when every test it matches
/// (`universes`: each implementation's every test id) ran here: a shard or filter that ran
/// some of them cannot know that the others do not need it.
pub fn unused_error_maps<'a>(
    exp: &'a Expectations,
    results: &[TestResult],
    universes: &[(String, Vec<String>)],
) -> Vec<&'a Entry> {
    let ran: std::collections::HashSet<(&str, &str)> = results
        .iter()
        .map(|r| (r.implementation.as_str(), r.id.as_str()))
        .collect();
    exp.entries
        .iter()
        .filter(|e| matches!(e.allowance, Allowance::ErrorMap(_)))
        .filter(|e| {
            let mut matched = universes.iter().flat_map(|(imp, ids)| {
                ids.iter()
                    .filter(|id| e.matches(imp, id))
                    .map(move |id| (imp.as_str(), id.as_str()))
            });
            let whole = matched.all(|key| ran.contains(&key));
            let needed = results
                .iter()
                .any(|r| e.matches(&r.implementation, &r.id) && r.mapped_steps > 0);
            let any_ran = results.iter().any(|r| e.matches(&r.implementation, &r.id));
            whole && any_ran && !needed
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn result(id: &str, status: Status) -> TestResult {
        TestResult {
            implementation: "x".into(),
            mode: "kat".into(),
            id: id.into(),
            status,
            detail: String::new(),
            notes: Vec::new(),
            bug_types: Vec::new(),
            unchecked_steps: 0,
            mapped_steps: 0,
            expectation: None,
            error_map: None,
            deviations: Vec::new(),
            duration: Duration::ZERO,
        }
    }

    const FILE: &str = r#"{
        "kat/p/a.*": "known",
        "y:kat/p/b.*": "only for y",
        "kat/p/c.*": {"reason": "other class", "errorMap": {"invalid_key": "auth_failure"}}
    }"#;

    #[test]
    fn excuses_only_failures_and_flags_passes() {
        let e = Expectations::parse(FILE, "t").unwrap();
        let mut rs = vec![
            result("kat/p/a.1", Status::Fail),
            result("kat/p/a.2", Status::Pass),
            result("kat/p/b.1", Status::Fail),
        ];
        e.apply(&mut rs);
        assert_eq!(rs[0].status, Status::ExpectedFail);
        assert_eq!(rs[1].status, Status::Pass);
        assert_eq!(unexpected_passes(&rs).len(), 1);
        // b.* is for implementation y only.
        assert_eq!(rs[2].status, Status::Fail);
    }

    #[test]
    fn an_error_map_never_excuses_a_failure() {
        let e = Expectations::parse(FILE, "t").unwrap();
        let mut rs = vec![result("kat/p/c.1", Status::Fail)];
        e.apply(&mut rs);
        assert_eq!(rs[0].status, Status::Fail);
        assert_eq!(
            e.error_map("x", "kat/p/c.1"),
            vec![("invalid_key".to_string(), "auth_failure".to_string())]
        );
        assert!(e.error_map("x", "kat/p/a.1").is_empty());
    }

    #[test]
    fn unused_error_map_is_reported() {
        let e = Expectations::parse(FILE, "t").unwrap();
        let mut rs = vec![result("kat/p/c.1", Status::Pass)];
        let universe =
            |ids: &[&str]| vec![("x".to_string(), ids.iter().map(|i| i.to_string()).collect())];
        assert_eq!(
            unused_error_maps(&e, &rs, &universe(&["kat/p/c.1"])).len(),
            1
        );
        // A shard that ran only one of the map's tests cannot judge it.
        assert!(unused_error_maps(&e, &rs, &universe(&["kat/p/c.1", "kat/p/c.2"])).is_empty());
        rs[0].mapped_steps = 1;
        assert!(unused_error_maps(&e, &rs, &universe(&["kat/p/c.1"])).is_empty());
    }

    /// Only an entry that matches nothing the implementation has is stale: one that matches
    /// tests outside this run's filter or shard is not.
    #[test]
    fn stale_is_relative_to_every_test_not_to_this_run() {
        let e = Expectations::parse(FILE, "t").unwrap();
        let ids = vec!["kat/p/a.1".to_string(), "kat/p/zzz".to_string()];
        let keys = |u: &[(String, Vec<String>)]| -> Vec<String> {
            e.stale(u).iter().map(|e| e.key.clone()).collect()
        };
        // y's entry is not judged in a run without y.
        assert_eq!(keys(&[("x".into(), ids.clone())]), vec!["kat/p/c.*"]);
        assert_eq!(
            keys(&[("y".into(), ids.clone())]),
            vec!["kat/p/c.*", "y:kat/p/b.*"]
        );
        // An entry that matches another implementation's tests is not stale.
        let with_c = vec!["kat/p/c.9".to_string()];
        assert_eq!(
            keys(&[("x".into(), ids), ("z".into(), with_c)]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn unknown_classes_and_bad_globs_are_errors() {
        let bad = r#"{"a": {"reason": "r", "errorMap": {"invalid_key": "nonsense"}}}"#;
        assert!(Expectations::parse(bad, "t")
            .unwrap_err()
            .contains("nonsense"));
        assert!(Expectations::parse(r#"{"[": "r"}"#, "t").is_err());
        assert!(Expectations::parse(r#"["a"]"#, "t").is_err());
    }
}
