//! Message franking (`spec/src/franking.rs`): a franked message opens, its report verifies
//! and resolves to what the recipient was shown, and each way of reporting something else
//! (another message, franking key, context or delivery; a commitment that does not match;
//! an attachment key swapped for a second opening of the same ciphertext) is refused.

use e2ee_spec::crypto::kdf::hmac_sha256;
use e2ee_spec::franking::*;
use e2ee_spec::Error;

const K_FB: [u8; 32] = [0xfb; 32];

fn context(sender: &str, recipient: &str, timestamp: u64) -> Context {
    Context {
        sender: sender.into(),
        recipient: recipient.into(),
        timestamp,
    }
}

/// Sender franks, server tags, recipient opens: the recipient's opening.
fn deliver(n_f: [u8; 32], message: &Message, ctx: &Context) -> Opening {
    let (payload, t_f) = frank(&n_f, message);
    let r_f = server_tag(&K_FB, &t_f, ctx).expect("context encodes");
    open(&payload, &t_f, &r_f, ctx).expect("a franked message opens")
}

#[test]
fn a_franked_message_opens_and_its_report_verifies() {
    let message = Message::Text(b"see you at noon".to_vec());
    let ctx = context("alice", "bob", 1_765_000_000_000);
    let (payload, t_f) = frank(&[7; 32], &message);
    // The layout, from its definition: version ‖ N_F ‖ kind ‖ text; T_F = HMAC(N_F, M).
    assert_eq!(
        payload,
        [&[1u8][..], &[7; 32], &[0], b"see you at noon"].concat()
    );
    assert_eq!(t_f, hmac_sha256(&[7; 32], &payload[33..]));
    let opening = deliver([7; 32], &message, &ctx);
    assert_eq!(opening.message, message);
    assert_eq!(verify_report(&K_FB, &Report::from(&opening)), Ok(message));
}

#[test]
fn the_recipient_refuses_a_commitment_that_does_not_match() {
    let message = Message::Text(b"hello".to_vec());
    let ctx = context("alice", "bob", 1);
    let (payload, t_f) = frank(&[7; 32], &message);
    let r_f = server_tag(&K_FB, &t_f, &ctx).unwrap();
    let mut other_t_f = t_f;
    other_t_f[31] ^= 1;
    assert_eq!(
        open(&payload, &other_t_f, &r_f, &ctx),
        Err(Error::AuthFailure)
    );
    // The sender committed to one text and encrypted another.
    let (_, t_other) = frank(&[7; 32], &Message::Text(b"hellO".to_vec()));
    assert_eq!(
        open(&payload, &t_other, &r_f, &ctx),
        Err(Error::AuthFailure)
    );
    // Malformed payloads.
    assert_eq!(open(&payload[..32], &t_f, &r_f, &ctx), Err(Error::Decode));
    let mut v2 = payload.clone();
    v2[0] = 2;
    assert_eq!(open(&v2, &t_f, &r_f, &ctx), Err(Error::Decode));
    let mut kind = payload.clone();
    kind[33] = 9;
    assert_eq!(open(&kind, &t_f, &r_f, &ctx), Err(Error::Decode));
}

#[test]
fn a_report_of_anything_else_is_refused() {
    let ctx = context("alice", "bob", 1_000);
    let first = deliver([1; 32], &Message::Text(b"first".to_vec()), &ctx);
    let second = deliver([2; 32], &Message::Text(b"second".to_vec()), &ctx);
    let report = Report::from(&first);
    let changed = |f: &dyn Fn(&mut Report)| {
        let mut r = report.clone();
        f(&mut r);
        verify_report(&K_FB, &r)
    };
    assert_eq!(
        changed(&|r| r.m = b"\x00firsT".to_vec()),
        Err(Error::AuthFailure)
    );
    assert_eq!(changed(&|r| r.n_f = second.n_f), Err(Error::AuthFailure));
    assert_eq!(changed(&|r| r.r_f = second.r_f), Err(Error::AuthFailure));
    assert_eq!(
        changed(&|r| r.context.timestamp = 1_001),
        Err(Error::AuthFailure)
    );
    assert_eq!(
        changed(&|r| r.context = context("mallory", "bob", 1_000)),
        Err(Error::AuthFailure)
    );
    // Another server key: a report verifies only where it was tagged.
    assert_eq!(verify_report(&[0; 32], &report), Err(Error::AuthFailure));
}

#[test]
fn the_context_encoding_is_injective() {
    // Without the length prefixes "alice"‖"bob" and "alic"‖"ebob" would be the same bytes,
    // and a tag for one delivery a tag for the other.
    let a = context("alice", "bob", 5);
    let b = context("alic", "ebob", 5);
    assert_ne!(a.encode().unwrap(), b.encode().unwrap());
    let opening = deliver([3; 32], &Message::Text(b"x".to_vec()), &a);
    let mut moved = Report::from(&opening);
    moved.context = b;
    assert_eq!(verify_report(&K_FB, &moved), Err(Error::AuthFailure));
    assert_eq!(
        a.encode().unwrap(),
        [&[0, 5][..], b"alice", &[0, 3], b"bob", &5u64.to_be_bytes()].concat()
    );
    let long = context(&"x".repeat(65_536), "bob", 5);
    assert_eq!(long.encode(), Err(Error::Decode));
}

/// key1, key2, nonce, ciphertext, pt1, pt2.
type TwoKeyCiphertext = ([u8; 32], [u8; 32], [u8; 12], Vec<u8>, Vec<u8>, Vec<u8>);

/// The committing-encryption vector: one AES-256-GCM ciphertext that opens under two keys.
fn salamander() -> TwoKeyCiphertext {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vectors/data/franking/kat_committing_aead.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("committing vectors")).unwrap();
    let t = v["testGroups"][0]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["aead"] == "AES-256-GCM")
        .expect("a GCM case")
        .clone();
    let h = |k: &str| hex::decode(t[k].as_str().unwrap()).unwrap();
    (
        h("key1").try_into().unwrap(),
        h("key2").try_into().unwrap(),
        h("nonce").try_into().unwrap(),
        h("ct"),
        h("pt1"),
        h("pt2"),
    )
}

#[test]
fn a_salamander_attachment_reports_as_what_was_shown() {
    let (key1, key2, nonce, ct, pt1, pt2) = salamander();
    let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(&ct).into();
    let descriptor = |key| Attachment { key, nonce, digest };
    // The cipher does not commit: the same ciphertext opens under both keys.
    assert_eq!(open_attachment(&descriptor(key1), &ct), Ok(pt1.clone()));
    assert_eq!(open_attachment(&descriptor(key2), &ct), Ok(pt2.clone()));
    // The sender sends it with key2; the recipient sees pt2 and reports it.
    let message = Message::Attachment {
        descriptor: descriptor(key2),
        caption: b"look".to_vec(),
    };
    let ctx = context("mallory", "bob", 9);
    let opening = deliver([4; 32], &message, &ctx);
    let Message::Attachment {
        descriptor: shown, ..
    } = &opening.message
    else {
        panic!("an attachment")
    };
    assert_eq!(open_attachment(shown, &ct), Ok(pt2.clone()));
    // The report resolves to pt2: T_F commits to the key, so it cannot be swapped for key1.
    let reported = verify_report(&K_FB, &Report::from(&opening)).expect("verifies");
    let Message::Attachment { descriptor: d, .. } = reported else {
        panic!("an attachment")
    };
    assert_eq!(open_attachment(&d, &ct), Ok(pt2));
    let mut swapped = Report::from(&opening);
    swapped.m[1..33].copy_from_slice(&key1);
    assert_eq!(verify_report(&K_FB, &swapped), Err(Error::AuthFailure));
    // A ciphertext other than the one committed to is refused before decryption.
    let mut other = ct.clone();
    other[0] ^= 1;
    assert_eq!(
        open_attachment(&descriptor(key2), &other),
        Err(Error::AuthFailure)
    );
}

#[test]
fn attachments_round_trip() {
    let (ct, d) = seal_attachment(&[5; 32], &[6; 12], b"picture");
    assert_eq!(open_attachment(&d, &ct), Ok(b"picture".to_vec()));
    let m = Message::Attachment {
        descriptor: d,
        caption: Vec::new(),
    };
    assert_eq!(Message::decode(&m.encode()), Ok(m.clone()));
    assert_eq!(Message::decode(&m.encode()[..76]), Err(Error::Decode));
}

/// What the server delivers: the payload, T_F and R_F of `message` under `n_f` in `ctx`.
fn delivery(n_f: [u8; 32], message: &Message, ctx: &Context) -> (Vec<u8>, [u8; 32], [u8; 32]) {
    let (payload, t_f) = frank(&n_f, message);
    let r_f = server_tag(&K_FB, &t_f, ctx).expect("context encodes");
    (payload, t_f, r_f)
}

#[test]
fn a_recipient_refuses_a_franking_key_it_has_kept() {
    let ctx = context("alice", "bob", 10);
    let (p1, t1, r1) = delivery([1; 32], &Message::Text(b"first".to_vec()), &ctx);
    let (bob, first) = receive(&Recipient::default(), &p1, &t1, &r1, &ctx).expect("opens");
    assert_eq!(bob.kept, vec![first.clone()]);
    // The sender franks another message under the same key.
    let (p2, t2, r2) = delivery([1; 32], &Message::Text(b"second".to_vec()), &ctx);
    assert_eq!(
        receive(&bob, &p2, &t2, &r2, &ctx),
        Err(Error::DuplicateMessage)
    );
    // The first delivery again, tagged afresh for a later timestamp.
    let later = context("alice", "bob", 11);
    let r_later = server_tag(&K_FB, &t1, &later).unwrap();
    assert_eq!(
        receive(&bob, &p1, &t1, &r_later, &later),
        Err(Error::DuplicateMessage)
    );
    // A commitment that does not verify is refused as such, before the key is looked at.
    let mut bad = t2;
    bad[0] ^= 1;
    assert_eq!(receive(&bob, &p2, &bad, &r2, &ctx), Err(Error::AuthFailure));
    // Another key opens, and both openings are kept, in order.
    let (p3, t3, r3) = delivery([3; 32], &Message::Text(b"third".to_vec()), &ctx);
    let (bob, third) = receive(&bob, &p3, &t3, &r3, &ctx).expect("a fresh key opens");
    assert_eq!(bob.kept, vec![first, third]);
}

#[test]
fn a_refused_message_keeps_nothing() {
    let ctx = context("alice", "bob", 10);
    let (payload, t_f, r_f) = delivery([1; 32], &Message::Text(b"hi".to_vec()), &ctx);
    let mut flipped = t_f;
    flipped[31] ^= 1;
    let bob = Recipient::default();
    assert_eq!(
        receive(&bob, &payload, &flipped, &r_f, &ctx),
        Err(Error::AuthFailure)
    );
    // The refusal did not take the key: the genuine delivery still opens.
    let (bob, opening) = receive(&bob, &payload, &t_f, &r_f, &ctx).expect("opens");
    assert_eq!(bob.kept, vec![opening]);
}

#[test]
fn a_report_is_of_one_kept_message_and_reveals_no_other() {
    let ctx = context("alice", "bob", 10);
    let text = Message::Text(b"meet me at six".to_vec());
    let (ct, descriptor) = seal_attachment(&[5; 32], &[6; 12], b"a picture");
    let picture = Message::Attachment {
        descriptor: descriptor.clone(),
        caption: b"from Saturday".to_vec(),
    };
    let (p1, t1, r1) = delivery([1; 32], &text, &ctx);
    let (p2, t2, r2) = delivery([2; 32], &picture, &ctx);
    let (bob, one) = receive(&Recipient::default(), &p1, &t1, &r1, &ctx).unwrap();
    let (bob, two) = receive(&bob, &p2, &t2, &r2, &ctx).unwrap();
    let report = bob.report(&t1).expect("kept");
    assert_eq!(report, Report::from(&one));
    assert_eq!(verify_report(&K_FB, &report), Ok(text));
    assert_eq!(bob.report(&t2), Ok(Report::from(&two)));
    assert_eq!(bob.report(&[0; 32]), Err(Error::State));
    // Nothing of the picture is in the text's report: not its franking key, its message,
    // its attachment key or its server tag.
    let bytes = [
        &report.m[..],
        &report.n_f,
        &report.r_f,
        &ctx.encode().unwrap(),
    ]
    .concat();
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(&two.n_f) && !contains(&two.m) && !contains(&two.r_f));
    assert!(!contains(&descriptor.key));
    // And the report's key does not open the picture's commitment: the server cannot test
    // a guess of it, nor make the picture's report out of this one.
    assert_ne!(commitment(&report.n_f, &two.m), t2);
    let moved = Report {
        m: two.m.clone(),
        ..report.clone()
    };
    assert_eq!(verify_report(&K_FB, &moved), Err(Error::AuthFailure));
    assert_eq!(open_attachment(&descriptor, &ct), Ok(b"a picture".to_vec()));
}

#[test]
fn names_encode_up_to_65535_bytes_and_never_truncated() {
    let longest = context(&"x".repeat(65_535), "bob", 5);
    let encoded = longest.encode().expect("the longest name encodes");
    assert_eq!(&encoded[..2], &[0xff, 0xff]);
    assert_eq!(encoded.len(), 2 + 65_535 + 2 + 3 + 8);
    let opening = deliver([9; 32], &Message::Text(b"x".to_vec()), &longest);
    assert_eq!(
        verify_report(&K_FB, &Report::from(&opening)),
        Ok(Message::Text(b"x".to_vec()))
    );
    // One byte more, as sender or recipient: the server cannot tag it, the recipient
    // refuses it, and the server refuses a report of it.
    let (payload, t_f) = frank(&[9; 32], &Message::Text(b"x".to_vec()));
    for over in [
        context(&"x".repeat(65_536), "bob", 5),
        context("alice", &"y".repeat(65_536), 5),
    ] {
        assert_eq!(server_tag(&K_FB, &t_f, &over), Err(Error::Decode));
        assert_eq!(
            open(&payload, &t_f, &opening.r_f, &over),
            Err(Error::Decode)
        );
        let report = Report {
            context: over,
            ..Report::from(&opening)
        };
        assert_eq!(verify_report(&K_FB, &report), Err(Error::Decode));
    }
}

#[test]
fn an_attachment_ciphertext_other_than_the_committed_one_is_refused() {
    // The same key and nonce seal another picture: it opens under the descriptor's key,
    // so only the digest tells it from the one the message commits to.
    let (committed, descriptor) = seal_attachment(&[5; 32], &[6; 12], b"the picture sent");
    let (other, _) = seal_attachment(&[5; 32], &[6; 12], b"another picture!");
    assert_eq!(
        open_attachment(&descriptor, &committed),
        Ok(b"the picture sent".to_vec())
    );
    assert_eq!(
        open_attachment(&descriptor, &other),
        Err(Error::AuthFailure)
    );
}
