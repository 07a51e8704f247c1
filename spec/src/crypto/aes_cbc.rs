//! AES-256-CBC with PKCS#7 padding (FIPS 197, NIST SP 800-38A §6.2, RFC 5652 §6.3).
//!
//! The message cipher of the `signal-v3` profile (libsignal's `aes_256_cbc_encrypt`) and the
//! `olm-v1` profile (Olm's `AES-256-CBC` with PKCS#7 padding). Both authenticate the ciphertext
//! with HMAC *before* decrypting, so the padding check below need not hide which check failed.

use super::CryptoError;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use aes::{Aes256, Block};

type Encryptor = cbc::Encryptor<Aes256>;
type Decryptor = cbc::Decryptor<Aes256>;

/// AES block length in bytes.
pub const BLOCK_LEN: usize = 16;

/// SP 800-38A §6.2 CBC encryption of `plaintext` after RFC 5652 §6.3 padding: `n = 16 -
/// (len mod 16)` bytes of value `n` are appended (a full block when `len` is a multiple of 16),
/// so the output is `16 * (len / 16 + 1)` bytes.
#[hax_lib::opaque]
#[hax_lib::ensures(|result| result.len() % BLOCK_LEN == 0
    && result.len() > plaintext.len()
    && result.len() - plaintext.len() <= BLOCK_LEN)]
pub fn encrypt(key: &[u8; 32], iv: &[u8; 16], plaintext: &[u8]) -> Vec<u8> {
    let pad = BLOCK_LEN - plaintext.len() % BLOCK_LEN;
    let mut buf = plaintext.to_vec();
    buf.resize(plaintext.len() + pad, pad as u8);
    // `buf` is a whole number of blocks, so the split leaves no tail.
    let (blocks, _) = Block::slice_as_chunks_mut(&mut buf);
    Encryptor::new(key.into(), iv.into()).encrypt_blocks(blocks);
    buf
}

/// SP 800-38A §6.2 CBC decryption followed by RFC 5652 §6.3 padding removal.
///
/// `Err(InvalidLength)` if `ciphertext` is empty or not a whole number of blocks;
/// `Err(BadPadding)` unless the last byte `n` is in `1..=16` and the last `n` bytes all equal `n`.
#[hax_lib::opaque]
#[hax_lib::ensures(|result| match result {
    Ok(plaintext) => plaintext.len() < ciphertext.len()
        && ciphertext.len() - plaintext.len() <= BLOCK_LEN,
    Err(_) => true,
})]
pub fn decrypt(key: &[u8; 32], iv: &[u8; 16], ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(BLOCK_LEN) {
        return Err(CryptoError::InvalidLength);
    }
    let mut buf = ciphertext.to_vec();
    // Checked above: a whole number of blocks, so the split leaves no tail.
    let (blocks, _) = Block::slice_as_chunks_mut(&mut buf);
    Decryptor::new(key.into(), iv.into()).decrypt_blocks(blocks);
    let n = usize::from(buf[buf.len() - 1]);
    if n == 0 || n > BLOCK_LEN || buf[buf.len() - n..].iter().any(|&b| usize::from(b) != n) {
        return Err(CryptoError::BadPadding);
    }
    buf.truncate(buf.len() - n);
    Ok(buf)
}
