//! What the spec checks, deletes and derives, read from the spec by running it.
//!
//! The models' processes are written here in Rust, but whether a process verifies the signed
//! prekey, which DH outputs go into X3DH's key material, whether Bob's one-time prekey can be
//! used twice, whether a received message key survives, whether a DH ratchet step uses its
//! fresh key pair, whether the MAC is checked and the AD bound, and which HMAC input gives
//! which output of KDF_CK are not: each is a [`Guards`] field that [`Guards::read`] finds by
//! calling the spec's own functions on crafted inputs (a bundle with a bad signature, a
//! replayed prekey message, a message decrypted twice, ...). So deleting a check from the
//! spec's code, not from a description of it, changes the exported models: the committed
//! models then differ from a fresh export (`tests/proofs.rs`), and the new model gives
//! ProVerif's attack (the sanity models are the models of such broken specs, `mutants`).
//!
//! The functions are reached through a [`Spec`], a table of the spec functions the probes
//! call, so that a test can hand in a spec with one function replaced (`mutants`).

use e2ee_spec::crypto::{kdf, x25519};
use e2ee_spec::double_ratchet::{
    self as dr, Header, KeyPair, State, CHAIN_KEY_SEED, MESSAGE_KEY_SEED,
};
use e2ee_spec::error::Error;
use e2ee_spec::party::{self, Party, PartyUpdate};
use e2ee_spec::profile::{Limits, WireVariant};
use e2ee_spec::session::MessageKind;
use e2ee_spec::x3dh::{self, Agreement, PreKeyBundle};
use e2ee_spec::{profiles, Profile};

/// The signatures of the spec functions a [`Spec`] holds, named after them.
pub type X3dhInitiate = fn(&KeyPair, &PreKeyBundle, &[u8; 32]) -> Result<Agreement, Error>;
pub type X3dhRespond =
    fn(&KeyPair, &KeyPair, Option<&KeyPair>, &[u8; 32], &[u8; 32]) -> Result<Agreement, Error>;
pub type PartyDecrypt =
    fn(&Party, &[u8; 32], MessageKind, &[u8], &[u8; 32]) -> Result<(PartyUpdate, Vec<u8>), Error>;
pub type RatchetDecrypt =
    fn(Profile, &Limits, &State, &[u8], &[u8], &[u8; 32]) -> Result<(State, Vec<u8>), Error>;
pub type Seal =
    fn(Profile, WireVariant, &[u8; 32], &Header, &[u8], &[u8]) -> Result<Vec<u8>, Error>;
pub type Open = fn(Profile, &[u8; 32], &[u8], &[u8]) -> Result<Vec<u8>, Error>;
pub type KdfCk = fn(&[u8; 32]) -> ([u8; 32], [u8; 32]);

/// The spec functions whose behaviour the models follow, as the probes call them.
#[derive(Clone, Copy)]
pub struct Spec {
    /// `x3dh::initiate` (X3DH §3.3).
    pub x3dh_initiate: X3dhInitiate,
    /// `x3dh::respond` (X3DH §3.4).
    pub x3dh_respond: X3dhRespond,
    /// `party::decrypt`, where Bob's one-time prekey is used and deleted.
    pub party_decrypt: PartyDecrypt,
    /// `double_ratchet::ratchet_decrypt` (Double Ratchet §3.5).
    pub ratchet_decrypt: RatchetDecrypt,
    /// `profiles::seal`, the profile's message encryption.
    pub seal: Seal,
    /// `profiles::open`, its authentication and decryption.
    pub open: Open,
    /// `double_ratchet::kdf_ck` (Double Ratchet §5.2).
    pub kdf_ck: KdfCk,
}

/// The spec as it is.
pub const REFERENCE: Spec = Spec {
    x3dh_initiate: x3dh::initiate,
    x3dh_respond: x3dh::respond,
    party_decrypt: party::decrypt,
    ratchet_decrypt: dr::ratchet_decrypt,
    seal: profiles::seal,
    open: profiles::open,
    kdf_ck: dr::kdf_ck,
};

/// One DH output of X3DH's key material (§3.3), named as the document does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dh {
    /// DH1 = DH(IK_A, SPK_B).
    Dh1,
    /// DH2 = DH(EK_A, IK_B).
    Dh2,
    /// DH3 = DH(EK_A, SPK_B).
    Dh3,
    /// DH4 = DH(EK_A, OPK_B).
    Dh4,
}

/// What one profile's spec does, as [`Guards::read`] found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guards {
    /// `x3dh::initiate` refuses a bundle whose signed prekey is not signed by IK_B (§3.3).
    pub signed_prekey_verified: bool,
    /// The DH outputs after F in Alice's key material, in order, without and with a one-time
    /// prekey (`x3dh::initiate`).
    pub initiator_dhs: [Vec<Dh>; 2],
    /// The same for Bob (`x3dh::respond`).
    pub responder_dhs: [Vec<Dh>; 2],
    /// A party that accepted a prekey message refuses it again once the session is gone:
    /// the one-time prekey was deleted on use (§3.4).
    pub one_time_prekey_deleted: bool,
    /// A message, once decrypted, cannot be decrypted again from the new state, in order or
    /// from the skipped keys: its message key is gone (Double Ratchet §3.5, §6.5).
    pub message_key_deleted: bool,
    /// A DH ratchet step's new ratchet key pair is the fresh one it is given (§3.5).
    pub fresh_ratchet_key: bool,
    /// A message with a changed last byte (in the MAC, or the AEAD's tag) is refused.
    pub mac_checked: bool,
    /// A message is refused under associated data other than the one it was sealed with.
    pub ad_bound: bool,
    /// The HMAC inputs of KDF_CK (§5.2): the next chain key is HMAC(CK, `chain_key_seed`),
    /// the message key HMAC(CK, `message_key_seed`).
    pub chain_key_seed: [u8; 1],
    pub message_key_seed: [u8; 1],
}

/// Deterministic test keys: the probes need no randomness, only distinct keys.
fn key(tag: u8) -> [u8; 32] {
    let mut k = [tag; 32];
    k[0] = tag.wrapping_mul(11);
    k
}

fn fail(what: &str, e: Error) -> String {
    format!("{what}: {e:?}")
}

impl Guards {
    /// Run `spec`'s functions for `profile` (`modern` or `signal-v3`) on crafted inputs and
    /// say what they check. An `Err` means the spec does something the models cannot
    /// express (a valid session fails, or a derivation is not one the models know).
    pub fn read(spec: &Spec, profile: Profile) -> Result<Guards, String> {
        let (signed_prekey_verified, initiator_dhs, responder_dhs) = x3dh_probes(spec)?;
        let (message_key_deleted, fresh_ratchet_key) = ratchet_probes(spec, profile)?;
        let (mac_checked, ad_bound) = message_probes(spec, profile)?;
        let (chain_key_seed, message_key_seed) = kdf_ck_probe(spec)?;
        Ok(Guards {
            signed_prekey_verified,
            initiator_dhs,
            responder_dhs,
            one_time_prekey_deleted: one_time_prekey_probe(spec, profile)?,
            message_key_deleted,
            fresh_ratchet_key,
            mac_checked,
            ad_bound,
            chain_key_seed,
            message_key_seed,
        })
    }
}

type DhLists = [Vec<Dh>; 2];

/// X3DH: the signature check, and each side's key material split into its DH outputs.
fn x3dh_probes(spec: &Spec) -> Result<(bool, DhLists, DhLists), String> {
    let ik_a = KeyPair::from_private(&key(1));
    let ik_b = KeyPair::from_private(&key(2));
    let spk = KeyPair::from_private(&key(3));
    let opk = KeyPair::from_private(&key(4));
    let ek = KeyPair::from_private(&key(5));
    let mallory = KeyPair::from_private(&key(6));
    let bundle = |one_time: bool| PreKeyBundle {
        identity_key: ik_b.public,
        signed_prekey_id: 1,
        signed_prekey: spk.public,
        signed_prekey_signature: x3dh::sign_prekey(&ik_b, &spk.public, &[9; 64]),
        one_time_prekey: one_time.then_some((2, opk.public)),
        kyber_prekey: None,
    };
    // Two bundles that are right in every respect but the signature: the attacker's prekey
    // under its own signature, and Bob's prekey under the signature of another of Bob's keys.
    let forged = [
        PreKeyBundle {
            signed_prekey: mallory.public,
            signed_prekey_signature: x3dh::sign_prekey(&mallory, &mallory.public, &[9; 64]),
            ..bundle(true)
        },
        PreKeyBundle {
            signed_prekey_signature: x3dh::sign_prekey(&ik_b, &opk.public, &[9; 64]),
            ..bundle(true)
        },
    ];
    let verified = forged
        .iter()
        .all(|b| (spec.x3dh_initiate)(&ik_a, b, &ek.private).is_err());
    let dh = |private: &KeyPair, public: &KeyPair| {
        x25519::dh(&private.private, &public.public).map_err(|e| format!("{e:?}"))
    };
    let candidates = [
        (Dh::Dh1, dh(&ik_a, &spk)?),
        (Dh::Dh2, dh(&ek, &ik_b)?),
        (Dh::Dh3, dh(&ek, &spk)?),
        (Dh::Dh4, dh(&ek, &opk)?),
    ];
    let mut initiator: DhLists = [Vec::new(), Vec::new()];
    let mut responder: DhLists = [Vec::new(), Vec::new()];
    for one_time in [false, true] {
        let a = (spec.x3dh_initiate)(&ik_a, &bundle(one_time), &ek.private)
            .map_err(|e| fail("x3dh::initiate refuses a valid bundle", e))?;
        let b = (spec.x3dh_respond)(
            &ik_b,
            &spk,
            one_time.then_some(&opk),
            &ik_a.public,
            &ek.public,
        )
        .map_err(|e| fail("x3dh::respond refuses a valid initial message", e))?;
        initiator[usize::from(one_time)] = split_key_material(&a.key_material, &candidates)?;
        responder[usize::from(one_time)] = split_key_material(&b.key_material, &candidates)?;
    }
    Ok((verified, initiator, responder))
}

/// KM = F || DH outputs (§3.3): which DH output each 32-byte part after F is.
fn split_key_material(km: &[u8], candidates: &[(Dh, [u8; 32])]) -> Result<Vec<Dh>, String> {
    let rest = km
        .strip_prefix(&x3dh::F[..])
        .ok_or("X3DH key material does not start with F (§2.2)")?;
    if rest.len() % 32 != 0 {
        return Err("X3DH key material is not F followed by 32-byte DH outputs".into());
    }
    rest.chunks(32)
        .map(|part| {
            candidates
                .iter()
                .find(|(_, value)| value[..] == *part)
                .map(|(dh, _)| *dh)
                .ok_or_else(|| "X3DH key material holds something other than DH1..DH4".into())
        })
        .collect()
}

/// X3DH §3.4: after Bob accepts Alice's prekey message, the same message is refused once
/// the session it started is gone (as a replay to another of Bob's devices or after a
/// reinstall would find it): it named a one-time prekey, which must have been deleted.
fn one_time_prekey_probe(spec: &Spec, profile: Profile) -> Result<bool, String> {
    let bob = Party::new(profile, false, &key(20), 7);
    let (update, bundle) =
        party::publish_bundle(&bob, (1, &key(21)), Some((2, &key(22))), &[3; 64], None);
    let bob = bob.apply(update);
    let alice = Party::new(profile, false, &key(23), 8);
    let update = party::initiate(&alice, &bundle, &key(24), &key(25), &[0; 32])
        .map_err(|e| fail("party::initiate", e))?;
    let alice = alice.apply(update);
    let (_, kind, message) =
        party::encrypt(&alice, &bob.identity.public, b"probe", &key(26), &[0; 12])
            .map_err(|e| fail("party::encrypt", e))?;
    let from = alice.identity.public;
    let (update, _) = (spec.party_decrypt)(&bob, &from, kind, &message, &key(27))
        .map_err(|e| fail("party::decrypt refuses a valid prekey message", e))?;
    let mut after = bob.apply(update);
    after.sessions.clear();
    after.archived.clear();
    Ok((spec.party_decrypt)(&after, &from, kind, &message, &key(28)).is_err())
}

/// Double Ratchet §3.5: replays of a message decrypted in order and of one decrypted from
/// the skipped keys are refused; the new ratchet key after a DH step is the fresh one.
fn ratchet_probes(spec: &Spec, profile: Profile) -> Result<(bool, bool), String> {
    let sk = key(30);
    let spk = KeyPair::from_private(&key(31));
    let ad = b"probe associated data";
    let alice = dr::ratchet_init_alice(profile, &sk, &spk.public, &key(32))
        .map_err(|e| fail("ratchet_init_alice", e))?;
    let bob = dr::ratchet_init_bob(&sk, &spk);
    let encrypt = |s: &State, pt: &[u8]| {
        dr::ratchet_encrypt(
            profile,
            WireVariant::Reference,
            &profile.limits(),
            s,
            pt,
            ad,
            &key(33),
        )
        .map_err(|e| fail("ratchet_encrypt", e))
    };
    let (alice, m1) = encrypt(&alice, b"one")?;
    let (_, m2) = encrypt(&alice, b"two")?;
    let decrypt = |s: &State, m: &[u8], fresh: &[u8; 32]| {
        (spec.ratchet_decrypt)(profile, &profile.limits(), s, m, ad, fresh)
    };
    let fresh = key(34);
    let (in_order, pt) = decrypt(&bob, &m1, &fresh)
        .map_err(|e| fail("ratchet_decrypt refuses a valid message", e))?;
    if pt != b"one" {
        return Err("ratchet_decrypt gives another plaintext".into());
    }
    let fresh_key =
        in_order.dh_s.as_ref().map(|k| k.public) == Some(KeyPair::from_private(&fresh).public);
    let in_order_deleted = decrypt(&in_order, &m1, &key(35)).is_err();
    let (skipped, _) = decrypt(&bob, &m2, &key(36))
        .map_err(|e| fail("ratchet_decrypt refuses a message that skips one", e))?;
    let (used, _) = decrypt(&skipped, &m1, &key(37))
        .map_err(|e| fail("ratchet_decrypt refuses a skipped message", e))?;
    let skipped_deleted = decrypt(&used, &m1, &key(38)).is_err();
    Ok((in_order_deleted && skipped_deleted, fresh_key))
}

/// The profile's seal/open: round trip, MAC (or tag) checked, AD bound.
fn message_probes(spec: &Spec, profile: Profile) -> Result<(bool, bool), String> {
    let mk = key(40);
    let header = Header {
        dh: KeyPair::from_private(&key(41)).public,
        pn: 0,
        n: 0,
    };
    let (ad, other_ad) = ([1u8; 66], [2u8; 66]);
    let message = (spec.seal)(profile, WireVariant::Reference, &mk, &header, b"probe", &ad)
        .map_err(|e| fail("seal", e))?;
    if (spec.open)(profile, &mk, &message, &ad) != Ok(b"probe".to_vec()) {
        return Err("open does not undo seal".into());
    }
    let mut changed = message.clone();
    if let Some(last) = changed.last_mut() {
        *last ^= 0x01;
    }
    let mac_checked = (spec.open)(profile, &mk, &changed, &ad).is_err();
    let ad_bound = (spec.open)(profile, &mk, &message, &other_ad).is_err();
    Ok((mac_checked, ad_bound))
}

/// KDF_CK (§5.2): which of the spec's two HMAC inputs gives the next chain key and which
/// the message key.
fn kdf_ck_probe(spec: &Spec) -> Result<([u8; 1], [u8; 1]), String> {
    let ck = key(50);
    let (next, mk) = (spec.kdf_ck)(&ck);
    let seed_of = |out: [u8; 32]| {
        [CHAIN_KEY_SEED, MESSAGE_KEY_SEED]
            .into_iter()
            .find(|seed| kdf::hmac_sha256(&ck, seed) == out)
            .ok_or(
                "kdf_ck's outputs are not HMAC(CK, CHAIN_KEY_SEED) and HMAC(CK, MESSAGE_KEY_SEED)",
            )
    };
    let (chain, message) = (seed_of(next)?, seed_of(mk)?);
    if chain == message {
        return Err("kdf_ck gives the same key twice".into());
    }
    Ok((chain, message))
}

/// The reference spec's guards (for the drift tests of the schedules).
#[cfg(test)]
pub(crate) fn reference(profile: Profile) -> Guards {
    Guards::read(&REFERENCE, profile).expect("the spec's own guards")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::PROFILES;

    /// The spec as it is passes every probe, and its key material is the document's.
    #[test]
    fn the_spec_keeps_every_guard() {
        for profile in PROFILES {
            let g = Guards::read(&REFERENCE, profile).unwrap();
            assert_eq!(
                g,
                Guards {
                    signed_prekey_verified: true,
                    initiator_dhs: [
                        vec![Dh::Dh1, Dh::Dh2, Dh::Dh3],
                        vec![Dh::Dh1, Dh::Dh2, Dh::Dh3, Dh::Dh4]
                    ],
                    responder_dhs: [
                        vec![Dh::Dh1, Dh::Dh2, Dh::Dh3],
                        vec![Dh::Dh1, Dh::Dh2, Dh::Dh3, Dh::Dh4]
                    ],
                    one_time_prekey_deleted: true,
                    message_key_deleted: true,
                    fresh_ratchet_key: true,
                    mac_checked: true,
                    ad_bound: true,
                    chain_key_seed: [0x02],
                    message_key_seed: [0x01],
                },
                "{profile:?}"
            );
        }
    }
}
