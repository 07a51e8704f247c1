//! Vector tests at an implementation's declared limits (SHIM.md §Limits).
//!
//! A vector was recorded at its profile's limits. For an implementation that declared stricter
//! ones, the spec records the same test again at the declared limits: where every step's
//! verdict is the same the test counts as usual (at the declared limits, so that a checkpoint
//! reflects a party that keeps that much); where a verdict differs, the test is a
//! **deviation**: it is run at the declared limits and, if it passes there, reported under the
//! declared deviation it depends on, never as a pass. The tests are found by what they do
//! (recorded twice), not by a list of ids or flags, so a new limit vector needs nothing here.

use e2ee_spec::Profile;
use e2ee_vectors::engine;
use e2ee_vectors::limits::Declared;
use e2ee_vectors::spec_iut::SpecIut;
use e2ee_vectors::trace::{Expect, Step, TraceTest};
use std::sync::Arc;

/// A vector test as an implementation with the declared limits must pass it.
pub struct AtDeclared {
    pub test: Arc<TraceTest>,
    /// The declared deviations (`Deviation::name`) its verdict depends on; empty if none.
    pub deviations: Vec<String>,
}

/// `test` of `profile` at the `declared` limits.
pub fn at_declared(
    profile: Profile,
    header_encryption: bool,
    test: &Arc<TraceTest>,
    declared: &Declared,
) -> AtDeclared {
    let unchanged = || AtDeclared {
        test: test.clone(),
        deviations: Vec::new(),
    };
    let deviations = declared.deviations(profile);
    if deviations.is_empty() {
        return unchanged();
    }
    // The vector was recorded by the spec, so the spec can record it again.
    let Some(again) = record(profile, header_encryption, test, declared) else {
        return unchanged();
    };
    if again == **test {
        return unchanged();
    }
    if verdicts(&again) == verdicts(test) {
        return AtDeclared {
            test: Arc::new(again),
            deviations: Vec::new(),
        };
    }
    // Which declared limit, applied alone, changes the verdict; all of them if only their
    // combination does.
    let mut names: Vec<String> = deviations
        .iter()
        .filter(|d| {
            record(
                profile,
                header_encryption,
                test,
                &declared.only(profile, d.limit),
            )
            .is_none_or(|alone| verdicts(&alone) != verdicts(test))
        })
        .map(|d| d.name())
        .collect();
    if names.is_empty() {
        names = deviations.iter().map(|d| d.name()).collect();
    }
    AtDeclared {
        test: Arc::new(again),
        deviations: names,
    }
}

fn record(
    profile: Profile,
    header_encryption: bool,
    test: &TraceTest,
    declared: &Declared,
) -> Option<TraceTest> {
    let mut again = test.clone();
    let mut spec = SpecIut::new(0).with_limits(declared);
    engine::record(&mut spec, profile.name(), header_encryption, &mut again).ok()?;
    Some(again)
}

/// What every step is expected to give, without the state checkpoints: how much a party keeps
/// changes its digest without changing any verdict.
fn verdicts(test: &TraceTest) -> Vec<Expect> {
    test.steps
        .iter()
        .filter_map(|s| match s {
            Step::Publish { expect, .. }
            | Step::Initiate { expect, .. }
            | Step::Send { expect, .. }
            | Step::Deliver { expect, .. } => Some(Expect {
                digest: None,
                ..expect.clone()
            }),
            _ => None,
        })
        .collect()
}
