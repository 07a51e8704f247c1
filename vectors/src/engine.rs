//! Executes trace tests against any implementation (`e2ee_iut::Iut`): to check them
//! (`run`), or, against the spec, to record their expected results (`record`).
//!
//! Three modes. **Full**: the IUT plays every party and must be `deterministic`; outputs are
//! compared byte for byte. An IUT declaring `random-signatures` instead takes every injected
//! value except `signature_randomness` (it draws its own XEdDSA nonce): it is replayed in Full
//! mode too, with every byte compared except the one output that nonce reaches, the bundle's
//! signed-prekey signature, which must verify instead (see [`Compared`]). **Receiver**: the
//! IUT plays only the test's `receiver` (with imported long-term keys); the other parties'
//! outputs are taken from the vector.
//! **Interop**: the IUT plays one party and the spec (a second `Iut`) plays the others live;
//! results are compared, bytes are not (neither side's randomness is fixed).
//!
//! No false blame: a tamper step names a field, found in the message at hand (the IUT's own
//! bytes when it sent it); an acceptance counts as the IUT's failure only if the spec, given
//! the same bytes from the same state (`witness`), rejects them. When the spec does not do
//! with tampered bytes what the vector says, the test is a `SuiteError`, not the IUT's.

use crate::envelope::Verdict;
use crate::layout::{self, LayoutError};
use crate::limits::Declared;
use crate::trace::{Expect, PartyInit, Step, TraceGroup, TraceTest};
use crate::witness;
use e2ee_iut::hexbytes::arr;
use e2ee_iut::protocol::{Bundle, Failure, Hello, Iut, MessageKind, Reply, Request};
use e2ee_spec::crypto::kem;
use e2ee_spec::profile::WireVariant;
use e2ee_spec::profiles::signal_v4;
use e2ee_spec::{x3dh, Profile};

/// The capability of an IUT that takes every injected value except `signature_randomness`
/// (SHIM.md §Operations). Of all outputs only the signed-prekey signature depends on that
/// nonce: X3DH's key material and AD, the prekey messages (both profiles with a signature,
/// `modern` and `signal-v3`, send no signature in them) and the ratchet never read it, and
/// `olm-v1` bundles have no signature.
pub const RANDOM_SIGNATURES: &str = "random-signatures";

/// Whether an IUT can be replayed in `Mode::Full`: it takes every injected value
/// (`deterministic`), or every one but the signature nonce (`random-signatures`).
pub fn full_replay(hello: &Hello) -> bool {
    hello
        .capabilities
        .iter()
        .any(|c| c == "deterministic" || c == RANDOM_SIGNATURES)
}

/// Which outputs of a step are compared with the vector's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compared {
    /// Every byte: the IUT took all the injected randomness.
    Bytes,
    /// Every byte but the signed-prekey signature, which must verify under the bundle's own
    /// identity key and signed prekey: the IUT took all injected randomness except its
    /// signature nonce (`random-signatures`).
    BytesButSignatures,
    /// Only what depends on no randomness: kinds, plaintexts, public keys, errors.
    Results,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Full,
    Receiver,
    Interop { iut_party: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    /// The IUT answered `unsupported`, or the test cannot run in this mode.
    Skip,
    /// The suite could not judge the IUT: the test's expectation does not hold for the bytes
    /// at hand (the spec itself accepts them), or the vector contradicts itself. Neither a
    /// pass nor the IUT's failure.
    SuiteError,
}

/// A test's result; `detail` says what happened at `step` (0-based), and `notes` lists
/// passes that were weaker than a full match (e.g. an error class the IUT cannot report).
/// `mapped` counts the steps that passed only through the caller's error map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub step: Option<usize>,
    pub detail: String,
    pub notes: Vec<String>,
    pub mapped: usize,
}

impl Outcome {
    pub(crate) fn skip(detail: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Skip,
            step: None,
            detail: detail.into(),
            notes: Vec::new(),
            mapped: 0,
        }
    }

    pub(crate) fn suite_error(step: usize, detail: String, notes: Vec<String>) -> Outcome {
        Outcome {
            status: Status::SuiteError,
            step: Some(step),
            detail: format!("suite error at step {step}: {detail}"),
            notes,
            mapped: 0,
        }
    }

    /// This outcome of the IUT's step (a judged mismatch) turned into a suite error.
    pub(crate) fn not_the_iuts(self, why: &str) -> Outcome {
        Outcome {
            status: Status::SuiteError,
            detail: format!("suite error: {}; {why}", self.detail),
            ..self
        }
    }
}

/// Error classes an implementation is known to report in place of the spec's: pairs of
/// (the spec's class, the implementation's class), from its expectations file.
pub type ErrorMap = [(String, String)];

struct Party {
    name: String,
    handle: Option<String>,
}

/// A message of the conversation, under its label.
struct Message {
    label: String,
    kind: MessageKind,
    hex: String,
    /// Made by a tamper step.
    tampered: bool,
    /// Its bytes (or those it was tampered from) are the IUT's.
    from_iut: bool,
}

/// What a conversation has produced so far.
struct World {
    parties: Vec<Party>,
    bundles: Vec<(String, Bundle)>,
    messages: Vec<Message>,
    /// The labels some step delivers or tampers: only those messages are kept (a skip-limit
    /// script sends 50,000 messages that are never delivered).
    wanted: std::collections::HashSet<String>,
    snapshots: Vec<(String, String)>,
}

impl World {
    fn handle(&self, name: &str) -> Option<&str> {
        self.parties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.handle.as_deref())
    }
    fn entry(&self, label: &str) -> Option<&Message> {
        self.messages.iter().rev().find(|m| m.label == label)
    }
    fn message(&self, label: &str) -> Option<(MessageKind, String)> {
        self.entry(label).map(|m| (m.kind, m.hex.clone()))
    }
    fn tampered(&self, label: &str) -> bool {
        self.entry(label).is_some_and(|m| m.tampered)
    }
    fn set_message(&mut self, label: &str, kind: MessageKind, message: String) {
        if !self.wanted.contains(label) {
            return;
        }
        self.messages.push(Message {
            label: label.to_string(),
            kind,
            hex: message,
            tampered: false,
            from_iut: false,
        });
    }
}

/// Whether a test can run in `mode` against an IUT with these capabilities.
pub fn runnable(
    hello: &Hello,
    test: &TraceTest,
    header_encryption: bool,
    mode: &Mode,
) -> Result<(), String> {
    let has = |c: &str| hello.capabilities.iter().any(|x| x == c);
    if header_encryption && !has("header-encryption") {
        return Err("IUT lacks header-encryption".into());
    }
    let snapshots = test
        .steps
        .iter()
        .any(|s| matches!(s, Step::Snapshot { .. }));
    if snapshots && !has("snapshot") {
        return Err("IUT lacks snapshot".into());
    }
    match mode {
        Mode::Full if !full_replay(hello) => Err(format!(
            "full replay needs a deterministic (or {RANDOM_SIGNATURES}) IUT"
        )),
        Mode::Receiver if !has("import-keys") => Err("receiver replay needs import-keys".into()),
        Mode::Receiver if test.receiver.is_none() => Err("test has no receiver-only role".into()),
        Mode::Interop { .. } if test.steps.iter().any(|s| matches!(s, Step::Inject { .. })) => {
            Err("injected messages only make sense against the vector's own keys".into())
        }
        _ => Ok(()),
    }
}

/// Replay `test` against `iut` and judge every step. `peer` plays the other parties in
/// `Mode::Interop` (it is the spec); other modes ignore it. A rejection with another class
/// than the spec's passes (with a note) only where `error_map` allows that substitution.
#[allow(clippy::too_many_arguments)]
pub fn run(
    iut: &mut dyn Iut,
    peer: Option<&mut dyn Iut>,
    hello: &Hello,
    profile: &str,
    group: &TraceGroup,
    test: &TraceTest,
    mode: &Mode,
    error_map: &ErrorMap,
) -> Outcome {
    if let Err(why) = runnable(hello, test, group.header_encryption, mode) {
        return Outcome::skip(why);
    }
    let mode = match wire_mode(hello, profile, test, mode) {
        Ok(m) => m,
        Err(why) => return Outcome::skip(why),
    };
    execute(
        iut,
        peer,
        Some(hello),
        profile,
        group.header_encryption,
        test,
        &mode,
        error_map,
        None,
    )
}

/// What recording found for step `i` of a test: its expectation, or where a tamper's field is
/// in the recorded message. Collected and written into the test after the run, so that
/// judging (the common case) borrows the test instead of copying it.
enum Learnt {
    Expect(Box<Expect>),
    Offset(usize),
}

fn apply(test: &mut TraceTest, learnt: Vec<(usize, Learnt)>) {
    for (i, l) in learnt {
        match (l, &mut test.steps[i]) {
            (Learnt::Offset(at), Step::Tamper { offset, .. }) => *offset = at,
            (Learnt::Expect(e), step) => {
                if let Some(slot) = expect_mut(step) {
                    *slot = *e;
                }
            }
            _ => {}
        }
    }
}

/// The version bytes an IUT writes in `profile` (SHIM.md §Wire variants): what its `hello`
/// declares, else the profile's reference byte; empty for a profile without a version byte.
pub fn declared_version_bytes(hello: &Hello, profile: Profile) -> Vec<String> {
    match hello.version_bytes.get(profile.name()) {
        Some(bytes) => bytes.clone(),
        None => WireVariant::Reference
            .version_byte(profile)
            .map(|b| vec![hex::encode([b])])
            .unwrap_or_default(),
    }
}

/// A `hello`'s `version_bytes` name profiles it supports that have wire variants, each
/// byte a writer of that profile's (SHIM.md §Wire variants): anything else would make the
/// runner ask for bytes nobody defined, or silently replay a writer as another.
pub fn check_version_bytes(hello: &Hello) -> Result<(), String> {
    for (name, bytes) in &hello.version_bytes {
        let profile = Profile::from_name(name)
            .filter(|p| p.variants().len() > 1)
            .ok_or_else(|| format!("version_bytes names {name:?}, which has no wire variants"))?;
        if !hello.profiles.contains(name) {
            return Err(format!(
                "version_bytes names {name}, which it does not support"
            ));
        }
        if bytes.is_empty() {
            return Err(format!("version_bytes for {name} is empty"));
        }
        for b in bytes {
            crate::spec_iut::wire_of(profile, Some(b))?;
        }
    }
    Ok(())
}

/// Whether the IUT can play `party` byte for byte: it writes the party's version byte.
fn writes_as(hello: &Hello, profile: Profile, party: &PartyInit) -> bool {
    let declared = declared_version_bytes(hello, profile);
    let byte = match &party.version_byte {
        Some(b) => b.clone(),
        None => match WireVariant::Reference.version_byte(profile) {
            Some(b) => hex::encode([b]),
            None => return true,
        },
    };
    declared.contains(&byte)
}

/// Full replay plays, on the IUT, the parties that write what the IUT writes; the others'
/// outputs come from the vector, as in receiver replay. A test none of whose parties writes
/// so is replayed as the receiver only, if it has a receiver role: a `0x33` writer still
/// gets every receiving check of the `0x34` traces.
fn wire_mode(hello: &Hello, profile: &str, test: &TraceTest, mode: &Mode) -> Result<Mode, String> {
    let Some(p) = Profile::from_name(profile) else {
        return Ok(mode.clone());
    };
    if *mode != Mode::Full || test.parties.iter().any(|party| writes_as(hello, p, party)) {
        return Ok(mode.clone());
    }
    let why = format!(
        "no party of this test writes a version byte the IUT declares ({})",
        declared_version_bytes(hello, p).join(", ")
    );
    match (
        &test.receiver,
        hello.capabilities.iter().any(|c| c == "import-keys"),
    ) {
        (Some(_), true) => Ok(Mode::Receiver),
        (None, _) => Err(format!("{why}, and it has no receiver-only role")),
        (Some(_), false) => Err(format!("{why}, and receiver replay needs import-keys")),
    }
}

/// Run `test` against the spec and overwrite every step's `expect` with what it gave.
pub fn record(
    spec: &mut dyn Iut,
    profile: &str,
    header_encryption: bool,
    test: &mut TraceTest,
) -> Result<(), String> {
    let mut learnt = Vec::new();
    let outcome = execute(
        spec,
        None,
        None,
        profile,
        header_encryption,
        test,
        &Mode::Full,
        &[],
        Some(&mut learnt),
    );
    apply(test, learnt);
    match outcome.status {
        Status::Pass => Ok(()),
        _ => Err(format!("step {:?}: {}", outcome.step, outcome.detail)),
    }
}

/// [`record`], with the test's parties split as `Mode::Interop { iut_party }` splits them:
/// `iut_party` on `spec`, the others on `peer`. Both are the spec, keeping different limits:
/// how a test comes out for an implementation that declared stricter limits than its
/// profile, playing that party against a peer that keeps the profile's (SHIM.md §Limits).
pub fn record_interop(
    spec: &mut dyn Iut,
    peer: &mut dyn Iut,
    profile: &str,
    header_encryption: bool,
    test: &mut TraceTest,
    iut_party: &str,
) -> Result<(), String> {
    let mode = Mode::Interop {
        iut_party: iut_party.to_string(),
    };
    let mut learnt = Vec::new();
    let outcome = execute(
        spec,
        Some(peer),
        None,
        profile,
        header_encryption,
        test,
        &mode,
        &[],
        Some(&mut learnt),
    );
    apply(test, learnt);
    match outcome.status {
        Status::Pass => Ok(()),
        _ => Err(format!("step {:?}: {}", outcome.step, outcome.detail)),
    }
}

#[allow(clippy::too_many_arguments)]
fn execute(
    iut: &mut dyn Iut,
    mut peer: Option<&mut dyn Iut>,
    hello: Option<&Hello>,
    profile: &str,
    header_encryption: bool,
    test: &TraceTest,
    mode: &Mode,
    error_map: &ErrorMap,
    mut learnt: Option<&mut Vec<(usize, Learnt)>>,
) -> Outcome {
    // Recording (no hello: the spec itself) writes what it finds into `learnt`.
    let recording = hello.is_none();
    let mut notes = Vec::new();
    let mut mapped = 0;
    let fail = |step: Option<usize>, detail: String, notes: Vec<String>| Outcome {
        status: Status::Fail,
        step,
        detail,
        notes,
        mapped: 0,
    };
    let Some(the_profile) = Profile::from_name(profile) else {
        return fail(None, format!("unknown profile {profile:?}"), notes);
    };
    if let Err(f) = iut.call(&Request::Reset {}) {
        return fail(None, format!("reset: {f}"), notes);
    }
    // Every request the IUT gets in this test, with its reply: what the spec replays to
    // judge an acceptance on exactly the IUT's bytes and state (`witness`). Kept only when a
    // step the IUT performs expects an error: otherwise nothing would consult it, and a
    // skip-limit script would hold 50,000 requests and replies for nothing.
    let mut log: Vec<(Request, Result<Reply, Failure>)> = Vec::new();
    if let Mode::Interop { .. } = mode {
        match peer.as_deref_mut() {
            Some(p) => {
                if let Err(f) = p.call(&Request::Reset {}) {
                    return fail(None, format!("peer reset: {f}"), notes);
                }
            }
            None => return fail(None, "interop needs a peer".into(), notes),
        }
    }
    let the_parties = &test.parties;
    let on_iut = |name: &str| match mode {
        Mode::Full => match hello {
            // Recording: the spec writes every variant.
            None => true,
            Some(h) => the_parties
                .iter()
                .find(|p| p.name == name)
                .is_none_or(|p| writes_as(h, the_profile, p)),
        },
        Mode::Receiver => test.receiver.as_deref() == Some(name),
        Mode::Interop { iut_party } => iut_party == name,
    };
    let keep_log = !recording
        && test
            .steps
            .iter()
            .any(|s| expect_of(s).error.is_some() && s.actor().is_some_and(&on_iut));
    // Interop: parties not on the IUT run live on the peer.
    let live_peer = matches!(mode, Mode::Interop { .. });
    let mut world = World {
        parties: Vec::new(),
        bundles: Vec::new(),
        messages: Vec::new(),
        wanted: test
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Deliver { label, .. } | Step::Tamper { label, .. } => Some(label.clone()),
                _ => None,
            })
            .collect(),
        snapshots: Vec::new(),
    };
    for p in &test.parties {
        let mut party = Party {
            name: p.name.clone(),
            handle: None,
        };
        let here = on_iut(&p.name);
        if here || live_peer {
            // The IUT is asked for a version byte only if it declared it (in interop it may
            // play a party of another writer: then it writes its own).
            let version_byte = p.version_byte.clone().filter(|_| match hello {
                Some(h) if here => writes_as(h, the_profile, p),
                _ => true,
            });
            let request = Request::CreateParty {
                profile: profile.to_string(),
                header_encryption,
                identity_private: Some(p.identity_private.clone()),
                registration_id: Some(p.registration_id),
                version_byte,
            };
            let reply = match (here, peer.as_deref_mut()) {
                (false, Some(p)) => p.call(&request),
                _ => {
                    let reply = iut.call(&request);
                    if keep_log {
                        log.push((request.clone(), reply.clone()));
                    }
                    reply
                }
            };
            match reply {
                Ok(Reply::Party { party: handle, .. }) => party.handle = Some(handle),
                Ok(other) => {
                    return fail(
                        None,
                        format!("create_party: unexpected reply {other:?}"),
                        notes,
                    )
                }
                Err(Failure::Unsupported(d)) => {
                    return Outcome::skip(format!("create_party unsupported: {d}"))
                }
                Err(f) => return fail(None, format!("create_party: {f}"), notes),
            }
        }
        world.parties.push(party);
    }
    let compared = match hello {
        _ if *mode != Mode::Full => Compared::Results,
        Some(h) if h.capabilities.iter().any(|c| c == RANDOM_SIGNATURES) => {
            Compared::BytesButSignatures
        }
        _ => Compared::Bytes,
    };
    // Parties that signed a prekey with a nonce of their own: a checkpoint digest encodes the
    // signed prekeys with their signatures (in `olm-v1` too, where the bundle shows none), so
    // their digests are not compared from then on.
    let mut own_signature: Vec<String> = Vec::new();
    let error_classes: Vec<String> = hello.map(|h| h.error_classes.clone()).unwrap_or_default();
    let minor = hello.map_or(e2ee_iut::protocol::PROTOCOL_MINOR, |h| h.minor);
    let all_classes: Vec<String> = e2ee_iut::protocol::ERROR_CLASSES
        .iter()
        .map(|c| c.to_string())
        .collect();
    let acceptable = test.result == Verdict::Acceptable;
    // Labels of messages made outside the conversation (`inject`): in an acceptable test, a
    // stricter reader may refuse one the spec reads. Its state then differs from the spec's
    // (it did not use the message's key), so the actor's checkpoints are not compared after.
    let mut injected: Vec<String> = Vec::new();
    let mut refused_tolerated: Vec<String> = Vec::new();
    let steps_len = test.steps.len();
    for i in 0..steps_len {
        let step = test.steps[i].clone();
        // Steps with no actor manipulate messages.
        match &step {
            Step::Drop { .. } => continue,
            Step::Tamper {
                label,
                as_label,
                field,
                field_offset,
                offset,
                xor,
            } => {
                let Some(source) = world.entry(label) else {
                    return fail(Some(i), format!("no message {label}"), notes);
                };
                let (kind, from_iut) = (source.kind, source.from_iut);
                let mut bytes = hex::decode(&source.hex).unwrap_or_default();
                // The field is found in these bytes, whoever wrote them.
                let at = layout::locate(the_profile, header_encryption, kind, &bytes, field)
                    .and_then(|r| {
                        layout::byte_of(&r, *field_offset).ok_or_else(|| {
                            LayoutError::Absent(format!("{field} byte {field_offset}"))
                        })
                    });
                let at = match at {
                    Ok(at) => at,
                    Err(e) => {
                        let why = format!("tamper {label}, {field} byte {field_offset}: {e}");
                        return match (&e, from_iut && !recording) {
                            // The IUT's encoding omits the field: nothing to aim at, and
                            // nothing wrong with that.
                            (LayoutError::Absent(_), true) => {
                                Outcome::skip(format!("step {i}: {why} (the IUT's message)"))
                            }
                            (LayoutError::Malformed(_), true) => fail(
                                Some(i),
                                format!("step {i}: the IUT's message does not parse: {why}"),
                                notes,
                            ),
                            // The vector's own message, or a field no layout has.
                            _ => Outcome::suite_error(i, why, notes),
                        };
                    }
                };
                if recording {
                    if let Some(l) = learnt.as_deref_mut() {
                        l.push((i, Learnt::Offset(at)));
                    }
                } else if !live_peer && at != *offset {
                    // Without a live peer every message is the vector's own (the IUT's sends
                    // were compared with it), so the two must name the same byte.
                    return Outcome::suite_error(
                        i,
                        format!("the vector's tamper offset {offset} is not {field} byte {field_offset} (byte {at}) of {label}"),
                        notes,
                    );
                }
                bytes[at] ^= xor;
                world.messages.push(Message {
                    label: as_label.clone(),
                    kind,
                    hex: hex::encode(bytes),
                    tampered: true,
                    from_iut,
                });
                continue;
            }
            Step::Inject {
                label,
                kind,
                message,
            } => {
                world.set_message(label, *kind, message.clone());
                injected.push(label.clone());
                continue;
            }
            _ => {}
        }
        let actor = step.actor().unwrap_or_default().to_string();
        let expect = expect_of(&step).clone();
        let on_this_iut = on_iut(&actor);
        if !on_this_iut && !live_peer {
            // Receiver mode: the other party's outputs come from the vector.
            match &step {
                Step::Publish { .. } => {
                    if let Some(b) = &expect.bundle {
                        world.bundles.push((actor.clone(), b.clone()));
                    }
                }
                Step::Send { label, .. } => {
                    if let (Some(kind), Some(message)) = (expect.kind, &expect.message) {
                        world.set_message(label, kind, message.clone());
                    }
                }
                _ => {}
            }
            continue;
        }
        let Some(handle) = world.handle(&actor).map(str::to_string) else {
            return fail(Some(i), format!("unknown actor {actor}"), notes);
        };
        let request = match request_for(&step, &handle, &world) {
            Ok(r) => r,
            Err(e) => return fail(Some(i), e, notes),
        };
        let to_iut = on_this_iut || peer.is_none();
        let target: &mut dyn Iut = match (on_this_iut, peer.as_deref_mut()) {
            (false, Some(p)) => p,
            _ => &mut *iut,
        };
        let result = target.call(&request);
        if compared == Compared::BytesButSignatures && matches!(step, Step::Publish { .. }) {
            own_signature.push(actor.clone());
        }
        // The spec, playing a party, was given a tampered message.
        let spec_on_tampered =
            !to_iut && matches!(&step, Step::Deliver { label, .. } if world.tampered(label));
        if recording {
            let digest_party = handle.clone();
            let new_expect = recorded(&result);
            match &result {
                Err(Failure::Broken(d)) | Err(Failure::Unsupported(d)) => {
                    return fail(Some(i), d.clone(), notes)
                }
                _ => {}
            }
            let mut e = new_expect;
            e.digest = target.state_digest(&digest_party);
            if let Some(l) = learnt.as_deref_mut() {
                l.push((i, Learnt::Expect(Box::new(e))));
            }
        } else if let Some(outcome) = spec_on_tampered
            .then(|| tampered_at_spec(i, &expect, &result, &mut notes))
            .flatten()
        {
            match outcome {
                Some(outcome) => return outcome,
                // Rejected with another class: noted; its state is unchanged, so on.
                None => continue,
            }
        } else if let Some(outcome) = judge(
            i,
            step_op(&step),
            &expect,
            &result,
            compared,
            Tolerance {
                acceptable,
                injected: on_this_iut
                    && matches!(&step, Step::Deliver { label, .. } if injected.contains(label)),
            },
            // The spec playing the peer reports every class: no leniency for its steps.
            if on_this_iut {
                Leniency {
                    classes: &error_classes,
                    map: error_map,
                    minor,
                }
            } else {
                Leniency {
                    classes: &all_classes,
                    map: &[],
                    minor: e2ee_iut::protocol::PROTOCOL_MINOR,
                }
            },
            &mut notes,
            &mut mapped,
        ) {
            let outcome = if spec_on_tampered {
                // Anything else the spec did with tampered bytes the vector did not foresee.
                outcome.not_the_iuts("this step is the spec's, given tampered bytes")
            } else if to_iut && result.is_ok() && expect.error.is_some() {
                // An invalid declaration is judged as none (the runner refuses to start it).
                let limits = hello.and_then(|h| Declared::of(h).ok()).unwrap_or_default();
                no_false_blame(
                    outcome,
                    witness::spec_verdict(the_profile, header_encryption, &limits, &log, &request),
                )
            } else {
                outcome
            };
            return Outcome { mapped, ..outcome };
        } else if let (Some(want), Some(got)) = (
            &expect.digest,
            // Only computed where one is compared: a digest encodes the whole party.
            expect
                .digest
                .as_ref()
                .filter(|_| {
                    compared != Compared::Results
                        && !own_signature.contains(&actor)
                        && !refused_tolerated.contains(&actor)
                })
                .and_then(|_| target.state_digest(&handle)),
        ) {
            if want != &got {
                return fail(
                    Some(i),
                    format!(
                        "state checkpoint differs after {}: expected {want}, got {got}",
                        request.op()
                    ),
                    notes,
                );
            }
        }
        if acceptable && on_this_iut && result.is_err() && expect.error.is_none() {
            refused_tolerated.push(actor.clone());
        }
        if to_iut && keep_log {
            log.push((request.clone(), result.clone()));
        }
        // Remember outputs for later steps.
        match (&step, &result) {
            (Step::Publish { .. }, Ok(Reply::Bundle(b))) => {
                // Non-deterministic signatures: later steps use the IUT's own bundle.
                world.bundles.push((actor.clone(), b.clone()));
            }
            (Step::Send { label, .. }, Ok(Reply::Encrypted { kind, message })) => {
                world.set_message(label, *kind, message.clone());
                if let Some(m) = world.messages.last_mut().filter(|m| m.label == *label) {
                    m.from_iut = to_iut;
                }
            }
            (Step::Snapshot { name, .. }, Ok(Reply::Snapshot { snapshot })) => {
                world.snapshots.push((name.clone(), snapshot.clone()));
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

/// The spec, playing a party, got a tampered message (in interop: tampered from the IUT's
/// bytes) and did not give the vector's result. `Some(Some(outcome))` ends the test as a
/// suite error: the spec accepted what the vector says it rejects. `Some(None)`: it rejected
/// with another class, which is noted (a rejection leaves its state as it was, and the
/// genuine message after it still checks the IUT's bytes). `None`: judged as usual.
fn tampered_at_spec(
    i: usize,
    expect: &Expect,
    result: &Result<Reply, Failure>,
    notes: &mut Vec<String>,
) -> Option<Option<Outcome>> {
    match (result, &expect.error) {
        (Ok(_), Some(want)) => Some(Some(Outcome::suite_error(
            i,
            format!("the spec accepts the tampered message, where the vector's own was rejected with {want}: the tamper does not do on these bytes what it does on the vector's"),
            std::mem::take(notes),
        ))),
        (Err(Failure::Rejected { class, .. }), Some(want)) if class != want => {
            notes.push(format!(
                "step {i}: the spec rejects the tampered message with {class}, the vector's own with {want}"
            ));
            Some(None)
        }
        _ => None,
    }
}

/// An acceptance the vector blames on the IUT, weighed by the spec's verdict on exactly the
/// bytes the IUT accepted, from the IUT's state.
fn no_false_blame(outcome: Outcome, spec: witness::Verdict) -> Outcome {
    let step = outcome.step.unwrap_or_default();
    match spec {
        witness::Verdict::Accepts => outcome.not_the_iuts(
            "but the spec, given the same bytes from the same state, accepts them too",
        ),
        witness::Verdict::Rejects(class) => Outcome {
            detail: format!(
                "{} (the spec rejects these bytes with {class})",
                outcome.detail
            ),
            ..outcome
        },
        witness::Verdict::Unknown(why) => {
            let mut notes = outcome.notes;
            notes.push(format!(
                "step {step}: the spec's verdict on these exact bytes could not be checked ({why}); the vector's stands"
            ));
            Outcome { notes, ..outcome }
        }
    }
}

/// What a step may differ in without failing: the error classes the IUT declares it can
/// report (a class it cannot report is not held against it), the error map, and the minor
/// protocol version it speaks (a class added later is expected as the class it split from).
pub(crate) struct Leniency<'a> {
    pub(crate) classes: &'a [String],
    pub(crate) map: &'a ErrorMap,
    pub(crate) minor: u32,
}

/// X3DH §3.3: the bundle's signed-prekey signature verifies under its identity key, as the
/// initiator checks it (a valid XEdDSA signature in canonical encoding).
fn signature_verifies(b: &Bundle) -> Result<(), String> {
    fn field<const N: usize>(name: &str, h: Option<&String>) -> Result<[u8; N], String> {
        h.ok_or_else(|| format!("bundle has no {name}"))
            .and_then(|h| arr::<N>(h).map_err(|_| format!("bundle {name} is not {N} bytes of hex")))
    }
    let identity = field::<32>("identity_key", Some(&b.identity_key))?;
    let spk = field::<32>("signed_prekey", b.signed_prekey.as_ref())?;
    let signature = field::<64>(
        "signed_prekey_signature",
        b.signed_prekey_signature.as_ref(),
    )?;
    x3dh::verify_prekey_signature(&identity, &spk, &signature).map_err(|_| {
        "signed prekey signature does not verify (XEdDSA by the bundle's identity key over Encode(signed prekey))".to_string()
    })?;
    // PQXDH: the Kyber prekey's signature, over its serialized key (type byte included).
    if let Some(kyber) = &b.kyber_prekey {
        let public = e2ee_iut::hexbytes::bytes(kyber)
            .map_err(|_| "bundle kyber_prekey is not hex".to_string())?;
        let signature = field::<64>("kyber_prekey_signature", b.kyber_prekey_signature.as_ref())?;
        e2ee_spec::crypto::xeddsa::verify(&identity, &public, &signature).map_err(|_| {
            "kyber prekey signature does not verify (XEdDSA by the bundle's identity key over the serialized Kyber prekey)".to_string()
        })?;
    }
    Ok(())
}

fn expect_of(step: &Step) -> &Expect {
    static EMPTY: Expect = Expect {
        error: None,
        bundle: None,
        kind: None,
        message: None,
        plaintext: None,
        distribution: None,
        digest: None,
    };
    match step {
        Step::Publish { expect, .. }
        | Step::Initiate { expect, .. }
        | Step::Send { expect, .. }
        | Step::Deliver { expect, .. } => expect,
        _ => &EMPTY,
    }
}

fn expect_mut(step: &mut Step) -> Option<&mut Expect> {
    match step {
        Step::Publish { expect, .. }
        | Step::Initiate { expect, .. }
        | Step::Send { expect, .. }
        | Step::Deliver { expect, .. } => Some(expect),
        _ => None,
    }
}

fn request_for(step: &Step, handle: &str, world: &World) -> Result<Request, String> {
    Ok(match step {
        Step::Publish {
            signed_prekey_id,
            signed_prekey_private,
            one_time_prekey_id,
            one_time_prekey_private,
            signature_randomness,
            kyber_prekey_id,
            kyber_prekey_seed,
            kyber_signature_randomness,
            kyber_last_resort,
            ..
        } => Request::CreateBundle {
            party: handle.to_string(),
            signed_prekey_id: *signed_prekey_id,
            signed_prekey_private: Some(signed_prekey_private.clone()),
            one_time_prekey_id: *one_time_prekey_id,
            one_time_prekey_private: one_time_prekey_private.clone(),
            signature_randomness: Some(signature_randomness.clone()),
            kyber_prekey_id: *kyber_prekey_id,
            kyber_prekey_seed: kyber_prekey_seed.clone(),
            kyber_prekey_private: kyber_prekey_seed
                .as_deref()
                .map(|seed| {
                    arr::<64>(seed).map_err(|_| format!("kyberPrekeySeed {seed} is not 64 bytes"))
                })
                .transpose()?
                .map(|seed| hex::encode(kem::generate(signal_v4::KEM, &seed).secret)),
            kyber_signature_randomness: kyber_signature_randomness.clone(),
            kyber_last_resort: *kyber_last_resort,
        },
        Step::Initiate {
            peer,
            bundle,
            base_key_private,
            ratchet_private,
            kem_randomness,
            ..
        } => {
            let bundle = match bundle {
                Some(b) => b.clone(),
                None => world
                    .bundles
                    .iter()
                    .rev()
                    .find(|(name, _)| name == peer)
                    .map(|(_, b)| b.clone())
                    .ok_or_else(|| format!("{peer} has published no bundle"))?,
            };
            Request::Initiate {
                party: handle.to_string(),
                peer: peer.clone(),
                bundle,
                base_key_private: Some(base_key_private.clone()),
                ratchet_private: Some(ratchet_private.clone()),
                kem_randomness: kem_randomness.clone(),
            }
        }
        Step::Send {
            peer,
            plaintext,
            ratchet_private,
            header_nonce,
            ..
        } => Request::Encrypt {
            party: handle.to_string(),
            peer: peer.clone(),
            plaintext: plaintext.clone(),
            ratchet_private: Some(ratchet_private.clone()),
            header_nonce: Some(header_nonce.clone()),
        },
        Step::Deliver {
            peer,
            label,
            ratchet_private,
            ..
        } => {
            let (kind, message) = world
                .message(label)
                .ok_or_else(|| format!("no message {label}"))?;
            Request::Decrypt {
                party: handle.to_string(),
                peer: peer.clone(),
                kind,
                message,
                ratchet_private: Some(ratchet_private.clone()),
            }
        }
        Step::Snapshot { .. } => Request::Snapshot {
            party: handle.to_string(),
        },
        Step::Restore { name, .. } => {
            let snapshot = world
                .snapshots
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, s)| s.clone())
                .ok_or_else(|| format!("no snapshot {name}"))?;
            Request::Restore {
                party: handle.to_string(),
                snapshot,
            }
        }
        Step::Drop { .. } | Step::Tamper { .. } | Step::Inject { .. } => {
            return Err("not an actor step".into())
        }
    })
}

pub(crate) fn recorded(result: &Result<Reply, Failure>) -> Expect {
    let mut e = Expect::default();
    match result {
        Ok(Reply::Bundle(b)) => e.bundle = Some(b.clone()),
        Ok(Reply::Encrypted { kind, message }) => {
            e.kind = Some(*kind);
            e.message = Some(message.clone());
        }
        Ok(Reply::Decrypted { plaintext }) => e.plaintext = Some(plaintext.clone()),
        Ok(Reply::Distribution { distribution }) => e.distribution = Some(distribution.clone()),
        Ok(Reply::GroupMessage { message }) => e.message = Some(message.clone()),
        Ok(_) => {}
        Err(Failure::Rejected { class, .. }) => e.error = Some(class.clone()),
        Err(_) => {}
    }
    e
}

/// What an `acceptable` test lets a step do: accept what the spec refuses, and, for a
/// delivery of an injected message (an encoding the reference tolerates), refuse what the
/// spec reads.
#[derive(Clone, Copy)]
pub(crate) struct Tolerance {
    pub(crate) acceptable: bool,
    pub(crate) injected: bool,
}

fn step_op(step: &Step) -> &'static str {
    match step {
        Step::Publish { .. } => "publish",
        Step::Initiate { .. } => "initiate",
        Step::Send { .. } => "send",
        Step::Deliver { .. } => "deliver",
        Step::Snapshot { .. } => "snapshot",
        Step::Restore { .. } => "restore",
        _ => "step",
    }
}

/// Compare one step's result with its expectation; `Some(outcome)` ends the test. `op`
/// names the step in the outcome's detail.
#[allow(clippy::too_many_arguments)]
pub(crate) fn judge(
    i: usize,
    op: &str,
    expect: &Expect,
    result: &Result<Reply, Failure>,
    compared: Compared,
    tolerance: Tolerance,
    leniency: Leniency,
    notes: &mut Vec<String>,
    mapped: &mut usize,
) -> Option<Outcome> {
    let fail = |detail: String, notes: &mut Vec<String>| {
        Some(Outcome {
            status: Status::Fail,
            step: Some(i),
            detail: format!("step {i} ({op}): {detail}"),
            notes: std::mem::take(notes),
            mapped: 0,
        })
    };
    match (result, &expect.error) {
        (Err(Failure::Unsupported(d)), _) => {
            Some(Outcome::skip(format!("step {i} ({op}) unsupported: {d}")))
        }
        (Err(Failure::Broken(d)), _) => fail(d.clone(), notes),
        (Err(Failure::Rejected { class, detail }), Some(want)) => {
            // In the IUT's own protocol version the spec's class may not exist yet: then the
            // class it split from is the answer, a weaker check the note records.
            let spoken = e2ee_iut::protocol::class_in_minor(want, leniency.minor);
            if class == want {
                None
            } else if class == spoken {
                notes.push(format!(
                    "step {i}: rejected with {class}, protocol 1.{}'s class for {want} (weaker check)",
                    leniency.minor
                ));
                None
            } else if leniency
                .map
                .iter()
                .any(|(s, i)| (s == want || s == spoken) && i == class)
            {
                notes.push(format!(
                    "step {i}: rejected with {class} where the spec rejects with {want} (error map)"
                ));
                *mapped += 1;
                None
            } else if !leniency.classes.iter().any(|c| c == spoken) {
                notes.push(format!(
                    "step {i}: rejected with {class}; expected {spoken}, which the IUT cannot report"
                ));
                None
            } else {
                let want = if spoken == want {
                    want.to_string()
                } else {
                    format!("{want} (protocol 1.{}: {spoken})", leniency.minor)
                };
                fail(
                    format!("expected error {want}, got {class} ({detail})"),
                    notes,
                )
            }
        }
        (Err(Failure::Rejected { class, .. }), None)
            if tolerance.acceptable && tolerance.injected =>
        {
            notes.push(format!(
                "step {i}: rejected with {class} a message the spec reads (acceptable: a stricter reader may refuse this encoding)"
            ));
            None
        }
        (Err(Failure::Rejected { class, detail }), None) => fail(
            format!("expected success, got error {class} ({detail})"),
            notes,
        ),
        (Ok(_), Some(want)) if tolerance.acceptable => {
            notes.push(format!(
                "step {i}: accepted where the spec rejects with {want} (acceptable)"
            ));
            None
        }
        (Ok(_), Some(want)) => fail(
            format!("expected error {want}, but the IUT accepted"),
            notes,
        ),
        (Ok(reply), None) => compare(reply, expect, compared)
            .map(|d| fail(d, notes))
            .unwrap_or(None),
    }
}

/// Output comparison. Bytes that depend on randomness the IUT did not take are not compared;
/// where they can be checked without it (a signature), they are verified.
fn compare(reply: &Reply, expect: &Expect, compared: Compared) -> Option<String> {
    let deterministic = compared != Compared::Results;
    match reply {
        Reply::Decrypted { plaintext } => match &expect.plaintext {
            Some(want) if want != plaintext => {
                Some(format!("plaintext {plaintext}, expected {want}"))
            }
            _ => None,
        },
        Reply::Encrypted { kind, message } => {
            if let Some(want) = expect.kind {
                if want != *kind {
                    return Some(format!("message kind {kind:?}, expected {want:?}"));
                }
            }
            match &expect.message {
                Some(want) if deterministic && want != message => {
                    Some(format!("message {message}, expected {want}"))
                }
                _ => None,
            }
        }
        Reply::Distribution { distribution } => match &expect.distribution {
            Some(want) if deterministic && want != distribution => {
                Some(format!("distribution {distribution}, expected {want}"))
            }
            _ => None,
        },
        Reply::GroupMessage { message } => match &expect.message {
            Some(want) if deterministic && want != message => {
                Some(format!("message {message}, expected {want}"))
            }
            _ => None,
        },
        Reply::Bundle(b) => {
            let want = expect.bundle.as_ref()?;
            let public = |x: &Bundle| {
                (
                    x.identity_key.clone(),
                    x.signed_prekey_id,
                    x.signed_prekey.clone(),
                    x.one_time_prekey_id,
                    x.one_time_prekey.clone(),
                    x.kyber_prekey_id,
                    x.kyber_prekey.clone(),
                )
            };
            if public(b) != public(want) {
                Some(format!(
                    "bundle keys {:?}, expected {:?}",
                    public(b),
                    public(want)
                ))
            } else if compared == Compared::BytesButSignatures
                && want.signed_prekey_signature.is_some()
            {
                signature_verifies(b).err()
            } else if deterministic && b.signed_prekey_signature != want.signed_prekey_signature {
                Some("signed prekey signature differs".into())
            } else if deterministic && b.kyber_prekey_signature != want.kyber_prekey_signature {
                Some("kyber prekey signature differs".into())
            } else {
                None
            }
        }
        _ => None,
    }
}
