//! Vector tests at an implementation's declared limits (SHIM.md §Limits).
//!
//! A vector was recorded at its profile's limits. For an implementation that declared stricter
//! ones, the spec records the same test again with the implementation's parties at the
//! declared limits (the other parties keep the profile's, as a peer that follows the profile
//! does): where every step's verdict is the same the test counts as usual (at the declared
//! limits, so that a checkpoint reflects a party that keeps that much); where a verdict
//! differs, the test is a
//! **deviation**: it is run at the declared limits and, if it passes there, reported under the
//! declared deviation it depends on, never as a pass. The tests are found by what they do
//! (recorded twice), not by a list of ids or flags, so a new limit vector needs nothing here.

use e2ee_spec::Profile;
use e2ee_vectors::engine::{self, Mode};
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

/// `test` of `profile`, run in `mode`, with the `declared` limits kept by the parties the
/// implementation plays: every party (full replay), the receiver (receiver replay), or one
/// party against a peer at the profile's limits (interop).
pub fn at_declared(
    profile: Profile,
    header_encryption: bool,
    test: &Arc<TraceTest>,
    declared: &Declared,
    mode: &Mode,
) -> AtDeclared {
    let unchanged = || AtDeclared {
        test: test.clone(),
        deviations: Vec::new(),
    };
    let deviations = declared.deviations(profile);
    let iut_party = match mode {
        Mode::Full => None,
        Mode::Receiver => test.receiver.as_deref(),
        Mode::Interop { iut_party } => Some(iut_party.as_str()),
    };
    // Injected messages do not run in interop (`engine::runnable`): nothing to record.
    let injects = test.steps.iter().any(|s| matches!(s, Step::Inject { .. }));
    let interop = matches!(mode, Mode::Interop { .. });
    if deviations.is_empty() || (injects && interop) {
        return unchanged();
    }
    // The vector was recorded by the spec, so the spec can record it again.
    let record =
        |declared: &Declared| record(profile, header_encryption, test, declared, iut_party);
    let Some(again) = record(declared) else {
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
            record(&declared.only(profile, d.limit))
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

/// `test` recorded with `iut_party` (every party if None) keeping `declared`.
fn record(
    profile: Profile,
    header_encryption: bool,
    test: &TraceTest,
    declared: &Declared,
    iut_party: Option<&str>,
) -> Option<TraceTest> {
    let mut again = test.clone();
    record_in_place(
        profile.name(),
        header_encryption,
        &mut again,
        declared,
        iut_party,
        0,
    )
    .ok()?;
    Some(again)
}

/// Fill in `test`'s expectations as the spec gives them with `iut_party` (every party if
/// None) keeping `declared` and the others the profile's limits; `seed` draws what the test
/// does not inject (`SpecIut::new`).
pub fn record_in_place(
    profile: &str,
    header_encryption: bool,
    test: &mut TraceTest,
    declared: &Declared,
    iut_party: Option<&str>,
    seed: u64,
) -> Result<(), String> {
    let mut spec = SpecIut::new(seed).with_limits(declared);
    match iut_party {
        // Every party keeps the same limits: one spec records them all.
        _ if declared.profiles().is_empty() => {
            engine::record(&mut spec, profile, header_encryption, test)
        }
        None => engine::record(&mut spec, profile, header_encryption, test),
        Some(party) => engine::record_interop(
            &mut spec,
            &mut SpecIut::new(seed),
            profile,
            header_encryption,
            test,
            party,
        ),
    }
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
