//! Sessions: X3DH (or Olm's triple DH) composed with the Double Ratchet, in each profile's
//! way of starting a session and wrapping the first messages.
//!
//! The initiator (Alice) wraps every message in a *prekey message* that carries what the
//! responder needs to run the key agreement, until she has received a message from the
//! responder (X3DH §3.3, libsignal's unacknowledged prekey state, Olm's pre-key messages).

use crate::crypto::kem::KemKeyPair;
use crate::double_ratchet::{self as dr, KeyPair, ReceiverChain};
use crate::error::Error;
use crate::header_encryption as he;
use crate::pqxdh::{self, KemPayload};
use crate::profile::{Limits, Profile, WireVariant};
use crate::profiles::{self, modern, olm_v1, session_version, signal_v3, signal_v4};
use crate::x3dh::{self, Agreement, PreKeyBundle};

/// The ratchet a session runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ratchet {
    Plain(dr::State),
    /// Header encryption (`modern` only).
    HeaderEncrypted(he::State),
}

/// What a prekey message carries besides the inner ratchet message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreKeyHeader {
    /// IK_A.
    pub identity_key: [u8; 32],
    /// EK_A, libsignal's and Olm's "base key".
    pub base_key: [u8; 32],
    /// Which signed prekey Alice used (`modern`, `signal-v3`).
    pub signed_prekey_id: u32,
    /// Which one-time prekey Alice used: its id (`modern`, `signal-v3`) or, in Olm, the key.
    pub one_time_prekey: Option<OneTimePrekeyRef>,
    /// libsignal: the sender's registration id.
    pub registration_id: u32,
    /// PQXDH (`signal-v4`): the KEM prekey Alice used and her ciphertext, sent in every
    /// prekey message of the session (libsignal keeps it in the session until acknowledged).
    pub kyber: Option<KemPayload>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OneTimePrekeyRef {
    Id(u32),
    Key([u8; 32]),
}

/// How a message travels: libsignal and Olm tell prekey messages from normal ones by a
/// type sent beside the bytes (libsignal `CiphertextMessageType`, Olm's message type), not by
/// the bytes themselves, so every API here carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    PreKey,
    Normal,
}

/// A prekey message, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreKeyMessage {
    pub header: PreKeyHeader,
    pub message: Vec<u8>,
}

/// One end of a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub profile: Profile,
    /// The limits the ratchet keeps: the profile's, or the stricter ones of its party
    /// (`Party::limits`).
    pub limits: Limits,
    pub ratchet: Ratchet,
    pub local_identity: [u8; 32],
    pub remote_identity: [u8; 32],
    /// X3DH's AD (`modern`); libsignal's MAC input is built from the identities instead.
    pub ad: Vec<u8>,
    /// EK_A: names the session in prekey messages.
    pub base_key: [u8; 32],
    /// The one-time prekey the session was started with: Olm names a session by all three
    /// of Alice's identity key, her base key and Bob's one-time key (libolm
    /// `olm_matches_inbound_session`, vodozemac `Session::session_id`).
    pub one_time_prekey: Option<OneTimePrekeyRef>,
    /// Set on the initiator until the first message from the responder decrypts.
    pub pending_prekey: Option<PreKeyHeader>,
    /// How this end writes its messages' bytes (the party's choice; a session starts with
    /// the reference's and `party` sets its own). Not state: it never changes.
    pub wire: WireVariant,
}

/// Alice's side: run the key agreement against Bob's bundle and start the ratchet.
/// `ek_private` is the ephemeral (base) key, `fresh` the first ratchet key, `kem_m` the KEM
/// encapsulation randomness (PQXDH only).
#[allow(clippy::too_many_arguments)]
pub fn initiate(
    profile: Profile,
    limits: &Limits,
    header_encryption: bool,
    identity: &KeyPair,
    registration_id: u32,
    bundle: &PreKeyBundle,
    ek_private: &[u8; 32],
    fresh: &[u8; 32],
    kem_m: &[u8; 32],
) -> Result<Session, Error> {
    if header_encryption && profile != Profile::Modern {
        return Err(Error::State);
    }
    let (agreement, kyber) = match profile {
        Profile::OlmV1 => {
            let (_, otk) = bundle.one_time_prekey.ok_or(Error::UnknownPrekey)?;
            let key_material =
                olm_v1::triple_dh_alice(identity, ek_private, &bundle.identity_key, &otk)?;
            let agreement = Agreement {
                key_material,
                ad: Vec::new(),
            };
            (agreement, None)
        }
        _ if profile.post_quantum() => {
            let (agreement, payload) =
                pqxdh::initiate(signal_v4::KEM, identity, bundle, ek_private, kem_m)?;
            (agreement, Some(payload))
        }
        _ => (x3dh::initiate(identity, bundle, ek_private)?, None),
    };
    let base_key = KeyPair::from_private(ek_private).public;
    let sender = Initiator {
        identity: identity.public,
        registration_id,
        base_key,
    };
    start_initiator(
        profile,
        limits,
        header_encryption,
        &sender,
        bundle,
        &agreement,
        kyber,
        fresh,
    )
}

/// What Alice's prekey messages say about her: identity key, registration id, base key.
pub struct Initiator {
    pub identity: [u8; 32],
    pub registration_id: u32,
    pub base_key: [u8; 32],
}

/// Alice's session from the outcome of her key agreement (X3DH §3.3 after the DH outputs;
/// Olm's root keys from the triple DH): the ratchet, and the prekey header her messages
/// carry until Bob answers. Public so that vectors can start a session from key material no
/// honest agreement gives (the all-zero DH outputs of a low-order base or identity key,
/// which only the receiver's low-order check can reject).
#[allow(clippy::too_many_arguments)]
pub fn start_initiator(
    profile: Profile,
    limits: &Limits,
    header_encryption: bool,
    sender: &Initiator,
    bundle: &PreKeyBundle,
    agreement: &Agreement,
    kyber: Option<KemPayload>,
    fresh: &[u8; 32],
) -> Result<Session, Error> {
    let (ratchet, one_time_prekey) = match profile {
        Profile::OlmV1 => {
            let (_, otk) = bundle.one_time_prekey.ok_or(Error::UnknownPrekey)?;
            let (rk, ck) = olm_v1::root_keys(&agreement.key_material);
            let state = dr::State {
                dh_s: Some(KeyPair::from_private(fresh)),
                rk,
                ck_s: Some(ck),
                n_s: 0,
                pn: 0,
                receiver_chains: Vec::new(),
                skipped: Vec::new(),
            };
            (Ratchet::Plain(state), Some(OneTimePrekeyRef::Key(otk)))
        }
        _ => {
            let otk = bundle
                .one_time_prekey
                .map(|(id, _)| OneTimePrekeyRef::Id(id));
            let ratchet = start_x3dh_ratchet(
                profile,
                header_encryption,
                agreement,
                None,
                &bundle.signed_prekey,
                fresh,
            )?;
            (ratchet, otk)
        }
    };
    Ok(Session {
        profile,
        limits: *limits,
        ratchet,
        local_identity: sender.identity,
        remote_identity: bundle.identity_key,
        ad: agreement.ad.clone(),
        base_key: sender.base_key,
        one_time_prekey,
        pending_prekey: Some(PreKeyHeader {
            identity_key: sender.identity,
            base_key: sender.base_key,
            signed_prekey_id: bundle.signed_prekey_id,
            one_time_prekey,
            registration_id: sender.registration_id,
            kyber,
        }),
        wire: WireVariant::Reference,
    })
}

/// The ratchet after X3DH, for Alice (`bob` = None, `spk` = Bob's signed prekey) or Bob
/// (`bob` = his signed prekey pair).
fn start_x3dh_ratchet(
    profile: Profile,
    header_encryption: bool,
    agreement: &Agreement,
    bob: Option<&KeyPair>,
    spk: &[u8; 32],
    fresh: &[u8; 32],
) -> Result<Ratchet, Error> {
    match profile {
        Profile::SignalV3 | Profile::SignalV4 => {
            let info = if profile.post_quantum() {
                signal_v4::PQXDH_INFO
            } else {
                signal_v3::X3DH_INFO
            };
            let (rk, ck) = signal_v3::derive_initial_keys(&agreement.key_material, info)?;
            match bob {
                // libsignal `initialize_bob_session`: Bob may send at once, on the chain
                // of his signed prekey.
                Some(spk_pair) => Ok(Ratchet::Plain(dr::State {
                    dh_s: Some(spk_pair.clone()),
                    rk,
                    ck_s: Some(ck),
                    n_s: 0,
                    pn: 0,
                    receiver_chains: Vec::new(),
                    skipped: Vec::new(),
                })),
                // libsignal `initialize_alice_session`: a receiving chain for Bob's signed
                // prekey, then the sending half of a DH step.
                None => {
                    let mut state = dr::State {
                        dh_s: None,
                        rk,
                        ck_s: None,
                        n_s: 0,
                        pn: 0,
                        receiver_chains: vec![ReceiverChain {
                            dh_r: *spk,
                            ck_r: ck,
                            n_r: 0,
                        }],
                        skipped: Vec::new(),
                    };
                    dr::sending_step(profile, &mut state, fresh)?;
                    Ok(Ratchet::Plain(state))
                }
            }
        }
        _ => {
            let sk = modern::shared_secret(&agreement.key_material)?;
            if header_encryption {
                let (hka, nhkb) = modern::header_keys(&sk)?;
                Ok(Ratchet::HeaderEncrypted(match bob {
                    Some(pair) => he::ratchet_init_bob(&sk, pair, &hka, &nhkb),
                    None => he::ratchet_init_alice(&sk, spk, &hka, &nhkb, fresh)?,
                }))
            } else {
                Ok(Ratchet::Plain(match bob {
                    Some(pair) => dr::ratchet_init_bob(&sk, pair),
                    None => dr::ratchet_init_alice(profile, &sk, spk, fresh)?,
                }))
            }
        }
    }
}

/// Bob's side: the key pairs a prekey message named, looked up by the caller.
pub struct ResponderKeys<'a> {
    pub identity: &'a KeyPair,
    pub signed_prekey: Option<&'a KeyPair>,
    pub one_time_prekey: Option<&'a KeyPair>,
    /// PQXDH: the KEM prekey the message named.
    pub kyber_prekey: Option<&'a KemKeyPair>,
}

/// Bob's side: run the key agreement from a prekey message and decrypt its inner message.
pub fn respond(
    profile: Profile,
    limits: &Limits,
    header_encryption: bool,
    keys: &ResponderKeys<'_>,
    prekey: &PreKeyMessage,
    fresh: &[u8; 32],
) -> Result<(Session, Vec<u8>), Error> {
    let h = &prekey.header;
    let ratchet = match profile {
        Profile::OlmV1 => {
            let otk = keys.one_time_prekey.ok_or(Error::UnknownPrekey)?;
            let km = olm_v1::triple_dh_bob(keys.identity, otk, &h.identity_key, &h.base_key)?;
            let (rk, ck) = olm_v1::root_keys(&km);
            let ratchet_key = olm_v1::parse_header(&prekey.message)?.dh;
            Ratchet::Plain(dr::State {
                dh_s: None,
                rk,
                ck_s: None,
                n_s: 0,
                pn: 0,
                receiver_chains: vec![ReceiverChain {
                    dh_r: ratchet_key,
                    ck_r: ck,
                    n_r: 0,
                }],
                skipped: Vec::new(),
            })
        }
        _ => {
            let spk = keys.signed_prekey.ok_or(Error::UnknownPrekey)?;
            if h.one_time_prekey.is_some() != keys.one_time_prekey.is_some() {
                return Err(Error::UnknownPrekey);
            }
            let agreement = match &h.kyber {
                Some(payload) if profile.post_quantum() => pqxdh::respond(
                    keys.identity,
                    spk,
                    keys.one_time_prekey,
                    keys.kyber_prekey.ok_or(Error::UnknownPrekey)?,
                    &h.identity_key,
                    &h.base_key,
                    &payload.ciphertext,
                )?,
                // `decode_prekey_message` gives a PQXDH profile no prekey message without
                // a KEM payload; this is the X3DH profiles' way.
                None if !profile.post_quantum() => x3dh::respond(
                    keys.identity,
                    spk,
                    keys.one_time_prekey,
                    &h.identity_key,
                    &h.base_key,
                )?,
                _ => return Err(Error::Decode),
            };
            start_x3dh_ratchet(
                profile,
                header_encryption,
                &agreement,
                Some(spk),
                &spk.public,
                fresh,
            )?
        }
    };
    let session = Session {
        profile,
        limits: *limits,
        ratchet,
        local_identity: keys.identity.public,
        remote_identity: h.identity_key,
        ad: if profile == Profile::Modern {
            x3dh::associated_data(&h.identity_key, &keys.identity.public)
        } else {
            Vec::new()
        },
        base_key: h.base_key,
        one_time_prekey: h.one_time_prekey,
        pending_prekey: None,
        wire: WireVariant::Reference,
    };
    decrypt_inner(&session, &prekey.message, fresh)
}

/// The associated data for a message in one direction (Double Ratchet §3.4's `AD`, in the
/// profile's byte layout).
pub fn direction_ad(session: &Session, sending: bool) -> Vec<u8> {
    match session.profile {
        Profile::SignalV3 | Profile::SignalV4 => {
            let (sender, receiver) = if sending {
                (&session.local_identity, &session.remote_identity)
            } else {
                (&session.remote_identity, &session.local_identity)
            };
            [
                &signal_v3::encode_public_key(sender)[..],
                &signal_v3::encode_public_key(receiver)[..],
            ]
            .concat()
        }
        _ => session.ad.clone(),
    }
}

/// Encrypt; while the session is unacknowledged the message is wrapped in a prekey message.
/// Returns the new session, the message's kind and its bytes.
/// `fresh` is a new ratchet private key (used only if a DH step happens now), `header_nonce`
/// the HENCRYPT nonce (used only with header encryption).
pub fn encrypt(
    session: &Session,
    plaintext: &[u8],
    fresh: &[u8; 32],
    header_nonce: &[u8; 12],
) -> Result<(Session, MessageKind, Vec<u8>), Error> {
    let ad = direction_ad(session, true);
    let (ratchet, inner) = match &session.ratchet {
        Ratchet::Plain(state) => {
            let (state, message) = dr::ratchet_encrypt(
                session.profile,
                session.wire,
                &session.limits,
                state,
                plaintext,
                &ad,
                fresh,
            )?;
            (Ratchet::Plain(state), message)
        }
        Ratchet::HeaderEncrypted(state) => {
            let (state, message) =
                he::ratchet_encrypt(&session.limits, state, plaintext, &ad, header_nonce)?;
            (Ratchet::HeaderEncrypted(state), message)
        }
    };
    let s = with_ratchet(session, ratchet);
    Ok(match &session.pending_prekey {
        Some(header) => {
            let prekey = PreKeyMessage {
                header: header.clone(),
                message: inner,
            };
            (
                s,
                MessageKind::PreKey,
                encode_prekey_message(session.profile, session.wire, &prekey)?,
            )
        }
        None => (s, MessageKind::Normal, inner),
    })
}

/// Decrypt a message of an existing session. A prekey message is accepted if it belongs to
/// this session (same base key): Alice may have sent several before Bob's reply reached her.
pub fn decrypt(
    session: &Session,
    kind: MessageKind,
    message: &[u8],
    fresh: &[u8; 32],
) -> Result<(Session, Vec<u8>), Error> {
    if kind == MessageKind::PreKey {
        let prekey = decode_prekey_message(session.profile, message)?;
        if !belongs(session, &prekey.header) {
            return Err(Error::State);
        }
        return decrypt_inner(session, &prekey.message, fresh);
    }
    decrypt_inner(session, message, fresh)
}

/// Whether a prekey message's header names `session`: the same identity and base key, and in
/// Olm also the same one-time key.
pub fn belongs(session: &Session, header: &PreKeyHeader) -> bool {
    header.base_key == session.base_key
        && header.identity_key == session.remote_identity
        && (session.profile != Profile::OlmV1 || header.one_time_prekey == session.one_time_prekey)
}

fn decrypt_inner(
    session: &Session,
    message: &[u8],
    fresh: &[u8; 32],
) -> Result<(Session, Vec<u8>), Error> {
    let ad = direction_ad(session, false);
    let (ratchet, plaintext) = match &session.ratchet {
        Ratchet::Plain(state) => {
            let (state, plaintext) =
                dr::ratchet_decrypt(session.profile, &session.limits, state, message, &ad, fresh)?;
            (Ratchet::Plain(state), plaintext)
        }
        Ratchet::HeaderEncrypted(state) => {
            let (state, plaintext) =
                he::ratchet_decrypt(&session.limits, state, message, &ad, fresh)?;
            (Ratchet::HeaderEncrypted(state), plaintext)
        }
    };
    let mut s = with_ratchet(session, ratchet);
    // A message from the responder acknowledges the session: stop sending prekey messages.
    s.pending_prekey = None;
    Ok((s, plaintext))
}

/// `session` with a new ratchet. Built field by field rather than by cloning `session` and
/// overwriting its ratchet: the ratchet (chains, skipped message keys) is the bulk of a
/// session, and the ratchet function has already made the new one from the old.
fn with_ratchet(session: &Session, ratchet: Ratchet) -> Session {
    Session {
        profile: session.profile,
        limits: session.limits,
        ratchet,
        local_identity: session.local_identity,
        remote_identity: session.remote_identity,
        ad: session.ad.clone(),
        base_key: session.base_key,
        one_time_prekey: session.one_time_prekey,
        pending_prekey: session.pending_prekey.clone(),
        wire: session.wire,
    }
}

/// The prekey message around `prekey`, as a writer of `wire` encodes it.
pub fn encode_prekey_message(
    profile: Profile,
    wire: WireVariant,
    prekey: &PreKeyMessage,
) -> Result<Vec<u8>, Error> {
    if !profile.variants().contains(&wire) {
        return Err(Error::State);
    }
    Ok(match profile {
        Profile::Modern => modern::encode_prekey_message(prekey),
        Profile::SignalV3 | Profile::SignalV4 => {
            signal_v3::encode_prekey_message(profiles::version_byte(profile, wire)?, prekey)
        }
        Profile::OlmV1 => olm_v1::encode_prekey_message(prekey),
    })
}

pub fn decode_prekey_message(profile: Profile, message: &[u8]) -> Result<PreKeyMessage, Error> {
    match profile {
        Profile::Modern => modern::decode_prekey_message(message),
        Profile::SignalV3 | Profile::SignalV4 => {
            signal_v3::decode_prekey_message(session_version(profile), message)
        }
        Profile::OlmV1 => olm_v1::decode_prekey_message(message),
    }
}
