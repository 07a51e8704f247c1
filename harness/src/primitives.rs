//! Known answers of a primitive replayed against an IUT that exposes it (`xeddsa-verify`):
//! each `kat_xeddsa.json` test is one request, judged by the test's `result`.

use crate::report::Status;
use e2ee_iut::protocol::{Failure, Iut, Reply, Request};
use e2ee_vectors::envelope::Verdict;
use e2ee_vectors::kat::XeddsaTest;

/// What one XEdDSA known answer gives: status, detail, notes.
pub fn run_xeddsa(iut: &mut dyn Iut, test: &XeddsaTest) -> (Status, String, Vec<String>) {
    let request = Request::XeddsaVerify {
        public_key: test.public_key.clone(),
        message: test.message.clone(),
        signature: test.signature.clone(),
    };
    let result = iut.call(&request);
    judge(test.result, &result)
}

/// `valid` must verify, `invalid` must be refused (as `bad_signature`; another class is
/// noted, as the trace engine does for a class the IUT words differently), `acceptable` may
/// go either way and an acceptance is noted.
fn judge(want: Verdict, result: &Result<Reply, Failure>) -> (Status, String, Vec<String>) {
    let pass = |notes: Vec<String>| (Status::Pass, String::new(), notes);
    let fail = |detail: String| (Status::Fail, detail, Vec::new());
    match (result, want) {
        (Err(Failure::Unsupported(d)), _) => (
            Status::Skip,
            format!("xeddsa_verify unsupported: {d}"),
            Vec::new(),
        ),
        (Err(Failure::Broken(d)), _) => fail(d.clone()),
        (Ok(Reply::Done), Verdict::Valid) => pass(Vec::new()),
        (Ok(Reply::Done), Verdict::Acceptable) => pass(vec![
            "accepted where the spec rejects with bad_signature (acceptable)".into(),
        ]),
        (Ok(Reply::Done), Verdict::Invalid) => {
            fail("expected error bad_signature, but the IUT accepted".into())
        }
        (Ok(other), _) => fail(format!("xeddsa_verify: unexpected reply {other:?}")),
        (Err(Failure::Rejected { class, detail }), Verdict::Valid) => fail(format!(
            "expected the signature to verify, got error {class} ({detail})"
        )),
        (Err(Failure::Rejected { class, .. }), _) if class == "bad_signature" => pass(Vec::new()),
        (Err(Failure::Rejected { class, .. }), _) => pass(vec![format!(
            "rejected with {class} where the spec rejects with bad_signature"
        )]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(class: &str) -> Result<Reply, Failure> {
        Err(Failure::Rejected {
            class: class.into(),
            detail: String::new(),
        })
    }

    #[test]
    fn each_verdict_is_judged() {
        let status = |want, r: &Result<Reply, Failure>| judge(want, r).0;
        assert_eq!(status(Verdict::Valid, &Ok(Reply::Done)), Status::Pass);
        assert_eq!(
            status(Verdict::Valid, &rejected("bad_signature")),
            Status::Fail
        );
        assert_eq!(status(Verdict::Invalid, &Ok(Reply::Done)), Status::Fail);
        assert_eq!(
            status(Verdict::Invalid, &rejected("bad_signature")),
            Status::Pass
        );
        assert_eq!(status(Verdict::Acceptable, &Ok(Reply::Done)), Status::Pass);
        assert_eq!(
            status(Verdict::Acceptable, &rejected("bad_signature")),
            Status::Pass
        );
        assert_eq!(
            status(Verdict::Invalid, &Err(Failure::Unsupported("no".into()))),
            Status::Skip
        );
    }
}
