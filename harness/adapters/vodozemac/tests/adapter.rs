//! The adapter against itself: two vodozemac parties through the `Iut` trait.

mod common;

use common::*;
use e2ee_adapter_vodozemac::VodozemacIut;
use e2ee_iut::protocol::{Failure, Iut, MessageKind, Reply, Request};
use std::cell::RefCell;
use std::rc::Rc;
use vodozemac::{Curve25519PublicKey, Curve25519SecretKey};

fn vz() -> Box<dyn Iut> {
    Box::new(VodozemacIut::new())
}

fn public(secret: [u8; 32]) -> String {
    hex::encode(Curve25519PublicKey::from(&Curve25519SecretKey::from_slice(&secret)).as_bytes())
}

#[test]
fn hello_names_vodozemac_olm_and_megolm() {
    let Ok(Reply::Hello(h)) = VodozemacIut::new().call(&Request::Hello {
        protocol: 1,
        minor: 1,
    }) else {
        panic!("no hello");
    };
    assert_eq!(
        (h.name.as_str(), h.version.as_str()),
        ("vodozemac", "0.11.1")
    );
    assert_eq!(h.profiles, ["olm-v1", "megolm-v1"]);
    // group-draws: Megolm sessions are built from the injected ratchet and seed (pickles).
    assert_eq!(h.capabilities, ["import-keys", "snapshot", "group-draws"]);
    // Megolm signs its messages and session keys; Olm signs nothing.
    assert!(h.error_classes.contains(&"bad_signature".to_string()));
}

#[test]
fn other_profiles_and_header_encryption_are_unsupported() {
    let mut iut = VodozemacIut::new();
    for (profile, he) in [
        ("modern", false),
        ("signal-v3", false),
        ("signal-sk-v3", false),
        ("olm-v1", true),
        ("megolm-v1", true),
    ] {
        let r = iut.call(&Request::CreateParty {
            profile: profile.into(),
            header_encryption: he,
            identity_private: None,
            registration_id: None,
            version_byte: None,
        });
        assert!(
            matches!(r, Err(Failure::Unsupported(_))),
            "{profile} {he}: {r:?}"
        );
    }
}

#[test]
fn conversation_over_many_ratchet_steps() {
    let (mut a, mut b) = pair(vz(), vz());
    // Alice's messages are prekey messages until she has heard from Bob.
    for i in 0..3 {
        let m = a.encrypt(format!("early {i}").as_bytes());
        assert_eq!(m.kind, MessageKind::Prekey);
        b.receive(&m, format!("early {i}").as_bytes());
    }
    for round in 0..20 {
        for i in 0..1 + round % 3 {
            let text = format!("b{round}.{i}");
            let m = b.encrypt(text.as_bytes());
            assert_eq!(m.kind, MessageKind::Normal);
            a.receive(&m, text.as_bytes());
        }
        for i in 0..1 + round % 2 {
            let text = format!("a{round}.{i}");
            let m = a.encrypt(text.as_bytes());
            assert_eq!(m.kind, MessageKind::Normal);
            b.receive(&m, text.as_bytes());
        }
    }
}

#[test]
fn replay_is_a_duplicate() {
    let (mut a, mut b) = pair(vz(), vz());
    let p = a.encrypt(b"prekey");
    b.receive(&p, b"prekey");
    b.reject(&p, "duplicate_message");
    let r = b.encrypt(b"normal");
    a.receive(&r, b"normal");
    a.reject(&r, "duplicate_message");
    // A prekey message replayed after the session is fully up is still the same session's.
    let n = a.encrypt(b"after");
    b.receive(&n, b"after");
    b.reject(&p, "duplicate_message");
    b.reject(&n, "duplicate_message");
}

#[test]
fn tampering_is_an_auth_failure_and_changes_nothing() {
    let (mut a, mut b) = established(vz(), vz());
    let m = a.encrypt(b"intact");
    b.reject(&with_bad_mac(&m), "auth_failure");
    b.reject(&with_bad_ciphertext(&m), "auth_failure");
    b.receive(&m, b"intact");
    let r = b.encrypt(b"back");
    a.reject(&with_bad_mac(&r), "auth_failure");
    a.receive(&r, b"back");
}

#[test]
fn snapshot_restores_the_whole_party_and_can_be_reused() {
    let (mut a, mut b) = pair(vz(), vz());
    let m0 = a.encrypt(b"zero");
    let before_session = b.snapshot();
    b.receive(&m0, b"zero");
    let m1 = a.encrypt(b"one");
    let s = b.snapshot();
    for _ in 0..2 {
        b.receive(&m1, b"one");
        b.reject(&m1, "duplicate_message");
        b.restore(&s);
    }
    // Back before the one-time key was used: the prekey message starts the session again.
    b.restore(&before_session);
    b.receive(&m0, b"zero");
    b.receive(&m1, b"one");
    let r = b.encrypt(b"reply");
    a.receive(&r, b"reply");
}

#[test]
fn imported_identity_and_one_time_keys_are_used() {
    let (id_a, id_b, otk) = ([0x33; 32], [0x11; 32], [0x22; 32]);
    let mut a = Side::new(vz(), "alice", "bob", Some(id_a));
    let mut b = Side::new(vz(), "bob", "alice", Some(id_b));
    let bundle = b.bundle(42, Some(otk));
    assert_eq!(bundle.identity_key, public(id_b));
    assert_eq!(
        bundle.one_time_prekey.as_deref(),
        Some(public(otk).as_str())
    );
    assert_eq!(bundle.one_time_prekey_id, Some(42));
    a.initiate(&bundle);
    let m = a.encrypt(b"to imported keys");
    // Olm prekey message: 03 0a 20 <one-time key> 12 20 <base key> 1a 20 <identity key> ...
    assert_eq!(hex::encode(&m.bytes[3..35]), public(otk));
    assert_eq!(hex::encode(&m.bytes[71..103]), public(id_a));
    b.receive(&m, b"to imported keys");
}

#[test]
fn a_used_or_unknown_one_time_key_is_an_unknown_prekey() {
    let (mut a, mut b) = pair(vz(), vz());
    let m = a.encrypt(b"first");
    b.receive(&m, b"first");
    // Carol reuses Bob's bundle: its one-time key is gone.
    let bundle = b.bundle(8, None);
    let mut carol = Side::new(vz(), "carol", "bob", None);
    carol.initiate(&bundle);
    let first = carol.encrypt(b"carol");
    b.peer = "carol".into();
    b.receive(&first, b"carol");
    let mut dave = Side::new(vz(), "dave", "bob", None);
    dave.initiate(&bundle);
    b.peer = "dave".into();
    b.reject(&dave.encrypt(b"dave"), "unknown_prekey");
}

#[test]
fn a_known_peer_may_not_change_identity() {
    let (mut a, mut b) = pair(vz(), vz());
    b.receive(&a.encrypt(b"hi"), b"hi");
    let bundle = b.bundle(9, None);
    let mut mallory = Side::new(vz(), "mallory", "bob", None);
    mallory.initiate(&bundle);
    // Bob hears Mallory's prekey message as coming from "alice".
    b.reject(&mallory.encrypt(b"i am alice"), "untrusted_identity");
    let _ = a;
}

#[test]
fn missing_state_is_a_state_error() {
    let mut iut = VodozemacIut::new();
    let Ok(Reply::Party { party, .. }) = iut.call(&Request::CreateParty {
        profile: "olm-v1".into(),
        header_encryption: false,
        identity_private: None,
        registration_id: None,
        version_byte: None,
    }) else {
        panic!("no party");
    };
    let enc = |party: &str| Request::Encrypt {
        party: party.into(),
        peer: "bob".into(),
        plaintext: "00".into(),
        ratchet_private: None,
        header_nonce: None,
    };
    assert_eq!(class_of(iut.call(&enc(&party))), "state_error");
    assert_eq!(class_of(iut.call(&enc("nobody"))), "state_error");
    let dec = Request::Decrypt {
        party: party.clone(),
        peer: "bob".into(),
        kind: MessageKind::Normal,
        message: "00".into(),
        ratchet_private: None,
    };
    assert_eq!(class_of(iut.call(&dec)), "state_error");
    let restore = Request::Restore {
        party: party.clone(),
        snapshot: "s999".into(),
    };
    assert_eq!(class_of(iut.call(&restore)), "state_error");
    iut.call(&Request::Reset {}).unwrap();
    assert_eq!(
        class_of(iut.call(&Request::Snapshot { party })),
        "state_error"
    );
}

#[test]
fn malformed_messages_are_decode_errors() {
    let (mut a, mut b) = established(vz(), vz());
    let m = a.encrypt(b"well formed");
    let cases: Vec<(MessageKind, Vec<u8>)> = vec![
        (MessageKind::Normal, vec![]),
        (MessageKind::Normal, vec![0x03]),
        (MessageKind::Normal, m.bytes[..9].to_vec()),
        (MessageKind::Normal, [&[0x02][..], &m.bytes[1..]].concat()),
        (MessageKind::Prekey, vec![0x03, 0x0a, 0x01, 0x00]),
        (MessageKind::Prekey, m.bytes.clone()),
    ];
    for (kind, bytes) in cases {
        b.reject(&Msg { kind, bytes }, "decode_error");
    }
    let bad_hex = Request::Decrypt {
        party: b.party.clone(),
        peer: b.peer.clone(),
        kind: MessageKind::Normal,
        message: "zz".into(),
        ratchet_private: None,
    };
    assert_eq!(class_of(b.iut.call(&bad_hex)), "decode_error");
    b.receive(&m, b"well formed");
}

/// Every truncation and every single-bit flip of a prekey and a normal message, each tried
/// on the same state: nothing panics, and the only mutations accepted are the ones vodozemac
/// accepts by design (so the adapter adds no check of its own):
/// * bit 7 of the last byte of the one-time, base or identity key: X25519 ignores that bit
///   (RFC 7748 §5), the DH outputs are the same, and vodozemac's key equality (x25519-dalek's
///   `PublicKey`) ignores it too, so the one-time key is still found;
/// * the chain-index tag `0x10` turned into the tag of an unknown varint field (`0x18`,
///   `0x30`, `0x50`) while the index is 0: prost skips the unknown field, the missing index
///   decodes as 0, and vodozemac MACs its canonical re-encoding, not the received bytes.
#[test]
fn mutations_vodozemac_accepts_are_exactly_the_known_ones() {
    let (mut a, mut b) = pair(vz(), vz());
    let p = a.encrypt(b"prekey payload");
    let inner = ratchet_key_offset(&p) + 32;
    assert_eq!(
        accepted_mutations(&mut b, &p),
        [
            (34, 7),
            (68, 7),
            (102, 7),
            (inner, 3),
            (inner, 5),
            (inner, 6)
        ]
    );
    b.receive(&p, b"prekey payload");
    let n = b.encrypt(b"normal payload");
    assert_eq!(chain_index(&n), 0);
    assert_eq!(accepted_mutations(&mut a, &n), [(35, 3), (35, 5), (35, 6)]);
    a.receive(&n, b"normal payload");
    let n1 = b.encrypt(b"index one");
    assert_eq!(accepted_mutations(&mut a, &n1), []);
    a.receive(&n1, b"index one");
}

/// The (byte, bit) flips of `m` that `side` accepts; truncations must all be rejected.
fn accepted_mutations(side: &mut Side, m: &Msg) -> Vec<(usize, u32)> {
    let s = side.snapshot();
    for len in 0..m.bytes.len() {
        let t = Msg {
            kind: m.kind,
            bytes: m.bytes[..len].to_vec(),
        };
        assert!(side.decrypt(&t).is_err(), "accepted truncation to {len}");
    }
    let mut accepted = Vec::new();
    for byte in 0..m.bytes.len() {
        for bit in 0..8 {
            let mut t = m.clone();
            t.bytes[byte] ^= 1 << bit;
            if side.decrypt(&t).is_ok() {
                accepted.push((byte, bit));
            }
            side.restore(&s);
        }
    }
    accepted
}

/// vodozemac 0.11.1 `DoubleRatchet::advance`: a message with a ratchet key we have no chain
/// for, arriving while our sending ratchet is inactive (we have not sent since the peer's
/// last new key), first activates the sending ratchet *in place* (a fresh ratchet key and the
/// next root key) and only then derives the would-be receiving chain. When the message then
/// fails its MAC the activation stays. This test shows what that does, and does not do, to
/// the conversation.
#[test]
fn inactive_sender_quirk_a_failed_decrypt_activates_the_sending_ratchet() {
    let bob_iut = Rc::new(RefCell::new(VodozemacIut::new()));
    let (mut a, mut b) = pair(vz(), Box::new(Shared(bob_iut.clone())));
    let bob = b.party.clone();
    let session = || {
        bob_iut
            .borrow()
            .session_pickle(&bob, "alice")
            .expect("Bob's session")
    };
    let sending = || {
        session()["sending_ratchet"]["type"]
            .as_str()
            .unwrap_or("?")
            .to_string()
    };

    // First chain: Bob has received Alice's first chain and never sent.
    b.receive(&a.encrypt(b"m0"), b"m0");
    let m1 = a.encrypt(b"m1");
    assert_eq!(sending(), "inactive");
    let before = session();
    b.reject(&with_other_ratchet_key(&m1), "auth_failure");
    let after = session();
    assert_eq!(
        sending(),
        "active",
        "the failed decrypt activated Bob's sending ratchet"
    );
    assert_ne!(before["sending_ratchet"], after["sending_ratchet"]);
    assert_eq!(before["receiving_chains"], after["receiving_chains"]);
    // The genuine message still decrypts, and the conversation goes on both ways.
    b.receive(&m1, b"m1");
    a.receive(&b.encrypt(b"r1"), b"r1");
    b.receive(&a.encrypt(b"m2"), b"m2");

    // A later chain: Bob has sent, then received Alice's new chain, and not sent since.
    let m3 = a.encrypt(b"m3");
    assert_eq!(sending(), "inactive");
    let before = session();
    b.reject(&with_other_ratchet_key(&m3), "auth_failure");
    assert_ne!(before, session());
    assert_eq!(sending(), "active");
    b.receive(&m3, b"m3");
    // Once active, a second forged key leaves the state alone.
    let m4 = a.encrypt(b"m4");
    let before = session();
    b.reject(&with_other_ratchet_key(&m4), "auth_failure");
    assert_eq!(before, session());
    b.receive(&m4, b"m4");
    a.receive(&b.encrypt(b"r2"), b"r2");
}

/// A `VodozemacIut` the test can still read after handing it to a `Side`.
struct Shared(Rc<RefCell<VodozemacIut>>);

impl Iut for Shared {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        self.0.borrow_mut().call(request)
    }
}

/// Malformed fields anywhere are rejected, never a panic.
#[test]
fn malformed_requests_are_rejected() {
    let (mut a, mut b) = pair(vz(), vz());
    let party = |profile: &str, identity: &str| Request::CreateParty {
        profile: profile.into(),
        header_encryption: false,
        identity_private: Some(identity.into()),
        registration_id: Some(1),
        version_byte: None,
    };
    for id in ["zz", "00", &"00".repeat(33)] {
        assert_eq!(class_of(a.iut.call(&party("olm-v1", id))), "decode_error");
    }
    let bundle = |otk: Option<&str>| Request::CreateBundle {
        party: b.party.clone(),
        signed_prekey_id: 1,
        signed_prekey_private: Some("zz".into()),
        one_time_prekey_id: None,
        one_time_prekey_private: otk.map(str::to_string),
        signature_randomness: Some("zz".into()),
        kyber_prekey_id: None,
        kyber_prekey_seed: None,
        kyber_prekey_private: None,
        kyber_signature_randomness: None,
        kyber_last_resort: false,
    };
    assert_eq!(class_of(b.iut.call(&bundle(Some("0011")))), "decode_error");
    assert!(
        b.iut.call(&bundle(None)).is_ok(),
        "Olm ignores signed prekey fields"
    );
    let mut good = b.bundle(5, None);
    let initiate = |bundle: e2ee_iut::protocol::Bundle| Request::Initiate {
        party: a.party.clone(),
        peer: "bob".into(),
        bundle,
        base_key_private: None,
        ratchet_private: None,
        kem_randomness: None,
    };
    let mut short = good.clone();
    short.identity_key.truncate(62);
    assert_eq!(class_of(a.iut.call(&initiate(short))), "decode_error");
    let mut no_otk = good.clone();
    no_otk.one_time_prekey = None;
    assert_eq!(class_of(a.iut.call(&initiate(no_otk))), "unknown_prekey");
    good.one_time_prekey_id = None;
    assert!(a.iut.call(&initiate(good)).is_ok());
    let bad_plaintext = Request::Encrypt {
        party: a.party.clone(),
        peer: "bob".into(),
        plaintext: "0g".into(),
        ratchet_private: None,
        header_nonce: None,
    };
    assert_eq!(class_of(a.iut.call(&bad_plaintext)), "decode_error");
    let big = vec![0x5a; 1 << 16];
    let m = a.encrypt(&big);
    b.receive(&m, &big);
    b.receive(&a.encrypt(b""), b"");
}
