//! Random group conversations for property mode: three members of one group create, rotate
//! and share sessions, send, and receive in any order, with losses, replays and tampered
//! copies. Scripts are group trace tests with empty expectations; the spec records them
//! before an IUT runs them (`group_engine::record`).

use e2ee_spec::group::GroupProfile;
use e2ee_spec::profiles::signal_sk_v3::MAX_SENDER_KEY_STATES;
use e2ee_vectors::envelope::Verdict;
use e2ee_vectors::group_trace::{GroupStep, GroupTraceTest};
use e2ee_vectors::rng::Rng;
use e2ee_vectors::trace::Expect;

pub const MEMBERS: [&str; 3] = ["alice", "bob", "carol"];
const GROUP: &str = "g";

#[derive(Debug, Clone)]
pub enum GroupAction {
    /// Member `m` (modulo) starts a sending session, or rotates the one it has, and sends
    /// its distribution to the others as a client does, except with `leave_out` 1 or 2 to
    /// the first or second other member (a member who joins later, or never).
    Create(u8, u8),
    /// Member `m` shares its current session with member `to` (another one), who joins.
    Share(u8, u8),
    /// Member `m` sends `n` messages in a row.
    Send(u8, u8),
    /// The `n`-th (modulo) pending (message, receiver) pair is delivered.
    Deliver(usize),
    /// The `n`-th (modulo) delivered pair is delivered again.
    Duplicate(usize),
    /// A copy of the `n`-th (modulo) pending pair's message, one byte of its signature
    /// (`from_end` in 1..=64 bytes before the end) XORed, reaches that receiver first.
    Tamper(usize, u8, u8),
}

/// A message: its label, sender, the sender's session number and the message's index in it.
struct Sent {
    label: String,
    sender: usize,
    session: usize,
    index: u32,
}

/// A sender's sessions a receiver holds, most recent first, each with its first readable index.
type Held = Vec<(usize, u32)>;

/// What the script has done so far, enough to know which tampered copies have one answer.
struct Book {
    profile: GroupProfile,
    /// Per member: how many sessions it has created, and the next index of the current one.
    sessions: [usize; 3],
    next_index: [u32; 3],
    /// (receiver, sender) → the sender's sessions the receiver holds, most recent first, each
    /// with the first index it can read.
    held: Vec<((usize, usize), Held)>,
    sent: Vec<Sent>,
}

impl Book {
    fn holds(&mut self, receiver: usize, sender: usize) -> &mut Vec<(usize, u32)> {
        let at = match self.held.iter().position(|(k, _)| *k == (receiver, sender)) {
            Some(at) => at,
            None => {
                self.held.push(((receiver, sender), Vec::new()));
                self.held.len() - 1
            }
        };
        &mut self.held[at].1
    }

    /// A join: the session moves to the front; an index already held is kept (no rewind);
    /// Sender Keys keeps at most `MAX_SENDER_KEY_STATES` per sender and distribution id.
    fn join(&mut self, receiver: usize, sender: usize, session: usize, index: u32) {
        let profile = self.profile;
        let held = self.holds(receiver, sender);
        let first = held
            .iter()
            .find(|(s, _)| *s == session)
            .map_or(index, |(_, i)| (*i).min(index));
        held.retain(|(s, _)| *s != session);
        held.insert(0, (session, first));
        if profile == GroupProfile::SignalSkV3 {
            held.truncate(MAX_SENDER_KEY_STATES);
        }
    }

    /// Whether `receiver` holds the session of `sent` and its key for that index: then the
    /// only answer to a copy with a broken signature is `bad_signature`, whatever order an
    /// implementation checks things in.
    fn readable(&self, receiver: usize, sent: usize) -> bool {
        let s = &self.sent[sent];
        self.held
            .iter()
            .filter(|(k, _)| *k == (receiver, s.sender))
            .flat_map(|(_, held)| held)
            .any(|(session, first)| *session == s.session && *first <= s.index)
    }
}

/// Turn actions into a script for `profile`. Messages are labelled `m<k>_<i>`, tampered
/// copies `t<k>`, distributions `d<k>`.
pub fn conversation(profile: GroupProfile, seed: u64, actions: &[GroupAction]) -> GroupTraceTest {
    let mut rng = Rng::from_u64(seed);
    let signal = profile == GroupProfile::SignalSkV3;
    // A random (version 4) UUID, as applications use: libsignal's Node binding takes no other.
    let mut uuid: [u8; 16] = rng.bytes();
    uuid[6] = (uuid[6] & 0x0f) | 0x40;
    uuid[8] = (uuid[8] & 0x3f) | 0x80;
    let distribution_id = hex::encode(uuid);
    let mut steps = Vec::new();
    let mut book = Book {
        profile,
        sessions: [0; 3],
        next_index: [0; 3],
        held: Vec::new(),
        sent: Vec::new(),
    };
    // (sent message, receiver) pairs not yet delivered, and those delivered.
    let mut pending: Vec<(usize, usize)> = Vec::new();
    let mut delivered: Vec<(usize, usize)> = Vec::new();
    for (k, action) in actions.iter().enumerate() {
        match action {
            GroupAction::Create(m, leave_out) => create(
                &mut rng,
                &distribution_id,
                usize::from(*m) % 3,
                *leave_out,
                k,
                &mut steps,
                &mut book,
            ),
            GroupAction::Share(m, to) => {
                let m = usize::from(*m) % 3;
                let to = (m + 1 + usize::from(*to) % 2) % 3;
                if book.sessions[m] == 0 {
                    create(&mut rng, &distribution_id, m, 0, k, &mut steps, &mut book);
                }
                let label = format!("s{k}");
                steps.push(GroupStep::Share {
                    actor: MEMBERS[m].into(),
                    group: GROUP.into(),
                    label: label.clone(),
                    expect: Expect::default(),
                });
                steps.push(GroupStep::Join {
                    actor: MEMBERS[to].into(),
                    sender: MEMBERS[m].into(),
                    label,
                    expect: Expect::default(),
                });
                book.join(to, m, book.sessions[m], book.next_index[m]);
            }
            GroupAction::Send(m, n) => {
                let m = usize::from(*m) % 3;
                if book.sessions[m] == 0 {
                    create(&mut rng, &distribution_id, m, 0, k, &mut steps, &mut book);
                }
                for i in 0..*n {
                    let label = format!("m{k}_{i}");
                    steps.push(GroupStep::Send {
                        actor: MEMBERS[m].into(),
                        group: GROUP.into(),
                        label: label.clone(),
                        plaintext: rng.hex(12),
                        signature_randomness: signal.then(|| rng.hex(64)),
                        expect: Expect::default(),
                    });
                    book.sent.push(Sent {
                        label,
                        sender: m,
                        session: book.sessions[m],
                        index: book.next_index[m],
                    });
                    book.next_index[m] += 1;
                    let at = book.sent.len() - 1;
                    pending.extend((0..3).filter(|r| *r != m).map(|r| (at, r)));
                }
            }
            GroupAction::Deliver(n) if !pending.is_empty() => {
                let (at, r) = pending.remove(n % pending.len());
                steps.push(deliver(&book, at, r, &book.sent[at].label));
                delivered.push((at, r));
            }
            GroupAction::Duplicate(n) if !delivered.is_empty() => {
                let (at, r) = delivered[n % delivered.len()];
                steps.push(deliver(&book, at, r, &book.sent[at].label));
            }
            GroupAction::Tamper(n, from_end, xor) if !pending.is_empty() => {
                let (at, r) = pending[n % pending.len()];
                if !book.readable(r, at) {
                    continue;
                }
                let as_label = format!("t{k}");
                steps.push(GroupStep::Tamper {
                    label: book.sent[at].label.clone(),
                    as_label: as_label.clone(),
                    from_end: u32::from(*from_end).clamp(1, 64),
                    xor: (*xor).max(1),
                });
                steps.push(deliver(&book, at, r, &as_label));
            }
            _ => {}
        }
    }
    GroupTraceTest {
        tc_id: format!("props.{seed:016x}"),
        comment: "random group conversation (property mode)".into(),
        flags: Vec::new(),
        result: Verdict::Valid,
        members: MEMBERS.iter().map(|m| m.to_string()).collect(),
        steps,
    }
}

/// Member `m` starts (or rotates to) a new sending session, with fresh draws, and the
/// others join it but the one `leave_out` names (1 or 2; none otherwise).
#[allow(clippy::too_many_arguments)]
fn create(
    rng: &mut Rng,
    distribution_id: &str,
    m: usize,
    leave_out: u8,
    k: usize,
    steps: &mut Vec<GroupStep>,
    book: &mut Book,
) {
    let signal = book.profile == GroupProfile::SignalSkV3;
    steps.push(GroupStep::Create {
        actor: MEMBERS[m].into(),
        group: GROUP.into(),
        label: format!("d{k}"),
        distribution_id: signal.then(|| distribution_id.to_string()),
        chain_id: signal.then(|| u32::from_be_bytes(rng.bytes()) >> 1),
        chain_key: rng.hex(book.profile.chain_key_len()),
        iteration: 0,
        signing_private: rng.hex(32),
        expect: Expect::default(),
    });
    book.sessions[m] += 1;
    book.next_index[m] = 0;
    for (i, to) in [(m + 1) % 3, (m + 2) % 3].into_iter().enumerate() {
        if usize::from(leave_out) == i + 1 {
            continue;
        }
        steps.push(GroupStep::Join {
            actor: MEMBERS[to].into(),
            sender: MEMBERS[m].into(),
            label: format!("d{k}"),
            expect: Expect::default(),
        });
        book.join(to, m, book.sessions[m], 0);
    }
}

fn deliver(book: &Book, sent: usize, receiver: usize, label: &str) -> GroupStep {
    GroupStep::Deliver {
        actor: MEMBERS[receiver].into(),
        sender: MEMBERS[book.sent[sent].sender].into(),
        label: label.into(),
        expect: Expect::default(),
    }
}
