//! `e2ee-conform vectors check`: every committed vector file against the spec.

use e2ee_vectors::engine::{self, Mode, Status};
use e2ee_vectors::spec_iut::SpecIut;
use std::path::Path;

/// (passed, failed, messages) for one file.
pub fn check_file(path: &Path) -> (usize, usize, Vec<String>) {
    let traces = match e2ee_vectors::load_trace_file(path) {
        Ok(f) => f,
        // Not a trace file: a known-answer file.
        Err(_) => {
            return match e2ee_vectors::kat::check_file(path) {
                Ok(c) => (c.passed, c.failed, c.failures),
                Err(e) => (0, 1, vec![e]),
            };
        }
    };
    let mut spec = SpecIut::new(0);
    let hello = SpecIut::hello();
    let (mut passed, mut failed, mut errors) = (0, 0, Vec::new());
    for group in &traces.test_groups {
        for test in &group.tests {
            let mut modes = vec![Mode::Full];
            if test.receiver.is_some() {
                modes.push(Mode::Receiver);
            }
            let mut ok = true;
            for mode in modes {
                let outcome = engine::run(&mut spec, None, &hello, &traces.profile, group, test, &mode);
                if outcome.status != Status::Pass {
                    ok = false;
                    errors.push(format!("{} ({mode:?}): {}", test.tc_id, outcome.detail));
                }
            }
            if ok {
                passed += 1;
            } else {
                failed += 1;
            }
        }
    }
    (passed, failed, errors)
}
