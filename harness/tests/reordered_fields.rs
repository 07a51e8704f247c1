//! No false blame from tampering: an implementation that writes its protobuf fields in
//! another order (valid: protobuf readers take fields in any order) passes exactly what the
//! spec passes, because a tamper step names a field and the runner finds that field in the
//! implementation's own bytes.

#[path = "support/suite.rs"]
mod support;

#[path = "support/reordered.rs"]
mod reordered;

use e2ee_harness::corpus::Corpus;
use e2ee_harness::expectations::Expectations;
use e2ee_harness::impls::Implementation;
use e2ee_harness::report::Status;
use e2ee_harness::suite::{self, Options, RunMode};
use e2ee_iut::protocol::{Iut, Reply, Request};
use e2ee_spec::Profile;
use e2ee_vectors::spec_iut::SpecIut;
use reordered::{hello, Reordered};
use std::collections::BTreeSet;

fn options() -> Options {
    support::options(
        vec![RunMode::Kat, RunMode::Interop, RunMode::Props],
        vec![Profile::SignalV3, Profile::OlmV1],
        16,
    )
}

fn run(iut: Box<dyn Iut>, opts: &Options, corpus: &Corpus) -> Vec<(String, Status)> {
    let mut imp = Implementation {
        name: "under-test".into(),
        iut,
        hello: hello(),
    };
    suite::plan(&imp.hello, opts, corpus)
        .iter()
        .map(|p| {
            let r = suite::run_one(&mut imp, p, opts, &Expectations::default());
            (r.id, r.status)
        })
        .collect()
}

fn with(results: &[(String, Status)], status: Status) -> BTreeSet<String> {
    results
        .iter()
        .filter(|(_, s)| *s == status)
        .map(|(id, _)| id.clone())
        .collect()
}

#[test]
fn reordering_implementation_passes_what_the_spec_passes() {
    let opts = options();
    let corpus = e2ee_harness::corpus::load(&opts.vectors, &opts.profiles).expect("vectors");
    let spec = run(Box::new(SpecIut::new(0)), &opts, &corpus);
    let reordered = run(reordered::implementation().iut, &opts, &corpus);
    let passed = with(&spec, Status::Pass);
    let counts = |r: &[(String, Status)]| {
        [Status::Pass, Status::Fail, Status::Skip, Status::SuiteError].map(|s| with(r, s).len())
    };
    // Pass, fail, skip, suite error: printed for the record (the numbers in the commit).
    eprintln!(
        "spec: {:?}; reordered: {:?}",
        counts(&spec),
        counts(&reordered)
    );
    assert!(passed.len() > 500, "{} tests passed", passed.len());
    let [_, failed, _, suite_errors] = counts(&spec);
    assert_eq!((failed, suite_errors), (0, 0));
    // The same plan, test for test, with the same result.
    assert_eq!(spec.len(), reordered.len());
    let differ: Vec<_> = spec
        .iter()
        .zip(&reordered)
        .filter(|(a, b)| a != b)
        .collect();
    assert!(
        differ.is_empty(),
        "{} tests differ: {differ:?}",
        differ.len()
    );
}

/// The wrapper does reorder (else the test above would prove nothing): its first message
/// differs from the spec's, and the spec still decrypts it.
#[test]
fn the_wrapper_writes_other_bytes_the_spec_accepts() {
    for profile in ["signal-v3", "olm-v1"] {
        let mut sent = Vec::new();
        for iut in [
            Box::new(SpecIut::new(0)) as Box<dyn Iut>,
            Box::new(Reordered {
                spec: SpecIut::new(0),
            }),
        ] {
            let mut iut = iut;
            let mut receiver = SpecIut::new(0);
            let call = |iut: &mut dyn Iut, r: Request| iut.call(&r).expect("ok");
            let party = |iut: &mut dyn Iut, key: &str| match call(
                iut,
                Request::CreateParty {
                    profile: profile.into(),
                    header_encryption: false,
                    identity_private: Some(key.repeat(32)),
                    registration_id: Some(7),
                    version_byte: None,
                },
            ) {
                Reply::Party { party, .. } => party,
                other => panic!("{other:?}"),
            };
            let alice = party(iut.as_mut(), "11");
            let bob = party(&mut receiver, "22");
            let Reply::Bundle(bundle) = call(
                &mut receiver,
                Request::CreateBundle {
                    party: bob.clone(),
                    signed_prekey_id: 1,
                    signed_prekey_private: Some("33".repeat(32)),
                    one_time_prekey_id: Some(1),
                    one_time_prekey_private: Some("44".repeat(32)),
                    signature_randomness: Some("55".repeat(64)),
                    kyber_prekey_id: None,
                    kyber_prekey_seed: None,
                    kyber_prekey_private: None,
                    kyber_signature_randomness: None,
                    kyber_last_resort: false,
                },
            ) else {
                panic!("a bundle")
            };
            call(
                iut.as_mut(),
                Request::Initiate {
                    party: alice.clone(),
                    peer: "bob".into(),
                    bundle,
                    base_key_private: Some("66".repeat(32)),
                    ratchet_private: Some("77".repeat(32)),
                    kem_randomness: None,
                },
            );
            let Reply::Encrypted { kind, message } = call(
                iut.as_mut(),
                Request::Encrypt {
                    party: alice,
                    peer: "bob".into(),
                    plaintext: "00ff".into(),
                    ratchet_private: Some("88".repeat(32)),
                    header_nonce: Some("99".repeat(12)),
                },
            ) else {
                panic!("a message")
            };
            let got = call(
                &mut receiver,
                Request::Decrypt {
                    party: bob,
                    peer: "alice".into(),
                    kind,
                    message: message.clone(),
                    ratchet_private: Some("aa".repeat(32)),
                },
            );
            assert_eq!(
                got,
                Reply::Decrypted {
                    plaintext: "00ff".into()
                }
            );
            sent.push(message);
        }
        assert_ne!(sent[0], sent[1], "{profile}");
        assert_eq!(sent[0].len(), sent[1].len(), "{profile}");
    }
}
