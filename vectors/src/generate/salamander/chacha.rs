//! A ciphertext that is valid under two ChaCha20-Poly1305 keys (RFC 8439 §2.8).
//!
//! The one-time Poly1305 key (r, s) is the first 32 bytes of ChaCha20 block 0 (§2.6), and the
//! tag is ((Σ_j c_j r^(q-j+1)) mod p + s) mod 2^128 over the q blocks of
//! AAD ‖ pad ‖ C ‖ pad ‖ le64(|AAD|) ‖ le64(|C|), each read as a number plus 2^128 (§2.5.1).
//! The sum (the accumulator, in [0, p)) is affine in every block, but the final addition is
//! modulo 2^128, not p. So instead of equating tags, pick the tag T first: the accumulator
//! under key k must then be a_k = (T - s_k) mod 2^128, which is below p. Two free blocks x, y
//! at exponents e and e - 1 give two linear equations mod p = 2^130 - 5:
//!
//! ```text
//! x r_1^e + y r_1^(e-1) = a_1 - acc_1(0)
//! x r_2^e + y r_2^(e-1) = a_2 - acc_2(0)      (acc_k(0): the accumulator with x = y = 0)
//! ```
//!
//! whose determinant r_1^(e-1) r_2^(e-1) (r_1 - r_2) is not 0 for distinct, non-zero r. The
//! solution is a pair of numbers below p; they are blocks only if both are below 2^128, about
//! one T in 16, so T is drawn again until they are (the approach of Albertini, Duong, Gueron,
//! Kölbl, Luykx, Schmieg, "How to Abuse and Fix Authenticated Encryption Without Key
//! Commitment", USENIX Security 2022, for ChaCha20-Poly1305 with two keys).

use super::p1305::Fe;
use crate::rng::Rng;
use chacha20::cipher::{KeyIvInit, StreamCipher};
use chacha20::ChaCha20;

/// The blocks the solver chooses: two adjacent 16-byte blocks.
pub const FREE_LEN: usize = 32;

/// How many tags the solver tries before giving up; each succeeds with probability about
/// 1/16, so 2000 tries fail with probability below 2^-180.
const MAX_TRIES: usize = 2000;

/// ChaCha20 blocks 0, 1, ... under (key, nonce) for `len` bytes (RFC 8439 §2.4).
fn chacha20_stream(key: &[u8; 32], nonce: &[u8; 12], len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    ChaCha20::new(key.into(), nonce.into()).apply_keystream(&mut out);
    out
}

/// The key stream that encrypts the plaintext: ChaCha20 from block 1 (§2.8: block 0 makes
/// the Poly1305 key).
pub fn keystream(key: &[u8; 32], nonce: &[u8; 12], len: usize) -> Vec<u8> {
    chacha20_stream(key, nonce, 64 + len).split_off(64)
}

/// r as §2.5 clamps it: the top four bits of bytes 3, 7, 11, 15 and the bottom two of
/// bytes 4, 8, 12 cleared, read little endian.
fn clamp(r: &[u8]) -> Fe {
    let mut r: [u8; 16] = r.try_into().expect("16 bytes");
    for i in [3, 7, 11, 15] {
        r[i] &= 0x0f;
    }
    for i in [4, 8, 12] {
        r[i] &= 0xfc;
    }
    Fe::from_le(&r)
}

/// The one-time Poly1305 key (§2.6): the first 32 bytes of block 0, r (clamped) and s.
fn poly_key(key: &[u8; 32], nonce: &[u8; 12]) -> (Fe, [u8; 16]) {
    let block0 = chacha20_stream(key, nonce, 32);
    (
        clamp(&block0[..16]),
        block0[16..].try_into().expect("16 bytes"),
    )
}

/// The Poly1305 input of §2.8, as whole 16-byte blocks.
pub fn mac_blocks(aad: &[u8], ct: &[u8]) -> Vec<[u8; 16]> {
    let mut blocks = Vec::new();
    for part in [aad, ct] {
        for chunk in part.chunks(16) {
            let mut b = [0u8; 16];
            b[..chunk.len()].copy_from_slice(chunk);
            blocks.push(b);
        }
    }
    let mut len = [0u8; 16];
    len[..8].copy_from_slice(&(aad.len() as u64).to_le_bytes());
    len[8..].copy_from_slice(&(ct.len() as u64).to_le_bytes());
    blocks.push(len);
    blocks
}

/// The accumulator before s is added: Σ c_j r^(q-j+1) mod p, by Horner's rule
/// (§2.5.1: a = (a + c_j) * r, for whole blocks).
fn accumulate(r: Fe, blocks: &[[u8; 16]]) -> Fe {
    blocks
        .iter()
        .fold(Fe::ZERO, |a, b| a.add(Fe::block(b)).mul(r))
}

/// (a + s) mod 2^128 as the 16-byte tag (§2.5.1's last step).
fn finish(acc: Fe, s: &[u8; 16]) -> [u8; 16] {
    let a = u128::from_le_bytes(acc.to_le()[..16].try_into().expect("16 bytes"));
    a.wrapping_add(u128::from_le_bytes(*s)).to_le_bytes()
}

/// The AEAD tag of `ct` (§2.8), computed from the definition.
pub fn tag(key: &[u8; 32], nonce: &[u8; 12], aad: &[u8], ct: &[u8]) -> [u8; 16] {
    let (r, s) = poly_key(key, nonce);
    finish(accumulate(r, &mac_blocks(aad, ct)), &s)
}

/// Sets the blocks `ct[at..at + 32]` (`at` a multiple of 16) so that `ct` has the same tag
/// under both keys, and returns that tag; candidate tags are drawn from `rng`. `None` if the
/// keys' r are equal or zero, or no candidate worked.
pub fn solve(
    keys: [&[u8; 32]; 2],
    nonce: &[u8; 12],
    aad: &[u8],
    ct: &mut [u8],
    at: usize,
    rng: &mut Rng,
) -> Option<[u8; 16]> {
    assert!(
        at.is_multiple_of(16) && at + FREE_LEN <= ct.len(),
        "free blocks inside ct"
    );
    ct[at..at + FREE_LEN].fill(0);
    let blocks = mac_blocks(aad, ct);
    // x is block j = ceil(|AAD| / 16) + at / 16 + 1 of q, multiplied by r^(q - j + 1); y is
    // the next block, one power lower.
    let e = blocks.len() - (aad.len().div_ceil(16) + at / 16 + 1) + 1;
    let [(r1, s1), (r2, s2)] = keys.map(|k| poly_key(k, nonce));
    // acc(0) counts each zero free block as 2^128, so x and y below are the blocks' values.
    let (acc1, acc2) = (accumulate(r1, &blocks), accumulate(r2, &blocks));
    let power = |r: Fe, n: usize| r.pow(&(n as u64).to_le_bytes());
    let (a, b) = (power(r1, e), power(r1, e - 1));
    let (c, d) = (power(r2, e), power(r2, e - 1));
    let det_inv = a.mul(d).sub(b.mul(c)).inv()?;
    for _ in 0..MAX_TRIES {
        let t = u128::from_le_bytes(rng.bytes::<16>());
        // a_k = (T - s_k) mod 2^128: the accumulator that gives tag T under key k.
        let target =
            |s: &[u8; 16]| Fe::from_le(&t.wrapping_sub(u128::from_le_bytes(*s)).to_le_bytes());
        let (u, v) = (target(&s1).sub(acc1), target(&s2).sub(acc2));
        // Cramer's rule for [a b; c d] (x, y) = (u, v).
        let x = u.mul(d).sub(b.mul(v)).mul(det_inv);
        let y = a.mul(v).sub(c.mul(u)).mul(det_inv);
        if let (Some(x), Some(y)) = (x.to_block(), y.to_block()) {
            ct[at..at + 16].copy_from_slice(&x);
            ct[at + 16..at + 32].copy_from_slice(&y);
            let tag = tag(keys[0], nonce, aad, ct);
            return (tag == self::tag(keys[1], nonce, aad, ct)).then_some(tag);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use e2ee_spec::crypto::chacha;

    /// RFC 8439 §2.5.2: Poly1305 of "Cryptographic Forum Research Group" (34 bytes: two whole
    /// blocks, then a 2-byte one, which §2.5.1 reads plus 2^16 instead of 2^128; the AEAD
    /// only has whole blocks, so that last step is written out here).
    #[test]
    fn rfc8439_2_5_2_poly1305() {
        let key: [u8; 32] =
            hex::decode("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b")
                .unwrap()
                .try_into()
                .unwrap();
        let msg = b"Cryptographic Forum Research Group";
        let r = clamp(&key[..16]);
        let whole: Vec<[u8; 16]> = msg
            .chunks(16)
            .take(2)
            .map(|c| c.try_into().unwrap())
            .collect();
        // The last, partial block: its 2 bytes plus 2^16 (§2.5.1), not 2^128.
        let mut last = [0u8; 17];
        last[..2].copy_from_slice(&msg[32..]);
        last[2] = 1;
        let acc = accumulate(r, &whole).add(Fe::from_le(&last)).mul(r);
        let s = key[16..].try_into().unwrap();
        assert_eq!(
            hex::encode(finish(acc, &s)),
            "a8061dc1305136c6c22b8baf0c0127a9"
        );
    }

    /// The key stream and the tag computed from the definition are RustCrypto's
    /// `chacha20poly1305` (which `spec/tests/crypto_wycheproof.rs` anchors to Wycheproof).
    #[test]
    fn keystream_and_tag_are_chacha20poly1305() {
        let mut rng = Rng::new(&["test", "chacha"]);
        for (aad_len, len) in [(0, 0), (0, 16), (13, 31), (32, 1), (5, 100)] {
            let key = rng.bytes::<32>();
            let nonce = rng.bytes::<12>();
            let aad = rng.vec(aad_len);
            let pt = rng.vec(len);
            let sealed = chacha::seal(&key, &nonce, &aad, &pt);
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
