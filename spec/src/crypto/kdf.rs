//! HKDF-SHA-256 (RFC 5869) and HMAC-SHA-256 (RFC 2104, FIPS 180-4).
//!
//! HKDF is the KDF of X3DH (§2.2 `KDF`) and of the Double Ratchet root chain (§5.2 `KDF_RK`);
//! HMAC is the chain-key KDF (§5.2 `KDF_CK`) and the message MAC of the CBC profiles.

use super::CryptoError;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// SHA-256 output length (RFC 5869 `HashLen`).
const HASH_LEN: usize = 32;
/// SHA-256 block length (RFC 2104 `B`).
const BLOCK_LEN: usize = 64;

/// RFC 5869 §2.2 HKDF-Extract followed by §2.3 HKDF-Expand, with SHA-256: `len` bytes of
/// output keying material.
///
/// An empty `salt` is the RFC's "not provided" salt, a string of `HashLen` zeros (the two give
/// the same HMAC key). Returns `Err(OutputTooLong)` when `len > 255 * HashLen` (§2.3 `L`
/// bound), before allocating anything.
#[hax_lib::opaque]
#[hax_lib::ensures(|result| match result {
    Ok(okm) => okm.len() == len,
    Err(e) => e == CryptoError::OutputTooLong && len > 255 * HASH_LEN,
})]
pub fn hkdf_sha256(
    salt: &[u8],
    ikm: &[u8],
    info: &[u8],
    len: usize,
) -> Result<Vec<u8>, CryptoError> {
    if len > 255 * HASH_LEN {
        return Err(CryptoError::OutputTooLong);
    }
    let salt = if salt.is_empty() { None } else { Some(salt) };
    let hk = hkdf::Hkdf::<Sha256>::new(salt, ikm);
    let mut okm = vec![0u8; len];
    match hk.expand(info, &mut okm) {
        Ok(()) => Ok(okm),
        Err(_) => Err(CryptoError::OutputTooLong),
    }
}

/// [`hkdf_sha256`] for an output length fixed at compile time: `N <= 255 * HashLen` is
/// checked when the caller is compiled, so the one error HKDF has cannot happen and no
/// caller needs a fallback value.
#[hax_lib::opaque]
pub fn hkdf_sha256_fixed<const N: usize>(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; N] {
    const { assert!(N <= 255 * HASH_LEN) };
    let salt = if salt.is_empty() { None } else { Some(salt) };
    let mut okm = [0u8; N];
    // Cannot fail: the length bound above is HKDF-Expand's only error.
    let _ = hkdf::Hkdf::<Sha256>::new(salt, ikm).expand(info, &mut okm);
    okm
}

/// RFC 2104 §2 HMAC with SHA-256: the 32-byte tag of `data` under `key` (any length).
#[hax_lib::opaque]
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = keyed(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// RFC 2104 §5 (truncated output): checks that `tag` equals the leftmost `tag.len()` bytes of
/// `HMAC-SHA256(key, data)`, in constant time.
///
/// Exists because Signal's message MAC is HMAC-SHA256 truncated to 8 bytes and Olm's is also
/// truncated to 8 bytes. Returns `Err(InvalidLength)` unless `1 <= tag.len() <= 32`, and
/// `Err(AuthFailure)` when the tag does not match.
#[hax_lib::opaque]
#[hax_lib::ensures(|result| match result {
    Ok(()) => 1 <= tag.len() && tag.len() <= HASH_LEN,
    Err(e) => e == CryptoError::AuthFailure
        || (e == CryptoError::InvalidLength && (tag.len() == 0 || tag.len() > HASH_LEN)),
})]
pub fn verify_hmac_sha256_truncated(
    key: &[u8],
    data: &[u8],
    tag: &[u8],
) -> Result<(), CryptoError> {
    if tag.is_empty() || tag.len() > HASH_LEN {
        return Err(CryptoError::InvalidLength);
    }
    let mut mac = keyed(key);
    mac.update(data);
    mac.verify_truncated_left(tag)
        .map_err(|_| CryptoError::AuthFailure)
}

/// RFC 2104 §2 key preparation: a key longer than `B` bytes is replaced by its hash, then the key
/// is padded with zeros to `B` bytes. The fixed-size key makes the HMAC constructor infallible.
fn keyed(key: &[u8]) -> HmacSha256 {
    let mut block = [0u8; BLOCK_LEN];
    if key.len() > BLOCK_LEN {
        block[..HASH_LEN].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    HmacSha256::new(&block.into())
}
