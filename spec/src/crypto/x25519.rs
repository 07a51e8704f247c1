//! X25519 Diffie-Hellman, RFC 7748 §5 and §6.1.
//!
//! Both X3DH and the Double Ratchet compute `DH(private, public)` with this function (X3DH §2.2,
//! Double Ratchet §5.1 `DH`).

use super::CryptoError;
use x25519_dalek::{PublicKey, StaticSecret};

/// RFC 7748 §6.1: the public key `X25519(k, 9)` of the private scalar bytes `secret`.
///
/// `secret` is clamped as RFC 7748 §5 `decodeScalar25519` prescribes, so any 32 bytes are a valid
/// private key. Exists so that key pairs can be derived from injected randomness.
#[hax_lib::opaque]
pub fn public_key(secret: &[u8; 32]) -> [u8; 32] {
    PublicKey::from(&StaticSecret::from(*secret)).to_bytes()
}

/// RFC 7748 §6.1: the shared secret `X25519(secret, public)`, refusing an all-zero result.
///
/// `public` is decoded as §5 `decodeUCoordinate` prescribes (the top bit is masked and values
/// `>= p` are reduced), so non-canonical encodings are accepted and give the RFC's result.
/// Returns `Err(LowOrderPoint)` when the output is all zero, which is what §6.1 allows a
/// protocol to check ("MAY check ... whether the output is all zero") and what happens exactly
/// when `public` is a point of small order. The check is constant-time
/// (`SharedSecret::was_contributory`). vodozemac 0.11 refuses the same outputs
/// (`NonContributoryKey`); libsignal 0.72.1 does not (its all-zero check came later), which
/// the suite reports as an expected libsignal divergence (PROFILES.md).
#[hax_lib::opaque]
pub fn dh(secret: &[u8; 32], public: &[u8; 32]) -> Result<[u8; 32], CryptoError> {
    let shared = StaticSecret::from(*secret).diffie_hellman(&PublicKey::from(*public));
    if shared.was_contributory() {
        Ok(shared.to_bytes())
    } else {
        Err(CryptoError::LowOrderPoint)
    }
}
