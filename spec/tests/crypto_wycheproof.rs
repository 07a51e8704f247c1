//! Every Wycheproof case for the primitives in `e2ee_spec::crypto`.
//!
//! Vectors: `spec/tests/wycheproof/` (copied from C2SP/wycheproof `testvectors_v1`, see SOURCE.md
//! there). A case our API cannot express (another key or nonce size) is counted as "not
//! applicable", never skipped silently; each test prints its counts and fails on any mismatch or
//! if fewer cases than the file is known to hold for our parameters passed.

use e2ee_spec::crypto::{aes_cbc, aes_gcm, chacha, kdf, x25519, CryptoError};
use serde_json::Value;

fn load(file: &str) -> Value {
    let path = format!("{}/tests/wycheproof/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn hex_field(test: &Value, field: &str) -> Vec<u8> {
    hex::decode(
        test[field]
            .as_str()
            .unwrap_or_else(|| panic!("missing {field}")),
    )
    .unwrap()
}

fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    bytes.try_into().unwrap()
}

#[derive(Default)]
struct Tally {
    passed: usize,
    not_applicable: usize,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, ok: bool, test: &Value) {
        if ok {
            self.passed += 1;
        } else {
            self.failures.push(format!(
                "tcId {} ({}): {}",
                test["tcId"], test["result"], test["comment"]
            ));
        }
    }

    /// Prints the counts and asserts no failures and at least `min_passed` passes.
    fn finish(self, file: &str, min_passed: usize) {
        println!(
            "{file}: {} passed, {} not applicable",
            self.passed, self.not_applicable
        );
        assert!(
            self.failures.is_empty(),
            "{file}: failures:\n{}",
            self.failures.join("\n")
        );
        assert!(
            self.passed >= min_passed,
            "{file}: only {} passed, expected >= {min_passed}",
            self.passed
        );
    }
}

/// Runs `f(group, test)` on every test of every group.
fn for_each_test(file: &Value, mut f: impl FnMut(&Value, &Value)) {
    for group in file["testGroups"].as_array().unwrap() {
        for test in group["tests"].as_array().unwrap() {
            f(group, test);
        }
    }
}

fn result(test: &Value) -> &str {
    test["result"].as_str().unwrap()
}

fn has_flag(test: &Value, flag: &str) -> bool {
    test["flags"].as_array().unwrap().iter().any(|f| f == flag)
}

/// All 518 cases apply. The file has no "invalid" case; 254 are "acceptable". Policy:
/// - acceptable cases flagged `ZeroSharedSecret` (the public key is a low-order point, the RFC 7748
///   output is all zero) must be refused with `LowOrderPoint`: our `dh` applies the optional
///   §6.1 all-zero check;
/// - every other case (valid, or acceptable for twist points, non-canonical u-coordinates and
///   other edge cases) must yield exactly the file's shared secret, since RFC 7748 §5 defines
///   the result for every 32-byte input.
#[test]
fn wycheproof_x25519() {
    let file = load("x25519_test.json");
    let mut tally = Tally::default();
    for_each_test(&file, |group, test| {
        assert_eq!(group["curve"], "curve25519");
        let private = array(&hex_field(test, "private"));
        let public = array(&hex_field(test, "public"));
        let shared: [u8; 32] = array(&hex_field(test, "shared"));
        let zero = has_flag(test, "ZeroSharedSecret");
        assert_eq!(
            zero,
            shared == [0; 32],
            "tcId {}: flag and value disagree",
            test["tcId"]
        );
        let got = x25519::dh(&private, &public);
        let ok = match result(test) {
            "valid" => !zero && got == Ok(shared),
            "acceptable" if zero => got == Err(CryptoError::LowOrderPoint),
            "acceptable" => got == Ok(shared),
            _ => got.is_err(),
        };
        tally.check(ok, test);
    });
    tally.finish("x25519_test.json", 518);
}

/// Cases with a nonce other than 96 bits (RFC 8439 §2.8 fixes 96) are not applicable.
/// Valid: `seal` gives `ct || tag` and `open` gives the message back. Invalid: `open` refuses.
#[test]
fn wycheproof_chacha20_poly1305() {
    let file = load("chacha20_poly1305_test.json");
    let mut tally = Tally::default();
    for_each_test(&file, |_, test| {
        let (key, iv) = (hex_field(test, "key"), hex_field(test, "iv"));
        if key.len() != 32 || iv.len() != 12 {
            tally.not_applicable += 1;
            return;
        }
        let (key, iv) = (array(&key), array(&iv));
        let (aad, msg) = (hex_field(test, "aad"), hex_field(test, "msg"));
        let mut ct_tag = hex_field(test, "ct");
        ct_tag.extend(hex_field(test, "tag"));
        let opened = chacha::open(&key, &iv, &aad, &ct_tag);
        let ok = match result(test) {
            "valid" => chacha::seal(&key, &iv, &aad, &msg) == ct_tag && opened == Ok(msg),
            _ => opened == Err(CryptoError::AuthFailure),
        };
        tally.check(ok, test);
    });
    tally.finish("chacha20_poly1305_test.json", 316);
}

/// Only AES-256 with a 96-bit IV applies (`aes_gcm` fixes both; every case of the file has a
/// 128-bit tag): 128- and 192-bit keys and other IV sizes, including the empty IV, are not
/// applicable. Valid: `seal` gives `ct || tag` and `open` gives the message back. Invalid
/// (modified tags, counter wrap-around cases computed with a wrong tag): `open` refuses.
#[test]
fn wycheproof_aes_gcm() {
    let file = load("aes_gcm_test.json");
    let mut tally = Tally::default();
    for_each_test(&file, |group, test| {
        assert_eq!(group["tagSize"], 128);
        let (key, iv) = (hex_field(test, "key"), hex_field(test, "iv"));
        if key.len() != 32 || iv.len() != 12 {
            tally.not_applicable += 1;
            return;
        }
        let (key, iv) = (array(&key), array(&iv));
        let (aad, msg) = (hex_field(test, "aad"), hex_field(test, "msg"));
        let mut ct_tag = hex_field(test, "ct");
        ct_tag.extend(hex_field(test, "tag"));
        let opened = aes_gcm::open(&key, &iv, &aad, &ct_tag);
        let ok = match result(test) {
            "valid" => aes_gcm::seal(&key, &iv, &aad, &msg) == ct_tag && opened == Ok(msg),
            _ => opened == Err(CryptoError::AuthFailure),
        };
        tally.check(ok, test);
    });
    tally.finish("aes_gcm_test.json", 66);
}

/// All cases apply (any salt, IKM, info, length). Invalid cases ask for more than 255 * 32 bytes.
#[test]
fn wycheproof_hkdf_sha256() {
    let file = load("hkdf_sha256_test.json");
    let mut tally = Tally::default();
    for_each_test(&file, |_, test| {
        let size = test["size"].as_u64().unwrap() as usize;
        let got = kdf::hkdf_sha256(
            &hex_field(test, "salt"),
            &hex_field(test, "ikm"),
            &hex_field(test, "info"),
            size,
        );
        let ok = match result(test) {
            "valid" => got == Ok(hex_field(test, "okm")),
            _ => got == Err(CryptoError::OutputTooLong),
        };
        tally.check(ok, test);
    });
    tally.finish("hkdf_sha256_test.json", 86);
}

/// All cases apply: 256-bit tags are checked against `hmac_sha256` and
/// `verify_hmac_sha256_truncated`, 128-bit tags (leftmost half) against the latter and a prefix of
/// the former. Invalid cases (modified tags) must give `AuthFailure`.
#[test]
fn wycheproof_hmac_sha256() {
    let file = load("hmac_sha256_test.json");
    let mut tally = Tally::default();
    for_each_test(&file, |group, test| {
        let (key, msg, tag) = (
            hex_field(test, "key"),
            hex_field(test, "msg"),
            hex_field(test, "tag"),
        );
        assert_eq!(tag.len() * 8, group["tagSize"].as_u64().unwrap() as usize);
        let verified = kdf::verify_hmac_sha256_truncated(&key, &msg, &tag);
        let ok = match result(test) {
            "valid" => kdf::hmac_sha256(&key, &msg)[..tag.len()] == tag[..] && verified == Ok(()),
            _ => verified == Err(CryptoError::AuthFailure),
        };
        tally.check(ok, test);
    });
    tally.finish("hmac_sha256_test.json", 174);
}

/// Only AES-256 applies (the profiles use AES-256-CBC); 128- and 192-bit keys are not applicable.
/// Valid: `encrypt` gives `ct` and `decrypt` gives the message. Invalid: `BadPadding` for a
/// padding error, `InvalidLength` for an empty ciphertext (`NoPadding`).
#[test]
fn wycheproof_aes_cbc_pkcs5() {
    let file = load("aes_cbc_pkcs5_test.json");
    let mut tally = Tally::default();
    for_each_test(&file, |_, test| {
        let key = hex_field(test, "key");
        if key.len() != 32 {
            tally.not_applicable += 1;
            return;
        }
        let (key, iv) = (array(&key), array(&hex_field(test, "iv")));
        let (msg, ct) = (hex_field(test, "msg"), hex_field(test, "ct"));
        let decrypted = aes_cbc::decrypt(&key, &iv, &ct);
        let ok = match result(test) {
            "valid" => aes_cbc::encrypt(&key, &iv, &msg) == ct && decrypted == Ok(msg),
            _ if has_flag(test, "NoPadding") => decrypted == Err(CryptoError::InvalidLength),
            _ => decrypted == Err(CryptoError::BadPadding),
        };
        tally.check(ok, test);
    });
    tally.finish("aes_cbc_pkcs5_test.json", 72);
}
