//! Property mode for the group profiles: random group conversations (`group_scripts`), the
//! IUT playing one member against the spec playing the others, judged against the spec
//! playing all three. A failure is shrunk and written out as a group trace file that
//! `--replay` runs again.

use crate::group_scripts::{self, GroupAction};
use crate::impls::Implementation;
use crate::report::Status;
use crate::suite::Options;
use e2ee_spec::group::GroupProfile;
use e2ee_vectors::engine::Mode;
use e2ee_vectors::group_engine;
use e2ee_vectors::group_trace::{GroupTraceGroup, GroupTraceTest};
use e2ee_vectors::spec_iut::SpecIut;
use proptest::prelude::*;

fn action() -> impl Strategy<Value = GroupAction> {
    prop_oneof![
        1 => (any::<u8>(), 0u8..6).prop_map(|(m, l)| GroupAction::Create(m, l)),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(m, to)| GroupAction::Share(m, to)),
        3 => (any::<u8>(), 1u8..=4).prop_map(|(m, n)| GroupAction::Send(m, n)),
        1 => (any::<u8>(), 5u8..=25).prop_map(|(m, n)| GroupAction::Send(m, n)),
        6 => any::<usize>().prop_map(GroupAction::Deliver),
        1 => any::<usize>().prop_map(GroupAction::Duplicate),
        1 => (any::<usize>(), 1u8..=64, 1u8..=255)
            .prop_map(|(n, at, x)| GroupAction::Tamper(n, at, x)),
    ]
}

/// Record `actions` with the spec: the expectations every member's steps must meet.
fn script(
    profile: GroupProfile,
    seed: u64,
    actions: &[GroupAction],
) -> Result<GroupTraceTest, String> {
    let mut test = group_scripts::conversation(profile, seed, actions);
    group_engine::record(&mut SpecIut::new(seed), profile.name(), &mut test)?;
    Ok(test)
}

pub fn run(
    imp: &mut Implementation,
    profile: GroupProfile,
    role: &str,
    options: &Options,
) -> (Status, String) {
    let name = imp.name.clone();
    crate::props::drive(
        imp,
        options.cases,
        seed_bytes(options.seed, profile, role),
        action(),
        |iut, hello, seed, actions| {
            let test = script(profile, seed, actions)?;
            let mut peer = SpecIut::new(seed ^ 1);
            Ok(group_engine::run(
                iut,
                Some(&mut peer),
                hello,
                profile.name(),
                &test,
                &Mode::Interop {
                    iut_party: role.to_string(),
                },
                &[],
            ))
        },
        |why, seed, actions| {
            let mut test = group_scripts::conversation(profile, seed, actions);
            let _ = group_engine::record(&mut SpecIut::new(seed), profile.name(), &mut test);
            test.tc_id = crate::props::script_id(&name, profile.name(), role, seed);
            test.comment = format!("shrunk property-mode failure: {why}");
            write_failure(options, profile, &name, test)
        },
        options.seed,
    )
}

fn seed_bytes(seed: u64, profile: GroupProfile, role: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::new()
        .chain_update(seed.to_be_bytes())
        .chain_update(profile.name())
        .chain_update(role)
        .finalize()
        .into()
}

fn write_failure(
    options: &Options,
    profile: GroupProfile,
    imp: &str,
    test: GroupTraceTest,
) -> String {
    let file = e2ee_vectors::envelope::VectorFile {
        algorithm: "GroupMessaging-Trace".into(),
        profile: profile.name().into(),
        schema: "group_trace.schema.json".into(),
        number_of_tests: 1,
        header: vec![format!(
            "Minimal failing group conversation found by property mode against {imp}."
        )],
        notes: Default::default(),
        test_groups: vec![GroupTraceGroup {
            group_type: "GroupTraceTest".into(),
            tests: vec![test.clone()],
        }],
    };
    crate::props::write_script(&options.failures_dir, &test.tc_id, &file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use e2ee_vectors::group_trace::GroupStep;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::BTreeMap;

    /// The random scripts reach every outcome a member can give, for each profile, and
    /// tampered copies reach the member the IUT plays: otherwise property mode tests little.
    #[test]
    fn random_scripts_reach_every_outcome() {
        for profile in GroupProfile::ALL {
            let mut runner = TestRunner::deterministic();
            let strategy = (any::<u64>(), proptest::collection::vec(action(), 1..40));
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            for _ in 0..200 {
                let (seed, actions) = strategy.new_tree(&mut runner).expect("tree").current();
                let test = script(profile, seed, &actions).expect("the spec records it");
                let mut tampered = Vec::new();
                for step in &test.steps {
                    match step {
                        GroupStep::Tamper { as_label, .. } => tampered.push(as_label.clone()),
                        GroupStep::Deliver {
                            actor,
                            label,
                            expect,
                            ..
                        } => {
                            let what = expect.error.clone().unwrap_or("plaintext".into());
                            *seen.entry(what).or_default() += 1;
                            if tampered.contains(label) && actor == group_scripts::MEMBERS[0] {
                                *seen.entry("tampered to alice".into()).or_default() += 1;
                            }
                        }
                        _ => {}
                    }
                }
            }
            println!("{}: {seen:?}", profile.name());
            for outcome in [
                "plaintext",
                "duplicate_message",
                "bad_signature",
                "state_error",
                "tampered to alice",
            ] {
                assert!(
                    seen.get(outcome).is_some_and(|n| *n >= 5),
                    "{}: {outcome} reached {:?} times in 200 scripts",
                    profile.name(),
                    seen.get(outcome)
                );
            }
        }
    }
}
