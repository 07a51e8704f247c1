//! The expectations file (BoGo style): test-id glob -> reason the test is known to fail.
//!
//! ```json
//! { "kat/signal-v3/xeddsa.*": "libsignal accepts s >= L (documented in PROFILES.md)" }
//! ```
//! A failing test matched by an entry is an expected failure and does not fail the run. A
//! matched test that passes is reported as an unexpected pass; an entry that matches no test
//! that ran is reported as stale. Globs use `*` and `?`; an entry may be prefixed with
//! `<implementation>:` to apply to one implementation only.

use crate::report::{Status, TestResult};
use std::collections::BTreeMap;

pub struct Expectations {
    entries: Vec<(Option<String>, glob::Pattern, String, String)>,
}

impl Expectations {
    pub fn empty() -> Expectations {
        Expectations {
            entries: Vec::new(),
        }
    }

    pub fn load(path: &std::path::Path) -> Result<Expectations, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let map: BTreeMap<String, String> = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}: not a JSON object of glob -> reason: {e}",
                path.display()
            )
        })?;
        let mut entries = Vec::new();
        for (key, reason) in map {
            let (imp, glob) = match key.split_once(':') {
                Some((imp, glob)) if !imp.contains('/') && !imp.contains('*') => {
                    (Some(imp.to_string()), glob.to_string())
                }
                _ => (None, key.clone()),
            };
            let pattern = glob::Pattern::new(&glob)
                .map_err(|e| format!("{}: bad glob {key:?}: {e}", path.display()))?;
            entries.push((imp, pattern, key, reason));
        }
        Ok(Expectations { entries })
    }

    fn find(&self, r: &TestResult) -> Option<&(Option<String>, glob::Pattern, String, String)> {
        self.entries.iter().find(|(imp, pattern, _, _)| {
            imp.as_ref().is_none_or(|i| i == &r.implementation) && pattern.matches(&r.id)
        })
    }

    /// Apply to every result; returns the stale entries.
    pub fn apply(&self, results: &mut [TestResult]) -> Vec<String> {
        let mut used = vec![false; self.entries.len()];
        for r in results.iter_mut() {
            if let Some(entry) = self.find(r) {
                if let Some(i) = self.entries.iter().position(|e| e.2 == entry.2) {
                    used[i] = true;
                }
                r.expectation = Some(format!("{} ({})", entry.2, entry.3));
                if r.status == Status::Fail {
                    r.status = Status::ExpectedFail;
                }
            }
        }
        self.entries
            .iter()
            .zip(used)
            .filter(|(_, u)| !u)
            .map(|(e, _)| e.2.clone())
            .collect()
    }
}

/// Results matched by an entry that nevertheless passed.
pub fn unexpected_passes(results: &[TestResult]) -> Vec<&TestResult> {
    results
        .iter()
        .filter(|r| r.status == Status::Pass && r.expectation.is_some())
        .collect()
}
