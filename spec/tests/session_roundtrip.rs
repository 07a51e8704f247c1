//! Whole conversations through the party API, in every profile.

use e2ee_spec::party::{self, Party};
use e2ee_spec::session::MessageKind;
use e2ee_spec::{Error, Profile};

fn key(tag: u8, i: u32) -> [u8; 32] {
    let mut k = [tag; 32];
    k[..4].copy_from_slice(&i.to_be_bytes());
    k
}

fn conversation(profile: Profile, he: bool) {
    let alice = Party::new(profile, he, &key(1, 0), 11);
    let bob = Party::new(profile, he, &key(2, 0), 22);
    let (bob, bundle) =
        party::publish_bundle(&bob, (7, &key(3, 0)), Some((9, &key(4, 0))), &[5; 64]);
    let mut alice = party::initiate(&alice, &bundle, &key(6, 0), &key(7, 0)).unwrap();
    let mut bob = bob;
    let a_id = alice.identity.public;
    let b_id = bob.identity.public;
    let mut r = 100u32;
    // Alice sends two prekey messages; Bob receives the second first.
    let (a, k1, m1) = party::encrypt(&alice, &b_id, b"one", &key(8, r), &[0; 12]).unwrap();
    let (a, k2, m2) = party::encrypt(&a, &b_id, b"two", &key(8, r + 1), &[1; 12]).unwrap();
    alice = a;
    assert_eq!((k1, k2), (MessageKind::PreKey, MessageKind::PreKey));
    let (b, p2) = party::decrypt(&bob, &a_id, k2, &m2, &key(9, r)).unwrap();
    assert_eq!(p2, b"two");
    let (b, p1) = party::decrypt(&b, &a_id, k1, &m1, &key(9, r + 1)).unwrap();
    assert_eq!(p1, b"one");
    assert_eq!(
        party::decrypt(&b, &a_id, k1, &m1, &key(9, r + 2)).unwrap_err(),
        Error::DuplicateMessage
    );
    bob = b;
    for round in 0..5u32 {
        r += 10;
        let (b, kind, m) =
            party::encrypt(&bob, &a_id, &round.to_be_bytes(), &key(10, r), &[2; 12]).unwrap();
        assert_eq!(kind, MessageKind::Normal);
        bob = b;
        let (a, p) = party::decrypt(&alice, &b_id, kind, &m, &key(11, r)).unwrap();
        assert_eq!(p, round.to_be_bytes());
        alice = a;
        let (a, kind, m) = party::encrypt(&alice, &b_id, b"reply", &key(12, r), &[3; 12]).unwrap();
        assert_eq!(
            kind,
            MessageKind::Normal,
            "acknowledged session sends normal messages"
        );
        alice = a;
        let (b, p) = party::decrypt(&bob, &a_id, kind, &m, &key(13, r)).unwrap();
        assert_eq!(p, b"reply");
        bob = b;
    }
}

#[test]
fn modern_plain() {
    conversation(Profile::Modern, false);
}

#[test]
fn modern_header_encrypted() {
    conversation(Profile::Modern, true);
}

#[test]
fn signal_v3() {
    conversation(Profile::SignalV3, false);
}

#[test]
fn olm_v1() {
    conversation(Profile::OlmV1, false);
}
