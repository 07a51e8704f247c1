//! XEdDSA signatures on X25519 keys, in libsignal's variant.
//!
//! X3DH §2.2 defines `Sig(PK, M)` as an XEdDSA signature; Bob signs his signed prekey with it
//! (§3.2) and Alice verifies it (§3.3). Sections cited below are those of "The XEdDSA and
//! VXEdDSA Signature Schemes", Revision 1 (<https://signal.org/docs/specifications/xeddsa/>):
//! §3 `xeddsa_sign` / `xeddsa_verify`, §2.3 `convert_mont` and `calculate_key_pair`, §2.5
//! `hash_i`, §5 the Curve25519 parameters.
//!
//! # Departures from the XEdDSA document (evidence: libsignal)
//!
//! The `signal-v3` profile must agree byte for byte with libsignal, whose implementation
//! (`rust/core/src/curve/curve25519.rs` in signalapp/libsignal, `PrivateKey::calculate_signature`
//! and `PrivateKey::verify_signature`, the same algorithm as `curve25519_sign` in
//! signalapp/libsignal-protocol-c `src/curve25519/ed25519/additions/curve_sigs.c`) differs from
//! the document in three ways. libsignal's doc comment says the sign-bit change is "for
//! compatibility with the implementation found in libsignal-protocol-java". The sign known answer
//! in `tests/crypto_rfc.rs` (from libsignal-protocol-c) pins this variant down byte for byte.
//!
//! 1. **Sign bit carried in the signature.** The document forces the Edwards public key's sign
//!    bit to 0 (`calculate_key_pair`: `A.s = 0`, `a = -k` if `E.s = 1`). libsignal keeps
//!    `A = kB` with its real sign bit and `a = k mod q`, and stores that sign bit in the top bit
//!    of the signature's last byte (which is always 0 in `s`, since `s < q < 2^253`). The verifier
//!    takes the sign bit for `convert_mont` from there instead of using 0, and clears it from `s`.
//!    Signatures made as the document describes have that bit 0 and still verify here.
//! 2. **Nonce input.** The document's `r = hash_1(a || M || Z)` hashes the (possibly negated)
//!    reduced scalar `a`; libsignal hashes the clamped private key bytes `k` instead. This changes
//!    the signature bytes (not their validity), so KAT vectors need it.
//! 3. **Encoding checks in `verify`.** The document rejects `u >= p` and `s >= 2^|q|`.
//!    libsignal's `verify_signature` ignores bit 255 of `u` and reduces the rest mod p (so
//!    `u + 2^255`, and `u + p` when that is below 2^255, verify like `u`), and accepts
//!    `q <= s < 2^253`, reducing `s` mod q. This spec is *stricter* than both: it rejects
//!    `u >= p` as the document does, and any `s >= q` (non-canonical `s` makes signatures
//!    malleable). libsignal never produces such keys or signatures, so every libsignal signature
//!    verifies here; only re-encodings that libsignal would still accept are refused.
//!
//! `R` is never decoded: it is compared with the canonical encoding of `sB - hA`, so a
//! non-canonical or undecodable `R` fails the comparison, as in the document and libsignal.

use super::CryptoError;
use curve25519_dalek::constants::ED25519_BASEPOINT_TABLE;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::{clamp_integer, Scalar};
use sha2::{Digest, Sha512};

/// `p = 2^255 - 19`, little-endian (XEdDSA §5).
const P: [u8; 32] = {
    let mut p = [0xff; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    p
};

/// Prefix of `hash_1` (XEdDSA §2.5): the integer `2^256 - 1 - 1` in 32 little-endian bytes.
const HASH1_PREFIX: [u8; 32] = {
    let mut prefix = [0xff; 32];
    prefix[0] = 0xfe;
    prefix
};

/// XEdDSA §3 `xeddsa_sign(k, M, Z)`, in libsignal's variant (see the module documentation):
/// a 64-byte signature `R || s` whose last byte's top bit is the sign bit of `kB`.
///
/// `k` is the X25519 private key, clamped as RFC 7748 §5 does (so any 32 bytes work and the
/// matching public key is `x25519::public_key(k)`); `z` is the 64 bytes of fresh randomness the
/// document calls `Z`, passed in so signatures are reproducible.
#[hax_lib::opaque]
pub fn sign(k: &[u8; 32], message: &[u8], z: &[u8; 64]) -> [u8; 64] {
    let k = clamp_integer(*k);
    let a = Scalar::from_bytes_mod_order(k);
    let cap_a = (&a * ED25519_BASEPOINT_TABLE).compress().to_bytes();
    let sign_bit = cap_a[31] & 0x80;

    let r = sha512_mod_q(&[&HASH1_PREFIX, &k, message, z]);
    let cap_r = (&r * ED25519_BASEPOINT_TABLE).compress().to_bytes();
    let h = sha512_mod_q(&[&cap_r, &cap_a, message]);
    let s = (r + h * a).to_bytes();

    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(&cap_r);
    signature[32..].copy_from_slice(&s);
    signature[63] |= sign_bit;
    signature
}

/// XEdDSA §3 `xeddsa_verify(u, M, (R || s))`, accepting what libsignal's `verify_signature`
/// accepts except non-canonical encodings (see the module documentation).
///
/// `Err(BadSignature)` if `u >= p`, if `s >= q` (after removing the sign bit), if `u` is not the
/// u-coordinate of a curve point (`convert_mont` fails: `u = -1` or a point on the twist), or if
/// `R` differs from the encoding of `sB - hA` with `h = SHA-512(R || A || M) mod q`.
#[hax_lib::opaque]
pub fn verify(u: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> Result<(), CryptoError> {
    if !less_than(u, &P) {
        return Err(CryptoError::BadSignature);
    }
    let sign_bit = signature[63] >> 7;
    let mut cap_r = [0u8; 32];
    cap_r.copy_from_slice(&signature[..32]);
    let mut s = [0u8; 32];
    s.copy_from_slice(&signature[32..]);
    s[31] &= 0x7f;

    let s =
        Option::<Scalar>::from(Scalar::from_canonical_bytes(s)).ok_or(CryptoError::BadSignature)?;
    let point_a = MontgomeryPoint(*u)
        .to_edwards(sign_bit)
        .ok_or(CryptoError::BadSignature)?;
    let cap_a = point_a.compress();

    let h = sha512_mod_q(&[&cap_r, cap_a.as_bytes(), message]);
    let r_check = EdwardsPoint::vartime_double_scalar_mul_basepoint(&h, &-point_a, &s).compress();
    // Everything compared is public, so a variable-time comparison is fine.
    if r_check.to_bytes() == cap_r {
        Ok(())
    } else {
        Err(CryptoError::BadSignature)
    }
}

/// `SHA-512(parts[0] || parts[1] || ...) mod q`, the `hash` of XEdDSA §2.5 (and `hash_i` with a
/// prefix) reduced as §3 does.
fn sha512_mod_q(parts: &[&[u8]]) -> Scalar {
    let mut hash = Sha512::new();
    for part in parts {
        hash.update(part);
    }
    Scalar::from_bytes_mod_order_wide(&hash.finalize().into())
}

/// `x < y` for 32-byte little-endian integers.
fn less_than(x: &[u8; 32], y: &[u8; 32]) -> bool {
    for i in (0..32).rev() {
        if x[i] != y[i] {
            return x[i] < y[i];
        }
    }
    false
}
