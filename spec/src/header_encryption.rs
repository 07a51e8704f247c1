//! The Double Ratchet with header encryption, Signal specification revision 1, §4, in the
//! `modern` profile (header encryption is not deployed by libsignal or Olm).
//!
//! HENCRYPT is ChaCha20-Poly1305 under the header key with a 12-byte nonce chosen by the
//! sender (an input, like all randomness) and sent in front of the encrypted header: a
//! header key is used for a whole chain, so the nonce cannot be derived from the message key.
//! A random 96-bit nonce collides among k headers under one header key with probability
//! about k²/2⁹⁷ (2⁻⁵⁷ for a million messages in one chain): acceptable, and documented in
//! PROFILES.md as the one place `modern` relies on sender randomness for nonce uniqueness.
//! The message body is encrypted exactly as in `profiles::modern`, with the associated data
//! AD || type byte || nonce || encrypted header (§4: ENCRYPT(mk, plaintext, CONCAT(AD, enc_header))).

use crate::crypto::{chacha, kdf, x25519};
use crate::double_ratchet::{kdf_ck, Header, KeyPair};
use crate::error::Error;
use crate::profile::Limits;
use crate::profiles::modern::{
    self, ENCRYPTED_HEADER_LEN, HEADER_NONCE_LEN, KDF_RK_HE_INFO, LIMITS, TAG_LEN,
    TYPE_HEADER_ENCRYPTED,
};

/// One entry of §4's `MKSKIPPED`, indexed by header key and message number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedKey {
    pub hk_r: [u8; 32],
    pub n: u32,
    pub mk: [u8; 32],
}

/// §4.3 state variables: §3.2's plus `HKs`, `HKr`, `NHKs`, `NHKr`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    pub dh_s: KeyPair,
    pub dh_r: Option<[u8; 32]>,
    pub rk: [u8; 32],
    pub ck_s: Option<[u8; 32]>,
    pub ck_r: Option<[u8; 32]>,
    pub n_s: u32,
    pub n_r: u32,
    pub pn: u32,
    pub hk_s: Option<[u8; 32]>,
    pub hk_r: Option<[u8; 32]>,
    pub nhk_s: [u8; 32],
    pub nhk_r: [u8; 32],
    pub skipped: Vec<SkippedKey>,
}

/// §4.2 KDF_RK_HE: HKDF(salt = RK, ikm = DH output) → (RK, CK, NHK).
pub fn kdf_rk_he(rk: &[u8; 32], dh_out: &[u8; 32]) -> ([u8; 32], [u8; 32], [u8; 32]) {
    let mut out = [[0u8; 32]; 3];
    if let Ok(okm) = kdf::hkdf_sha256(rk, dh_out, KDF_RK_HE_INFO, 96) {
        for (i, key) in out.iter_mut().enumerate() {
            key.copy_from_slice(&okm[32 * i..32 * (i + 1)]);
        }
    }
    (out[0], out[1], out[2])
}

/// §4.2 HENCRYPT: encrypted header = ChaCha20-Poly1305(hk, nonce, type byte, header).
pub fn hencrypt(hk: &[u8; 32], nonce: &[u8; 12], header: &Header) -> Vec<u8> {
    chacha::seal(
        hk,
        nonce,
        &[TYPE_HEADER_ENCRYPTED],
        &modern::encode_header(header),
    )
}

/// §4.2 HDECRYPT: `None` when the header does not authenticate under `hk`.
pub fn hdecrypt(hk: &[u8; 32], nonce: &[u8; 12], enc_header: &[u8]) -> Option<Header> {
    let plain = chacha::open(hk, nonce, &[TYPE_HEADER_ENCRYPTED], enc_header).ok()?;
    modern::decode_header(&plain).ok()
}

/// §4.4 RatchetInitAliceHE.
pub fn ratchet_init_alice(
    sk: &[u8; 32],
    bob_dh_public: &[u8; 32],
    shared_hka: &[u8; 32],
    shared_nhkb: &[u8; 32],
    fresh: &[u8; 32],
) -> Result<State, Error> {
    let dh_s = KeyPair::from_private(fresh);
    let (rk, ck_s, nhk_s) = kdf_rk_he(sk, &x25519::dh(&dh_s.private, bob_dh_public)?);
    Ok(State {
        dh_s,
        dh_r: Some(*bob_dh_public),
        rk,
        ck_s: Some(ck_s),
        ck_r: None,
        n_s: 0,
        n_r: 0,
        pn: 0,
        hk_s: Some(*shared_hka),
        hk_r: None,
        nhk_s,
        nhk_r: *shared_nhkb,
        skipped: Vec::new(),
    })
}

/// §4.4 RatchetInitBobHE.
pub fn ratchet_init_bob(
    sk: &[u8; 32],
    bob_dh: &KeyPair,
    shared_hka: &[u8; 32],
    shared_nhkb: &[u8; 32],
) -> State {
    State {
        dh_s: bob_dh.clone(),
        dh_r: None,
        rk: *sk,
        ck_s: None,
        ck_r: None,
        n_s: 0,
        n_r: 0,
        pn: 0,
        hk_s: None,
        hk_r: None,
        nhk_s: *shared_nhkb,
        nhk_r: *shared_hka,
        skipped: Vec::new(),
    }
}

/// The parts of a header-encrypted message.
struct Parts<'a> {
    nonce: [u8; 12],
    enc_header: &'a [u8],
    /// Everything before the body: the part bound as associated data.
    prefix: &'a [u8],
    body: &'a [u8],
}

fn split(message: &[u8]) -> Result<Parts<'_>, Error> {
    let prefix_len = 1 + HEADER_NONCE_LEN + ENCRYPTED_HEADER_LEN;
    if message.len() < prefix_len + TAG_LEN
        || message.len() > prefix_len + LIMITS.max_plaintext + TAG_LEN
        || message[0] != TYPE_HEADER_ENCRYPTED
    {
        return Err(Error::Decode);
    }
    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(&message[1..1 + HEADER_NONCE_LEN]);
    Ok(Parts {
        nonce,
        enc_header: &message[1 + HEADER_NONCE_LEN..prefix_len],
        prefix: &message[..prefix_len],
        body: &message[prefix_len..],
    })
}

fn open_body(mk: &[u8; 32], parts: &Parts<'_>, ad: &[u8]) -> Result<Vec<u8>, Error> {
    let (key, nonce) = modern::message_keys(mk);
    Ok(chacha::open(
        &key,
        &nonce,
        &[ad, parts.prefix].concat(),
        parts.body,
    )?)
}

/// True when the skipped-key store respects its size (one store: §4 keeps one chain): the
/// post-condition of `ratchet_decrypt` (checked at run time by `tests/contracts.rs`).
pub fn within_limits(limits: &Limits, state: &State) -> bool {
    state.skipped.len() <= limits.skipped_keys.size()
}

/// §4.5 RatchetEncryptHE. `header_nonce` is the sender's fresh randomness for HENCRYPT.
#[hax_lib::ensures(|result| match &result {
    Ok((new, _)) => new.n_s > 0 && new.skipped == state.skipped,
    Err(_) => true,
})]
pub fn ratchet_encrypt(
    limits: &Limits,
    state: &State,
    plaintext: &[u8],
    ad: &[u8],
    header_nonce: &[u8; 12],
) -> Result<(State, Vec<u8>), Error> {
    if plaintext.len() > limits.max_plaintext {
        return Err(Error::Decode);
    }
    let (ck, hk) = match (state.ck_s, state.hk_s) {
        (Some(ck), Some(hk)) => (ck, hk),
        _ => return Err(Error::State),
    };
    let mut s = state.clone();
    let (next_ck, mk) = kdf_ck(&ck);
    let header = Header {
        dh: s.dh_s.public,
        pn: s.pn,
        n: s.n_s,
    };
    s.ck_s = Some(next_ck);
    s.n_s = s.n_s.checked_add(1).ok_or(Error::State)?;
    let mut message = vec![TYPE_HEADER_ENCRYPTED];
    message.extend_from_slice(header_nonce);
    message.extend_from_slice(&hencrypt(&hk, header_nonce, &header));
    let (key, nonce) = modern::message_keys(&mk);
    let body = chacha::seal(&key, &nonce, &[ad, &message[..]].concat(), plaintext);
    message.extend_from_slice(&body);
    Ok((s, message))
}

/// §4.6 RatchetDecryptHE. `fresh` is the private key of the next ratchet key pair, used
/// only if this message starts a DH ratchet step.
#[hax_lib::ensures(|result| match &result {
    Ok((new, _)) => within_limits(limits, new) || !within_limits(limits, state),
    Err(_) => true,
})]
pub fn ratchet_decrypt(
    limits: &Limits,
    state: &State,
    message: &[u8],
    ad: &[u8],
    fresh: &[u8; 32],
) -> Result<(State, Vec<u8>), Error> {
    let parts = split(message)?;
    // TrySkippedMessageKeysHE
    for (i, k) in state.skipped.iter().enumerate() {
        if let Some(header) = hdecrypt(&k.hk_r, &parts.nonce, parts.enc_header) {
            if header.n == k.n {
                let plaintext = open_body(&k.mk, &parts, ad)?;
                let mut s = state.clone();
                s.skipped.remove(i);
                return Ok((s, plaintext));
            }
        }
    }
    let mut s = state.clone();
    // DecryptHeader
    let current = s
        .hk_r
        .and_then(|hk| hdecrypt(&hk, &parts.nonce, parts.enc_header));
    let header = match current {
        Some(header) => header,
        None => {
            let header =
                hdecrypt(&s.nhk_r, &parts.nonce, parts.enc_header).ok_or(Error::AuthFailure)?;
            skip_message_keys(limits, &mut s, header.pn)?;
            dh_ratchet(&mut s, &header, fresh)?;
            header
        }
    };
    if header.n < s.n_r {
        return Err(Error::DuplicateMessage);
    }
    skip_message_keys(limits, &mut s, header.n)?;
    let ck_r = s.ck_r.ok_or(Error::State)?;
    let (next_ck, mk) = kdf_ck(&ck_r);
    s.ck_r = Some(next_ck);
    s.n_r = header.n.checked_add(1).ok_or(Error::TooFarAhead)?;
    let plaintext = open_body(&mk, &parts, ad)?;
    Ok((s, plaintext))
}

/// §4.6 SkipMessageKeysHE, with MAX_SKIP and the store size of `limits` (`modern`'s, or a
/// party's stricter ones).
pub fn skip_message_keys(limits: &Limits, state: &mut State, until: u32) -> Result<(), Error> {
    let (ck_r, hk_r) = match (state.ck_r, state.hk_r) {
        (Some(ck), Some(hk)) => (ck, hk),
        _ => return Ok(()),
    };
    if until <= state.n_r {
        return Ok(());
    }
    if until - state.n_r > limits.max_skip {
        return Err(Error::TooFarAhead);
    }
    let max = limits.skipped_keys.size();
    let mut ck = ck_r;
    for n in state.n_r..until {
        let (next_ck, mk) = kdf_ck(&ck);
        ck = next_ck;
        state.skipped.push(SkippedKey { hk_r, n, mk });
    }
    state.ck_r = Some(ck);
    state.n_r = until;
    if state.skipped.len() > max {
        let excess = state.skipped.len() - max;
        state.skipped.drain(..excess);
    }
    Ok(())
}

/// §4.6 DHRatchetHE.
fn dh_ratchet(s: &mut State, header: &Header, fresh: &[u8; 32]) -> Result<(), Error> {
    s.pn = s.n_s;
    s.n_s = 0;
    s.n_r = 0;
    s.hk_s = Some(s.nhk_s);
    s.hk_r = Some(s.nhk_r);
    s.dh_r = Some(header.dh);
    let (rk, ck_r, nhk_r) = kdf_rk_he(&s.rk, &x25519::dh(&s.dh_s.private, &header.dh)?);
    s.rk = rk;
    s.ck_r = Some(ck_r);
    s.nhk_r = nhk_r;
    s.dh_s = KeyPair::from_private(fresh);
    let (rk, ck_s, nhk_s) = kdf_rk_he(&s.rk, &x25519::dh(&s.dh_s.private, &header.dh)?);
    s.rk = rk;
    s.ck_s = Some(ck_s);
    s.nhk_s = nhk_s;
    Ok(())
}
