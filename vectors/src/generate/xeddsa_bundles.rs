//! Bundle traces from the XEdDSA known answers: each malformed signature and public-key
//! encoding of `kat_xeddsa.json` (`xeddsa.invalid.*` after `wrong_key` and `wrong_message`,
//! which `x3dh.bundle.bad_signature.other_*` already carry) put into Bob's prekey bundle, so
//! that an implementation's own X3DH (PQXDH) signature check meets it, not only a KAT replay.
//!
//! Each trace: Bob publishes; Alice initiates from his bundle with the malformed signed-prekey
//! signature (`signature_*`), Kyber-prekey signature (`kyber_signature_*`, `signal-v4`) or
//! identity key (`identity_key_*`: both signatures are then verified under it), which the spec
//! refuses (`bad_signature`); then from the genuine bundle, and a message each way decrypts, so
//! an implementation that refuses every bundle, or whose refusal left state behind, fails.
//!
//! Where the KAT marks a case `acceptable` (libsignal reduces `s` mod L and ignores bit 255 of
//! the key), the libsignal profiles' trace is `acceptable`. The rest of the trace still means
//! the same after an acceptance: the genuine `initiate` replaces the session the malformed
//! bundle started (one session per peer; libsignal archives the old one and sends from the
//! new), and `initiate` rebinds Bob's address to the genuine identity (SHIM.md §Identities), so
//! `a0` and `b0` are the genuine session's either way. `modern` makes them `invalid`
//! (spec/PROFILES.md §"Where our spec is stricter than a deployment").
//!
//! Ids are `x3dh.bundle.<target>_<kat case>.000`; new cases are appended to
//! `xeddsa_malformations`, so ids keep their meaning.

use super::kat::{xeddsa_malformations, Malformed};
use super::script::*;
use crate::envelope::Verdict;
use crate::trace::TraceTest;
use e2ee_iut::protocol::Bundle;
use e2ee_spec::Profile;

/// Which signature of the bundle a malformed signature replaces.
#[derive(Clone, Copy)]
enum Target {
    SignedPrekey,
    KyberPrekey,
}

pub fn traces(ctx: Ctx) -> Vec<TraceTest> {
    let p = ctx.profile;
    // Olm bundles carry no signature; header encryption changes nothing about bundles.
    if ctx.he || p == Profile::OlmV1 {
        return Vec::new();
    }
    let targets: &[Target] = if p.post_quantum() {
        &[Target::SignedPrekey, Target::KyberPrekey]
    } else {
        &[Target::SignedPrekey]
    };
    let count = xeddsa_malformations(&[9; 32], &[0; 64]).len();
    let mut v = Vec::new();
    for i in 0..count {
        for &target in targets {
            if let Some(t) = trace(ctx, i, target) {
                v.push(t);
            }
        }
    }
    v
}

fn bytes<const N: usize>(h: Option<&String>) -> [u8; N] {
    hex::decode(h.expect("the spec's bundle has the field"))
        .expect("hex")
        .try_into()
        .expect("length")
}

/// The trace of malformation `i` aimed at `target`; `None` where it does not apply (a key
/// malformation is one trace, made for the signed prekey's target only).
fn trace(ctx: Ctx, i: usize, target: Target) -> Option<TraceTest> {
    let p = ctx.profile;
    // Names, comments, flags and verdicts do not depend on the key and signature.
    let probe = xeddsa_malformations(&[9; 32], &[0; 64]).swap_remove(i);
    let (prefix, whose) = match (&probe.what, target) {
        (Malformed::PublicKey(_), Target::SignedPrekey) => ("identity_key", "identity key"),
        (Malformed::PublicKey(_), Target::KyberPrekey) => return None,
        (Malformed::Signature(_), Target::SignedPrekey) => ("signature", "signed prekey signature"),
        (Malformed::Signature(_), Target::KyberPrekey) => {
            ("kyber_signature", "Kyber prekey signature")
        }
    };
    // The KAT's `acceptable` is libsignal's leniency; `modern` is bound to no deployment.
    let acceptable = probe.verdict == Verdict::Acceptable && p.is_libsignal();
    let verdict = if acceptable {
        "which the spec refuses (bad_signature) and libsignal accepts, so accepting is allowed"
    } else {
        "which must be refused (bad_signature)"
    };
    let comment = format!(
        "Alice initiates from Bob's bundle whose {whose} is changed as kat_xeddsa's xeddsa.invalid.{} ({}), {verdict}; then from the genuine bundle, and a message each way decrypts",
        probe.name, probe.comment
    );
    let mut flags = vec![probe.flag];
    if !acceptable {
        flags.push(match target {
            Target::KyberPrekey => "BadKyberPrekeySignature",
            Target::SignedPrekey => "BadSignedPrekeySignature",
        });
    }
    let mut s = Script::new(
        ctx,
        format!("x3dh.bundle.{prefix}_{}.000", probe.name),
        &comment,
        &flags,
    );
    if acceptable {
        s.acceptable();
    }
    s.party("alice");
    s.party("bob");
    s.publish("bob", 1, Some(1));
    let genuine: Bundle = s.bundle("bob");
    let identity: [u8; 32] = bytes(Some(&genuine.identity_key));
    let signature: [u8; 64] = match target {
        Target::KyberPrekey => bytes(genuine.kyber_prekey_signature.as_ref()),
        Target::SignedPrekey => bytes(genuine.signed_prekey_signature.as_ref()),
    };
    let mut bad = genuine;
    match xeddsa_malformations(&identity, &signature)
        .swap_remove(i)
        .what
    {
        Malformed::PublicKey(k) => bad.identity_key = hex::encode(k),
        Malformed::Signature(t) => match target {
            Target::KyberPrekey => bad.kyber_prekey_signature = Some(hex::encode(t)),
            Target::SignedPrekey => bad.signed_prekey_signature = Some(hex::encode(t)),
        },
    }
    s.initiate_with("alice", "bob", Some(bad), BAD_SIGNATURE);
    s.initiate("alice", "bob");
    s.exchange("alice", "bob", "a0");
    s.exchange("bob", "alice", "b0");
    Some(s.finish())
}
