//! One group message, sent and read, in the spec and in vodozemac, in one run:
//!
//! ```sh
//! cargo bench -p e2ee-adapter-vodozemac --bench group
//! ```
//!
//! `megolm-v1`: the spec's `group::Member` (encrypt, then decrypt with the client's replay
//! record) against vodozemac's `GroupSession::encrypt` + `InboundGroupSession::decrypt`
//! (no replay record: vodozemac leaves it to the client). `signal-sk-v3`: the spec only here;
//! libsignal's Sender Keys are timed through Node (`harness/shims/libsignal-node/bench.js`).
//! 64-byte payload; each iteration sends the next message of a stream the reader follows.

use criterion::{criterion_group, criterion_main, Criterion};
use e2ee_spec::group::{GroupProfile, Member, SenderDraws};
use std::hint::black_box;
use vodozemac::megolm::{GroupSession, InboundGroupSession, SessionConfig};

fn spec_pair(profile: GroupProfile) -> (Member, Member, Option<Vec<u8>>) {
    let draws = SenderDraws {
        distribution_id: [7; 16],
        chain_id: 42,
        chain_key: vec![0x5a; profile.chain_key_len()],
        iteration: 0,
        signing_private: [0x21; 32],
    };
    let mut alice = Member::new(profile);
    let mut bob = Member::new(profile);
    let distribution = alice.create("g", &draws).expect("create");
    bob.join("alice", &distribution).expect("join");
    let session_id = (profile == GroupProfile::MegolmV1)
        .then(|| e2ee_spec::crypto::ed25519::public_key(&draws.signing_private).to_vec());
    (alice, bob, session_id)
}

fn bench(c: &mut Criterion) {
    let payload = [0x42u8; 64];
    for profile in GroupProfile::ALL {
        let (mut alice, mut bob, sid) = spec_pair(profile);
        c.bench_function(&format!("group/{}/spec", profile.name()), |b| {
            b.iter(|| {
                let m = alice.encrypt("g", &payload, &[9; 64]).expect("encrypt");
                black_box(bob.decrypt("alice", sid.as_deref(), &m).expect("decrypt"))
            })
        });
    }
    let mut outbound = GroupSession::new(SessionConfig::version_1());
    let mut inbound = InboundGroupSession::new(&outbound.session_key(), SessionConfig::version_1());
    c.bench_function("group/megolm-v1/vodozemac", |b| {
        b.iter(|| {
            let m = outbound.encrypt(payload);
            black_box(inbound.decrypt(&m).expect("decrypt"))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
