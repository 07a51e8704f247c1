//! signal-v4's key schedule and message layouts as symbolic terms: PQXDH (Signal's PQXDH
//! specification, revision 3) in front of signal-v3's Double Ratchet, with signal-v4's version
//! byte. Every constant comes from `e2ee_spec::profiles::signal_v4` (and, for the ratchet,
//! `signal_v3`), as `schedule` does for the other profiles.
//!
//! `Profile` has no signal-v4 variant yet, so this family is kept apart from `schedule`'s
//! `Profile`-keyed tables: its letfuns are signal-v3's with the X3DH key derivation, the
//! message version byte and the prekey message replaced.

use crate::guards::Guards;
use crate::schedule::{self, lf, pb_uint, signal_body, zero_salt, LetFun};
use crate::term::{bytes, call, cat, cnst, hkdf, var, Term, Ty};
use e2ee_spec::profiles::{signal_v3, signal_v4};
use e2ee_spec::{x3dh, Profile};

/// The Kyber prekey id the models put in prekey messages (any value does: one PQ prekey).
pub const KYBER_PREKEY_ID: u32 = 3;

/// The profile's name in expected.json and the model headers, and the model-file prefix.
pub const NAME: &str = "signal-v4";
pub const PREFIX: &str = "signal_v4";

fn version() -> Term {
    cnst(
        &[signal_v4::VERSION_BYTE],
        "e2ee_spec::profiles::signal_v4::VERSION_BYTE",
    )
}

fn pqxdh_info() -> Term {
    cnst(
        signal_v4::PQXDH_INFO,
        "e2ee_spec::profiles::signal_v4::PQXDH_INFO",
    )
}

/// A SignalMessage of signal-v4: signal-v3's layout under signal-v4's version byte.
pub fn message_layout(dh: Term, pn: Term, n: Term, ciphertext: Term, mac: Term) -> Term {
    cat(vec![signal_body(version(), dh, n, pn, ciphertext), mac])
}

/// The PQXDH prekey message (PQXDH §3.3's initial message; libsignal's PreKeySignalMessage,
/// fields in field-number order as libsignal writes them): version, [preKeyId], baseKey,
/// identityKey, message, registrationId, signedPreKeyId, kyberPreKeyId, kyberCiphertext.
pub fn prekey_layout(one_time: bool, ik: Term, ek: Term, ct: Term, inner: Term) -> Term {
    let mut parts = vec![version()];
    if one_time {
        parts.push(pb_uint(
            signal_v3::FIELD_PRE_KEY_ID,
            schedule::ONE_TIME_PREKEY_ID,
            "PreKeySignalMessage.preKeyId",
        ));
    }
    parts.extend([
        Term::PbBytes {
            field: signal_v3::FIELD_BASE_KEY,
            value: Box::new(call("encode", vec![ek])),
        },
        Term::PbBytes {
            field: signal_v3::FIELD_IDENTITY_KEY,
            value: Box::new(call("encode", vec![ik])),
        },
        Term::PbBytes {
            field: signal_v3::FIELD_MESSAGE,
            value: Box::new(inner),
        },
        pb_uint(
            signal_v3::FIELD_REGISTRATION_ID,
            schedule::REGISTRATION_ID,
            "PreKeySignalMessage.registrationId",
        ),
        pb_uint(
            signal_v3::FIELD_SIGNED_PRE_KEY_ID,
            schedule::SIGNED_PREKEY_ID,
            "PreKeySignalMessage.signedPreKeyId",
        ),
        pb_uint(
            signal_v4::FIELD_KYBER_PRE_KEY_ID,
            KYBER_PREKEY_ID,
            "PreKeySignalMessage.kyberPreKeyId",
        ),
        Term::PbBytes {
            field: signal_v4::FIELD_KYBER_CIPHERTEXT,
            value: Box::new(ct),
        },
    ]);
    cat(parts)
}

/// PQXDH §3.3 KM = F ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4] ‖ SS.
fn key_material(dhs: &[&'static str]) -> Term {
    let mut parts = vec![cnst(&x3dh::F, "e2ee_spec::x3dh::F")];
    parts.extend(dhs.iter().map(|d| bytes(var(d))));
    parts.push(var("ss"));
    cat(parts)
}

/// The PQXDH part of the schedule, in dependency order.
fn pqxdh_letfuns() -> Vec<LetFun> {
    let v = var;
    vec![
        lf(
            "kem_encode",
            &[("k", Ty::Bits)],
            cat(vec![
                cnst(
                    &[signal_v4::KEM.type_byte()],
                    "PQXDH §2.5 EncodeKEM: e2ee_spec::profiles::signal_v4::KEM.type_byte() (libsignal kem.rs KeyType)",
                ),
                v("k"),
            ]),
            "PQXDH §2.5 EncodeKEM(PQPK): type byte || raw key, the bytes Bob signs (e2ee_spec::crypto::kem::generate)",
        ),
        lf(
            "pqxdh_km3",
            &[("dh1", Ty::G), ("dh2", Ty::G), ("dh3", Ty::G), ("ss", Ty::Bits)],
            key_material(&["dh1", "dh2", "dh3"]),
            "PQXDH §3.3 KDF input F || DH1 || DH2 || DH3 || SS (no one-time prekey)",
        ),
        lf(
            "pqxdh_km4",
            &[("dh1", Ty::G), ("dh2", Ty::G), ("dh3", Ty::G), ("dh4", Ty::G), ("ss", Ty::Bits)],
            key_material(&["dh1", "dh2", "dh3", "dh4"]),
            "PQXDH §3.3 KDF input F || DH1 || DH2 || DH3 || DH4 || SS",
        ),
        lf(
            "pqxdh_rk",
            &[("km", Ty::Bits)],
            hkdf(zero_salt(), v("km"), pqxdh_info(), 0, 32),
            "PQXDH §2.2 KDF, libsignal derive_keys: root key = HKDF(0, KM, PQXDH_INFO)[0..32]",
        ),
        lf(
            "pqxdh_ck",
            &[("km", Ty::Bits)],
            hkdf(zero_salt(), v("km"), pqxdh_info(), 32, 64),
            "PQXDH §2.2 KDF, libsignal derive_keys: chain key = HKDF(0, KM, PQXDH_INFO)[32..64]",
        ),
    ]
}

/// The model's `letfun`s: signal-v3's, with X3DH's root and chain key derivation replaced by
/// PQXDH's, signal-v4's version byte in messages, and PQXDH's prekey messages. X3DH's key
/// material (`x3dh_km3`/`x3dh_km4`) stays: it is PQXDH's without SS, which the sanity
/// variant that leaves SS out uses.
/// `guards` are what the spec's signal-v3 Double Ratchet does (signal-v4 runs the same
/// functions).
pub fn letfuns(guards: &Guards) -> Vec<LetFun> {
    let v = var;
    let mut out = Vec::new();
    for f in schedule::letfuns(Profile::SignalV3, guards) {
        match f.name {
            "x3dh_rk" => out.extend(pqxdh_letfuns()),
            "x3dh_ck" => {}
            "body" => out.push(lf(
                "body",
                &[("dh", Ty::G), ("n", Ty::Bits), ("pn", Ty::Bits), ("ct", Ty::Bits)],
                signal_body(version(), v("dh"), v("n"), v("pn"), v("ct")),
                "signal-v4 seal (signal-v3's): version || protobuf {ratchetKey, counter, previousCounter, ciphertext}",
            )),
            "prekey_msg" | "prekey_msg_opk" => {
                let one_time = f.name == "prekey_msg_opk";
                out.push(lf(
                    if one_time { "prekey_msg_pq_opk" } else { "prekey_msg_pq" },
                    &[("ik", Ty::G), ("ek", Ty::G), ("ct", Ty::Bits), ("inner", Ty::Bits)],
                    prekey_layout(one_time, v("ik"), v("ek"), v("ct"), v("inner")),
                    if one_time {
                        "the PQXDH prekey message (identity key, base key, prekey ids, inner message, KEM ciphertext), with a one-time prekey"
                    } else {
                        "the PQXDH prekey message (identity key, base key, prekey ids, inner message, KEM ciphertext), no one-time prekey"
                    },
                ));
            }
            _ => out.push(f),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! Drift tests: the PQXDH terms on bytes against the spec's X3DH, KEM and KDF. The spec's
    //! own `pqxdh::initiate`/`respond` do not exist in this branch yet; when they do, the
    //! key-material test below should compare with them directly.
    use super::*;
    use crate::term::{dh, pk};
    use e2ee_spec::crypto::{kdf, kem, xeddsa};
    use e2ee_spec::double_ratchet::KeyPair;
    use std::collections::BTreeMap;

    fn eval(t: Term, env: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let env: BTreeMap<String, Vec<u8>> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let funs = letfuns(&crate::guards::reference(Profile::SignalV3));
        let f = |name: &str, args: &[Term]| schedule::expand(&funs, name, args);
        t.eval(&env, &f).expect("a model term failed to evaluate")
    }

    fn key(tag: u8) -> [u8; 32] {
        let mut k = [tag; 32];
        k[0] = tag.wrapping_mul(5);
        k
    }

    /// The model's KEM is the profile's KEM: the signed bytes are the spec's serialized key
    /// (type byte, then the raw key), decapsulation returns the encapsulated secret (the
    /// model's reduction), and the key material is X3DH's (as the spec computes it) followed
    /// by that secret; the root and chain keys are HKDF over it with PQXDH_INFO (the formula
    /// of libsignal `pqxdh.rs`, salt none, 64 bytes).
    #[test]
    fn pqxdh_key_material_matches_spec() {
        let ik_a = KeyPair::from_private(&key(1));
        let ik_b = KeyPair::from_private(&key(2));
        let spk = KeyPair::from_private(&key(3));
        let opk = KeyPair::from_private(&key(4));
        let ek = key(5);
        let pq = kem::generate(signal_v4::KEM, &[6; kem::KEYGEN_SEED_LEN]);
        let (ct, ss) = kem::encapsulate(&pq.public, &[7; kem::ENCAPS_RANDOMNESS_LEN]).unwrap();
        assert_eq!(
            kem::decapsulate(&pq, &ct).unwrap(),
            ss,
            "decaps(sk, encaps(pk)) = ss"
        );

        let raw = pq.public[1..].to_vec();
        let encoded = eval(call("kem_encode", vec![var("raw")]), &[("raw", raw)]);
        assert_eq!(encoded, pq.public, "EncodeKEM = the spec's serialized key");
        let sig = xeddsa::sign(&ik_b.private, &encoded, &[8; 64]);
        assert!(xeddsa::verify(&ik_b.public, &encoded, &sig).is_ok());

        for one_time in [false, true] {
            let bundle = x3dh::PreKeyBundle {
                identity_key: ik_b.public,
                signed_prekey_id: schedule::SIGNED_PREKEY_ID,
                signed_prekey: spk.public,
                signed_prekey_signature: x3dh::sign_prekey(&ik_b, &spk.public, &[9; 64]),
                one_time_prekey: one_time.then_some((schedule::ONE_TIME_PREKEY_ID, opk.public)),
                kyber_prekey: Some(e2ee_spec::pqxdh::SignedKemPrekey {
                    id: 1,
                    public: pq.public.clone(),
                    signature: sig,
                }),
            };
            let agreement = x3dh::initiate(&ik_a, &bundle, &ek).unwrap();
            let expected_km = [agreement.key_material.clone(), ss.to_vec()].concat();
            // The spec's PQXDH gives exactly that key material and ciphertext.
            let (pqxdh, payload) = e2ee_spec::pqxdh::initiate(
                signal_v4::KEM,
                &ik_a,
                &bundle,
                &ek,
                &[7; kem::ENCAPS_RANDOMNESS_LEN],
            )
            .unwrap();
            assert_eq!(pqxdh.key_material, expected_km);
            assert_eq!(payload.ciphertext, ct);
            let env = [
                ("ika", ik_a.private.to_vec()),
                ("ikb", ik_b.private.to_vec()),
                ("spk", spk.private.to_vec()),
                ("opk", opk.private.to_vec()),
                ("ek", ek.to_vec()),
                ("ss", ss.to_vec()),
            ];
            let mut args = vec![
                dh(pk(var("spk")), var("ika")),
                dh(pk(var("ikb")), var("ek")),
                dh(pk(var("spk")), var("ek")),
            ];
            if one_time {
                args.push(dh(pk(var("opk")), var("ek")));
            }
            args.push(var("ss"));
            let km = call(if one_time { "pqxdh_km4" } else { "pqxdh_km3" }, args);
            assert_eq!(
                eval(km.clone(), &env),
                expected_km,
                "KM, one-time {one_time}"
            );
            let okm = kdf::hkdf_sha256(&[], &expected_km, signal_v4::PQXDH_INFO, 64).unwrap();
            let (rk, ck) = e2ee_spec::profiles::signal_v3::derive_initial_keys(
                &expected_km,
                signal_v4::PQXDH_INFO,
            )
            .unwrap();
            assert_eq!((&rk[..], &ck[..]), (&okm[..32], &okm[32..]));
            assert_eq!(eval(call("pqxdh_rk", vec![km.clone()]), &env), rk);
            assert_eq!(eval(call("pqxdh_ck", vec![km]), &env), ck);
        }
    }

    /// The version byte is signal-v4's, and nothing else of the message differs from
    /// signal-v3's: the letfuns are signal-v3's but for the PQXDH ones.
    #[test]
    fn only_the_handshake_and_version_differ_from_signal_v3() {
        let guards = crate::guards::reference(Profile::SignalV3);
        let v3: Vec<String> = schedule::letfuns(Profile::SignalV3, &guards)
            .iter()
            .map(|f| f.name.to_string())
            .collect();
        let v4: Vec<String> = letfuns(&guards)
            .iter()
            .map(|f| f.name.to_string())
            .collect();
        for name in &v3 {
            let replaced = ["x3dh_rk", "x3dh_ck", "prekey_msg", "prekey_msg_opk"];
            assert_eq!(
                v4.contains(name),
                !replaced.contains(&name.as_str()),
                "{name}"
            );
        }
        let body = letfuns(&guards)
            .into_iter()
            .find(|f| f.name == "body")
            .unwrap();
        let env = [
            ("x", key(9).to_vec()),
            ("n", vec![]),
            ("pn", vec![]),
            ("ct", vec![]),
        ];
        let b = eval(
            body.body.subst(&[("dh".to_string(), pk(var("x")))].into()),
            &env,
        );
        assert_eq!(b[0], 0x44);
        assert_eq!(b[0], signal_v4::VERSION_BYTE);
    }
}
