//! The XEdDSA known answers reach implementations through bundles: an implementation that
//! never refuses a bundle's signature fails exactly the traces whose `initiate` the spec
//! refuses with `bad_signature` (the `x3dh.bundle.*_<kat case>` traces among them), and passes
//! the `acceptable` ones. The expected set is read straight from the vector files.

#[path = "support/suite.rs"]
mod support;
use support::corpus;

use e2ee_harness::expectations::Expectations;
use e2ee_harness::impls::Implementation;
use e2ee_harness::report::Status;
use e2ee_harness::suite::{self, Options, RunMode};
use e2ee_iut::protocol::{Failure, Iut, Reply, Request};
use e2ee_spec::Profile;
use e2ee_vectors::spec_iut::SpecIut;
use std::collections::BTreeSet;

fn options() -> Options {
    support::options(vec![RunMode::Kat], Profile::ALL.to_vec(), 1)
}

/// The spec without the bundle signature check: where the spec refuses a bundle with
/// `bad_signature`, this initiator says it started a session.
struct AcceptsAnySignature(SpecIut);

impl Iut for AcceptsAnySignature {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        match self.0.call(request) {
            Err(Failure::Rejected { class, .. })
                if class == "bad_signature" && matches!(request, Request::Initiate { .. }) =>
            {
                Ok(Reply::Done)
            }
            other => other,
        }
    }
}

/// (every kat test id, the ids whose `initiate` expects `bad_signature`, those of them whose
/// result is `acceptable`), from the vector JSON.
fn from_vectors() -> (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>) {
    let opts = options();
    let corpus = corpus(&opts);
    let (mut all, mut refused, mut acceptable) =
        (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for profile in Profile::ALL {
        for (name, _) in corpus.traces_of(profile) {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/data/").to_string() + name;
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            for group in v["testGroups"].as_array().unwrap() {
                for test in group["tests"].as_array().unwrap() {
                    let id = format!("kat/{}/{}", profile.name(), test["tcId"].as_str().unwrap());
                    all.insert(id.clone());
                    let refuses =
                        test["steps"].as_array().unwrap().iter().any(|s| {
                            s["op"] == "initiate" && s["expect"]["error"] == "bad_signature"
                        });
                    if refuses {
                        refused.insert(id.clone());
                        if test["result"] == "acceptable" {
                            acceptable.insert(id);
                        }
                    }
                }
            }
        }
    }
    (all, refused, acceptable)
}

#[test]
fn accepting_any_signature_fails_exactly_the_refused_bundles() {
    let opts = options();
    let mut imp = Implementation {
        name: "accepts-any-signature".into(),
        iut: Box::new(AcceptsAnySignature(SpecIut::new(0))),
        hello: SpecIut::hello(),
    };
    let plan = suite::plan(&imp.hello, &opts, &corpus(&opts));
    let results: Vec<(String, Status)> = plan
        .iter()
        .map(|p| {
            let r = suite::run_one(&mut imp, p, &opts, &Expectations::default());
            (r.id, r.status)
        })
        .collect();
    // The XEdDSA known answers themselves (`kat/<profile>/kat_xeddsa/<tcId>`) pass: the
    // wrapper only changes initiate.
    let ran: BTreeSet<String> = results
        .iter()
        .map(|(id, _)| id.clone())
        .filter(|id| !id.contains("/kat_xeddsa/"))
        .collect();
    let failing: BTreeSet<String> = results
        .iter()
        .filter(|(_, s)| *s == Status::Fail)
        .map(|(id, _)| id.clone())
        .collect();
    let (all, refused, acceptable) = from_vectors();
    assert_eq!(ran, all, "the plan is every kat trace");
    let want: BTreeSet<String> = refused.difference(&acceptable).cloned().collect();
    assert_eq!(failing, want);
    // The bundle traces made from kat_xeddsa.json are among them, in every signed profile,
    // and the acceptable ones (libsignal profiles only) are passes, not skips.
    for case in [
        "signature_s_plus_2l",
        "signature_s_high_bits",
        "signature_r_not_on_curve",
        "identity_key_u_plus_p",
    ] {
        for profile in ["modern", "signal-v3", "signal-v4"] {
            assert!(want.contains(&format!("kat/{profile}/x3dh.bundle.{case}.000")));
        }
    }
    assert!(want.contains("kat/signal-v4/x3dh.bundle.kyber_signature_s_plus_2l.000"));
    assert!(want.contains("kat/modern/x3dh.bundle.signature_s_plus_l.000"));
    assert!(want.contains("kat/modern/x3dh.bundle.identity_key_u_bit_255.000"));
    let want_acceptable: BTreeSet<String> = [
        "kat/signal-v3/x3dh.bundle.signature_s_plus_l.000",
        "kat/signal-v3/x3dh.bundle.identity_key_u_bit_255.000",
        "kat/signal-v4/x3dh.bundle.signature_s_plus_l.000",
        "kat/signal-v4/x3dh.bundle.kyber_signature_s_plus_l.000",
        "kat/signal-v4/x3dh.bundle.identity_key_u_bit_255.000",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(acceptable, want_acceptable);
    for id in &acceptable {
        let status = &results.iter().find(|(i, _)| i == id).unwrap().1;
        assert_eq!(*status, Status::Pass, "{id}");
    }
}

/// The spec, declaring `xeddsa-verify`, that gets one known answer wrong: it accepts the
/// signature of `xeddsa.invalid.s_plus_2l` (as a verifier that reduces s mod L without a range
/// check would).
struct OneWrongAnswer {
    spec: SpecIut,
    accept: String,
}

impl Iut for OneWrongAnswer {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        match request {
            Request::XeddsaVerify { signature, .. } if *signature == self.accept => Ok(Reply::Done),
            _ => self.spec.call(request),
        }
    }
}

#[test]
fn a_wrong_xeddsa_answer_fails_its_known_answer_and_no_other() {
    let mut opts = options();
    opts.filter = Some(glob::Pattern::new("kat/*/kat_xeddsa/*").unwrap());
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vectors/data/signal-v3/kat_xeddsa.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let case = v["testGroups"][0]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tcId"] == "xeddsa.invalid.s_plus_2l")
        .expect("the case");
    let hello = SpecIut::hello();
    assert!(hello.capabilities.iter().any(|c| c == "xeddsa-verify"));
    let mut imp = Implementation {
        name: "one-wrong-answer".into(),
        iut: Box::new(OneWrongAnswer {
            spec: SpecIut::new(0),
            accept: case["signature"].as_str().unwrap().to_string(),
        }),
        hello: hello.clone(),
    };
    let plan = suite::plan(&hello, &opts, &corpus(&opts));
    // Every XEdDSA file's tests, in the three profiles that sign bundles.
    assert_eq!(
        plan.len(),
        3 * v["numberOfTests"].as_u64().unwrap() as usize
    );
    let mut failing = BTreeSet::new();
    for p in &plan {
        let r = suite::run_one(&mut imp, p, &opts, &Expectations::default());
        match r.status {
            Status::Fail => {
                failing.insert(r.id);
            }
            status => assert_eq!(status, Status::Pass, "{}", r.id),
        }
    }
    assert_eq!(
        failing,
        BTreeSet::from(["kat/signal-v3/kat_xeddsa/xeddsa.invalid.s_plus_2l".to_string()])
    );

    // Without the capability the same tests are skipped, with the reason.
    let mut plain = hello.clone();
    plain.capabilities.retain(|c| c != "xeddsa-verify");
    let mut imp = Implementation {
        name: "no-primitives".into(),
        iut: Box::new(SpecIut::new(0)),
        hello: plain.clone(),
    };
    for p in suite::plan(&plain, &opts, &corpus(&opts)) {
        let r = suite::run_one(&mut imp, &p, &opts, &Expectations::default());
        assert_eq!(r.status, Status::Skip, "{}", r.id);
        assert!(r.detail.contains("xeddsa-verify"), "{}", r.detail);
    }
}
