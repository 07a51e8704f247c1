//! A party: long-term identity, prekeys and sessions — the state X3DH §3.4 talks about when
//! it says Bob "deletes the one-time prekey", and what a prekey message is matched against.

use crate::crypto::kem::KemKeyPair;
use crate::double_ratchet::KeyPair;
use crate::error::Error;
use crate::pqxdh::{self, SignedKemPrekey};
use crate::profile::{Limits, Profile, WireVariant};
use crate::profiles;
use crate::session::{self, MessageKind, OneTimePrekeyRef, ResponderKeys, Session};
use crate::x3dh::{self, PreKeyBundle};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    pub profile: Profile,
    /// The limits its sessions keep and how many replaced sessions it archives: the
    /// profile's (`Profile::limits`), unless a stricter deployment is modelled (the suite
    /// judges an implementation that declares stricter limits against such a party,
    /// harness/SHIM.md §Limits). Not part of the state a checkpoint digest covers.
    pub limits: Limits,
    pub header_encryption: bool,
    /// How this party writes its messages' bytes (one of `profile.variants()`): every session
    /// it starts or accepts writes so.
    pub wire: WireVariant,
    pub identity: KeyPair,
    /// libsignal's registration id (0 elsewhere).
    pub registration_id: u32,
    pub signed_prekeys: Vec<(u32, KeyPair, [u8; 64])>,
    pub one_time_prekeys: Vec<(u32, KeyPair)>,
    /// PQXDH (`signal-v4`): the KEM prekeys, one-time and last-resort.
    pub kyber_prekeys: Vec<KemPrekey>,
    /// The current session per remote identity key, found by that key: the one messages are
    /// sent with. Their order carries no meaning (a new peer's session goes last, an
    /// advanced one stays where it was).
    pub sessions: Vec<Session>,
    /// The sessions newer ones replaced, per remote identity key (`profiles::archive`: none
    /// in `modern`). Order carries no meaning between peers; within a peer it is newest first.
    pub archived: Vec<Archived>,
}

/// The sessions with one peer that a newer session with it replaced, newest first:
/// libsignal's `previous_sessions` (`state/session.rs` `SessionRecord`), a Matrix client's
/// other Olm sessions with the sender. A normal message the current session cannot decrypt
/// is tried with each in this order, and the one that decrypts it becomes current again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Archived {
    pub remote_identity: [u8; 32],
    pub sessions: Vec<Session>,
}

/// What a session update does to the peer's current and archived sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionChange {
    /// The current session advanced (or the peer's first session started).
    Advanced,
    /// A new session becomes current; the current one, if any, is archived (libsignal
    /// `promote_state`).
    Replaced,
    /// Archived session `index` of the peer decrypted a message and becomes current again;
    /// the current one is archived in front (libsignal `promote_old_session`).
    Promoted(usize),
}

/// PQXDH §3.2: a KEM prekey Bob holds. A one-time one is deleted when a prekey message uses
/// it (§3.4); the last-resort one is kept and may be used by any number of initiators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KemPrekey {
    pub id: u32,
    pub pair: KemKeyPair,
    pub signature: [u8; 64],
    pub last_resort: bool,
}

/// The inputs of a new KEM prekey: its id, its key pair (generated from a seed with
/// `kem::generate`, or imported with `kem::import`), the XEdDSA randomness of its signature,
/// and whether it is the last-resort key.
#[derive(Clone, Copy, Debug)]
pub struct KemPrekeyInput<'a> {
    pub id: u32,
    pub pair: &'a KemKeyPair,
    pub z: &'a [u8; 64],
    pub last_resort: bool,
}

/// What one successful party-level operation changes in a party. The operations borrow the
/// party and return this instead of a whole new party, so a message costs the one session it
/// belongs to, not a copy of every session the party holds; [`Party::apply`] then makes the
/// change. A failed operation returns an error and no update, so the party is unchanged.
// The `Session` variant is larger than `Prekeys`; an update is moved once, from the
// operation into `Party::apply`, so boxing it would only add an allocation per message.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartyUpdate {
    /// X3DH §3.2: a signed prekey (with its signature) and optionally a one-time prekey, each
    /// replacing a prekey with the same id.
    Prekeys {
        signed_prekey: (u32, KeyPair, [u8; 64]),
        one_time_prekey: Option<(u32, KeyPair)>,
        kyber_prekey: Option<KemPrekey>,
    },
    /// The one session an operation started or advanced, which becomes the current session
    /// with its remote identity key as `change` says; and the id of the one-time prekey a
    /// responder used, which X3DH §3.4 says to delete.
    Session {
        session: Session,
        change: SessionChange,
        used_one_time_prekey: Option<u32>,
        /// PQXDH: the KEM prekey a responder used (deleted unless it is the last-resort one).
        used_kyber_prekey: Option<u32>,
    },
}

impl Party {
    pub fn new(
        profile: Profile,
        header_encryption: bool,
        identity: &[u8; 32],
        registration_id: u32,
    ) -> Party {
        Party {
            profile,
            limits: profile.limits(),
            header_encryption,
            wire: WireVariant::Reference,
            identity: KeyPair::from_private(identity),
            registration_id,
            signed_prekeys: Vec::new(),
            one_time_prekeys: Vec::new(),
            kyber_prekeys: Vec::new(),
            sessions: Vec::new(),
            archived: Vec::new(),
        }
    }

    /// The archived sessions with `remote_identity`, newest first.
    pub fn archived(&self, remote_identity: &[u8; 32]) -> &[Session] {
        self.archived
            .iter()
            .find(|a| &a.remote_identity == remote_identity)
            .map_or(&[], |a| &a.sessions)
    }

    /// Archive `old`, a session a newer one replaced, in front of its peer's archive; the
    /// oldest falls out past the party's bound (libsignal `archive_current_state_inner`).
    fn archive(&mut self, mut old: Session) {
        let max = self.limits.archived_sessions;
        if max == 0 {
            return;
        }
        if profiles::archive_clears_pending_prekey(self.profile) {
            old.pending_prekey = None;
        }
        let i = match self
            .archived
            .iter()
            .position(|a| a.remote_identity == old.remote_identity)
        {
            Some(i) => i,
            None => {
                self.archived.push(Archived {
                    remote_identity: old.remote_identity,
                    sessions: Vec::new(),
                });
                self.archived.len() - 1
            }
        };
        let sessions = &mut self.archived[i].sessions;
        sessions.truncate(max - 1);
        sessions.insert(0, old);
    }

    pub fn session(&self, remote_identity: &[u8; 32]) -> Option<&Session> {
        self.sessions
            .iter()
            .find(|s| &s.remote_identity == remote_identity)
    }

    /// Make the change an operation returned. Takes the party by value so the sessions and
    /// prekeys it keeps move into the result rather than being copied.
    pub fn apply(mut self, update: PartyUpdate) -> Party {
        match update {
            PartyUpdate::Prekeys {
                signed_prekey,
                one_time_prekey,
                kyber_prekey,
            } => {
                self.signed_prekeys
                    .retain(|(id, _, _)| *id != signed_prekey.0);
                self.signed_prekeys.push(signed_prekey);
                if let Some((id, pair)) = one_time_prekey {
                    self.one_time_prekeys.retain(|(i, _)| *i != id);
                    self.one_time_prekeys.push((id, pair));
                }
                if let Some(prekey) = kyber_prekey {
                    self.kyber_prekeys.retain(|k| k.id != prekey.id);
                    self.kyber_prekeys.push(prekey);
                }
            }
            PartyUpdate::Session {
                session,
                change,
                used_one_time_prekey,
                used_kyber_prekey,
            } => {
                let remote = session.remote_identity;
                if let SessionChange::Promoted(index) = change {
                    if let Some(a) = self
                        .archived
                        .iter_mut()
                        .find(|a| a.remote_identity == remote)
                    {
                        if index < a.sessions.len() {
                            a.sessions.remove(index);
                        }
                    }
                }
                // Replaced where it stands: moving it (to keep some order) would shift the
                // other sessions, a cost per message that grows with their number.
                match self
                    .sessions
                    .iter()
                    .position(|s| s.remote_identity == remote)
                {
                    Some(i) => {
                        let old = std::mem::replace(&mut self.sessions[i], session);
                        if change != SessionChange::Advanced {
                            self.archive(old);
                        }
                    }
                    None => self.sessions.push(session),
                }
                if let Some(used) = used_one_time_prekey {
                    self.one_time_prekeys.retain(|(id, _)| *id != used);
                }
                if let Some(used) = used_kyber_prekey {
                    self.kyber_prekeys.retain(|k| k.id != used || k.last_resort);
                }
            }
        }
        self
    }
}

/// The update for a session an operation started or advanced, using no one-time prekey.
fn session_update(session: Session, change: SessionChange) -> PartyUpdate {
    PartyUpdate::Session {
        session,
        change,
        used_one_time_prekey: None,
        used_kyber_prekey: None,
    }
}

/// X3DH §3.2: publish a signed prekey (signed with XEdDSA randomness `z`) and optionally a
/// one-time prekey, and (PQXDH §3.2) a signed KEM prekey of the profile's KEM; returns the
/// update that makes the party hold them and the bundle to publish. `kyber_prekey` is
/// ignored by the profiles that do not start with PQXDH.
pub fn publish_bundle(
    party: &Party,
    signed_prekey: (u32, &[u8; 32]),
    one_time_prekey: Option<(u32, &[u8; 32])>,
    z: &[u8; 64],
    kyber_prekey: Option<KemPrekeyInput<'_>>,
) -> (PartyUpdate, PreKeyBundle) {
    let spk = KeyPair::from_private(signed_prekey.1);
    let signature = x3dh::sign_prekey(&party.identity, &spk.public, z);
    let otk = one_time_prekey.map(|(id, private)| (id, KeyPair::from_private(private)));
    let kyber = kyber_prekey
        .filter(|_| party.profile.post_quantum())
        .map(|input| KemPrekey {
            id: input.id,
            signature: pqxdh::sign_kem_prekey(&party.identity, &input.pair.public, input.z),
            pair: input.pair.clone(),
            last_resort: input.last_resort,
        });
    let bundle = PreKeyBundle {
        identity_key: party.identity.public,
        signed_prekey_id: signed_prekey.0,
        signed_prekey: spk.public,
        signed_prekey_signature: signature,
        one_time_prekey: otk.as_ref().map(|(id, pair)| (*id, pair.public)),
        kyber_prekey: kyber.as_ref().map(|k| SignedKemPrekey {
            id: k.id,
            public: k.pair.public.clone(),
            signature: k.signature,
        }),
    };
    let update = PartyUpdate::Prekeys {
        signed_prekey: (signed_prekey.0, spk, signature),
        one_time_prekey: otk,
        kyber_prekey: kyber,
    };
    (update, bundle)
}

/// X3DH §3.3 (PQXDH §3.3), Alice: start a session from Bob's bundle. It becomes the current
/// session with Bob; the one it replaces is archived where the profile keeps archives. `kem_m` is the KEM encapsulation randomness (PQXDH only).
pub fn initiate(
    party: &Party,
    bundle: &PreKeyBundle,
    ek_private: &[u8; 32],
    fresh: &[u8; 32],
    kem_m: &[u8; 32],
) -> Result<PartyUpdate, Error> {
    let session = session::initiate(
        party.profile,
        &party.limits,
        party.header_encryption,
        &party.identity,
        party.registration_id,
        bundle,
        ek_private,
        fresh,
        kem_m,
    )?;
    let session = Session {
        wire: party.wire,
        ..session
    };
    Ok(session_update(session, SessionChange::Replaced))
}

/// Double Ratchet §3.4: encrypt to `remote_identity` in the session with it.
pub fn encrypt(
    party: &Party,
    remote_identity: &[u8; 32],
    plaintext: &[u8],
    fresh: &[u8; 32],
    header_nonce: &[u8; 12],
) -> Result<(PartyUpdate, MessageKind, Vec<u8>), Error> {
    let session = party.session(remote_identity).ok_or(Error::State)?;
    let (session, kind, message) = session::encrypt(session, plaintext, fresh, header_nonce)?;
    Ok((
        session_update(session, SessionChange::Advanced),
        kind,
        message,
    ))
}

/// Receive a message from `remote_identity` (Double Ratchet §3.5).
///
/// A normal message is tried with the current session, then (where the profile keeps them)
/// with each archived session newest first; the first that decrypts it becomes current again
/// (libsignal `session_cipher.rs` `decrypt_message_with_record`). A duplicate in any of them
/// ends the search. Every trial works on a copy, so when all fail nothing changes and the
/// error is the current session's.
///
/// A prekey message goes to the session it names by base key (and, in Olm, one-time key):
/// the current one or an archived one, which then becomes current (libsignal
/// `promote_matching_session`). One that names none runs the responder's key agreement, and
/// on success the one-time prekey it used is deleted (X3DH §3.4), so a replayed prekey message
/// of a session no longer kept fails with `UnknownPrekey`. A prekey message whose identity key
/// is not `remote_identity` is `UntrustedIdentity`.
pub fn decrypt(
    party: &Party,
    remote_identity: &[u8; 32],
    kind: MessageKind,
    message: &[u8],
    fresh: &[u8; 32],
) -> Result<(PartyUpdate, Vec<u8>), Error> {
    let existing = party.session(remote_identity);
    let archived = party.archived(remote_identity);
    if kind == MessageKind::Normal {
        let current = existing.ok_or(Error::State)?;
        let error = match session::decrypt(current, kind, message, fresh) {
            Ok((session, plaintext)) => {
                return Ok((session_update(session, SessionChange::Advanced), plaintext))
            }
            Err(e) => e,
        };
        if error == Error::DuplicateMessage {
            return Err(error);
        }
        for (index, old) in archived.iter().enumerate() {
            match session::decrypt(old, kind, message, fresh) {
                Ok((session, plaintext)) => {
                    let update = session_update(session, SessionChange::Promoted(index));
                    return Ok((update, plaintext));
                }
                Err(Error::DuplicateMessage) => return Err(Error::DuplicateMessage),
                Err(_) => {}
            }
        }
        return Err(error);
    }
    let prekey = session::decode_prekey_message(party.profile, message)?;
    // The caller names the peer by the identity it holds for it; a prekey message claiming
    // another identity is someone else speaking for that peer.
    if &prekey.header.identity_key != remote_identity {
        return Err(Error::UntrustedIdentity);
    }
    if let Some(session) = existing.filter(|s| session::belongs(s, &prekey.header)) {
        let (session, plaintext) = session::decrypt(session, kind, message, fresh)?;
        return Ok((session_update(session, SessionChange::Advanced), plaintext));
    }
    let named = archived
        .iter()
        .position(|s| session::belongs(s, &prekey.header));
    if let Some(index) = named {
        let (session, plaintext) = session::decrypt(&archived[index], kind, message, fresh)?;
        let update = session_update(session, SessionChange::Promoted(index));
        return Ok((update, plaintext));
    }
    let signed_prekey = party
        .signed_prekeys
        .iter()
        .find(|(id, _, _)| *id == prekey.header.signed_prekey_id)
        .map(|(_, pair, _)| pair);
    let one_time = match prekey.header.one_time_prekey {
        None => None,
        Some(reference) => Some(
            party
                .one_time_prekeys
                .iter()
                .find(|(id, pair)| match reference {
                    OneTimePrekeyRef::Id(want) => *id == want,
                    OneTimePrekeyRef::Key(key) => pair.public == key,
                })
                .ok_or(Error::UnknownPrekey)?,
        ),
    };
    let kyber = match &prekey.header.kyber {
        None => None,
        Some(payload) => Some(
            party
                .kyber_prekeys
                .iter()
                .find(|k| k.id == payload.prekey_id)
                .ok_or(Error::UnknownPrekey)?,
        ),
    };
    let keys = ResponderKeys {
        identity: &party.identity,
        signed_prekey,
        one_time_prekey: one_time.map(|(_, pair)| pair),
        kyber_prekey: kyber.map(|k| &k.pair),
    };
    let (session, plaintext) = session::respond(
        party.profile,
        &party.limits,
        party.header_encryption,
        &keys,
        &prekey,
        fresh,
    )?;
    let session = Session {
        wire: party.wire,
        ..session
    };
    let update = PartyUpdate::Session {
        session,
        change: SessionChange::Replaced,
        used_one_time_prekey: one_time.map(|(id, _)| *id),
        used_kyber_prekey: kyber.map(|k| k.id),
    };
    Ok((update, plaintext))
}
