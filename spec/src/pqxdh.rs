//! The PQXDH key agreement protocol, Signal specification revision 3 (2024-01-23), §2–§3.
//!
//! PQXDH is X3DH (`x3dh`) with one more input to the KDF: the shared secret of a KEM
//! encapsulation to Bob's signed post-quantum prekey `PQPK_B`. Curve X25519, hash SHA-256,
//! the KEM is the profile's (`signal-v4`: Kyber1024, as libsignal sends it). The DH part, the
//! signed prekey and the associated data are X3DH's functions, called here unchanged.

use crate::crypto::kem::{self, Kem, KemKeyPair};
use crate::crypto::xeddsa;
use crate::double_ratchet::KeyPair;
use crate::error::Error;
use crate::x3dh::{self, Agreement, PreKeyBundle};

/// §3.2: a post-quantum prekey as Bob publishes it: its id, the serialized KEM public key
/// (type byte ‖ raw key) and Bob's XEdDSA signature over exactly those bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedKemPrekey {
    pub id: u32,
    pub public: Vec<u8>,
    pub signature: [u8; 64],
}

/// What a PQXDH initial message carries besides X3DH's fields (§3.3): which PQ prekey Alice
/// encapsulated to and the ciphertext `CT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KemPayload {
    pub prekey_id: u32,
    pub ciphertext: Vec<u8>,
}

/// §3.2: Bob signs `EncodeKEM(PQPK_B)` with `IK_B` (XEdDSA, 64 random bytes `z`).
pub fn sign_kem_prekey(identity: &KeyPair, public: &[u8], z: &[u8; 64]) -> [u8; 64] {
    xeddsa::sign(&identity.private, public, z)
}

/// The serialized PQ key must be of the profile's KEM and length before anything else is
/// done with it: a key of another KEM is not a key of this protocol (libsignal: `BadKEMKeyType`
/// when the bundle is built), whatever its signature says.
fn check_kem_key(kem: Kem, public: &[u8]) -> Result<(), Error> {
    match kem::deserialize(public, kem::PUBLIC_KEY_LEN) {
        Ok((k, _)) if k == kem => Ok(()),
        _ => Err(Error::Decode),
    }
}

/// §3.3: Alice verifies the signatures on `SPK_B` and on `PQPK_B` (both by `IK_B`), computes
/// DH1..DH3 [DH4] as in X3DH, encapsulates to `PQPK_B` with the message `m`, and appends the
/// shared secret: KM = F ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4] ‖ SS. Returns the agreement and `CT`.
#[hax_lib::ensures(|result| match &result {
    Ok((a, _)) => a.ad.len() == 66 && (a.key_material.len() == 160 || a.key_material.len() == 192),
    Err(_) => true,
})]
pub fn initiate(
    kem: Kem,
    ik_a: &KeyPair,
    bundle: &PreKeyBundle,
    ek_private: &[u8; 32],
    m: &[u8; 32],
) -> Result<(Agreement, KemPayload), Error> {
    let pq = bundle.kyber_prekey.as_ref().ok_or(Error::Decode)?;
    check_kem_key(kem, &pq.public)?;
    x3dh::verify_prekey_signature(
        &bundle.identity_key,
        &bundle.signed_prekey,
        &bundle.signed_prekey_signature,
    )?;
    xeddsa::verify(&bundle.identity_key, &pq.public, &pq.signature)?;
    let mut agreement = x3dh::initiate(ik_a, bundle, ek_private)?;
    let (ciphertext, ss) = kem::encapsulate(&pq.public, m)?;
    agreement.key_material.extend_from_slice(&ss);
    Ok((
        agreement,
        KemPayload {
            prekey_id: pq.id,
            ciphertext,
        },
    ))
}

/// §3.4: Bob decapsulates `CT` with the PQ prekey the message named and computes the same
/// key material. A ciphertext of the wrong length or of another KEM is refused before any
/// DH; a tampered one of the right form decapsulates to an unrelated secret (implicit
/// rejection), which shows as the first message's authentication failure.
#[hax_lib::ensures(|result| match &result {
    Ok(a) => a.ad.len() == 66 && (a.key_material.len() == 160 || a.key_material.len() == 192),
    Err(_) => true,
})]
pub fn respond(
    ik_b: &KeyPair,
    spk_b: &KeyPair,
    opk_b: Option<&KeyPair>,
    pqpk_b: &KemKeyPair,
    ik_a: &[u8; 32],
    ek_a: &[u8; 32],
    ciphertext: &[u8],
) -> Result<Agreement, Error> {
    // libsignal `ratchet.rs` `initialize_bob_session`: the DH outputs first, then decapsulation.
    let mut agreement = x3dh::respond(ik_b, spk_b, opk_b, ik_a, ek_a)?;
    let ss = kem::decapsulate(pqpk_b, ciphertext)?;
    agreement.key_material.extend_from_slice(&ss);
    Ok(agreement)
}
