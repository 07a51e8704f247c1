//! What one ordinary message costs at the party level, against how many sessions the
//! receiving party holds: the per-message cost should not depend on it (a party advances
//! the one session a message belongs to and leaves the others where they are).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use e2ee_spec::party::{self, Party};
use e2ee_spec::session::MessageKind;
use e2ee_spec::Profile;
use std::hint::black_box;

#[path = "../tests/common/mod.rs"]
mod common;
use common::kyber;

const PROFILE: Profile = Profile::SignalV3;

fn key(tag: u8, i: u32) -> [u8; 32] {
    let mut k = [tag; 32];
    k[..4].copy_from_slice(&i.to_be_bytes());
    k
}

/// One message from `from` to `to` through the party API; both parties advance.
fn send(from: Party, to: Party, tag: u8) -> (Party, Party) {
    let (from_id, to_id) = (from.identity.public, to.identity.public);
    let (update, kind, m) = party::encrypt(&from, &to_id, b"x", &key(tag, 1), &[0; 12]).unwrap();
    let (to_update, _) = party::decrypt(&to, &from_id, kind, &m, &key(tag, 2)).unwrap();
    (from.apply(update), to.apply(to_update))
}

/// Alice and Bob past the prekey stage, Alice on a sending chain Bob already knows (so
/// the measured message is a plain chain step), and Bob holding `others` further sessions
/// with other peers. Alice's session is the last in Bob's list, so finding it walks past
/// every other one: the worst case for a list of sessions.
fn established(others: u32) -> (Party, Party) {
    let bob = Party::new(PROFILE, false, &key(2, 0), 2);
    let (update, bundle) = party::publish_bundle(&bob, (1, &key(3, 0)), None, &[5; 64], kyber());
    let mut bob = bob.apply(update);
    for i in 0..others {
        let peer = Party::new(PROFILE, false, &key(20, i), 100 + i);
        let update = party::initiate(&peer, &bundle, &key(21, i), &key(22, i), &[13; 32]).unwrap();
        let (_, b) = send(peer.apply(update), bob, 23);
        bob = b;
    }
    let alice = Party::new(PROFILE, false, &key(1, 0), 1);
    let update = party::initiate(&alice, &bundle, &key(6, 0), &key(7, 0), &[13; 32]).unwrap();
    let (alice, bob) = send(alice.apply(update), bob, 8);
    let (bob, alice) = send(bob, alice, 9);
    let (alice, bob) = send(alice, bob, 10);
    assert_eq!(bob.sessions.len() as u32, others + 1);
    let last = bob.sessions.last().map(|s| s.remote_identity);
    assert_eq!(last, Some(alice.identity.public));
    (alice, bob)
}

fn bench(c: &mut Criterion) {
    for sessions in [1u32, 64] {
        let (alice, bob) = established(sessions - 1);
        let (a_id, b_id) = (alice.identity.public, bob.identity.public);
        let name =
            format!("signal-v3/party message (encrypt+decrypt), bob holds {sessions} sessions");
        c.bench_function(&name, |b| {
            // The parties are cloned in criterion's untimed setup (and the results dropped
            // outside the timing), so each iteration sends the same message from the same
            // state and what is timed is encrypt, decrypt and applying both updates.
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
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
