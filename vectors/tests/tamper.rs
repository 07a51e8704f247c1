//! Tamper steps aim at named fields, and the engine blames an implementation for an
//! acceptance only when the spec rejects the same bytes: a test whose tamper the spec
//! itself accepts is a suite error, in every mode.

mod common;

use common::*;
use e2ee_iut::protocol::{Failure, Iut, MessageKind, Reply, Request};
use e2ee_spec::Profile;
use e2ee_vectors::engine::{run, Mode, Outcome, Status};
use e2ee_vectors::layout::{self, LayoutError};
use e2ee_vectors::spec_iut::SpecIut;
use e2ee_vectors::trace::{Step, TraceGroup, TraceTest};

fn tamper_file(profile: &str) -> e2ee_vectors::envelope::VectorFile<TraceGroup> {
    e2ee_vectors::load_trace_file(&data_dir().join(profile).join("trace_tamper.json"))
        .expect("trace file")
}

/// Test `tc_id` of the signal-v3 tamper file, with `edit` applied to its tamper step.
fn edited(tc_id: &str, edit: impl Fn(&mut Step, &[u8])) -> (TraceGroup, TraceTest) {
    let file = tamper_file("signal-v3");
    let group = file.test_groups[0].clone();
    assert!(!group.header_encryption);
    let mut test = group
        .tests
        .iter()
        .find(|t| t.tc_id == tc_id)
        .map(|t| TraceTest::clone(t))
        .unwrap_or_else(|| panic!("{tc_id}"));
    let sent = |label: &str| {
        test.steps.iter().find_map(|s| match s {
            Step::Send {
                label: l, expect, ..
            } if l == label => expect.message.as_ref().map(|m| hex::decode(m).unwrap()),
            _ => None,
        })
    };
    let i = test
        .steps
        .iter()
        .position(|s| matches!(s, Step::Tamper { .. }))
        .expect("a tamper step");
    let Step::Tamper { label, .. } = &test.steps[i] else {
        unreachable!()
    };
    let message = sent(label).expect("the tampered message was sent");
    edit(&mut test.steps[i], &message);
    (group, test)
}

fn run_as(iut: &mut dyn Iut, group: &TraceGroup, test: &TraceTest, mode: Mode) -> Outcome {
    let mut peer = SpecIut::new(3);
    let peer: Option<&mut dyn Iut> = match mode {
        Mode::Interop { .. } => Some(&mut peer),
        _ => None,
    };
    run(
        iut,
        peer,
        &SpecIut::hello(),
        "signal-v3",
        group,
        test,
        &mode,
        &[],
    )
}

/// The vector's first prekey message with its registration id changed: libsignal does not
/// authenticate that field, and neither does the spec, so the expected `auth_failure` (kept
/// from the base key test) cannot hold.
fn registration_id_tamper() -> (TraceGroup, TraceTest) {
    edited("dr.tamper.prekey.base_key", |step, message| {
        let Step::Tamper {
            field,
            field_offset,
            offset,
            ..
        } = step
        else {
            unreachable!()
        };
        *field = "registration_id".into();
        *field_offset = -1;
        let r = layout::locate(
            Profile::SignalV3,
            false,
            MessageKind::Prekey,
            message,
            field,
        )
        .expect("a registration id");
        *offset = layout::byte_of(&r, -1).unwrap();
    })
}

#[test]
fn a_tamper_the_spec_accepts_is_a_suite_error_not_a_failure() {
    let (group, test) = registration_id_tamper();
    // The spec as the implementation: it accepts, and so does the spec it is checked against.
    for mode in [
        Mode::Full,
        // The IUT receives the tampered message from the spec playing Alice.
        Mode::Interop {
            iut_party: "bob".into(),
        },
        // The spec playing Bob receives the tampered copy of the IUT's message.
        Mode::Interop {
            iut_party: "alice".into(),
        },
    ] {
        let o = run_as(&mut SpecIut::new(0), &group, &test, mode.clone());
        assert_eq!(o.status, Status::SuiteError, "{mode:?}: {}", o.detail);
        assert!(o.detail.contains("suite error"), "{}", o.detail);
    }
    // The unchanged test passes, so it is the tamper the verdict is about.
    let file = tamper_file("signal-v3");
    let original = file.test_groups[0]
        .tests
        .iter()
        .find(|t| t.tc_id == "dr.tamper.prekey.base_key")
        .unwrap();
    let o = run_as(&mut SpecIut::new(0), &group, original, Mode::Full);
    assert_eq!(o.status, Status::Pass, "{}", o.detail);
}

/// Accepts every message the spec rejects: the bug tamper tests exist to catch.
struct AcceptsAnything(SpecIut);

impl Iut for AcceptsAnything {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        match self.0.call(request) {
            Err(Failure::Rejected { .. }) if matches!(request, Request::Decrypt { .. }) => {
                Ok(Reply::Decrypted {
                    plaintext: String::new(),
                })
            }
            other => other,
        }
    }
}

#[test]
fn an_acceptance_the_spec_rejects_is_still_the_implementations_failure() {
    let (group, test) = edited("dr.tamper.normal.mac", |_, _| {});
    for mode in [
        Mode::Full,
        Mode::Interop {
            iut_party: "bob".into(),
        },
    ] {
        let o = run_as(
            &mut AcceptsAnything(SpecIut::new(0)),
            &group,
            &test,
            mode.clone(),
        );
        assert_eq!(o.status, Status::Fail, "{mode:?}: {}", o.detail);
        assert!(
            o.detail
                .contains("the spec rejects these bytes with auth_failure"),
            "{mode:?}: {}",
            o.detail
        );
    }
}

#[test]
fn a_vector_whose_offset_is_not_its_field_is_a_suite_error() {
    let (group, test) = edited("dr.tamper.normal.mac", |step, _| {
        if let Step::Tamper { offset, .. } = step {
            *offset -= 1;
        }
    });
    let o = run_as(&mut SpecIut::new(0), &group, &test, Mode::Full);
    assert_eq!(o.status, Status::SuiteError, "{}", o.detail);
    assert!(o.detail.contains("tamper offset"), "{}", o.detail);
    let (group, test) = edited("dr.tamper.normal.mac", |step, _| {
        if let Step::Tamper { field, .. } = step {
            *field = "checksum".into();
        }
    });
    let o = run_as(&mut SpecIut::new(0), &group, &test, Mode::Full);
    assert_eq!(o.status, Status::SuiteError, "{}", o.detail);
}

/// `layout::fields` (what generated scripts aim at) is what the spec's messages have: every
/// listed field is found in every message the vectors record, and no other field is.
#[test]
fn the_field_list_matches_the_spec_messages() {
    let mut checked = 0;
    for profile in Profile::ALL {
        for rel in files_under(&data_dir().join(profile.name())) {
            if !rel.to_string_lossy().starts_with("trace_") {
                continue;
            }
            let file = e2ee_vectors::load_trace_file(&data_dir().join(profile.name()).join(&rel))
                .expect("trace file");
            for group in &file.test_groups {
                let he = group.header_encryption;
                for test in &group.tests {
                    for step in &test.steps {
                        let Step::Send { expect, .. } = step else {
                            continue;
                        };
                        let (Some(kind), Some(m)) = (expect.kind, &expect.message) else {
                            continue;
                        };
                        let m = hex::decode(m).unwrap();
                        let listed = layout::fields(profile, he, kind);
                        for name in layout::field_names() {
                            let at = layout::locate(profile, he, kind, &m, &name);
                            let optional = name == "one_time_prekey";
                            match at {
                                Ok(r) => {
                                    assert!(
                                        listed.contains(&name),
                                        "{} {name} not listed",
                                        test.tc_id
                                    );
                                    assert!(r.end <= m.len(), "{} {name}", test.tc_id);
                                }
                                Err(LayoutError::Absent(_))
                                    if optional || !listed.contains(&name) => {}
                                Err(LayoutError::Unknown(_)) if !listed.contains(&name) => {}
                                Err(e) => panic!("{} {} {name}: {e}", profile.name(), test.tc_id),
                            }
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "{checked} messages");
}
