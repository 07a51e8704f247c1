//! Franking's known answers (`franking/kat_franking.json`, issue 17): one message each,
//! franked by the sender, tagged by the server, opened by the recipient and reported, all
//! with the spec's `franking` functions (PROFILES.md §Franking). A negative case changes one
//! thing: the commitment delivered, the payload's layout, or one field of the report. The
//! server key is the file's; every other input comes from a seed named by the test id.

use super::{render, salamander, vector_file, Rng};
use crate::envelope::Verdict;
use crate::franking_reveals::reveals;
use crate::kat::{
    wrapping_server_tag, FrankingAttachment, FrankingDelivery, FrankingReport, FrankingTest, Group,
    FRANKING,
};
use e2ee_spec::franking::{self as fr, Attachment, Context, Message, Opening, Recipient, Report};
use e2ee_spec::Error;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// The server's `K_FB`: one platform, one key, for every delivery of the file.
fn k_fb() -> [u8; 32] {
    Rng::new(&[FRANKING, "franking", "K_FB"]).bytes()
}

fn seeded(tc_id: &str) -> Rng {
    Rng::new(&[FRANKING, "franking", tc_id])
}

/// 2025-12-06 05:46:40 UTC in milliseconds; each delivery adds up to a day from its seed,
/// so timestamps use six of their eight bytes.
const EPOCH_MS: u64 = 1_765_000_000_000;

fn context(sender: &[u8], recipient: &[u8], rng: &mut Rng) -> Context {
    Context {
        sender: sender.to_vec(),
        recipient: recipient.to_vec(),
        timestamp: EPOCH_MS + u64::from(rng.below(86_400_000)),
    }
}

fn text(t: &[u8]) -> Message {
    Message::Text(t.to_vec())
}

/// A text of `len` bytes: a pangram repeated.
fn filler(len: usize) -> Message {
    let pangram = b"Sphinx of black quartz, judge my vow. ";
    Message::Text(pangram.iter().copied().cycle().take(len).collect())
}

fn h(b: &[u8]) -> String {
    hex::encode(b)
}

/// One delivery: what the sender franked, the server tagged and the recipient kept.
struct Delivery {
    payload: Vec<u8>,
    t_f: [u8; 32],
    opening: Opening,
}

fn deliver(n_f: [u8; 32], message: &Message, context: &Context) -> Delivery {
    let (payload, t_f) = fr::frank(&n_f, message);
    let r_f = fr::server_tag(&k_fb(), &t_f, context).expect("names under 64 KiB encode");
    let opening = fr::open(&payload, &t_f, &r_f, context).expect("a franked message opens");
    Delivery {
        payload,
        t_f,
        opening,
    }
}

fn report_json(r: &Report) -> FrankingReport {
    FrankingReport {
        m: h(&r.m),
        n_f: h(&r.n_f),
        r_f: h(&r.r_f),
        sender: h(&r.context.sender),
        recipient: h(&r.context.recipient),
        timestamp: r.context.timestamp,
    }
}

impl Delivery {
    /// The valid test: the recipient's opening, reported, verifies and resolves to what it
    /// shows.
    fn valid(&self, tc_id: &str, flag: &str, comment: String) -> FrankingTest {
        let o = &self.opening;
        assert_eq!(
            fr::verify_report(&k_fb(), &Report::from(o)),
            Ok(o.message.clone()),
            "{tc_id}"
        );
        FrankingTest {
            tc_id: tc_id.into(),
            comment,
            flags: vec![flag.into()],
            n_f: h(&o.n_f),
            m: h(&o.m),
            sender: h(&o.context.sender),
            recipient: h(&o.context.recipient),
            timestamp: o.context.timestamp,
            k_fb: h(&k_fb()),
            payload: h(&self.payload),
            t_f: h(&self.t_f),
            context: Some(h(&o.context.encode().expect("encodes"))),
            r_f: h(&o.r_f),
            delivered_t_f: None,
            report: None,
            attachment: None,
            earlier: Vec::new(),
            result: Verdict::Valid,
            error: None,
        }
    }

    fn invalid(&self, tc_id: &str, flag: &str, comment: String, error: Error) -> FrankingTest {
        FrankingTest {
            result: Verdict::Invalid,
            error: Some(error.class().into()),
            ..self.valid(tc_id, flag, comment)
        }
    }

    /// The recipient is given `t_f` instead of the sender's commitment.
    fn delivered(&self, tc_id: &str, comment: String, t_f: [u8; 32]) -> FrankingTest {
        let o = &self.opening;
        assert_eq!(
            fr::open(&self.payload, &t_f, &o.r_f, &o.context),
            Err(Error::AuthFailure),
            "{tc_id}"
        );
        FrankingTest {
            delivered_t_f: Some(h(&t_f)),
            ..self.invalid(tc_id, "FrankingTagMismatch", comment, Error::AuthFailure)
        }
    }

    /// The recipient decrypts `payload` instead of the sender's (T_F and R_F unchanged).
    fn malformed(&self, tc_id: &str, comment: String, payload: &[u8]) -> FrankingTest {
        let o = &self.opening;
        assert_eq!(
            fr::open(payload, &self.t_f, &o.r_f, &o.context),
            Err(Error::Decode),
            "{tc_id}"
        );
        FrankingTest {
            payload: h(payload),
            ..self.invalid(tc_id, "MalformedFrankedPayload", comment, Error::Decode)
        }
    }

    /// The sender's layout around a malformed `m`, committed and tagged as the sender and
    /// server would: only parsing can refuse it.
    fn malformed_m(&self, tc_id: &str, comment: String, m: &[u8]) -> FrankingTest {
        let o = &self.opening;
        let t_f = fr::commitment(&o.n_f, m);
        let r_f = fr::server_tag(&k_fb(), &t_f, &o.context).expect("encodes");
        let payload = [&[fr::FRANKING_VERSION][..], &o.n_f, m].concat();
        assert_eq!(
            fr::open(&payload, &t_f, &r_f, &o.context),
            Err(Error::Decode),
            "{tc_id}"
        );
        FrankingTest {
            m: h(m),
            t_f: h(&t_f),
            r_f: h(&r_f),
            payload: h(&payload),
            ..self.invalid(tc_id, "MalformedFrankedPayload", comment, Error::Decode)
        }
    }

    /// The recipient's opening, changed by `change`, is reported: it must not verify.
    fn reported(
        &self,
        tc_id: &str,
        flag: &str,
        comment: String,
        change: impl FnOnce(&mut Report),
    ) -> FrankingTest {
        self.reported_as(tc_id, flag, comment, change, Error::AuthFailure)
    }

    /// As [`Delivery::reported`], refused with `error`.
    fn reported_as(
        &self,
        tc_id: &str,
        flag: &str,
        comment: String,
        change: impl FnOnce(&mut Report),
        error: Error,
    ) -> FrankingTest {
        let mut report = Report::from(&self.opening);
        change(&mut report);
        assert_eq!(fr::verify_report(&k_fb(), &report), Err(error), "{tc_id}");
        FrankingTest {
            report: Some(report_json(&report)),
            ..self.invalid(tc_id, flag, comment, error)
        }
    }

    /// This delivery as one the recipient got before a test's own, given `t_f` with it.
    fn earlier(&self, t_f: [u8; 32], error: Option<Error>) -> FrankingDelivery {
        let o = &self.opening;
        FrankingDelivery {
            payload: h(&self.payload),
            t_f: h(&t_f),
            r_f: h(&o.r_f),
            sender: h(&o.context.sender),
            recipient: h(&o.context.recipient),
            timestamp: o.context.timestamp,
            error: error.map(|e| e.class().into()),
        }
    }
}

/// `test` (the delivery `last`), after the recipient was given `earlier` in order, each
/// opening or refused as `test.earlier` says: the recipient's state it meets, and each
/// outcome, as the spec's recipient has them.
fn after(
    earlier: &[(&Delivery, [u8; 32])],
    last: &Delivery,
    mut test: FrankingTest,
) -> FrankingTest {
    let mut recipient = Recipient::default();
    for (d, t_f) in earlier {
        let o = &d.opening;
        match fr::receive(&recipient, &d.payload, t_f, &o.r_f, &o.context) {
            Ok((next, _)) => {
                recipient = next;
                test.earlier.push(d.earlier(*t_f, None));
            }
            Err(e) => test.earlier.push(d.earlier(*t_f, Some(e))),
        }
    }
    let o = &last.opening;
    let received = fr::receive(&recipient, &last.payload, &last.t_f, &o.r_f, &o.context);
    match (&received, &test.error) {
        (Ok((next, _)), None) => {
            let report = next.report(&last.t_f).expect("kept");
            for other in &recipient.kept {
                assert_eq!(reveals(&report, other), None, "{}", test.tc_id);
            }
        }
        (Err(e), Some(want)) => assert_eq!(e.class(), want, "{}", test.tc_id),
        _ => panic!("{}: {received:?}, expected {:?}", test.tc_id, test.error),
    }
    test
}

/// A test's delivery of `message` from alice to bob, with a fresh N_F.
fn alice_to_bob(tc_id: &str, message: &Message) -> (Delivery, Rng) {
    let mut rng = seeded(tc_id);
    let n_f = rng.bytes();
    let ctx = context(b"alice", b"bob", &mut rng);
    (deliver(n_f, message, &ctx), rng)
}

fn texts() -> Vec<FrankingTest> {
    let mut out = Vec::new();
    let id = "franking.text.short";
    let (d, _) = alice_to_bob(id, &text(b"see you at noon"));
    out.push(d.valid(
        id,
        "FrankedMessage",
        "a short text from alice to bob".into(),
    ));
    // M = kind ‖ text: HMAC-SHA256 pads its inner hash's message (64-byte ipad block ‖ M)
    // to a block, with a second padding block from 56 bytes of M on.
    for (name, len, why) in [
        ("empty", 0, "an empty text: M is the kind byte alone"),
        (
            "m_55_bytes",
            54,
            "M of 55 bytes: the inner hash's last padding fits one block",
        ),
        (
            "m_56_bytes",
            55,
            "M of 56 bytes: the inner hash needs a second padding block",
        ),
        ("m_64_bytes", 63, "M of 64 bytes: exactly one block"),
        ("long", 2048, "a long text: 2048 bytes"),
    ] {
        let id = format!("franking.text.{name}");
        let (d, _) = alice_to_bob(&id, &filler(len));
        out.push(d.valid(&id, "FrankedTextSizes", why.into()));
    }
    let id = "franking.text.unicode";
    let unicode = "Grüße aus Zürich 👋 — 你好，世界; ok?".as_bytes();
    let (d, _) = alice_to_bob(id, &text(unicode));
    out.push(d.valid(
        id,
        "FrankedTextSizes",
        format!(
            "non-ASCII UTF-8 ({} bytes: Latin-1, CJK, an emoji): M carries the bytes as sent",
            unicode.len()
        ),
    ));
    let id = "franking.context.empty_sender";
    let mut rng = seeded(id);
    let n_f = rng.bytes();
    let ctx = context(b"", b"bob", &mut rng);
    out.push(deliver(n_f, &text(b"who is this?"), &ctx).valid(
        id,
        "EmptyName",
        "an empty sender name: context u16(0) ‖ u16(3) ‖ \"bob\" ‖ u64(timestamp)".into(),
    ));
    let id = "franking.context.long_names";
    let mut rng = seeded(id);
    let n_f = rng.bytes();
    let ctx = context(&[b'a'; 300], &[b'b'; 256], &mut rng);
    out.push(deliver(n_f, &text(b"long names"), &ctx).valid(
        id,
        "LongName",
        "a 300-byte sender and a 256-byte recipient: length prefixes 01 2c and 01 00".into(),
    ));
    out
}

fn attachments() -> Vec<FrankingTest> {
    let id = "franking.attachment.caption";
    let mut rng = seeded(id);
    let (n_f, key, nonce) = (rng.bytes(), rng.bytes(), rng.bytes());
    let plaintext = [&b"\x89PNG\r\n\x1a\n"[..], &rng.vec(120)].concat();
    let (ciphertext, descriptor) = fr::seal_attachment(&key, &nonce, &plaintext);
    let ctx = context(b"alice", b"bob", &mut rng);
    let message = Message::Attachment {
        descriptor,
        caption: b"Photos from Saturday".to_vec(),
    };
    let d = deliver(n_f, &message, &ctx);
    let captioned = FrankingTest {
        attachment: Some(FrankingAttachment {
            ciphertext: h(&ciphertext),
            plaintext: Some(h(&plaintext)),
        }),
        ..d.valid(
            id,
            "FrankedAttachment",
            "an attachment (a PNG signature and 120 random bytes, AES-256-GCM) with a caption"
                .into(),
        )
    };
    // Another picture under the same key and nonce opens under M's key: only the digest
    // M commits to tells it from the one sent.
    let id = "franking.attachment.digest_mismatch";
    let mut rng = seeded(id);
    let (n_f, key, nonce) = (rng.bytes(), rng.bytes(), rng.bytes());
    let sent = [&b"\x89PNG\r\n\x1a\n"[..], &rng.vec(120)].concat();
    let swapped = [&b"\x89PNG\r\n\x1a\n"[..], &rng.vec(120)].concat();
    let (_, descriptor) = fr::seal_attachment(&key, &nonce, &sent);
    let (other, _) = fr::seal_attachment(&key, &nonce, &swapped);
    assert_eq!(
        e2ee_spec::crypto::aes_gcm::open(&key, &nonce, &[], &other),
        Ok(swapped)
    );
    assert_eq!(
        fr::open_attachment(&descriptor, &other),
        Err(Error::AuthFailure)
    );
    let ctx = context(b"mallory", b"bob", &mut rng);
    let message = Message::Attachment {
        descriptor,
        caption: b"Photos from Saturday".to_vec(),
    };
    let d = deliver(n_f, &message, &ctx);
    let mismatch = FrankingTest {
        attachment: Some(FrankingAttachment {
            ciphertext: h(&other),
            plaintext: None,
        }),
        ..d.invalid(
            id,
            "AttachmentDigestMismatch",
            "the ciphertext fetched is another picture sealed under the same key and nonce: it \
             opens under M's key, but its SHA-256 is not the digest M commits to"
                .into(),
            Error::AuthFailure,
        )
    };
    vec![captioned, mismatch]
}

/// The AES-256-GCM ciphertext of `kat_committing_aead.json` that opens under two keys, sent
/// with key2 from mallory to bob: valid, and its report with key1 swapped into M.
fn salamander() -> Vec<FrankingTest> {
    let pair = salamander::aes_gcm_attachment();
    let b = |s: &str| hex::decode(s).expect("hex");
    let key = |s: &str| -> [u8; 32] { b(s).try_into().expect("32 bytes") };
    let (key1, key2, ct) = (key(&pair.key1), key(&pair.key2), b(&pair.ct));
    let descriptor = |key| Attachment {
        key,
        nonce: b(&pair.nonce).try_into().expect("12 bytes"),
        digest: Sha256::digest(&ct).into(),
    };
    let pt2 = b(pair.pt2.as_deref().expect("a valid collision"));
    assert_eq!(
        fr::open_attachment(&descriptor(key1), &ct),
        Ok(b(&pair.pt1))
    );
    assert_eq!(fr::open_attachment(&descriptor(key2), &ct), Ok(pt2.clone()));
    let attachment = FrankingAttachment {
        ciphertext: pair.ct.clone(),
        plaintext: Some(h(&pt2)),
    };
    let deliver_key2 = |id: &str| {
        let mut rng = seeded(id);
        let n_f = rng.bytes();
        let ctx = context(b"mallory", b"bob", &mut rng);
        let message = Message::Attachment {
            descriptor: descriptor(key2),
            caption: Vec::new(),
        };
        deliver(n_f, &message, &ctx)
    };
    let id = "franking.salamander.sent_with_key2";
    let valid = FrankingTest {
        attachment: Some(attachment.clone()),
        ..deliver_key2(id).valid(
            id,
            "SalamanderAttachment",
            format!(
                "{}'s ciphertext (a JPEG start under key1, a PDF start under key2), no \
                 caption, sent with key2: bob is shown pt2, and the report resolves to pt2",
                pair.tc_id
            ),
        )
    };
    let id = "franking.salamander.key1_swapped";
    let key1_m = Message::Attachment {
        descriptor: descriptor(key1),
        caption: Vec::new(),
    }
    .encode();
    let swapped = FrankingTest {
        attachment: Some(attachment),
        ..deliver_key2(id).reported(
            id,
            "ReportSwappedAttachmentKey",
            format!(
                "{}'s ciphertext sent with key2 (bob is shown pt2), reported with key1 in M's \
                 descriptor, under which the ciphertext opens to pt1: T_F commits to key2",
                pair.tc_id
            ),
            |r| r.m = key1_m,
        )
    };
    vec![valid, swapped]
}

fn refused_at_receipt() -> Vec<FrankingTest> {
    let base = text(b"Meet me at the station at six.");
    let mut out = Vec::new();
    let id = "franking.receive.tag_bit_flipped";
    let (d, _) = alice_to_bob(id, &base);
    let mut t_f = d.t_f;
    t_f[31] ^= 0x01;
    out.push(d.delivered(id, "T_F with its last bit flipped in transit".into(), t_f));
    let id = "franking.receive.tag_of_other_message";
    let (d, _) = alice_to_bob(id, &base);
    let other = text(b"Happy birthday!").encode();
    let t_f = fr::commitment(&d.opening.n_f, &other);
    out.push(d.delivered(
        id,
        "the sender committed to another message (\"Happy birthday!\", same N_F) than it encrypted".into(),
        t_f,
    ));
    let id = "franking.receive.tag_other_franking_key";
    let (d, mut rng) = alice_to_bob(id, &base);
    let t_f = fr::commitment(&rng.bytes(), &d.opening.m);
    out.push(d.delivered(
        id,
        "T_F of the same M under another franking key than the N_F in the payload".into(),
        t_f,
    ));
    let id = "franking.payload.version_00";
    let (d, _) = alice_to_bob(id, &base);
    let mut p = d.payload.clone();
    p[0] = 0x00;
    out.push(d.malformed(id, "version byte 0x00 instead of 0x01".into(), &p));
    let id = "franking.payload.version_02";
    let (d, _) = alice_to_bob(id, &base);
    let mut p = d.payload.clone();
    p[0] = 0x02;
    out.push(d.malformed(id, "version byte 0x02 instead of 0x01".into(), &p));
    let id = "franking.payload.empty";
    let (d, _) = alice_to_bob(id, &base);
    out.push(d.malformed(id, "an empty payload".into(), &[]));
    let id = "franking.payload.truncated_franking_key";
    let (d, _) = alice_to_bob(id, &base);
    let p = d.payload[..32].to_vec();
    out.push(d.malformed(
        id,
        "the payload cut to 32 bytes: the version and 31 bytes of N_F".into(),
        &p,
    ));
    let id = "franking.payload.no_kind";
    let (d, _) = alice_to_bob(id, &base);
    out.push(d.malformed_m(
        id,
        "version ‖ N_F and nothing after: M is empty, without a kind byte (T_F = HMAC(N_F, \"\"))".into(),
        &[],
    ));
    let id = "franking.payload.unknown_kind";
    let (d, _) = alice_to_bob(id, &base);
    let m = [&[0x02][..], b"Meet me at the station at six."].concat();
    out.push(d.malformed_m(id, "M of kind 0x02, which no layout defines".into(), &m));
    let id = "franking.payload.short_descriptor";
    let (d, mut rng) = alice_to_bob(id, &base);
    let (_, descriptor) = fr::seal_attachment(&rng.bytes(), &rng.bytes(), b"picture");
    let m = Message::Attachment {
        descriptor,
        caption: Vec::new(),
    }
    .encode();
    out.push(d.malformed_m(
        id,
        "an attachment M cut to 76 bytes: a descriptor of 75 bytes, one short of key ‖ nonce ‖ digest".into(),
        &m[..76],
    ));
    out
}

fn refused_reports() -> Vec<FrankingTest> {
    let base = text(b"Meet me at the station at six.");
    let mut out = Vec::new();
    let id = "franking.report.changed_message";
    let (d, _) = alice_to_bob(id, &base);
    let m = text(b"Meet me at the station at nine.").encode();
    out.push(d.reported(
        id,
        "ReportChangedMessage",
        "reported as \"Meet me at the station at nine.\" with the delivery's N_F and R_F".into(),
        |r| r.m = m,
    ));
    let id = "franking.report.other_franking_key";
    let (d, mut rng) = alice_to_bob(id, &base);
    let other = deliver(rng.bytes(), &text(b"ok"), &d.opening.context);
    out.push(d.reported(
        id,
        "ReportOtherFrankingKey",
        "reported with the N_F of another message alice sent bob (\"ok\")".into(),
        |r| r.n_f = other.opening.n_f,
    ));
    for (name, what, change) in [
        (
            "changed_sender",
            "the sender changed to \"mallory\"",
            (|r: &mut Report| r.context.sender = b"mallory".to_vec()) as fn(&mut Report),
        ),
        (
            "changed_recipient",
            "the recipient changed to \"carol\"",
            |r| r.context.recipient = b"carol".to_vec(),
        ),
        (
            "changed_timestamp",
            "the timestamp one millisecond later",
            |r| r.context.timestamp += 1,
        ),
    ] {
        let id = format!("franking.report.{name}");
        let (d, _) = alice_to_bob(&id, &base);
        out.push(d.reported(
            &id,
            "ReportChangedContext",
            format!("reported with {what}"),
            change,
        ));
    }
    let id = "franking.report.other_delivery";
    let (d, _) = alice_to_bob(id, &base);
    let carol = Context {
        recipient: b"carol".to_vec(),
        ..d.opening.context.clone()
    };
    let carol_r_f = fr::server_tag(&k_fb(), &d.t_f, &carol).expect("encodes");
    out.push(d.reported(
        id,
        "ReportOtherDelivery",
        "the same message (same N_F, T_F) also delivered to carol at the same time; bob's report carries carol's R_F".into(),
        |r| r.r_f = carol_r_f,
    ));
    let id = "franking.report.ambiguous_context";
    let (d, _) = alice_to_bob(id, &base);
    let moved = Context {
        sender: b"alic".to_vec(),
        recipient: b"ebob".to_vec(),
        ..d.opening.context.clone()
    };
    assert_eq!(
        [&moved.sender[..], &moved.recipient].concat(),
        [&d.opening.context.sender[..], &d.opening.context.recipient].concat()
    );
    out.push(d.reported(
        id,
        "AmbiguousContext",
        "delivered from \"alice\" to \"bob\", reported as from \"alic\" to \"ebob\" with its R_F: the names concatenate alike, their length-prefixed encodings differ".into(),
        |r| r.context = moved,
    ));
    let id = "franking.report.other_server_key";
    let (d, mut rng) = alice_to_bob(id, &base);
    let other_k_fb: [u8; 32] = rng.bytes();
    let r_f = fr::server_tag(&other_k_fb, &d.t_f, &d.opening.context).expect("encodes");
    out.push(d.reported(
        id,
        "ReportOtherServerKey",
        format!(
            "R_F made under another server key ({}) than kFb",
            h(&other_k_fb)
        ),
        |r| r.r_f = r_f,
    ));
    out
}

/// Names at the u16 length prefix's limit: the longest that encodes, and one byte more, which
/// the recipient and the server must refuse rather than wrap or cut.
fn names() -> Vec<FrankingTest> {
    let mut out = Vec::new();
    let id = "franking.context.sender_65535_bytes";
    let mut rng = seeded(id);
    let n_f = rng.bytes();
    let ctx = context(&[b's'; 65_535], b"bob", &mut rng);
    out.push(deliver(n_f, &text(b"a long name"), &ctx).valid(
        id,
        "LongestName",
        "a 65,535-byte sender, the longest a u16 length prefix holds (ff ff)".into(),
    ));
    let id = "franking.context.sender_65536_bytes";
    let mut rng = seeded(id);
    let n_f = rng.bytes();
    let ctx = context(&[b's'; 65_536], b"bob", &mut rng);
    let (payload, t_f) = fr::frank(&n_f, &text(b"a long name"));
    let r_f = wrapping_server_tag(&k_fb(), &t_f, &ctx);
    assert_eq!(fr::server_tag(&k_fb(), &t_f, &ctx), Err(Error::Decode));
    assert_eq!(fr::open(&payload, &t_f, &r_f, &ctx), Err(Error::Decode));
    out.push(FrankingTest {
        tc_id: id.into(),
        comment: "a 65,536-byte sender, which no u16 length prefix holds: the recipient refuses \
                  it; rF is what a server that wraps the length (to 00 00) makes"
            .into(),
        flags: vec!["OversizedName".into()],
        n_f: h(&n_f),
        m: h(&text(b"a long name").encode()),
        sender: h(&ctx.sender),
        recipient: h(&ctx.recipient),
        timestamp: ctx.timestamp,
        k_fb: h(&k_fb()),
        payload: h(&payload),
        t_f: h(&t_f),
        context: None,
        r_f: h(&r_f),
        delivered_t_f: None,
        report: None,
        attachment: None,
        earlier: Vec::new(),
        result: Verdict::Invalid,
        error: Some(Error::Decode.class().into()),
    });
    let id = "franking.report.recipient_65536_bytes";
    let (d, _) = alice_to_bob(id, &text(b"Meet me at the station at six."));
    let t_f = d.t_f;
    out.push(
        d.reported_as(
            id,
            "OversizedName",
            "reported as delivered to a 65,536-byte recipient (\"bob\" and 65,533 more bytes), \
         with the rF a server that wraps the length (to 00 03, bob's) makes for it"
                .into(),
            |r| {
                r.context.recipient = [&b"bob"[..], &[b'b'; 65_533]].concat();
                r.r_f = wrapping_server_tag(&k_fb(), &t_f, &r.context);
            },
            Error::Decode,
        ),
    );
    out
}

/// The recipient's state: a franking key it kept refuses a second message, a refusal keeps
/// nothing, and the report of one of two kept messages reveals nothing of the other.
fn stateful() -> Vec<FrankingTest> {
    let mut out = Vec::new();
    let id = "franking.receive.franking_key_reused";
    let (first, mut rng) = alice_to_bob(id, &text(b"See you at noon."));
    let later = context(b"alice", b"bob", &mut rng);
    let second = deliver(first.opening.n_f, &text(b"Bring the papers."), &later);
    out.push(after(
        &[(&first, first.t_f)],
        &second,
        second.invalid(
            id,
            "FrankingKeyReused",
            "alice franks a second message (\"Bring the papers.\") with the N_F of the first, \
             which bob opened"
                .into(),
            Error::DuplicateMessage,
        ),
    ));
    let id = "franking.receive.delivery_replayed";
    let (first, _) = alice_to_bob(id, &text(b"See you at noon."));
    let later = Context {
        timestamp: first.opening.context.timestamp + 60_000,
        ..first.opening.context.clone()
    };
    let again = deliver(first.opening.n_f, &first.opening.message, &later);
    assert_eq!((&again.payload, again.t_f), (&first.payload, first.t_f));
    out.push(after(
        &[(&first, first.t_f)],
        &again,
        again.invalid(
            id,
            "FrankingKeyReused",
            "the payload and T_F bob opened, delivered again a minute later under a fresh R_F"
                .into(),
            Error::DuplicateMessage,
        ),
    ));
    let id = "franking.receive.after_refusal";
    let (d, _) = alice_to_bob(id, &text(b"See you at noon."));
    let mut flipped = d.t_f;
    flipped[0] ^= 0x80;
    out.push(after(
        &[(&d, flipped)],
        &d,
        d.valid(
            id,
            "RefusalKeepsNothing",
            "the same payload first delivered with a T_F whose first bit is flipped \
             (auth_failure): the refusal kept nothing, so the genuine delivery opens"
                .into(),
        ),
    ));
    let id = "franking.report.one_of_two";
    let mut rng = seeded(id);
    let (n_f, key, nonce) = (rng.bytes(), rng.bytes(), rng.bytes());
    let (_, descriptor) = fr::seal_attachment(&key, &nonce, &rng.vec(64));
    let ctx = context(b"alice", b"bob", &mut rng);
    let picture = deliver(
        n_f,
        &Message::Attachment {
            descriptor,
            caption: b"Do you recognise this place?".to_vec(),
        },
        &ctx,
    );
    let ctx = context(b"alice", b"bob", &mut rng);
    let reply = deliver(rng.bytes(), &text(b"Meet me there at six."), &ctx);
    out.push(after(
        &[(&picture, picture.t_f)],
        &reply,
        reply.valid(
            id,
            "ReportRevealsOnlyItsMessage",
            "bob opened an attachment from alice, then a text; the report of the text carries \
             nothing of the attachment (its N_F, M, key or R_F), and its N_F does not open the \
             attachment's commitment"
                .into(),
        ),
    ));
    out
}

/// `franking/kat_franking.json`.
pub fn file() -> (PathBuf, String) {
    let mut tests = texts();
    tests.extend(attachments());
    tests.extend(salamander());
    tests.extend(refused_at_receipt());
    tests.extend(refused_reports());
    tests.extend(names());
    tests.extend(stateful());
    let groups = vec![Group {
        group_type: "FrankingTest".into(),
        info: None,
        tests,
    }];
    let file = vector_file(
        "MessageFranking",
        FRANKING,
        "franking.schema.json",
        &[
            "Message franking (Facebook, Messenger Secret Conversations whitepaper; Grubbs-Lu-Ristenpart, CRYPTO 2017), byte layouts in spec/PROFILES.md \"Franking\".",
            "The sender draws nF and franks M = kind ‖ body: payload = 0x01 ‖ nF ‖ M (the 1:1 session's plaintext) and tF = HMAC-SHA256(nF, M). The server tags the delivery: context = u16(len) ‖ sender ‖ u16(len) ‖ recipient ‖ u64(timestamp ms), big-endian, and rF = HMAC-SHA256(kFb, tF ‖ context).",
            "The recipient decrypts payload, recomputes tF and keeps (M, nF, rF, context); a report reveals those four and the server recomputes tF and checks rF. An attachment's M carries its AES-256-GCM key, nonce and ciphertext digest, so tF commits to the key.",
            "payload, tF, context and rF are derived from the inputs (payload except in decode_error tests at receipt whose names encode, where it is the malformed one decrypted; context is absent where a name is over 65,535 bytes, and rF is then what a server that wraps the u16 length makes). deliveredTF: the recipient is given it instead of tF and must refuse. report: the server checks it instead of the recipient's report. attachment: the plaintext the recipient is shown and a verified report resolves to (absent: the ciphertext must be refused). earlier: what the recipient was delivered before, in order, each opened and kept or refused with its error; a message under the nF of a kept one is refused (duplicate_message), and the report of this one reveals nothing of the kept ones.",
            "Built by vectors/src/generate/franking.rs (see vectors/README.md, \"Franking / committing encryption\").",
        ],
        groups,
    );
    (
        PathBuf::from(FRANKING).join("kat_franking.json"),
        render(&file),
    )
}
