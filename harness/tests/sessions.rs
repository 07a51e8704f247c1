//! Several sessions with one peer (issue #13 item 3): a wrapper around the spec that keeps
//! only one session per peer, and one whose failed trials damage the archived sessions they
//! tried, each fail exactly the traces meant to catch them. The expected sets come from the
//! vector files (flags and profiles), not from running the spec.

#[path = "support/suite.rs"]
mod support;
use support::corpus;

use e2ee_harness::expectations::Expectations;
use e2ee_harness::impls::Implementation;
use e2ee_harness::report::Status;
use e2ee_harness::suite::{self, Options, RunMode};
use e2ee_iut::protocol::{Failure, Iut, MessageKind, Reply, Request};
use e2ee_spec::Profile;
use e2ee_vectors::spec_iut::SpecIut;
use std::collections::BTreeSet;

/// The profiles whose parties archive replaced sessions (spec/PROFILES.md §Several sessions
/// with one peer), named here rather than asked of the spec.
const ARCHIVING: [&str; 3] = ["signal-v3", "signal-v4", "olm-v1"];

fn options() -> Options {
    support::options(vec![RunMode::Kat], Profile::ALL.to_vec(), 16)
}

fn failing(iut: Box<dyn Iut>, name: &str) -> BTreeSet<String> {
    let opts = options();
    let mut imp = Implementation {
        name: name.into(),
        iut,
        hello: SpecIut::hello(),
    };
    let plan = suite::plan(&imp.hello, &opts, &corpus(&opts));
    assert!(plan.len() > 100, "the suite is not empty");
    plan.iter()
        .map(|p| suite::run_one(&mut imp, p, &opts, &Expectations::default()))
        .filter(|r| r.status == Status::Fail)
        .map(|r| r.id)
        .collect()
}

/// The kat ids of the tests of the archiving profiles carrying any of `flags`, read from the
/// vector files.
fn flagged(flags: &[&str]) -> BTreeSet<String> {
    let opts = options();
    let corpus = corpus(&opts);
    let mut out = BTreeSet::new();
    for profile in Profile::ALL {
        if !ARCHIVING.contains(&profile.name()) {
            continue;
        }
        for (name, _) in corpus.traces_of(profile) {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/data/").to_string() + name;
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            for group in v["testGroups"].as_array().unwrap() {
                for test in group["tests"].as_array().unwrap() {
                    let has = test["flags"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|f| flags.contains(&f.as_str().unwrap()));
                    if has {
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

/// The spec, but after every request each party forgets the sessions it archived: one
/// session per peer, the newest.
struct OneSessionPerPeer(SpecIut);

impl Iut for OneSessionPerPeer {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        let reply = self.0.call(request);
        for party in self.0.parties_mut() {
            party.archived.clear();
        }
        reply
    }
}

/// The spec, but a normal message that no session decrypts (other than as a duplicate)
/// leaves the archived sessions it was tried with unusable, as an implementation that
/// trial-decrypts in place and keeps a failed trial's changes does; here they are dropped.
struct KeepsFailedTrial(SpecIut);

impl Iut for KeepsFailedTrial {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        let reply = self.0.call(request);
        if let (
            Request::Decrypt {
                party,
                kind: MessageKind::Normal,
                ..
            },
            Err(Failure::Rejected { class, .. }),
        ) = (request, &reply)
        {
            if class != "duplicate_message" {
                if let Some(p) = self.0.party_mut(party) {
                    p.archived.clear();
                }
            }
        }
        reply
    }
}

#[test]
fn one_session_per_peer_fails_exactly_the_traces_that_need_an_archived_session() {
    let expected = flagged(&[
        "SimultaneousInitiation",
        "LateMessageOfOldSession",
        "OneTimePrekeyReuse",
    ]);
    assert!(expected.len() >= 20, "{} tests", expected.len());
    let got = failing(Box::new(OneSessionPerPeer(SpecIut::new(0))), "one-session");
    assert_eq!(got, expected);
}

#[test]
fn keeping_a_failed_trials_changes_fails_exactly_the_failed_trial_traces() {
    let expected = flagged(&["FailedTrialKeepsState"]);
    assert_eq!(expected.len(), 6, "{expected:?}");
    let got = failing(
        Box::new(KeepsFailedTrial(SpecIut::new(0))),
        "keeps-failed-trial",
    );
    assert_eq!(got, expected);
}
