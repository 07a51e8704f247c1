//! Both parties' X3DH (§3.2-3.4) as process steps, shared by the X3DH and the session
//! models: Alice takes a bundle and sends the prekey message around her first ratchet
//! message, Bob parses it; both compute the agreement and the associated data. Whether
//! Alice verifies the signature, which DH outputs each side puts in the key material and
//! whether Bob's one-time prekey is used once are the spec's (`Guards`).

use super::process::{Ctx, Proc};
use super::ratchet::Ratchet;
use crate::guards::Dh;
use crate::schedule::prekey_layout;
use crate::term::{var, Ty};
use e2ee_spec::Profile;

/// X3DH §3.3: KM = F || the DH outputs `dhs`, in the spec's order (the document's DH1 ||
/// DH2 || DH3 [|| DH4]), then the first root key (and, in signal-v3, chain key `ck0`, which
/// is returned) as `km`, `rk0` in the process. Both parties' sides print the same lines on
/// their own DH terms.
fn x3dh_agreement(cx: &Ctx, pr: &mut Proc, dhs: Vec<String>) -> Option<String> {
    let km_fun = format!("x3dh_km{}", dhs.len());
    pr.line(format!("let km = {km_fun}({}) in", dhs.join(", ")));
    pr.line("let rk0 = x3dh_rk(km) in");
    (cx.p == Profile::SignalV3).then(|| {
        pr.line("let ck0 = x3dh_ck(km) in");
        "ck0".to_string()
    })
}

/// X3DH §3.3 AD = Encode(IK_A) || Encode(IK_B) as `ad`. modern binds it in both directions;
/// signal-v3's MAC input is (sender, receiver), so the other direction gets the reversed pair
/// as `reversed`. Returns the name bound to the other direction's AD.
fn x3dh_ad(cx: &Ctx, pr: &mut Proc, ik_a: &str, ik_b: &str, reversed: &str) -> String {
    pr.line(format!("let ad = assoc({ik_a}, {ik_b}) in"));
    if cx.p == Profile::SignalV3 {
        pr.line(format!("let {reversed} = assoc({ik_b}, {ik_a}) in"));
        reversed.to_string()
    } else {
        "ad".to_string()
    }
}

/// What Alice's X3DH leaves in scope.
pub(super) struct AliceX3dh {
    pub(super) rk0: String,
    pub(super) ck0: Option<String>,
    /// AD of Alice's messages; `ad_in` of Bob's (they differ in signal-v3 only).
    pub(super) ad: String,
    pub(super) ad_in: String,
    pub(super) ek: String,
    pub(super) opk: String,
}

/// Alice's side of X3DH (§3.3): take a bundle from the network (with `any_identity`, for any
/// identity key; else for Bob's), verify the signature, compute the agreement.
pub(super) fn alice_x3dh(
    cx: &mut Ctx,
    pr: &mut Proc,
    one_time: bool,
    any_identity: bool,
) -> AliceX3dh {
    let ek = pr.fresh("ek_a", Ty::Scalar);
    let ikb = if any_identity { "ikb: G, " } else { "" };
    let opk = if one_time { ", opkb: G" } else { "" };
    pr.line(format!("in(c, ({ikb}spkb: G, sig: bitstring{opk}));"));
    if !any_identity {
        pr.line("let ikb = exp(g, ikB) in");
    }
    if cx.guards().signed_prekey_verified {
        pr.line("if xverify(ikb, encode(spkb), sig) = true then");
    }
    let dhs = cx.guards().initiator_dhs[usize::from(one_time)]
        .iter()
        .map(|dh| match dh {
            Dh::Dh1 => "exp(spkb, ikA)".to_string(),
            Dh::Dh2 => format!("exp(ikb, {ek})"),
            Dh::Dh3 => format!("exp(spkb, {ek})"),
            Dh::Dh4 => format!("exp(opkb, {ek})"),
        })
        .collect();
    let ck0 = x3dh_agreement(cx, pr, dhs);
    let ad_in = x3dh_ad(cx, pr, "exp(g, ikA)", "ikb", "ad_in");
    AliceX3dh {
        rk0: "rk0".into(),
        ck0,
        ad: "ad".into(),
        ad_in,
        ek,
        opk: if one_time {
            "opkb".into()
        } else {
            "no_opk".into()
        },
    }
}

/// What Bob's X3DH leaves in scope.
pub(super) struct BobX3dh {
    pub(super) rk0: String,
    pub(super) ck0: Option<String>,
    pub(super) ad_in: String,
    pub(super) ad_out: String,
    pub(super) inner: String,
}

/// Bob's one-time prekey `opkB` (X3DH §3.2), published: one per session, or, if the spec
/// does not delete it on use (§3.4), one for any number of sessions (the rest of Bob's
/// process runs unboundedly often for each).
pub(super) fn bob_one_time_prekey(cx: &Ctx, pr: &mut Proc) {
    pr.fresh("opkB", Ty::Scalar);
    pr.line("out(c, exp(g, opkB));");
    if !cx.guards().one_time_prekey_deleted {
        pr.replicate();
    }
}

/// Bob's side (§3.4): parse the prekey message, recompute the agreement.
pub(super) fn bob_x3dh(cx: &mut Ctx, pr: &mut Proc, one_time: bool) -> BobX3dh {
    let layout = prekey_layout(cx.p, one_time, var("ika"), var("eka"), var("inner"));
    let pat = cx.pattern(
        &layout,
        &[("ika", Ty::G), ("eka", Ty::G), ("inner", Ty::Bits)],
    );
    pr.line("in(c, pm: bitstring);");
    pr.line(format!("let {pat} = pm in"));
    let dhs = cx.guards().responder_dhs[usize::from(one_time)]
        .iter()
        .map(|dh| {
            match dh {
                Dh::Dh1 => "exp(ika, spkB)",
                Dh::Dh2 => "exp(eka, ikB)",
                Dh::Dh3 => "exp(eka, spkB)",
                Dh::Dh4 => "exp(eka, opkB)",
            }
            .to_string()
        })
        .collect();
    let ck0 = x3dh_agreement(cx, pr, dhs);
    let ad_out = x3dh_ad(cx, pr, "ika", "exp(g, ikB)", "ad_out");
    BobX3dh {
        rk0: "rk0".into(),
        ck0,
        ad_in: "ad".into(),
        ad_out,
        inner: "inner".into(),
    }
}

/// Alice's initial message: the prekey message around her first ratchet message, whose
/// plaintext is `plaintext`. With `any_identity`, it only goes to Bob's identity; others get
/// a public payload.
pub(super) fn alice_first_message(
    cx: &mut Ctx,
    pr: &mut Proc,
    ar: &mut Ratchet,
    ax: &AliceX3dh,
    one_time: bool,
    any_identity: bool,
    plaintext: &str,
) {
    let prekey_fun = if one_time {
        "prekey_msg_opk"
    } else {
        "prekey_msg"
    };
    let secret = ar.encrypt(cx, pr, &ax.ad, plaintext);
    let ek = &ax.ek;
    if any_identity {
        let public = secret.replace(&format!("{plaintext})"), "nonsecret)");
        // A session with another identity stops here: its later steps use only its own fresh
        // keys, which tell the attacker nothing about other sessions.
        pr.line(format!("if ikb <> exp(g, ikB) then out(c, {prekey_fun}(exp(g, ikA), exp(g, {ek}), {public})) else"));
    }
    pr.line(format!(
        "out(c, {prekey_fun}(exp(g, ikA), exp(g, {ek}), {secret}));"
    ));
}
