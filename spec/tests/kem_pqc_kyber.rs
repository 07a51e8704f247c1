//! `Kem::Kyber1024` (libcrux-ml-kem's round-3 Kyber) against a second, independent round-3
//! Kyber implementation, `pqc_kyber` 0.7.1 (Argyle-Software/kyber, a Rust port of the
//! pq-crystals reference), on many key-generation seeds and encapsulation messages.
//!
//! `pqc_kyber` draws its randomness from an RNG. `Script` is an RNG that hands out exactly the
//! bytes the test chose and records the size of every draw, so the test also checks the order
//! the round-3 reference draws in (keypair: 32 bytes `d`, then 32 bytes `z`; encapsulation:
//! 32 bytes `m`) instead of assuming it.

use e2ee_spec::crypto::kem::{
    self, Kem, KemKeyPair, CIPHERTEXT_LEN, PUBLIC_KEY_LEN, SECRET_KEY_LEN,
};
use e2ee_spec::crypto::CryptoError;
use proptest::prelude::*;
use rand_core::{CryptoRng, RngCore};

/// An RNG that returns the scripted bytes in order and fails when they run out.
struct Script {
    bytes: Vec<u8>,
    pos: usize,
    draws: Vec<usize>,
}

impl Script {
    fn new(bytes: &[u8]) -> Script {
        Script {
            bytes: bytes.to_vec(),
            pos: 0,
            draws: Vec::new(),
        }
    }

    /// Every scripted byte was drawn, in draws of these sizes.
    fn assert_drawn(&self, sizes: &[usize]) {
        assert_eq!(self.draws, sizes, "draw sizes");
        assert_eq!(self.pos, self.bytes.len(), "unused scripted bytes");
    }
}

impl RngCore for Script {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.try_fill_bytes(dest).expect("script exhausted")
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        let end = self.pos + dest.len();
        if end > self.bytes.len() {
            return Err(rand_core::Error::from(
                core::num::NonZeroU32::new(rand_core::Error::CUSTOM_START).unwrap(),
            ));
        }
        dest.copy_from_slice(&self.bytes[self.pos..end]);
        self.pos = end;
        self.draws.push(dest.len());
        Ok(())
    }
}

impl CryptoRng for Script {}

/// Round-3 Kyber `H` = SHA3-256.
fn h(bytes: &[u8]) -> [u8; 32] {
    use sha3::Digest;
    sha3::Sha3_256::digest(bytes).into()
}

/// SHAKE256 with 32 bytes of output: round-3 Kyber's `KDF`, FIPS 203's `J`.
fn shake256(bytes: &[u8]) -> [u8; 32] {
    use sha3::digest::{ExtendableOutput, Update};
    let mut out = [0u8; 32];
    let mut hasher = sha3::Shake256::default();
    hasher.update(bytes);
    hasher.finalize_xof_into(&mut out);
    out
}

/// Round-3 Kyber `KDF(K' ‖ H(c))`.
fn kdf(k: &[u8], h_c: &[u8; 32]) -> [u8; 32] {
    shake256(&[k, &h_c[..]].concat())
}

fn tagged(kem: Kem, raw: &[u8]) -> Vec<u8> {
    [&[kem.type_byte()][..], raw].concat()
}

/// Key generation, encapsulation and decapsulation by both implementations from the same
/// `d ‖ z` and `m`: identical bytes everywhere.
fn agree(seed: &[u8; 64], m: &[u8; 32]) {
    let mut rng = Script::new(seed);
    let theirs = pqc_kyber::keypair(&mut rng).unwrap();
    rng.assert_drawn(&[32, 32]);
    let ours = kem::generate(Kem::Kyber1024, seed);
    assert_eq!(
        ours.public,
        tagged(Kem::Kyber1024, &theirs.public),
        "public key"
    );
    assert_eq!(ours.secret, theirs.secret.to_vec(), "secret key");

    let mut rng = Script::new(m);
    let (their_ct, their_ss) = pqc_kyber::encapsulate(&theirs.public, &mut rng).unwrap();
    rng.assert_drawn(&[32]);
    let (our_ct, our_ss) = kem::encapsulate(&ours.public, m).unwrap();
    assert_eq!(our_ct, tagged(Kem::Kyber1024, &their_ct), "ciphertext");
    assert_eq!(our_ss, their_ss, "shared secret");

    assert_eq!(kem::decapsulate(&ours, &our_ct), Ok(their_ss));
    assert_eq!(
        pqc_kyber::decapsulate(&their_ct, &theirs.secret).unwrap(),
        our_ss
    );
}

#[test]
fn parameters_agree() {
    assert_eq!(pqc_kyber::KYBER_PUBLICKEYBYTES, PUBLIC_KEY_LEN);
    assert_eq!(pqc_kyber::KYBER_SECRETKEYBYTES, SECRET_KEY_LEN);
    assert_eq!(pqc_kyber::KYBER_CIPHERTEXTBYTES, CIPHERTEXT_LEN);
}

#[test]
fn agree_on_fixed_edge_seeds() {
    for byte in [0x00, 0x01, 0x7f, 0x80, 0xff] {
        agree(&[byte; 64], &[byte; 32]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn agree_on_random_seeds(seed in any::<[u8; 64]>(), m in any::<[u8; 32]>()) {
        agree(&seed, &m);
    }

    /// Implicit rejection: a ciphertext with one byte changed decapsulates to a secret that is
    /// not the sender's, in both implementations, but **not to the same one**:
    /// - `pqc_kyber`, like the round-3 reference (pq-crystals/kyber v3.0 `ref/kem.c`
    ///   `crypto_kem_dec`: `cmov(kr, z)`, then `kdf(kr ‖ H(c))`), gives `KDF(z ‖ H(c))`;
    /// - libcrux-ml-kem 0.0.11 `kyber1024` (and so the spec, and libsignal, which calls it)
    ///   gives `KDF(J(z ‖ c) ‖ H(c))`: ML-KEM's rejection secret `J(z ‖ c)` (FIPS 203 §6.3)
    ///   fed through round-3 Kyber's final KDF (`ind_cca.rs` `decapsulate`).
    /// Both formulas are recomputed here with RustCrypto's SHA-3, so the test says who
    /// computes what rather than only that they differ. Only locally visible: the rejected
    /// secret never travels, and either way the session's first MAC fails.
    #[test]
    fn implicit_rejection_formulas(
        seed in any::<[u8; 64]>(),
        m in any::<[u8; 32]>(),
        index in 0..CIPHERTEXT_LEN,
        flip in 1..=255u8,
    ) {
        let ours = kem::generate(Kem::Kyber1024, &seed);
        let (mut ct, ss) = kem::encapsulate(&ours.public, &m).unwrap();
        ct[1 + index] ^= flip;
        let raw_c = &ct[1..];
        let z = &ours.secret[SECRET_KEY_LEN - 32..];
        let our_ss = kem::decapsulate(&ours, &ct).unwrap();
        let their_ss = pqc_kyber::decapsulate(raw_c, &ours.secret).unwrap();
        prop_assert_ne!(our_ss, ss);
        prop_assert_eq!(their_ss, kdf(z, &h(raw_c)), "round-3 reference formula");
        prop_assert_eq!(our_ss, kdf(&shake256(&[z, raw_c].concat()), &h(raw_c)), "libcrux formula");
    }

    /// Same `d ‖ z` and `m`, the other KEM: different key, ciphertext and secret. FIPS 203
    /// changed both key generation and encapsulation, so the type byte is what keeps a peer
    /// from decoding one KEM's bytes as the other's.
    #[test]
    fn the_two_kems_differ(seed in any::<[u8; 64]>(), m in any::<[u8; 32]>()) {
        let kyber = kem::generate(Kem::Kyber1024, &seed);
        let mlkem = kem::generate(Kem::MlKem1024, &seed);
        prop_assert_ne!(&kyber.public[1..], &mlkem.public[1..]);
        let (k_ct, k_ss) = kem::encapsulate(&kyber.public, &m).unwrap();
        let (m_ct, m_ss) = kem::encapsulate(&mlkem.public, &m).unwrap();
        prop_assert_ne!(&k_ct[1..], &m_ct[1..]);
        prop_assert_ne!(k_ss, m_ss);
        // A ciphertext of one KEM is refused by the other KEM's key pair, before decapsulation.
        prop_assert_eq!(kem::decapsulate(&mlkem, &k_ct), Err(CryptoError::InvalidLength));
        prop_assert_eq!(kem::decapsulate(&kyber, &m_ct), Err(CryptoError::InvalidLength));
    }
}

/// Wycheproof's ML-KEM keys with a coefficient ≥ q (`mlkem_1024_encaps_test.json`,
/// "Public key not reduced" and CCTV/modulus). ML-KEM refuses them (FIPS 203 §7.2, checked in
/// `kem_wycheproof.rs`); round-3 Kyber has no modulus check and libsignal makes none, so under
/// type 0x08 the spec must encapsulate to them exactly as the reference port does.
#[test]
fn unreduced_keys_kyber_agrees_with_pqc_kyber() {
    let path = format!(
        "{}/tests/wycheproof/mlkem_1024_encaps_test.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut checked = 0;
    for group in file["testGroups"].as_array().unwrap() {
        for test in group["tests"].as_array().unwrap() {
            let ek = hex::decode(test["ek"].as_str().unwrap()).unwrap();
            if test["result"] != "invalid" || ek.len() != PUBLIC_KEY_LEN {
                continue;
            }
            let m: [u8; 32] = hex::decode(test["m"].as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap();
            assert_eq!(
                kem::encapsulate(&tagged(Kem::MlKem1024, &ek), &m),
                Err(CryptoError::InvalidKey)
            );
            let mut rng = Script::new(&m);
            let (their_ct, their_ss) = pqc_kyber::encapsulate(&ek, &mut rng).unwrap();
            let ours = kem::encapsulate(&tagged(Kem::Kyber1024, &ek), &m);
            assert_eq!(
                ours,
                Ok((tagged(Kem::Kyber1024, &their_ct), their_ss)),
                "tcId {}",
                test["tcId"]
            );
            checked += 1;
        }
    }
    println!("unreduced keys: {checked} agree with pqc_kyber under Kyber1024");
    assert_eq!(
        checked, 116,
        "100 FIPS 203 + 16 CCTV/modulus unreduced keys"
    );
}

/// A key pair assembled by hand from `pqc_kyber`'s bytes decapsulates in the spec: the secret
/// key layout (s ‖ pk ‖ H(pk) ‖ z) is the same.
#[test]
fn their_key_pair_works_in_the_spec() {
    let mut rng = Script::new(&[7; 64]);
    let theirs = pqc_kyber::keypair(&mut rng).unwrap();
    let pair = KemKeyPair {
        kem: Kem::Kyber1024,
        public: tagged(Kem::Kyber1024, &theirs.public),
        secret: theirs.secret.to_vec(),
    };
    let mut rng = Script::new(&[9; 32]);
    let (ct, ss) = pqc_kyber::encapsulate(&theirs.public, &mut rng).unwrap();
    assert_eq!(
        kem::decapsulate(&pair, &tagged(Kem::Kyber1024, &ct)),
        Ok(ss)
    );
}
