//! Whole conversations through the party API, in every profile.

use e2ee_spec::party::{self, Party};
use e2ee_spec::session::MessageKind;
use e2ee_spec::{Error, Profile};

mod common;
use common::kyber;

fn key(tag: u8, i: u32) -> [u8; 32] {
    let mut k = [tag; 32];
    k[..4].copy_from_slice(&i.to_be_bytes());
    k
}

fn conversation(profile: Profile, he: bool) {
    let alice = Party::new(profile, he, &key(1, 0), 11);
    let bob = Party::new(profile, he, &key(2, 0), 22);
    let (update, bundle) = party::publish_bundle(
        &bob,
        (7, &key(3, 0)),
        Some((9, &key(4, 0))),
        &[5; 64],
        kyber(),
    );
    let mut bob = bob.apply(update);
    let update = party::initiate(&alice, &bundle, &key(6, 0), &key(7, 0), &[13; 32]).unwrap();
    let mut alice = alice.apply(update);
    let a_id = alice.identity.public;
    let b_id = bob.identity.public;
    let mut r = 100u32;
    // Alice sends two prekey messages; Bob receives the second first.
    let (u, k1, m1) = party::encrypt(&alice, &b_id, b"one", &key(8, r), &[0; 12]).unwrap();
    alice = alice.apply(u);
    let (u, k2, m2) = party::encrypt(&alice, &b_id, b"two", &key(8, r + 1), &[1; 12]).unwrap();
    alice = alice.apply(u);
    assert_eq!((k1, k2), (MessageKind::PreKey, MessageKind::PreKey));
    let (u, p2) = party::decrypt(&bob, &a_id, k2, &m2, &key(9, r)).unwrap();
    assert_eq!(p2, b"two");
    bob = bob.apply(u);
    let (u, p1) = party::decrypt(&bob, &a_id, k1, &m1, &key(9, r + 1)).unwrap();
    assert_eq!(p1, b"one");
    bob = bob.apply(u);
    assert_eq!(
        party::decrypt(&bob, &a_id, k1, &m1, &key(9, r + 2)).unwrap_err(),
        Error::DuplicateMessage
    );
    for round in 0..5u32 {
        r += 10;
        let (u, kind, m) =
            party::encrypt(&bob, &a_id, &round.to_be_bytes(), &key(10, r), &[2; 12]).unwrap();
        assert_eq!(kind, MessageKind::Normal);
        bob = bob.apply(u);
        let (u, p) = party::decrypt(&alice, &b_id, kind, &m, &key(11, r)).unwrap();
        assert_eq!(p, round.to_be_bytes());
        alice = alice.apply(u);
        let (u, kind, m) = party::encrypt(&alice, &b_id, b"reply", &key(12, r), &[3; 12]).unwrap();
        assert_eq!(
            kind,
            MessageKind::Normal,
            "acknowledged session sends normal messages"
        );
        alice = alice.apply(u);
        let (u, p) = party::decrypt(&bob, &a_id, kind, &m, &key(13, r)).unwrap();
        assert_eq!(p, b"reply");
        bob = bob.apply(u);
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

/// A message changes only its own session (replaced where it stands); a prekey
/// message also deletes the one-time prekey it used (X3DH §3.4).
#[test]
fn update_changes_one_session() {
    let profile = Profile::SignalV3;
    let bob = Party::new(profile, false, &key(2, 0), 22);
    let (u, bundle) = party::publish_bundle(
        &bob,
        (7, &key(3, 0)),
        Some((9, &key(4, 0))),
        &[5; 64],
        kyber(),
    );
    let bob = bob.apply(u);
    let (u, plain_bundle) = party::publish_bundle(&bob, (7, &key(3, 0)), None, &[5; 64], kyber());
    let mut bob = bob.apply(u);
    assert_eq!(bob.one_time_prekeys.len(), 1);
    let b_id = bob.identity.public;
    let mut peers = Vec::new();
    for (i, b) in [(1u32, &bundle), (2, &plain_bundle), (3, &plain_bundle)] {
        let peer = Party::new(profile, false, &key(1, i), i);
        let u = party::initiate(&peer, b, &key(6, i), &key(7, i), &[13; 32]).unwrap();
        let peer = peer.apply(u);
        let (u, kind, m) = party::encrypt(&peer, &b_id, b"hi", &key(8, i), &[0; 12]).unwrap();
        let (bob_update, _) =
            party::decrypt(&bob, &peer.identity.public, kind, &m, &key(9, i)).unwrap();
        bob = bob.apply(bob_update);
        peers.push(peer.apply(u));
    }
    assert!(bob.one_time_prekeys.is_empty(), "the first peer used it");
    let first = peers[0].identity.public;
    let before = bob.clone();
    let (_, kind, m) = party::encrypt(&peers[0], &b_id, b"again", &key(8, 9), &[0; 12]).unwrap();
    let (u, p) = party::decrypt(&bob, &first, kind, &m, &key(9, 9)).unwrap();
    assert_eq!(p, b"again");
    let bob = bob.apply(u);
    assert_eq!(bob.sessions.len(), 3);
    assert_eq!(
        bob.sessions[0].remote_identity, first,
        "the session stays in place"
    );
    assert_ne!(bob.sessions[0], before.sessions[0]);
    for other in &peers[1..] {
        let id = other.identity.public;
        assert_eq!(bob.session(&id), before.session(&id));
    }
}
