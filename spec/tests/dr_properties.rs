//! Property tests of the ratchets through whole conversations, in every profile, plain and
//! header-encrypted: random interleavings, out-of-order delivery across DH ratchet steps,
//! loss, duplicates and tampering. The model is a list of messages in flight; the oracle is
//! "every genuine message decrypts exactly once to its plaintext, everything else is
//! rejected, and a rejection changes nothing".

use e2ee_spec::double_ratchet as dr;
use e2ee_spec::party::{self, Party};
use e2ee_spec::profile::WireVariant;
use e2ee_spec::session::{self, MessageKind, Ratchet, Session};
use e2ee_spec::{Error, Profile};
use proptest::prelude::*;

mod common;
use common::kyber;

fn key(tag: u8, i: u64) -> [u8; 32] {
    let mut k = [tag; 32];
    k[..8].copy_from_slice(&i.to_be_bytes());
    k
}

/// Alice and Bob with an acknowledged session (Alice's prekey message delivered, Bob's reply
/// delivered), so both can send in every profile.
fn established(profile: Profile, he: bool) -> (Session, Session) {
    let alice = Party::new(profile, he, &key(1, 0), 1);
    let bob = Party::new(profile, he, &key(2, 0), 2);
    let (update, bundle) = party::publish_bundle(
        &bob,
        (1, &key(3, 0)),
        Some((2, &key(4, 0))),
        &[9; 64],
        kyber(),
    );
    let bob = bob.apply(update);
    let update = party::initiate(&alice, &bundle, &key(5, 0), &key(6, 0), &[13; 32]).unwrap();
    let alice = alice.apply(update);
    let (a_id, b_id) = (alice.identity.public, bob.identity.public);
    let (update, kind, m) = party::encrypt(&alice, &b_id, b"hello", &key(7, 0), &[0; 12]).unwrap();
    let alice = alice.apply(update);
    let (update, _) = party::decrypt(&bob, &a_id, kind, &m, &key(8, 0)).unwrap();
    let bob = bob.apply(update);
    let (update, kind, m) = party::encrypt(&bob, &a_id, b"hi", &key(9, 0), &[0; 12]).unwrap();
    let bob = bob.apply(update);
    let (update, _) = party::decrypt(&alice, &b_id, kind, &m, &key(10, 0)).unwrap();
    let alice = alice.apply(update);
    (
        alice.session(&b_id).unwrap().clone(),
        bob.session(&a_id).unwrap().clone(),
    )
}

#[derive(Debug, Clone)]
enum Action {
    Send(bool),
    Deliver(usize),
    Duplicate(usize),
    Tamper(usize, usize, u8),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => any::<bool>().prop_map(Action::Send),
        4 => any::<usize>().prop_map(Action::Deliver),
        1 => any::<usize>().prop_map(Action::Duplicate),
        2 => (any::<usize>(), any::<usize>(), 1u8..=255).prop_map(|(m, b, x)| Action::Tamper(m, b, x)),
    ]
}

struct Flight {
    to_bob: bool,
    kind: MessageKind,
    bytes: Vec<u8>,
    plaintext: Vec<u8>,
    delivered: bool,
}

fn converse(profile: Profile, he: bool, actions: &[Action]) -> Result<(), TestCaseError> {
    let (mut alice, mut bob) = established(profile, he);
    let mut flights: Vec<Flight> = Vec::new();
    for (step, action) in actions.iter().enumerate() {
        let fresh = key(20, step as u64);
        match action {
            Action::Send(to_bob) => {
                let sender = if *to_bob { &alice } else { &bob };
                let plaintext = (step as u32).to_be_bytes().to_vec();
                let (next, kind, bytes) =
                    session::encrypt(sender, &plaintext, &fresh, &[step as u8; 12]).unwrap();
                if *to_bob {
                    alice = next;
                } else {
                    bob = next;
                }
                flights.push(Flight {
                    to_bob: *to_bob,
                    kind,
                    bytes,
                    plaintext,
                    delivered: false,
                });
            }
            Action::Deliver(i) | Action::Duplicate(i) => {
                let want_delivered = matches!(action, Action::Duplicate(_));
                let candidates: Vec<usize> = (0..flights.len())
                    .filter(|&k| flights[k].delivered == want_delivered)
                    .collect();
                if candidates.is_empty() {
                    continue;
                }
                let k = candidates[i % candidates.len()];
                let f = &flights[k];
                let receiver = if f.to_bob { &bob } else { &alice };
                let result = session::decrypt(receiver, f.kind, &f.bytes, &fresh);
                if want_delivered {
                    // A replay: rejected (as a duplicate, or as unauthenticated once its chain
                    // is gone), and the receiver is unchanged (it is passed by reference).
                    let err = result.err();
                    prop_assert!(
                        matches!(
                            err,
                            Some(Error::DuplicateMessage) | Some(Error::AuthFailure)
                        ),
                        "replay gave {err:?}"
                    );
                } else {
                    let (next, plaintext) = result.map_err(|e| {
                        TestCaseError::fail(format!("genuine message {k} rejected: {e:?}"))
                    })?;
                    prop_assert_eq!(&plaintext, &f.plaintext);
                    if f.to_bob {
                        bob = next;
                    } else {
                        alice = next;
                    }
                    flights[k].delivered = true;
                }
            }
            Action::Tamper(i, byte, xor) => {
                if flights.is_empty() {
                    continue;
                }
                let f = &flights[i % flights.len()];
                let mut bytes = f.bytes.clone();
                let at = byte % bytes.len();
                bytes[at] ^= xor;
                let receiver = if f.to_bob { &bob } else { &alice };
                let result = session::decrypt(receiver, f.kind, &bytes, &fresh);
                // Olm and libsignal MACs are truncated to 8 bytes; flipping a byte of an
                // unauthenticated prekey wrapper field that is not bound (e.g. libsignal's
                // registration id) is the only way to be accepted, and then the plaintext
                // must be the genuine one and the message genuinely new.
                if let Ok((_, plaintext)) = &result {
                    prop_assert!(
                        !f.delivered && plaintext == &f.plaintext,
                        "tampered byte {at} accepted"
                    );
                }
            }
        }
    }
    // Everything still in flight decrypts: rejections changed no state.
    for f in flights.iter().filter(|f| !f.delivered) {
        let receiver = if f.to_bob { &bob } else { &alice };
        match session::decrypt(receiver, f.kind, &f.bytes, &key(30, 0)) {
            Ok((next, plaintext)) => {
                prop_assert_eq!(&plaintext, &f.plaintext);
                if f.to_bob {
                    bob = next;
                } else {
                    alice = next;
                }
            }
            // Keys the profile evicted (chains beyond the kept number) are legitimately gone.
            Err(e) => prop_assert!(evicted_ok(profile, e), "late delivery failed: {e:?}"),
        }
    }
    Ok(())
}

/// With few receiving chains kept, a message from an evicted chain fails to authenticate
/// (`modern` keeps one chain and skipped keys by PN, so nothing of a 40-step script is lost).
fn evicted_ok(profile: Profile, e: Error) -> bool {
    profile != Profile::Modern && matches!(e, Error::AuthFailure | Error::DuplicateMessage)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn modern_plain(actions in proptest::collection::vec(action(), 1..40)) {
        converse(Profile::Modern, false, &actions)?;
    }

    #[test]
    fn modern_header_encrypted(actions in proptest::collection::vec(action(), 1..40)) {
        converse(Profile::Modern, true, &actions)?;
    }

    #[test]
    fn signal_v3(actions in proptest::collection::vec(action(), 1..40)) {
        converse(Profile::SignalV3, false, &actions)?;
    }

    #[test]
    fn olm_v1(actions in proptest::collection::vec(action(), 1..40)) {
        converse(Profile::OlmV1, false, &actions)?;
    }

    /// Wrong associated data is an authentication failure (modern binds AD in the AEAD,
    /// signal-v3 in the MAC; Olm has no associated data).
    #[test]
    fn wrong_ad_rejected(flip in 0usize..66, he in any::<bool>(), signal in any::<bool>()) {
        let profile = if signal { Profile::SignalV3 } else { Profile::Modern };
        let he = he && profile == Profile::Modern;
        let (alice, bob) = established(profile, he);
        let (_, _, message) = session::encrypt(&alice, b"bound", &key(40, 0), &[1; 12]).unwrap();
        let mut wrong = bob.clone();
        let ad_len = if profile == Profile::Modern { wrong.ad.len() } else { 33 };
        if profile == Profile::Modern {
            wrong.ad[flip % ad_len] ^= 1;
        } else {
            wrong.remote_identity[flip % 32] ^= 1;
        }
        prop_assert_eq!(session::decrypt(&wrong, MessageKind::Normal, &message, &key(41, 0)).unwrap_err(), Error::AuthFailure);
        prop_assert!(session::decrypt(&bob, MessageKind::Normal, &message, &key(41, 0)).is_ok());
    }
}

/// A gap of exactly MAX_SKIP is accepted and MAX_SKIP + 1 rejected, in every profile, plain
/// and header-encrypted; the rejection leaves the receiver able to take the next message.
#[test]
fn max_skip_boundary() {
    for (profile, he) in [
        (Profile::Modern, false),
        (Profile::Modern, true),
        (Profile::SignalV3, false),
        (Profile::OlmV1, false),
    ] {
        let max = profile.limits().max_skip as usize;
        let (mut alice, bob) = established(profile, he);
        let mut sent = Vec::new();
        for i in 0..(2 * max + 3) {
            let (a, _, m) = session::encrypt(
                &alice,
                &(i as u32).to_be_bytes(),
                &key(50, i as u64),
                &[2; 12],
            )
            .unwrap();
            alice = a;
            sent.push(m);
        }
        // Bob's next expected counter is that of sent[0]; sent[max] needs `max` skipped keys.
        let (bob, p) = session::decrypt(&bob, MessageKind::Normal, &sent[max], &key(51, 0))
            .unwrap_or_else(|e| panic!("{profile:?} he={he}: gap of MAX_SKIP rejected: {e:?}"));
        assert_eq!(p, (max as u32).to_be_bytes());
        // Now expected is max + 1; sent[2 * max + 2] is a gap of max + 1.
        assert_eq!(
            session::decrypt(&bob, MessageKind::Normal, &sent[2 * max + 2], &key(52, 0))
                .unwrap_err(),
            Error::TooFarAhead,
            "{profile:?} he={he}"
        );
        let (_, p) =
            session::decrypt(&bob, MessageKind::Normal, &sent[2 * max + 1], &key(53, 0)).unwrap();
        assert_eq!(p, ((2 * max + 1) as u32).to_be_bytes());
    }
}

/// The ensures of `ratchet_encrypt` and `ratchet_decrypt` (double_ratchet.rs), checked at
/// run time on states reached by real conversations.
#[test]
fn dr_contracts_hold() {
    for profile in Profile::ALL {
        let (mut alice, mut bob) = established(profile, false);
        for i in 0..60u64 {
            let (sender, receiver) = if i % 7 < 4 {
                (&mut alice, &mut bob)
            } else {
                (&mut bob, &mut alice)
            };
            let Ratchet::Plain(s) = &sender.ratchet else {
                unreachable!()
            };
            let ad = vec![i as u8; 66];
            let (after, m) = dr::ratchet_encrypt(
                profile,
                WireVariant::Reference,
                &profile.limits(),
                s,
                b"x",
                &ad,
                &key(60, i),
            )
            .unwrap();
            assert!(after.ck_s.is_some() && after.n_s > 0 && after.skipped == s.skipped);
            let Ratchet::Plain(r) = &receiver.ratchet else {
                unreachable!()
            };
            let (r_after, _) =
                dr::ratchet_decrypt(profile, &profile.limits(), r, &m, &ad, &key(61, i)).unwrap();
            assert!(dr::within_limits(&profile.limits(), &r_after));
            sender.ratchet = Ratchet::Plain(after);
            receiver.ratchet = Ratchet::Plain(r_after);
        }
    }
}
