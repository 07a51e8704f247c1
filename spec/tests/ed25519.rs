//! Ed25519 (`crypto/ed25519.rs`, Megolm's signature) against third-party answers: every
//! Wycheproof `ed25519_test.json` case (verification, strict), and RFC 8032 §7.1's test
//! vectors 1–3 (key derivation and deterministic signing).

use e2ee_spec::crypto::ed25519;
use serde_json::Value;

fn arr<const N: usize>(h: &str) -> Option<[u8; N]> {
    hex::decode(h).ok()?.try_into().ok()
}

#[test]
fn wycheproof_ed25519() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/wycheproof/ed25519_test.json"
    ))
    .unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    let (mut passed, mut total) = (0, 0);
    for group in file["testGroups"].as_array().unwrap() {
        let pk: [u8; 32] = arr(group["publicKey"]["pk"].as_str().unwrap()).unwrap();
        for t in group["tests"].as_array().unwrap() {
            total += 1;
            let msg = hex::decode(t["msg"].as_str().unwrap()).unwrap();
            let accepted = match arr::<64>(t["sig"].as_str().unwrap()) {
                Some(sig) => ed25519::verify(&pk, &msg, &sig).is_ok(),
                // A signature of another length is no signature (the type refuses it).
                None => false,
            };
            let want = t["result"] == "valid";
            assert_eq!(accepted, want, "tcId {} ({})", t["tcId"], t["comment"]);
            passed += 1;
        }
    }
    assert_eq!(total, file["numberOfTests"].as_u64().unwrap() as usize);
    println!("ed25519_test.json: {passed} passed, 0 not applicable");
}

/// RFC 8032 §7.1 TEST 1, 2 and 3: (secret key, public key, message, signature).
const RFC8032: [(&str, &str, &str, &str); 3] = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
];

#[test]
fn rfc8032_test_vectors() {
    for (sk, pk, msg, sig) in RFC8032 {
        let (sk, pk, sig) = (
            arr::<32>(sk).unwrap(),
            arr::<32>(pk).unwrap(),
            arr::<64>(sig).unwrap(),
        );
        let msg = hex::decode(msg).unwrap();
        assert_eq!(ed25519::public_key(&sk), pk);
        assert_eq!(ed25519::sign(&sk, &msg), sig);
        assert_eq!(ed25519::verify(&pk, &msg, &sig), Ok(()));
        let mut bad = sig;
        bad[0] ^= 1;
        assert!(ed25519::verify(&pk, &msg, &bad).is_err());
    }
}

/// 32 bytes that are no curve point: refused as a key, not as a signature.
#[test]
fn a_non_point_is_an_invalid_key() {
    // y = 2 has no x on edwards25519 (x^2 = (y^2 - 1) / (d y^2 + 1) is a non-square).
    let mut y = [0u8; 32];
    y[0] = 2;
    assert!(ed25519::check_public_key(&y).is_err());
    assert!(ed25519::verify(&y, b"", &[0; 64]).is_err());
}
