//! Every Wycheproof ML-KEM-1024 case through `e2ee_spec::crypto::kem` with `Kem::MlKem1024`.
//!
//! Vectors: `spec/tests/wycheproof/mlkem_1024_*.json` (C2SP/wycheproof `testvectors_v1` at
//! dac1dd4, see SOURCE.md there). Keys and ciphertexts enter the spec as libsignal serializes
//! them (type byte 0x0A ‖ raw), so a wrong raw length is a wrong serialized length. Each test
//! prints its counts, fails on any mismatch, and checks that it handled exactly as many cases
//! as the file says it holds.

use e2ee_spec::crypto::kem::{self, Kem, KEYGEN_SEED_LEN};
use e2ee_spec::crypto::CryptoError;
use serde_json::Value;

fn load(file: &str) -> Value {
    let path = format!("{}/tests/wycheproof/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn hex_field(test: &Value, field: &str) -> Vec<u8> {
    let text = test[field]
        .as_str()
        .unwrap_or_else(|| panic!("tcId {}: missing {field}", test["tcId"]));
    hex::decode(text).unwrap()
}

/// Type byte 0x0A ‖ raw, as libsignal serializes ML-KEM-1024 keys and ciphertexts.
fn serialized(raw: &[u8]) -> Vec<u8> {
    [&[Kem::MlKem1024.type_byte()][..], raw].concat()
}

#[derive(Default)]
struct Tally {
    passed: usize,
    /// (reason, count): cases the API cannot be asked, each with why.
    not_applicable: Vec<(&'static str, usize)>,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, ok: bool, test: &Value, what: &str) {
        if ok {
            self.passed += 1;
        } else {
            self.failures.push(format!(
                "tcId {} ({}, {}): {what}",
                test["tcId"], test["result"], test["comment"]
            ));
        }
    }

    fn not_applicable(&mut self, reason: &'static str) {
        match self.not_applicable.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => self.not_applicable.push((reason, 1)),
        }
    }

    /// Prints the counts; asserts no failures, that every case of the file was handled
    /// (`numberOfTests`, and the count SOURCE.md records), and that `passed` is as expected.
    fn finish(self, file: &Value, name: &str, expected_total: usize, expected_passed: usize) {
        let na: usize = self.not_applicable.iter().map(|(_, n)| n).sum();
        println!("{name}: {} passed, {na} not applicable", self.passed);
        for (reason, n) in &self.not_applicable {
            println!("  not applicable ({n}): {reason}");
        }
        assert!(
            self.failures.is_empty(),
            "{name}: {} failures:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
        let declared = file["numberOfTests"].as_u64().unwrap() as usize;
        assert_eq!(declared, expected_total, "{name}: numberOfTests changed");
        assert_eq!(
            self.passed + na,
            declared,
            "{name}: cases handled != numberOfTests"
        );
        assert_eq!(self.passed, expected_passed, "{name}: passed");
    }
}

/// Runs `f(test)` on every test of every group, after checking the group is ML-KEM-1024.
fn for_each_test(file: &Value, mut f: impl FnMut(&Value)) {
    for group in file["testGroups"].as_array().unwrap() {
        assert_eq!(group["parameterSet"], "ML-KEM-1024");
        for test in group["tests"].as_array().unwrap() {
            f(test);
        }
    }
}

fn result(test: &Value) -> &str {
    test["result"].as_str().unwrap()
}

/// FIPS 203 §7.1 `ML-KEM.KeyGen_internal(d, z)`: every case is valid; `ek` and `dk` must match.
#[test]
fn wycheproof_mlkem_1024_keygen_seed() {
    let file = load("mlkem_1024_keygen_seed_test.json");
    let mut tally = Tally::default();
    for_each_test(&file, |test| {
        assert_eq!(result(test), "valid", "tcId {}", test["tcId"]);
        let seed: [u8; KEYGEN_SEED_LEN] = hex_field(test, "seed").try_into().unwrap();
        let pair = kem::generate(Kem::MlKem1024, &seed);
        let ok = pair.public == serialized(&hex_field(test, "ek"))
            && pair.secret == hex_field(test, "dk");
        tally.check(ok, test, "ek or dk differs");
    });
    tally.finish(&file, "mlkem_1024_keygen_seed_test.json", 100, 100);
}

/// KeyGen from the seed, then §7.3 `ML-KEM.Decaps` of `c`.
/// - valid: `ek` must match and decapsulation must give `K`. This includes random and
///   bit-flipped ciphertexts, whose `K` is the implicit-rejection secret `J(z ‖ c)`, and the
///   CCTV strcmp case, whose re-encryption differs from `c` only after a zero byte.
/// - invalid, ciphertext too short or too long: `ek` must match and decapsulation must refuse
///   the serialized ciphertext with `InvalidLength` (FIPS 203 §7.3 "ciphertext type check").
/// - invalid, seed shorter or longer than 64 bytes: not applicable. `kem::generate` takes
///   `&[u8; 64]`, so no such seed can be passed; the type rejects it before any code runs.
#[test]
fn wycheproof_mlkem_1024_decaps() {
    let file = load("mlkem_1024_test.json");
    let mut tally = Tally::default();
    for_each_test(&file, |test| {
        let Ok(seed) = <[u8; KEYGEN_SEED_LEN]>::try_from(hex_field(test, "seed")) else {
            assert_eq!(result(test), "invalid", "tcId {}", test["tcId"]);
            tally.not_applicable("seed is not 64 bytes: `generate` takes &[u8; 64]");
            return;
        };
        let pair = kem::generate(Kem::MlKem1024, &seed);
        let ek_ok = pair.public == serialized(&hex_field(test, "ek"));
        let raw_c = hex_field(test, "c");
        let got = kem::decapsulate(&pair, &serialized(&raw_c));
        let ok = match result(test) {
            "valid" => got.map(|k| k.to_vec()) == Ok(hex_field(test, "K")),
            _ => {
                // The only invalid cases with a full seed are wrong ciphertext lengths.
                assert_ne!(raw_c.len(), kem::CIPHERTEXT_LEN, "tcId {}", test["tcId"]);
                got == Err(CryptoError::InvalidLength)
            }
        };
        tally.check(ek_ok && ok, test, "ek or decapsulation differs");
    });
    tally.finish(&file, "mlkem_1024_test.json", 193, 173);
}

/// §7.2 `ML-KEM.Encaps` with the file's `m` against the serialized `ek`.
/// - valid: ciphertext `c` and secret `K` must match exactly.
/// - invalid, `ek` of 1568 bytes (FIPS 203 "Public key not reduced", CCTV/modulus
///   `ModulusOverflow`): a coefficient is ≥ q, so the modulus check must refuse it with
///   `InvalidKey`.
/// - invalid, `ek` too short or too long: `InvalidLength`.
#[test]
fn wycheproof_mlkem_1024_encaps() {
    let file = load("mlkem_1024_encaps_test.json");
    let mut tally = Tally::default();
    for_each_test(&file, |test| {
        let ek = hex_field(test, "ek");
        let m: [u8; 32] = hex_field(test, "m").try_into().unwrap();
        let got = kem::encapsulate(&serialized(&ek), &m);
        let ok = match result(test) {
            "valid" => {
                got == Ok((
                    serialized(&hex_field(test, "c")),
                    hex_field(test, "K").try_into().unwrap(),
                ))
            }
            _ if ek.len() == kem::PUBLIC_KEY_LEN => got == Err(CryptoError::InvalidKey),
            _ => got == Err(CryptoError::InvalidLength),
        };
        tally.check(ok, test, "encapsulation differs");
    });
    tally.finish(&file, "mlkem_1024_encaps_test.json", 269, 269);
}
