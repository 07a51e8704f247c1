//! The spec against DESIGN.md's performance floor (2-core machine, criterion medians):
//! one Double Ratchet message encrypt + decrypt without a DH step ≈ 3–5 µs; with a DH
//! ratchet step (incl. key generation) ≈ 126 µs; vodozemac 20.4 µs / 126 µs.

use criterion::{criterion_group, criterion_main, Criterion};
use e2ee_spec::party::{self, Party};
use e2ee_spec::session::{self, Session};
use e2ee_spec::Profile;
use std::hint::black_box;

#[path = "../tests/common/mod.rs"]
mod common;
use common::kyber;

fn established(profile: Profile, he: bool) -> (Session, Session) {
    let alice = Party::new(profile, he, &[1; 32], 1);
    let bob = Party::new(profile, he, &[2; 32], 2);
    let (update, bundle) =
        party::publish_bundle(&bob, (1, &[3; 32]), Some((2, &[4; 32])), &[5; 64], kyber());
    let bob = bob.apply(update);
    let update = party::initiate(&alice, &bundle, &[6; 32], &[7; 32], &[13; 32]).unwrap();
    let alice = alice.apply(update);
    let (a_id, b_id) = (alice.identity.public, bob.identity.public);
    let (update, kind, m) = party::encrypt(&alice, &b_id, b"hello", &[8; 32], &[0; 12]).unwrap();
    let alice = alice.apply(update);
    let (update, _) = party::decrypt(&bob, &a_id, kind, &m, &[9; 32]).unwrap();
    let bob = bob.apply(update);
    let (update, kind, m) = party::encrypt(&bob, &a_id, b"hi", &[10; 32], &[0; 12]).unwrap();
    let bob = bob.apply(update);
    let (update, _) = party::decrypt(&alice, &b_id, kind, &m, &[11; 32]).unwrap();
    let alice = alice.apply(update);
    (
        alice.session(&b_id).unwrap().clone(),
        bob.session(&a_id).unwrap().clone(),
    )
}

fn bench(c: &mut Criterion) {
    let payload = [0x42u8; 64];
    for (name, profile, he) in [
        ("modern", Profile::Modern, false),
        ("modern-he", Profile::Modern, true),
        ("signal-v3", Profile::SignalV3, false),
        ("olm-v1", Profile::OlmV1, false),
    ] {
        let (alice, bob) = established(profile, he);
        // Stream: Alice sends on a chain Bob already knows (one message delivered first),
        // so neither side performs a DH step.
        let (alice1, kind, m) = session::encrypt(&alice, &payload, &[18; 32], &[3; 12]).unwrap();
        let (bob1, _) = session::decrypt(&bob, kind, &m, &[19; 32]).unwrap();
        c.bench_function(&format!("{name}/stream message (encrypt+decrypt)"), |b| {
            b.iter(|| {
                let (_, kind, m) =
                    session::encrypt(black_box(&alice1), &payload, &[12; 32], &[1; 12]).unwrap();
                session::decrypt(black_box(&bob1), kind, &m, &[13; 32]).unwrap()
            })
        });
        // Ping-pong: Bob replies to Alice after she sent, so each message carries a new
        // ratchet key and the receiver (or, in Olm, the sender) performs a DH step. The reply
        // goes to `alice2`, the Alice who sent: in Olm her ratchet key is made when she sends
        // (PROFILES.md, lazy sending ratchet), so the Alice before that cannot decrypt it.
        let (alice2, kind, m) = session::encrypt(&alice, &payload, &[14; 32], &[1; 12]).unwrap();
        let (bob2, _) = session::decrypt(&bob, kind, &m, &[15; 32]).unwrap();
        c.bench_function(
            &format!("{name}/ping-pong message (encrypt+decrypt, DH step)"),
            |b| {
                b.iter(|| {
                    let (_, kind, m) =
                        session::encrypt(black_box(&bob2), &payload, &[16; 32], &[2; 12]).unwrap();
                    session::decrypt(black_box(&alice2), kind, &m, &[17; 32]).unwrap()
                })
            },
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
