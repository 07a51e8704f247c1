//! "A report of one message reveals no other message" (issue 17), as a check: what a
//! franking report carries of another message its recipient kept. `vectors check` asks it
//! of the vectors' reports, the runner of an implementation's (`harness/src/franking.rs`).

use e2ee_spec::franking::{commitment, Message, Opening, Report};

/// The first thing `report` reveals of `other`: bytes of its franking key, server tag,
/// message `M` or attachment key anywhere in the report's fields, or a franking key that
/// opens its commitment (with which the server, which saw `other`'s `T_F` pass, could test
/// guesses of it). `None` if nothing.
///
/// A short `M` may occur inside another message by chance (an empty text is one byte):
/// before blaming an implementation, ask the same of the honest report of its message.
pub fn reveals(report: &Report, other: &Opening) -> Option<&'static str> {
    let carried = [
        &report.m[..],
        &report.n_f,
        &report.r_f,
        &report.context.sender,
        &report.context.recipient,
    ]
    .concat();
    let contains =
        |needle: &[u8]| !needle.is_empty() && carried.windows(needle.len()).any(|w| w == needle);
    let mut secrets: Vec<(&'static str, &[u8])> = vec![
        ("its franking key N_F", &other.n_f),
        ("its server tag R_F", &other.r_f),
        ("its message M", &other.m),
    ];
    if let Message::Attachment { descriptor, .. } = &other.message {
        secrets.push(("its attachment key", &descriptor.key));
    }
    if let Some((what, _)) = secrets.iter().find(|(_, s)| contains(s)) {
        return Some(what);
    }
    (commitment(&report.n_f, &other.m) == commitment(&other.n_f, &other.m))
        .then_some("a franking key that opens its commitment T_F")
}
