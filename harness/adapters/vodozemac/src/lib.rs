//! vodozemac 0.11 as an implementation under test of `e2ee-conform`, profiles `olm-v1` and
//! `megolm-v1` (`harness/SHIM.md`).
//!
//! Olm has no signed prekey: a bundle is an identity key and one one-time key, and message
//! bytes are Olm's binary messages (`OlmMessage::to_parts`, not base64). vodozemac draws all
//! its randomness itself, so this IUT is not `deterministic`; it can import chosen identity
//! and one-time keys (`import-keys`) and copy a party's state (`snapshot`), both through
//! vodozemac's serde pickles (see [`pickle`]). Errors map to classes as listed in [`errors`].
//!
//! The adapter adds no protocol logic of its own beyond choosing a session, which it does as
//! a Matrix client does (`spec/PROFILES.md` §Several sessions with one peer): per peer one
//! session in use and up to [`ARCHIVED_SESSIONS_MAX`] it replaced; a normal message is tried
//! with each, a pre-key message goes to the session it names; the session that decrypts
//! becomes the one in use. A failed decrypt leaves every session exactly as vodozemac leaves it.
//!
//! Group members of `megolm-v1` are [`megolm::Member`]s, beside the Olm parties; the module
//! says what it adds to vodozemac (replay detection, as a Matrix client must).
#![forbid(unsafe_code)]

pub mod errors;
pub mod megolm;
pub mod pickle;

use e2ee_iut::hexbytes::{arr, bytes, hex_of};
use e2ee_iut::protocol::{
    Bundle, DeclaredLimits, Failure, Hello, Iut, MessageKind, Reply, Request, SkippedKeys,
    StorePer, PROTOCOL_MINOR, PROTOCOL_VERSION,
};
use errors::state;
use pickle::{Party, Peer};
use vodozemac::olm::{Account, Message, OlmMessage, PreKeyMessage, Session, SessionConfig};
use vodozemac::{Curve25519PublicKey, Curve25519SecretKey};

/// vodozemac's 1:1 profile (its group profile is [`megolm::PROFILE`]).
const PROFILE: &str = "olm-v1";

/// Sessions kept per peer besides the one in use: the spec's `olm_v1::ARCHIVED_SESSIONS_MAX`
/// (the Matrix specification sets no bound).
pub const ARCHIVED_SESSIONS_MAX: usize = 40;

/// What vodozemac 0.11.1 keeps, declared as it is (SHIM.md §Limits): `olm/session/
/// receiver_chain.rs:31` MAX_MESSAGE_GAP = 2000, `:50` MAX_MESSAGE_KEYS = 40 per receiving
/// chain, `olm/session/mod.rs:55` MAX_RECEIVING_CHAINS = 5; the archive is this adapter's.
/// They are `olm-v1`'s own (`spec/PROFILES.md` §olm-v1 Limits), so none is a deviation.
pub const LIMITS: DeclaredLimits = DeclaredLimits {
    max_skip: Some(2000),
    skipped_keys: Some(SkippedKeys {
        max: 40,
        per: StorePer::Chain,
    }),
    receiver_chains: Some(5),
    archived_sessions: Some(ARCHIVED_SESSIONS_MAX as u32),
};

/// vodozemac behind the [`Iut`] trait. Handles are `p<n>` for parties, `m<n>` for group
/// members, `s<n>` for snapshots.
#[derive(Default)]
pub struct VodozemacIut {
    parties: Vec<(String, Party)>,
    /// Snapshot handle and the party's state as [`pickle::save`] wrote it.
    snapshots: Vec<(String, String)>,
    members: Vec<(String, megolm::Member)>,
    /// Snapshot handle and the member's state as [`megolm::save`] wrote it.
    member_snapshots: Vec<(String, String)>,
    next_handle: u64,
}

impl VodozemacIut {
    pub fn new() -> VodozemacIut {
        VodozemacIut::default()
    }

    pub fn hello() -> Hello {
        Hello {
            protocol: PROTOCOL_VERSION,
            minor: PROTOCOL_MINOR,
            name: "vodozemac".into(),
            version: vodozemac::VERSION.into(),
            profiles: vec![PROFILE.into(), megolm::PROFILE.into()],
            capabilities: vec![
                "import-keys".into(),
                "snapshot".into(),
                e2ee_iut::protocol::GROUP_DRAWS.into(),
            ],
            error_classes: errors::CLASSES.iter().map(|c| c.to_string()).collect(),
            limits: [(PROFILE.to_string(), LIMITS)].into(),
            // olm-v1 and megolm-v1 have no version byte to choose.
            version_bytes: Default::default(),
        }
    }

    /// vodozemac's own pickle of the session `party` holds with `peer`, for diagnostics
    /// (the shim protocol never shows it).
    pub fn session_pickle(&self, party: &str, peer: &str) -> Option<serde_json::Value> {
        let (_, p) = self.parties.iter().find(|(h, _)| h == party)?;
        let peer = p.peers.iter().find(|x| x.name == peer)?;
        pickle::session_json(&peer.session)
    }

    fn handle(&mut self, prefix: &str) -> String {
        self.next_handle += 1;
        format!("{prefix}{}", self.next_handle)
    }

    fn party(&mut self, handle: &str) -> Result<&mut Party, Failure> {
        self.parties
            .iter_mut()
            .find(|(h, _)| h == handle)
            .map(|(_, p)| p)
            .ok_or_else(|| state(format!("no party {handle}")))
    }

    fn member(&mut self, handle: &str) -> Result<&mut megolm::Member, Failure> {
        self.members
            .iter_mut()
            .find(|(h, _)| h == handle)
            .map(|(_, m)| m)
            .ok_or_else(|| state(format!("no group member {handle}")))
    }

    fn is_member(&self, handle: &str) -> bool {
        self.members.iter().any(|(h, _)| h == handle)
    }

    fn create_party(
        &mut self,
        profile: &str,
        header_encryption: bool,
        identity: &Option<String>,
    ) -> Result<Reply, Failure> {
        if profile == megolm::PROFILE {
            return self.create_member(header_encryption);
        }
        if profile != PROFILE {
            return Err(Failure::Unsupported(format!("profile {profile}")));
        }
        if header_encryption {
            return Err(Failure::Unsupported(
                "header encryption (Olm has none)".into(),
            ));
        }
        let mut account = Account::new();
        if let Some(h) = identity {
            account = pickle::with_identity(&account, &arr(h)?)?;
        }
        let identity_key = hex_of(account.curve25519_key().as_bytes());
        let handle = self.handle("p");
        let party = Party {
            account,
            peers: Vec::new(),
            next_prekey_id: 1,
        };
        self.parties.push((handle.clone(), party));
        Ok(Reply::Party {
            party: handle,
            identity_key,
        })
    }

    /// A group member has no identity key at this layer (its distributions travel over
    /// pairwise sessions, which carry the identities): the reply's key is empty.
    fn create_member(&mut self, header_encryption: bool) -> Result<Reply, Failure> {
        if header_encryption {
            return Err(Failure::Unsupported(
                "header encryption (Megolm has none)".into(),
            ));
        }
        let handle = self.handle("m");
        self.members
            .push((handle.clone(), megolm::Member::default()));
        Ok(Reply::Party {
            party: handle,
            identity_key: String::new(),
        })
    }

    /// The group requests (SHIM.md §Groups); `None` for any other request. The
    /// `signal-sk-v3` fields (`distribution_id`, `chain_id`, `signature_randomness`) mean
    /// nothing to Megolm and are ignored, as the spec ignores them.
    fn answer_group(&mut self, request: &Request) -> Option<Result<Reply, Failure>> {
        let distribution = |d: Vec<u8>| Reply::Distribution {
            distribution: hex_of(&d),
        };
        Some(match request {
            Request::GroupCreate {
                party,
                group,
                chain_key,
                iteration,
                signing_private,
                ..
            } => (|| {
                let draws = megolm::Draws {
                    ratchet: chain_key.as_deref().map(arr).transpose()?,
                    index: *iteration,
                    signing_seed: signing_private.as_deref().map(arr).transpose()?,
                };
                self.member(party)?.create(group, &draws).map(distribution)
            })(),
            Request::GroupShare { party, group } => self
                .member(party)
                .and_then(|m| m.share(group))
                .map(distribution),
            Request::GroupJoin {
                party,
                sender,
                distribution,
            } => bytes(distribution).and_then(|d| {
                self.member(party)?.join(sender, &d)?;
                Ok(Reply::Done)
            }),
            Request::GroupEncrypt {
                party,
                group,
                plaintext,
                ..
            } => bytes(plaintext).and_then(|p| {
                let message = self.member(party)?.encrypt(group, &p)?;
                Ok(Reply::GroupMessage {
                    message: hex_of(&message),
                })
            }),
            Request::GroupDecrypt {
                party,
                sender,
                session_id,
                message,
            } => (|| {
                let message = bytes(message)?;
                let id = match session_id {
                    Some(h) => bytes(h)?,
                    None => return Err(state("a Megolm message needs its session id")),
                };
                let plaintext = self.member(party)?.decrypt(sender, &id, &message)?;
                Ok(Reply::Decrypted {
                    plaintext: hex_of(&plaintext),
                })
            })(),
            _ => return None,
        })
    }

    fn create_bundle(
        &mut self,
        party: &str,
        id: Option<u32>,
        secret: &Option<String>,
    ) -> Result<Reply, Failure> {
        let p = self.party(party)?;
        let key = match secret {
            Some(h) => {
                let secret: [u8; 32] = arr(h)?;
                p.account = pickle::with_one_time_key(&p.account, &secret)?;
                Curve25519PublicKey::from(&Curve25519SecretKey::from_slice(&secret))
            }
            None => {
                let created = p.account.generate_one_time_keys(1).created;
                p.account.mark_keys_as_published();
                *created
                    .first()
                    .ok_or_else(|| Failure::Broken("vodozemac generated no one-time key".into()))?
            }
        };
        let id = id.unwrap_or(p.next_prekey_id);
        p.next_prekey_id = id.wrapping_add(1);
        Ok(Reply::Bundle(Bundle {
            identity_key: hex_of(p.account.curve25519_key().as_bytes()),
            registration_id: None,
            signed_prekey_id: None,
            signed_prekey: None,
            signed_prekey_signature: None,
            one_time_prekey_id: Some(id),
            one_time_prekey: Some(hex_of(key.as_bytes())),
            ..Bundle::default()
        }))
    }

    fn initiate(&mut self, party: &str, peer: &str, bundle: &Bundle) -> Result<Reply, Failure> {
        let identity = pickle::public_key(&bundle.identity_key)?;
        let otk = match &bundle.one_time_prekey {
            Some(h) => pickle::public_key(h)?,
            None => {
                return Err(errors::rejected(
                    "unknown_prekey",
                    "an Olm bundle needs a one-time key",
                ))
            }
        };
        let p = self.party(party)?;
        let session = p
            .account
            .create_outbound_session(SessionConfig::version_1(), identity, otk)
            .map_err(|e| errors::session_creation(&e, 0))?;
        start_session(p, peer, identity, session);
        Ok(Reply::Done)
    }

    fn encrypt(&mut self, party: &str, peer: &str, plaintext: &str) -> Result<Reply, Failure> {
        let plaintext = bytes(plaintext)?;
        let p = self.party(party)?;
        let session = &mut session_with(p, peer)?.session;
        let message = session.encrypt(&plaintext).map_err(errors::encryption)?;
        let kind = match message {
            OlmMessage::PreKey(_) => MessageKind::Prekey,
            OlmMessage::Normal(_) => MessageKind::Normal,
        };
        let (_, bytes) = message.to_parts();
        Ok(Reply::Encrypted {
            kind,
            message: hex_of(&bytes),
        })
    }

    fn decrypt(
        &mut self,
        party: &str,
        peer: &str,
        kind: MessageKind,
        message: &str,
    ) -> Result<Reply, Failure> {
        let message = bytes(message)?;
        let p = self.party(party)?;
        let plaintext = match kind {
            MessageKind::Normal => {
                let known = session_with(p, peer)?;
                let m = Message::from_bytes(&message).map_err(errors::decode)?;
                let len = m.ciphertext().len();
                decrypt_normal(known, &OlmMessage::Normal(m), len)?
            }
            MessageKind::Prekey => decrypt_prekey(p, peer, &message)?,
        };
        Ok(Reply::Decrypted {
            plaintext: hex_of(&plaintext),
        })
    }

    fn snapshot(&mut self, party: &str) -> Result<Reply, Failure> {
        let handle = self.handle("s");
        if self.is_member(party) {
            let saved = megolm::save(self.member(party)?)?;
            self.member_snapshots.push((handle.clone(), saved));
        } else {
            let saved = pickle::save(self.party(party)?)?;
            self.snapshots.push((handle.clone(), saved));
        }
        Ok(Reply::Snapshot { snapshot: handle })
    }

    fn restore(&mut self, party: &str, snapshot: &str) -> Result<Reply, Failure> {
        if self.is_member(party) {
            let saved = self
                .member_snapshots
                .iter()
                .find(|(h, _)| h == snapshot)
                .map(|(_, s)| s)
                .ok_or_else(|| state(format!("no member snapshot {snapshot}")))?;
            let restored = megolm::load(saved)?;
            *self.member(party)? = restored;
            return Ok(Reply::Done);
        }
        let saved = self
            .snapshots
            .iter()
            .find(|(h, _)| h == snapshot)
            .map(|(_, s)| s)
            .ok_or_else(|| state(format!("no snapshot {snapshot}")))?;
        let restored = pickle::load(saved)?;
        *self.party(party)? = restored;
        Ok(Reply::Done)
    }
}

/// A new session with `peer` becomes the one in use; the one it replaces is archived.
fn start_session(p: &mut Party, peer: &str, identity: Curve25519PublicKey, session: Session) {
    match p.peers.iter_mut().find(|x| x.name == peer) {
        Some(known) => {
            let old = std::mem::replace(&mut known.session, session);
            known.identity = identity;
            archive(known, old);
        }
        None => p.peers.push(Peer {
            name: peer.to_string(),
            identity,
            session,
            archived: Vec::new(),
        }),
    }
}

/// `old` goes in front of the peer's archive; the oldest falls out past the bound.
fn archive(known: &mut Peer, old: Session) {
    known.archived.truncate(ARCHIVED_SESSIONS_MAX - 1);
    known.archived.insert(0, old);
}

/// Archived session `index` decrypted a message: it is the one in use again, and the one
/// that was is archived in front.
fn promote(known: &mut Peer, index: usize) {
    let again = known.archived.remove(index);
    let old = std::mem::replace(&mut known.session, again);
    archive(known, old);
}

/// A normal message: the session in use, then the archived ones newest first (the Matrix
/// rule: try every session of the sender). A duplicate ends the search; when all fail the
/// error is the one the session in use gave.
fn decrypt_normal(known: &mut Peer, m: &OlmMessage, len: usize) -> Result<Vec<u8>, Failure> {
    let error = match known.session.decrypt(m) {
        Ok(plaintext) => return Ok(plaintext),
        Err(e) => errors::decryption(&e, len),
    };
    if is_duplicate(&error) {
        return Err(error);
    }
    for index in 0..known.archived.len() {
        match known.archived[index].decrypt(m) {
            Ok(plaintext) => {
                promote(known, index);
                return Ok(plaintext);
            }
            Err(e) => {
                let failure = errors::decryption(&e, len);
                if is_duplicate(&failure) {
                    return Err(failure);
                }
            }
        }
    }
    Err(error)
}

fn is_duplicate(f: &Failure) -> bool {
    matches!(f, Failure::Rejected { class, .. } if class == "duplicate_message")
}

fn session_with<'a>(p: &'a mut Party, peer: &str) -> Result<&'a mut Peer, Failure> {
    p.peers
        .iter_mut()
        .find(|x| x.name == peer)
        .ok_or_else(|| state(format!("no session with {peer}")))
}

/// A prekey message goes to the session it belongs to (same session id: identity, base and
/// one-time key), in use or archived, if we have it (the archived one is then in use again);
/// otherwise it starts a new inbound session, which replaces the one in use with that peer
/// (archived). A peer we know must keep its identity key.
fn decrypt_prekey(p: &mut Party, peer: &str, message: &[u8]) -> Result<Vec<u8>, Failure> {
    let m = PreKeyMessage::from_bytes(message).map_err(errors::decode)?;
    let len = m.message().ciphertext().len();
    let id = m.session_id();
    if let Some(known) = p.peers.iter_mut().find(|x| x.name == peer) {
        if known.session.session_id() == id {
            return known
                .session
                .decrypt(&OlmMessage::PreKey(m))
                .map_err(|e| errors::decryption(&e, len));
        }
        if let Some(index) = known.archived.iter().position(|s| s.session_id() == id) {
            let plaintext = known.archived[index]
                .decrypt(&OlmMessage::PreKey(m))
                .map_err(|e| errors::decryption(&e, len))?;
            promote(known, index);
            return Ok(plaintext);
        }
    }
    let known = p.peers.iter().find(|x| x.name == peer);
    let identity = known.map_or(m.identity_key(), |x| x.identity);
    let created = p
        .account
        .create_inbound_session(SessionConfig::version_1(), identity, &m)
        .map_err(|e| errors::session_creation(&e, len))?;
    start_session(p, peer, identity, created.session);
    Ok(created.plaintext)
}

impl Iut for VodozemacIut {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        if let Some(reply) = self.answer_group(request) {
            return reply;
        }
        match request {
            Request::Hello { .. } => Ok(Reply::Hello(VodozemacIut::hello())),
            Request::Reset {} => {
                self.parties.clear();
                self.snapshots.clear();
                self.members.clear();
                self.member_snapshots.clear();
                Ok(Reply::Done)
            }
            Request::CreateParty {
                profile,
                header_encryption,
                identity_private,
                ..
            } => self.create_party(profile, *header_encryption, identity_private),
            Request::CreateBundle {
                party,
                one_time_prekey_id,
                one_time_prekey_private,
                ..
            } => self.create_bundle(party, *one_time_prekey_id, one_time_prekey_private),
            Request::Initiate {
                party,
                peer,
                bundle,
                ..
            } => self.initiate(party, peer, bundle),
            Request::Encrypt {
                party,
                peer,
                plaintext,
                ..
            } => self.encrypt(party, peer, plaintext),
            Request::Decrypt {
                party,
                peer,
                kind,
                message,
                ..
            } => self.decrypt(party, peer, *kind, message),
            Request::Snapshot { party } => self.snapshot(party),
            Request::Restore { party, snapshot } => self.restore(party, snapshot),
            // olm-v1 has no signatures in bundles; the capability is not declared.
            Request::XeddsaVerify { .. } => Err(Failure::Unsupported("xeddsa_verify".into())),
            // Franking is no part of vodozemac; the profile is not declared.
            Request::Frank { .. } | Request::FrankOpen { .. } | Request::FrankReport { .. } => Err(
                Failure::Unsupported(format!("{}: no franking", request.op())),
            ),
            Request::GroupCreate { .. }
            | Request::GroupShare { .. }
            | Request::GroupJoin { .. }
            | Request::GroupEncrypt { .. }
            | Request::GroupDecrypt { .. } => {
                Err(Failure::Broken("a group request was not answered".into()))
            }
        }
    }
}
