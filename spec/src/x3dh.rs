//! The X3DH key agreement protocol, Signal specification revision 1 (2016-11-04), §2–§3.
//!
//! Curve X25519, hash SHA-256. `Encode(PK)` is the 0x05 type byte followed by the 32-byte
//! u-coordinate (§2.2, and libsignal's serialization). The KDF's `info` and output length
//! are the profile's; everything else here is the document's.

use crate::crypto::{kdf, x25519, xeddsa};
use crate::double_ratchet::KeyPair;
use crate::error::Error;
use crate::pqxdh::SignedKemPrekey;
use crate::profiles::signal_v3::encode_public_key;

/// §2.2: F = 32 bytes of 0xFF, prepended to the DH outputs for XEdDSA domain separation.
pub const F: [u8; 32] = [0xFF; 32];

/// A prekey bundle as Bob publishes it (§3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreKeyBundle {
    pub identity_key: [u8; 32],
    pub signed_prekey_id: u32,
    pub signed_prekey: [u8; 32],
    /// XEdDSA signature by the identity key over `Encode(SPK)`.
    pub signed_prekey_signature: [u8; 64],
    pub one_time_prekey: Option<(u32, [u8; 32])>,
    /// PQXDH §3.2: the signed post-quantum prekey (`signal-v4` only; X3DH ignores it).
    pub kyber_prekey: Option<SignedKemPrekey>,
}

/// What X3DH gives both sides: the KDF input key material (F || DH1 || .. || DH4), from
/// which each profile derives its secrets, and the associated data AD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    pub key_material: Vec<u8>,
    /// §3.3: AD = Encode(IK_A) || Encode(IK_B).
    pub ad: Vec<u8>,
}

/// §2.2 Encode(PK).
pub fn encode(key: &[u8; 32]) -> [u8; 33] {
    encode_public_key(key)
}

/// §3.2: Bob signs Encode(SPK_B) with IK_B (XEdDSA, 64 random bytes `z`).
pub fn sign_prekey(identity: &KeyPair, signed_prekey: &[u8; 32], z: &[u8; 64]) -> [u8; 64] {
    xeddsa::sign(&identity.private, &encode(signed_prekey), z)
}

/// §3.3: "Alice verifies the prekey signature": the XEdDSA signature by `IK_B` over
/// `Encode(SPK_B)`. `Err(BadSignature)` if it does not verify.
pub fn verify_prekey_signature(
    identity_key: &[u8; 32],
    signed_prekey: &[u8; 32],
    signature: &[u8; 64],
) -> Result<(), Error> {
    xeddsa::verify(identity_key, &encode(signed_prekey), signature)?;
    Ok(())
}

/// §3.3: Alice verifies the bundle's signature, then computes DH1..DH4 with her identity
/// key and the ephemeral key of `ek_private`.
#[hax_lib::ensures(|result| match &result {
    Ok(a) => a.ad.len() == 66 && (a.key_material.len() == 128 || a.key_material.len() == 160),
    Err(_) => true,
})]
pub fn initiate(
    ik_a: &KeyPair,
    bundle: &PreKeyBundle,
    ek_private: &[u8; 32],
) -> Result<Agreement, Error> {
    verify_prekey_signature(
        &bundle.identity_key,
        &bundle.signed_prekey,
        &bundle.signed_prekey_signature,
    )?;
    let ek_a = KeyPair::from_private(ek_private);
    let mut key_material = F.to_vec();
    key_material.extend_from_slice(&x25519::dh(&ik_a.private, &bundle.signed_prekey)?);
    key_material.extend_from_slice(&x25519::dh(&ek_a.private, &bundle.identity_key)?);
    key_material.extend_from_slice(&x25519::dh(&ek_a.private, &bundle.signed_prekey)?);
    if let Some((_, opk)) = &bundle.one_time_prekey {
        key_material.extend_from_slice(&x25519::dh(&ek_a.private, opk)?);
    }
    Ok(Agreement {
        key_material,
        ad: associated_data(&ik_a.public, &bundle.identity_key),
    })
}

/// §3.4: Bob computes the same DH outputs from Alice's identity and ephemeral keys.
#[hax_lib::ensures(|result| match &result {
    Ok(a) => a.ad.len() == 66 && (a.key_material.len() == 128 || a.key_material.len() == 160),
    Err(_) => true,
})]
pub fn respond(
    ik_b: &KeyPair,
    spk_b: &KeyPair,
    opk_b: Option<&KeyPair>,
    ik_a: &[u8; 32],
    ek_a: &[u8; 32],
) -> Result<Agreement, Error> {
    let mut key_material = F.to_vec();
    key_material.extend_from_slice(&x25519::dh(&spk_b.private, ik_a)?);
    key_material.extend_from_slice(&x25519::dh(&ik_b.private, ek_a)?);
    key_material.extend_from_slice(&x25519::dh(&spk_b.private, ek_a)?);
    if let Some(opk) = opk_b {
        key_material.extend_from_slice(&x25519::dh(&opk.private, ek_a)?);
    }
    Ok(Agreement {
        key_material,
        ad: associated_data(ik_a, &ik_b.public),
    })
}

/// §3.3 AD = Encode(IK_A) || Encode(IK_B).
pub fn associated_data(ik_a: &[u8; 32], ik_b: &[u8; 32]) -> Vec<u8> {
    [&encode(ik_a)[..], &encode(ik_b)[..]].concat()
}

/// §2.2 KDF(KM) = HKDF(salt = zero-filled HashLen bytes, ikm = KM, info, length).
pub fn kdf(key_material: &[u8], info: &[u8], length: usize) -> Result<Vec<u8>, Error> {
    Ok(kdf::hkdf_sha256(&[0u8; 32], key_material, info, length)?)
}
