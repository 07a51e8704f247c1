//! The property-mode driver both script families share (`scripts` for 1:1 sessions,
//! `group_scripts` for groups): random cases from a seeded proptest runner, each judged by
//! the engine, a failure shrunk and written out by the caller.

use crate::impls::Implementation;
use crate::report::Status;
use e2ee_iut::protocol::{Hello, Iut};
use e2ee_vectors::engine::{self, Outcome};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRng, TestRunner};
use std::cell::RefCell;
use std::time::Instant;

/// Run `cases` random (seed, actions) cases against `imp`: `case` builds, records and runs
/// one and returns the engine's outcome (`Err`: the spec could not record it). A failure is
/// shrunk, then `write` turns the minimal case and the reason into where it was written.
pub fn drive<A: Clone + std::fmt::Debug>(
    imp: &mut Implementation,
    cases: u32,
    rng_seed: [u8; 32],
    action: impl Strategy<Value = A>,
    case: impl Fn(&mut dyn Iut, &Hello, u64, &[A]) -> Result<Outcome, String>,
    write: impl FnOnce(&str, u64, &[A]) -> String,
    seed: u64,
) -> (Status, String) {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &rng_seed),
    );
    let strategy = (any::<u64>(), proptest::collection::vec(action, 1..40));
    // proptest's runner takes an `Fn`: the IUT and the notes go through RefCells. A suite
    // error is not the IUT's failure, so it is not shrunk either: the first one is kept.
    let skipped = RefCell::new(None);
    let suite_error = RefCell::new(None);
    let iut = RefCell::new(imp.iut.as_mut());
    let hello = imp.hello.clone();
    let start = Instant::now();
    let result = runner.run(&strategy, |(case_seed, actions)| {
        let mut iut = iut.borrow_mut();
        let outcome = case(*iut, &hello, case_seed, &actions)
            .map_err(|e| TestCaseError::fail(format!("spec: {e}")))?;
        match outcome.status {
            engine::Status::Pass => Ok(()),
            engine::Status::Skip => {
                *skipped.borrow_mut() = Some(outcome.detail);
                Ok(())
            }
            engine::Status::SuiteError => {
                suite_error.borrow_mut().get_or_insert(outcome.detail);
                Ok(())
            }
            engine::Status::Fail => Err(TestCaseError::fail(outcome.detail)),
        }
    });
    let elapsed = start.elapsed().as_secs_f64();
    if let Some(why) = skipped.into_inner() {
        return (Status::Skip, why);
    }
    if let (Ok(()), Some(why)) = (&result, suite_error.into_inner()) {
        return (Status::SuiteError, format!("{why} (seed {seed})"));
    }
    match result {
        Ok(()) => (
            Status::Pass,
            format!(
                "{cases} cases in {elapsed:.1} s ({:.0} cases/min)",
                cases as f64 * 60.0 / elapsed.max(1e-9)
            ),
        ),
        Err(TestError::Fail(why, (case_seed, actions))) => {
            let path = write(&why.to_string(), case_seed, &actions);
            (
                Status::Fail,
                format!("{why}; minimal script written to {path} (replay with --replay {path})"),
            )
        }
        Err(TestError::Abort(why)) => (Status::Fail, format!("property run aborted: {why}")),
    }
}

/// The id of a shrunk failure's script: implementation, profile, role and case seed.
pub fn script_id(imp: &str, profile: &str, role: &str, seed: u64) -> String {
    format!(
        "props.{}.{profile}.{role}.{seed:016x}",
        imp.replace(|c: char| !c.is_alphanumeric(), "_")
    )
}

/// Write a shrunk failure as a one-test vector file named after `tc_id` in `dir`, for
/// `--replay`; returns its path, or why it could not be written.
pub fn write_script<G: serde::Serialize>(
    dir: &std::path::Path,
    tc_id: &str,
    file: &e2ee_vectors::envelope::VectorFile<G>,
) -> String {
    let _ = std::fs::create_dir_all(dir);
    let path = dir.join(format!("{tc_id}.json"));
    let text = serde_json::to_string_pretty(file).unwrap_or_default() + "\n";
    match std::fs::write(&path, text) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("(could not write {}: {e})", path.display()),
    }
}
