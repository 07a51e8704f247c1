//! One party's Double Ratchet state as ProVerif variables, advanced step by step as the spec
//! does (§3.3-3.5), each step emitting its `let`s into the party's process.

use super::process::{Ctx, Proc};
use crate::schedule::counter;
use crate::term::{var, Ty};
use e2ee_spec::Profile;

/// The Double Ratchet state of one party as ProVerif variables (§3.2: RK, CKs, DHs, the
/// receiving chains' CKr, Ns, PN), advanced by emitting `let`s into a process.
pub(super) struct Ratchet {
    who: &'static str,
    seq: usize,
    rk: String,
    ck_s: Option<String>,
    pub(super) dh_s: String,
    /// Receiving chain keys, newest first, at most `Limits::receiver_chains` of them.
    chains: Vec<String>,
    n_s: u32,
    pn: u32,
    /// The message keys of received messages, if the spec keeps them (`Guards`).
    kept: Vec<String>,
    /// The next `decrypt` is the party's last step: leave out the unused sending half.
    pub(super) final_step: bool,
}

impl Ratchet {
    /// A party's state before any message: nothing sent.
    fn new(
        who: &'static str,
        rk: &str,
        ck_s: Option<&str>,
        dh_s: &str,
        chains: Vec<String>,
    ) -> Ratchet {
        Ratchet {
            who,
            seq: 0,
            rk: rk.to_string(),
            ck_s: ck_s.map(str::to_string),
            dh_s: dh_s.to_string(),
            chains,
            n_s: 0,
            pn: 0,
            kept: Vec::new(),
            final_step: false,
        }
    }

    fn name(&mut self, base: &str) -> String {
        self.seq += 1;
        format!("{}_{base}{}", self.who, self.seq)
    }

    /// §3.3 RatchetInitAlice (modern) / libsignal initialize_alice_session (signal-v3): the
    /// sending half of a DH ratchet step against Bob's signed prekey `spk` (a G term).
    pub(super) fn init_alice(
        cx: &mut Ctx,
        pr: &mut Proc,
        who: &'static str,
        rk0: &str,
        ck0: Option<&str>,
        spk: &str,
    ) -> Ratchet {
        // signal-v3: the X3DH chain key is Alice's first receiving chain.
        let chains = ck0.map(|c| vec![c.to_string()]).unwrap_or_default();
        let mut r = Ratchet::new(who, rk0, None, "", chains);
        let fresh = r.name("dh");
        pr.fresh(&fresh, Ty::Scalar);
        r.dh_s = fresh.clone();
        let d = r.name("d");
        pr.line(format!("let {d} = exp({spk}, {fresh}) in"));
        let (rk, ck) = (r.name("rk"), r.name("cks"));
        pr.line(format!("let {rk} = kdf_rk_rk({}, {d}) in", r.rk));
        pr.line(format!("let {ck} = kdf_rk_ck({}, {d}) in", r.rk));
        r.rk = rk;
        r.ck_s = Some(ck);
        // modern: ratchet_init_alice sets PN = 0; signal-v3: sending_step sets previous_counter(Ns = 0).
        r.pn = if cx.p == Profile::SignalV3 {
            cx.p.previous_counter(0)
        } else {
            0
        };
        r
    }

    /// §3.3 RatchetInitBob / libsignal initialize_bob_session: the signed prekey is the
    /// ratchet key; signal-v3 also gets a sending chain `ck0` on it.
    pub(super) fn init_bob(who: &'static str, rk0: &str, ck0: Option<&str>, spk: &str) -> Ratchet {
        Ratchet::new(who, rk0, ck0, spk, Vec::new())
    }

    /// §3.4 RatchetEncrypt: derive the message key, advance CKs; returns the message term.
    pub(super) fn encrypt(
        &mut self,
        cx: &mut Ctx,
        pr: &mut Proc,
        ad: &str,
        plaintext: &str,
    ) -> String {
        let ck = self.ck_s.clone().expect("no sending chain");
        let (mk, next) = (self.name("mk"), self.name("cks"));
        pr.line(format!("let {mk} = kdf_ck_mk({ck}) in"));
        pr.line(format!("let {next} = kdf_ck_ck({ck}) in"));
        self.ck_s = Some(next);
        let pn = cx.counter("pn", self.pn);
        let n = cx.counter("n", self.n_s);
        self.n_s += 1;
        format!(
            "seal({mk}, {ad}, exp(g, {}), {pn}, {n}, {plaintext})",
            self.dh_s
        )
    }

    /// §3.5 RatchetDecrypt of a message `msg` that starts a new receiving chain (the models
    /// deliver in order, one message per chain): parse the header, DHRatchet (receiving half,
    /// then the sending half with a fresh key pair), derive the message key, authenticate and
    /// decrypt. Returns (plaintext variable, sender's ratchet public key variable).
    ///
    /// What the spec's `ratchet_decrypt` and `open` do is read from them (`Guards`): whether
    /// the new key pair is the fresh one, whether the message key is gone afterwards, whether
    /// the MAC is checked. (The models deliver in order, so a spec that keeps any used key,
    /// in order or skipped, is written as one that keeps every received message key.)
    pub(super) fn decrypt(
        &mut self,
        cx: &mut Ctx,
        pr: &mut Proc,
        msg: &str,
        ad: &str,
    ) -> (String, String) {
        let (peer, pnv, ct, mac) = (
            self.name("peer"),
            self.name("pn"),
            self.name("ct"),
            self.name("mac"),
        );
        let n0 = counter(cx.p, "n", 0);
        let layout = cx.message_layout(var(&peer), var(&pnv), n0.clone(), var(&ct), var(&mac));
        let pat = cx.pattern(
            &layout,
            &[
                (&peer, Ty::G),
                (&pnv, Ty::Bits),
                (&ct, Ty::Bits),
                (&mac, Ty::Bits),
            ],
        );
        pr.line(format!("let {pat} = {msg} in"));
        // DHRatchet, receiving half.
        let (d, rk, ckr) = (self.name("d"), self.name("rk"), self.name("ckr"));
        pr.line(format!("let {d} = exp({peer}, {}) in", self.dh_s));
        pr.line(format!("let {rk} = kdf_rk_rk({}, {d}) in", self.rk));
        pr.line(format!("let {ckr} = kdf_rk_ck({}, {d}) in", self.rk));
        self.rk = rk;
        // Sending half (sending_step): a fresh ratchet key pair. Left out when nothing after
        // this step uses it (no later message, no state leak): an unused derivation changes
        // nothing in a symbolic model, and each DH on an attacker's value costs ProVerif.
        if !self.final_step {
            let next_dh = if !cx.guards().fresh_ratchet_key {
                self.dh_s.clone()
            } else {
                let f = self.name("dh");
                pr.fresh(&f, Ty::Scalar);
                f
            };
            let (d2, rk2, cks) = (self.name("d"), self.name("rk"), self.name("cks"));
            pr.line(format!("let {d2} = exp({peer}, {next_dh}) in"));
            pr.line(format!("let {rk2} = kdf_rk_rk({}, {d2}) in", self.rk));
            pr.line(format!("let {cks} = kdf_rk_ck({}, {d2}) in", self.rk));
            self.pn = if cx.p == Profile::Modern {
                self.n_s
            } else {
                cx.p.previous_counter(self.n_s)
            };
            self.n_s = 0;
            self.rk = rk2;
            self.ck_s = Some(cks);
            self.dh_s = next_dh;
        }
        // The message key of N = 0 on the new chain.
        let (mk, next) = (self.name("mk"), self.name("ckr"));
        pr.line(format!("let {mk} = kdf_ck_mk({ckr}) in"));
        pr.line(format!("let {next} = kdf_ck_ck({ckr}) in"));
        self.chains.insert(0, next);
        self.chains.truncate(cx.p.limits().receiver_chains);
        if !cx.guards().message_key_deleted {
            self.kept.push(mk.clone());
        }
        let pt = self.name("pt");
        let n0 = cx.t(&n0);
        match cx.p {
            Profile::Modern => {
                pr.line(format!("let {pt} = aead_dec(mk_key({mk}), mk_nonce({mk}), aad({ad}, {peer}, {pnv}, {n0}), {ct}) in"));
            }
            _ => {
                if cx.guards().mac_checked {
                    pr.line(format!(
                        "if mac({mk}, {ad}, body({peer}, {n0}, {pnv}, {ct})) = {mac} then"
                    ));
                }
                pr.line(format!(
                    "let {pt} = cbc_dec(mk_cipher_key({mk}), mk_iv({mk}), {ct}) in"
                ));
            }
        }
        (pt, peer)
    }

    /// Everything the party holds: RK, CKs, DHs's private key, the receiving chain keys (and,
    /// in the sanity variant, the message keys it failed to delete).
    pub(super) fn state(&self) -> String {
        let mut parts = vec![self.rk.clone()];
        parts.extend(self.ck_s.clone());
        parts.push(self.dh_s.clone());
        parts.extend(self.chains.iter().cloned());
        parts.extend(self.kept.iter().cloned());
        format!("({})", parts.join(", "))
    }
}
