//! Nothing in the spec panics on input from outside: arbitrary bytes and keys are fed to
//! every function that parses, verifies or decrypts. (proptest reports a panic as a failure.)

use e2ee_spec::double_ratchet as dr;
use e2ee_spec::header_encryption as he;
use e2ee_spec::party::{self, Party};
use e2ee_spec::profile::WireVariant;
use e2ee_spec::profiles::modern;
use e2ee_spec::session::{self, MessageKind};
use e2ee_spec::wire::protobuf;
use e2ee_spec::x3dh::{self, PreKeyBundle};
use e2ee_spec::Profile;
use proptest::prelude::*;

mod common;
use common::kyber;

fn profile() -> impl Strategy<Value = Profile> {
    prop_oneof![
        Just(Profile::Modern),
        Just(Profile::SignalV3),
        Just(Profile::OlmV1)
    ]
}

fn kind() -> impl Strategy<Value = MessageKind> {
    prop_oneof![Just(MessageKind::PreKey), Just(MessageKind::Normal)]
}

/// A party with a session with `peer`, after one message each way.
fn party_with_session(profile: Profile, header: bool) -> (Party, [u8; 32], Vec<u8>) {
    let he = header && profile == Profile::Modern;
    let alice = Party::new(profile, he, &[1; 32], 1);
    let bob = Party::new(profile, he, &[2; 32], 2);
    let (update, bundle) =
        party::publish_bundle(&bob, (1, &[3; 32]), Some((2, &[4; 32])), &[5; 64], kyber());
    let bob = bob.apply(update);
    let update = party::initiate(&alice, &bundle, &[6; 32], &[7; 32], &[13; 32]).unwrap();
    let alice = alice.apply(update);
    let (_, _, m) = party::encrypt(&alice, &bob.identity.public, b"x", &[8; 32], &[9; 12]).unwrap();
    (bob, alice.identity.public, m)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn decrypt_arbitrary_bytes(p in profile(), header in any::<bool>(), k in kind(), bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let (bob, alice_id, _) = party_with_session(p, header);
        let _ = party::decrypt(&bob, &alice_id, k, &bytes, &[0; 32]);
        let _ = party::decrypt(&bob, &[0x42; 32], k, &bytes, &[0; 32]);
        let _ = session::decode_prekey_message(p, &bytes);
    }

    /// A genuine prekey message with bytes flipped, cut or extended: the parsers meet
    /// almost-valid input, where length bugs live.
    #[test]
    fn decrypt_mutated_message(p in profile(), header in any::<bool>(), at in any::<usize>(), xor in any::<u8>(), cut in any::<usize>(), extra in proptest::collection::vec(any::<u8>(), 0..8)) {
        let (bob, alice_id, m) = party_with_session(p, header);
        let mut flipped = m.clone();
        let i = at % flipped.len();
        flipped[i] ^= xor;
        let _ = party::decrypt(&bob, &alice_id, MessageKind::PreKey, &flipped, &[0; 32]);
        let _ = party::decrypt(&bob, &alice_id, MessageKind::PreKey, &m[..cut % m.len()], &[0; 32]);
        let mut longer = m.clone();
        longer.extend_from_slice(&extra);
        let _ = party::decrypt(&bob, &alice_id, MessageKind::PreKey, &longer, &[0; 32]);
    }

    #[test]
    fn ratchet_functions_arbitrary(p in profile(), bytes in proptest::collection::vec(any::<u8>(), 0..200), ad in proptest::collection::vec(any::<u8>(), 0..70), k in any::<[u8; 32]>()) {
        let state = dr::ratchet_init_bob(&k, &dr::KeyPair::from_private(&k));
        let _ = dr::ratchet_decrypt(p, &p.limits(), &state, &bytes, &ad, &k);
        let _ = dr::ratchet_encrypt(p, WireVariant::Reference, &p.limits(), &state, &bytes, &ad, &k);
        if let Ok(alice) = dr::ratchet_init_alice(p, &k, &k, &k) {
            let _ = dr::ratchet_decrypt(p, &p.limits(), &alice, &bytes, &ad, &k);
        }
        let hstate = he::ratchet_init_bob(&k, &dr::KeyPair::from_private(&k), &k, &k);
        let _ = he::ratchet_decrypt(&modern::LIMITS, &hstate, &bytes, &ad, &k);
        let _ = protobuf::fields(&bytes);
    }

    #[test]
    fn x3dh_arbitrary_keys(ik in any::<[u8; 32]>(), spk in any::<[u8; 32]>(), sig in proptest::collection::vec(any::<u8>(), 64), opk in proptest::option::of(any::<[u8; 32]>()), ek in any::<[u8; 32]>()) {
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&sig);
        let bundle = PreKeyBundle { identity_key: ik, signed_prekey_id: 1, signed_prekey: spk, signed_prekey_signature: signature, one_time_prekey: opk.map(|k| (2, k)), kyber_prekey: None };
        let me = dr::KeyPair::from_private(&ek);
        let _ = x3dh::initiate(&me, &bundle, &ek);
        let _ = x3dh::respond(&me, &me, Some(&me), &ik, &spk);
        for p in Profile::ALL {
            let _ = party::initiate(&Party::new(p, false, &ek, 0), &bundle, &ek, &ek, &[13; 32]);
        }
    }
}
