//! Franking's known answers replayed against an IUT that declares the `franking` profile
//! (SHIM.md §Franking): the IUT is the sender (`frank`) and the recipient (`frank_open`); the
//! runner is the server, with the test's `K_FB`, and checks that what the IUT's recipient
//! keeps is a report that verifies and resolves to what it was shown. Tests whose `report`
//! is not the recipient's own opening are the server's alone: `vectors check` covers them.

use crate::report::Status;
use e2ee_iut::hexbytes::{arr, bytes};
use e2ee_iut::protocol::{Failure, Hello, Iut, Reply, Request};
use e2ee_spec::franking::{self, Context, Message, Report};
use e2ee_vectors::envelope::Verdict;
use e2ee_vectors::kat::FrankingTest;

/// Whether `test` involves the IUT: every test but the server's report checks.
pub fn involves_the_iut(test: &FrankingTest) -> bool {
    test.report.is_none()
}

/// A test refused at receipt for its payload (version, length, kind): its payload is an
/// input, not the sender's, so `frank` is not asked for it.
fn malformed_payload(test: &FrankingTest) -> bool {
    test.result == Verdict::Invalid && test.delivered_t_f.is_none() && test.report.is_none()
}

/// Why a test stopped before its end.
enum Stop {
    Skip(String),
    Fail(String),
}

/// One franking known answer: status, detail, notes.
pub fn run(iut: &mut dyn Iut, hello: &Hello, test: &FrankingTest) -> (Status, String, Vec<String>) {
    match judge(iut, hello, test) {
        Ok(notes) => (Status::Pass, String::new(), notes),
        Err(Stop::Skip(why)) => (Status::Skip, why, Vec::new()),
        Err(Stop::Fail(why)) => (Status::Fail, why, Vec::new()),
    }
}

fn broken(op: &str, f: Failure) -> Stop {
    match f {
        Failure::Unsupported(d) => Stop::Skip(format!("{op} unsupported: {d}")),
        other => Stop::Fail(format!("{op}: {other}")),
    }
}

fn judge(iut: &mut dyn Iut, hello: &Hello, test: &FrankingTest) -> Result<Vec<String>, Stop> {
    let fail = |why: String| Err(Stop::Fail(why));
    let mut notes = Vec::new();
    // The sender.
    if !malformed_payload(test) {
        match iut.call(&Request::Frank {
            franking_key: test.n_f.clone(),
            message: test.m.clone(),
        }) {
            Ok(Reply::Franked {
                payload,
                commitment,
            }) => {
                if payload != test.payload {
                    return fail(format!(
                        "frank: payload {payload}, expected {}",
                        test.payload
                    ));
                }
                if commitment != test.t_f {
                    return fail(format!(
                        "frank: commitment T_F {commitment}, expected {}",
                        test.t_f
                    ));
                }
            }
            Ok(other) => return fail(format!("frank: unexpected reply {other:?}")),
            Err(Failure::Rejected { class, detail }) => {
                return fail(format!(
                    "frank: refused a message the spec franks: {class} ({detail})"
                ))
            }
            Err(f) => return Err(broken("frank", f)),
        }
    }
    // The recipient, given what the server delivered.
    let delivered = test
        .delivered_t_f
        .clone()
        .unwrap_or_else(|| test.t_f.clone());
    let result = iut.call(&Request::FrankOpen {
        payload: test.payload.clone(),
        commitment: delivered,
        server_tag: test.r_f.clone(),
        sender: test.sender.clone(),
        recipient: test.recipient.clone(),
        timestamp: test.timestamp,
    });
    let want = test.error.as_deref().unwrap_or("a refusal");
    let (message, franking_key) = match (result, test.result) {
        (Err(Failure::Rejected { class, .. }), Verdict::Invalid) => {
            if class != want {
                if hello.error_classes.iter().any(|c| c == want) {
                    return fail(format!("frank_open: expected error {want}, got {class}"));
                }
                notes.push(format!(
                    "frank_open: rejected with {class}; expected {want}, which the IUT cannot report"
                ));
            }
            return Ok(notes);
        }
        (Ok(Reply::FrankOpened { .. }), Verdict::Invalid) => {
            return fail(format!(
                "frank_open: expected error {want}, but the IUT accepted (and would show a message no report of it verifies)"
            ))
        }
        (
            Ok(Reply::FrankOpened {
                message,
                franking_key,
            }),
            _,
        ) => (message, franking_key),
        (Ok(other), _) => return fail(format!("frank_open: unexpected reply {other:?}")),
        (Err(Failure::Rejected { class, detail }), _) => {
            return fail(format!(
                "frank_open: expected the message, got error {class} ({detail})"
            ))
        }
        (Err(f), _) => return Err(broken("frank_open", f)),
    };
    if message != test.m || franking_key != test.n_f {
        return fail(format!(
            "frank_open: kept M {message} and N_F {franking_key}, expected {} and {}",
            test.m, test.n_f
        ));
    }
    // The server: the IUT's opening, with the delivery's R_F and context, is a report that
    // verifies and resolves to what was shown.
    // `message` and `franking_key` equal the vector's (checked above): a field that does not
    // decode is the vector's fault, not the IUT's.
    let vector = |e: Failure| Stop::Fail(format!("suite error: malformed vector: {e}"));
    let report = Report {
        m: bytes(&message).map_err(vector)?,
        n_f: arr(&franking_key).map_err(vector)?,
        r_f: arr(&test.r_f).map_err(vector)?,
        context: Context {
            sender: bytes(&test.sender).map_err(vector)?,
            recipient: bytes(&test.recipient).map_err(vector)?,
            timestamp: test.timestamp,
        },
    };
    let k_fb = arr(&test.k_fb).map_err(vector)?;
    let reported = franking::verify_report(&k_fb, &report).map_err(|e| {
        Stop::Fail(format!(
            "the report of the IUT's opening does not verify: {e:?}"
        ))
    })?;
    if let (Message::Attachment { descriptor, .. }, Some(a)) = (&reported, &test.attachment) {
        let ciphertext = bytes(&a.ciphertext).map_err(vector)?;
        let opened = franking::open_attachment(descriptor, &ciphertext)
            .map_err(|e| Stop::Fail(format!("the reported attachment does not open: {e:?}")))?;
        if hex::encode(opened) != a.plaintext {
            return fail(
                "the reported attachment opens to another plaintext than was shown".into(),
            );
        }
    }
    Ok(notes)
}
