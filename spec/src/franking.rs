//! Message franking: abuse reports a platform can verify without reading messages, as
//! Messenger's Secret Conversations introduced it (Facebook, "Messenger Secret Conversations"
//! technical whitepaper, §Abuse Reporting), a layer over a 1:1 profile's plaintext.
//!
//! - The sender draws a franking key `N_F`, puts it inside the encrypted payload with the
//!   message `M`, and sends the commitment `T_F = HMAC-SHA256(N_F, M)` beside the ciphertext.
//! - The server, which sees `T_F` but not `M`, binds it to the delivery:
//!   `R_F = HMAC-SHA256(K_FB, T_F ‖ context)` (sender, recipient, timestamp), and delivers
//!   `R_F` with the message.
//! - The recipient decrypts, recomputes `T_F` from what it read and rejects the message on a
//!   mismatch (else a report of it would not verify); it keeps `(M, N_F, R_F, context)`,
//!   and refuses a later message under an `N_F` it kept.
//! - A report reveals those four for one message; the server recomputes `T_F` and checks
//!   `R_F`.
//!
//! Security notions (Grubbs–Lu–Ristenpart, CRYPTO 2017, "Message franking via committing
//! authenticated encryption"): *receiver binding*, no verifying report of a message that was
//! not sent in that context; *sender binding*, no message that the recipient accepts and
//! whose report fails or opens to something else. The second needs the encryption of what
//! `M` points to to commit to its key: an attachment is encrypted apart (AES-256-GCM, which
//! does not commit: `vectors/data/franking/kat_committing_aead.json` has ciphertexts that
//! open under two keys), so `M` carries the attachment's key and ciphertext digest, and `T_F`
//! commits to both (Dodis–Grubbs–Ristenpart–Woodage, CRYPTO 2018, "Fast message franking:
//! from invisible salamanders to encryptment"). Byte layouts and the choices the whitepaper
//! leaves open: `PROFILES.md` §franking.

use crate::crypto::{aes_gcm, kdf};
use crate::error::Error;
use sha2::{Digest, Sha256};

/// The franked payload's first byte: this layout.
pub const FRANKING_VERSION: u8 = 0x01;
/// `N_F`, `T_F`, `R_F` and `K_FB` are all 32 bytes (HMAC-SHA256 keys and tags).
pub const FRANKING_KEY_LEN: usize = 32;
pub const TAG_LEN: usize = 32;
/// `M`'s first byte: what its body is.
pub const KIND_TEXT: u8 = 0x00;
pub const KIND_ATTACHMENT: u8 = 0x01;
/// An attachment descriptor: key ‖ nonce ‖ SHA-256 of the ciphertext, then the caption.
pub const ATTACHMENT_KEY_LEN: usize = 32;
pub const ATTACHMENT_NONCE_LEN: usize = 12;
pub const DIGEST_LEN: usize = 32;
const DESCRIPTOR_LEN: usize = ATTACHMENT_KEY_LEN + ATTACHMENT_NONCE_LEN + DIGEST_LEN;

/// The delivery the server binds a commitment to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub sender: Vec<u8>,
    pub recipient: Vec<u8>,
    /// Milliseconds since the Unix epoch, the server's clock.
    pub timestamp: u64,
}

impl Context {
    /// `u16(len) ‖ sender ‖ u16(len) ‖ recipient ‖ u64(timestamp)`, big-endian. Length
    /// prefixes make the encoding injective: ("alice", "bob") and ("alic", "ebob") differ,
    /// so a tag for one delivery is never a tag for another. `Decode` past 65,535 bytes.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(12 + self.sender.len() + self.recipient.len());
        for name in [&self.sender, &self.recipient] {
            let len = u16::try_from(name.len()).map_err(|_| Error::Decode)?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(name);
        }
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        Ok(out)
    }
}

/// What a message says: text, or an attachment (encrypted apart) with a caption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Text(Vec<u8>),
    Attachment {
        descriptor: Attachment,
        caption: Vec<u8>,
    },
}

/// Where an attachment's plaintext comes from: the key and nonce that open its ciphertext
/// and the ciphertext's SHA-256 (which the server stores the ciphertext under).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub key: [u8; ATTACHMENT_KEY_LEN],
    pub nonce: [u8; ATTACHMENT_NONCE_LEN],
    pub digest: [u8; DIGEST_LEN],
}

impl Message {
    /// `M`: `kind ‖ body`; an attachment's body is `key ‖ nonce ‖ digest ‖ caption`.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Message::Text(text) => [&[KIND_TEXT][..], text].concat(),
            Message::Attachment {
                descriptor,
                caption,
            } => [
                &[KIND_ATTACHMENT][..],
                &descriptor.key,
                &descriptor.nonce,
                &descriptor.digest,
                caption,
            ]
            .concat(),
        }
    }

    /// The inverse of [`Message::encode`]: `Decode` for an unknown kind or a short descriptor.
    pub fn decode(m: &[u8]) -> Result<Message, Error> {
        match m.split_first() {
            Some((&KIND_TEXT, text)) => Ok(Message::Text(text.to_vec())),
            Some((&KIND_ATTACHMENT, body)) if body.len() >= DESCRIPTOR_LEN => {
                let (key, rest) = body.split_at(ATTACHMENT_KEY_LEN);
                let (nonce, rest) = rest.split_at(ATTACHMENT_NONCE_LEN);
                let (digest, caption) = rest.split_at(DIGEST_LEN);
                Ok(Message::Attachment {
                    descriptor: Attachment {
                        key: key.try_into().map_err(|_| Error::Decode)?,
                        nonce: nonce.try_into().map_err(|_| Error::Decode)?,
                        digest: digest.try_into().map_err(|_| Error::Decode)?,
                    },
                    caption: caption.to_vec(),
                })
            }
            _ => Err(Error::Decode),
        }
    }
}

/// `T_F = HMAC-SHA256(N_F, M)`.
pub fn commitment(n_f: &[u8; FRANKING_KEY_LEN], m: &[u8]) -> [u8; TAG_LEN] {
    kdf::hmac_sha256(n_f, m)
}

/// The sender: the payload that goes through the 1:1 session, `version ‖ N_F ‖ M`, and
/// `T_F`, which travels beside the ciphertext.
pub fn frank(n_f: &[u8; FRANKING_KEY_LEN], message: &Message) -> (Vec<u8>, [u8; TAG_LEN]) {
    let m = message.encode();
    let t_f = commitment(n_f, &m);
    ([&[FRANKING_VERSION][..], n_f, &m].concat(), t_f)
}

/// The server at delivery: `R_F = HMAC-SHA256(K_FB, T_F ‖ context)`.
pub fn server_tag(
    k_fb: &[u8; FRANKING_KEY_LEN],
    t_f: &[u8; TAG_LEN],
    context: &Context,
) -> Result<[u8; TAG_LEN], Error> {
    Ok(kdf::hmac_sha256(
        k_fb,
        &[&t_f[..], &context.encode()?].concat(),
    ))
}

/// What the recipient keeps of a franked message it accepted: what it shows, and what a
/// report of it reveals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    pub message: Message,
    /// `M` as committed (the report carries these bytes, not a re-encoding).
    pub m: Vec<u8>,
    pub n_f: [u8; FRANKING_KEY_LEN],
    pub r_f: [u8; TAG_LEN],
    pub context: Context,
}

/// The recipient: the decrypted payload and the `T_F`, `R_F` and context the server
/// delivered with it. `Decode` for a malformed payload, `AuthFailure` when `T_F` is not the
/// commitment to what was read (in constant time).
pub fn open(
    payload: &[u8],
    t_f: &[u8; TAG_LEN],
    r_f: &[u8; TAG_LEN],
    context: &Context,
) -> Result<Opening, Error> {
    let rest = match payload.split_first() {
        Some((&FRANKING_VERSION, rest)) if rest.len() >= FRANKING_KEY_LEN => rest,
        _ => return Err(Error::Decode),
    };
    let (n_f, m) = rest.split_at(FRANKING_KEY_LEN);
    let n_f: [u8; FRANKING_KEY_LEN] = n_f.try_into().map_err(|_| Error::Decode)?;
    let message = Message::decode(m)?;
    kdf::verify_hmac_sha256_truncated(&n_f, m, t_f).map_err(|_| Error::AuthFailure)?;
    context.encode()?;
    Ok(Opening {
        message,
        m: m.to_vec(),
        n_f,
        r_f: *r_f,
        context: context.clone(),
    })
}

/// What a recipient keeps of franking: every opening it accepted, so that its user can
/// report the message later. Their franking keys are also how it recognises a key used
/// twice ([`receive`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recipient {
    pub kept: Vec<Opening>,
}

/// The recipient, with its state: [`open`], then `DuplicateMessage` if it already kept a
/// message with this `N_F`, whether the sender reused its franking key for another message
/// or a delivery was replayed under a fresh server tag. A franking key must open exactly one
/// message: a report reveals its `N_F`, and with it the server could test guesses of any
/// other message committed under the same key (its `T_F` passed through the server).
/// Checks in order: the payload's layout, `T_F`, the context, then the key; on an error the
/// caller keeps its state (a refused message keeps nothing, its `N_F` included).
pub fn receive(
    recipient: &Recipient,
    payload: &[u8],
    t_f: &[u8; TAG_LEN],
    r_f: &[u8; TAG_LEN],
    context: &Context,
) -> Result<(Recipient, Opening), Error> {
    let opening = open(payload, t_f, r_f, context)?;
    if recipient.kept.iter().any(|kept| kept.n_f == opening.n_f) {
        return Err(Error::DuplicateMessage);
    }
    let mut next = recipient.clone();
    next.kept.push(opening.clone());
    Ok((next, opening))
}

impl Recipient {
    /// The report of the kept message whose commitment is `t_f` (unique: no two kept
    /// messages share an `N_F`); `State` if none is kept. One message, never more: a
    /// report reveals only what it reports.
    pub fn report(&self, t_f: &[u8; TAG_LEN]) -> Result<Report, Error> {
        self.kept
            .iter()
            .find(|o| commitment(&o.n_f, &o.m) == *t_f)
            .map(Report::from)
            .ok_or(Error::State)
    }
}

/// A report: everything the server needs to check it, and nothing of any other message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub m: Vec<u8>,
    pub n_f: [u8; FRANKING_KEY_LEN],
    pub r_f: [u8; TAG_LEN],
    pub context: Context,
}

impl From<&Opening> for Report {
    fn from(o: &Opening) -> Report {
        Report {
            m: o.m.clone(),
            n_f: o.n_f,
            r_f: o.r_f,
            context: o.context.clone(),
        }
    }
}

/// The server on a report: recompute `T_F` from `M` and `N_F`, then check `R_F` against it
/// and the context (constant time). `AuthFailure` if it does not verify (another message,
/// franking key, context or delivery), `Decode` if `M` is malformed. Returns the reported
/// message.
pub fn verify_report(k_fb: &[u8; FRANKING_KEY_LEN], report: &Report) -> Result<Message, Error> {
    let t_f = commitment(&report.n_f, &report.m);
    let tagged = [&t_f[..], &report.context.encode()?].concat();
    kdf::verify_hmac_sha256_truncated(k_fb, &tagged, &report.r_f)
        .map_err(|_| Error::AuthFailure)?;
    Message::decode(&report.m)
}

/// An attachment's plaintext from its ciphertext (fetched by digest): the digest must match
/// (`AuthFailure`), then AES-256-GCM with the descriptor's key and nonce, no associated data.
/// Recipient and server both open it this way, with the key `T_F` commits to: even under a
/// non-committing cipher, the report resolves to what the recipient was shown.
pub fn open_attachment(descriptor: &Attachment, ciphertext: &[u8]) -> Result<Vec<u8>, Error> {
    let digest: [u8; DIGEST_LEN] = Sha256::digest(ciphertext).into();
    if digest != descriptor.digest {
        return Err(Error::AuthFailure);
    }
    aes_gcm::open(&descriptor.key, &descriptor.nonce, &[], ciphertext)
        .map_err(|_| Error::AuthFailure)
}

/// The sender's side of an attachment: its ciphertext and descriptor.
pub fn seal_attachment(
    key: &[u8; ATTACHMENT_KEY_LEN],
    nonce: &[u8; ATTACHMENT_NONCE_LEN],
    plaintext: &[u8],
) -> (Vec<u8>, Attachment) {
    let ciphertext = aes_gcm::seal(key, nonce, &[], plaintext);
    let digest = Sha256::digest(&ciphertext).into();
    (
        ciphertext,
        Attachment {
            key: *key,
            nonce: *nonce,
            digest,
        },
    )
}
