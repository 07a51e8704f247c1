//! signal-sk-v3's Sender Keys as symbolic terms: the hash ratchet, the message keys, and the
//! layouts of the SenderKeyMessage and the SenderKeyDistributionMessage, every constant from
//! `e2ee_spec::profiles::signal_sk_v3` (and signal-v3's key encoding), as `schedule` does for
//! the 1:1 profiles. The tests below evaluate each `letfun` on bytes against
//! `e2ee_spec::sender_keys`.

use crate::schedule::{self, lf, pb_uint, zero_salt, LetFun};
use crate::term::{call, cat, cnst, hkdf, hmac, var, Term, Ty};
use e2ee_spec::group::GroupProfile;
use e2ee_spec::profiles::signal_sk_v3 as sk;

/// The model-file prefix.
pub const PREFIX: &str = "signal_sk_v3";

/// The distribution id (a group's UUID) the models put in every message. Any value does: the
/// models have one group, and a receiver session holds one sender's chains of it.
pub const DISTRIBUTION_ID: [u8; sk::DISTRIBUTION_ID_LEN] = [0xd1; sk::DISTRIBUTION_ID_LEN];
/// The chain ids of a sender's first chain and of the one it draws when it rotates (libsignal
/// draws a random 31-bit id per chain; any two distinct values do).
pub const CHAIN_ID: u32 = 5;
pub const ROTATED_CHAIN_ID: u32 = 6;
/// AES's block: the IV is the first 16 bytes of the message keys.
const IV_LEN: usize = 16;

/// The profile's name in expected.json and the model headers.
pub fn name() -> &'static str {
    GroupProfile::SignalSkV3.name()
}

fn version() -> Term {
    cnst(
        &[sk::VERSION_BYTE],
        "e2ee_spec::profiles::signal_sk_v3::VERSION_BYTE",
    )
}

/// A chain id as the messages carry it (protobuf field 2).
pub fn chain_id(value: u32) -> Term {
    pb_uint(sk::FIELD_CHAIN_ID, value, "SenderKeyMessage.chain_id")
}

/// An iteration as the messages carry it (protobuf field 3).
pub fn iteration(value: u32) -> Term {
    pb_uint(sk::FIELD_ITERATION, value, "SenderKeyMessage.iteration")
}

fn distribution_id() -> Term {
    Term::PbBytes {
        field: sk::FIELD_DISTRIBUTION_ID,
        value: Box::new(cnst(
            &DISTRIBUTION_ID,
            "the model's distribution id (16 bytes)",
        )),
    }
}

/// The model's `letfun`s, in dependency order.
pub fn letfuns() -> Vec<LetFun> {
    let v = var;
    let encode = schedule::encode_letfun();
    let okm = |from, to| {
        hkdf(
            zero_salt(),
            v("seed"),
            cnst(
                sk::MESSAGE_KEYS_INFO,
                "e2ee_spec::profiles::signal_sk_v3::MESSAGE_KEYS_INFO",
            ),
            from,
            to,
        )
    };
    vec![
        encode,
        lf(
            "sk_seed",
            &[("ck", Ty::Bits)],
            hmac(
                v("ck"),
                cnst(
                    &[sk::MESSAGE_KEY_SEED],
                    "e2ee_spec::profiles::signal_sk_v3::MESSAGE_KEY_SEED",
                ),
            ),
            "SenderChainKey::sender_message_key: seed = HMAC-SHA256(chain key, 0x01) (sender_keys::ChainKey::message_key_seed)",
        ),
        lf(
            "sk_next",
            &[("ck", Ty::Bits)],
            hmac(
                v("ck"),
                cnst(
                    &[sk::CHAIN_KEY_SEED],
                    "e2ee_spec::profiles::signal_sk_v3::CHAIN_KEY_SEED",
                ),
            ),
            "SenderChainKey::next: HMAC-SHA256(chain key, 0x02) (sender_keys::ChainKey::next)",
        ),
        lf(
            "sk_iv",
            &[("seed", Ty::Bits)],
            okm(0, IV_LEN),
            "SenderMessageKey::new: IV = HKDF(no salt, seed, \"WhisperGroup\")[0..16] (sender_keys::message_keys)",
        ),
        lf(
            "sk_key",
            &[("seed", Ty::Bits)],
            okm(IV_LEN, sk::MESSAGE_KEYS_LEN),
            "SenderMessageKey::new: AES-256 key = HKDF(no salt, seed, \"WhisperGroup\")[16..48] (sender_keys::message_keys)",
        ),
        lf(
            "sk_ct",
            &[("seed", Ty::Bits), ("pt", Ty::Bits)],
            Term::Cbc {
                key: Box::new(call("sk_key", vec![v("seed")])),
                iv: Box::new(call("sk_iv", vec![v("seed")])),
                plaintext: Box::new(v("pt")),
            },
            "group_encrypt: AES-256-CBC(key, IV, pt) under the iteration's message keys (sender_keys::Sender::encrypt)",
        ),
        lf(
            "sk_body",
            &[("chain", Ty::Bits), ("it", Ty::Bits), ("ct", Ty::Bits)],
            cat(vec![
                version(),
                distribution_id(),
                v("chain"),
                v("it"),
                Term::PbBytes {
                    field: sk::FIELD_CIPHERTEXT,
                    value: Box::new(v("ct")),
                },
            ]),
            "SenderKeyMessage before its signature: 0x33 || protobuf {distribution id, chain id, iteration, ciphertext} (sender_keys::message_body)",
        ),
        lf(
            "sk_message",
            &[("body", Ty::Bits), ("signature", Ty::Bits)],
            cat(vec![v("body"), v("signature")]),
            "SenderKeyMessage: body || XEdDSA signature over the body (sender_keys::sign)",
        ),
        lf(
            "sk_distribution",
            &[("chain", Ty::Bits), ("it", Ty::Bits), ("ck", Ty::Bits), ("spk", Ty::G)],
            cat(vec![
                version(),
                distribution_id(),
                v("chain"),
                v("it"),
                Term::PbBytes {
                    field: sk::FIELD_CHAIN_KEY,
                    value: Box::new(v("ck")),
                },
                Term::PbBytes {
                    field: sk::FIELD_SIGNING_KEY,
                    value: Box::new(call("encode", vec![v("spk")])),
                },
            ]),
            "SenderKeyDistributionMessage: 0x33 || protobuf {distribution id, chain id, iteration, chain key, signing key 0x05 || 32} (sender_keys::Distribution::encode)",
        ),
    ]
}

#[cfg(test)]
mod tests {
    //! Drift tests: each letfun on bytes against `e2ee_spec::sender_keys`.
    use super::*;
    use crate::term::pk;
    use e2ee_spec::crypto::xeddsa;
    use e2ee_spec::sender_keys::{self, ChainKey, Distribution, Sender};
    use std::collections::BTreeMap;

    fn eval(t: Term, env: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let env: BTreeMap<String, Vec<u8>> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let funs = letfuns();
        let f = |name: &str, args: &[Term]| schedule::expand(&funs, name, args);
        t.eval(&env, &f).expect("a model term failed to evaluate")
    }

    const SIGNING: [u8; 32] = [0x47; 32];

    fn sender(chain_id: u32, key: [u8; 32]) -> Sender {
        Sender::new(
            DISTRIBUTION_ID,
            chain_id,
            ChainKey { iteration: 0, key },
            SIGNING,
        )
    }

    /// The hash ratchet and the message keys: seed, next chain key, IV and AES key are the
    /// spec's at every iteration of a chain.
    #[test]
    fn chain_steps_and_message_keys_match_spec() {
        let mut chain = ChainKey {
            iteration: 0,
            key: [0x3c; 32],
        };
        for _ in 0..3 {
            let env = [("ck", chain.key.to_vec())];
            let seed = chain.message_key_seed().seed;
            assert_eq!(eval(call("sk_seed", vec![var("ck")]), &env), seed);
            let next = chain.next().unwrap();
            assert_eq!(eval(call("sk_next", vec![var("ck")]), &env), next.key);
            let (iv, key) = sender_keys::message_keys(&seed);
            let env = [("seed", seed.to_vec())];
            assert_eq!(eval(call("sk_iv", vec![var("seed")]), &env), iv);
            assert_eq!(eval(call("sk_key", vec![var("seed")]), &env), key);
            chain = next;
        }
    }

    /// The distribution of a new chain (iteration 0) is the spec's encoding, and the spec
    /// decodes it back to the chain key and the signing key the model binds.
    #[test]
    fn distribution_matches_spec() {
        for id in [CHAIN_ID, ROTATED_CHAIN_ID] {
            let s = sender(id, [0x5a; 32]);
            let expected = s.distribution().encode();
            let env = [("ck", s.chain_key.key.to_vec()), ("sig", SIGNING.to_vec())];
            let t = call(
                "sk_distribution",
                vec![chain_id(id), iteration(0), var("ck"), pk(var("sig"))],
            );
            assert_eq!(eval(t, &env), expected, "chain {id}");
            let decoded = Distribution::decode(&expected).unwrap();
            assert_eq!(decoded.chain_key, s.chain_key);
            assert_eq!(decoded.chain_id, id);
        }
    }

    /// Each message of a chain, signature included, is `sk_message(sk_body(...), signature)`
    /// with the spec's signature over exactly the model's body, and the spec's receiver
    /// accepts it.
    #[test]
    fn messages_match_spec() {
        let mut s = sender(CHAIN_ID, [0x6b; 32]);
        let mut record = sender_keys::Record::default().add(&s.distribution());
        for it in 0..3u32 {
            let pt = format!("group message {it}").into_bytes();
            let seed = s.chain_key.message_key_seed().seed;
            let (next, message) = s.encrypt(&pt, &[it as u8; 64]).unwrap();
            let signature = message[message.len() - sk::SIGNATURE_LEN..].to_vec();
            let env = [
                ("seed", seed.to_vec()),
                ("pt", pt.clone()),
                ("signature", signature.clone()),
            ];
            let body = call(
                "sk_body",
                vec![
                    chain_id(CHAIN_ID),
                    iteration(it),
                    call("sk_ct", vec![var("seed"), var("pt")]),
                ],
            );
            let whole = call("sk_message", vec![body.clone(), var("signature")]);
            assert_eq!(eval(whole, &env), message, "iteration {it}");
            let public = e2ee_spec::crypto::x25519::public_key(&SIGNING);
            let signature: [u8; 64] = signature.try_into().unwrap();
            assert!(xeddsa::verify(&public, &eval(body, &env), &signature).is_ok());
            let (after, plaintext) = record
                .decrypt(&sender_keys::parse(&message).unwrap())
                .unwrap();
            assert_eq!(plaintext, pt);
            record = after;
            s = next;
        }
    }

    /// The IV is the first part of the message keys: the model's split is the reverse of the
    /// 1:1 profiles' (key first), as the spec has it.
    #[test]
    fn iv_comes_first() {
        let seed = [0x21u8; 32];
        let okm =
            e2ee_spec::crypto::kdf::hkdf_sha256(&[], &seed, sk::MESSAGE_KEYS_INFO, 48).unwrap();
        let env = [("seed", seed.to_vec())];
        assert_eq!(eval(call("sk_iv", vec![var("seed")]), &env), okm[..16]);
        assert_eq!(eval(call("sk_key", vec![var("seed")]), &env), okm[16..]);
    }
}
