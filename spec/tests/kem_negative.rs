//! Bad KEM input gets a typed error, never a panic: wrong lengths, unknown type bytes, a
//! ciphertext of the other KEM, malformed key pairs, arbitrary bytes.
//!
//! The expected outcome of arbitrary bytes is stated independently of the implementation: the
//! serialization is libsignal's (type byte ‖ 1568 raw bytes), and FIPS 203 §7.2's modulus check
//! is recomputed here from `ByteDecode_12` (§4.2.1) on the key's first 1536 bytes.

use e2ee_spec::crypto::kem::{
    self, Kem, KemKeyPair, CIPHERTEXT_LEN, PUBLIC_KEY_LEN, SECRET_KEY_LEN,
};
use e2ee_spec::crypto::CryptoError;
use proptest::prelude::*;

const SERIALIZED_LEN: usize = 1 + PUBLIC_KEY_LEN;

fn pair(kem_id: Kem) -> KemKeyPair {
    kem::generate(kem_id, &[0x5a; 64])
}

/// FIPS 203 §7.2 modulus check: every 12-bit coefficient of `ByteDecode_12` of the 4 encoded
/// polynomials (384·k = 1536 bytes; the last 32 bytes are ρ) is below q = 3329.
fn reduced(raw_key: &[u8]) -> bool {
    raw_key[..384 * 4].chunks_exact(3).all(|b| {
        let (b0, b1, b2) = (u16::from(b[0]), u16::from(b[1]), u16::from(b[2]));
        (b0 | (b1 & 0x0f) << 8) < 3329 && (b1 >> 4 | b2 << 4) < 3329
    })
}

#[test]
fn type_bytes_are_libsignals() {
    assert_eq!(Kem::Kyber1024.type_byte(), 0x08);
    assert_eq!(Kem::MlKem1024.type_byte(), 0x0A);
    for byte in 0..=255u8 {
        let expected = match byte {
            0x08 => Some(Kem::Kyber1024),
            0x0A => Some(Kem::MlKem1024),
            _ => None,
        };
        assert_eq!(Kem::from_type_byte(byte), expected, "byte {byte:#04x}");
    }
}

/// Every type byte other than 0x08 and 0x0A, on an otherwise valid key and ciphertext
/// (0x07, libsignal's feature-gated Kyber768, included): `InvalidLength`, the spec's
/// "not an encoding of anything".
#[test]
fn unknown_type_bytes_are_refused() {
    for kem_id in Kem::ALL {
        let pair = pair(kem_id);
        let (ct, _) = kem::encapsulate(&pair.public, &[1; 32]).unwrap();
        for byte in (0..=255u8).filter(|b| Kem::from_type_byte(*b).is_none()) {
            let mut public = pair.public.clone();
            public[0] = byte;
            assert_eq!(
                kem::encapsulate(&public, &[1; 32]),
                Err(CryptoError::InvalidLength)
            );
            let mut ct = ct.clone();
            ct[0] = byte;
            assert_eq!(
                kem::decapsulate(&pair, &ct),
                Err(CryptoError::InvalidLength)
            );
        }
    }
}

/// Truncated and oversized keys and ciphertexts, including a raw (untagged) 1568-byte value,
/// the empty input and a lone type byte.
#[test]
fn wrong_lengths_are_refused() {
    for kem_id in Kem::ALL {
        let pair = pair(kem_id);
        let (ct, _) = kem::encapsulate(&pair.public, &[2; 32]).unwrap();
        for len in [
            0,
            1,
            2,
            32,
            PUBLIC_KEY_LEN,
            SERIALIZED_LEN + 1,
            2 * SERIALIZED_LEN,
            4000,
        ] {
            let key: Vec<u8> = pair.public.iter().copied().cycle().take(len).collect();
            assert_eq!(
                kem::encapsulate(&key, &[2; 32]),
                Err(CryptoError::InvalidLength),
                "key {len}"
            );
            let c: Vec<u8> = ct.iter().copied().cycle().take(len).collect();
            assert_eq!(
                kem::decapsulate(&pair, &c),
                Err(CryptoError::InvalidLength),
                "ct {len}"
            );
        }
        assert_eq!(
            kem::deserialize(&pair.public, PUBLIC_KEY_LEN).map(|(k, _)| k),
            Ok(kem_id)
        );
        assert_eq!(
            kem::deserialize(&pair.public[1..], PUBLIC_KEY_LEN),
            Err(CryptoError::InvalidLength)
        );
    }
}

/// A ciphertext tagged with the other KEM's type byte, valid in every other respect, is
/// refused before decapsulation: a Kyber1024 pair never decapsulates ML-KEM bytes (the
/// libsignal v0.96.3 type-byte confusion) and vice versa.
#[test]
fn ciphertext_of_the_other_kem_is_refused() {
    let kyber = pair(Kem::Kyber1024);
    let mlkem = pair(Kem::MlKem1024);
    let (k_ct, _) = kem::encapsulate(&kyber.public, &[3; 32]).unwrap();
    let (m_ct, _) = kem::encapsulate(&mlkem.public, &[3; 32]).unwrap();
    assert_eq!(
        kem::decapsulate(&mlkem, &k_ct),
        Err(CryptoError::InvalidLength)
    );
    assert_eq!(
        kem::decapsulate(&kyber, &m_ct),
        Err(CryptoError::InvalidLength)
    );
    // The same raw bytes retagged as the pair's own KEM are accepted (implicit rejection:
    // a secret, just not the sender's), so the refusal above is the type byte's doing.
    let retagged = [&[0x0A][..], &k_ct[1..]].concat();
    assert!(kem::decapsulate(&mlkem, &retagged).is_ok());
}

/// `KemKeyPair`'s fields are public, so a pair can be malformed: a secret key of the wrong
/// length is refused, for every length tried.
#[test]
fn malformed_secret_key_is_refused() {
    for kem_id in Kem::ALL {
        let good = pair(kem_id);
        let (ct, _) = kem::encapsulate(&good.public, &[4; 32]).unwrap();
        for len in [
            0,
            1,
            32,
            64,
            SECRET_KEY_LEN - 1,
            SECRET_KEY_LEN + 1,
            2 * SECRET_KEY_LEN,
        ] {
            let bad = KemKeyPair {
                secret: vec![0x33; len],
                ..good.clone()
            };
            assert_eq!(
                kem::decapsulate(&bad, &ct),
                Err(CryptoError::InvalidLength),
                "sk {len}"
            );
        }
    }
}

/// A length-checked secret key of garbage bytes still decapsulates without panicking (round-3
/// Kyber and FIPS 203 Decaps define an output for every dk of the right length).
#[test]
fn garbage_secret_key_of_the_right_length_does_not_panic() {
    for kem_id in Kem::ALL {
        let good = pair(kem_id);
        let (ct, ss) = kem::encapsulate(&good.public, &[5; 32]).unwrap();
        for byte in [0x00, 0xff, 0x5a] {
            let bad = KemKeyPair {
                secret: vec![byte; SECRET_KEY_LEN],
                ..good.clone()
            };
            let got = kem::decapsulate(&bad, &ct).unwrap();
            assert_ne!(got, ss);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary bytes as a public key: `Ok` exactly when the input is a type byte of a known
    /// KEM followed by 1568 bytes and, for ML-KEM, every coefficient is reduced.
    #[test]
    fn arbitrary_public_keys(
        public in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..3300),
            proptest::collection::vec(any::<u8>(), SERIALIZED_LEN),
        ],
        tag in prop_oneof![Just(None), Just(Some(0x08u8)), Just(Some(0x0Au8))],
        m in any::<[u8; 32]>(),
    ) {
        let mut public = public;
        if let (Some(tag), Some(first)) = (tag, public.first_mut()) {
            *first = tag;
        }
        let got = kem::encapsulate(&public, &m);
        let expected = match (public.len(), public.first().copied().and_then(Kem::from_type_byte)) {
            (SERIALIZED_LEN, Some(Kem::Kyber1024)) => Ok(()),
            (SERIALIZED_LEN, Some(Kem::MlKem1024)) if reduced(&public[1..]) => Ok(()),
            (SERIALIZED_LEN, Some(Kem::MlKem1024)) => Err(CryptoError::InvalidKey),
            _ => Err(CryptoError::InvalidLength),
        };
        if let Ok((ct, _)) = &got {
            prop_assert_eq!(ct.len(), 1 + CIPHERTEXT_LEN);
        }
        prop_assert_eq!(got.map(|_| ()), expected);
    }

    /// Random bytes are almost never a reduced ML-KEM key (each of 1024 coefficients is ≥ q
    /// with probability 767/4096), so this starts from a real key and changes one byte, which
    /// lands on either side of the modulus check.
    #[test]
    fn mlkem_keys_one_byte_off(
        seed in any::<[u8; 64]>(),
        index in 0..PUBLIC_KEY_LEN,
        value in any::<u8>(),
        m in any::<[u8; 32]>(),
    ) {
        let mut public = kem::generate(Kem::MlKem1024, &seed).public;
        public[1 + index] = value;
        let got = kem::encapsulate(&public, &m).map(|_| ());
        let expected = if reduced(&public[1..]) { Ok(()) } else { Err(CryptoError::InvalidKey) };
        prop_assert_eq!(got, expected);
    }

    /// Arbitrary bytes as a ciphertext: `Ok` exactly when it is the pair's type byte followed
    /// by 1568 bytes.
    #[test]
    fn arbitrary_ciphertexts(
        ct in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..3300),
            proptest::collection::vec(any::<u8>(), 1 + CIPHERTEXT_LEN),
        ],
        tag in prop_oneof![Just(None), Just(Some(0x08u8)), Just(Some(0x0Au8))],
        mlkem in any::<bool>(),
    ) {
        let kem_id = if mlkem { Kem::MlKem1024 } else { Kem::Kyber1024 };
        let pair = pair(kem_id);
        let mut ct = ct;
        if let (Some(tag), Some(first)) = (tag, ct.first_mut()) {
            *first = tag;
        }
        let accepted = ct.len() == 1 + CIPHERTEXT_LEN && ct[0] == kem_id.type_byte();
        match kem::decapsulate(&pair, &ct) {
            Ok(_) => prop_assert!(accepted),
            Err(e) => {
                prop_assert!(!accepted);
                prop_assert_eq!(e, CryptoError::InvalidLength);
            }
        }
    }
}

/// The test's own modulus check agrees with Wycheproof's verdicts: every valid encapsulation
/// key is reduced and every 1568-byte invalid one is not, so `arbitrary_public_keys` does not
/// just mirror the implementation.
#[test]
fn modulus_check_oracle_agrees_with_wycheproof() {
    let path = format!(
        "{}/tests/wycheproof/mlkem_1024_encaps_test.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (mut valid, mut invalid) = (0, 0);
    for group in file["testGroups"].as_array().unwrap() {
        for test in group["tests"].as_array().unwrap() {
            let ek = hex::decode(test["ek"].as_str().unwrap()).unwrap();
            if ek.len() != PUBLIC_KEY_LEN {
                continue;
            }
            if test["result"] == "valid" {
                assert!(reduced(&ek), "tcId {}", test["tcId"]);
                valid += 1;
            } else {
                assert!(!reduced(&ek), "tcId {}", test["tcId"]);
                invalid += 1;
            }
        }
    }
    assert_eq!((valid, invalid), (133, 116));
}
