//! Broken specs: the spec with one guard or key-schedule step removed, each a [`Spec`] in
//! which one function is replaced by a copy of the spec's without that step. The sanity
//! models are the models of these (`models::SANITY`): what ProVerif finds in them is what
//! the reference spec's models would show if the spec lost the same step, and
//! `tests/mutants.rs` holds each one to a changed export.
//!
//! The copies call the spec's own pieces (`x25519::dh`, `kdf_ck`, `signal_v3::authenticate`,
//! ...) and leave out exactly one thing; none of this is reachable from the spec itself.

use crate::guards::{Spec, REFERENCE};
use e2ee_spec::crypto::{chacha, x25519};
use e2ee_spec::double_ratchet::{self as dr, KeyPair, SkippedKey, State};
use e2ee_spec::error::Error;
use e2ee_spec::party::{self, Party, PartyUpdate};
use e2ee_spec::profile::Limits;
use e2ee_spec::profiles::{self, modern, signal_v3};
use e2ee_spec::session::MessageKind;
use e2ee_spec::x3dh::{self, Agreement, PreKeyBundle};
use e2ee_spec::Profile;

/// A spec with one step taken out.
pub struct Mutant {
    /// Short name (in test messages).
    pub name: &'static str,
    /// What is missing, in the words.
    pub removes: &'static str,
    pub spec: Spec,
}

pub const NO_SIGNATURE_CHECK: Mutant = Mutant {
    name: "no_signature_check",
    removes: "x3dh::initiate does not verify the signed prekey's signature",
    spec: Spec {
        x3dh_initiate: initiate_without_signature_check,
        ..REFERENCE
    },
};

pub const NO_IDENTITY_DH: Mutant = Mutant {
    name: "no_identity_dh",
    removes: "DH1 = DH(IK_A, SPK_B) is left out of both sides' key material",
    spec: Spec {
        x3dh_initiate: |ik, bundle, ek| x3dh::initiate(ik, bundle, ek).map(without_dh1),
        x3dh_respond: |ik, spk, opk, ik_a, ek_a| {
            x3dh::respond(ik, spk, opk, ik_a, ek_a).map(without_dh1)
        },
        ..REFERENCE
    },
};

pub const ONE_TIME_PREKEY_KEPT: Mutant = Mutant {
    name: "one_time_prekey_kept",
    removes: "the one-time prekey is not deleted when a prekey message uses it",
    spec: Spec {
        party_decrypt: decrypt_keeping_one_time_prekey,
        ..REFERENCE
    },
};

pub const MESSAGE_KEYS_KEPT: Mutant = Mutant {
    name: "message_keys_kept",
    removes: "the message key of a received message is kept in the state",
    spec: Spec {
        ratchet_decrypt: decrypt_keeping_message_key,
        ..REFERENCE
    },
};

pub const RATCHET_KEY_REUSED: Mutant = Mutant {
    name: "ratchet_key_reused",
    removes: "a DH ratchet step keeps the current ratchet key pair instead of the fresh one",
    spec: Spec {
        ratchet_decrypt: |p, limits, state, message, ad, fresh| {
            let current = state.dh_s.as_ref().map_or(*fresh, |k| k.private);
            dr::ratchet_decrypt(p, limits, state, message, ad, &current)
        },
        ..REFERENCE
    },
};

pub const NO_MAC_CHECK: Mutant = Mutant {
    name: "no_mac_check",
    removes: "open decrypts without checking the MAC (signal-v3) or the Poly1305 tag (modern)",
    spec: Spec {
        open: open_without_mac_check,
        ..REFERENCE
    },
};

pub const AD_UNBOUND: Mutant = Mutant {
    name: "ad_unbound",
    removes: "seal and open leave the associated data out of the MAC / AEAD",
    spec: Spec {
        seal: |p, wire, mk, header, pt, _ad| profiles::seal(p, wire, mk, header, pt, &[]),
        open: |p, mk, message, _ad| profiles::open(p, mk, message, &[]),
        ..REFERENCE
    },
};

pub const KDF_CK_SWAPPED: Mutant = Mutant {
    name: "kdf_ck_swapped",
    removes: "kdf_ck returns its two outputs the other way round",
    spec: Spec {
        kdf_ck: |ck| {
            let (next, mk) = dr::kdf_ck(ck);
            (mk, next)
        },
        ..REFERENCE
    },
};

/// Every mutant, in the order.
pub const ALL: [&Mutant; 8] = [
    &NO_SIGNATURE_CHECK,
    &NO_IDENTITY_DH,
    &ONE_TIME_PREKEY_KEPT,
    &MESSAGE_KEYS_KEPT,
    &RATCHET_KEY_REUSED,
    &NO_MAC_CHECK,
    &AD_UNBOUND,
    &KDF_CK_SWAPPED,
];

/// `x3dh::initiate` without its first line.
fn initiate_without_signature_check(
    ik_a: &KeyPair,
    bundle: &PreKeyBundle,
    ek_private: &[u8; 32],
) -> Result<Agreement, Error> {
    let ek_a = KeyPair::from_private(ek_private);
    let mut key_material = x3dh::F.to_vec();
    key_material.extend_from_slice(&x25519::dh(&ik_a.private, &bundle.signed_prekey)?);
    key_material.extend_from_slice(&x25519::dh(&ek_a.private, &bundle.identity_key)?);
    key_material.extend_from_slice(&x25519::dh(&ek_a.private, &bundle.signed_prekey)?);
    if let Some((_, opk)) = &bundle.one_time_prekey {
        key_material.extend_from_slice(&x25519::dh(&ek_a.private, opk)?);
    }
    Ok(Agreement {
        key_material,
        ad: x3dh::associated_data(&ik_a.public, &bundle.identity_key),
    })
}

/// F || DH1 || DH2 ... without DH1 (the 32 bytes after F).
fn without_dh1(mut a: Agreement) -> Agreement {
    let f = x3dh::F.len();
    a.key_material.drain(f..f + 32);
    a
}

/// `party::decrypt`, whose update forgets to say which one-time prekey was used.
fn decrypt_keeping_one_time_prekey(
    party: &Party,
    remote_identity: &[u8; 32],
    kind: MessageKind,
    message: &[u8],
    fresh: &[u8; 32],
) -> Result<(PartyUpdate, Vec<u8>), Error> {
    let (update, plaintext) = party::decrypt(party, remote_identity, kind, message, fresh)?;
    let update = match update {
        PartyUpdate::Session {
            session,
            change,
            used_kyber_prekey,
            ..
        } => PartyUpdate::Session {
            session,
            change,
            used_one_time_prekey: None,
            used_kyber_prekey,
        },
        other => other,
    };
    Ok((update, plaintext))
}

/// `ratchet_decrypt`, after which the message key it used stays among the skipped keys.
fn decrypt_keeping_message_key(
    profile: Profile,
    limits: &Limits,
    state: &State,
    message: &[u8],
    ad: &[u8],
    fresh: &[u8; 32],
) -> Result<(State, Vec<u8>), Error> {
    let (mut s, plaintext) = dr::ratchet_decrypt(profile, limits, state, message, ad, fresh)?;
    let h = profiles::parse_header(profile, message)?;
    let used = match state.skipped.iter().find(|k| k.dh_r == h.dh && k.n == h.n) {
        Some(k) => k.clone(),
        None => {
            // The chain key at N = 0 of this chain: the stored one, or the DH step's.
            let (mut ck, from) = match state.receiver_chains.iter().find(|c| c.dh_r == h.dh) {
                Some(c) => (c.ck_r, c.n_r),
                None => {
                    let own = state.dh_s.as_ref().ok_or(Error::State)?;
                    let d = x25519::dh(&own.private, &h.dh)?;
                    (dr::kdf_rk(profile, &state.rk, &d).1, 0)
                }
            };
            for _ in from..h.n {
                ck = dr::kdf_ck(&ck).0;
            }
            SkippedKey {
                dh_r: h.dh,
                n: h.n,
                mk: dr::kdf_ck(&ck).1,
            }
        }
    };
    if !s.skipped.contains(&used) {
        s.skipped.push(used);
    }
    Ok((s, plaintext))
}

/// `profiles::open` that accepts any MAC (signal-v3: the body is re-authenticated under the
/// right key first) or any tag (modern: ChaCha20 without Poly1305).
fn open_without_mac_check(
    profile: Profile,
    mk: &[u8; 32],
    message: &[u8],
    ad: &[u8],
) -> Result<Vec<u8>, Error> {
    match profile {
        Profile::Modern => {
            let start = 1 + modern::HEADER_LEN;
            modern::parse_header(message)?;
            let ciphertext = &message[start..message.len() - modern::TAG_LEN];
            let (key, nonce) = modern::message_keys(mk);
            // ChaCha20's key stream: the encryption of zeros (the AAD changes only the tag).
            let stream = chacha::seal(&key, &nonce, &[], &vec![0; ciphertext.len()]);
            Ok(ciphertext.iter().zip(stream).map(|(c, k)| c ^ k).collect())
        }
        _ => {
            let body_len = message
                .len()
                .checked_sub(signal_v3::MAC_LEN)
                .ok_or(Error::Decode)?;
            let (_, mac_key, _) = signal_v3::message_keys(mk);
            let rewritten = signal_v3::authenticate(&mac_key, ad, message[..body_len].to_vec());
            profiles::open(profile, mk, &rewritten, ad)
        }
    }
}
