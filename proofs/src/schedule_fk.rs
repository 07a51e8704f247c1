//! Message franking (`e2ee_spec::franking`) as symbolic terms: the message `M`, the payload
//! that goes through the 1:1 session, the commitment `T_F`, the context, the server's tag
//! `R_F`, and an attachment's ciphertext and digest, every constant from
//! `e2ee_spec::franking`, as `schedule` does for the 1:1 profiles. The tests below evaluate
//! each `letfun` on bytes against the spec's functions.
//!
//! `weakened_letfuns` are the sanity models' departures from the spec, kept apart so that no
//! spec model can use them.

use crate::schedule::{lf, LetFun};
use crate::term::{call, cat, cnst, hmac, var, Term, Ty};
use e2ee_spec::franking as fk;

/// The model-file prefix and the name the models give as their profile (franking is a
/// layer over a 1:1 profile, not a profile of its own).
pub const PREFIX: &str = "franking";

fn version() -> Term {
    cnst(
        &[fk::FRANKING_VERSION],
        "e2ee_spec::franking::FRANKING_VERSION",
    )
}

fn kind_attachment() -> Term {
    cnst(
        &[fk::KIND_ATTACHMENT],
        "e2ee_spec::franking::KIND_ATTACHMENT",
    )
}

/// The spec's letfuns, in dependency order.
pub fn letfuns() -> Vec<LetFun> {
    let v = var;
    vec![
        lf(
            "fk_text",
            &[("text", Ty::Bits)],
            cat(vec![
                cnst(&[fk::KIND_TEXT], "e2ee_spec::franking::KIND_TEXT"),
                v("text"),
            ]),
            "M of a text message: 0x00 || text (franking::Message::encode)",
        ),
        lf(
            "fk_attachment",
            &[
                ("key", Ty::Bits),
                ("nonce", Ty::Bits),
                ("digest", Ty::Bits),
                ("caption", Ty::Bits),
            ],
            cat(vec![
                kind_attachment(),
                v("key"),
                v("nonce"),
                v("digest"),
                v("caption"),
            ]),
            "M of an attachment: 0x01 || K_A (32) || nonce (12) || SHA-256 of the ciphertext (32) || caption (franking::Message::encode)",
        ),
        lf(
            "fk_payload",
            &[("n_f", Ty::Bits), ("m", Ty::Bits)],
            cat(vec![version(), v("n_f"), v("m")]),
            "the 1:1 session's plaintext: version || N_F (32) || M (franking::frank)",
        ),
        lf(
            "fk_commitment",
            &[("n_f", Ty::Bits), ("m", Ty::Bits)],
            hmac(v("n_f"), v("m")),
            "T_F = HMAC-SHA256(N_F, M) (franking::commitment)",
        ),
        lf(
            "fk_context",
            &[("sender", Ty::Bits), ("recipient", Ty::Bits), ("ts", Ty::Bits)],
            cat(vec![
                Term::Len16(Box::new(v("sender"))),
                Term::Len16(Box::new(v("recipient"))),
                v("ts"),
            ]),
            "the delivery: u16(len) || sender || u16(len) || recipient || u64(timestamp) (franking::Context::encode)",
        ),
        lf(
            "fk_server_tag",
            &[
                ("kfb", Ty::Bits),
                ("t_f", Ty::Bits),
                ("sender", Ty::Bits),
                ("recipient", Ty::Bits),
                ("ts", Ty::Bits),
            ],
            hmac(
                v("kfb"),
                cat(vec![
                    v("t_f"),
                    call("fk_context", vec![v("sender"), v("recipient"), v("ts")]),
                ]),
            ),
            "R_F = HMAC-SHA256(K_FB, T_F || context) (franking::server_tag)",
        ),
        lf(
            "fk_attachment_ct",
            &[("key", Ty::Bits), ("nonce", Ty::Bits), ("pt", Ty::Bits)],
            Term::Gcm {
                key: Box::new(v("key")),
                nonce: Box::new(v("nonce")),
                plaintext: Box::new(v("pt")),
            },
            "an attachment's ciphertext: AES-256-GCM(K_A, nonce, no AAD, plaintext) (franking::seal_attachment)",
        ),
        lf(
            "fk_digest",
            &[("ct", Ty::Bits)],
            Term::Sha256(Box::new(v("ct"))),
            "what the server stores an attachment's ciphertext under, and M commits to: SHA-256 (franking::seal_attachment)",
        ),
    ]
}

/// The sanity models' departures from the spec (deliberately not the spec's layouts).
pub fn weakened_letfuns() -> Vec<LetFun> {
    let v = var;
    vec![
        lf(
            "weak_server_tag",
            &[("kfb", Ty::Bits), ("t_f", Ty::Bits)],
            hmac(v("kfb"), v("t_f")),
            "WEAKENED: R_F = HMAC-SHA256(K_FB, T_F), the context left out",
        ),
        lf(
            "weak_attachment",
            &[("nonce", Ty::Bits), ("digest", Ty::Bits), ("caption", Ty::Bits)],
            cat(vec![kind_attachment(), v("nonce"), v("digest"), v("caption")]),
            "WEAKENED: M of an attachment without K_A: 0x01 || nonce || digest || caption",
        ),
        lf(
            "weak_payload",
            &[("n_f", Ty::Bits), ("key", Ty::Bits), ("m", Ty::Bits)],
            cat(vec![version(), v("n_f"), v("key"), v("m")]),
            "WEAKENED: the payload carries K_A beside M, outside the commitment: version || N_F || K_A || M",
        ),
    ]
}

#[cfg(test)]
mod tests {
    //! Drift tests: each spec letfun on bytes against `e2ee_spec::franking`.
    use super::*;
    use crate::schedule;
    use e2ee_spec::franking::{Attachment, Context, Message, Report};
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

    const N_F: [u8; 32] = [0x4e; 32];
    const KEY: [u8; 32] = [0x6b; 32];
    const NONCE: [u8; 12] = [0x9c; 12];

    fn context() -> Context {
        Context {
            sender: b"alice".to_vec(),
            recipient: b"bob@example".to_vec(),
            timestamp: 1_700_000_000_123,
        }
    }

    /// A text message: M, the payload and T_F are `franking::frank`'s.
    #[test]
    fn text_payload_and_commitment_match_spec() {
        let text = b"hello".to_vec();
        let (payload, t_f) = fk::frank(&N_F, &Message::Text(text.clone()));
        let env = [("n_f", N_F.to_vec()), ("text", text)];
        let m = call("fk_text", vec![var("text")]);
        let t = call("fk_payload", vec![var("n_f"), m.clone()]);
        assert_eq!(eval(t, &env), payload);
        assert_eq!(eval(call("fk_commitment", vec![var("n_f"), m]), &env), t_f);
    }

    /// An attachment: its ciphertext and digest are `seal_attachment`'s, M and T_F are
    /// `frank`'s, and the spec opens the model's ciphertext with the model's descriptor.
    #[test]
    fn attachment_matches_spec() {
        let pt = b"a picture".to_vec();
        let (ct, descriptor) = fk::seal_attachment(&KEY, &NONCE, &pt);
        let message = Message::Attachment {
            descriptor: descriptor.clone(),
            caption: b"look".to_vec(),
        };
        let (payload, t_f) = fk::frank(&N_F, &message);
        let env = [
            ("n_f", N_F.to_vec()),
            ("key", KEY.to_vec()),
            ("nonce", NONCE.to_vec()),
            ("pt", pt.clone()),
            ("caption", b"look".to_vec()),
        ];
        let model_ct = call(
            "fk_attachment_ct",
            vec![var("key"), var("nonce"), var("pt")],
        );
        assert_eq!(eval(model_ct.clone(), &env), ct);
        let digest = call("fk_digest", vec![model_ct.clone()]);
        assert_eq!(eval(digest.clone(), &env), descriptor.digest);
        let m = call(
            "fk_attachment",
            vec![var("key"), var("nonce"), digest, var("caption")],
        );
        assert_eq!(eval(m.clone(), &env), message.encode());
        let payload_t = call("fk_payload", vec![var("n_f"), m.clone()]);
        assert_eq!(eval(payload_t, &env), payload);
        assert_eq!(eval(call("fk_commitment", vec![var("n_f"), m]), &env), t_f);
        let decoded = Attachment {
            key: KEY,
            nonce: NONCE,
            digest: descriptor.digest,
        };
        assert_eq!(
            fk::open_attachment(&decoded, &eval(model_ct, &env)).unwrap(),
            pt
        );
    }

    /// The context and R_F are `Context::encode`'s and `server_tag`'s, and the spec verifies
    /// a report carrying the model's R_F.
    #[test]
    fn context_and_server_tag_match_spec() {
        let kfb = [0x17u8; 32];
        let c = context();
        let message = Message::Text(b"report me".to_vec());
        let (_, t_f) = fk::frank(&N_F, &message);
        let env = [
            ("kfb", kfb.to_vec()),
            ("t_f", t_f.to_vec()),
            ("sender", c.sender.clone()),
            ("recipient", c.recipient.clone()),
            ("ts", c.timestamp.to_be_bytes().to_vec()),
        ];
        let who = || vec![var("sender"), var("recipient"), var("ts")];
        assert_eq!(eval(call("fk_context", who()), &env), c.encode().unwrap());
        let mut args = vec![var("kfb"), var("t_f")];
        args.extend(who());
        let r_f = eval(call("fk_server_tag", args), &env);
        assert_eq!(r_f, fk::server_tag(&kfb, &t_f, &c).unwrap());
        let report = Report {
            m: message.encode(),
            n_f: N_F,
            r_f: r_f.try_into().unwrap(),
            context: c,
        };
        assert_eq!(fk::verify_report(&kfb, &report).unwrap(), message);
    }

    /// The length prefixes are what make the model's context a `[data]` constructor: the two
    /// deliveries the spec's comment names encode differently, in the model as in the spec.
    #[test]
    fn context_fields_are_length_prefixed() {
        let a = Context {
            sender: b"alice".to_vec(),
            recipient: b"bob".to_vec(),
            timestamp: 1,
        };
        let b = Context {
            sender: b"alic".to_vec(),
            recipient: b"ebob".to_vec(),
            timestamp: 1,
        };
        let enc = |c: &Context| {
            let env = [
                ("sender", c.sender.clone()),
                ("recipient", c.recipient.clone()),
                ("ts", c.timestamp.to_be_bytes().to_vec()),
            ];
            eval(
                call(
                    "fk_context",
                    vec![var("sender"), var("recipient"), var("ts")],
                ),
                &env,
            )
        };
        assert_eq!(enc(&a), a.encode().unwrap());
        assert_eq!(enc(&b), b.encode().unwrap());
        assert_ne!(enc(&a), enc(&b));
    }
}
