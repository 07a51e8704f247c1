//! Declared limits (SHIM.md §Limits), judged with a variant of the reference implementation
//! that keeps a stricter limit than its profile: a forward jump of 2000 in `signal-v3`, whose
//! profile (libsignal) allows 25,000. Declared, it fails nothing, the deviation is listed and
//! the live limit scenario passes at 2000; undeclared, it fails, and the failures are the limit
//! tests. The spec, declaring nothing, plans every vector as it is.

#[path = "support/suite.rs"]
mod support;
use support::corpus;

use e2ee_harness::expectations::Expectations;
use e2ee_harness::impls::Implementation;
use e2ee_harness::report::{self, RunInfo, Status, TestResult};
use e2ee_harness::suite::{self, Job, Options, RunMode};
use e2ee_iut::protocol::{DeclaredLimits, Hello};
use e2ee_spec::Profile;
use e2ee_vectors::engine;
use e2ee_vectors::limits::Declared;
use e2ee_vectors::spec_iut::SpecIut;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

const JUMP: u32 = 2000;
const DEVIATION: &str = "signal-v3 max_skip 2000 (profile 25000)";

fn declared_limits() -> BTreeMap<String, DeclaredLimits> {
    [(
        "signal-v3".to_string(),
        DeclaredLimits {
            max_skip: Some(JUMP),
            ..Default::default()
        },
    )]
    .into()
}

/// The spec keeping a forward jump of 2000 in `signal-v3`, declaring it or not.
fn strict(declares: bool) -> Implementation {
    let (iut, hello) = if declares {
        let spec = SpecIut::new(0)
            .declaring(declared_limits())
            .expect("a stricter limit can be declared");
        let hello = spec.own_hello();
        (spec, hello)
    } else {
        let kept = Declared::of(&Hello {
            limits: declared_limits(),
            ..SpecIut::hello()
        })
        .expect("a stricter limit");
        (SpecIut::new(0).with_limits(&kept), SpecIut::hello())
    };
    Implementation {
        name: format!(
            "strict-{}",
            if declares { "declared" } else { "undeclared" }
        ),
        iut: Box::new(iut),
        hello,
    }
}

fn options(modes: Vec<RunMode>) -> Options {
    support::options(modes, vec![Profile::SignalV3], 4)
}

fn run(imp: &mut Implementation, opts: &Options) -> Vec<TestResult> {
    let plan = suite::plan(&imp.hello, opts, &corpus(opts));
    assert!(plan.len() > 100, "the suite is not empty");
    plan.iter()
        .map(|p| suite::run_one(imp, p, opts, &Expectations::default()))
        .collect()
}

fn ids(results: &[TestResult], status: Status) -> BTreeSet<String> {
    results
        .iter()
        .filter(|r| r.status == status)
        .map(|r| r.id.clone())
        .collect()
}

/// The kat tests whose flags say they exercise the forward-jump limit of `signal-v3` (25,000),
/// read from the vector files: the generator's statement of intent. Not all of them reach past
/// 2000 (one skips 1000 at a time, one is over 25,000 either way).
fn flagged_skip_limit_vectors() -> BTreeSet<String> {
    let flags = ["SkipAtLimit", "SkipOverLimit", "FirstMessageOverLimit"];
    let opts = options(vec![RunMode::Kat]);
    let mut out = BTreeSet::new();
    for (_, file) in corpus(&opts).traces_of(Profile::SignalV3) {
        for test in file.test_groups.iter().flat_map(|g| &g.tests) {
            if test.flags.iter().any(|f| flags.contains(&f.as_str())) {
                out.insert(format!("kat/signal-v3/{}", test.tc_id));
            }
        }
    }
    out
}

/// Two vectors that reach past 2000 by construction: a gap of exactly 25,000 accepted, and
/// 25,001 rejected followed by 25,000 accepted (their comments say so).
const PAST_2000: [&str; 2] = [
    "kat/signal-v3/dr.skip.at_limit.000",
    "kat/signal-v3/dr.skip.over_limit.000",
];

/// The live scenario of the limit: both roles.
fn live_skip_limit() -> BTreeSet<String> {
    ["alice", "bob"]
        .map(|p| format!("interop/signal-v3/interop.skip.limit@{p}"))
        .into()
}

fn meta(imp: &Implementation, strict: bool) -> RunInfo {
    RunInfo {
        suite_version: "test",
        corpus_dir: "built in".into(),
        corpus_files: 0,
        corpus_digest: String::new(),
        seed: 7,
        implementations: vec![(imp.name.clone(), imp.hello.clone())],
        strict,
    }
}

/// (a) Declared: no failure; the vectors whose verdict depends on the jump are deviations
/// (exactly the vectors the same implementation fails when it does not declare, (b) below;
/// flagged as skip-limit tests; including the two that reach past 2000 by construction), the
/// live limit scenario passes at 2000, property mode passes, and the summary and the JSON
/// report name the deviation and count its tests.
#[test]
fn a_declared_stricter_limit_is_a_deviation_not_a_failure() {
    let mut imp = strict(true);
    let opts = options(vec![RunMode::Kat, RunMode::Interop, RunMode::Props]);
    let results = run(&mut imp, &opts);
    assert_eq!(ids(&results, Status::Fail), BTreeSet::new());
    assert_eq!(ids(&results, Status::SuiteError), BTreeSet::new());
    let deviations = ids(&results, Status::Deviation);
    let undeclared = run(
        &mut strict(false),
        &options(vec![RunMode::Kat, RunMode::Interop]),
    );
    let expected: BTreeSet<String> = ids(&undeclared, Status::Fail)
        .difference(&live_skip_limit())
        .cloned()
        .collect();
    assert_eq!(deviations, expected);
    assert!(
        deviations.is_subset(&flagged_skip_limit_vectors()),
        "{deviations:?}"
    );
    assert!(
        PAST_2000.iter().all(|id| deviations.contains(*id)),
        "{deviations:?}"
    );
    for r in &results {
        let tagged = r.status == Status::Deviation;
        assert_eq!(r.deviations.is_empty(), !tagged, "{}", r.id);
        if tagged {
            assert_eq!(r.deviations, [DEVIATION], "{}", r.id);
        }
    }
    // Every other test counts as it does for the spec: a pass, not a deviation.
    let passed = ids(&results, Status::Pass);
    assert!(passed.is_superset(&live_skip_limit()), "{passed:?}");
    assert!(passed.contains("props/signal-v3/alice") && passed.contains("props/signal-v3/bob"));
    let skipped = ids(&results, Status::Skip).len();
    assert_eq!(passed.len() + deviations.len() + skipped, results.len());

    let meta = meta(&imp, false);
    let summary = report::summary(&meta, &results, &[], &[], &[]);
    let line = format!(
        "DEVIATION strict-declared: {DEVIATION}: {} tests not run at the profile's value",
        deviations.len()
    );
    assert!(summary.contains(&line), "{summary}");
    let counts = format!(
        "0 failed, {skipped} skipped, {} deviations",
        deviations.len()
    );
    assert!(summary.contains(&counts), "{summary}");
    let json: serde_json::Value =
        serde_json::from_str(&report::json(&meta, &results, &[], &[], &[])).unwrap();
    assert_eq!(
        json["deviations"],
        serde_json::json!([{
            "implementation": "strict-declared", "profile": "signal-v3", "limit": "max_skip",
            "declared": "2000", "profile_value": "25000", "tests": deviations.len(),
        }])
    );
    assert_eq!(
        json["run"]["implementations"][0][1]["limits"],
        serde_json::json!({"signal-v3": {"max_skip": JUMP}})
    );
    assert_eq!(json["counts"]["deviations"], deviations.len());
}

/// An implementation that takes no randomness (`import-keys`, receiver replay) plays only each
/// vector's receiver: the limit vectors are deviations there too, not failures.
#[test]
fn in_receiver_replay_a_declared_limit_is_a_deviation_too() {
    let mut imp = strict(true);
    imp.hello.capabilities.retain(|c| c != "deterministic");
    let results = run(&mut imp, &options(vec![RunMode::Kat]));
    assert_eq!(ids(&results, Status::Fail), BTreeSet::new());
    let deviations = ids(&results, Status::Deviation);
    assert!(
        PAST_2000.iter().all(|id| deviations.contains(*id)),
        "{deviations:?}"
    );
    assert!(
        deviations.is_subset(&flagged_skip_limit_vectors()),
        "{deviations:?}"
    );
}

/// The live scenario is built at the declared limit: a gap of exactly 2000, then 2001.
#[test]
fn the_live_limit_scenario_runs_at_the_declared_value() {
    let imp = strict(true);
    let opts = options(vec![RunMode::Interop]);
    let plan = suite::plan(&imp.hello, &opts, &corpus(&opts));
    let scenario = plan
        .iter()
        .find(|p| p.id == "interop/signal-v3/interop.skip.limit@bob")
        .expect("the live scenario is planned");
    let Job::Scenario {
        profile,
        header_encryption,
        scenario,
        limits,
        seed,
        ..
    } = &scenario.job
    else {
        panic!("a live scenario")
    };
    let test = &scenario
        .build(*profile, *header_encryption, limits, *seed)
        .expect("the scenario builds");
    assert!(test.comment.contains("MAX_SKIP = 2000"), "{}", test.comment);
    // 2000 lost, the one at the limit, 2001 lost, the one over it, and the setup.
    let sends = test
        .steps
        .iter()
        .filter(|s| matches!(s, e2ee_vectors::trace::Step::Send { .. }))
        .count();
    assert_eq!(sends, 2 + 2 * JUMP as usize + 3);
}

/// (b) Undeclared: the same implementation fails, and only limit tests: vectors flagged as
/// skip-limit tests (the two past 2000 among them) and the live scenario (built at 25,000)
/// where the implementation receives, each named by its id in the summary.
#[test]
fn an_undeclared_stricter_limit_fails_the_limit_tests() {
    let mut imp = strict(false);
    let opts = options(vec![RunMode::Kat, RunMode::Interop]);
    let results = run(&mut imp, &opts);
    let failed = ids(&results, Status::Fail);
    let limit_tests: BTreeSet<String> = flagged_skip_limit_vectors()
        .into_iter()
        .chain(live_skip_limit())
        .collect();
    assert!(failed.is_subset(&limit_tests), "{failed:?}");
    assert!(
        failed.contains("interop/signal-v3/interop.skip.limit@bob"),
        "{failed:?}"
    );
    assert!(
        PAST_2000.iter().all(|id| failed.contains(*id)),
        "{failed:?}"
    );
    assert_eq!(ids(&results, Status::Deviation), BTreeSet::new());
    let summary = report::summary(&meta(&imp, false), &results, &[], &[], &[]);
    for id in PAST_2000 {
        assert!(
            summary.contains(&format!("FAIL strict-undeclared {id} [")),
            "{summary}"
        );
    }
    assert!(!summary.contains("DEVIATION"), "{summary}");
}

/// The spec declares nothing: every vector is planned as the corpus has it, none depends on
/// a deviation.
#[test]
fn the_spec_declaring_nothing_plans_every_vector_as_it_is() {
    let opts = support::options(vec![RunMode::Kat], Profile::ALL.to_vec(), 1);
    let corpus = corpus(&opts);
    let plan = suite::plan(&SpecIut::hello(), &opts, &corpus);
    let mut vectors = BTreeMap::new();
    for profile in Profile::ALL {
        for (_, file) in corpus.traces_of(profile) {
            for t in file.test_groups.iter().flat_map(|g| &g.tests) {
                vectors.insert(format!("kat/{}/{}", profile.name(), t.tc_id), t);
            }
        }
    }
    let mut seen = 0;
    for p in &plan {
        assert!(p.deviations.is_empty(), "{}", p.id);
        if let Job::Trace { test, .. } = &p.job {
            assert_eq!(Some(test), vectors.get(&p.id).copied(), "{}", p.id);
            seen += 1;
        }
    }
    assert_eq!(seen, vectors.len());
}

/// What the tests above rest on: the spec, recording a vector again at its profile's own
/// limits, gives the vector back, so a test that does not reach a declared limit is recorded
/// the same and counts as usual.
#[test]
fn recording_a_vector_again_at_the_profiles_limits_gives_it_back() {
    let opts = support::options(vec![RunMode::Kat], Profile::ALL.to_vec(), 1);
    let corpus = corpus(&opts);
    let mut n = 0;
    for profile in Profile::ALL {
        for (_, file) in corpus.traces_of(profile) {
            for group in &file.test_groups {
                for test in &group.tests {
                    let mut again = e2ee_vectors::trace::TraceTest::clone(test);
                    engine::record(
                        &mut SpecIut::new(0),
                        profile.name(),
                        group.header_encryption,
                        &mut again,
                    )
                    .unwrap();
                    assert_eq!(&again, &**test, "{} {}", profile.name(), test.tc_id);
                    n += 1;
                }
            }
        }
    }
    assert!(n > 500, "{n}");
}

fn conform(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_e2ee-conform"))
        .args(args)
        .output()
        .expect("e2ee-conform runs")
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// End to end over the shim protocol: the reference shim keeping and declaring the jump
/// (`e2ee-conform shim --limits`). A run of a limit vector exits 0 and lists the deviation;
/// with `--strict` the deviation fails the run.
#[test]
fn over_the_wire_a_deviation_is_listed_and_strict_fails_it() {
    let shim = format!(
        "shim:{} shim --limits '{{\"signal-v3\":{{\"max_skip\":{JUMP}}}}}'",
        env!("CARGO_BIN_EXE_e2ee-conform")
    );
    let args = [
        "run",
        "--impl",
        &shim,
        "--profile",
        "signal-v3",
        "--mode",
        "kat",
        "--filter",
        "kat/signal-v3/dr.skip.*",
    ];
    let o = conform(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains(&format!(": {DEVIATION}: ")),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains(" 0 failed,"), "{}", text(&o));
    let o = conform(&[&args[..], &["--strict"]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

/// A shim declaring a looser limit than its profile is not run: exit 2, saying why.
#[test]
fn a_looser_declared_limit_is_a_hello_error() {
    let dir = std::env::temp_dir().join(format!("e2ee-limits-lax-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("lax.sh");
    let hello = r#"{"id":1,"ok":{"protocol":1,"minor":2,"name":"lax","version":"1","profiles":["signal-v3"],"limits":{"signal-v3":{"max_skip":30000}}}}"#;
    std::fs::write(
        &script,
        format!("read line\necho '{hello}'\ncat >/dev/null\n"),
    )
    .unwrap();
    let shim = format!("shim:sh {}", script.display());
    let o = conform(&["run", "--impl", &shim, "--profile", "signal-v3"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("max_skip 30000 is looser than the profile's 25000"),
        "{}",
        text(&o)
    );
}
