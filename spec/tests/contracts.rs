//! hax-lib erases contracts in normal builds; this file checks, at run time and on
//! randomly driven states, the same predicates the contracts state (see
//! proofs/obligations.json for the mapping). `dr_properties.rs::dr_contracts_hold` covers
//! `double_ratchet::ratchet_encrypt` / `ratchet_decrypt`.

use e2ee_spec::crypto::kem;
use e2ee_spec::double_ratchet::{self as dr, KeyPair};
use e2ee_spec::header_encryption as he;
use e2ee_spec::pqxdh;
use e2ee_spec::profiles::{modern, signal_v4};
use e2ee_spec::x3dh::{self, PreKeyBundle};
use e2ee_spec::Profile;
use proptest::prelude::*;

fn pair(k: &[u8; 32]) -> KeyPair {
    KeyPair::from_private(k)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// x3dh::initiate and x3dh::respond ensures: AD is 66 bytes and the key material
    /// F || DH1..DH3 (|| DH4) is 128 or 160 bytes; and both sides agree.
    #[test]
    fn x3dh_ensures(ik_a in any::<[u8; 32]>(), ik_b in any::<[u8; 32]>(), spk in any::<[u8; 32]>(), opk in proptest::option::of(any::<[u8; 32]>()), ek in any::<[u8; 32]>(), z in proptest::collection::vec(any::<u8>(), 64)) {
        let (a, b, s) = (pair(&ik_a), pair(&ik_b), pair(&spk));
        let mut zz = [0u8; 64];
        zz.copy_from_slice(&z);
        let o = opk.map(|k| pair(&k));
        let bundle = PreKeyBundle {
            identity_key: b.public,
            signed_prekey_id: 1,
            signed_prekey: s.public,
            signed_prekey_signature: x3dh::sign_prekey(&b, &s.public, &zz),
            one_time_prekey: o.as_ref().map(|o| (2, o.public)),
            kyber_prekey: None,
        };
        let alice = x3dh::initiate(&a, &bundle, &ek).unwrap();
        prop_assert_eq!(alice.ad.len(), 66);
        prop_assert_eq!(alice.key_material.len(), if opk.is_some() { 160 } else { 128 });
        let bob = x3dh::respond(&b, &s, o.as_ref(), &a.public, &pair(&ek).public).unwrap();
        prop_assert_eq!(bob.ad.len(), 66);
        prop_assert_eq!(&alice, &bob);
    }

    /// `pqxdh::initiate` / `pqxdh::respond` ensures: F || DH1..DH3 (|| DH4) || SS is 160 or
    /// 192 bytes, AD 66; both sides agree, and Bob's ciphertext is Alice's.
    #[test]
    fn pqxdh_ensures(ik_a in any::<[u8; 32]>(), ik_b in any::<[u8; 32]>(), spk in any::<[u8; 32]>(), opk in proptest::option::of(any::<[u8; 32]>()), ek in any::<[u8; 32]>(), seed in proptest::collection::vec(any::<u8>(), 64), m in any::<[u8; 32]>()) {
        let (a, b, s) = (pair(&ik_a), pair(&ik_b), pair(&spk));
        let seed: [u8; 64] = seed.try_into().unwrap();
        let kem_pair = kem::generate(signal_v4::KEM, &seed);
        let o = opk.map(|k| pair(&k));
        let bundle = PreKeyBundle {
            identity_key: b.public,
            signed_prekey_id: 1,
            signed_prekey: s.public,
            signed_prekey_signature: x3dh::sign_prekey(&b, &s.public, &[7; 64]),
            one_time_prekey: o.as_ref().map(|o| (2, o.public)),
            kyber_prekey: Some(pqxdh::SignedKemPrekey {
                id: 3,
                signature: pqxdh::sign_kem_prekey(&b, &kem_pair.public, &[8; 64]),
                public: kem_pair.public.clone(),
            }),
        };
        let (alice, payload) = pqxdh::initiate(signal_v4::KEM, &a, &bundle, &ek, &m).unwrap();
        prop_assert_eq!(alice.ad.len(), 66);
        prop_assert_eq!(alice.key_material.len(), if opk.is_some() { 192 } else { 160 });
        prop_assert_eq!(payload.prekey_id, 3);
        let bob = pqxdh::respond(&b, &s, o.as_ref(), &kem_pair, &a.public, &pair(&ek).public, &payload.ciphertext).unwrap();
        prop_assert_eq!(&alice, &bob);
    }

    /// double_ratchet::skip_message_keys requires `index < receiver_chains.len()` (every
    /// caller guarantees it); on success the chain's Nr is `until` and the store is within
    /// the profile's limits; a gap above MAX_SKIP is refused.
    #[test]
    fn skip_message_keys_contract(gap in 0u32..2100, start in 0u32..50, profile in prop_oneof![Just(Profile::Modern), Just(Profile::OlmV1)]) {
        let mut state = dr::ratchet_init_bob(&[1; 32], &pair(&[2; 32]));
        state.receiver_chains.push(dr::ReceiverChain { dh_r: [3; 32], ck_r: [4; 32], n_r: start });
        let result = dr::skip_message_keys(&profile.limits(), &mut state, 0, start + gap);
        if gap > profile.limits().max_skip {
            prop_assert_eq!(result, Err(e2ee_spec::Error::TooFarAhead));
        } else {
            prop_assert!(result.is_ok());
            prop_assert_eq!(state.receiver_chains[0].n_r, start + gap);
            prop_assert!(dr::within_limits(&profile.limits(), &state));
        }
    }

    /// header_encryption::ratchet_encrypt / ratchet_decrypt ensures, on conversations.
    #[test]
    fn header_encryption_ensures(pattern in proptest::collection::vec(any::<bool>(), 1..30)) {
        let sk = [7u8; 32];
        let (hka, nhkb) = ([8u8; 32], [9u8; 32]);
        let bob_pair = pair(&[10; 32]);
        let mut alice = he::ratchet_init_alice(&sk, &bob_pair.public, &hka, &nhkb, &[11; 32]).unwrap();
        let mut bob = he::ratchet_init_bob(&sk, &bob_pair, &hka, &nhkb);
        let mut bob_can_send = false;
        for (i, alice_sends) in pattern.iter().enumerate() {
            let fresh = [i as u8; 32];
            let (sender, receiver) = if *alice_sends || !bob_can_send { (&mut alice, &mut bob) } else { (&mut bob, &mut alice) };
            let (s2, m) = he::ratchet_encrypt(&modern::LIMITS, sender, b"m", b"ad", &[i as u8; 12]).unwrap();
            prop_assert!(s2.n_s > 0 && s2.skipped == sender.skipped);
            let (r2, _) = he::ratchet_decrypt(&modern::LIMITS, receiver, &m, b"ad", &fresh).unwrap();
            prop_assert!(he::within_limits(&modern::LIMITS, &r2));
            *sender = s2;
            *receiver = r2;
            bob_can_send = true;
        }
    }
}
