//! Ed25519 (RFC 8032 §5.1), the signature of Megolm messages and session keys, through
//! `ed25519-dalek` (the crate vodozemac uses).
//!
//! Keys are 32-byte RFC 8032 seeds (§5.1.5 "private key"), so a vector can inject them.
//! Verification is `verify_strict`: it refuses non-canonical `S` (RFC 8032 §5.1.7 step 1),
//! and small-order `A` or `R`, which vodozemac's `Ed25519PublicKey::verify` refuses too.

use super::CryptoError;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// RFC 8032 §5.1.5: the public key `A` of the private key (seed) `seed`.
#[hax_lib::opaque]
pub fn public_key(seed: &[u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(seed).verifying_key().to_bytes()
}

/// RFC 8032 §5.1.6: the signature `R || S` of `message` under the private key `seed`.
/// Ed25519 is deterministic: no randomness is drawn.
#[hax_lib::opaque]
pub fn sign(seed: &[u8; 32], message: &[u8]) -> [u8; 64] {
    SigningKey::from_bytes(seed).sign(message).to_bytes()
}

/// Whether `public` decodes to a curve point (RFC 8032 §5.1.3). `Err(InvalidKey)` if not.
#[hax_lib::opaque]
pub fn check_public_key(public: &[u8; 32]) -> Result<(), CryptoError> {
    VerifyingKey::from_bytes(public)
        .map(|_| ())
        .map_err(|_| CryptoError::InvalidKey)
}

/// RFC 8032 §5.1.7 verification, strict: `Err(BadSignature)` if the signature does not
/// verify, `S` is not reduced, or `A` or `R` has small order; `Err(InvalidKey)` if `public`
/// is not a point.
#[hax_lib::opaque]
pub fn verify(public: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> Result<(), CryptoError> {
    let key = VerifyingKey::from_bytes(public).map_err(|_| CryptoError::InvalidKey)?;
    key.verify_strict(message, &Signature::from_bytes(signature))
        .map_err(|_| CryptoError::BadSignature)
}
