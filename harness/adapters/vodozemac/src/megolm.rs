//! vodozemac's Megolm (`vodozemac::megolm`) as a group member of profile `megolm-v1`
//! (`harness/SHIM.md` §Groups).
//!
//! A member sends with one `GroupSession` per group and reads with one
//! `InboundGroupSession` per (sender, session id), the session id being the sender's Ed25519
//! key, as a Matrix client keys them. The distribution is vodozemac's session key (version 2);
//! a member also joins from an exported key (version 1), and a second key of a session it
//! holds goes through vodozemac's `merge`.
//!
//! What the adapter adds to vodozemac is what a Matrix client must add
//! (`spec/src/profiles/megolm_v1.rs`): **replay detection**. vodozemac's
//! `InboundGroupSession::decrypt` returns the message index and leaves remembering it to the
//! caller; the member remembers every index it decrypted per session and refuses a second
//! message at one of them (`duplicate_message`), after vodozemac accepted it, as the spec's
//! `megolm::InboundSession::decrypt` does. It also refuses to encrypt at index `u32::MAX`
//! (`state_error`, as the spec does): vodozemac's ratchet counter would overflow there
//! (`megolm/ratchet.rs:190` `advance`, `self.counter += 1`: a panic with overflow checks, a wrap
//! to index 0 without).
//!
//! Chosen draws (ratchet, first index, Ed25519 seed) go in through vodozemac's own
//! `GroupSessionPickle`, its only door for them; snapshots are pickles too.

use crate::errors::{self, state};
use e2ee_iut::Failure;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use vodozemac::megolm::{
    ExportedSessionKey, GroupSession, GroupSessionPickle, InboundGroupSession,
    InboundGroupSessionPickle, MegolmMessage, SessionConfig, SessionKey,
};

/// The profile this module answers.
pub const PROFILE: &str = "megolm-v1";

/// `ExportedSessionKey::VERSION` (vodozemac `megolm/session_keys.rs`): the first byte that
/// tells an exported key from a session key (version 2).
const EXPORTED_KEY_VERSION: u8 = 0x01;

/// Ratchet length (`megolm/ratchet.rs` `RATCHET_LENGTH`).
pub const RATCHET_LEN: usize = 128;

/// One member's Megolm sessions.
#[derive(Default)]
pub struct Member {
    /// The session this member sends with, by group; a new one replaces it (rotation).
    pub outbound: Vec<(String, GroupSession)>,
    pub inbound: Vec<Inbound>,
}

/// A session this member reads, and the indices it decrypted with it.
pub struct Inbound {
    pub sender: String,
    /// The sender's Ed25519 public key.
    pub session_id: [u8; 32],
    pub session: InboundGroupSession,
    /// Message indices decrypted so far, ascending: the client's replay record.
    pub decrypted: Vec<u32>,
}

/// What a new sending session draws; `None` leaves the draw to vodozemac.
#[derive(Default)]
pub struct Draws {
    pub ratchet: Option<[u8; RATCHET_LEN]>,
    pub index: Option<u32>,
    pub signing_seed: Option<[u8; 32]>,
}

/// A `GroupSession` (`SessionConfig::version_1`) with the given draws: vodozemac's own new
/// session, its pickle's `ratchet.inner`, `ratchet.counter` and `signing_key.Normal` (the
/// RFC 8032 seed) replaced by what is given.
pub fn group_session(draws: &Draws) -> Result<GroupSession, Failure> {
    let fresh = GroupSession::new(SessionConfig::version_1());
    if draws.ratchet.is_none() && draws.index.is_none() && draws.signing_seed.is_none() {
        return Ok(fresh);
    }
    let mut v = serde_json::to_value(fresh.pickle()).map_err(|e| broken("group session", e))?;
    edit(&mut v, draws).ok_or_else(|| {
        Failure::Broken("vodozemac group session pickle has an unexpected shape".into())
    })?;
    let pickle: GroupSessionPickle =
        serde_json::from_value(v).map_err(|e| broken("group session", e))?;
    Ok(GroupSession::from_pickle(pickle))
}

fn edit(v: &mut Value, draws: &Draws) -> Option<()> {
    let ratchet = v.get_mut("ratchet")?;
    if let Some(bytes) = &draws.ratchet {
        *ratchet.get_mut("inner")? = json!(bytes.as_slice());
    }
    if let Some(index) = draws.index {
        *ratchet.get_mut("counter")? = json!(index);
    }
    if let Some(seed) = &draws.signing_seed {
        *v.get_mut("signing_key")?.get_mut("Normal")? = json!(seed);
    }
    Some(())
}

/// The 32-byte session id of a vodozemac session (its API gives it in base64).
fn id_bytes(base64: &str) -> Result<[u8; 32], Failure> {
    vodozemac::base64_decode(base64)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Failure::Broken(format!("vodozemac session id {base64:?}")))
}

impl Member {
    /// A new sending session for `group`, replacing the one it had; its session key.
    pub fn create(&mut self, group: &str, draws: &Draws) -> Result<Vec<u8>, Failure> {
        let session = group_session(draws)?;
        let key = session.session_key().to_bytes();
        match self.outbound.iter_mut().find(|(g, _)| g == group) {
            Some(entry) => entry.1 = session,
            None => self.outbound.push((group.to_string(), session)),
        }
        Ok(key)
    }

    /// The session key of `group`'s sending session as it stands now.
    pub fn share(&self, group: &str) -> Result<Vec<u8>, Failure> {
        Ok(self.outbound_of(group)?.session_key().to_bytes())
    }

    /// Join `sender`'s session from a session key (`InboundGroupSession::new`) or an exported
    /// key (`import`); a session already held from that sender under that id is merged with
    /// the new one (`merge`: the earlier ratchet is kept, and the replay record), and a key
    /// whose ratchet is not connected to the held one is refused (`state_error`).
    pub fn join(&mut self, sender: &str, distribution: &[u8]) -> Result<(), Failure> {
        let mut session = if distribution.first() == Some(&EXPORTED_KEY_VERSION) {
            let key = ExportedSessionKey::from_bytes(distribution).map_err(errors::megolm_key)?;
            InboundGroupSession::import(&key, SessionConfig::version_1())
        } else {
            let key = SessionKey::from_bytes(distribution).map_err(errors::megolm_key)?;
            InboundGroupSession::new(&key, SessionConfig::version_1())
        };
        let session_id = id_bytes(&session.session_id())?;
        match self
            .inbound
            .iter_mut()
            .find(|i| i.sender == sender && i.session_id == session_id)
        {
            Some(held) => {
                held.session = held.session.merge(&mut session).ok_or_else(|| {
                    state("a key of this session id whose ratchet is not connected to the held one")
                })?;
            }
            None => self.inbound.push(Inbound {
                sender: sender.to_string(),
                session_id,
                session,
                decrypted: Vec::new(),
            }),
        }
        Ok(())
    }

    /// Encrypt to `group`: `MegolmMessage::to_bytes`.
    pub fn encrypt(&mut self, group: &str, plaintext: &[u8]) -> Result<Vec<u8>, Failure> {
        let session = self.outbound_mut(group)?;
        if session.message_index() == u32::MAX {
            return Err(state("the ratchet is at its last index (u32::MAX)"));
        }
        Ok(session.encrypt(plaintext).to_bytes())
    }

    /// Decrypt `sender`'s message under the session `session_id` names, then the replay
    /// check: an index already decrypted is `duplicate_message` and changes nothing.
    pub fn decrypt(
        &mut self,
        sender: &str,
        session_id: &[u8],
        message: &[u8],
    ) -> Result<Vec<u8>, Failure> {
        let inbound = self
            .inbound
            .iter_mut()
            .find(|i| i.sender == sender && i.session_id == session_id)
            .ok_or_else(|| state(format!("no session of {sender} with that id")))?;
        let message = MegolmMessage::from_bytes(message).map_err(errors::decode)?;
        let decrypted = inbound
            .session
            .decrypt(&message)
            .map_err(|e| errors::megolm_decryption(&e))?;
        match inbound.decrypted.binary_search(&decrypted.message_index) {
            Ok(_) => Err(errors::rejected(
                "duplicate_message",
                format!("index {} was decrypted before", decrypted.message_index),
            )),
            Err(slot) => {
                inbound.decrypted.insert(slot, decrypted.message_index);
                Ok(decrypted.plaintext)
            }
        }
    }

    fn outbound_of(&self, group: &str) -> Result<&GroupSession, Failure> {
        self.outbound
            .iter()
            .find(|(g, _)| g == group)
            .map(|(_, s)| s)
            .ok_or_else(|| state(format!("no sending session for {group}")))
    }

    fn outbound_mut(&mut self, group: &str) -> Result<&mut GroupSession, Failure> {
        self.outbound
            .iter_mut()
            .find(|(g, _)| g == group)
            .map(|(_, s)| s)
            .ok_or_else(|| state(format!("no sending session for {group}")))
    }
}

#[derive(Serialize, Deserialize)]
struct MemberPickle {
    outbound: Vec<(String, GroupSessionPickle)>,
    inbound: Vec<InboundPickle>,
}

#[derive(Serialize, Deserialize)]
struct InboundPickle {
    sender: String,
    session_id: [u8; 32],
    session: InboundGroupSessionPickle,
    decrypted: Vec<u32>,
}

fn broken(what: &str, e: serde_json::Error) -> Failure {
    Failure::Broken(format!("vodozemac {what} pickle: {e}"))
}

/// The whole member as a JSON string (vodozemac's pickles and the replay records).
pub fn save(member: &Member) -> Result<String, Failure> {
    let pickle = MemberPickle {
        outbound: member
            .outbound
            .iter()
            .map(|(g, s)| (g.clone(), s.pickle()))
            .collect(),
        inbound: member
            .inbound
            .iter()
            .map(|i| InboundPickle {
                sender: i.sender.clone(),
                session_id: i.session_id,
                session: i.session.pickle(),
                decrypted: i.decrypted.clone(),
            })
            .collect(),
    };
    serde_json::to_string(&pickle).map_err(|e| broken("member", e))
}

/// The member a [`save`] string describes.
pub fn load(saved: &str) -> Result<Member, Failure> {
    let pickle: MemberPickle = serde_json::from_str(saved).map_err(|e| broken("member", e))?;
    Ok(Member {
        outbound: pickle
            .outbound
            .into_iter()
            .map(|(g, s)| (g, GroupSession::from_pickle(s)))
            .collect(),
        inbound: pickle
            .inbound
            .into_iter()
            .map(|i| Inbound {
                sender: i.sender,
                session_id: i.session_id,
                session: InboundGroupSession::from_pickle(i.session),
                decrypted: i.decrypted,
            })
            .collect(),
    })
}
