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

/// The committing-encryption vector: one AES-256-GCM ciphertext that opens under two keys.
fn salamander() -> ([u8; 32], [u8; 32], [u8; 12], Vec<u8>, Vec<u8>, Vec<u8>) {
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
