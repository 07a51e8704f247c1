//! Partial determinism (`random-signatures`): an implementation that takes every injected
//! random value except its XEdDSA signing nonce is replayed byte for byte everywhere else,
//! and the one output that nonce reaches, the bundle's signed-prekey signature, is verified,
//! not compared. Declaring the capability excuses that nonce and nothing else.

#[path = "support/suite.rs"]
mod support;

use e2ee_harness::corpus::Corpus;
use e2ee_harness::expectations::Expectations;
use e2ee_harness::impls::Implementation;
use e2ee_harness::report::Status;
use e2ee_harness::suite::{self, Job, Options, RunMode};
use e2ee_iut::protocol::{Failure, Hello, Iut, Reply, Request};
use e2ee_spec::Profile;
use e2ee_vectors::engine::{self, Mode, RANDOM_SIGNATURES};
use e2ee_vectors::spec_iut::SpecIut;
use e2ee_vectors::trace::Step;
use std::collections::BTreeSet;

/// Which injected field the wrapped spec ignores, drawing its own value instead.
#[derive(Clone, Copy)]
enum Ignores {
    SignatureRandomness,
    /// Its own nonce, and then a signature that does not verify (one bit of `R` flipped).
    SignatureRandomnessBadly,
    RatchetPrivate,
}

/// The spec, ignoring one injected random field. Its state digests are the spec's, so the
/// runner's checkpoints see the state this implementation really holds.
struct Ignoring {
    spec: SpecIut,
    ignores: Ignores,
}

impl Iut for Ignoring {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        let mut request = request.clone();
        match (&mut request, self.ignores) {
            (
                Request::CreateBundle {
                    signature_randomness,
                    kyber_signature_randomness,
                    ..
                },
                Ignores::SignatureRandomness,
            )
            | (
                Request::CreateBundle {
                    signature_randomness,
                    kyber_signature_randomness,
                    ..
                },
                Ignores::SignatureRandomnessBadly,
            ) => {
                // Both XEdDSA nonces: the signed prekey's and (signal-v4) the Kyber prekey's.
                *signature_randomness = None;
                *kyber_signature_randomness = None;
            }
            (
                Request::Initiate {
                    ratchet_private, ..
                },
                Ignores::RatchetPrivate,
            )
            | (
                Request::Encrypt {
                    ratchet_private, ..
                },
                Ignores::RatchetPrivate,
            )
            | (
                Request::Decrypt {
                    ratchet_private, ..
                },
                Ignores::RatchetPrivate,
            ) => *ratchet_private = None,
            _ => {}
        }
        let reply = self.spec.call(&request)?;
        match (reply, self.ignores) {
            (Reply::Bundle(mut b), Ignores::SignatureRandomnessBadly) => {
                if let Some(sig) = &mut b.signed_prekey_signature {
                    let mut bytes = hex::decode(&*sig).expect("the spec's hex");
                    bytes[0] ^= 0x01;
                    *sig = hex::encode(bytes);
                }
                Ok(Reply::Bundle(b))
            }
            (reply, _) => Ok(reply),
        }
    }

    fn state_digest(&self, party: &str) -> Option<String> {
        self.spec.state_digest(party)
    }
}

/// The spec's hello with `random-signatures` in place of `deterministic`.
fn partial_hello() -> Hello {
    let mut h = SpecIut::hello();
    h.capabilities.retain(|c| c != "deterministic");
    h.capabilities.push(RANDOM_SIGNATURES.into());
    h
}

fn options() -> Options {
    support::options(vec![RunMode::Kat], Profile::ALL.to_vec(), 16)
}

/// Every kat test's (id, status, detail), after checking each was planned as a Full replay.
fn run(iut: Box<dyn Iut>, hello: Hello, corpus: &Corpus) -> Vec<(String, Status, String)> {
    let opts = options();
    let mut imp = Implementation {
        name: "under-test".into(),
        iut,
        hello,
    };
    let plan = suite::plan(&imp.hello, &opts, corpus);
    assert!(plan.len() > 100, "the suite is not empty");
    plan.iter()
        .filter_map(|p| {
            // The XEdDSA known answers (capability xeddsa-verify) are no trace replays.
            let Job::Trace { mode, .. } = &p.job else {
                assert!(matches!(p.job, Job::Xeddsa(_)), "{}", p.id);
                return None;
            };
            assert_eq!(*mode, Mode::Full, "{}", p.id);
            let r = suite::run_one(&mut imp, p, &opts, &Expectations::default());
            Some((r.id, r.status, r.detail))
        })
        .collect()
}

fn with(results: &[(String, Status, String)], status: Status) -> BTreeSet<String> {
    results
        .iter()
        .filter(|(_, s, _)| *s == status)
        .map(|(id, _, _)| id.clone())
        .collect()
}

fn counts(results: &[(String, Status, String)]) -> [usize; 4] {
    [Status::Pass, Status::Fail, Status::Skip, Status::SuiteError].map(|s| with(results, s).len())
}

fn ignoring(ignores: Ignores) -> Box<dyn Iut> {
    Box::new(Ignoring {
        spec: SpecIut::new(1),
        ignores,
    })
}

/// Ids of the kat tests with a publish step, in the profiles whose bundles are signed.
fn with_signed_bundles(corpus: &Corpus) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for profile in Profile::ALL.into_iter().filter(|p| *p != Profile::OlmV1) {
        for (_, file) in corpus.traces_of(profile) {
            for group in &file.test_groups {
                for test in &group.tests {
                    if test.steps.iter().any(|s| matches!(s, Step::Publish { .. })) {
                        out.insert(format!("kat/{}/{}", profile.name(), test.tc_id));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn the_capability_selects_full_replay_and_plain_v1_1_hellos_keep_theirs() {
    let spec = SpecIut::hello();
    assert!(engine::full_replay(&spec));
    assert!(engine::full_replay(&partial_hello()));
    let mut neither = spec.clone();
    neither.capabilities.retain(|c| c != "deterministic");
    assert!(!engine::full_replay(&neither));
}

#[test]
fn own_nonce_passes_every_full_kat_test_the_spec_passes() {
    let corpus =
        e2ee_harness::corpus::load(&options().vectors, &options().profiles).expect("vectors");
    // The wrapper really signs with a nonce of its own.
    let mut iut = Ignoring {
        spec: SpecIut::new(1),
        ignores: Ignores::SignatureRandomness,
    };
    let mut spec = SpecIut::new(1);
    let create = Request::CreateParty {
        profile: "signal-v3".into(),
        header_encryption: false,
        identity_private: Some("11".repeat(32)),
        registration_id: Some(1),
        version_byte: None,
    };
    let bundle = |party: String| Request::CreateBundle {
        party,
        signed_prekey_id: 1,
        signed_prekey_private: Some("22".repeat(32)),
        one_time_prekey_id: None,
        one_time_prekey_private: None,
        signature_randomness: Some("33".repeat(64)),
        kyber_prekey_id: None,
        kyber_prekey_seed: None,
        kyber_prekey_private: None,
        kyber_signature_randomness: None,
        kyber_last_resort: false,
    };
    let signature = |iut: &mut dyn Iut| {
        let Ok(Reply::Party { party, .. }) = iut.call(&create) else {
            panic!("create_party")
        };
        match iut.call(&bundle(party)) {
            Ok(Reply::Bundle(b)) => b.signed_prekey_signature,
            other => panic!("create_bundle: {other:?}"),
        }
    };
    assert_ne!(signature(&mut iut), signature(&mut spec));

    let spec = run(Box::new(SpecIut::new(0)), SpecIut::hello(), &corpus);
    let partial = run(
        ignoring(Ignores::SignatureRandomness),
        partial_hello(),
        &corpus,
    );
    // Pass, fail, skip, suite error: printed for the record (the numbers in the commit).
    eprintln!(
        "spec: {:?}; own nonce: {:?}",
        counts(&spec),
        counts(&partial)
    );
    assert!(with(&spec, Status::Pass).len() > 100);
    assert_eq!(with(&partial, Status::Pass), with(&spec, Status::Pass));
    assert_eq!(counts(&partial), counts(&spec));
    // Among them the tests whose signature it made itself.
    let signed = with_signed_bundles(&corpus);
    assert!(!signed.is_empty());
    assert!(signed.is_subset(&with(&partial, Status::Pass)));
}

#[test]
fn an_invalid_signature_fails_exactly_the_signed_bundle_tests() {
    let corpus =
        e2ee_harness::corpus::load(&options().vectors, &options().profiles).expect("vectors");
    let spec = run(Box::new(SpecIut::new(0)), SpecIut::hello(), &corpus);
    let bad = run(
        ignoring(Ignores::SignatureRandomnessBadly),
        partial_hello(),
        &corpus,
    );
    eprintln!(
        "spec: {:?}; bad signature: {:?}",
        counts(&spec),
        counts(&bad)
    );
    let signed: BTreeSet<String> = with_signed_bundles(&corpus)
        .intersection(&with(&spec, Status::Pass))
        .cloned()
        .collect();
    assert!(!signed.is_empty());
    assert_eq!(with(&bad, Status::Fail), signed);
    for (id, status, detail) in &bad {
        if *status == Status::Fail {
            assert!(detail.contains("does not verify"), "{id}: {detail}");
        }
    }
}

#[test]
fn the_capability_does_not_excuse_another_field() {
    let corpus =
        e2ee_harness::corpus::load(&options().vectors, &options().profiles).expect("vectors");
    let spec = run(Box::new(SpecIut::new(0)), SpecIut::hello(), &corpus);
    let ratchet = run(ignoring(Ignores::RatchetPrivate), partial_hello(), &corpus);
    eprintln!(
        "spec: {:?}; own ratchet keys: {:?}",
        counts(&spec),
        counts(&ratchet)
    );
    let failed = with(&ratchet, Status::Fail);
    assert!(failed.is_subset(&with(&spec, Status::Pass)));
    for profile in Profile::ALL {
        let prefix = format!("kat/{}/", profile.name());
        assert!(
            failed.iter().any(|id| id.starts_with(&prefix)),
            "no {} test caught the ignored ratchet_private",
            profile.name()
        );
    }
    for (id, status, detail) in &ratchet {
        if *status == Status::Fail {
            assert!(
                detail.contains("expected") || detail.contains("checkpoint"),
                "{id}: {detail}"
            );
        }
    }
}

#[test]
fn without_the_capability_an_own_nonce_fails_as_before() {
    let corpus =
        e2ee_harness::corpus::load(&options().vectors, &options().profiles).expect("vectors");
    let spec = run(Box::new(SpecIut::new(0)), SpecIut::hello(), &corpus);
    let own = run(
        ignoring(Ignores::SignatureRandomness),
        SpecIut::hello(),
        &corpus,
    );
    eprintln!(
        "spec: {:?}; own nonce, deterministic: {:?}",
        counts(&spec),
        counts(&own)
    );
    // Every test publishes a bundle; where it is signed the signature is compared, and in
    // `olm-v1` the state digest, which holds the signature the bundle does not show.
    let signed = with_signed_bundles(&corpus);
    assert_eq!(with(&own, Status::Fail), with(&spec, Status::Pass));
    for (id, _, detail) in &own {
        let want = match signed.contains(id) {
            true => "signature differs",
            false => "checkpoint differs after create_bundle",
        };
        assert!(detail.contains(want), "{id}: {detail}");
    }
}
