//! Franking's two-key ciphertexts (`franking/kat_committing_aead.json`) are what they claim:
//! every valid case opens under both keys to its two plaintexts and every invalid one under
//! key1 only, judged by the RustCrypto AEADs called directly and by Node's `crypto` (OpenSSL),
//! which shares no code with the generator. And the file is the generator's, byte for byte.

mod common;

use aes_gcm::Aes256Gcm;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::ChaCha20Poly1305;
use common::*;
use e2ee_vectors::envelope::{VectorFile, Verdict};
use e2ee_vectors::kat::{CommittingAeadTest, Group, AES_256_GCM, CHACHA20_POLY1305};
use std::path::PathBuf;

fn path() -> PathBuf {
    data_dir().join("franking/kat_committing_aead.json")
}

fn tests() -> Vec<CommittingAeadTest> {
    let text = std::fs::read_to_string(path()).expect("franking/kat_committing_aead.json");
    let file: VectorFile<Group<CommittingAeadTest>> = serde_json::from_str(&text).expect("parses");
    file.test_groups.into_iter().flat_map(|g| g.tests).collect()
}

fn b(s: &str) -> Vec<u8> {
    hex::decode(s).expect("hex")
}

/// What each key should open `ct` to: (pt1, pt2), `None` where it must fail.
fn expected(t: &CommittingAeadTest) -> (Option<String>, Option<String>) {
    match t.result {
        Verdict::Valid => (Some(t.pt1.clone()), Some(t.pt2.clone().expect("pt2"))),
        _ => (Some(t.pt1.clone()), None),
    }
}

/// RustCrypto's AEAD, called as a user of the crate would.
fn rustcrypto_open(t: &CommittingAeadTest, key: &str) -> Option<String> {
    let (key, nonce) = (b(key), b(&t.nonce));
    let (aad, ct) = (b(&t.aad), b(&t.ct));
    let payload = Payload {
        msg: &ct,
        aad: &aad,
    };
    let opened = match t.aead.as_str() {
        AES_256_GCM => Aes256Gcm::new_from_slice(&key)
            .expect("32-byte key")
            .decrypt(nonce.as_slice().try_into().expect("12-byte nonce"), payload),
        CHACHA20_POLY1305 => ChaCha20Poly1305::new_from_slice(&key)
            .expect("32-byte key")
            .decrypt(nonce.as_slice().try_into().expect("12-byte nonce"), payload),
        other => panic!("unknown AEAD {other}"),
    };
    opened.ok().map(hex::encode)
}

/// Several layouts per AEAD, both kinds of test: a file of one case would pass the checks
/// below while showing little.
#[test]
fn the_file_covers_both_aeads() {
    let tests = tests();
    for aead in [AES_256_GCM, CHACHA20_POLY1305] {
        let of = |r: Verdict| {
            tests
                .iter()
                .filter(|t| t.aead == aead && t.result == r)
                .count()
        };
        assert!(
            of(Verdict::Valid) >= 4,
            "{aead}: {} valid",
            of(Verdict::Valid)
        );
        assert!(of(Verdict::Invalid) >= 1, "{aead}: no control");
    }
    for t in &tests {
        assert_ne!(t.key1, t.key2, "{}", t.tc_id);
        if let Some(pt2) = &t.pt2 {
            assert_ne!(&t.pt1, pt2, "{}: two different plaintexts", t.tc_id);
        }
    }
}

#[test]
fn every_case_opens_as_claimed_with_rustcrypto() {
    let tests = tests();
    for t in &tests {
        let got = (rustcrypto_open(t, &t.key1), rustcrypto_open(t, &t.key2));
        assert_eq!(got, expected(t), "{}: {}", t.tc_id, t.comment);
    }
    println!("RustCrypto: {} cases as claimed", tests.len());
}

/// Node's crypto (OpenSSL), run by `tests/committing_aead.js`, opens every case as claimed.
#[test]
fn every_case_opens_as_claimed_with_node() {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/committing_aead.js");
    let file = path();
    let Some(report) = node_json(
        &[script.as_os_str(), file.as_os_str()],
        "the second implementation (Node's crypto)",
    ) else {
        return;
    };
    let results = report["results"].as_array().expect("results");
    let tests = tests();
    assert_eq!(results.len(), tests.len());
    for (t, r) in tests.iter().zip(results) {
        assert_eq!(r["tcId"], t.tc_id.as_str());
        let opened = |k: &str| r[k].as_str().map(str::to_string);
        assert_eq!(
            (opened("pt1"), opened("pt2")),
            expected(t),
            "{}: {}",
            t.tc_id,
            t.comment
        );
    }
    println!(
        "Node {} (OpenSSL {}): {} cases as claimed",
        report["node"].as_str().unwrap_or("?"),
        report["openssl"].as_str().unwrap_or("?"),
        tests.len()
    );
}

/// The committed file is the generator's output (`tests/reproducible.rs` checks the whole
/// corpus; this one runs in milliseconds and names the file).
#[test]
fn the_committed_file_is_the_generators() {
    let (rel, text) = e2ee_vectors::generate::committing_aead_file();
    assert_eq!(rel, PathBuf::from("franking/kat_committing_aead.json"));
    let committed = std::fs::read_to_string(path()).expect("committed file");
    assert!(
        committed == text,
        "vectors/data/{} differs from what the generator makes; {REGENERATE}",
        rel.display()
    );
}

/// The spec's checker (`vectors check`) is not vacuous: a wrong second plaintext and a
/// control whose third key is in fact the colliding key2 are each one failure, named.
#[test]
fn the_checker_catches_a_wrong_opening() {
    let text = std::fs::read_to_string(path()).expect("committed file");
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let tests = v["testGroups"][0]["tests"].as_array_mut().expect("tests");
    let valid = tests
        .iter()
        .position(|t| t["tcId"] == "salamander.chacha20_poly1305.short_texts")
        .expect("a valid case");
    let control = tests
        .iter()
        .position(|t| t["tcId"] == "salamander.chacha20_poly1305.third_key")
        .expect("its control");
    let mut pt2 = b(tests[valid]["pt2"].as_str().expect("pt2"));
    pt2[0] ^= 1;
    tests[valid]["pt2"] = hex::encode(pt2).into();
    tests[control]["key2"] = tests[valid]["key2"].clone();
    let bytes = serde_json::to_vec(&v).expect("json");
    let counts = e2ee_vectors::check_bytes("mutated", &bytes).expect("well-formed");
    assert_eq!(counts.failed, 2, "{:?}", counts.failures);
    assert!(counts.failures[0].starts_with("salamander.chacha20_poly1305.short_texts: pt2"));
    assert!(counts.failures[1].contains("opens under key2, which must fail"));
}
