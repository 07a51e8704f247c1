//! A deliberately wrong implementation fails exactly the tests that should catch it, by id;
//! and the spec in-process and behind the shim give the same results test by test.

#[path = "support/suite.rs"]
mod support;
use support::corpus;

use e2ee_harness::expectations::Expectations;
use e2ee_harness::impls::Implementation;
use e2ee_harness::report::Status;
use e2ee_harness::suite::{self, Options, RunMode};
use e2ee_iut::protocol::{Failure, Iut, Reply, Request};
use e2ee_spec::Profile;
use e2ee_vectors::spec_iut::SpecIut;
use std::collections::BTreeSet;
use std::time::Duration;

fn options(modes: Vec<RunMode>) -> Options {
    support::options(modes, Profile::ALL.to_vec(), 16)
}

fn run(imp: Implementation, opts: &Options) -> Vec<(String, Status)> {
    run_with(imp, opts, &Expectations::default())
}

fn run_with(
    mut imp: Implementation,
    opts: &Options,
    known: &Expectations,
) -> Vec<(String, Status)> {
    let plan = suite::plan(&imp.hello, opts, &corpus(opts));
    assert!(plan.len() > 100, "the suite is not empty");
    plan.iter()
        .map(|p| {
            let r = suite::run_one(&mut imp, p, opts, known);
            (r.id, r.status)
        })
        .collect()
}

fn failing(results: &[(String, Status)]) -> BTreeSet<String> {
    results
        .iter()
        .filter(|(_, s)| *s == Status::Fail)
        .map(|(id, _)| id.clone())
        .collect()
}

/// The spec with one check removed: when the spec rejects a decrypt with `class`, the
/// wrapper answers as a careless implementation would, accepting the message.
struct Careless {
    spec: SpecIut,
    class: &'static str,
}

impl Iut for Careless {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        match self.spec.call(request) {
            Err(Failure::Rejected { class, .. })
                if class == self.class && matches!(request, Request::Decrypt { .. }) =>
            {
                Ok(Reply::Decrypted {
                    plaintext: String::new(),
                })
            }
            other => other,
        }
    }
}

fn careless(class: &'static str) -> Implementation {
    Implementation {
        name: format!("careless-{class}"),
        iut: Box::new(Careless {
            spec: SpecIut::new(0),
            class,
        }),
        hello: SpecIut::hello(),
    }
}

/// The kat ids of the tests whose steps (as JSON, read straight from the vector files)
/// satisfy `catches`: the independent answer to "which tests should catch this bug".
fn kat_ids_where(catches: impl Fn(&[serde_json::Value]) -> bool) -> BTreeSet<String> {
    let opts = options(vec![RunMode::Kat]);
    let corpus = corpus(&opts);
    let mut out = BTreeSet::new();
    for profile in Profile::ALL {
        for (name, _) in corpus.traces_of(profile) {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/data/").to_string() + name;
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            for group in v["testGroups"].as_array().unwrap() {
                for test in group["tests"].as_array().unwrap() {
                    if catches(test["steps"].as_array().unwrap()) {
                        out.insert(format!(
                            "kat/{}/{}",
                            profile.name(),
                            test["tcId"].as_str().unwrap()
                        ));
                    }
                }
            }
        }
    }
    out
}

fn rejects_with(step: &serde_json::Value, class: &str) -> bool {
    step["op"] == "deliver" && step["expect"]["error"] == class
}

/// Every test with a deliver step expected to fail with `class`.
fn tests_expecting(class: &str) -> BTreeSet<String> {
    kat_ids_where(|steps| steps.iter().any(|s| rejects_with(s, class)))
}

/// Rejects what the spec rejects as `invalid_key` with `auth_failure` instead (an honest
/// difference an error map can excuse); with `forgets`, it also has a real bug: after such a
/// rejection the party's next decrypt fails (a failed decrypt changed its state).
struct Misclassifies {
    spec: SpecIut,
    forgets: bool,
    poisoned: bool,
}

impl Iut for Misclassifies {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        if matches!(request, Request::Reset {}) {
            self.poisoned = false;
        }
        let is_decrypt = matches!(request, Request::Decrypt { .. });
        if is_decrypt && self.poisoned {
            return Err(Failure::Rejected {
                class: "auth_failure".into(),
                detail: "state lost".into(),
            });
        }
        match self.spec.call(request) {
            Err(Failure::Rejected { class, .. }) if is_decrypt && class == "invalid_key" => {
                self.poisoned = self.forgets;
                Err(Failure::Rejected {
                    class: "auth_failure".into(),
                    detail: "MAC".into(),
                })
            }
            other => other,
        }
    }
}

fn misclassifies(forgets: bool) -> Implementation {
    Implementation {
        name: "misclassifies".into(),
        iut: Box::new(Misclassifies {
            spec: SpecIut::new(0),
            forgets,
            poisoned: false,
        }),
        hello: SpecIut::hello(),
    }
}

/// Kat tests where a deliver expected to fail with `class` is followed by a deliver that
/// must succeed: the steps a whole-test excuse would leave unchecked.
fn tests_with_success_after(class: &str) -> BTreeSet<String> {
    kat_ids_where(|steps| {
        steps
            .iter()
            .position(|s| rejects_with(s, class))
            .is_some_and(|i| {
                steps[i + 1..]
                    .iter()
                    .any(|s| s["op"] == "deliver" && s["expect"]["error"].is_null())
            })
    })
}

/// An error map excuses exactly a different class, and the steps after it are still checked.
#[test]
fn error_map_excuses_the_class_and_keeps_checking() {
    let opts = options(vec![RunMode::Kat]);
    let map = Expectations::parse(
        r#"{"kat/*": {"reason": "MAC before key check", "errorMap": {"invalid_key": "auth_failure"}}}"#,
        "test",
    )
    .unwrap();
    // Without the map, every test expecting invalid_key at a deliver fails.
    let unmapped = failing(&run(misclassifies(false), &opts));
    assert_eq!(unmapped, tests_expecting("invalid_key"));
    assert!(!unmapped.is_empty());
    // With it, the honest difference passes...
    assert_eq!(
        failing(&run_with(misclassifies(false), &opts, &map)),
        BTreeSet::new()
    );
    // ...and the real bug behind it is still caught by the later steps.
    let caught = failing(&run_with(misclassifies(true), &opts, &map));
    let expected = tests_with_success_after("invalid_key");
    assert!(!expected.is_empty());
    assert_eq!(caught, expected);
}

#[test]
fn replay_accepting_implementation_fails_exactly_the_replay_tests() {
    let results = run(careless("duplicate_message"), &options(vec![RunMode::Kat]));
    let expected = tests_expecting("duplicate_message");
    assert!(expected.len() > 20, "{} replay tests", expected.len());
    assert_eq!(failing(&results), expected);
}

#[test]
fn skip_limit_ignoring_implementation_fails_exactly_the_skip_tests() {
    let results = run(careless("too_far_ahead"), &options(vec![RunMode::Kat]));
    let expected = tests_expecting("too_far_ahead");
    assert!(expected.len() >= 6, "{} skip-limit tests", expected.len());
    assert_eq!(failing(&results), expected);
}

#[test]
fn spec_and_spec_shim_agree_test_by_test() {
    let opts = options(vec![RunMode::Kat, RunMode::Interop, RunMode::Props]);
    let exe = env!("CARGO_BIN_EXE_e2ee-conform");
    let shim = e2ee_harness::shim_client::ShimIut::start(
        &[exe.to_string(), "shim".into()],
        Duration::from_secs(10),
    )
    .unwrap();
    let hello = shim.hello.clone();
    let shim = Implementation {
        name: "spec-shim".into(),
        iut: Box::new(shim),
        hello,
    };
    let spec = Implementation {
        name: "spec".into(),
        iut: Box::new(SpecIut::new(0)),
        hello: SpecIut::hello(),
    };
    let a = run(spec, &opts);
    let b = run(shim, &opts);
    assert_eq!(a, b);
    assert!(a.iter().all(|(_, s)| *s != Status::Fail));
}

/// The spec, with the class `from` of its decrypt rejections reported as `to`: a shim that
/// files one cause under another class.
struct Renames {
    spec: SpecIut,
    from: &'static str,
    to: &'static str,
}

impl Iut for Renames {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        match self.spec.call(request) {
            Err(Failure::Rejected { class, detail })
                if class == self.from && matches!(request, Request::Decrypt { .. }) =>
            {
                Err(Failure::Rejected {
                    class: self.to.into(),
                    detail,
                })
            }
            other => other,
        }
    }
}

/// The reference implementation as a runner of protocol 1.0 sees it: asked for minor 0 in
/// `hello`, it answers with 1.0's classes (no `untrusted_identity`).
fn spec_in_1_0() -> (SpecIut, e2ee_iut::Hello) {
    let mut spec = SpecIut::new(0);
    let Ok(Reply::Hello(hello)) = spec.call(&Request::Hello {
        protocol: 1,
        minor: 0,
    }) else {
        panic!("no hello");
    };
    (spec, hello)
}

fn kat_results(imp: Implementation) -> Vec<e2ee_harness::report::TestResult> {
    let opts = options(vec![RunMode::Kat]);
    let mut imp = imp;
    suite::plan(&imp.hello, &opts, &corpus(&opts))
        .iter()
        .map(|p| suite::run_one(&mut imp, p, &opts, &Expectations::default()))
        .collect()
}

fn with_note(results: &[e2ee_harness::report::TestResult], text: &str) -> BTreeSet<String> {
    results
        .iter()
        .filter(|r| r.notes.iter().any(|n| n.contains(text)))
        .map(|r| r.id.clone())
        .collect()
}

/// A 1.0 shim reports an untrusted identity as `invalid_key`, as 1.0 said: it passes every
/// test, and exactly the tests that expect `untrusted_identity` carry the weaker-check note.
#[test]
fn a_1_0_shim_passes_with_invalid_key_for_an_untrusted_identity() {
    let (spec, hello) = spec_in_1_0();
    assert_eq!(hello.minor, 0);
    assert!(hello.error_classes.contains(&"invalid_key".to_string()));
    assert!(!hello
        .error_classes
        .contains(&"untrusted_identity".to_string()));
    let results = kat_results(Implementation {
        name: "spec-1.0".into(),
        iut: Box::new(spec),
        hello,
    });
    let failed: Vec<_> = results
        .iter()
        .filter(|r| r.status == Status::Fail)
        .collect();
    assert!(failed.is_empty(), "{:?}", failed.first());
    let expected = tests_expecting("untrusted_identity");
    assert!(!expected.is_empty());
    assert_eq!(
        with_note(
            &results,
            "protocol 1.0's class for untrusted_identity (weaker check)"
        ),
        expected
    );
}

/// A 1.0 shim is still held to 1.0's class: another one for an untrusted identity (or a
/// low-order key) fails, as it did before 1.1.
#[test]
fn a_1_0_shim_with_another_class_for_an_untrusted_identity_fails() {
    let (spec, hello) = spec_in_1_0();
    let failed = failing(&run(
        Implementation {
            name: "spec-1.0-misclassifies".into(),
            iut: Box::new(Renames {
                spec,
                from: "invalid_key",
                to: "auth_failure",
            }),
            hello,
        },
        &options(vec![RunMode::Kat]),
    ));
    let mut expected = tests_expecting("untrusted_identity");
    expected.extend(tests_expecting("invalid_key"));
    assert_eq!(failed, expected);
}

/// A 1.1 shim that declares `untrusted_identity` must report it; one that does not declare it
/// is judged as unable to tell the cause (any rejection, with a note).
#[test]
fn a_1_1_shim_declaring_untrusted_identity_must_report_it() {
    let renames = || Renames {
        spec: SpecIut::new(0),
        from: "untrusted_identity",
        to: "invalid_key",
    };
    let expected = tests_expecting("untrusted_identity");
    let failed = failing(&run(
        Implementation {
            name: "claims-untrusted-identity".into(),
            iut: Box::new(renames()),
            hello: SpecIut::hello(),
        },
        &options(vec![RunMode::Kat]),
    ));
    assert_eq!(failed, expected);
    let mut hello = SpecIut::hello();
    hello.error_classes.retain(|c| c != "untrusted_identity");
    let results = kat_results(Implementation {
        name: "cannot-tell-untrusted-identity".into(),
        iut: Box::new(renames()),
        hello,
    });
    assert!(results.iter().all(|r| r.status != Status::Fail));
    assert_eq!(
        with_note(
            &results,
            "expected untrusted_identity, which the IUT cannot report"
        ),
        expected
    );
}
