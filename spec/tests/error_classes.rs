//! One class per cause (spec/PROFILES.md §"Error classes by cause"): an untrusted identity,
//! a low-order key, a malformed key and a bad version byte each fail with their own class,
//! in every profile where the cause exists, and a failure returns no update.

use e2ee_spec::party::{self, Party, PartyUpdate};
use e2ee_spec::profiles::signal_v3;
use e2ee_spec::session::MessageKind;
use e2ee_spec::x3dh::{self, PreKeyBundle};
use e2ee_spec::{Error, Profile};

mod common;
use common::kyber;

fn key(tag: u8, i: u32) -> [u8; 32] {
    let mut k = [tag; 32];
    k[..4].copy_from_slice(&i.to_be_bytes());
    k
}

/// A point of order 8 (Wycheproof x25519 "ZeroSharedSecret"): every DH output with it is zero.
const LOW_ORDER: [u8; 32] = [
    0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
    0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
];

/// Bob with a published bundle (one-time prekey 9), and the bundle.
fn bob(profile: Profile, one_time: u32) -> (Party, PreKeyBundle) {
    let bob = Party::new(profile, false, &key(2, 0), 22);
    let (u, bundle) = party::publish_bundle(
        &bob,
        (7, &key(3, 0)),
        Some((one_time, &key(4, one_time))),
        &[5; 64],
        kyber(),
    );
    (bob.apply(u), bundle)
}

/// A party that has initiated with `bundle`, and its first (prekey) message to Bob.
fn first_message(profile: Profile, tag: u8, bundle: &PreKeyBundle) -> (Party, Vec<u8>) {
    let p = Party::new(profile, false, &key(tag, 0), u32::from(tag));
    let u = party::initiate(&p, bundle, &key(tag, 1), &key(tag, 2), &[13; 32]).unwrap();
    let p = p.apply(u);
    let (u, kind, m) =
        party::encrypt(&p, &bundle.identity_key, b"hi", &key(tag, 3), &[0; 12]).unwrap();
    assert_eq!(kind, MessageKind::PreKey);
    (p.apply(u), m)
}

fn refused(r: Result<(PartyUpdate, Vec<u8>), Error>) -> Error {
    match r {
        Ok(_) => panic!("accepted"),
        Err(e) => e,
    }
}

#[test]
fn a_prekey_message_claiming_another_identity_is_untrusted() {
    for profile in Profile::ALL {
        let (bob, bundle) = bob(profile, 9);
        let (alice, _) = first_message(profile, 1, &bundle);
        // Carol's prekey message, heard by Bob as coming from Alice's address: before he has
        // a session with Alice ...
        let (_, from_carol) = first_message(profile, 6, &bundle);
        let alice_id = alice.identity.public;
        let e = refused(party::decrypt(
            &bob,
            &alice_id,
            MessageKind::PreKey,
            &from_carol,
            &key(9, 0),
        ));
        assert_eq!(e, Error::UntrustedIdentity, "{profile:?}, no session yet");
        // ... and after: Alice's own first message still opens the session, and one-time
        // prekey 9 was not used up by Carol's refused message.
        let (alice, from_alice) = first_message(profile, 1, &bundle);
        let (u, p) = party::decrypt(
            &bob,
            &alice.identity.public,
            MessageKind::PreKey,
            &from_alice,
            &key(9, 1),
        )
        .unwrap();
        assert_eq!(p, b"hi");
        let bob = bob.apply(u);
        let e = refused(party::decrypt(
            &bob,
            &alice_id,
            MessageKind::PreKey,
            &from_carol,
            &key(9, 2),
        ));
        assert_eq!(e, Error::UntrustedIdentity, "{profile:?}, with a session");
    }
}

#[test]
fn low_order_keys_are_invalid_keys() {
    for profile in Profile::ALL {
        let (bob, genuine) = bob(profile, 9);
        let alice = Party::new(profile, false, &key(1, 0), 11);
        let mut bundle = genuine.clone();
        bundle.one_time_prekey = Some((9, LOW_ORDER));
        let e = party::initiate(&alice, &bundle, &key(1, 1), &key(1, 2), &[13; 32]).unwrap_err();
        assert_eq!(
            e,
            Error::InvalidKey,
            "{profile:?}: low-order one-time prekey"
        );
        if profile != Profile::OlmV1 {
            let mut bundle = genuine.clone();
            bundle.signed_prekey = LOW_ORDER;
            bundle.signed_prekey_signature = x3dh::sign_prekey(&bob.identity, &LOW_ORDER, &[5; 64]);
            let e =
                party::initiate(&alice, &bundle, &key(1, 1), &key(1, 2), &[13; 32]).unwrap_err();
            assert_eq!(
                e,
                Error::InvalidKey,
                "{profile:?}: validly signed low-order prekey"
            );
        }
    }
}

#[test]
fn a_malformed_key_encoding_is_a_decode_error() {
    assert_eq!(
        signal_v3::decode_public_key(&[0x05; 32]),
        Err(Error::Decode)
    );
    assert_eq!(
        signal_v3::decode_public_key(&[0x05; 34]),
        Err(Error::Decode)
    );
    let mut wrong_type = [0x11; 33];
    wrong_type[0] = 0x06;
    assert_eq!(
        signal_v3::decode_public_key(&wrong_type),
        Err(Error::Decode)
    );
    // The same inside a PreKeySignalMessage: the identity key's type byte changed is not a
    // key at all, neither an invalid nor an untrusted one.
    let (bob, bundle) = bob(Profile::SignalV3, 9);
    let (alice, mut m) = first_message(Profile::SignalV3, 1, &bundle);
    let field = [&[0x1a, 0x21, 0x05][..], &alice.identity.public].concat();
    let at = m
        .windows(field.len())
        .position(|w| w == field)
        .expect("identity key field");
    m[at + 2] = 0x06;
    let e = refused(party::decrypt(
        &bob,
        &alice.identity.public,
        MessageKind::PreKey,
        &m,
        &key(9, 0),
    ));
    assert_eq!(e, Error::Decode);
}

/// An established session in `profile`: Bob, and Alice's first normal message after Bob's
/// reply (Alice has received, so she sends normal messages).
fn normal_message(profile: Profile) -> (Party, [u8; 32], Vec<u8>) {
    let (bob, bundle) = bob(profile, 9);
    let (alice, m) = first_message(profile, 1, &bundle);
    let a_id = alice.identity.public;
    let (u, _) = party::decrypt(&bob, &a_id, MessageKind::PreKey, &m, &key(9, 0)).unwrap();
    let bob = bob.apply(u);
    let (u, kind, reply) = party::encrypt(&bob, &a_id, b"re", &key(9, 1), &[1; 12]).unwrap();
    let bob = bob.apply(u);
    let (u, _) = party::decrypt(&alice, &bundle.identity_key, kind, &reply, &key(1, 4)).unwrap();
    let alice = alice.apply(u);
    let (_, kind, m) =
        party::encrypt(&alice, &bundle.identity_key, b"n", &key(1, 5), &[2; 12]).unwrap();
    assert_eq!(kind, MessageKind::Normal);
    (bob, a_id, m)
}

#[test]
fn a_version_byte_the_profile_does_not_define_is_a_decode_error() {
    // modern: an unknown type byte; signal-v3: high nibble outside 3..=4; olm-v1: not 3
    // (0x04 is "Olm v2").
    for (profile, bad) in [
        (Profile::Modern, 0x04),
        (Profile::SignalV3, 0xb4),
        (Profile::SignalV3, 0x24),
        (Profile::OlmV1, 0x04),
    ] {
        let (bob, a_id, mut m) = normal_message(profile);
        m[0] = bad;
        let e = refused(party::decrypt(
            &bob,
            &a_id,
            MessageKind::Normal,
            &m,
            &key(9, 9),
        ));
        assert_eq!(e, Error::Decode, "{profile:?}, byte0 {bad:#04x}");
    }
    // The PreKeySignalMessage wrapper: only session version 3.
    let (bob, bundle) = bob(Profile::SignalV3, 9);
    let (alice, mut m) = first_message(Profile::SignalV3, 1, &bundle);
    m[0] = 0x44;
    let e = refused(party::decrypt(
        &bob,
        &alice.identity.public,
        MessageKind::PreKey,
        &m,
        &key(9, 0),
    ));
    assert_eq!(e, Error::Decode, "prekey wrapper of version 4");
}

/// libsignal parses a version-4 SignalMessage and fails it on the version-3 session as a
/// failed decryption; the byte is under the MAC, so the spec calls it a tampered message.
#[test]
fn signal_v3_message_of_another_session_version_is_an_auth_failure() {
    let (bob, a_id, mut m) = normal_message(Profile::SignalV3);
    m[0] = 0x44;
    let e = refused(party::decrypt(
        &bob,
        &a_id,
        MessageKind::Normal,
        &m,
        &key(9, 9),
    ));
    assert_eq!(e, Error::AuthFailure);
}
