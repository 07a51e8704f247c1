//! A ciphertext that is valid under two AES-256-GCM keys (NIST SP 800-38D §7.1).
//!
//! The tag is T = E_K(J0) ⊕ GHASH_H(A, C) with H = E_K(0^128), and GHASH is linear in every
//! block X_j of A ‖ C ‖ len: GHASH_H = ⊕_j X_j • H^(q-j+1) for q blocks. With every block but
//! one fixed, both keys' tags are affine in the free block X:
//!
//! ```text
//! T_k = T_k(0) ⊕ X • H_k^e      (T_k(0): the tag with X = 0; e: X's exponent)
//! T_1 = T_2  ⇔  X = (T_1(0) ⊕ T_2(0)) / (H_1^e ⊕ H_2^e)
//! ```
//!
//! one division in GF(2^128) (Dodis–Grubbs–Ristenpart–Woodage, CRYPTO 2018, §"Attacking
//! AES-GCM"; Schmieg, "Invisible Salamanders in AES-GCM-SIV", 2020, for the same algebra).

use super::gf128;
use aes::cipher::{BlockCipherEncrypt, KeyInit};
use aes::Aes256;

/// The block the solver chooses: one 16-byte block.
pub const FREE_LEN: usize = 16;

/// E_K(block).
fn encrypt_block(key: &[u8; 32], block: [u8; 16]) -> [u8; 16] {
    let mut b = block.into();
    Aes256::new(key.into()).encrypt_block(&mut b);
    b.into()
}

/// The pre-counter block for a 96-bit IV, with its 32-bit counter set to `counter`
/// (SP 800-38D §7.1 step 2: J0 = IV ‖ 0^31 ‖ 1; the plaintext uses inc32(J0) onwards).
fn counter_block(nonce: &[u8; 12], counter: u32) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..12].copy_from_slice(nonce);
    b[12..].copy_from_slice(&counter.to_be_bytes());
    b
}

/// GCTR's key stream for `len` bytes of plaintext: E_K(inc32(J0)), E_K(inc32^2(J0)), ...
/// (SP 800-38D §6.5, §7.1 step 3).
pub fn keystream(key: &[u8; 32], nonce: &[u8; 12], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 16);
    let mut counter = 2u32;
    while out.len() < len {
        out.extend_from_slice(&encrypt_block(key, counter_block(nonce, counter)));
        counter += 1;
    }
    out.truncate(len);
    out
}

/// The blocks GHASH reads (SP 800-38D §7.1 step 5): A and C each zero-padded to whole
/// blocks, then [len(A)]_64 ‖ [len(C)]_64 in bits.
pub fn ghash_blocks(aad: &[u8], ct: &[u8]) -> Vec<[u8; 16]> {
    let mut blocks = Vec::new();
    for part in [aad, ct] {
        for chunk in part.chunks(16) {
            let mut b = [0u8; 16];
            b[..chunk.len()].copy_from_slice(chunk);
            blocks.push(b);
        }
    }
    let mut len = [0u8; 16];
    len[..8].copy_from_slice(&(aad.len() as u64 * 8).to_be_bytes());
    len[8..].copy_from_slice(&(ct.len() as u64 * 8).to_be_bytes());
    blocks.push(len);
    blocks
}

/// GHASH_H(X_1 ‖ ... ‖ X_q) = ⊕ X_j • H^(q-j+1), by Horner's rule Y_j = (Y_(j-1) ⊕ X_j) • H
/// (SP 800-38D §6.4).
fn ghash(h: u128, blocks: &[[u8; 16]]) -> u128 {
    blocks
        .iter()
        .fold(0, |y, x| gf128::mul(y ^ gf128::from_block(x), h))
}

/// H = E_K(0^128) and the tag mask E_K(J0).
fn subkeys(key: &[u8; 32], nonce: &[u8; 12]) -> (u128, u128) {
    let h = gf128::from_block(&encrypt_block(key, [0; 16]));
    let mask = gf128::from_block(&encrypt_block(key, counter_block(nonce, 1)));
    (h, mask)
}

/// The GCM tag of `ct` (SP 800-38D §7.1 steps 5-6), computed from the definition.
pub fn tag(key: &[u8; 32], nonce: &[u8; 12], aad: &[u8], ct: &[u8]) -> [u8; 16] {
    let (h, mask) = subkeys(key, nonce);
    gf128::to_block(ghash(h, &ghash_blocks(aad, ct)) ^ mask)
}

/// Sets the block `ct[at..at + 16]` (`at` a multiple of 16) so that `ct` has the same tag under
/// both keys, and returns that tag; `None` if no block does it (H_1^e = H_2^e, which happens
/// for a negligible fraction of key pairs).
pub fn solve(
    keys: [&[u8; 32]; 2],
    nonce: &[u8; 12],
    aad: &[u8],
    ct: &mut [u8],
    at: usize,
) -> Option<[u8; 16]> {
    assert!(
        at.is_multiple_of(16) && at + FREE_LEN <= ct.len(),
        "free block inside ct"
    );
    ct[at..at + FREE_LEN].fill(0);
    let q = ghash_blocks(aad, ct).len();
    // X is block j = ceil(|A| / 16) + at / 16 + 1 of q, so it is multiplied by H^(q - j + 1).
    let e = (q - (aad.len().div_ceil(16) + at / 16 + 1) + 1) as u128;
    let [t1, t2] = keys.map(|k| gf128::from_block(&tag(k, nonce, aad, ct)));
    let [h1, h2] = keys.map(|k| subkeys(k, nonce).0);
    let x = gf128::mul(t1 ^ t2, gf128::inv(gf128::pow(h1, e) ^ gf128::pow(h2, e))?);
    ct[at..at + FREE_LEN].copy_from_slice(&gf128::to_block(x));
    let tag = tag(keys[0], nonce, aad, ct);
    (tag == self::tag(keys[1], nonce, aad, ct)).then_some(tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use e2ee_spec::crypto::aes_gcm;

    /// The key stream and the tag computed from the definition are RustCrypto's `aes-gcm`
    /// (which `spec/tests/crypto_wycheproof.rs` anchors to Wycheproof).
    #[test]
    fn keystream_and_tag_are_aes_gcm() {
        let mut rng = crate::rng::Rng::new(&["test", "gcm"]);
        for (aad_len, len) in [(0, 0), (0, 16), (13, 31), (32, 1), (5, 100)] {
            let key = rng.bytes::<32>();
            let nonce = rng.bytes::<12>();
            let aad = rng.vec(aad_len);
            let pt = rng.vec(len);
            let sealed = aes_gcm::seal(&key, &nonce, &aad, &pt);
            let ct: Vec<u8> = pt
                .iter()
                .zip(keystream(&key, &nonce, len))
                .map(|(p, k)| p ^ k)
                .collect();
            assert_eq!(&sealed[..len], &ct[..]);
            assert_eq!(&sealed[len..], &tag(&key, &nonce, &aad, &ct));
        }
    }
}
