//! Group messaging: one member's sending and receiving sessions, for either group profile.
//!
//! The two group protocols share their shape: a sender creates a session and shares a
//! *distribution* (libsignal's SenderKeyDistributionMessage, Megolm's session key) with each
//! member over a pairwise channel; members join from it and decrypt the sender's messages,
//! each signed by a key only the sender holds. `sender_keys` and `megolm` are the protocols;
//! this module is the member that holds their states, addressed the way their deployments
//! address them: a sender's own sessions by group (a Signal distribution id, a Matrix room),
//! the sessions it reads by (sender, session id).
//!
//! A failed operation changes nothing: each method computes the new state first and
//! stores it only on success.

use crate::error::Error;
use crate::megolm;
use crate::profiles::{megolm_v1, signal_sk_v3};
use crate::sender_keys;

/// A group-messaging deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupProfile {
    /// Byte-compatible with libsignal's Sender Keys (v0.72.1), message version 3.
    SignalSkV3,
    /// Byte-compatible with Megolm as vodozemac 0.11 implements it (truncated MAC).
    MegolmV1,
}

impl GroupProfile {
    pub const ALL: [GroupProfile; 2] = [GroupProfile::SignalSkV3, GroupProfile::MegolmV1];

    /// The profile's name in vectors, reports and the shim protocol.
    pub fn name(self) -> &'static str {
        match self {
            GroupProfile::SignalSkV3 => "signal-sk-v3",
            GroupProfile::MegolmV1 => "megolm-v1",
        }
    }

    pub fn from_name(name: &str) -> Option<GroupProfile> {
        GroupProfile::ALL.iter().copied().find(|p| p.name() == name)
    }

    /// Length of the chain secret a new session draws: Sender Keys' chain key (32 bytes),
    /// Megolm's ratchet R0..R3 (128 bytes).
    pub fn chain_key_len(self) -> usize {
        match self {
            GroupProfile::SignalSkV3 => signal_sk_v3::CHAIN_KEY_LEN,
            GroupProfile::MegolmV1 => megolm_v1::RATCHET_LEN,
        }
    }
}

/// What a new sending session draws at random, injected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderDraws {
    /// `signal-sk-v3`: the group's distribution id (chosen by the application, not drawn;
    /// ignored by `megolm-v1`, whose session id is its signing key).
    pub distribution_id: sender_keys::DistributionId,
    /// `signal-sk-v3`: the chain id (ignored by `megolm-v1`).
    pub chain_id: u32,
    /// The chain key (32 bytes) or Megolm ratchet (128 bytes).
    pub chain_key: Vec<u8>,
    /// The first iteration / message index (0 for a new session in both libraries).
    pub iteration: u32,
    /// The signing private key: an X25519 private key (XEdDSA, `signal-sk-v3`) or an
    /// Ed25519 seed (`megolm-v1`).
    pub signing_private: [u8; 32],
}

/// One sending session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    SenderKeys(sender_keys::Sender),
    Megolm(megolm::GroupSession),
}

/// The sessions a member holds to read one sender under one session id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// Up to five chains of one (sender, distribution id).
    SenderKeys(sender_keys::Record),
    Megolm(megolm::InboundSession),
}

/// A member of any number of groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub profile: GroupProfile,
    /// The sessions this member sends with, by group.
    pub outbound: Vec<(String, Outbound)>,
    /// The sessions it reads: (sender, session id, state). The session id is the
    /// distribution id (`signal-sk-v3`) or the sender's Ed25519 key (`megolm-v1`).
    pub inbound: Vec<(String, Vec<u8>, Inbound)>,
}

impl Outbound {
    fn distribution(&self) -> Vec<u8> {
        match self {
            Outbound::SenderKeys(sender) => sender.distribution().encode(),
            Outbound::Megolm(session) => session.session_key(),
        }
    }
}

impl Member {
    pub fn new(profile: GroupProfile) -> Member {
        Member {
            profile,
            outbound: Vec::new(),
            inbound: Vec::new(),
        }
    }

    /// A new sending session for `group` (replacing the one it had: a rotation), and its
    /// distribution. `Err(Decode)` if the chain key has the wrong length.
    pub fn create(&mut self, group: &str, draws: &SenderDraws) -> Result<Vec<u8>, Error> {
        let outbound = match self.profile {
            GroupProfile::SignalSkV3 => {
                let key = draws
                    .chain_key
                    .as_slice()
                    .try_into()
                    .map_err(|_| Error::Decode)?;
                Outbound::SenderKeys(sender_keys::Sender::new(
                    draws.distribution_id,
                    draws.chain_id,
                    sender_keys::ChainKey {
                        iteration: draws.iteration,
                        key,
                    },
                    draws.signing_private,
                ))
            }
            GroupProfile::MegolmV1 => {
                let bytes = draws
                    .chain_key
                    .as_slice()
                    .try_into()
                    .map_err(|_| Error::Decode)?;
                Outbound::Megolm(megolm::GroupSession {
                    ratchet: megolm::Ratchet::from_bytes(bytes, draws.iteration),
                    signing_seed: draws.signing_private,
                })
            }
        };
        let distribution = outbound.distribution();
        match self.outbound.iter_mut().find(|(g, _)| g == group) {
            Some(entry) => entry.1 = outbound,
            None => self.outbound.push((group.to_string(), outbound)),
        }
        Ok(distribution)
    }

    /// The distribution of `group`'s sending session as it stands now (for a member who
    /// joins later: it cannot read earlier messages). `Err(State)` without a session.
    pub fn distribution(&self, group: &str) -> Result<Vec<u8>, Error> {
        Ok(self.outbound_of(group)?.distribution())
    }

    /// Join `sender`'s session from its distribution. Sender Keys: `Record::add`. Megolm:
    /// a session key (version 2) or an exported key (version 1); for a session id already
    /// held, the key that reaches further back is kept and the indices decrypted so far are
    /// remembered; a key whose ratchet contradicts the one held is refused (`State`).
    pub fn join(&mut self, sender: &str, distribution: &[u8]) -> Result<(), Error> {
        let (id, inbound) = match self.profile {
            GroupProfile::SignalSkV3 => {
                let distribution = sender_keys::Distribution::decode(distribution)?;
                let id = distribution.distribution_id.to_vec();
                let record = match self.inbound_of(sender, &id) {
                    Some(Inbound::SenderKeys(record)) => record.add(&distribution),
                    _ => sender_keys::Record::default().add(&distribution),
                };
                (id, Inbound::SenderKeys(record))
            }
            GroupProfile::MegolmV1 => {
                let new = match distribution.first() {
                    Some(&megolm_v1::EXPORTED_KEY_VERSION) => {
                        megolm::InboundSession::from_exported_key(distribution)?
                    }
                    _ => megolm::InboundSession::from_session_key(distribution)?,
                };
                let id = new.session_id().to_vec();
                let kept = match self.inbound_of(sender, &id) {
                    Some(Inbound::Megolm(held)) => merge(held, new)?,
                    _ => new,
                };
                (id, Inbound::Megolm(kept))
            }
        };
        self.store(sender, id, inbound);
        Ok(())
    }

    /// Encrypt to `group` with its sending session (`z`: XEdDSA's randomness, unused by
    /// Megolm's deterministic Ed25519). `Err(State)` without a session.
    pub fn encrypt(
        &mut self,
        group: &str,
        plaintext: &[u8],
        z: &[u8; 64],
    ) -> Result<Vec<u8>, Error> {
        let (next, message) = match self.outbound_of(group)? {
            Outbound::SenderKeys(sender) => {
                let (next, message) = sender.encrypt(plaintext, z)?;
                (Outbound::SenderKeys(next), message)
            }
            Outbound::Megolm(session) => {
                let (next, message) = session.encrypt(plaintext)?;
                (Outbound::Megolm(next), message)
            }
        };
        if let Some(entry) = self.outbound.iter_mut().find(|(g, _)| g == group) {
            entry.1 = next;
        }
        Ok(message)
    }

    /// Decrypt a message from `sender`. Sender Keys read the distribution id from the
    /// message; Megolm messages carry no session id, so the caller passes the one the
    /// transport carried (Matrix `m.megolm.v1.aes-sha2` `session_id`). `Err(State)` if no
    /// session of that sender has that id: a message in one member's name under another's
    /// session is never tried with it.
    pub fn decrypt(
        &mut self,
        sender: &str,
        session_id: Option<&[u8]>,
        message: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let (id, next, plaintext) = match self.profile {
            GroupProfile::SignalSkV3 => {
                let parsed = sender_keys::parse(message)?;
                let id = parsed.distribution_id.to_vec();
                let Some(Inbound::SenderKeys(record)) = self.inbound_of(sender, &id) else {
                    return Err(Error::State);
                };
                let (record, plaintext) = record.decrypt(&parsed)?;
                (id, Inbound::SenderKeys(record), plaintext)
            }
            GroupProfile::MegolmV1 => {
                let id = session_id.ok_or(Error::State)?.to_vec();
                let Some(Inbound::Megolm(session)) = self.inbound_of(sender, &id) else {
                    return Err(Error::State);
                };
                let (session, plaintext, _) = session.decrypt(message)?;
                (id, Inbound::Megolm(session), plaintext)
            }
        };
        self.store(sender, id, next);
        Ok(plaintext)
    }

    fn outbound_of(&self, group: &str) -> Result<&Outbound, Error> {
        self.outbound
            .iter()
            .find(|(g, _)| g == group)
            .map(|(_, o)| o)
            .ok_or(Error::State)
    }

    fn inbound_of(&self, sender: &str, id: &[u8]) -> Option<&Inbound> {
        self.inbound
            .iter()
            .find(|(s, i, _)| s == sender && i == id)
            .map(|(_, _, state)| state)
    }

    fn store(&mut self, sender: &str, id: Vec<u8>, state: Inbound) {
        match self
            .inbound
            .iter_mut()
            .find(|(s, i, _)| s == sender && *i == id)
        {
            Some(entry) => entry.2 = state,
            None => self.inbound.push((sender.to_string(), id, state)),
        }
    }
}

/// Two keys of one Megolm session (vodozemac `InboundGroupSession::merge`): they must be
/// connected (the later ratchet is the earlier one advanced), else `State`; the earlier
/// one is kept, with the indices decrypted so far and the better of the two verifications.
fn merge(
    held: &megolm::InboundSession,
    new: megolm::InboundSession,
) -> Result<megolm::InboundSession, Error> {
    let (earlier, later) = if new.initial.index < held.initial.index {
        (&new, held)
    } else {
        (held, &new)
    };
    if earlier.initial.advance_to(later.initial.index)? != later.initial {
        return Err(Error::State);
    }
    Ok(megolm::InboundSession {
        initial: earlier.initial.clone(),
        signing_key: held.signing_key,
        signing_key_verified: held.signing_key_verified || new.signing_key_verified,
        decrypted: held.decrypted.clone(),
    })
}
