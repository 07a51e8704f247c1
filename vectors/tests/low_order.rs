//! The low-order points the vectors use are exactly the public keys Wycheproof's X25519
//! vectors flag as giving an all-zero shared secret, and the spec refuses each of them.

use e2ee_vectors::generate::LOW_ORDER_POINTS;
use std::collections::BTreeSet;

#[test]
fn low_order_points_match_wycheproof() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/tests/wycheproof/x25519_test.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let file: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut flagged = BTreeSet::new();
    for group in file["testGroups"].as_array().expect("groups") {
        for test in group["tests"].as_array().expect("tests") {
            if test["flags"]
                .as_array()
                .expect("flags")
                .iter()
                .any(|f| f == "ZeroSharedSecret")
            {
                flagged.insert(test["public"].as_str().expect("public").to_string());
            }
        }
    }
    let ours: BTreeSet<String> = LOW_ORDER_POINTS.iter().map(|s| s.to_string()).collect();
    assert_eq!(ours, flagged);
}

#[test]
fn the_spec_refuses_every_low_order_point() {
    for p in LOW_ORDER_POINTS {
        let point: [u8; 32] = hex::decode(p).expect("hex").try_into().expect("32 bytes");
        assert!(
            e2ee_spec::crypto::x25519::dh(&[0x42; 32], &point).is_err(),
            "{p}"
        );
    }
}
