//! Checkpoint digests: SHA-256 over a canonical encoding of a party's whole state
//! (`vectors/README.md` §Checkpoints is the normative description; keep the two in step).
//!
//! The encoding is length-prefixed and in a fixed order, so two different states never
//! encode alike and another implementation that keeps the same state can compute the same
//! digest. Collections whose order carries no meaning (sessions, prekeys) are sorted;
//! those whose order the algorithm uses (receiving chains newest first, skipped keys
//! oldest first, because eviction follows it) are kept in that order.

use e2ee_spec::double_ratchet::{self as dr, KeyPair};
use e2ee_spec::header_encryption as he;
use e2ee_spec::party::Party;
use e2ee_spec::session::{OneTimePrekeyRef, PreKeyHeader, Ratchet, Session};
use sha2::{Digest, Sha256};

/// The first field of every encoding: names the encoding and its version.
pub const DOMAIN: &[u8] = b"e2ee-conform state digest v1";

/// Tags of `Ratchet`.
const RATCHET_PLAIN: u8 = 0x01;
const RATCHET_HEADER_ENCRYPTED: u8 = 0x02;
/// Tags of a prekey header's one-time prekey reference.
const OTK_NONE: u8 = 0x00;
const OTK_ID: u8 = 0x01;
const OTK_KEY: u8 = 0x02;

/// The checkpoint digest of `party`, lowercase hex.
pub fn party_digest(party: &Party) -> String {
    hex::encode(Sha256::digest(encode_party(party)))
}

/// The canonical encoding of `party` (what [`party_digest`] hashes).
pub fn encode_party(party: &Party) -> Vec<u8> {
    let mut e = Encoder::default();
    e.bytes(DOMAIN);
    e.bytes(party.profile.name().as_bytes());
    e.bool(party.header_encryption);
    e.bytes(&party.identity.private);
    e.u32(party.registration_id);
    let mut signed: Vec<_> = party.signed_prekeys.iter().collect();
    signed.sort_by_key(|(id, _, _)| *id);
    e.count(signed.len());
    for (id, pair, signature) in signed {
        e.u32(*id);
        e.bytes(&pair.private);
        e.bytes(signature);
    }
    let mut one_time: Vec<_> = party.one_time_prekeys.iter().collect();
    one_time.sort_by_key(|(id, _)| *id);
    e.count(one_time.len());
    for (id, pair) in one_time {
        e.u32(*id);
        e.bytes(&pair.private);
    }
    // Only PQXDH parties have KEM prekeys: the other profiles' digests are as they were.
    if party.profile.post_quantum() {
        let mut kyber: Vec<_> = party.kyber_prekeys.iter().collect();
        kyber.sort_by_key(|k| k.id);
        e.count(kyber.len());
        for k in kyber {
            e.u32(k.id);
            e.bytes(&k.pair.secret);
            e.bytes(&k.signature);
            e.bool(k.last_resort);
        }
    }
    let mut sessions: Vec<&Session> = party.sessions.iter().collect();
    sessions.sort_by_key(|s| s.remote_identity);
    e.count(sessions.len());
    for s in sessions {
        session(&mut e, s);
    }
    // Archived sessions (signal-v3, signal-v4, olm-v1) follow only when there are any, so the
    // digest of a party that never replaced a session (every modern party) is as it was; the
    // encoding stays unambiguous because this part, when present, is what ends it.
    let mut archived: Vec<_> = party
        .archived
        .iter()
        .filter(|a| !a.sessions.is_empty())
        .collect();
    if !archived.is_empty() {
        archived.sort_by_key(|a| a.remote_identity);
        e.count(archived.len());
        for a in archived {
            e.bytes(&a.remote_identity);
            // Newest first: the order trial decryption and eviction follow.
            e.count(a.sessions.len());
            for s in &a.sessions {
                session(&mut e, s);
            }
        }
    }
    e.out
}

fn session(e: &mut Encoder, s: &Session) {
    e.bytes(&s.remote_identity);
    e.bytes(&s.base_key);
    one_time_prekey(e, s.one_time_prekey);
    e.bytes(&s.ad);
    match &s.pending_prekey {
        None => e.bool(false),
        Some(h) => {
            e.bool(true);
            prekey_header(e, h);
        }
    }
    match &s.ratchet {
        Ratchet::Plain(state) => {
            e.u8(RATCHET_PLAIN);
            plain(e, state);
        }
        Ratchet::HeaderEncrypted(state) => {
            e.u8(RATCHET_HEADER_ENCRYPTED);
            header_encrypted(e, state);
        }
    }
}

fn prekey_header(e: &mut Encoder, h: &PreKeyHeader) {
    e.bytes(&h.identity_key);
    e.bytes(&h.base_key);
    e.u32(h.signed_prekey_id);
    one_time_prekey(e, h.one_time_prekey);
    e.u32(h.registration_id);
    // PQXDH sessions only (X3DH and Olm headers never carry one).
    if let Some(k) = &h.kyber {
        e.u32(k.prekey_id);
        e.bytes(&k.ciphertext);
    }
}

fn one_time_prekey(e: &mut Encoder, r: Option<OneTimePrekeyRef>) {
    match r {
        None => e.u8(OTK_NONE),
        Some(OneTimePrekeyRef::Id(id)) => {
            e.u8(OTK_ID);
            e.u32(id);
        }
        Some(OneTimePrekeyRef::Key(key)) => {
            e.u8(OTK_KEY);
            e.bytes(&key);
        }
    }
}

fn plain(e: &mut Encoder, s: &dr::State) {
    e.opt(s.dh_s.as_ref().map(|k: &KeyPair| &k.private[..]));
    e.bytes(&s.rk);
    e.opt(s.ck_s.as_ref().map(|k| &k[..]));
    e.u32(s.n_s);
    e.u32(s.pn);
    e.count(s.receiver_chains.len());
    for c in &s.receiver_chains {
        e.bytes(&c.dh_r);
        e.bytes(&c.ck_r);
        e.u32(c.n_r);
    }
    e.count(s.skipped.len());
    for k in &s.skipped {
        e.bytes(&k.dh_r);
        e.u32(k.n);
        e.bytes(&k.mk);
    }
}

fn header_encrypted(e: &mut Encoder, s: &he::State) {
    e.bytes(&s.dh_s.private);
    e.opt(s.dh_r.as_ref().map(|k| &k[..]));
    e.bytes(&s.rk);
    e.opt(s.ck_s.as_ref().map(|k| &k[..]));
    e.opt(s.ck_r.as_ref().map(|k| &k[..]));
    e.u32(s.n_s);
    e.u32(s.n_r);
    e.u32(s.pn);
    e.opt(s.hk_s.as_ref().map(|k| &k[..]));
    e.opt(s.hk_r.as_ref().map(|k| &k[..]));
    e.bytes(&s.nhk_s);
    e.bytes(&s.nhk_r);
    e.count(s.skipped.len());
    for k in &s.skipped {
        e.bytes(&k.hk_r);
        e.u32(k.n);
        e.bytes(&k.mk);
    }
}

/// The encoding's five primitives (README §Checkpoints).
#[derive(Default)]
struct Encoder {
    out: Vec<u8>,
}

impl Encoder {
    fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    /// 4 bytes, big endian.
    fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }
    /// One byte, 0x00 or 0x01.
    fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }
    /// u32 length, then the bytes.
    fn bytes(&mut self, v: &[u8]) {
        self.count(v.len());
        self.out.extend_from_slice(v);
    }
    /// A list's length, as u32.
    fn count(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    /// 0x00 when absent, else 0x01 and the bytes.
    fn opt(&mut self, v: Option<&[u8]>) {
        match v {
            None => self.bool(false),
            Some(b) => {
                self.bool(true);
                self.bytes(b);
            }
        }
    }
}

#[cfg(test)]
mod tests {

    /// A last-resort KEM prekey for the bundles of `signal-v4` parties (ignored by the others).
    fn kyber() -> Option<e2ee_spec::party::KemPrekeyInput<'static>> {
        static PAIR: std::sync::LazyLock<e2ee_spec::crypto::kem::KemKeyPair> =
            std::sync::LazyLock::new(|| {
                e2ee_spec::crypto::kem::generate(e2ee_spec::profiles::signal_v4::KEM, &[11; 64])
            });
        Some(e2ee_spec::party::KemPrekeyInput {
            id: 1,
            pair: &PAIR,
            z: &[12; 64],
            last_resort: true,
        })
    }
    use super::*;
    use e2ee_spec::Profile;

    #[test]
    fn fresh_party_encoding_is_as_documented() {
        let p = Party::new(Profile::SignalV3, false, &[7; 32], 0x0102_0304);
        let mut want = Vec::new();
        want.extend_from_slice(&(DOMAIN.len() as u32).to_be_bytes());
        want.extend_from_slice(DOMAIN);
        want.extend_from_slice(&9u32.to_be_bytes());
        want.extend_from_slice(b"signal-v3");
        want.push(0);
        want.extend_from_slice(&32u32.to_be_bytes());
        want.extend_from_slice(&[7; 32]);
        want.extend_from_slice(&[1, 2, 3, 4]);
        want.extend_from_slice(&[0; 12]);
        assert_eq!(encode_party(&p), want);
    }

    #[test]
    fn session_order_does_not_matter() {
        let mut p = Party::new(Profile::Modern, false, &[1; 32], 0);
        let bob = Party::new(Profile::Modern, false, &[2; 32], 0);
        let carol = Party::new(Profile::Modern, false, &[3; 32], 0);
        let (_, b1) =
            e2ee_spec::party::publish_bundle(&bob, (1, &[4; 32]), None, &[0; 64], kyber());
        let (_, b2) =
            e2ee_spec::party::publish_bundle(&carol, (1, &[5; 32]), None, &[0; 64], kyber());
        let u1 = e2ee_spec::party::initiate(&p, &b1, &[6; 32], &[7; 32], &[13; 32]).unwrap();
        p = p.apply(u1);
        let u2 = e2ee_spec::party::initiate(&p, &b2, &[8; 32], &[9; 32], &[13; 32]).unwrap();
        p = p.apply(u2);
        let mut q = p.clone();
        q.sessions.reverse();
        assert_ne!(p, q);
        assert_eq!(party_digest(&p), party_digest(&q));
    }
}
