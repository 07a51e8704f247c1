//! The Double Ratchet, Signal specification revision 1 (2016-11-20), §3 and §5.2.
//!
//! One algorithm for every profile. It departs from the document's pseudocode only where a
//! profile needs it, and each departure is a named profile property:
//!
//! * the limits (MAX_SKIP, the skipped-key store, the receiving chains kept) are an input,
//!   the profile's `Limits` or a party's stricter ones;
//! * receiving chains are a list, newest first (`Limits::receiver_chains`). With one chain
//!   this is the document's `DHr`/`CKr`/`Nr`; libsignal and Olm keep several, so a late
//!   message of an earlier chain is decrypted from that chain instead of from `MKSKIPPED`;
//! * `Profile::skips_previous_chain`: whether a DH ratchet step first skips the rest of the
//!   previous chain up to `PN` (§3.5), which only a profile with a single chain needs;
//! * `Profile::lazy_sending_step`: whether the sending half of a DH ratchet step happens on
//!   receipt (§3.5) or when we next send (Olm);
//! * a message whose counter is below its chain's `Nr` and whose key is not stored is
//!   rejected as a duplicate before any key is derived.
//!
//! State in, state out: every operation takes `&State` and returns a new `State`, so a
//! failed operation cannot change the caller's state.

use crate::crypto::{kdf, x25519};
use crate::error::Error;
use crate::profile::{Limits, Profile, SkippedKeyStore, WireVariant};
use crate::profiles;

/// An X25519 key pair (§2.3 `GENERATE_DH` output). The private key is always an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPair {
    pub private: [u8; 32],
    pub public: [u8; 32],
}

impl KeyPair {
    /// The key pair whose private key is `private` (randomness supplied by the caller).
    pub fn from_private(private: &[u8; 32]) -> KeyPair {
        KeyPair {
            private: *private,
            public: x25519::public_key(private),
        }
    }
}

/// A message header (§3.1 `HEADER(dh_pair, pn, n)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub dh: [u8; 32],
    pub pn: u32,
    pub n: u32,
}

/// One receiving chain: the document's `DHr`, `CKr`, `Nr`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiverChain {
    pub dh_r: [u8; 32],
    pub ck_r: [u8; 32],
    pub n_r: u32,
}

/// One entry of `MKSKIPPED`: the key of message `n` of the chain of ratchet key `dh_r`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedKey {
    pub dh_r: [u8; 32],
    pub n: u32,
    pub mk: [u8; 32],
}

/// The session state of §3.2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    /// `DHs`. `None` only for an Olm responder that has not sent yet.
    pub dh_s: Option<KeyPair>,
    /// `RK`.
    pub rk: [u8; 32],
    /// `CKs`; `None` until a sending chain exists.
    pub ck_s: Option<[u8; 32]>,
    /// `Ns`.
    pub n_s: u32,
    /// `PN`.
    pub pn: u32,
    /// `DHr`, `CKr`, `Nr` of the current and (per profile) earlier receiving chains, newest first.
    pub receiver_chains: Vec<ReceiverChain>,
    /// `MKSKIPPED`, oldest first. A `Vec` of entries, not a map, so the state is hax-friendly.
    pub skipped: Vec<SkippedKey>,
}

/// §5.2 KDF_RK: HKDF-SHA256 with `rk` as salt, the DH output as input key material and the
/// profile's info string; 64 bytes split into the new root key and a chain key.
pub fn kdf_rk(profile: Profile, rk: &[u8; 32], dh_out: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    let okm = kdf::hkdf_sha256(rk, dh_out, profile.kdf_rk_info(), 64);
    let mut new_rk = [0u8; 32];
    let mut ck = [0u8; 32];
    if let Ok(okm) = okm {
        new_rk.copy_from_slice(&okm[..32]);
        ck.copy_from_slice(&okm[32..64]);
    }
    (new_rk, ck)
}

/// Chain key step constants of §5.2: message key = HMAC(CK, 0x01), next CK = HMAC(CK, 0x02).
/// The same bytes in every profile (libsignal `ratchet/keys.rs`, Olm §"Advancing the chain key").
pub const MESSAGE_KEY_SEED: [u8; 1] = [0x01];
pub const CHAIN_KEY_SEED: [u8; 1] = [0x02];

/// §5.2 KDF_CK: returns (next chain key, message key).
pub fn kdf_ck(ck: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    (
        kdf::hmac_sha256(ck, &CHAIN_KEY_SEED),
        kdf::hmac_sha256(ck, &MESSAGE_KEY_SEED),
    )
}

/// §3.3 RatchetInitAlice: Alice knows Bob's ratchet public key (his signed prekey) and
/// performs the sending half of a DH ratchet step with the key pair of `fresh`.
pub fn ratchet_init_alice(
    profile: Profile,
    sk: &[u8; 32],
    bob_dh_public: &[u8; 32],
    fresh: &[u8; 32],
) -> Result<State, Error> {
    let dh_s = KeyPair::from_private(fresh);
    let (rk, ck_s) = kdf_rk(profile, sk, &x25519::dh(&dh_s.private, bob_dh_public)?);
    Ok(State {
        dh_s: Some(dh_s),
        rk,
        ck_s: Some(ck_s),
        n_s: 0,
        pn: 0,
        receiver_chains: Vec::new(),
        skipped: Vec::new(),
    })
}

/// §3.3 RatchetInitBob: Bob's ratchet key pair is his signed prekey; he cannot send until
/// Alice's first message gives him a sending chain.
pub fn ratchet_init_bob(sk: &[u8; 32], bob_dh: &KeyPair) -> State {
    State {
        dh_s: Some(bob_dh.clone()),
        rk: *sk,
        ck_s: None,
        n_s: 0,
        pn: 0,
        receiver_chains: Vec::new(),
        skipped: Vec::new(),
    }
}

/// True when `state` respects the storage limits: the post-condition of every
/// state-changing operation below (checked at run time by `tests/dr_contracts.rs`).
pub fn within_limits(limits: &Limits, state: &State) -> bool {
    let chains_ok = state.receiver_chains.len() <= limits.receiver_chains;
    let skipped_ok = match limits.skipped_keys {
        SkippedKeyStore::Global(max) => state.skipped.len() <= max,
        SkippedKeyStore::PerChain(max) => {
            state
                .receiver_chains
                .iter()
                .all(|c| state.skipped.iter().filter(|k| k.dh_r == c.dh_r).count() <= max)
                && state
                    .skipped
                    .iter()
                    .all(|k| state.receiver_chains.iter().any(|c| c.dh_r == k.dh_r))
        }
    };
    chains_ok && skipped_ok
}

/// §3.4 RatchetEncrypt. `fresh` is the private key of the next ratchet key pair, consumed
/// only by a profile whose sending half of a DH step happens here (Olm). `wire` is how the
/// sender writes the message's bytes where its profile allows a choice (the key schedule
/// never depends on it).
#[hax_lib::ensures(|result| match &result {
    Ok((new, _)) => new.ck_s.is_some() && new.n_s > 0 && new.skipped == state.skipped,
    Err(_) => true,
})]
pub fn ratchet_encrypt(
    profile: Profile,
    wire: WireVariant,
    limits: &Limits,
    state: &State,
    plaintext: &[u8],
    ad: &[u8],
    fresh: &[u8; 32],
) -> Result<(State, Vec<u8>), Error> {
    if plaintext.len() > limits.max_plaintext {
        return Err(Error::Decode);
    }
    let mut s = state.clone();
    if s.ck_s.is_none() {
        if !profile.lazy_sending_step() {
            return Err(Error::State);
        }
        sending_step(profile, &mut s, fresh)?;
    }
    let (ck, dh) = match (&s.ck_s, &s.dh_s) {
        (Some(ck), Some(dh)) => (*ck, dh.public),
        _ => return Err(Error::State),
    };
    let n = s.n_s;
    s.n_s = n.checked_add(1).ok_or(Error::State)?;
    let (next_ck, mk) = kdf_ck(&ck);
    s.ck_s = Some(next_ck);
    let header = Header { dh, pn: s.pn, n };
    let message = profiles::seal(profile, wire, &mk, &header, plaintext, ad)?;
    Ok((s, message))
}

/// §3.5 RatchetDecrypt. `fresh` is the private key of the next ratchet key pair, consumed
/// only when this message starts a DH ratchet step in a profile that sends eagerly.
#[hax_lib::ensures(|result| match &result {
    Ok((new, _)) => within_limits(limits, new) || !within_limits(limits, state),
    Err(_) => true,
})]
pub fn ratchet_decrypt(
    profile: Profile,
    limits: &Limits,
    state: &State,
    message: &[u8],
    ad: &[u8],
    fresh: &[u8; 32],
) -> Result<(State, Vec<u8>), Error> {
    let header = profiles::parse_header(profile, message)?;
    // TrySkippedMessageKeys
    if let Some(i) = state
        .skipped
        .iter()
        .position(|k| k.dh_r == header.dh && k.n == header.n)
    {
        let plaintext = profiles::open(profile, &state.skipped[i].mk, message, ad)?;
        let mut s = state.clone();
        s.skipped.remove(i);
        return Ok((s, plaintext));
    }
    let mut s = state.clone();
    let index = match s.receiver_chains.iter().position(|c| c.dh_r == header.dh) {
        Some(i) => i,
        None => {
            dh_ratchet(profile, limits, &mut s, &header, fresh)?;
            0
        }
    };
    if header.n < s.receiver_chains[index].n_r {
        return Err(Error::DuplicateMessage);
    }
    skip_message_keys(limits, &mut s, index, header.n)?;
    let chain = &mut s.receiver_chains[index];
    let (next_ck, mk) = kdf_ck(&chain.ck_r);
    chain.ck_r = next_ck;
    chain.n_r = header.n.checked_add(1).ok_or(Error::TooFarAhead)?;
    let plaintext = profiles::open(profile, &mk, message, ad)?;
    Ok((s, plaintext))
}

/// §3.5 SkipMessageKeys on receiving chain `index`: store the keys of messages
/// `Nr..until`, refusing a gap larger than `MAX_SKIP` and evicting the oldest stored keys
/// beyond the store's size (only the newest `max` of this skip are even stored).
#[hax_lib::requires(index < state.receiver_chains.len())]
pub fn skip_message_keys(
    limits: &Limits,
    state: &mut State,
    index: usize,
    until: u32,
) -> Result<(), Error> {
    let chain = state.receiver_chains[index].clone();
    if until <= chain.n_r {
        return Ok(());
    }
    if until - chain.n_r > limits.max_skip {
        return Err(Error::TooFarAhead);
    }
    let max = limits.skipped_keys.size() as u64;
    let mut ck = chain.ck_r;
    for n in chain.n_r..until {
        let (next_ck, mk) = kdf_ck(&ck);
        ck = next_ck;
        if u64::from(until - n) <= max {
            state.skipped.push(SkippedKey {
                dh_r: chain.dh_r,
                n,
                mk,
            });
        }
    }
    state.receiver_chains[index].ck_r = ck;
    state.receiver_chains[index].n_r = until;
    evict_skipped_keys(limits, state, &chain.dh_r);
    Ok(())
}

/// Drop the oldest skipped keys beyond the store's size.
fn evict_skipped_keys(limits: &Limits, state: &mut State, dh_r: &[u8; 32]) {
    match limits.skipped_keys {
        SkippedKeyStore::Global(max) => {
            if state.skipped.len() > max {
                let excess = state.skipped.len() - max;
                state.skipped.drain(..excess);
            }
        }
        SkippedKeyStore::PerChain(max) => {
            let count = state.skipped.iter().filter(|k| &k.dh_r == dh_r).count();
            let mut excess = count.saturating_sub(max);
            state.skipped.retain(|k| {
                if excess > 0 && &k.dh_r == dh_r {
                    excess -= 1;
                    false
                } else {
                    true
                }
            });
        }
    }
}

/// §3.5 DHRatchet, receiving half (and, unless the profile is lazy, the sending half).
fn dh_ratchet(
    profile: Profile,
    limits: &Limits,
    s: &mut State,
    header: &Header,
    fresh: &[u8; 32],
) -> Result<(), Error> {
    if profile.skips_previous_chain() && !s.receiver_chains.is_empty() {
        skip_message_keys(limits, s, 0, header.pn)?;
    }
    // An Olm responder that has not sent has no ratchet key to step from: no key for this
    // message can exist, so it cannot be authenticated (libolm: "sender chain not acknowledged").
    let dh_s = s.dh_s.as_ref().ok_or(Error::AuthFailure)?;
    let (rk, ck_r) = kdf_rk(profile, &s.rk, &x25519::dh(&dh_s.private, &header.dh)?);
    s.rk = rk;
    s.receiver_chains.insert(
        0,
        ReceiverChain {
            dh_r: header.dh,
            ck_r,
            n_r: 0,
        },
    );
    let kept = limits.receiver_chains;
    if s.receiver_chains.len() > kept {
        s.receiver_chains.truncate(kept);
        // A profile that keeps old chains derives their late keys from them, so a key of a
        // chain it no longer keeps is gone too (libsignal and vodozemac keep skipped keys
        // inside their chain). `modern` keeps one chain and stores the rest of the previous
        // one at each step: those keys must outlive it.
        if !profile.skips_previous_chain() {
            let chains = &s.receiver_chains;
            s.skipped
                .retain(|k| chains.iter().any(|c| c.dh_r == k.dh_r));
        }
    }
    if profile.lazy_sending_step() {
        s.ck_s = None;
        Ok(())
    } else {
        sending_step(profile, s, fresh)
    }
}

/// §3.5 DHRatchet, sending half: a new ratchet key pair and a new sending chain from the
/// newest receiving chain's ratchet key.
pub fn sending_step(profile: Profile, s: &mut State, fresh: &[u8; 32]) -> Result<(), Error> {
    let dh_r = s.receiver_chains.first().ok_or(Error::State)?.dh_r;
    let dh_s = KeyPair::from_private(fresh);
    let (rk, ck_s) = kdf_rk(profile, &s.rk, &x25519::dh(&dh_s.private, &dh_r)?);
    s.pn = profile.previous_counter(s.n_s);
    s.n_s = 0;
    s.rk = rk;
    s.ck_s = Some(ck_s);
    s.dh_s = Some(dh_s);
    Ok(())
}
