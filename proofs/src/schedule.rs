//! Each profile's key schedule and message layouts as symbolic terms, built from the spec's
//! constants (`e2ee_spec::profiles::*`, `x3dh::F`, `double_ratchet::*_SEED`). The models call
//! these as ProVerif `letfun`s; the tests below evaluate every one of them on bytes and compare
//! with what the spec's own functions return, so a model cannot silently drift from the code.

use super::term::{bytes, call, cat, cnst, hkdf, hmac, var, Term, Ty};
use crate::guards::Guards;
use e2ee_spec::double_ratchet::CHAIN_KEY_SEED;
use e2ee_spec::profiles::{modern, signal_v3};
use e2ee_spec::wire::protobuf;
use e2ee_spec::{x3dh, Profile};
use std::collections::BTreeSet;

/// The prekey ids and registration id the models put in prekey messages. Any values do: ids
/// only tell the responder which of its keys to use, and each model has one of each.
pub const SIGNED_PREKEY_ID: u32 = 1;
pub const ONE_TIME_PREKEY_ID: u32 = 2;
pub const REGISTRATION_ID: u32 = 7;

/// A ProVerif `letfun`.
#[derive(Clone)]
pub struct LetFun {
    pub name: &'static str,
    pub params: Vec<(&'static str, Ty)>,
    pub body: Term,
    pub doc: &'static str,
}

pub(crate) fn lf(
    name: &'static str,
    params: &[(&'static str, Ty)],
    body: Term,
    doc: &'static str,
) -> LetFun {
    LetFun {
        name,
        params: params.to_vec(),
        body,
        doc,
    }
}

/// HKDF's "salt not provided" (RFC 5869 §2.2): HashLen zero bytes. The spec passes either an
/// empty salt or 32 zero bytes; both are this same HMAC key, so both are this one constant.
pub(crate) fn zero_salt() -> Term {
    cnst(
        &[0u8; 32],
        "HKDF salt not provided (RFC 5869 §2.2: HashLen zeros)",
    )
}

struct Labels {
    x3dh_info: Term,
    kdf_rk_info: Term,
    message_keys_info: Term,
}

fn labels(profile: Profile) -> Labels {
    match profile {
        Profile::Modern => Labels {
            x3dh_info: cnst(modern::X3DH_INFO, "e2ee_spec::profiles::modern::X3DH_INFO"),
            kdf_rk_info: cnst(
                modern::KDF_RK_INFO,
                "e2ee_spec::profiles::modern::KDF_RK_INFO",
            ),
            message_keys_info: cnst(
                modern::MESSAGE_KEYS_INFO,
                "e2ee_spec::profiles::modern::MESSAGE_KEYS_INFO",
            ),
        },
        Profile::SignalV3 => Labels {
            x3dh_info: cnst(
                signal_v3::X3DH_INFO,
                "e2ee_spec::profiles::signal_v3::X3DH_INFO",
            ),
            kdf_rk_info: cnst(
                signal_v3::KDF_RK_INFO,
                "e2ee_spec::profiles::signal_v3::KDF_RK_INFO",
            ),
            message_keys_info: cnst(
                signal_v3::MESSAGE_KEYS_INFO,
                "e2ee_spec::profiles::signal_v3::MESSAGE_KEYS_INFO",
            ),
        },
        Profile::OlmV1 => unreachable!("olm-v1 has no X3DH model"),
        Profile::SignalV4 => unreachable!("signal-v4 starts with PQXDH, not X3DH"),
    }
}

/// The profiles the models cover.
pub const PROFILES: [Profile; 2] = [Profile::Modern, Profile::SignalV3];

/// The model-file prefix of a profile.
pub fn prefix(profile: Profile) -> &'static str {
    match profile {
        Profile::Modern => "modern",
        Profile::SignalV3 => "signal_v3",
        Profile::SignalV4 => "signal_v4",
        Profile::OlmV1 => "olm_v1",
    }
}

pub(crate) fn u32_be(value: u32, what: &str) -> Term {
    cnst(&value.to_be_bytes(), what)
}

pub(crate) fn pb_uint(field: u32, value: u32, what: &str) -> Term {
    let mut out = Vec::new();
    protobuf::put_uint(&mut out, field, u64::from(value));
    cnst(&out, &format!("protobuf field {field} ({what}) = {value}"))
}

/// A message counter as the header encodes it: `N` (which = "n") or `PN` (which = "pn").
pub fn counter(profile: Profile, which: &str, value: u32) -> Term {
    match (profile, which) {
        (Profile::Modern, "n") => u32_be(
            value,
            &format!("modern header N = {value} (u32 big endian)"),
        ),
        (Profile::Modern, _) => u32_be(
            value,
            &format!("modern header PN = {value} (u32 big endian)"),
        ),
        (_, "n") => pb_uint(signal_v3::FIELD_COUNTER, value, "SignalMessage.counter"),
        _ => pb_uint(
            signal_v3::FIELD_PREVIOUS_COUNTER,
            value,
            "SignalMessage.previousCounter",
        ),
    }
}

fn modern_type_message() -> Term {
    cnst(
        &[modern::TYPE_MESSAGE],
        "e2ee_spec::profiles::modern::TYPE_MESSAGE",
    )
}

pub(crate) fn signal_version() -> Term {
    cnst(
        &[signal_v3::VERSION_BYTE],
        "e2ee_spec::profiles::signal_v3::VERSION_BYTE",
    )
}

/// `modern` header (§3.1 HEADER): DH || PN || N.
fn modern_header(dh: Term, pn: Term, n: Term) -> Term {
    cat(vec![bytes(dh), pn, n])
}

/// `signal-v3` SignalMessage without its MAC: version || protobuf fields in libsignal's order.
/// (signal-v4's is the same with its own version byte.)
pub(crate) fn signal_body(version: Term, dh: Term, n: Term, pn: Term, ciphertext: Term) -> Term {
    cat(vec![
        version,
        Term::PbBytes {
            field: signal_v3::FIELD_RATCHET_KEY,
            value: Box::new(call("encode", vec![dh])),
        },
        n,
        pn,
        Term::PbBytes {
            field: signal_v3::FIELD_CIPHERTEXT,
            value: Box::new(ciphertext),
        },
    ])
}

/// A Double Ratchet message as it travels: the layout the receiver parses, with the
/// ciphertext (and, for signal-v3, the MAC) as given terms.
/// `mac` is the signal-v3 MAC (ignored for `modern`, whose AEAD tag is in the ciphertext).
pub fn message_layout(
    profile: Profile,
    dh: Term,
    pn: Term,
    n: Term,
    ciphertext: Term,
    mac: Term,
) -> Term {
    match profile {
        Profile::Modern => cat(vec![
            modern_type_message(),
            modern_header(dh, pn, n),
            ciphertext,
        ]),
        _ => cat(vec![
            signal_body(signal_version(), dh, n, pn, ciphertext),
            mac,
        ]),
    }
}

/// The prekey message carrying `inner` (X3DH §3.3's initial message).
pub fn prekey_layout(profile: Profile, one_time: bool, ik: Term, ek: Term, inner: Term) -> Term {
    match profile {
        Profile::Modern => {
            let mut parts = vec![
                cnst(
                    &[modern::TYPE_PREKEY],
                    "e2ee_spec::profiles::modern::TYPE_PREKEY",
                ),
                bytes(ik),
                bytes(ek),
                u32_be(
                    SIGNED_PREKEY_ID,
                    "the model's signed prekey id (u32 big endian)",
                ),
            ];
            if one_time {
                parts.push(cnst(
                    &[0x01],
                    "modern prekey message: one-time prekey present",
                ));
                parts.push(u32_be(
                    ONE_TIME_PREKEY_ID,
                    "the model's one-time prekey id (u32 big endian)",
                ));
            } else {
                parts.push(cnst(&[0x00], "modern prekey message: no one-time prekey"));
            }
            parts.push(inner);
            cat(parts)
        }
        _ => {
            let mut parts = vec![signal_version()];
            if one_time {
                parts.push(pb_uint(
                    signal_v3::FIELD_PRE_KEY_ID,
                    ONE_TIME_PREKEY_ID,
                    "PreKeySignalMessage.preKeyId",
                ));
            }
            parts.push(Term::PbBytes {
                field: signal_v3::FIELD_BASE_KEY,
                value: Box::new(call("encode", vec![ek])),
            });
            parts.push(Term::PbBytes {
                field: signal_v3::FIELD_IDENTITY_KEY,
                value: Box::new(call("encode", vec![ik])),
            });
            parts.push(Term::PbBytes {
                field: signal_v3::FIELD_MESSAGE,
                value: Box::new(inner),
            });
            parts.push(pb_uint(
                signal_v3::FIELD_REGISTRATION_ID,
                REGISTRATION_ID,
                "PreKeySignalMessage.registrationId",
            ));
            parts.push(pb_uint(
                signal_v3::FIELD_SIGNED_PRE_KEY_ID,
                SIGNED_PREKEY_ID,
                "PreKeySignalMessage.signedPreKeyId",
            ));
            cat(parts)
        }
    }
}

/// X3DH §2.5 Encode(PK) as a `letfun`.
pub fn encode_letfun() -> LetFun {
    lf(
        "encode",
        &[("k", Ty::G)],
        cat(vec![
            cnst(
                &[signal_v3::DJB_TYPE],
                "X3DH §2.5 Encode: e2ee_spec::profiles::signal_v3::DJB_TYPE",
            ),
            bytes(var("k")),
        ]),
        "X3DH §2.5 Encode(PK) (e2ee_spec::x3dh::encode)",
    )
}

/// X3DH §3.3 KM = F || the `n` DH outputs, as the letfun `x3dh_km<n>` (3 and 4 are the
/// document's; a spec that leaves one out needs another arity).
fn x3dh_km(n: usize) -> LetFun {
    const PARAMS: [(&str, Ty); 4] = [
        ("dh1", Ty::G),
        ("dh2", Ty::G),
        ("dh3", Ty::G),
        ("dh4", Ty::G),
    ];
    const NAMES: [&str; 5] = ["x3dh_km0", "x3dh_km1", "x3dh_km2", "x3dh_km3", "x3dh_km4"];
    let mut parts = vec![cnst(&x3dh::F, "e2ee_spec::x3dh::F")];
    parts.extend(PARAMS[..n].iter().map(|(p, _)| bytes(var(p))));
    lf(
        NAMES[n],
        &PARAMS[..n],
        cat(parts),
        match n {
            3 => "X3DH §3.3 KDF input F || DH1 || DH2 || DH3 (no one-time prekey)",
            4 => "X3DH §3.3 KDF input F || DH1 || DH2 || DH3 || DH4",
            _ => "X3DH §3.3 KDF input F || the DH outputs the spec's x3dh::initiate/respond use",
        },
    )
}

/// The model's `letfun`s for a profile, in dependency order: the key schedule and message
/// layouts of the profile's constants, with the choices `guards` read from the spec (which
/// DH outputs, whether the AD is bound, which HMAC input gives which KDF_CK output).
pub fn letfuns(profile: Profile, guards: &Guards) -> Vec<LetFun> {
    let l = labels(profile);
    let v = var;
    let mut arities: BTreeSet<usize> = [3, 4].into();
    arities.extend(
        guards
            .initiator_dhs
            .iter()
            .chain(&guards.responder_dhs)
            .map(Vec::len),
    );
    let mut out = vec![
        encode_letfun(),
        lf(
            "assoc",
            &[("ika", Ty::G), ("ikb", Ty::G)],
            cat(vec![
                call("encode", vec![v("ika")]),
                call("encode", vec![v("ikb")]),
            ]),
            "X3DH §3.3 AD = Encode(IK_A) || Encode(IK_B) (e2ee_spec::x3dh::associated_data)",
        ),
    ];
    out.extend(arities.into_iter().map(x3dh_km));
    out.push(
        lf(
            "x3dh_rk",
            &[("km", Ty::Bits)],
            hkdf(zero_salt(), v("km"), l.x3dh_info.clone(), 0, 32),
            match profile {
                Profile::Modern => "X3DH §2.2 SK = HKDF(0, KM, X3DH_INFO)[0..32], the first root key (modern::shared_secret)",
                _ => "libsignal derive_keys: root key = HKDF(0, KM, X3DH_INFO)[0..32] (signal_v3::derive_initial_keys)",
            },
        ),
    );
    if profile == Profile::SignalV3 {
        out.push(lf(
            "x3dh_ck",
            &[("km", Ty::Bits)],
            hkdf(zero_salt(), v("km"), l.x3dh_info.clone(), 32, 64),
            "libsignal derive_keys: chain key = HKDF(0, KM, X3DH_INFO)[32..64] (signal_v3::derive_initial_keys)",
        ));
    }
    out.extend([
        lf(
            "kdf_rk_rk",
            &[("rk", Ty::Bits), ("d", Ty::G)],
            hkdf(v("rk"), bytes(v("d")), l.kdf_rk_info.clone(), 0, 32),
            "Double Ratchet §5.2 KDF_RK: new root key (double_ratchet::kdf_rk)",
        ),
        lf(
            "kdf_rk_ck",
            &[("rk", Ty::Bits), ("d", Ty::G)],
            hkdf(v("rk"), bytes(v("d")), l.kdf_rk_info.clone(), 32, 64),
            "Double Ratchet §5.2 KDF_RK: new chain key (double_ratchet::kdf_rk)",
        ),
        lf(
            "kdf_ck_ck",
            &[("ck", Ty::Bits)],
            hmac(v("ck"), seed(guards.chain_key_seed)),
            "Double Ratchet §5.2 KDF_CK: next chain key (double_ratchet::kdf_ck)",
        ),
        lf(
            "kdf_ck_mk",
            &[("ck", Ty::Bits)],
            hmac(v("ck"), seed(guards.message_key_seed)),
            "Double Ratchet §5.2 KDF_CK: message key (double_ratchet::kdf_ck)",
        ),
    ]);
    let mk_stream = |from, to| hkdf(zero_salt(), v("mk"), l.message_keys_info.clone(), from, to);
    // signal-v3's sealed body; the MAC covers exactly these bytes.
    let body = call(
        "body",
        vec![v("dh"), v("n"), v("pn"), call("ct", vec![v("mk"), v("pt")])],
    );
    match profile {
        Profile::Modern => out.extend([
            lf("mk_key", &[("mk", Ty::Bits)], mk_stream(0, 32), "modern::message_keys: AEAD key"),
            lf("mk_nonce", &[("mk", Ty::Bits)], mk_stream(32, 44), "modern::message_keys: AEAD nonce"),
            lf(
                "header",
                &[("dh", Ty::G), ("pn", Ty::Bits), ("n", Ty::Bits)],
                modern_header(v("dh"), v("pn"), v("n")),
                "modern::encode_header: DH || PN || N",
            ),
            lf(
                "aad",
                &[("ad", Ty::Bits), ("dh", Ty::G), ("pn", Ty::Bits), ("n", Ty::Bits)],
                aead_ad(guards),
                "modern::seal: the AEAD's associated data AD || type || header",
            ),
            lf(
                "seal",
                &[("mk", Ty::Bits), ("ad", Ty::Bits), ("dh", Ty::G), ("pn", Ty::Bits), ("n", Ty::Bits), ("pt", Ty::Bits)],
                message_layout(
                    profile,
                    v("dh"),
                    v("pn"),
                    v("n"),
                    Term::Aead {
                        key: Box::new(call("mk_key", vec![v("mk")])),
                        nonce: Box::new(call("mk_nonce", vec![v("mk")])),
                        aad: Box::new(call("aad", vec![v("ad"), v("dh"), v("pn"), v("n")])),
                        plaintext: Box::new(v("pt")),
                    },
                    var("unused"),
                ),
                "modern::seal: type || header || ChaCha20-Poly1305(key, nonce, AD || type || header, pt)",
            ),
        ]),
        _ => out.extend([
            lf("mk_cipher_key", &[("mk", Ty::Bits)], mk_stream(0, 32), "signal_v3::message_keys: AES-256 key"),
            lf("mk_mac_key", &[("mk", Ty::Bits)], mk_stream(32, 64), "signal_v3::message_keys: HMAC key"),
            lf("mk_iv", &[("mk", Ty::Bits)], mk_stream(64, 80), "signal_v3::message_keys: CBC IV"),
            lf(
                "body",
                &[("dh", Ty::G), ("n", Ty::Bits), ("pn", Ty::Bits), ("ct", Ty::Bits)],
                signal_body(signal_version(), v("dh"), v("n"), v("pn"), v("ct")),
                "signal_v3::seal: version || protobuf {ratchetKey, counter, previousCounter, ciphertext}",
            ),
            lf(
                "mac",
                &[("mk", Ty::Bits), ("ad", Ty::Bits), ("b", Ty::Bits)],
                Term::Trunc {
                    mac: Box::new(hmac(call("mk_mac_key", vec![v("mk")]), mac_input(guards))),
                    len: signal_v3::MAC_LEN,
                },
                "signal_v3::seal: HMAC-SHA256(mac key, AD || body) truncated to MAC_LEN bytes",
            ),
            lf(
                "ct",
                &[("mk", Ty::Bits), ("pt", Ty::Bits)],
                Term::Cbc {
                    key: Box::new(call("mk_cipher_key", vec![v("mk")])),
                    iv: Box::new(call("mk_iv", vec![v("mk")])),
                    plaintext: Box::new(v("pt")),
                },
                "signal_v3::seal: AES-256-CBC(cipher key, IV, pt)",
            ),
            lf(
                "seal",
                &[("mk", Ty::Bits), ("ad", Ty::Bits), ("dh", Ty::G), ("pn", Ty::Bits), ("n", Ty::Bits), ("pt", Ty::Bits)],
                cat(vec![body.clone(), call("mac", vec![v("mk"), v("ad"), body])]),
                "signal_v3::seal: body || MAC (encrypt-then-MAC)",
            ),
        ]),
    }
    for one_time in [false, true] {
        out.push(lf(
            if one_time { "prekey_msg_opk" } else { "prekey_msg" },
            &[("ik", Ty::G), ("ek", Ty::G), ("inner", Ty::Bits)],
            prekey_layout(profile, one_time, v("ik"), v("ek"), v("inner")),
            if one_time {
                "the prekey message (identity key, base key, prekey ids, inner message), with a one-time prekey"
            } else {
                "the prekey message (identity key, base key, prekey id, inner message), no one-time prekey"
            },
        ));
    }
    out
}

/// A KDF_CK input byte, named after the spec constant it is.
fn seed(bytes: [u8; 1]) -> Term {
    let name = if bytes == CHAIN_KEY_SEED {
        "e2ee_spec::double_ratchet::CHAIN_KEY_SEED"
    } else {
        "e2ee_spec::double_ratchet::MESSAGE_KEY_SEED"
    };
    cnst(&bytes, name)
}

/// modern's AEAD associated data: AD || type || header, without the AD if the spec does
/// not bind it.
fn aead_ad(guards: &Guards) -> Term {
    let header = vec![
        modern_type_message(),
        call("header", vec![var("dh"), var("pn"), var("n")]),
    ];
    match guards.ad_bound {
        true => cat([vec![var("ad")], header].concat()),
        false => cat(header),
    }
}

/// signal-v3's MAC input: AD || body, or the body alone if the spec does not bind the AD.
fn mac_input(guards: &Guards) -> Term {
    match guards.ad_bound {
        true => cat(vec![var("ad"), var("b")]),
        false => var("b"),
    }
}

/// A call of the `letfun` `name` among `funs`, expanded to its body (to destructure a layout
/// in a pattern, or to evaluate it on bytes).
pub fn expand(funs: &[LetFun], name: &str, args: &[Term]) -> Term {
    let f = funs
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no letfun {name}"));
    let s = f
        .params
        .iter()
        .map(|(p, _)| p.to_string())
        .zip(args.iter().cloned())
        .collect();
    f.body.subst(&s)
}

#[cfg(test)]
mod tests {
    //! The drift tests: each letfun, evaluated on bytes, equals the spec's own computation.
    use super::*;
    use e2ee_spec::double_ratchet::{self as dr, Header, KeyPair};
    use e2ee_spec::session::{OneTimePrekeyRef, PreKeyHeader, PreKeyMessage};
    use std::collections::BTreeMap;

    fn eval(profile: Profile, t: Term, env: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let env: BTreeMap<String, Vec<u8>> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let funs = letfuns(profile, &crate::guards::reference(profile));
        let f = |name: &str, args: &[Term]| expand(&funs, name, args);
        t.eval(&env, &f).expect("a model term failed to evaluate")
    }

    fn key(tag: u8) -> [u8; 32] {
        let mut k = [tag; 32];
        k[0] = tag.wrapping_mul(7);
        k
    }

    #[test]
    fn x3dh_matches_spec() {
        for profile in PROFILES {
            let ik_a = KeyPair::from_private(&key(1));
            let ik_b = KeyPair::from_private(&key(2));
            let spk = KeyPair::from_private(&key(3));
            let opk = KeyPair::from_private(&key(4));
            let ek = key(5);
            for one_time in [false, true] {
                let bundle = x3dh::PreKeyBundle {
                    identity_key: ik_b.public,
                    signed_prekey_id: SIGNED_PREKEY_ID,
                    signed_prekey: spk.public,
                    signed_prekey_signature: x3dh::sign_prekey(&ik_b, &spk.public, &[9; 64]),
                    one_time_prekey: one_time.then_some((ONE_TIME_PREKEY_ID, opk.public)),
                    kyber_prekey: None,
                };
                let agreement = x3dh::initiate(&ik_a, &bundle, &ek).unwrap();
                let env = [
                    ("ika", ik_a.private.to_vec()),
                    ("ikb", ik_b.private.to_vec()),
                    ("spk", spk.private.to_vec()),
                    ("opk", opk.private.to_vec()),
                    ("ek", ek.to_vec()),
                ];
                // Alice's view: DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B), DH4 = DH(EK_A, OPK_B).
                let mut dhs = vec![
                    super::super::term::dh(super::super::term::pk(var("spk")), var("ika")),
                    super::super::term::dh(super::super::term::pk(var("ikb")), var("ek")),
                    super::super::term::dh(super::super::term::pk(var("spk")), var("ek")),
                ];
                if one_time {
                    dhs.push(super::super::term::dh(
                        super::super::term::pk(var("opk")),
                        var("ek"),
                    ));
                }
                let km = call(if one_time { "x3dh_km4" } else { "x3dh_km3" }, dhs);
                assert_eq!(
                    eval(profile, km.clone(), &env),
                    agreement.key_material,
                    "{profile:?} KM"
                );
                let ad = call(
                    "assoc",
                    vec![
                        super::super::term::pk(var("ika")),
                        super::super::term::pk(var("ikb")),
                    ],
                );
                assert_eq!(eval(profile, ad, &env), agreement.ad, "{profile:?} AD");
                let rk = eval(profile, call("x3dh_rk", vec![km.clone()]), &env);
                match profile {
                    Profile::Modern => {
                        assert_eq!(rk, modern::shared_secret(&agreement.key_material).unwrap())
                    }
                    _ => {
                        let (rk0, ck0) = signal_v3::derive_initial_keys(
                            &agreement.key_material,
                            signal_v3::X3DH_INFO,
                        )
                        .unwrap();
                        assert_eq!(rk, rk0);
                        assert_eq!(eval(profile, call("x3dh_ck", vec![km]), &env), ck0);
                    }
                }
                // The signed prekey's signature covers Encode(SPK), which is the model's `encode`.
                let encoded = eval(
                    profile,
                    call("encode", vec![super::super::term::pk(var("spk"))]),
                    &env,
                );
                assert_eq!(encoded, x3dh::encode(&spk.public));
                assert!(e2ee_spec::crypto::xeddsa::verify(
                    &ik_b.public,
                    &encoded,
                    &bundle.signed_prekey_signature
                )
                .is_ok());
            }
        }
    }

    #[test]
    fn ratchet_kdfs_match_spec() {
        for profile in PROFILES {
            let rk = key(11);
            let dh_out =
                e2ee_spec::crypto::x25519::dh(&key(12), &KeyPair::from_private(&key(13)).public)
                    .unwrap();
            let env = [
                ("rk", rk.to_vec()),
                ("a", key(12).to_vec()),
                ("b", key(13).to_vec()),
            ];
            let d = super::super::term::dh(super::super::term::pk(var("b")), var("a"));
            let (new_rk, ck) = dr::kdf_rk(profile, &rk, &dh_out);
            assert_eq!(
                eval(profile, call("kdf_rk_rk", vec![var("rk"), d.clone()]), &env),
                new_rk
            );
            assert_eq!(
                eval(profile, call("kdf_rk_ck", vec![var("rk"), d]), &env),
                ck
            );
            let (next, mk) = dr::kdf_ck(&rk);
            assert_eq!(
                eval(profile, call("kdf_ck_ck", vec![var("rk")]), &env),
                next
            );
            assert_eq!(eval(profile, call("kdf_ck_mk", vec![var("rk")]), &env), mk);
        }
    }

    #[test]
    fn messages_match_spec() {
        for profile in PROFILES {
            let mk = key(21);
            let dh_pair = KeyPair::from_private(&key(22));
            let ad = [3u8; 66].to_vec();
            let pt = b"attack at dawn".to_vec();
            for (pn, n) in [(0u32, 0u32), (1, 0), (0, 1), (300, 5)] {
                let header = Header {
                    dh: dh_pair.public,
                    pn,
                    n,
                };
                let expected = e2ee_spec::profiles::seal(
                    profile,
                    e2ee_spec::profile::WireVariant::Reference,
                    &mk,
                    &header,
                    &pt,
                    &ad,
                )
                .unwrap();
                let env = [
                    ("mk", mk.to_vec()),
                    ("ad", ad.clone()),
                    ("x", dh_pair.private.to_vec()),
                    ("pt", pt.clone()),
                ];
                let t = call(
                    "seal",
                    vec![
                        var("mk"),
                        var("ad"),
                        super::super::term::pk(var("x")),
                        counter(profile, "pn", pn),
                        counter(profile, "n", n),
                        var("pt"),
                    ],
                );
                assert_eq!(
                    eval(profile, t, &env),
                    expected,
                    "{profile:?} seal pn={pn} n={n}"
                );
            }
        }
    }

    #[test]
    fn prekey_messages_match_spec() {
        for profile in PROFILES {
            let ik = KeyPair::from_private(&key(31));
            let ek = KeyPair::from_private(&key(32));
            let inner = b"inner message bytes".to_vec();
            for one_time in [false, true] {
                let prekey = PreKeyMessage {
                    header: PreKeyHeader {
                        identity_key: ik.public,
                        base_key: ek.public,
                        signed_prekey_id: SIGNED_PREKEY_ID,
                        one_time_prekey: one_time
                            .then_some(OneTimePrekeyRef::Id(ONE_TIME_PREKEY_ID)),
                        registration_id: if profile == Profile::SignalV3 {
                            REGISTRATION_ID
                        } else {
                            0
                        },
                        kyber: None,
                    },
                    message: inner.clone(),
                };
                let expected = e2ee_spec::session::encode_prekey_message(
                    profile,
                    e2ee_spec::profile::WireVariant::Reference,
                    &prekey,
                )
                .unwrap();
                let env = [
                    ("i", ik.private.to_vec()),
                    ("e", ek.private.to_vec()),
                    ("inner", inner.clone()),
                ];
                let t = call(
                    if one_time {
                        "prekey_msg_opk"
                    } else {
                        "prekey_msg"
                    },
                    vec![
                        super::super::term::pk(var("i")),
                        super::super::term::pk(var("e")),
                        var("inner"),
                    ],
                );
                assert_eq!(
                    eval(profile, t, &env),
                    expected,
                    "{profile:?} prekey message, one-time {one_time}"
                );
            }
        }
    }
}
