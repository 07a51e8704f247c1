//! vodozemac against the spec's `olm-v1` profile, both through the `Iut` trait, in both
//! roles: every scenario runs with the spec as Alice and vodozemac as Bob, and the reverse.

mod common;

use common::*;
use e2ee_adapter_vodozemac::VodozemacIut;
use e2ee_iut::protocol::{Iut, MessageKind};
use e2ee_vectors::spec_iut::SpecIut;

fn spec() -> Box<dyn Iut> {
    Box::new(SpecIut::new(7))
}

fn vz() -> Box<dyn Iut> {
    Box::new(VodozemacIut::new())
}

type Maker = fn() -> Box<dyn Iut>;

/// (Alice's implementation, Bob's implementation).
const PAIRINGS: [(Maker, Maker); 2] = [(spec, vz), (vz, spec)];

fn is_spec(side: &Side) -> bool {
    side.name.contains("e2ee-spec")
}

/// Alice sends three prekey messages before Bob answers, Bob reads them out of order (the
/// second one starts his session), then 30 rounds of bursts both ways, a DH ratchet step
/// each time the direction changes.
#[test]
fn conversation_over_many_ratchet_steps() {
    for (alice, bob) in PAIRINGS {
        let (mut a, mut b) = pair(alice(), bob());
        let early: Vec<Msg> = (0..3)
            .map(|i| a.encrypt(format!("early {i}").as_bytes()))
            .collect();
        assert!(early.iter().all(|m| m.kind == MessageKind::Prekey));
        for i in [1, 0, 2] {
            b.receive(&early[i], format!("early {i}").as_bytes());
        }
        for round in 0..30 {
            for i in 0..1 + round % 3 {
                let text = format!("bob {round}.{i}");
                let m = b.encrypt(text.as_bytes());
                assert_eq!(m.kind, MessageKind::Normal, "{}", b.name);
                a.receive(&m, text.as_bytes());
            }
            for i in 0..1 + round % 4 {
                let text = format!("alice {round}.{i} {}", "x".repeat(round * 7));
                let m = a.encrypt(text.as_bytes());
                assert_eq!(m.kind, MessageKind::Normal, "{}", a.name);
                b.receive(&m, text.as_bytes());
            }
        }
    }
}

/// Within one chain, in both directions: messages read out of order, then each replayed.
/// `x` sends six messages on one chain; `y` reads them out of order, then each is replayed.
fn out_of_order(x: &mut Side, y: &mut Side) {
    let sent: Vec<Msg> = (0..6u8).map(|i| x.encrypt(&[i; 20])).collect();
    for i in [3, 0, 5, 2, 1, 4] {
        y.receive(&sent[i], &[i as u8; 20]);
    }
    for m in &sent {
        y.reject(m, "duplicate_message");
    }
}

#[test]
fn out_of_order_within_a_chain() {
    for (alice, bob) in PAIRINGS {
        let (mut a, mut b) = established(alice(), bob());
        out_of_order(&mut a, &mut b);
        out_of_order(&mut b, &mut a);
        let m = a.encrypt(b"still talking");
        b.receive(&m, b"still talking");
    }
}

/// `x` sends `late` and more on one chain, the direction turns twice so that `x` sends on a
/// new chain, and only then does `late` arrive: it is read from the old chain's keys.
fn late_message_from_an_old_chain(x: &mut Side, y: &mut Side) {
    let late = x.encrypt(b"late");
    x.encrypt(b"skipped too");
    let on_time = x.encrypt(b"on time");
    y.receive(&on_time, b"on time");
    let reply = y.encrypt(b"reply");
    x.receive(&reply, b"reply");
    let new_chain = x.encrypt(b"new chain");
    y.receive(&new_chain, b"new chain");
    y.receive(&late, b"late");
    y.reject(&late, "duplicate_message");
    let m = y.encrypt(b"after");
    x.receive(&m, b"after");
}

#[test]
fn late_message_from_an_old_chain_both_ways() {
    for (alice, bob) in PAIRINGS {
        let (mut a, mut b) = established(alice(), bob());
        late_message_from_an_old_chain(&mut a, &mut b);
        late_message_from_an_old_chain(&mut b, &mut a);
    }
}

/// Alice's first (prekey) chain: Bob's session starts from message 2000 or not at all from
/// message 2001.
#[test]
fn gap_limit_on_the_prekey_chain() {
    for (alice, bob) in PAIRINGS {
        let (mut a, mut b) = pair(alice(), bob());
        let sent: Vec<Msg> = (0..2002)
            .map(|i| a.encrypt(format!("{i}").as_bytes()))
            .collect();
        b.reject(&sent[2001], "too_far_ahead");
        b.receive(&sent[2000], b"2000");
        b.receive(&sent[2001], b"2001");
        b.receive(&sent[1960], b"1960");
        b.reject(&sent[1959], "duplicate_message");
        b.reject(&sent[0], "duplicate_message");
    }
}

/// `x`'s next message starts a new chain at index 0; `y` accepts a gap of exactly 2000 and
/// rejects 2001, keeps the 40 newest skipped keys, and the rejected message is fine once the
/// gap has closed.
fn gap_limit_on_a_new_chain(x: &mut Side, y: &mut Side) {
    let turn = y.encrypt(b"turn");
    x.receive(&turn, b"turn");
    let sent: Vec<Msg> = (0..2002)
        .map(|i| x.encrypt(format!("{i}").as_bytes()))
        .collect();
    assert_eq!((chain_index(&sent[0]), chain_index(&sent[2001])), (0, 2001));
    y.reject(&sent[2001], "too_far_ahead");
    y.receive(&sent[2000], b"2000");
    y.receive(&sent[1960], b"1960");
    y.reject(&sent[1959], "duplicate_message");
    y.receive(&sent[2001], b"2001");
}

/// Inside a chain whose next index is 1: index 2001 (gap 2000) is accepted, 2002 is not.
fn gap_limit_within_a_chain(x: &mut Side, y: &mut Side) {
    let sent: Vec<Msg> = (0..2003)
        .map(|i| x.encrypt(format!("{i}").as_bytes()))
        .collect();
    y.receive(&sent[0], b"0");
    y.reject(&sent[2002], "too_far_ahead");
    y.receive(&sent[2001], b"2001");
    y.receive(&sent[2002], b"2002");
}

#[test]
fn gap_of_2000_accepted_2001_too_far_ahead() {
    for (alice, bob) in PAIRINGS {
        let (mut a, mut b) = established(alice(), bob());
        gap_limit_on_a_new_chain(&mut a, &mut b);
        gap_limit_on_a_new_chain(&mut b, &mut a);
        gap_limit_within_a_chain(&mut a, &mut b);
        let turn = a.encrypt(b"turn");
        b.receive(&turn, b"turn");
        gap_limit_within_a_chain(&mut b, &mut a);
    }
}

#[test]
fn replay_is_a_duplicate() {
    for (alice, bob) in PAIRINGS {
        let (mut a, mut b) = pair(alice(), bob());
        let p = a.encrypt(b"prekey");
        b.receive(&p, b"prekey");
        b.reject(&p, "duplicate_message");
        let r = b.encrypt(b"normal");
        a.receive(&r, b"normal");
        a.reject(&r, "duplicate_message");
        let n = a.encrypt(b"normal too");
        assert_eq!(n.kind, MessageKind::Normal);
        b.receive(&n, b"normal too");
        b.reject(&n, "duplicate_message");
        b.reject(&p, "duplicate_message");
    }
}

#[test]
fn tampering_is_an_auth_failure_and_changes_nothing() {
    for (alice, bob) in PAIRINGS {
        let (mut a, mut b) = pair(alice(), bob());
        let p = a.encrypt(b"prekey");
        b.reject(&with_bad_mac(&p), "auth_failure");
        b.reject(&with_bad_ciphertext(&p), "auth_failure");
        b.receive(&p, b"prekey");
        let r = b.encrypt(b"reply");
        a.reject(&with_bad_mac(&r), "auth_failure");
        a.reject(&with_bad_ciphertext(&r), "auth_failure");
        a.receive(&r, b"reply");
        let n = a.encrypt(b"normal");
        b.reject(&with_bad_mac(&n), "auth_failure");
        b.receive(&n, b"normal");
    }
}

/// A late message from a chain older than the five receiving chains both keep is undecryptable.
#[test]
fn a_message_from_an_evicted_chain_is_rejected() {
    for (alice, bob) in PAIRINGS {
        let (mut a, mut b) = established(alice(), bob());
        let late = a.encrypt(b"late");
        for round in 0..6 {
            let r = b.encrypt(format!("r{round}").as_bytes());
            a.receive(&r, format!("r{round}").as_bytes());
            let m = a.encrypt(format!("m{round}").as_bytes());
            b.receive(&m, format!("m{round}").as_bytes());
        }
        // Bob has not sent since Alice's last new chain: the state the inactive-sender quirk
        // needs. Both sides reject, then talk on.
        let class = b
            .decrypt(&late)
            .expect_err("a message from an evicted chain was accepted");
        println!("{}: message from an evicted chain: {class}", b.name);
        assert_eq!(class, "auth_failure", "{}", b.name);
        let r = b.encrypt(b"after");
        a.receive(&r, b"after");
    }
}

/// A message whose ratchet key was changed (MAC left alone) arrives while Bob's sending
/// ratchet is inactive: on Alice's first chain (Bob never sent) and on a later one. The genuine
/// message must still decrypt afterwards. vodozemac answers `auth_failure` in both states (and
/// changes its sending state, see the adapter test
/// `inactive_sender_quirk_a_failed_decrypt_activates_the_sending_ratchet`); the spec answers
/// `state_error` while Bob has never sent (no sending key to step from) and `auth_failure` later.
#[test]
fn forged_ratchet_key_while_bob_has_not_sent() {
    for (alice, bob) in PAIRINGS {
        let (mut a, mut b) = pair(alice(), bob());
        // Both answer auth_failure now: the spec's responder without a ratchet key of its own
        // treats the unknown ratchet key as unauthenticatable, as vodozemac (and libolm) do.
        b.receive(&a.encrypt(b"m0"), b"m0");
        let m1 = a.encrypt(b"m1");
        let forged = with_other_ratchet_key(&m1);
        b.reject(&forged, "auth_failure");
        b.receive(&m1, b"m1");
        a.receive(&b.encrypt(b"r1"), b"r1");

        let m2 = a.encrypt(b"m2");
        b.receive(&m2, b"m2");
        let m3 = a.encrypt(b"m3");
        b.reject(&with_other_ratchet_key(&m3), "auth_failure");
        b.receive(&m3, b"m3");
        a.receive(&b.encrypt(b"r2"), b"r2");
        b.receive(&a.encrypt(b"m4"), b"m4");
    }
}

/// Single-bit flips that one implementation accepts and the other does not. Each is run on the
/// same state (snapshot/restore). Byte positions are those of a 168-byte prekey message
/// `03 0a20<one-time key> 12 20<base key> 1a20<identity key> 22 3f <inner message>` whose
/// inner message is `03 0a20<ratchet key> 10 00 22 10 <ciphertext> <mac:8>`.
#[test]
fn prekey_bit_flips_each_side_accepts() {
    let mut seen = Vec::new();
    for (alice, bob) in PAIRINGS {
        let (mut a, mut b) = pair(alice(), bob());
        let p = a.encrypt(b"prekey payload");
        assert_eq!(p.bytes.len(), 168);
        let s = b.snapshot();
        let mut accepted = Vec::new();
        for byte in 0..p.bytes.len() {
            for bit in 0..8 {
                let mut t = p.clone();
                t.bytes[byte] ^= 1 << bit;
                if b.decrypt(&t).is_ok() {
                    accepted.push((byte, bit));
                }
                b.restore(&s);
            }
        }
        b.receive(&p, b"prekey payload");
        println!("{} accepts bit flips (byte, bit): {accepted:?}", b.name);
        seen.push((b.name.clone(), accepted));
    }
    // One-time key top bit (byte 34): vodozemac finds its key regardless of that bit;
    // base and identity key top bits (68, 102): the X25519 outputs are unchanged, so both
    // accept; chain-index tag (140) renamed to an unknown varint field: vodozemac skips it,
    // reads index 0 and MACs its re-encoding, the spec requires the field and MACs the bytes.
    let vodozemac = vec![(34, 7), (68, 7), (102, 7), (140, 3), (140, 5), (140, 6)];
    let spec = vec![(68, 7), (102, 7)];
    for (name, accepted) in seen {
        let expected = if name.contains("e2ee-spec") {
            &spec
        } else {
            &vodozemac
        };
        assert_eq!(&accepted, expected, "{name}");
    }
}

/// Re-encodings of a genuine normal message that keep its MAC and the values of its three
/// fields: Olm's document says the MAC "protects all of the bytes preceding the MAC", which
/// the spec (and libolm) check; vodozemac 0.11.1 checks the MAC against its own canonical
/// re-encoding of the parsed fields (`olm/session/message_key.rs`, `to_mac_bytes`), so it
/// accepts every one of them.
fn non_canonical_variants(m: &Msg) -> Vec<(&'static str, Vec<u8>)> {
    let b = &m.bytes;
    let (key_field, rest) = b[1..].split_at(34);
    assert_eq!(
        (b[0], rest[0]),
        (0x03, 0x10),
        "canonical Olm normal message expected"
    );
    let index_len = 1 + rest[1..].iter().position(|x| x & 0x80 == 0).unwrap_or(0) + 1;
    let (index_field, rest) = rest.split_at(index_len);
    let (ct_field, mac) = rest.split_at(rest.len() - 8);
    let mut variants = vec![
        (
            "unknown varint field 5 appended",
            [
                &[0x03u8][..],
                key_field,
                index_field,
                ct_field,
                &[0x28, 0x05],
                mac,
            ]
            .concat(),
        ),
        (
            "fields reordered: ciphertext, index, key",
            [&[0x03u8][..], ct_field, index_field, key_field, mac].concat(),
        ),
        (
            "ratchet key field repeated, garbage first",
            [
                &[0x03u8][..],
                &[0x0a, 0x20],
                &[0xee; 32],
                key_field,
                index_field,
                ct_field,
                mac,
            ]
            .concat(),
        ),
    ];
    if index_field.len() == 2 && index_field[1] < 0x80 {
        let overlong = [0x10, index_field[1] | 0x80, 0x00];
        variants.push((
            "chain index as an overlong varint",
            [&[0x03u8][..], key_field, &overlong, ct_field, mac].concat(),
        ));
    }
    if index_field == [0x10, 0x00] {
        variants.push((
            "chain index 0 omitted",
            [&[0x03u8][..], key_field, ct_field, mac].concat(),
        ));
    }
    variants
}

#[test]
fn non_canonical_encodings_with_the_original_mac() {
    for (alice, bob) in PAIRINGS {
        let (mut a, mut b) = established(alice(), bob());
        let sent = [a.encrypt(b"index 0"), a.encrypt(b"index 1")];
        assert_eq!((chain_index(&sent[0]), chain_index(&sent[1])), (0, 1));
        for m in &sent {
            let s = b.snapshot();
            for (what, bytes) in non_canonical_variants(m) {
                let t = Msg {
                    kind: MessageKind::Normal,
                    bytes,
                };
                let outcome = b
                    .decrypt(&t)
                    .map(|p| String::from_utf8_lossy(&p).into_owned());
                println!(
                    "{}: {what}: {} -> {outcome:?}",
                    b.name,
                    hex::encode(&t.bytes)
                );
                if is_spec(&b) {
                    assert!(outcome.is_err(), "{} accepted: {what}", b.name);
                } else {
                    assert!(outcome.is_ok(), "{} rejected: {what}", b.name);
                }
                b.restore(&s);
            }
        }
        b.receive(&sent[1], b"index 1");
        b.receive(&sent[0], b"index 0");
    }
}

/// All-zero (low-order) public keys: in a bundle, as a prekey message's base key, and as a
/// normal message's new ratchet key (sent to a Bob who has just sent, so both step the
/// ratchet). Every X25519 output with them is all zero: `invalid_key`, and nothing changes.
#[test]
fn low_order_keys_are_invalid_keys() {
    for (alice, bob) in PAIRINGS {
        let (mut a, mut b) = pair(alice(), bob());
        let mut bundle = b.bundle(3, None);
        bundle.one_time_prekey = Some(hex::encode([0u8; 32]));
        let mut carol = Side::new(alice(), "carol", "bob", None);
        let r = carol.iut.call(&e2ee_iut::protocol::Request::Initiate {
            party: carol.party.clone(),
            peer: "bob".into(),
            bundle,
            base_key_private: None,
            ratchet_private: None,
            kem_randomness: None,
        });
        assert_eq!(class_of(r), "invalid_key", "{}", carol.name);

        let p = a.encrypt(b"hi");
        let mut zero_base = p.clone();
        zero_base.bytes[37..69].fill(0);
        b.reject(&zero_base, "invalid_key");
        b.receive(&p, b"hi");
        a.receive(&b.encrypt(b"ho"), b"ho");
        let n = a.encrypt(b"new chain");
        let mut zero_ratchet = n.clone();
        zero_ratchet.bytes[3..35].fill(0);
        b.reject(&zero_ratchet, "invalid_key");
        b.receive(&n, b"new chain");
    }
}
