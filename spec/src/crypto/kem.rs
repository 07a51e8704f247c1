//! The key encapsulation mechanisms of PQXDH (PQXDH specification, revision 3, §2.2 "PQKEM"):
//! pre-standard round-3 **Kyber1024**, which libsignal sends, and **ML-KEM-1024** (FIPS 203),
//! which libsignal has behind a feature. Both come from `libcrux-ml-kem` (Cryspen's verified
//! implementation, the crate libsignal itself calls in `rust/protocol/src/kem/kyber1024.rs`).
//!
//! All randomness is an input: key generation takes the 64-byte seed `d ‖ z` (FIPS 203
//! §7.1 `ML-KEM.KeyGen`; round-3 Kyber draws the same 64 bytes), encapsulation the 32-byte
//! message `m` (FIPS 203 §7.2; round-3 Kyber hashes it once more before use, which is the
//! difference that makes the two KEMs' outputs differ for the same inputs).
//!
//! Keys and ciphertexts travel as libsignal serializes them (`kem.rs`): a type byte, then the
//! raw bytes. The type byte names the KEM, so a key of one KEM is never used with the other.

use super::CryptoError;
use libcrux_ml_kem::{kyber1024, mlkem1024};

/// Which KEM a key or ciphertext belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kem {
    /// Round-3 Kyber, security level 5 (libsignal `KeyType::Kyber1024`).
    Kyber1024,
    /// FIPS 203 ML-KEM-1024 (libsignal `KeyType::MLKEM1024`).
    MlKem1024,
}

/// Raw public key length of both KEMs (FIPS 203 Table 3, `ek`: 384·k + 32 with k = 4).
pub const PUBLIC_KEY_LEN: usize = 1568;
/// Raw decapsulation key length (FIPS 203 Table 3, `dk`: 768·k + 96).
pub const SECRET_KEY_LEN: usize = 3168;
/// Raw ciphertext length (FIPS 203 Table 3, `c`: 32·(d_u·k + d_v) with d_u = 11, d_v = 5).
pub const CIPHERTEXT_LEN: usize = 1568;
/// Shared secret length.
pub const SHARED_SECRET_LEN: usize = 32;
/// Key generation randomness: `d ‖ z`.
pub const KEYGEN_SEED_LEN: usize = 64;
/// Encapsulation randomness `m`.
pub const ENCAPS_RANDOMNESS_LEN: usize = 32;

impl Kem {
    pub const ALL: [Kem; 2] = [Kem::Kyber1024, Kem::MlKem1024];

    /// libsignal `kem.rs` `KeyType`: the first byte of every serialized key and ciphertext.
    pub fn type_byte(self) -> u8 {
        match self {
            Kem::Kyber1024 => 0x08,
            Kem::MlKem1024 => 0x0A,
        }
    }

    pub fn from_type_byte(byte: u8) -> Option<Kem> {
        Kem::ALL.into_iter().find(|k| k.type_byte() == byte)
    }
}

/// A KEM key pair: `public` is serialized (type byte ‖ 1568 bytes), `secret` raw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KemKeyPair {
    pub kem: Kem,
    pub public: Vec<u8>,
    pub secret: Vec<u8>,
}

/// Type byte ‖ raw bytes.
fn serialize(kem: Kem, raw: &[u8]) -> Vec<u8> {
    [&[kem.type_byte()][..], raw].concat()
}

/// The KEM and raw bytes of a serialized key or ciphertext of `raw_len` bytes.
/// An unknown type byte or a wrong length is not an encoding of anything.
pub fn deserialize(bytes: &[u8], raw_len: usize) -> Result<(Kem, &[u8]), CryptoError> {
    match bytes.split_first() {
        Some((byte, raw)) if raw.len() == raw_len => Ok((
            Kem::from_type_byte(*byte).ok_or(CryptoError::InvalidLength)?,
            raw,
        )),
        _ => Err(CryptoError::InvalidLength),
    }
}

/// FIPS 203 §7.1 `ML-KEM.KeyGen` (and round-3 Kyber's `KeyGen`) from the seed `d ‖ z`.
pub fn generate(kem: Kem, seed: &[u8; KEYGEN_SEED_LEN]) -> KemKeyPair {
    let pair = match kem {
        Kem::Kyber1024 => kyber1024::generate_key_pair(*seed),
        Kem::MlKem1024 => mlkem1024::generate_key_pair(*seed),
    };
    KemKeyPair {
        kem,
        public: serialize(kem, pair.pk()),
        secret: pair.sk().to_vec(),
    }
}

/// A key pair from its raw decapsulation key `dk` (FIPS 203 §7.1: `dk = dk_PKE ‖ ek ‖ H(ek) ‖ z`;
/// round-3 Kyber's secret key has the same layout): what an implementation that imports keys
/// but not randomness is given. A `dk` of the wrong length, or whose stored `H(ek)` is not the
/// hash of its `ek` (FIPS 203 §7.3 "hash check"), is refused.
pub fn import(kem: Kem, secret: &[u8]) -> Result<KemKeyPair, CryptoError> {
    let sk =
        mlkem1024::MlKem1024PrivateKey::try_from(secret).map_err(|_| CryptoError::InvalidLength)?;
    if !mlkem1024::portable::validate_private_key_only(&sk) {
        return Err(CryptoError::InvalidKey);
    }
    // ek sits after dk_PKE, which is 384·k = 1536 bytes.
    let ek = &secret[1536..1536 + PUBLIC_KEY_LEN];
    Ok(KemKeyPair {
        kem,
        public: serialize(kem, ek),
        secret: secret.to_vec(),
    })
}

/// FIPS 203 §7.2 `ML-KEM.Encaps` with message `m`, against a serialized public key. Returns
/// the serialized ciphertext and the shared secret. A key that is not 1568 bytes of a known
/// KEM is refused; so is an ML-KEM key that fails FIPS 203's modulus check (§7.2 "input
/// checking"). Round-3 Kyber has no such check, and libsignal (`kem/kyber1024.rs`) makes
/// none, so a Kyber1024 key is used as its bytes decode.
pub fn encapsulate(
    public: &[u8],
    m: &[u8; ENCAPS_RANDOMNESS_LEN],
) -> Result<(Vec<u8>, [u8; SHARED_SECRET_LEN]), CryptoError> {
    let (kem, raw) = deserialize(public, PUBLIC_KEY_LEN)?;
    let key =
        mlkem1024::MlKem1024PublicKey::try_from(raw).map_err(|_| CryptoError::InvalidLength)?;
    if kem == Kem::MlKem1024 && !mlkem1024::validate_public_key(&key) {
        return Err(CryptoError::InvalidKey);
    }
    let (ct, ss) = match kem {
        Kem::Kyber1024 => kyber1024::encapsulate(&key, *m),
        Kem::MlKem1024 => mlkem1024::encapsulate(&key, *m),
    };
    Ok((serialize(kem, ct.as_ref()), ss))
}

/// FIPS 203 §7.3 `ML-KEM.Decaps`: a ciphertext of the right length always decapsulates
/// (implicit rejection: a tampered ciphertext gives an unrelated secret, so the failure shows
/// only later, as a MAC failure). A ciphertext of the other KEM, or of the wrong length, is
/// refused before decapsulation.
///
/// Kyber1024's implicit-rejection secret is libcrux's (and so libsignal's), not the round-3
/// reference's: `KDF(J(z ‖ c) ‖ H(c))` where pq-crystals/kyber v3.0 computes `KDF(z ‖ H(c))`
/// (`tests/kem_pqc_kyber.rs` pins both). Only a rejected ciphertext is affected, and its
/// secret is never sent, so the two interoperate; a KAT of a tampered Kyber ciphertext's
/// secret would not.
pub fn decapsulate(
    pair: &KemKeyPair,
    ciphertext: &[u8],
) -> Result<[u8; SHARED_SECRET_LEN], CryptoError> {
    let (kem, raw) = deserialize(ciphertext, CIPHERTEXT_LEN)?;
    if kem != pair.kem {
        return Err(CryptoError::InvalidLength);
    }
    let sk = mlkem1024::MlKem1024PrivateKey::try_from(pair.secret.as_slice())
        .map_err(|_| CryptoError::InvalidLength)?;
    let ct =
        mlkem1024::MlKem1024Ciphertext::try_from(raw).map_err(|_| CryptoError::InvalidLength)?;
    Ok(match kem {
        Kem::Kyber1024 => kyber1024::decapsulate(&sk, &ct),
        Kem::MlKem1024 => mlkem1024::decapsulate(&sk, &ct),
    })
}
