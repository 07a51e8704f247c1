//! AEAD_CHACHA20_POLY1305, RFC 8439 §2.8.
//!
//! The message AEAD of the `modern` profile (Double Ratchet §5.2 recommends an AEAD for
//! `ENCRYPT`/`DECRYPT`).

use super::CryptoError;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::ChaCha20Poly1305;

/// Poly1305 tag length in bytes (RFC 8439 §2.8).
pub const TAG_LEN: usize = 16;

/// Longest plaintext RFC 8439 §2.8 allows: 2^38 - 64 bytes (the 32-bit block counter).
pub const MAX_PLAINTEXT_LEN: u64 = (1 << 38) - 64;

/// RFC 8439 §2.8 AEAD encryption: returns `ciphertext || tag` (`plaintext.len() + 16` bytes).
///
/// The only input the RFC refuses is a plaintext longer than [`MAX_PLAINTEXT_LEN`] (256 GiB),
/// which cannot occur in practice; this function then fails closed by returning an empty vector,
/// which [`open`] always rejects, instead of panicking.
#[hax_lib::opaque]
#[hax_lib::requires(plaintext.len() as u64 <= MAX_PLAINTEXT_LEN)]
#[hax_lib::ensures(|result| result.len() == plaintext.len() + TAG_LEN)]
pub fn seal(key: &[u8; 32], nonce: &[u8; 12], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = ChaCha20Poly1305::new(key.into());
    cipher
        .encrypt(
            nonce.into(),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .unwrap_or_default()
}

/// RFC 8439 §2.8 AEAD decryption of `ciphertext || tag`: the plaintext if the tag verifies
/// (constant-time comparison), else `Err(AuthFailure)`. Input shorter than the 16-byte tag is
/// also `Err(AuthFailure)`: it cannot carry a valid tag.
#[hax_lib::opaque]
#[hax_lib::ensures(|result| match result {
    Ok(plaintext) => plaintext.len() + TAG_LEN == ciphertext_and_tag.len(),
    Err(e) => e == CryptoError::AuthFailure,
})]
pub fn open(
    key: &[u8; 32],
    nonce: &[u8; 12],
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    if ciphertext_and_tag.len() < TAG_LEN {
        return Err(CryptoError::AuthFailure);
    }
    let cipher = ChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(
            nonce.into(),
            Payload {
                msg: ciphertext_and_tag,
                aad,
            },
        )
        .map_err(|_| CryptoError::AuthFailure)
}
