//! What PQXDH costs over X3DH, `signal-v3` against `signal-v4`, through the party API; the
//! numbers are compared with libsignal's in `harness/shims/libsignal-node/bench.js`, which
//! times the same operations (run both back to back).
//!
//! - session setup: Bob publishes a bundle (signed prekey, one-time prekey and, in
//!   `signal-v4`, a one-time Kyber1024 prekey whose key generation is timed), Alice runs the
//!   initiator's key agreement (X3DH §3.3, PQXDH §3.3) and encrypts her first message, Bob
//!   runs the responder's (X3DH §3.4, PQXDH §3.4) and decrypts it.
//! - one message on an acknowledged session, without a DH step (stream) and with one
//!   (ping-pong, Double Ratchet §3.5): PQXDH changes only the key agreement, so these should
//!   cost the same in both profiles.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use e2ee_spec::crypto::kem;
use e2ee_spec::party::{self, KemPrekeyInput, Party};
use e2ee_spec::profiles::signal_v4;
use e2ee_spec::session::MessageKind;
use e2ee_spec::Profile;
use std::hint::black_box;

const PROFILES: [(&str, Profile); 2] = [
    ("signal-v3", Profile::SignalV3),
    ("signal-v4", Profile::SignalV4),
];

const KYBER_SEED: [u8; kem::KEYGEN_SEED_LEN] = [11; kem::KEYGEN_SEED_LEN];

fn key(tag: u8, i: u32) -> [u8; 32] {
    let mut k = [tag; 32];
    k[..4].copy_from_slice(&i.to_be_bytes());
    k
}

/// The whole setup, from Bob's prekeys to Alice's first message decrypted; returns both
/// parties so that the caller can go on from an established session. In `signal-v3` the
/// Kyber key pair is neither generated nor passed (the profile would ignore it).
fn setup(profile: Profile, alice: &Party, bob: &Party) -> (Party, Party) {
    let pair = profile
        .post_quantum()
        .then(|| kem::generate(signal_v4::KEM, black_box(&KYBER_SEED)));
    let kyber = pair.as_ref().map(|pair| KemPrekeyInput {
        id: 1,
        pair,
        z: &[12; 64],
        last_resort: false,
    });
    let (update, bundle) =
        party::publish_bundle(bob, (1, &key(3, 0)), Some((2, &key(4, 0))), &[5; 64], kyber);
    let bob = bob.clone().apply(update);
    let update = party::initiate(alice, &bundle, &key(6, 0), &key(7, 0), &[13; 32]).unwrap();
    let alice = alice.clone().apply(update);
    let (a_id, b_id) = (alice.identity.public, bob.identity.public);
    let (update, kind, m) = party::encrypt(&alice, &b_id, b"hello", &key(8, 0), &[0; 12]).unwrap();
    assert_eq!(kind, MessageKind::PreKey);
    let alice = alice.apply(update);
    let (update, plaintext) = party::decrypt(&bob, &a_id, kind, &m, &key(9, 0)).unwrap();
    assert_eq!(plaintext, b"hello");
    (alice, bob.apply(update))
}

/// One message from `from` to `to`; both parties advance.
fn send(from: Party, to: Party, tag: u8) -> (Party, Party) {
    let (from_id, to_id) = (from.identity.public, to.identity.public);
    let (update, kind, m) = party::encrypt(&from, &to_id, b"x", &key(tag, 1), &[0; 12]).unwrap();
    let (to_update, _) = party::decrypt(&to, &from_id, kind, &m, &key(tag, 2)).unwrap();
    (from.apply(update), to.apply(to_update))
}

fn bench(c: &mut Criterion) {
    for (name, profile) in PROFILES {
        let alice = Party::new(profile, false, &key(1, 0), 1);
        let bob = Party::new(profile, false, &key(2, 0), 2);

        // Parties are cloned in the untimed setup and the results dropped outside the timing
        // (iter_batched), so what is timed is the protocol work and applying its updates.
        c.bench_function(
            &format!("{name}/session setup (bundle, initiate, encrypt, decrypt)"),
            |b| {
                b.iter_batched(
                    || (alice.clone(), bob.clone()),
                    |(alice, bob)| setup(profile, black_box(&alice), black_box(&bob)),
                    BatchSize::SmallInput,
                )
            },
        );

        // Acknowledged: Bob has replied, so Alice sends normal messages, then Alice sends
        // once more so that Bob already knows her current sending chain.
        let (alice, bob) = setup(profile, &alice, &bob);
        let (bob, alice) = send(bob, alice, 20);
        let (alice, bob) = send(alice, bob, 21);
        let (a_id, b_id) = (alice.identity.public, bob.identity.public);

        // Stream: Alice again on the chain Bob knows, no DH step on either side.
        c.bench_function(&format!("{name}/stream message (encrypt+decrypt)"), |b| {
            b.iter_batched(
                || (alice.clone(), bob.clone()),
                |(alice, bob)| {
                    let (update, kind, m) =
                        party::encrypt(black_box(&alice), &b_id, b"hello", &[12; 32], &[1; 12])
                            .unwrap();
                    assert_eq!(kind, MessageKind::Normal);
                    let alice = alice.apply(update);
                    let (update, _) =
                        party::decrypt(black_box(&bob), &a_id, kind, &m, &[13; 32]).unwrap();
                    (alice, bob.apply(update))
                },
                BatchSize::SmallInput,
            )
        });

        // Ping-pong: Bob answers Alice's last message, so his carries a new ratchet key and
        // Alice's decrypt performs the DH ratchet step (two DH and a key generation).
        c.bench_function(
            &format!("{name}/ping-pong message (encrypt+decrypt, DH step)"),
            |b| {
                b.iter_batched(
                    || (alice.clone(), bob.clone()),
                    |(alice, bob)| {
                        let (update, kind, m) =
                            party::encrypt(black_box(&bob), &a_id, b"hello", &[14; 32], &[2; 12])
                                .unwrap();
                        assert_eq!(kind, MessageKind::Normal);
                        let bob = bob.apply(update);
                        let (update, _) =
                            party::decrypt(black_box(&alice), &b_id, kind, &m, &[15; 32]).unwrap();
                        (alice.apply(update), bob)
                    },
                    BatchSize::SmallInput,
                )
            },
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
