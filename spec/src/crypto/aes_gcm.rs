//! AES-256-GCM with a 96-bit IV and a 128-bit tag (NIST SP 800-38D §7).
//!
//! Not a message AEAD of any profile: it is here because franking (issue 17) must show that
//! GCM, like ChaCha20-Poly1305, does not commit to its key (Dodis–Grubbs–Ristenpart–Woodage
//! 2018: one ciphertext, two keys, two valid plaintexts), and the vectors that show it are
//! checked against this function.

use super::CryptoError;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::Aes256Gcm;

/// GCM tag length in bytes: the full 128 bits (SP 800-38D §5.2.1.2 allows shorter ones; the
/// suite uses none).
pub const TAG_LEN: usize = 16;

/// Longest plaintext SP 800-38D §5.2.1.1 allows: 2^39 - 256 bits = 2^36 - 32 bytes (the
/// 32-bit block counter of a 96-bit IV, less the block that masks the tag).
pub const MAX_PLAINTEXT_LEN: u64 = (1 << 36) - 32;

/// SP 800-38D §7.1 GCM-AE with a 96-bit IV: returns `ciphertext || tag`
/// (`plaintext.len() + 16` bytes).
///
/// The only input §5.2.1.1 refuses is a plaintext longer than [`MAX_PLAINTEXT_LEN`] (64 GiB),
/// which cannot occur in practice; this function then fails closed by returning an empty
/// vector, which [`open`] always rejects, instead of panicking.
#[hax_lib::opaque]
#[hax_lib::requires(plaintext.len() as u64 <= MAX_PLAINTEXT_LEN)]
#[hax_lib::ensures(|result| result.len() == plaintext.len() + TAG_LEN)]
pub fn seal(key: &[u8; 32], nonce: &[u8; 12], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new(key.into());
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

/// SP 800-38D §7.2 GCM-AD of `ciphertext || tag` with a 96-bit IV: the plaintext if the tag
/// verifies (constant-time comparison), else `Err(AuthFailure)`. Input shorter than the
/// 16-byte tag is also `Err(AuthFailure)`: it cannot carry a valid tag.
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
    let cipher = Aes256Gcm::new(key.into());
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
