//! The three modes, turned into test results for one implementation.

use crate::corpus::Corpus;
use crate::expectations::Expectations;
use crate::impls::Implementation;
use crate::limits;
use crate::report::{Status, TestResult};
use crate::scripts::{self, Action};
use e2ee_iut::protocol::{Hello, XEDDSA_VERIFY};
use e2ee_spec::group::GroupProfile;
use e2ee_spec::profile::Limits;
use e2ee_spec::{AnyProfile, Profile};
use e2ee_vectors::engine::{self, Mode, Outcome};
use e2ee_vectors::envelope::{Note, VectorFile};
use e2ee_vectors::group_engine;
use e2ee_vectors::group_trace::GroupTraceTest;
use e2ee_vectors::kat::XeddsaTest;
use e2ee_vectors::limits::Declared;
use e2ee_vectors::notes;
use e2ee_vectors::spec_iut::SpecIut;
use e2ee_vectors::trace::{TraceGroup, TraceTest};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RunMode {
    /// Replay the trace vectors.
    Kat,
    /// The spec plays the other party, in both roles, through every scenario.
    Interop,
    /// Random conversations with faults, compared with the spec; failures shrunk.
    Props,
}

impl RunMode {
    pub fn name(self) -> &'static str {
        match self {
            RunMode::Kat => "kat",
            RunMode::Interop => "interop",
            RunMode::Props => "props",
        }
    }
}

pub struct Options {
    pub modes: Vec<RunMode>,
    pub profiles: Vec<AnyProfile>,
    pub vectors: crate::corpus::Source,
    pub cases: u32,
    pub seed: u64,
    pub filter: Option<glob::Pattern>,
    pub shard: Option<(usize, usize)>,
    /// Where property-mode failures are written as replayable trace files.
    pub failures_dir: PathBuf,
}

/// One planned test: an id, what to run, and what its failure would mean.
pub struct Planned {
    pub id: String,
    pub profile: AnyProfile,
    pub mode: RunMode,
    pub job: Job,
    /// The bug types of the test's flags, from its file's notes.
    pub bug_types: Vec<String>,
    /// The implementation's declared deviations (`limits::Deviation::name`) this vector's
    /// verdict depends on: it is judged at the declared limits, and a pass is reported as a
    /// deviation, not a pass (`limits::at_declared`).
    pub deviations: Vec<String>,
}

pub enum Job {
    /// Shared: one test is planned once per mode and party, and a corpus holds thousands.
    Trace {
        profile: String,
        header_encryption: bool,
        test: Arc<TraceTest>,
        mode: Mode,
    },
    Props {
        profile: Profile,
        header_encryption: bool,
        role: &'static str,
    },
    /// One XEdDSA known answer, for an IUT that declares `xeddsa-verify`.
    Xeddsa(Arc<XeddsaTest>),
    /// A group trace of a group profile.
    GroupTrace {
        profile: GroupProfile,
        test: Arc<GroupTraceTest>,
        mode: Mode,
    },
    /// Random group conversations, the IUT playing `role`.
    GroupProps {
        profile: GroupProfile,
        role: &'static str,
    },
    /// A live interop scenario, built when it runs (`scripts::Scenario`), the IUT playing
    /// the party of `mode`.
    Scenario {
        profile: Profile,
        header_encryption: bool,
        scenario: scripts::Scenario,
        /// The limits it is built at: those the implementation keeps.
        limits: e2ee_spec::profile::Limits,
        seed: u64,
        mode: Mode,
    },
    /// One franking known answer: the IUT as sender and recipient, the runner the server.
    Franking(Arc<e2ee_vectors::kat::FrankingTest>),
    /// Franked messages over a live session, the IUT playing `role` against the spec.
    FrankingSession { role: &'static str },
}

/// A published trace vector this implementation gets.
#[derive(Clone)]
struct Traced {
    header_encryption: bool,
    test: Arc<TraceTest>,
    bug_types: Vec<String>,
}

fn supports(hello: &Hello, profile: impl Into<AnyProfile>) -> bool {
    let profile = profile.into();
    hello.profiles.iter().any(|p| p == profile.name())
}

fn has(hello: &Hello, capability: &str) -> bool {
    hello.capabilities.iter().any(|c| c == capability)
}

/// The ratchet variants of a profile the IUT supports: plain, and header-encrypted for
/// `modern` when the IUT has `header-encryption`.
fn variants(hello: &Hello, profile: Profile) -> Vec<bool> {
    if profile == Profile::Modern && has(hello, "header-encryption") {
        vec![false, true]
    } else {
        vec![false]
    }
}

fn group_of(header_encryption: bool) -> TraceGroup {
    TraceGroup {
        group_type: "TraceTest".into(),
        header_encryption,
        tests: Vec::new(),
    }
}

/// Every test this implementation gets from `corpus` in this run: `select` over `plan_all`.
pub fn plan(hello: &Hello, options: &Options, corpus: &Corpus) -> Vec<Planned> {
    select(plan_all(hello, corpus, options.seed), options)
}

/// This run's share of `all`: its profiles and modes (in the order asked for), then the
/// filter, then the shard.
pub fn select(all: Vec<Planned>, options: &Options) -> Vec<Planned> {
    let position = |p: &Planned| {
        let profile = options.profiles.iter().position(|x| *x == p.profile);
        let mode = options.modes.iter().position(|x| *x == p.mode);
        profile.zip(mode)
    };
    let mut out: Vec<(Option<(usize, usize)>, Planned)> = all
        .into_iter()
        .map(|p| (position(&p), p))
        .filter(|(at, p)| at.is_some() && options.filter.as_ref().is_none_or(|f| f.matches(&p.id)))
        .collect();
    // Stable: within one profile and mode, the corpus order.
    out.sort_by_key(|(at, _)| *at);
    out.into_iter()
        .map(|(_, p)| p)
        .enumerate()
        .filter(|(i, _)| options.shard.is_none_or(|(k, n)| i % n == k - 1))
        .map(|(_, p)| p)
        .collect()
}

/// Every test this implementation has, in every profile it supports and every mode, with no
/// filter or shard: what a run selects from, and what an expectations entry must match
/// somewhere not to be stale.
pub fn plan_all(hello: &Hello, corpus: &Corpus, seed: u64) -> Vec<Planned> {
    // An invalid declaration is planned as none, so it can excuse nothing (the runner refuses
    // to start such an implementation: `impls::open`).
    let declared = Declared::of(hello).unwrap_or_default();
    let mut out = Vec::new();
    for profile in Profile::ALL {
        if !supports(hello, profile) {
            continue;
        }
        let kept = declared.limits(profile);
        let mut tests: Vec<Traced> = Vec::new();
        for (_, file) in corpus.traces_of(profile) {
            for group in &file.test_groups {
                for test in &group.tests {
                    tests.push(Traced {
                        header_encryption: group.header_encryption,
                        test: Arc::clone(test),
                        bug_types: bug_types(&file.notes, &test.flags),
                    });
                }
            }
        }
        // A test as this implementation, run in `mode`, must pass it.
        let at = |t: &Traced, mode: &Mode| {
            limits::at_declared(profile, t.header_encryption, &t.test, &declared, mode)
        };
        for mode in [RunMode::Kat, RunMode::Interop, RunMode::Props] {
            match mode {
                RunMode::Kat => {
                    let replay = if engine::full_replay(hello) {
                        Mode::Full
                    } else {
                        Mode::Receiver
                    };
                    for t in &tests {
                        let at = at(t, &replay);
                        out.push(Planned {
                            id: format!("kat/{}/{}", profile.name(), t.test.tc_id),
                            profile: profile.into(),
                            mode: RunMode::Kat,
                            job: Job::Trace {
                                profile: profile.name().into(),
                                header_encryption: t.header_encryption,
                                test: at.test,
                                mode: replay.clone(),
                            },
                            bug_types: t.bug_types.clone(),
                            deviations: at.deviations,
                        });
                    }
                    // The primitives' known answers: planned for every IUT, so that one
                    // without the capability sees them skipped with the reason.
                    for (name, file) in corpus.xeddsa_of(profile) {
                        let stem = Path::new(name)
                            .file_stem()
                            .and_then(|s| s.to_str())
                            .unwrap_or("kat_xeddsa");
                        for test in file.test_groups.iter().flat_map(|g| &g.tests) {
                            out.push(Planned {
                                id: format!("kat/{}/{stem}/{}", profile.name(), test.tc_id),
                                profile: profile.into(),
                                mode: RunMode::Kat,
                                job: Job::Xeddsa(Arc::new(test.clone())),
                                bug_types: bug_types(&file.notes, &test.flags),
                                deviations: Vec::new(),
                            });
                        }
                    }
                }
                RunMode::Interop => {
                    for t in &tests {
                        for party in t.test.parties.iter().map(|p| p.name.clone()) {
                            let mode = Mode::Interop {
                                iut_party: party.clone(),
                            };
                            let at = at(t, &mode);
                            out.push(Planned {
                                id: format!(
                                    "interop/{}/{}@{}",
                                    profile.name(),
                                    t.test.tc_id,
                                    party
                                ),
                                profile: profile.into(),
                                mode: RunMode::Interop,
                                job: Job::Trace {
                                    profile: profile.name().into(),
                                    header_encryption: t.header_encryption,
                                    test: at.test,
                                    mode,
                                },
                                bug_types: t.bug_types.clone(),
                                deviations: at.deviations,
                            });
                        }
                    }
                    for he in variants(hello, profile) {
                        // Built at the limits the implementation keeps: a live scenario tests
                        // the declared limit itself. Built here once for its id and parties,
                        // then again when it runs: the plan keeps only the recipe.
                        for scenario in scripts::Scenario::ALL {
                            let Some(test) = scenario.build(profile, he, &kept, seed) else {
                                continue;
                            };
                            let bug_types = bug_types(&notes::notes_for(&test.flags), &test.flags);
                            for party in test.parties.iter().map(|p| p.name.clone()) {
                                out.push(Planned {
                                    id: format!(
                                        "interop/{}/{}@{}",
                                        profile.name(),
                                        test.tc_id,
                                        party
                                    ),
                                    profile: profile.into(),
                                    mode: RunMode::Interop,
                                    job: Job::Scenario {
                                        profile,
                                        header_encryption: he,
                                        scenario,
                                        limits: kept,
                                        seed,
                                        mode: Mode::Interop { iut_party: party },
                                    },
                                    bug_types: bug_types.clone(),
                                    deviations: Vec::new(),
                                });
                            }
                        }
                    }
                }
                RunMode::Props => {
                    for he in variants(hello, profile) {
                        let name = format!("{}{}", profile.name(), if he { "+he" } else { "" });
                        for role in [scripts::ALICE, scripts::BOB] {
                            out.push(Planned {
                                id: format!("props/{name}/{role}"),
                                profile: profile.into(),
                                mode: RunMode::Props,
                                job: Job::Props {
                                    profile,
                                    header_encryption: he,
                                    role,
                                },
                                bug_types: Vec::new(),
                                deviations: Vec::new(),
                            });
                        }
                    }
                }
            }
        }
    }
    out.extend(plan_groups(hello, corpus));
    out.extend(plan_franking(hello, corpus));
    out
}

/// Franking's known answers in which the IUT acts (`franking::involves_the_iut`), and the
/// conversation over a live session in each role, for an IUT that declares the `franking`
/// profile.
fn plan_franking(hello: &Hello, corpus: &Corpus) -> Vec<Planned> {
    if !supports(hello, AnyProfile::Franking) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (_, file) in &corpus.franking {
        for test in file.test_groups.iter().flat_map(|g| &g.tests) {
            if crate::franking::involves_the_iut(test) {
                out.push(Planned {
                    id: format!("kat/{}/{}", AnyProfile::Franking.name(), test.tc_id),
                    profile: AnyProfile::Franking,
                    mode: RunMode::Kat,
                    job: Job::Franking(Arc::new(test.clone())),
                    bug_types: bug_types(&file.notes, &test.flags),
                    deviations: Vec::new(),
                });
            }
        }
    }
    use crate::franking_session::{FLAGS, ROLES, TC_ID};
    let flags: Vec<String> = FLAGS.iter().map(|f| f.to_string()).collect();
    for role in ROLES {
        out.push(Planned {
            id: format!("interop/{}/{TC_ID}@{role}", AnyProfile::Franking.name()),
            profile: AnyProfile::Franking,
            mode: RunMode::Interop,
            job: Job::FrankingSession { role },
            bug_types: bug_types(&notes::notes_for(&flags), &flags),
            deviations: Vec::new(),
        });
    }
    out
}

/// The group traces, for the group profiles the IUT supports: in KAT mode as every member
/// (an IUT that takes the draws) or as the receiving members, and in interop as each member
/// with the spec playing the others.
fn plan_groups(hello: &Hello, corpus: &Corpus) -> Vec<Planned> {
    let mut out = Vec::new();
    for profile in GroupProfile::ALL {
        if !supports(hello, profile) {
            continue;
        }
        let kat = if group_engine::takes_draws(hello) {
            Mode::Full
        } else {
            Mode::Receiver
        };
        let tests: Vec<(Arc<GroupTraceTest>, Vec<String>)> = corpus
            .groups_of(profile)
            .iter()
            .flat_map(|(_, file)| {
                file.test_groups
                    .iter()
                    .flat_map(|g| &g.tests)
                    .map(|t| (Arc::new(t.clone()), bug_types(&file.notes, &t.flags)))
            })
            .collect();
        for (test, bug_types) in &tests {
            out.push(Planned {
                id: format!("kat/{}/{}", profile.name(), test.tc_id),
                profile: profile.into(),
                mode: RunMode::Kat,
                job: Job::GroupTrace {
                    profile,
                    test: test.clone(),
                    mode: kat.clone(),
                },
                bug_types: bug_types.clone(),
                deviations: Vec::new(),
            });
        }
        for (test, bug_types) in &tests {
            for member in &test.members {
                out.push(Planned {
                    id: format!("interop/{}/{}@{}", profile.name(), test.tc_id, member),
                    profile: profile.into(),
                    mode: RunMode::Interop,
                    job: Job::GroupTrace {
                        profile,
                        test: test.clone(),
                        mode: Mode::Interop {
                            iut_party: member.clone(),
                        },
                    },
                    bug_types: bug_types.clone(),
                    deviations: Vec::new(),
                });
            }
        }
        // The members are symmetric (each creates, shares, sends and receives at random):
        // one of them is enough.
        let role = crate::group_scripts::MEMBERS[0];
        out.push(Planned {
            id: format!("props/{}/{role}", profile.name()),
            profile: profile.into(),
            mode: RunMode::Props,
            job: Job::GroupProps { profile, role },
            bug_types: Vec::new(),
            deviations: Vec::new(),
        });
    }
    out
}

/// The bug types named by a test's flags in its file's notes.
fn bug_types(notes: &BTreeMap<String, Note>, flags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for note in flags.iter().filter_map(|f| notes.get(f)) {
        let name = serde_json::to_value(note.bug_type)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Run one planned test; `known` supplies the error map that applies to it.
pub fn run_one(
    imp: &mut Implementation,
    planned: &Planned,
    options: &Options,
    known: &Expectations,
) -> TestResult {
    let start = Instant::now();
    let error_map = known.error_map(&imp.name, &planned.id);
    let mut result = TestResult::new(
        &imp.name,
        planned.mode.name(),
        &planned.id,
        planned.bug_types.clone(),
    );
    match &planned.job {
        Job::Trace {
            profile,
            header_encryption,
            test,
            mode,
        } => {
            let outcome = run_trace(
                imp,
                profile,
                &group_of(*header_encryption),
                TraceTest::clone(test),
                mode,
                &error_map,
            );
            record_outcome(&mut result, outcome, test.steps.len());
            if !planned.deviations.is_empty() {
                at_declared_limits(&mut result, &planned.deviations);
            }
        }
        Job::Scenario {
            profile,
            header_encryption,
            scenario,
            limits,
            seed,
            mode,
        } => match scenario.build(*profile, *header_encryption, limits, *seed) {
            Some(test) => {
                let steps = test.steps.len();
                let outcome = run_trace(
                    imp,
                    profile.name(),
                    &group_of(*header_encryption),
                    test,
                    mode,
                    &error_map,
                );
                record_outcome(&mut result, outcome, steps);
            }
            None => {
                result.status = Status::Fail;
                result.detail = format!("scenario {scenario:?} was planned but builds nothing");
            }
        },
        Job::Props {
            profile,
            header_encryption,
            role,
        } => {
            let (status, detail) = run_props(imp, *profile, *header_encryption, role, options);
            result.status = status;
            result.detail = detail;
        }
        Job::GroupTrace {
            profile,
            test,
            mode,
        } => {
            let outcome = run_group_trace(imp, *profile, test, mode, &error_map);
            record_outcome(&mut result, outcome, test.steps.len());
        }
        Job::GroupProps { profile, role } => {
            let (status, detail) = crate::group_props::run(imp, *profile, role, options);
            result.status = status;
            result.detail = detail;
        }
        Job::Franking(test) => {
            let (status, detail, notes) = crate::franking::run(imp.iut.as_mut(), &imp.hello, test);
            result.status = status;
            result.detail = detail;
            result.notes = notes;
        }
        Job::FrankingSession { role } => {
            let (status, detail, notes) =
                crate::franking_session::run(imp.iut.as_mut(), &imp.hello, role, options.seed);
            result.status = status;
            result.detail = detail;
            result.notes = notes;
        }
        Job::Xeddsa(test) => {
            if has(&imp.hello, XEDDSA_VERIFY) {
                let (status, detail, notes) = crate::primitives::run_xeddsa(imp.iut.as_mut(), test);
                result.status = status;
                result.detail = detail;
                result.notes = notes;
            } else {
                result.detail = format!("the IUT does not declare {XEDDSA_VERIFY}");
            }
        }
    }
    result.duration = start.elapsed();
    result
}

/// A group trace; in interop the spec plays the other members.
fn run_group_trace(
    imp: &mut Implementation,
    profile: GroupProfile,
    test: &GroupTraceTest,
    mode: &Mode,
    error_map: &engine::ErrorMap,
) -> Outcome {
    let mut spec = SpecIut::new(0);
    let peer: Option<&mut dyn e2ee_iut::Iut> = match mode {
        Mode::Interop { .. } => Some(&mut spec),
        _ => None,
    };
    group_engine::run(
        imp.iut.as_mut(),
        peer,
        &imp.hello,
        profile.name(),
        test,
        mode,
        error_map,
    )
}

/// A vector whose verdict depends on the implementation's declared limits, run at them: a
/// pass there is a deviation (neither a pass nor a failure); a failure there is a failure.
fn at_declared_limits(result: &mut TestResult, deviations: &[String]) {
    let which = deviations.join("; ");
    match result.status {
        Status::Pass => {
            result.status = Status::Deviation;
            result.detail = format!("passes at the declared limits; at the profile's its verdict differs (deviation: {which})");
        }
        Status::Fail => {
            result.detail = format!("at the declared limits ({which}): {}", result.detail);
        }
        // Not run: it counts under no deviation.
        _ => return,
    }
    result.deviations = deviations.to_vec();
}

/// What an engine outcome says of a test of `steps` steps: status, detail, notes, mapped
/// steps, and the steps a failure left unchecked.
fn record_outcome(result: &mut TestResult, outcome: Outcome, steps: usize) {
    result.status = status_of(&outcome);
    if let (Status::Fail, Some(step)) = (result.status, outcome.step) {
        result.unchecked_steps = steps.saturating_sub(step + 1);
    }
    result.detail = outcome.detail;
    result.notes = outcome.notes;
    result.mapped_steps = outcome.mapped;
}

fn status_of(outcome: &Outcome) -> Status {
    match outcome.status {
        engine::Status::Pass => Status::Pass,
        engine::Status::Fail => Status::Fail,
        engine::Status::Skip => Status::Skip,
        engine::Status::SuiteError => Status::SuiteError,
    }
}

/// A trace: for interop, the spec first records the expectations of a script that has
/// none (the code-built ones), then plays the peer.
fn run_trace(
    imp: &mut Implementation,
    profile: &str,
    group: &TraceGroup,
    mut test: TraceTest,
    mode: &Mode,
    error_map: &engine::ErrorMap,
) -> Outcome {
    if test.steps.iter().all(expect_is_empty) {
        // The implementation's parties keep the limits it declared, the peer the profile's.
        let declared = Declared::of(&imp.hello).unwrap_or_default();
        let party = match mode {
            Mode::Interop { iut_party } => Some(iut_party.as_str()),
            _ => None,
        };
        let recorded = limits::record_in_place(
            profile,
            group.header_encryption,
            &mut test,
            &declared,
            party,
            0,
        );
        if let Err(e) = recorded {
            return Outcome {
                status: engine::Status::Fail,
                step: None,
                detail: format!("the spec could not record this script: {e}"),
                notes: Vec::new(),
                mapped: 0,
            };
        }
    }
    let mut spec = SpecIut::new(0);
    let peer: Option<&mut dyn e2ee_iut::Iut> = match mode {
        Mode::Interop { .. } => Some(&mut spec),
        _ => None,
    };
    engine::run(
        imp.iut.as_mut(),
        peer,
        &imp.hello,
        profile,
        group,
        &test,
        mode,
        error_map,
    )
}

fn expect_is_empty(step: &e2ee_vectors::trace::Step) -> bool {
    use e2ee_vectors::trace::Step::*;
    match step {
        Publish { expect, .. }
        | Initiate { expect, .. }
        | Send { expect, .. }
        | Deliver { expect, .. } => *expect == Default::default(),
        _ => true,
    }
}

/// The longest burst of property mode: past the skipped-key store and the skip limit by a
/// few messages (evictions, `too_far_ahead`), capped at 48 (past `olm-v1`'s store of 40).
fn burst_max(limits: &Limits) -> u8 {
    let reach = limits.skipped_keys.size().min(limits.max_skip as usize) + 8;
    reach.min(48) as u8
}

fn action(limits: &Limits) -> impl Strategy<Value = Action> {
    let burst = burst_max(limits);
    prop_oneof![
        4 => (0u8..2).prop_map(Action::Send),
        4 => any::<usize>().prop_map(Action::Deliver),
        1 => any::<usize>().prop_map(Action::Duplicate),
        1 => (any::<usize>(), any::<usize>(), any::<bool>(), 1u8..=255)
            .prop_map(|(n, f, last, x)| Action::Tamper(n, f, last, x)),
        1 => (0u8..2, 1u8..=burst).prop_map(|(who, n)| Action::Burst(who, n)),
        1 => (1u8..=6).prop_map(Action::RoundTrips),
        1 => any::<u64>().prop_map(Action::BadBundle),
    ]
}

/// Property mode: random conversations with faults, the IUT playing `role` against the
/// spec, judged against the spec playing both parties. A failure is shrunk and written out
/// as a trace file that `--replay` runs again.
fn run_props(
    imp: &mut Implementation,
    profile: Profile,
    header_encryption: bool,
    role: &str,
    options: &Options,
) -> (Status, String) {
    let group = group_of(header_encryption);
    let name = imp.name.clone();
    // The implementation's party keeps the limits it declared, the spec's the profile's.
    let declared = Declared::of(&imp.hello).unwrap_or_default();
    crate::props::drive(
        imp,
        options.cases,
        seed_bytes(options.seed, profile, header_encryption, role),
        action(&declared.limits(profile)),
        |iut, hello, seed, actions| {
            let mut test = scripts::conversation(profile, header_encryption, seed, actions);
            limits::record_in_place(
                profile.name(),
                header_encryption,
                &mut test,
                &declared,
                Some(role),
                seed,
            )?;
            let mut peer = SpecIut::new(seed ^ 1);
            Ok(engine::run(
                iut,
                Some(&mut peer),
                hello,
                profile.name(),
                &group,
                &test,
                &Mode::Interop {
                    iut_party: role.to_string(),
                },
                &[],
            ))
        },
        |why, seed, actions| {
            let mut test = scripts::conversation(profile, header_encryption, seed, actions);
            let _ = limits::record_in_place(
                profile.name(),
                header_encryption,
                &mut test,
                &declared,
                Some(role),
                seed,
            );
            test.tc_id = crate::props::script_id(&name, profile.name(), role, seed);
            test.comment = format!("shrunk property-mode failure: {why}");
            write_failure(options, profile, header_encryption, &name, test)
        },
        options.seed,
    )
}

fn seed_bytes(seed: u64, profile: Profile, header_encryption: bool, role: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::new()
        .chain_update(seed.to_be_bytes())
        .chain_update(profile.name())
        .chain_update([u8::from(header_encryption)])
        .chain_update(role)
        .finalize()
        .into()
}

fn write_failure(
    options: &Options,
    profile: Profile,
    header_encryption: bool,
    imp: &str,
    test: TraceTest,
) -> String {
    let file = e2ee_vectors::envelope::VectorFile {
        algorithm: "DoubleRatchet".into(),
        profile: profile.name().into(),
        schema: "trace.schema.json".into(),
        number_of_tests: 1,
        header: vec![format!(
            "Minimal failing conversation found by property mode against {imp}."
        )],
        notes: Default::default(),
        test_groups: vec![TraceGroup {
            tests: vec![Arc::new(test.clone())],
            ..group_of(header_encryption)
        }],
    };
    crate::props::write_script(&options.failures_dir, &test.tc_id, &file)
}

/// `--replay FILE`: every test of a trace file, in the modes the implementation supports.
pub fn replay(
    imp: &mut Implementation,
    path: &Path,
    known: &Expectations,
) -> Result<Vec<TestResult>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if text.contains("\"group_trace.schema.json\"") {
        return replay_groups(imp, path, &text, known);
    }
    let file: VectorFile<TraceGroup> = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a trace file: {e}", path.display()))?;
    let mut results = Vec::new();
    for group in &file.test_groups {
        for test in &group.tests {
            let modes: Vec<Mode> = if engine::full_replay(&imp.hello) {
                vec![Mode::Full]
            } else {
                test.parties
                    .iter()
                    .map(|p| Mode::Interop {
                        iut_party: p.name.clone(),
                    })
                    .collect()
            };
            for mode in modes {
                let start = Instant::now();
                let suffix = match &mode {
                    Mode::Interop { iut_party } => format!("@{iut_party}"),
                    _ => String::new(),
                };
                let id = format!("replay/{}/{}{suffix}", file.profile, test.tc_id);
                let error_map = known.error_map(&imp.name, &id);
                let outcome = run_trace(
                    imp,
                    &file.profile,
                    group,
                    TraceTest::clone(test),
                    &mode,
                    &error_map,
                );
                let mut result = TestResult::new(
                    &imp.name,
                    "replay",
                    &id,
                    bug_types(&file.notes, &test.flags),
                );
                record_outcome(&mut result, outcome, test.steps.len());
                result.duration = start.elapsed();
                results.push(result);
            }
        }
    }
    Ok(results)
}

/// `--replay FILE` for a group trace file: every test, as every member (an IUT that takes
/// the draws) or as each member in turn against the spec.
fn replay_groups(
    imp: &mut Implementation,
    path: &Path,
    text: &str,
    known: &Expectations,
) -> Result<Vec<TestResult>, String> {
    let file: VectorFile<e2ee_vectors::group_trace::GroupTraceGroup> =
        serde_json::from_str(text)
            .map_err(|e| format!("{}: not a group trace file: {e}", path.display()))?;
    let profile = GroupProfile::from_name(&file.profile).ok_or_else(|| {
        format!(
            "{}: {} is not a group profile",
            path.display(),
            file.profile
        )
    })?;
    let mut results = Vec::new();
    for test in file.test_groups.iter().flat_map(|g| &g.tests) {
        let modes: Vec<Mode> = if group_engine::takes_draws(&imp.hello) {
            vec![Mode::Full]
        } else {
            test.members
                .iter()
                .map(|m| Mode::Interop {
                    iut_party: m.clone(),
                })
                .collect()
        };
        for mode in modes {
            let suffix = match &mode {
                Mode::Interop { iut_party } => format!("@{iut_party}"),
                _ => String::new(),
            };
            let id = format!("replay/{}/{}{suffix}", file.profile, test.tc_id);
            let start = Instant::now();
            let outcome =
                run_group_trace(imp, profile, test, &mode, &known.error_map(&imp.name, &id));
            let mut result = TestResult::new(
                &imp.name,
                "replay",
                &id,
                bug_types(&file.notes, &test.flags),
            );
            record_outcome(&mut result, outcome, test.steps.len());
            result.duration = start.elapsed();
            results.push(result);
        }
    }
    Ok(results)
}
