//! Every committed vector passes against the spec: traces replayed with the engine (full
//! replay, and receiver-only replay where a test has a receiver), known answers re-derived.

mod common;

use common::*;
use e2ee_vectors::engine::{run, Mode, Status};
use e2ee_vectors::spec_iut::SpecIut;

#[test]
fn traces_replay_against_a_fresh_spec() {
    let hello = SpecIut::hello();
    let mut traces = 0;
    let mut receiver_runs = 0;
    for rel in files_under(&data_dir()) {
        let path = data_dir().join(&rel);
        if !rel
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("trace_"))
        {
            continue;
        }
        if rel.file_name().is_some_and(|n| n == "trace_group.json") {
            // Group traces have their own engine; `check_file` replays them in every mode
            // (full, receiver-only, interop as each member).
            let counts = e2ee_vectors::check_file(&path).expect("well-formed group traces");
            assert!(
                counts.failed == 0 && counts.passed > 0,
                "{}: {:?}",
                rel.display(),
                counts.failures
            );
            traces += counts.passed;
            continue;
        }
        let file = e2ee_vectors::load_trace_file(&path).expect("trace file");
        for group in &file.test_groups {
            for test in &group.tests {
                traces += 1;
                let mut spec = SpecIut::new(1);
                let o = run(
                    &mut spec,
                    None,
                    &hello,
                    &file.profile,
                    group,
                    test,
                    &Mode::Full,
                    &[],
                );
                assert_eq!(
                    o.status,
                    Status::Pass,
                    "{} {}: full replay: {}",
                    rel.display(),
                    test.tc_id,
                    o.detail
                );
                if test.receiver.is_some() {
                    receiver_runs += 1;
                    let mut spec = SpecIut::new(2);
                    let o = run(
                        &mut spec,
                        None,
                        &hello,
                        &file.profile,
                        group,
                        test,
                        &Mode::Receiver,
                        &[],
                    );
                    assert_eq!(
                        o.status,
                        Status::Pass,
                        "{} {}: receiver replay: {}",
                        rel.display(),
                        test.tc_id,
                        o.detail
                    );
                }
            }
        }
    }
    assert!(traces >= 200, "only {traces} trace tests");
    assert!(
        receiver_runs * 2 >= traces,
        "only {receiver_runs} of {traces} traces replay receiver-only"
    );
}

#[test]
fn known_answers_check_against_the_spec() {
    for rel in files_under(&data_dir()) {
        if !rel
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("kat_"))
        {
            continue;
        }
        let counts = e2ee_vectors::check_file(&data_dir().join(&rel)).expect("well-formed file");
        assert!(
            counts.failed == 0 && counts.passed > 0,
            "{}: {:?}",
            rel.display(),
            counts.failures
        );
    }
}

#[test]
fn a_wrong_answer_is_caught() {
    // The checker is not vacuous: flip one output byte of a known answer and one expected
    // plaintext of a trace, and each file gets exactly one failure.
    let dir = std::env::temp_dir().join(format!("e2ee-vectors-wrong-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let kat = std::fs::read_to_string(data_dir().join("signal-v3/kat_kdf_rk.json")).expect("kat");
    let mut v: serde_json::Value = serde_json::from_str(&kat).expect("json");
    let rk = v["testGroups"][0]["tests"][0]["rootKey"]
        .as_str()
        .expect("rootKey")
        .to_string();
    let flipped = format!(
        "{}{}",
        if rk.starts_with('0') { "1" } else { "0" },
        &rk[1..]
    );
    v["testGroups"][0]["tests"][0]["rootKey"] = flipped.into();
    let path = dir.join("kat.json");
    std::fs::write(&path, serde_json::to_string(&v).expect("json")).expect("write");
    let counts = e2ee_vectors::check_file(&path).expect("checks");
    assert_eq!(counts.failed, 1, "{counts:?}");

    let trace =
        std::fs::read_to_string(data_dir().join("olm-v1/trace_conversation.json")).expect("trace");
    let mut v: serde_json::Value = serde_json::from_str(&trace).expect("json");
    let steps = v["testGroups"][0]["tests"][0]["steps"]
        .as_array_mut()
        .expect("steps");
    let deliver = steps
        .iter_mut()
        .find(|s| s["op"] == "deliver")
        .expect("a deliver step");
    deliver["expect"]["plaintext"] = "00".into();
    let path = dir.join("trace.json");
    std::fs::write(&path, serde_json::to_string(&v).expect("json")).expect("write");
    let counts = e2ee_vectors::check_file(&path).expect("checks");
    assert_eq!(counts.failed, 1, "{counts:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_output_of_the_pqxdh_and_kem_answers_is_checked() {
    // Each output field of the signal-v4 PQXDH and KEM known answers, flipped in the first
    // test, makes exactly that test fail.
    let dir = std::env::temp_dir().join(format!("e2ee-vectors-pq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cases: [(&str, &[&str]); 2] = [
        (
            "signal-v4/kat_pqxdh.json",
            &[
                "kyberPrekey",
                "kyberCiphertext",
                "kemSharedSecret",
                "keyMaterial",
                "rootKey",
                "chainKey",
            ],
        ),
        (
            "signal-v4/kat_kem.json",
            &["publicKey", "ciphertext", "sharedSecret"],
        ),
    ];
    for (file, fields) in cases {
        let text = std::fs::read_to_string(data_dir().join(file)).expect("kat");
        for field in fields {
            let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
            let value = v["testGroups"][0]["tests"][0][field]
                .as_str()
                .unwrap_or_else(|| panic!("{file}: {field}"))
                .to_string();
            let last = value.len() - 1;
            let flipped = format!(
                "{}{}",
                &value[..last],
                if value.ends_with('0') { "1" } else { "0" }
            );
            v["testGroups"][0]["tests"][0][field] = flipped.into();
            let path = dir.join("kat.json");
            std::fs::write(&path, serde_json::to_string(&v).expect("json")).expect("write");
            let counts = e2ee_vectors::check_file(&path).expect("checks");
            assert_eq!(counts.failed, 1, "{file}: {field}: {counts:?}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
