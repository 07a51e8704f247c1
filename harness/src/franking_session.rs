//! Franking over a live 1:1 session (issue 17): franked payloads as the plaintext of a real
//! `signal-v3` session (Messenger's Secret Conversations ran on libsignal), in both
//! directions. The IUT plays one party and the spec the other; the runner is the server: it
//! relays the ciphertext, tags each delivery's `T_F` with its `K_FB` and the context, and
//! verifies reports. A sender franks (`frank`) and encrypts the payload in its session
//! (`encrypt`); the recipient decrypts (`decrypt`), opens the payload with the `T_F` and
//! `R_F` delivered beside it (`frank_open`), and later reports (`frank_report`). The
//! conversation is [`CONVERSATION`]: a text each way, an attachment, a message under an
//! earlier message's franking key (refused), then reports of three messages, each of which
//! must reveal nothing of the others its recipient kept.

use crate::franking::{self as fk, Delivered, Stop};
use crate::report::Status;
use e2ee_iut::hexbytes::arr;
use e2ee_iut::protocol::{Hello, Iut, MessageKind, Reply, Request};
use e2ee_spec::franking::{self, Context, Message, Opening};
use e2ee_spec::Profile;
use e2ee_vectors::rng::Rng;
use e2ee_vectors::spec_iut::SpecIut;

/// The session profile that carries the payloads.
pub const CARRIER: Profile = Profile::SignalV3;
pub const TC_ID: &str = "franking.session.signal-v3";
pub const ALICE: &str = "alice";
pub const BOB: &str = "bob";
/// The parties the IUT plays, one per test.
pub const ROLES: [&str; 2] = [ALICE, BOB];
/// The flags of each test: what its failure means.
pub const FLAGS: [&str; 3] = [
    "FrankedSession",
    "FrankingKeyReused",
    "ReportRevealsOnlyItsMessage",
];

/// What a message says.
enum Body {
    Text(&'static str),
    /// An attachment the sender seals (AES-256-GCM, key and nonce drawn for the turn), with
    /// a caption.
    Attachment {
        plaintext: &'static [u8],
        caption: &'static str,
    },
}

/// One turn of the conversation.
enum Turn {
    /// `from` sends message `label` to the other party, franked with a fresh `N_F` or with
    /// the `N_F` of message `reuses`; the recipient must refuse it with `refused`, or open
    /// it.
    Send {
        label: &'static str,
        from: &'static str,
        body: Body,
        reuses: Option<&'static str>,
        refused: Option<&'static str>,
    },
    /// `by` reports message `label`, which it opened.
    Report {
        by: &'static str,
        label: &'static str,
    },
}

use Turn::{Report, Send};

const fn text(label: &'static str, from: &'static str, body: &'static str) -> Turn {
    Send {
        label,
        from,
        body: Body::Text(body),
        reuses: None,
        refused: None,
    }
}

/// The conversation, in order.
const CONVERSATION: [Turn; 8] = [
    text("m1", ALICE, "Are you home tonight?"),
    text("m2", BOB, "Yes, after eight. Why do you ask?"),
    Send {
        label: "m3",
        from: ALICE,
        body: Body::Attachment {
            plaintext: b"\x89PNG\r\n\x1a\n a picture of a front door",
            caption: "Recognise this door?",
        },
        reuses: None,
        refused: None,
    },
    // A sender that reuses its franking key (or a buggy one that draws it once).
    Send {
        label: "m4",
        from: ALICE,
        body: Body::Text("I will be waiting outside."),
        reuses: Some("m1"),
        refused: Some("duplicate_message"),
    },
    text("m5", ALICE, "Answer me."),
    Report {
        by: BOB,
        label: "m1",
    },
    Report {
        by: BOB,
        label: "m3",
    },
    Report {
        by: ALICE,
        label: "m2",
    },
];

/// 2025-12-06 05:46:40 UTC, the first delivery's time in milliseconds; one a minute after.
const EPOCH_MS: u64 = 1_765_000_000_000;

/// A message as the runner saw it pass.
struct Passed {
    label: &'static str,
    to: &'static str,
    n_f: [u8; 32],
    /// The session message that carries the payload.
    kind: MessageKind,
    ciphertext: String,
    /// What the server delivers beside it, with the payload the recipient must decrypt.
    delivered: Delivered,
    /// The attachment's ciphertext and plaintext.
    attachment: Option<(Vec<u8>, Vec<u8>)>,
    /// What the recipient kept, if it opened it.
    opening: Option<Opening>,
}

/// The two parties: the IUT as `role`, the spec as the other, each with its handle.
struct Parties<'a> {
    iut: &'a mut dyn Iut,
    hello: &'a Hello,
    spec: SpecIut,
    spec_hello: Hello,
    role: &'a str,
    handles: Vec<(&'static str, String)>,
}

impl Parties<'_> {
    fn side(&mut self, who: &str) -> (&mut dyn Iut, &Hello) {
        if who == self.role {
            (&mut *self.iut, self.hello)
        } else {
            (&mut self.spec, &self.spec_hello)
        }
    }

    fn handle(&self, who: &str) -> String {
        self.handles
            .iter()
            .find(|(name, _)| *name == who)
            .map(|(_, h)| h.clone())
            .unwrap_or_default()
    }

    /// Who `who` is, for a finding: the IUT, or the spec (then the suite is at fault).
    fn blame(&self, who: &str) -> String {
        if who == self.role {
            format!("{who} (the IUT)")
        } else {
            format!("{who} (the spec: suite error)")
        }
    }

    fn call(&mut self, who: &str, request: Request) -> Result<Reply, Stop> {
        let op = request.op();
        let blame = self.blame(who);
        self.side(who)
            .0
            .call(&request)
            .map_err(|f| match fk::broken(op, f) {
                Stop::Fail(why) => Stop::Fail(format!("{blame}: {why}")),
                skip => skip,
            })
    }
}

fn other(who: &str) -> &'static str {
    if who == ALICE {
        BOB
    } else {
        ALICE
    }
}

/// The conversation with the IUT as `role`: status, detail, notes.
pub fn run(
    iut: &mut dyn Iut,
    hello: &Hello,
    role: &str,
    seed: u64,
) -> (Status, String, Vec<String>) {
    if !hello.profiles.iter().any(|p| p == CARRIER.name()) {
        return (
            Status::Skip,
            format!(
                "franked payloads travel over a {} session here, which the IUT does not declare",
                CARRIER.name()
            ),
            Vec::new(),
        );
    }
    let mut parties = Parties {
        iut,
        hello,
        spec: SpecIut::new(seed),
        spec_hello: SpecIut::hello(),
        role,
        handles: Vec::new(),
    };
    fk::outcome(converse(&mut parties, seed))
}

fn converse(p: &mut Parties, seed: u64) -> Result<Vec<String>, Stop> {
    let mut rng = Rng::new(&["franking", TC_ID, &seed.to_string()]);
    let k_fb: [u8; 32] = rng.bytes();
    let mut notes = Vec::new();
    for who in ROLES {
        p.call(who, Request::Reset {})?;
    }
    for (who, registration_id) in [(ALICE, 1111), (BOB, 2222)] {
        let reply = p.call(
            who,
            Request::CreateParty {
                profile: CARRIER.name().into(),
                header_encryption: false,
                identity_private: Some(rng.hex(32)),
                registration_id: Some(registration_id),
                version_byte: None,
            },
        )?;
        let Reply::Party { party, .. } = reply else {
            return Err(unexpected(p, who, "create_party", &reply));
        };
        p.handles.push((who, party));
    }
    let reply = p.call(
        BOB,
        Request::CreateBundle {
            party: p.handle(BOB),
            signed_prekey_id: 1,
            signed_prekey_private: Some(rng.hex(32)),
            one_time_prekey_id: Some(2),
            one_time_prekey_private: Some(rng.hex(32)),
            signature_randomness: Some(rng.hex(64)),
            kyber_prekey_id: None,
            kyber_prekey_seed: None,
            kyber_prekey_private: None,
            kyber_signature_randomness: None,
            kyber_last_resort: false,
        },
    )?;
    let Reply::Bundle(bundle) = reply else {
        return Err(unexpected(p, BOB, "create_bundle", &reply));
    };
    p.call(
        ALICE,
        Request::Initiate {
            party: p.handle(ALICE),
            peer: BOB.into(),
            bundle,
            base_key_private: Some(rng.hex(32)),
            ratchet_private: Some(rng.hex(32)),
            kem_randomness: None,
        },
    )?;
    let mut passed: Vec<Passed> = Vec::new();
    for (i, turn) in CONVERSATION.iter().enumerate() {
        match turn {
            Send {
                label,
                from,
                body,
                reuses,
                refused,
            } => {
                let n_f = match reuses {
                    Some(earlier) => find(&passed, earlier)?.n_f,
                    None => rng.bytes(),
                };
                let (message, attachment) = match body {
                    Body::Text(t) => (Message::Text(t.as_bytes().to_vec()), None),
                    Body::Attachment { plaintext, caption } => {
                        let (ct, descriptor) =
                            franking::seal_attachment(&rng.bytes(), &rng.bytes(), plaintext);
                        let m = Message::Attachment {
                            descriptor,
                            caption: caption.as_bytes().to_vec(),
                        };
                        (m, Some((ct, plaintext.to_vec())))
                    }
                };
                let context = Context {
                    sender: from.as_bytes().to_vec(),
                    recipient: other(from).as_bytes().to_vec(),
                    timestamp: EPOCH_MS + 60_000 * i as u64,
                };
                let mut sent = send(p, &mut rng, &k_fb, label, from, n_f, &message, context)?;
                sent.attachment = attachment;
                sent.opening = receive(p, &mut rng, &sent, *refused, &mut notes)?;
                passed.push(sent);
            }
            Report { by, label } => {
                let reported = find(&passed, label)?;
                if reported.to != *by || reported.opening.is_none() {
                    return Err(Stop::Fail(format!(
                        "suite error: {by} reports {label}, which it did not open"
                    )));
                }
                let others: Vec<Opening> = passed
                    .iter()
                    .filter(|o| o.to == *by && o.label != *label)
                    .filter_map(|o| o.opening.clone())
                    .collect();
                let honest = reported.delivered.report()?;
                let commitment = reported.delivered.commitment.clone();
                let attachment = reported
                    .attachment
                    .as_ref()
                    .map(|(ct, pt)| (ct.as_slice(), pt.as_slice()));
                let blame = p.blame(by);
                let (side, _) = p.side(by);
                fk::report(side, &commitment, &honest, &others, &k_fb, attachment)
                    .map_err(|s| at(s, &format!("{label}: {blame}")))?;
            }
        }
    }
    Ok(notes)
}

/// `from` franks `message` under `n_f` and encrypts the payload in its session; the runner,
/// as the server, tags the delivery.
#[allow(clippy::too_many_arguments)]
fn send(
    p: &mut Parties,
    rng: &mut Rng,
    k_fb: &[u8; 32],
    label: &'static str,
    from: &'static str,
    n_f: [u8; 32],
    message: &Message,
    context: Context,
) -> Result<Passed, Stop> {
    let (payload, t_f) = franking::frank(&n_f, message);
    let (payload, t_f) = (hex::encode(payload), hex::encode(t_f));
    let blame = p.blame(from);
    let (side, _) = p.side(from);
    fk::frank(
        side,
        &hex::encode(n_f),
        &hex::encode(message.encode()),
        (&payload, &t_f),
    )
    .map_err(|s| at(s, &format!("{label}: {blame}")))?;
    let reply = p.call(
        from,
        Request::Encrypt {
            party: p.handle(from),
            peer: other(from).into(),
            plaintext: payload.clone(),
            ratchet_private: Some(rng.hex(32)),
            header_nonce: Some(rng.hex(12)),
        },
    )?;
    let Reply::Encrypted { kind, message } = reply else {
        return Err(unexpected(p, from, "encrypt", &reply));
    };
    let server_tag = franking::server_tag(k_fb, &arr(&t_f).map_err(fk::vector)?, &context)
        .map_err(|e| Stop::Fail(format!("suite error: the server cannot tag {label}: {e}")))?;
    Ok(Passed {
        label,
        to: other(from),
        n_f,
        kind,
        ciphertext: message,
        delivered: Delivered {
            payload,
            commitment: t_f,
            server_tag: hex::encode(server_tag),
            sender: hex::encode(&context.sender),
            recipient: hex::encode(&context.recipient),
            timestamp: context.timestamp,
        },
        attachment: None,
        opening: None,
    })
}

/// The recipient of `sent` decrypts it in its session (the payload must come out as franked)
/// and opens it: refused with `refused`, or opened to `M`, kept (`Some`).
fn receive(
    p: &mut Parties,
    rng: &mut Rng,
    sent: &Passed,
    refused: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<Option<Opening>, Stop> {
    let (to, label) = (sent.to, sent.label);
    let reply = p.call(
        to,
        Request::Decrypt {
            party: p.handle(to),
            peer: other(to).into(),
            kind: sent.kind,
            message: sent.ciphertext.clone(),
            ratchet_private: Some(rng.hex(32)),
        },
    )?;
    let Reply::Decrypted { plaintext } = reply else {
        return Err(unexpected(p, to, "decrypt", &reply));
    };
    let delivered = &sent.delivered;
    if plaintext != delivered.payload {
        return Err(Stop::Fail(format!(
            "{label}: {}: the session delivered {plaintext}, not the franked payload {}",
            p.blame(to),
            delivered.payload
        )));
    }
    let blame = p.blame(to);
    let (side, hello) = p.side(to);
    let shown = fk::open(side, hello, delivered, refused, notes)
        .map_err(|s| at(s, &format!("{label}: {blame}")))?;
    let Some(shown) = shown else {
        return Ok(None);
    };
    let opening = delivered.opening()?;
    if shown != hex::encode(&opening.m) {
        return Err(Stop::Fail(format!(
            "{label}: {blame}: frank_open shows M {shown}, expected {}",
            hex::encode(&opening.m)
        )));
    }
    Ok(Some(opening))
}

fn find<'a>(passed: &'a [Passed], label: &str) -> Result<&'a Passed, Stop> {
    passed
        .iter()
        .find(|o| o.label == label)
        .ok_or_else(|| Stop::Fail(format!("suite error: no message {label} before")))
}

fn at(stop: Stop, what: &str) -> Stop {
    match stop {
        Stop::Fail(why) => Stop::Fail(format!("{what}: {why}")),
        skip => skip,
    }
}

fn unexpected(p: &Parties, who: &str, op: &str, reply: &Reply) -> Stop {
    Stop::Fail(format!(
        "{}: {op}: unexpected reply {reply:?}",
        p.blame(who)
    ))
}
