//! Executes group trace tests (`group_trace.rs`) against any implementation, in the three
//! modes of `engine` and with its judge (error classes, error maps, `acceptable`).
//!
//! **Full**: the IUT plays every member; it must take the draws of `group_create`
//! (`deterministic`, or [`GROUP_DRAWS`]). Distributions are compared byte for byte; so are
//! messages, except that an IUT that draws its own XEdDSA nonce (`group-draws` without
//! `deterministic`, `signal-sk-v3`) has every byte but the signature compared and the
//! signature verified under the sender's signing key. Megolm's Ed25519 draws nothing.
//! **Receiver**: the IUT plays the members that only join and decrypt; the others' outputs
//! are the vector's. **Interop**: the IUT plays one member, the spec the others, live.

use crate::engine::{self, Compared, ErrorMap, Leniency, Mode, Outcome, Status, Tolerance};
use crate::envelope::Verdict;
use crate::group_trace::{GroupStep, GroupTraceTest};
use crate::trace::Expect;
use e2ee_iut::hexbytes::{arr, bytes};
use e2ee_iut::protocol::{Failure, Hello, Iut, Reply, Request, GROUP_DRAWS};
use e2ee_spec::crypto::{x25519, xeddsa};
use e2ee_spec::group::GroupProfile;
use e2ee_spec::profiles::megolm_v1;

/// Whether the IUT takes the injected draws of a new group session.
pub fn takes_draws(hello: &Hello) -> bool {
    hello
        .capabilities
        .iter()
        .any(|c| c == "deterministic" || c == GROUP_DRAWS)
}

/// Why `test` cannot run against this IUT in `mode`, if it cannot.
pub fn runnable(hello: &Hello, test: &GroupTraceTest, mode: &Mode) -> Result<(), String> {
    let has = |c: &str| hello.capabilities.iter().any(|x| x == c);
    if test
        .steps
        .iter()
        .any(|s| matches!(s, GroupStep::Snapshot { .. }))
        && !has("snapshot")
    {
        return Err("IUT lacks snapshot".into());
    }
    let injects = test
        .steps
        .iter()
        .any(|s| matches!(s, GroupStep::Inject { .. }));
    match mode {
        Mode::Full if !takes_draws(hello) => Err(format!(
            "full replay needs an IUT that takes the group draws (deterministic or {GROUP_DRAWS})"
        )),
        Mode::Receiver if receivers(test).is_empty() => {
            Err("no member of this test only joins and decrypts".into())
        }
        // Injected bytes are built from the vector's draws: against a sender that drew its
        // own they would test nothing.
        Mode::Interop { iut_party }
            if injects && !takes_draws(hello) && draws_in(test, iut_party) =>
        {
            Err(
                "injected messages are built from the vector's draws, which this IUT does not take"
                    .into(),
            )
        }
        _ => Ok(()),
    }
}

/// The members that never create, share or send: what a receiver-side replay runs.
pub fn receivers(test: &GroupTraceTest) -> Vec<String> {
    test.members
        .iter()
        .filter(|m| !draws_in(test, m))
        .cloned()
        .collect()
}

fn draws_in(test: &GroupTraceTest, member: &str) -> bool {
    test.steps
        .iter()
        .any(|s| s.draws() && s.actor() == Some(member))
}

/// Who carries out a member's steps.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Executor {
    Iut,
    /// The spec, playing the member live (interop).
    Peer,
    /// Nobody: its outputs are the vector's (receiver-side replay).
    Vector,
}

/// A remembered output or injection.
struct Labelled {
    bytes: String,
    /// The Megolm session id the transport carries beside a message.
    session_id: Option<String>,
    /// Whether the IUT produced it (then a refusal by the spec is the IUT's fault).
    from_iut: bool,
    injected: bool,
}

/// Replay `test` against `iut` (and `peer`, the spec, in interop) and judge every step.
#[allow(clippy::too_many_arguments)]
pub fn run(
    iut: &mut dyn Iut,
    mut peer: Option<&mut dyn Iut>,
    hello: &Hello,
    profile: &str,
    test: &GroupTraceTest,
    mode: &Mode,
    error_map: &ErrorMap,
) -> Outcome {
    if let Err(why) = runnable(hello, test, mode) {
        return Outcome::skip(why);
    }
    let Some(group_profile) = GroupProfile::from_name(profile) else {
        return Outcome::skip(format!("{profile} is not a group profile"));
    };
    let has = |c: &str| hello.capabilities.iter().any(|x| x == c);
    let draws = takes_draws(hello);
    let iut_compared = if has("deterministic") || group_profile == GroupProfile::MegolmV1 {
        if draws {
            Compared::Bytes
        } else {
            Compared::Results
        }
    } else if draws {
        Compared::BytesButSignatures
    } else {
        Compared::Results
    };
    let executor = |member: &str| match mode {
        Mode::Full => Executor::Iut,
        Mode::Receiver if receivers(test).iter().any(|m| m == member) => Executor::Iut,
        Mode::Receiver => Executor::Vector,
        Mode::Interop { iut_party } if iut_party == member => Executor::Iut,
        Mode::Interop { .. } => Executor::Peer,
    };
    let all_classes: Vec<String> = e2ee_iut::protocol::ERROR_CLASSES
        .iter()
        .map(|c| c.to_string())
        .collect();
    let acceptable = test.result == Verdict::Acceptable;
    let mut notes = Vec::new();
    let mut mapped = 0;

    // Reset and create the members, each on its executor.
    let mut handles: Vec<(String, String)> = Vec::new();
    if let Err(f) = iut.call(&Request::Reset {}) {
        return broken(None, format!("reset: {f}"));
    }
    if let Some(p) = peer.as_deref_mut() {
        if let Err(f) = p.call(&Request::Reset {}) {
            return broken(None, format!("the spec's reset: {f}"));
        }
    }
    for member in &test.members {
        let target: &mut dyn Iut = match executor(member) {
            Executor::Iut => &mut *iut,
            Executor::Peer => match peer.as_deref_mut() {
                Some(p) => p,
                None => return broken(None, "interop needs a peer".into()),
            },
            Executor::Vector => continue,
        };
        let request = Request::CreateParty {
            profile: profile.to_string(),
            header_encryption: false,
            identity_private: None,
            registration_id: None,
            version_byte: None,
        };
        match target.call(&request) {
            Ok(Reply::Party { party, .. }) => handles.push((member.clone(), party)),
            Err(Failure::Unsupported(d)) => return Outcome::skip(format!("create_party: {d}")),
            other => return broken(None, format!("create_party for {member}: {other:?}")),
        }
    }
    let handle = |member: &str| {
        handles
            .iter()
            .find(|(m, _)| m == member)
            .map(|(_, h)| h.clone())
            .unwrap_or_default()
    };

    let mut labels: Vec<(String, Labelled)> = Vec::new();
    // (member, group) → the signing public key and Megolm session id of its session.
    let mut sessions: Vec<((String, String), ([u8; 32], Option<String>))> = Vec::new();
    let mut snapshots: Vec<(String, String)> = Vec::new();
    for (i, step) in test.steps.iter().enumerate() {
        if let GroupStep::Inject {
            label,
            bytes,
            session_id,
        } = step
        {
            remember(
                &mut labels,
                label,
                Labelled {
                    bytes: bytes.clone(),
                    session_id: session_id.clone(),
                    from_iut: false,
                    injected: true,
                },
            );
            continue;
        }
        if let GroupStep::Tamper { .. } = step {
            if let Err(e) = tamper(&mut labels, step) {
                return Outcome::suite_error(i, e, notes);
            }
            continue;
        }
        let Some(actor) = step.actor() else { continue };
        let exec = executor(actor);
        let expect = step.expect().cloned().unwrap_or_default();
        if exec == Executor::Vector {
            // Receiver-side replay: the member's outputs are the vector's.
            if let Some((label, output)) = output_of(step, &expect) {
                let session_id = session_of(&sessions, step);
                remember_output(&mut sessions, step, &output, group_profile);
                remember(
                    &mut labels,
                    label,
                    Labelled {
                        bytes: output,
                        session_id: session_id.or_else(|| session_of(&sessions, step)),
                        from_iut: false,
                        injected: false,
                    },
                );
            }
            continue;
        }
        let request = match request_for(step, &handle(actor), &labels, &snapshots, exec, draws) {
            Ok(r) => r,
            Err(e) => return Outcome::suite_error(i, e, notes),
        };
        let on_iut = exec == Executor::Iut;
        let target: &mut dyn Iut = if on_iut {
            &mut *iut
        } else {
            match peer.as_deref_mut() {
                Some(p) => p,
                None => return broken(Some(i), "interop needs a peer".into()),
            }
        };
        let result = target.call(&request);
        let delivered = delivered_label(step).and_then(|l| find(&labels, l));
        let injected = delivered.is_some_and(|l| l.injected);
        let from_iut = delivered.is_some_and(|l| l.from_iut);
        // An IUT that draws its own XEdDSA nonce: every byte but the signature, which must
        // verify under the sender's key.
        let mut compared = if on_iut {
            iut_compared
        } else {
            Compared::Bytes
        };
        if let (
            Compared::BytesButSignatures,
            GroupStep::Send { .. },
            Ok(Reply::GroupMessage { message }),
        ) = (compared, step, &result)
        {
            let key = session_key_of(&sessions, step);
            if let Some(d) = check_resigned(message, expect.message.as_deref(), key) {
                return fail(i, step.op(), d, notes);
            }
            compared = Compared::Results;
        }
        let leniency = if on_iut {
            Leniency {
                classes: &hello.error_classes,
                map: error_map,
                minor: hello.minor,
            }
        } else {
            Leniency {
                classes: &all_classes,
                map: &[],
                minor: e2ee_iut::protocol::PROTOCOL_MINOR,
            }
        };
        if let Some(outcome) = engine::judge(
            i,
            step.op(),
            &expect,
            &result,
            compared,
            Tolerance {
                acceptable,
                injected: on_iut && injected,
            },
            leniency,
            &mut notes,
            &mut mapped,
        ) {
            // The spec's own step failing is the IUT's fault only when it was handed the
            // IUT's output; otherwise the vector and the spec disagree.
            let outcome = if on_iut || from_iut || outcome.status == Status::Skip {
                outcome
            } else {
                outcome.not_the_iuts("this step is the spec's, on the vector's bytes")
            };
            return Outcome { mapped, ..outcome };
        }
        match (&result, step) {
            (Ok(Reply::Distribution { distribution }), _)
            | (
                Ok(Reply::GroupMessage {
                    message: distribution,
                }),
                _,
            ) => {
                let session_id = session_of(&sessions, step);
                remember_output(&mut sessions, step, distribution, group_profile);
                if let Some((label, _)) = output_of(step, &expect) {
                    remember(
                        &mut labels,
                        label,
                        Labelled {
                            bytes: distribution.clone(),
                            session_id: session_id.or_else(|| session_of(&sessions, step)),
                            from_iut: on_iut,
                            injected: false,
                        },
                    );
                }
            }
            (Ok(Reply::Snapshot { snapshot }), GroupStep::Snapshot { name, .. }) => {
                snapshots.retain(|(n, _)| n != name);
                snapshots.push((name.clone(), snapshot.clone()));
            }
            _ => {}
        }
    }
    Outcome {
        status: Status::Pass,
        step: None,
        detail: String::new(),
        notes,
        mapped,
    }
}

/// Run `test` against the spec and overwrite every step's `expect` with what it gave.
pub fn record(spec: &mut dyn Iut, profile: &str, test: &mut GroupTraceTest) -> Result<(), String> {
    spec.call(&Request::Reset {}).map_err(|e| e.to_string())?;
    let mut handles = Vec::new();
    for member in &test.members {
        match spec.call(&Request::CreateParty {
            profile: profile.to_string(),
            header_encryption: false,
            identity_private: None,
            registration_id: None,
            version_byte: None,
        }) {
            Ok(Reply::Party { party, .. }) => handles.push((member.clone(), party)),
            other => return Err(format!("create_party: {other:?}")),
        }
    }
    let group_profile = GroupProfile::from_name(profile).ok_or("not a group profile")?;
    let mut labels: Vec<(String, Labelled)> = Vec::new();
    let mut sessions = Vec::new();
    let mut snapshots: Vec<(String, String)> = Vec::new();
    for i in 0..test.steps.len() {
        let step = test.steps[i].clone();
        if let GroupStep::Inject {
            label,
            bytes,
            session_id,
        } = &step
        {
            remember(
                &mut labels,
                label,
                Labelled {
                    bytes: bytes.clone(),
                    session_id: session_id.clone(),
                    from_iut: false,
                    injected: true,
                },
            );
            continue;
        }
        if let GroupStep::Tamper { .. } = &step {
            tamper(&mut labels, &step).map_err(|e| format!("step {i}: {e}"))?;
            continue;
        }
        let Some(actor) = step.actor() else { continue };
        let handle = handles
            .iter()
            .find(|(m, _)| m == actor)
            .map(|(_, h): &(String, String)| h.clone())
            .ok_or_else(|| format!("step {i}: unknown member {actor}"))?;
        let request = request_for(&step, &handle, &labels, &snapshots, Executor::Iut, true)
            .map_err(|e| format!("step {i}: {e}"))?;
        let result = spec.call(&request);
        let session_id = session_of(&sessions, &step);
        match &result {
            Ok(Reply::Distribution { distribution: out })
            | Ok(Reply::GroupMessage { message: out }) => {
                remember_output(&mut sessions, &step, out, group_profile);
                if let Some((label, _)) = output_of(&step, &Expect::default()) {
                    remember(
                        &mut labels,
                        label,
                        Labelled {
                            bytes: out.clone(),
                            session_id: session_id.or_else(|| session_of(&sessions, &step)),
                            from_iut: false,
                            injected: false,
                        },
                    );
                }
            }
            Ok(Reply::Snapshot { snapshot }) => {
                if let GroupStep::Snapshot { name, .. } = &step {
                    snapshots.push((name.clone(), snapshot.clone()));
                }
            }
            Err(Failure::Rejected { .. }) | Ok(_) => {}
            Err(other) => return Err(format!("step {i}: {other}")),
        }
        if let Some(slot) = expect_mut(&mut test.steps[i]) {
            *slot = engine::recorded(&result);
        }
    }
    Ok(())
}

fn broken(step: Option<usize>, detail: String) -> Outcome {
    Outcome {
        status: Status::Fail,
        step,
        detail,
        notes: Vec::new(),
        mapped: 0,
    }
}

fn fail(i: usize, op: &str, detail: String, notes: Vec<String>) -> Outcome {
    Outcome {
        status: Status::Fail,
        step: Some(i),
        detail: format!("step {i} ({op}): {detail}"),
        notes,
        mapped: 0,
    }
}

fn remember(labels: &mut Vec<(String, Labelled)>, label: &str, value: Labelled) {
    labels.retain(|(l, _)| l != label);
    labels.push((label.to_string(), value));
}

/// A `tamper` step: the flipped copy keeps the original's session id and maker (a spec
/// member that accepts a tampered copy of the IUT's message is still judged on the IUT).
fn tamper(labels: &mut Vec<(String, Labelled)>, step: &GroupStep) -> Result<(), String> {
    let GroupStep::Tamper {
        label,
        as_label,
        from_end,
        xor,
    } = step
    else {
        return Ok(());
    };
    let original = find(labels, label).ok_or_else(|| format!("no message labelled {label:?}"))?;
    let mut b = bytes(&original.bytes).map_err(|e| format!("{label}: {e}"))?;
    let at = b
        .len()
        .checked_sub(*from_end as usize)
        .filter(|_| *from_end > 0 && *xor != 0)
        .ok_or_else(|| {
            format!(
                "{label} has {} bytes: cannot flip {from_end} from the end",
                b.len()
            )
        })?;
    b[at] ^= xor;
    let copy = Labelled {
        bytes: hex::encode(b),
        session_id: original.session_id.clone(),
        from_iut: original.from_iut,
        injected: true,
    };
    remember(labels, as_label, copy);
    Ok(())
}

fn find<'a>(labels: &'a [(String, Labelled)], label: &str) -> Option<&'a Labelled> {
    labels.iter().find(|(l, _)| l == label).map(|(_, v)| v)
}

fn delivered_label(step: &GroupStep) -> Option<&str> {
    match step {
        GroupStep::Join { label, .. } | GroupStep::Deliver { label, .. } => Some(label),
        _ => None,
    }
}

/// The label a step's output is remembered as, and the vector's output.
fn output_of<'a>(step: &'a GroupStep, expect: &Expect) -> Option<(&'a str, String)> {
    match step {
        GroupStep::Create { label, .. } | GroupStep::Share { label, .. } => {
            Some((label, expect.distribution.clone().unwrap_or_default()))
        }
        GroupStep::Send { label, .. } => Some((label, expect.message.clone().unwrap_or_default())),
        _ => None,
    }
}

fn session_entry<'a>(
    sessions: &'a [((String, String), ([u8; 32], Option<String>))],
    step: &GroupStep,
) -> Option<&'a ([u8; 32], Option<String>)> {
    let (GroupStep::Send { actor, group, .. }
    | GroupStep::Share { actor, group, .. }
    | GroupStep::Create { actor, group, .. }) = step
    else {
        return None;
    };
    sessions
        .iter()
        .find(|((a, g), _)| a == actor && g == group)
        .map(|(_, v)| v)
}

/// The Megolm session id of the session a `send` step uses.
fn session_of(
    sessions: &[((String, String), ([u8; 32], Option<String>))],
    step: &GroupStep,
) -> Option<String> {
    match step {
        GroupStep::Send { .. } => session_entry(sessions, step).and_then(|(_, id)| id.clone()),
        _ => None,
    }
}

fn session_key_of(
    sessions: &[((String, String), ([u8; 32], Option<String>))],
    step: &GroupStep,
) -> Option<[u8; 32]> {
    session_entry(sessions, step).map(|(key, _)| *key)
}

/// After a `create`: the session's signing public key (from the step's injected private
/// key) and, for Megolm, its session id (the public key inside the session key).
fn remember_output(
    sessions: &mut Vec<((String, String), ([u8; 32], Option<String>))>,
    step: &GroupStep,
    output: &str,
    profile: GroupProfile,
) {
    let GroupStep::Create {
        actor,
        group,
        signing_private,
        ..
    } = step
    else {
        return;
    };
    let public = arr::<32>(signing_private)
        .map(|k| x25519::public_key(&k))
        .unwrap_or([0; 32]);
    let session_id = match profile {
        GroupProfile::MegolmV1 => bytes(output).ok().and_then(|d| {
            let start = 1 + 4 + megolm_v1::RATCHET_LEN;
            d.get(start..start + 32).map(hex::encode)
        }),
        GroupProfile::SignalSkV3 => None,
    };
    sessions.retain(|((a, g), _)| !(a == actor && g == group));
    sessions.push(((actor.clone(), group.clone()), (public, session_id)));
}

/// A Sender Keys message signed with the IUT's own nonce: equal to the vector's but for the
/// signature, which verifies under the sender's signing key.
fn check_resigned(message: &str, want: Option<&str>, key: Option<[u8; 32]>) -> Option<String> {
    let (Ok(got), Some(Ok(want)), Some(key)) = (bytes(message), want.map(bytes), key) else {
        return Some("cannot check the message's signature (no vector message or key)".into());
    };
    let n = e2ee_spec::profiles::signal_sk_v3::SIGNATURE_LEN;
    if got.len() != want.len() || got.len() < n || got[..got.len() - n] != want[..want.len() - n] {
        return Some(format!(
            "message {message}, expected (but for its signature) {}",
            hex::encode(&want)
        ));
    }
    let (body, signature) = got.split_at(got.len() - n);
    let signature: [u8; 64] = signature.try_into().unwrap_or([0; 64]);
    xeddsa::verify(&key, body, &signature)
        .err()
        .map(|_| "the message's signature does not verify under the sender's signing key".into())
}

fn request_for(
    step: &GroupStep,
    handle: &str,
    labels: &[(String, Labelled)],
    snapshots: &[(String, String)],
    exec: Executor,
    draws: bool,
) -> Result<Request, String> {
    // The spec playing a member always takes the vector's draws.
    let give = draws || exec == Executor::Peer;
    let label_bytes = |label: &str| {
        find(labels, label)
            .map(|l| l.bytes.clone())
            .ok_or_else(|| format!("no message or distribution labelled {label:?}"))
    };
    Ok(match step {
        GroupStep::Create {
            group,
            distribution_id,
            chain_id,
            chain_key,
            iteration,
            signing_private,
            ..
        } => Request::GroupCreate {
            party: handle.to_string(),
            group: group.clone(),
            distribution_id: distribution_id.clone(),
            chain_id: chain_id.filter(|_| give),
            chain_key: give.then(|| chain_key.clone()),
            iteration: give.then_some(*iteration),
            signing_private: give.then(|| signing_private.clone()),
        },
        GroupStep::Share { group, .. } => Request::GroupShare {
            party: handle.to_string(),
            group: group.clone(),
        },
        GroupStep::Join { sender, label, .. } => Request::GroupJoin {
            party: handle.to_string(),
            sender: sender.clone(),
            distribution: label_bytes(label)?,
        },
        GroupStep::Send {
            group,
            plaintext,
            signature_randomness,
            ..
        } => Request::GroupEncrypt {
            party: handle.to_string(),
            group: group.clone(),
            plaintext: plaintext.clone(),
            signature_randomness: signature_randomness.clone().filter(|_| give),
        },
        GroupStep::Deliver { sender, label, .. } => Request::GroupDecrypt {
            party: handle.to_string(),
            sender: sender.clone(),
            session_id: find(labels, label).and_then(|l| l.session_id.clone()),
            message: label_bytes(label)?,
        },
        GroupStep::Snapshot { .. } => Request::Snapshot {
            party: handle.to_string(),
        },
        GroupStep::Restore { name, .. } => Request::Restore {
            party: handle.to_string(),
            snapshot: snapshots
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, s)| s.clone())
                .ok_or_else(|| format!("no snapshot named {name:?}"))?,
        },
        GroupStep::Inject { .. } | GroupStep::Tamper { .. } => {
            return Err(format!("{} is not a request", step.op()))
        }
    })
}

fn expect_mut(step: &mut GroupStep) -> Option<&mut Expect> {
    match step {
        GroupStep::Create { expect, .. }
        | GroupStep::Share { expect, .. }
        | GroupStep::Join { expect, .. }
        | GroupStep::Send { expect, .. }
        | GroupStep::Deliver { expect, .. } => Some(expect),
        _ => None,
    }
}
