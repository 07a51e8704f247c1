//! Franking's known answers replayed against an IUT that declares the `franking` profile
//! (SHIM.md §Franking): the IUT is the sender (`frank`) and the recipient (`frank_open`,
//! after the test's earlier deliveries, then `frank_report`); the runner is the server, with
//! the test's `K_FB`, and checks that the IUT's report is exactly the delivery's, reveals
//! nothing of the other messages it kept, verifies and resolves to what was shown. Tests
//! refused at the report or at the attachment fetch are the server's and the fetcher's
//! alone, which no operation asks of an IUT: `vectors check` covers them.
//! `franking_session.rs` asks the same of franked messages over a live session.

use crate::report::Status;
use e2ee_iut::hexbytes::{arr, bytes};
use e2ee_iut::protocol::{Failure, Hello, Iut, Reply, Request};
use e2ee_spec::franking::{self, Context, Message, Opening, Report};
use e2ee_vectors::franking_reveals::reveals;
use e2ee_vectors::kat::{FrankingStage, FrankingTest};

/// Whether `test` involves the IUT: every test but those refused at the report or the
/// attachment.
pub fn involves_the_iut(test: &FrankingTest) -> bool {
    matches!(test.refused_at(), None | Some(FrankingStage::Receipt))
}

/// Why a test stopped before its end.
pub(crate) enum Stop {
    Skip(String),
    Fail(String),
}

/// One franking known answer: status, detail, notes.
pub fn run(iut: &mut dyn Iut, hello: &Hello, test: &FrankingTest) -> (Status, String, Vec<String>) {
    outcome(judge(iut, hello, test))
}

pub(crate) fn outcome(judged: Result<Vec<String>, Stop>) -> (Status, String, Vec<String>) {
    match judged {
        Ok(notes) => (Status::Pass, String::new(), notes),
        Err(Stop::Skip(why)) => (Status::Skip, why, Vec::new()),
        Err(Stop::Fail(why)) => (Status::Fail, why, Vec::new()),
    }
}

pub(crate) fn broken(op: &str, f: Failure) -> Stop {
    match f {
        Failure::Unsupported(d) => Stop::Skip(format!("{op} unsupported: {d}")),
        other => Stop::Fail(format!("{op}: {other}")),
    }
}

fn fail<T>(why: String) -> Result<T, Stop> {
    Err(Stop::Fail(why))
}

/// A field of the vector or of the runner's own making that does not decode: the suite's
/// fault, not the IUT's.
pub(crate) fn vector(e: Failure) -> Stop {
    Stop::Fail(format!("suite error: malformed vector: {e}"))
}

/// What the server delivers to the recipient: the decrypted payload's `T_F` and `R_F`, and
/// the context, all hex as on the wire.
#[derive(Clone)]
pub(crate) struct Delivered {
    pub payload: String,
    pub commitment: String,
    pub server_tag: String,
    pub sender: String,
    pub recipient: String,
    pub timestamp: u64,
}

impl Delivered {
    fn context(&self) -> Result<Context, Stop> {
        Ok(Context {
            sender: bytes(&self.sender).map_err(vector)?,
            recipient: bytes(&self.recipient).map_err(vector)?,
            timestamp: self.timestamp,
        })
    }

    /// What the recipient keeps of it, as the spec reads it (for the checks of reports of
    /// other messages).
    pub fn opening(&self) -> Result<Opening, Stop> {
        franking::open(
            &bytes(&self.payload).map_err(vector)?,
            &arr(&self.commitment).map_err(vector)?,
            &arr(&self.server_tag).map_err(vector)?,
            &self.context()?,
        )
        .map_err(|e| {
            Stop::Fail(format!(
                "suite error: a delivery the spec does not open: {e}"
            ))
        })
    }

    /// The report of it: what the recipient must send.
    pub fn report(&self) -> Result<Report, Stop> {
        Ok(Report::from(&self.opening()?))
    }
}

/// The sender: `frank` must give the spec's payload and commitment, byte for byte.
pub(crate) fn frank(
    iut: &mut dyn Iut,
    franking_key: &str,
    message: &str,
    want: (&str, &str),
) -> Result<(), Stop> {
    match iut.call(&Request::Frank {
        franking_key: franking_key.into(),
        message: message.into(),
    }) {
        Ok(Reply::Franked {
            payload,
            commitment,
        }) => {
            if payload != want.0 {
                return fail(format!("frank: payload {payload}, expected {}", want.0));
            }
            if commitment != want.1 {
                return fail(format!(
                    "frank: commitment T_F {commitment}, expected {}",
                    want.1
                ));
            }
            Ok(())
        }
        Ok(other) => fail(format!("frank: unexpected reply {other:?}")),
        Err(Failure::Rejected { class, detail }) => fail(format!(
            "frank: refused a message the spec franks: {class} ({detail})"
        )),
        Err(f) => Err(broken("frank", f)),
    }
}

/// The recipient opens `d`: it must refuse with `want` where given (a class the IUT cannot
/// report passes with a note), else return `M` (`Some`).
pub(crate) fn open(
    iut: &mut dyn Iut,
    hello: &Hello,
    d: &Delivered,
    want: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<Option<String>, Stop> {
    let result = iut.call(&Request::FrankOpen {
        payload: d.payload.clone(),
        commitment: d.commitment.clone(),
        server_tag: d.server_tag.clone(),
        sender: d.sender.clone(),
        recipient: d.recipient.clone(),
        timestamp: d.timestamp,
    });
    match (result, want) {
        (Err(Failure::Rejected { class, .. }), Some(want)) => {
            if class != want {
                if hello.error_classes.iter().any(|c| c == want) {
                    return fail(format!("frank_open: expected error {want}, got {class}"));
                }
                notes.push(format!(
                    "frank_open: rejected with {class}; expected {want}, which the IUT cannot report"
                ));
            }
            Ok(None)
        }
        (Ok(Reply::FrankOpened { .. }), Some(want)) => fail(format!(
            "frank_open: expected error {want}, but the IUT accepted (and would show a message \
             no report of it verifies, or one whose franking key another message has)"
        )),
        (Ok(Reply::FrankOpened { message }), None) => Ok(Some(message)),
        (Ok(other), _) => fail(format!("frank_open: unexpected reply {other:?}")),
        (Err(Failure::Rejected { class, detail }), None) => fail(format!(
            "frank_open: expected the message, got error {class} ({detail})"
        )),
        (Err(f), _) => Err(broken("frank_open", f)),
    }
}

/// The report the recipient makes of the message committed by `commitment`, judged by the
/// server: it reveals nothing of `others` (the other messages it kept) that the honest
/// report does not, it is that report, it verifies under `k_fb` and resolves to what was
/// shown; for an attachment, the reported key opens `attachment` (ciphertext, plaintext
/// shown) to what was shown.
pub(crate) fn report(
    iut: &mut dyn Iut,
    commitment: &str,
    honest: &Report,
    others: &[Opening],
    k_fb: &[u8; 32],
    attachment: Option<(&[u8], &[u8])>,
) -> Result<(), Stop> {
    let got = match iut.call(&Request::FrankReport {
        commitment: commitment.into(),
    }) {
        Ok(Reply::Reported {
            message,
            franking_key,
            server_tag,
            sender,
            recipient,
            timestamp,
        }) => {
            let malformed = |e: Failure| Stop::Fail(format!("frank_report: {e}"));
            Report {
                m: bytes(&message).map_err(malformed)?,
                n_f: arr(&franking_key).map_err(malformed)?,
                r_f: arr(&server_tag).map_err(malformed)?,
                context: Context {
                    sender: bytes(&sender).map_err(malformed)?,
                    recipient: bytes(&recipient).map_err(malformed)?,
                    timestamp,
                },
            }
        }
        Ok(other) => return fail(format!("frank_report: unexpected reply {other:?}")),
        Err(Failure::Rejected { class, detail }) => {
            return fail(format!(
                "frank_report: refused to report a message it opened: {class} ({detail})"
            ))
        }
        Err(f) => return Err(broken("frank_report", f)),
    };
    // First what it reveals, the sharper finding; a short message may occur inside another
    // by chance, so only what the honest report does not carry counts.
    for other in others {
        if let (Some(what), None) = (reveals(&got, other), reveals(honest, other)) {
            return fail(format!(
                "frank_report: the report carries {what} of another message the recipient kept \
                 (T_F {})",
                hex::encode(franking::commitment(&other.n_f, &other.m))
            ));
        }
    }
    if got != *honest {
        return fail(format!(
            "frank_report: reported {}, expected the delivery's {}",
            show(&got),
            show(honest)
        ));
    }
    let reported = franking::verify_report(k_fb, &got).map_err(|e| {
        Stop::Fail(format!(
            "suite error: the delivery's own report does not verify: {e:?}"
        ))
    })?;
    if let (Message::Attachment { descriptor, .. }, Some((ciphertext, shown))) =
        (&reported, attachment)
    {
        let opened = franking::open_attachment(descriptor, ciphertext)
            .map_err(|e| Stop::Fail(format!("the reported attachment does not open: {e:?}")))?;
        if opened != shown {
            return fail(
                "the reported attachment opens to another plaintext than was shown".into(),
            );
        }
    }
    Ok(())
}

fn show(r: &Report) -> String {
    format!(
        "(M {}, N_F {}, R_F {}, sender {}, recipient {}, timestamp {})",
        hex::encode(&r.m),
        hex::encode(r.n_f),
        hex::encode(r.r_f),
        hex::encode(&r.context.sender),
        hex::encode(&r.context.recipient),
        r.context.timestamp
    )
}

fn judge(iut: &mut dyn Iut, hello: &Hello, test: &FrankingTest) -> Result<Vec<String>, Stop> {
    let mut notes = Vec::new();
    iut.call(&Request::Reset {})
        .map_err(|f| broken("reset", f))?;
    // What the recipient was delivered before.
    let mut kept = Vec::new();
    for e in &test.earlier {
        let d = Delivered {
            payload: e.payload.clone(),
            commitment: e.t_f.clone(),
            server_tag: e.r_f.clone(),
            sender: e.sender.clone(),
            recipient: e.recipient.clone(),
            timestamp: e.timestamp,
        };
        if open(iut, hello, &d, e.error.as_deref(), &mut notes)?.is_some() {
            kept.push(d.opening()?);
        }
    }
    // The sender.
    if test.payload_is_senders() {
        frank(iut, &test.n_f, &test.m, (&test.payload, &test.t_f))?;
    }
    // The recipient, given what the server delivered.
    let d = Delivered {
        payload: test.payload.clone(),
        commitment: test
            .delivered_t_f
            .clone()
            .unwrap_or_else(|| test.t_f.clone()),
        server_tag: test.r_f.clone(),
        sender: test.sender.clone(),
        recipient: test.recipient.clone(),
        timestamp: test.timestamp,
    };
    let want = match test.refused_at() {
        Some(_) => Some(test.error.as_deref().unwrap_or("a refusal")),
        None => None,
    };
    let Some(message) = open(iut, hello, &d, want, &mut notes)? else {
        return Ok(notes);
    };
    if message != test.m {
        return fail(format!(
            "frank_open: shows M {message}, expected {}",
            test.m
        ));
    }
    // The server, on the recipient's report.
    let attachment = match &test.attachment {
        Some(a) => Some((
            bytes(&a.ciphertext).map_err(vector)?,
            bytes(a.plaintext.as_deref().unwrap_or_default()).map_err(vector)?,
        )),
        None => None,
    };
    report(
        iut,
        &test.t_f,
        &d.report()?,
        &kept,
        &arr(&test.k_fb).map_err(vector)?,
        attachment
            .as_ref()
            .map(|(ct, pt)| (ct.as_slice(), pt.as_slice())),
    )?;
    Ok(notes)
}
