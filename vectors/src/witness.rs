//! The spec's own verdict on exactly the bytes an implementation accepted: before an
//! acceptance counts as the implementation's failure, the spec must reject the same bytes
//! from the same state. The implementation's requests in this test are replayed on a fresh
//! spec, which holds the same state wherever the implementation took the injected
//! randomness; each reply is compared on the way, so a spec state that differs (the
//! implementation chose its own keys) is found out rather than trusted.

use crate::layout;
use crate::limits::Declared;
use crate::spec_iut::SpecIut;
use e2ee_iut::protocol::{Bundle, Failure, Iut, Reply, Request};
use e2ee_spec::Profile;

/// What the spec does with the last request after replaying the implementation's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accepts,
    Rejects(String),
    /// The spec could not be brought to the implementation's state; why.
    Unknown(String),
}

/// Replay `log` (every request the implementation got in this test since its reset, with its
/// reply) on a fresh spec keeping the limits the implementation declared, then send it `last`.
pub fn spec_verdict(
    profile: Profile,
    header_encryption: bool,
    limits: &Declared,
    log: &[(Request, Result<Reply, Failure>)],
    last: &Request,
) -> Verdict {
    let mut spec = SpecIut::new(0).with_limits(limits);
    // The implementation's handles and snapshots, and the spec's for the same things.
    let mut handles = Handles::default();
    for (i, (request, theirs)) in log.iter().enumerate() {
        let Some(ours_request) = handles.translate(request) else {
            return Verdict::Unknown(format!("request {i} names a party the spec has not"));
        };
        let ours = spec.call(&ours_request);
        if let Err(why) = agree(profile, header_encryption, theirs, &ours) {
            return Verdict::Unknown(format!(
                "the spec's state differs from the implementation's from its {} (request {i}): {why}",
                request.op()
            ));
        }
        handles.learn(theirs, &ours);
    }
    let Some(last) = handles.translate(last) else {
        return Verdict::Unknown("the request names a party the spec has not".into());
    };
    match spec.call(&last) {
        Ok(_) => Verdict::Accepts,
        Err(Failure::Rejected { class, .. }) => Verdict::Rejects(class),
        Err(other) => Verdict::Unknown(other.to_string()),
    }
}

#[derive(Default)]
struct Handles {
    parties: Vec<(String, String)>,
    snapshots: Vec<(String, String)>,
}

impl Handles {
    fn party(&self, theirs: &str) -> Option<String> {
        find(&self.parties, theirs)
    }

    fn translate(&self, request: &Request) -> Option<Request> {
        let mut r = request.clone();
        match &mut r {
            Request::CreateBundle { party, .. }
            | Request::Initiate { party, .. }
            | Request::Encrypt { party, .. }
            | Request::Decrypt { party, .. }
            | Request::GroupCreate { party, .. }
            | Request::GroupShare { party, .. }
            | Request::GroupJoin { party, .. }
            | Request::GroupEncrypt { party, .. }
            | Request::GroupDecrypt { party, .. }
            | Request::Snapshot { party } => *party = self.party(party)?,
            Request::Restore { party, snapshot } => {
                *party = self.party(party)?;
                *snapshot = find(&self.snapshots, snapshot)?;
            }
            Request::Hello { .. }
            | Request::Reset {}
            | Request::CreateParty { .. }
            | Request::XeddsaVerify { .. }
            | Request::Frank { .. }
            | Request::FrankOpen { .. }
            | Request::FrankReport { .. } => {}
        }
        Some(r)
    }

    fn learn(&mut self, theirs: &Result<Reply, Failure>, ours: &Result<Reply, Failure>) {
        match (theirs, ours) {
            (Ok(Reply::Party { party: t, .. }), Ok(Reply::Party { party: o, .. })) => {
                self.parties.push((t.clone(), o.clone()))
            }
            (Ok(Reply::Snapshot { snapshot: t }), Ok(Reply::Snapshot { snapshot: o })) => {
                self.snapshots.push((t.clone(), o.clone()))
            }
            _ => {}
        }
    }
}

fn find(pairs: &[(String, String)], theirs: &str) -> Option<String> {
    pairs
        .iter()
        .rev()
        .find(|(t, _)| t == theirs)
        .map(|(_, o)| o.clone())
}

/// Whether the spec's reply shows the state the implementation's reply shows: the same
/// outcome, the same public keys, plaintexts and message fields (the encoding and the MAC
/// over it may differ; an error class may differ, as an error map allows).
fn agree(
    profile: Profile,
    he: bool,
    theirs: &Result<Reply, Failure>,
    ours: &Result<Reply, Failure>,
) -> Result<(), String> {
    let public = |b: &Bundle| {
        (
            b.identity_key.clone(),
            b.signed_prekey_id,
            b.signed_prekey.clone(),
            b.one_time_prekey_id,
            b.one_time_prekey.clone(),
        )
    };
    match (theirs, ours) {
        (Err(Failure::Rejected { .. }), Err(Failure::Rejected { .. })) => Ok(()),
        (
            Ok(Reply::Party {
                identity_key: a, ..
            }),
            Ok(Reply::Party {
                identity_key: b, ..
            }),
        ) if a == b => Ok(()),
        (Ok(Reply::Bundle(a)), Ok(Reply::Bundle(b))) if public(a) == public(b) => Ok(()),
        (Ok(Reply::Decrypted { plaintext: a }), Ok(Reply::Decrypted { plaintext: b }))
            if a == b =>
        {
            Ok(())
        }
        (
            Ok(Reply::Encrypted {
                kind: ka,
                message: a,
            }),
            Ok(Reply::Encrypted {
                kind: kb,
                message: b,
            }),
        ) if ka == kb => {
            let (a, b) = (
                hex::decode(a).unwrap_or_default(),
                hex::decode(b).unwrap_or_default(),
            );
            for field in layout::fields(profile, he, *ka) {
                // The MAC is over each side's own encoding.
                if field.ends_with("mac") {
                    continue;
                }
                let value =
                    |m: &[u8]| layout::locate(profile, he, *ka, m, &field).map(|r| m[r].to_vec());
                match (value(&a), value(&b)) {
                    (Ok(x), Ok(y)) if x == y => {}
                    (Err(layout::LayoutError::Absent(_)), Err(layout::LayoutError::Absent(_))) => {}
                    (x, y) => return Err(format!("{field}: {x:02x?}, the spec's {y:02x?}")),
                }
            }
            Ok(())
        }
        (Ok(Reply::Done), Ok(Reply::Done))
        | (Ok(Reply::Snapshot { .. }), Ok(Reply::Snapshot { .. })) => Ok(()),
        (a, b) => Err(format!("{}, the spec {}", outcome(a), outcome(b))),
    }
}

fn outcome(r: &Result<Reply, Failure>) -> String {
    match r {
        Ok(reply) => format!("gave {reply:?}"),
        Err(f) => format!("failed: {f}"),
    }
}
