//! libsignal as a real peer for `signal-sk-v3`: the published group traces replayed against
//! the Node shim with @signalapp/libsignal-client 0.72.1 (`libsignal`) and 0.79.0
//! (`libsignal-0.79`), as `e2ee-conform run --impl libsignal,libsignal-0.79 --profile
//! signal-sk-v3` replays them: every member on libsignal with the vector's draws (KAT), and
//! in interop each member on libsignal with the spec playing the others.
//!
//! The implementations start as the CLI starts them (`impls::open`: Node.js must be
//! installed; the shim's pinned packages are `npm ci`-installed on first use, as `.ci/run`
//! expects). A shim that cannot start fails this test: a skipped peer would prove nothing.
//! What must pass is counted from the vector file itself, not from the plan.

#[path = "support/suite.rs"]
mod support;
use support::corpus;

use e2ee_harness::expectations::Expectations;
use e2ee_harness::impls;
use e2ee_harness::report::{Counts, Status, TestResult};
use e2ee_harness::suite::{self, RunMode};
use e2ee_iut::protocol::GROUP_DRAWS;
use e2ee_spec::group::GroupProfile;
use std::time::Duration;

const PROFILE: &str = "signal-sk-v3";

/// One group trace as the vector file has it: its id, its members, and for each member
/// whether it sends (creates, shares or encrypts) in it.
struct VectorTest {
    tc_id: String,
    members: Vec<(String, bool)>,
}

fn vector_tests() -> Vec<VectorTest> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vectors/data/signal-sk-v3/trace_group.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the group vectors"))
            .expect("JSON");
    let mut out = Vec::new();
    for group in v["testGroups"].as_array().expect("testGroups") {
        for test in group["tests"].as_array().expect("tests") {
            let steps = test["steps"].as_array().expect("steps");
            let sends = |member: &str| {
                steps.iter().any(|s| {
                    s["actor"] == member
                        && ["create", "share", "send"].iter().any(|op| s["op"] == *op)
                })
            };
            out.push(VectorTest {
                tc_id: test["tcId"].as_str().expect("tcId").to_string(),
                members: test["members"]
                    .as_array()
                    .expect("members")
                    .iter()
                    .map(|m| {
                        let m = m.as_str().expect("member").to_string();
                        let s = sends(&m);
                        (m, s)
                    })
                    .collect(),
            });
        }
    }
    out
}

/// The group traces of `signal-sk-v3` in KAT and interop mode against bundled implementation
/// `name`, judged with its own built-in expectations, as `run` judges them.
fn run(name: &str) -> Vec<TestResult> {
    let opts = support::options(
        vec![RunMode::Kat, RunMode::Interop],
        vec![GroupProfile::SignalSkV3],
        1,
    );
    let mut imp = impls::open(
        name,
        opts.seed,
        Duration::from_secs(10),
        Duration::from_secs(300),
    )
    .unwrap_or_else(|e| panic!("{name} does not start (Node.js and npm are needed): {e}"));
    assert!(
        imp.hello.profiles.iter().any(|p| p == PROFILE),
        "{name} does not declare {PROFILE}: {:?}",
        imp.hello.profiles
    );
    // With the draws taken, KAT replays every member, senders included, and compares every
    // byte but libsignal's own XEdDSA signatures, which must verify.
    assert!(
        imp.hello.capabilities.iter().any(|c| c == GROUP_DRAWS),
        "{name} does not declare {GROUP_DRAWS}: {:?}",
        imp.hello.capabilities
    );
    let (source, text) = impls::bundled_expectations(name).expect("bundled expectations");
    let known = Expectations::parse(text, source).expect("expectations parse");
    let plan = suite::plan(&imp.hello, &opts, &corpus(&opts));
    let mut results: Vec<TestResult> = plan
        .iter()
        .map(|p| suite::run_one(&mut imp, p, &opts, &known))
        .collect();
    known.apply(&mut results);
    results
}

fn check(name: &str) {
    let results = run(name);
    let failures: Vec<String> = results
        .iter()
        .filter(|r| !matches!(r.status, Status::Pass | Status::ExpectedFail))
        .map(|r| format!("{} {:?}: {}", r.id, r.status, r.detail))
        .collect();
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
    let counts = Counts::of(&results);
    assert_eq!(counts.failed, 0, "{name}");

    let tests = vector_tests();
    let passed = |id: &str| {
        results
            .iter()
            .any(|r| r.id == id && r.status == Status::Pass)
    };
    // Every trace, replayed with every member on libsignal.
    for t in &tests {
        let id = format!("kat/{PROFILE}/{}", t.tc_id);
        assert!(passed(&id), "{name}: {id} did not pass");
    }
    // Interop both ways: libsignal as a sender the spec reads, and as a member reading the
    // spec's messages.
    let mut as_sender = 0;
    let mut as_receiver = 0;
    for t in &tests {
        for (member, sends) in &t.members {
            let id = format!("interop/{PROFILE}/{}@{member}", t.tc_id);
            assert!(passed(&id), "{name}: {id} did not pass");
            if *sends {
                as_sender += 1;
            } else {
                as_receiver += 1;
            }
        }
    }
    // The corpus as published (28 traces; 30 member roles that send, 50 that only read).
    assert!(tests.len() >= 28, "{} group traces", tests.len());
    assert!(
        as_sender >= 30 && as_receiver >= 50,
        "{as_sender} / {as_receiver}"
    );
    assert_eq!(
        counts.passed,
        tests.len() + as_sender + as_receiver,
        "{name}"
    );
    // No pass rests on a weaker check (an error class libsignal cannot report, an error
    // map): `--strict` would pass too.
    let noted: Vec<&str> = results
        .iter()
        .filter(|r| !r.notes.is_empty() || r.mapped_steps > 0)
        .map(|r| r.id.as_str())
        .collect();
    assert!(noted.is_empty(), "{name}: passes with notes: {noted:?}");
}

#[test]
fn libsignal_0_72_1_passes_the_sender_keys_traces() {
    check("libsignal");
}

#[test]
fn libsignal_0_79_0_passes_the_sender_keys_traces() {
    check("libsignal-0.79");
}
