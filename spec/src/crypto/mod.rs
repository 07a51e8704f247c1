//! Cryptographic primitives used by the protocols, as thin documented wrappers over audited
//! RustCrypto / dalek crates.
//!
//! Every function here is a *primitive*: the protocol modules treat it as a black box with the
//! signature and error behaviour documented on it, and the proof tooling sees it as
//! `#[hax_lib::opaque]` (its body is trusted, not extracted). Each function names the document
//! section it implements. No function panics on any input; every bad input gets a [`CryptoError`].
//! All randomness is an input (see `xeddsa::sign`'s `z`).

pub mod aes_cbc;
pub mod aes_gcm;
pub mod chacha;
pub mod ed25519;
pub mod kdf;
pub mod kem;
pub mod x25519;
pub mod xeddsa;

/// Why a primitive refused its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoError {
    /// X25519 produced the all-zero shared secret: the peer's public key is a low-order point
    /// (RFC 7748 §6.1 "check that the output is not all zero").
    LowOrderPoint,
    /// An AEAD tag or a MAC did not verify.
    AuthFailure,
    /// An input has a length the primitive cannot accept (e.g. a CBC ciphertext that is not a
    /// whole number of blocks, a MAC tag of 0 or more than 32 bytes).
    InvalidLength,
    /// CBC plaintext did not end in valid PKCS#7 padding.
    BadPadding,
    /// An XEdDSA or Ed25519 signature did not verify, or the key or signature was not canonically encoded.
    BadSignature,
    /// A KEM public key of the right length whose coefficients are not reduced modulo q
    /// (FIPS 203 §7.2 "modulus check"), or 32 bytes that are not an Ed25519 point.
    InvalidKey,
    /// HKDF was asked for more than 255 * HashLen bytes (RFC 5869 §2.3).
    OutputTooLong,
}
