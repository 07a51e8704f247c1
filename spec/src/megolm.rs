//! Megolm: Matrix's group ratchet (profile `megolm-v1`).
//!
//! A sender draws a 128-byte ratchet `R = R0 ‖ R1 ‖ R2 ‖ R3` and an Ed25519 key pair, and
//! shares the *session key* (index, ratchet, public key, signed) with each member over
//! Olm. Message `i` is encrypted under keys derived from the ratchet at index `i`; the
//! ratchet can be advanced to any later index cheaply (at most 4 × 255 hashes), which is
//! why Megolm has no forward-jump limit and no skipped-key store. Sources: the Matrix
//! Megolm specification (`megolm.md`, §"The Megolm ratchet algorithm", §"Message format");
//! vodozemac 0.11 `src/megolm/{ratchet,group_session,inbound_group_session,message,
//! session_keys}.rs`.
//!
//! State in, state out: every function takes the state by reference and returns a new one.

use crate::crypto::{aes_cbc, ed25519, kdf};
use crate::error::Error;
use crate::profiles::megolm_v1::*;
use crate::profiles::split_cbc_keys;
use crate::wire::protobuf;

/// The ratchet `R_{i}` at index `i`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ratchet {
    pub parts: [[u8; RATCHET_PART_LEN]; RATCHET_PARTS],
    pub index: u32,
}

impl Ratchet {
    pub fn from_bytes(bytes: &[u8; RATCHET_LEN], index: u32) -> Ratchet {
        let mut parts = [[0u8; RATCHET_PART_LEN]; RATCHET_PARTS];
        for (j, part) in parts.iter_mut().enumerate() {
            part.copy_from_slice(&bytes[j * RATCHET_PART_LEN..(j + 1) * RATCHET_PART_LEN]);
        }
        Ratchet { parts, index }
    }

    pub fn to_bytes(&self) -> [u8; RATCHET_LEN] {
        let mut out = [0u8; RATCHET_LEN];
        for (j, part) in self.parts.iter().enumerate() {
            out[j * RATCHET_PART_LEN..(j + 1) * RATCHET_PART_LEN].copy_from_slice(part);
        }
        out
    }

    /// Megolm §"Advancing the ratchet", to any index `target >= self.index`: for each part
    /// `j` from the most significant, if byte `j` of the index changes, `R_j` is rehashed
    /// with itself (`H_j`) once per step but the last, and the last step sets every
    /// `R_k`, `k >= j`, to `H_k(R_j)` (highest `k` first, so all read the same `R_j`).
    /// `H_k(x) = HMAC-SHA256(x, [k])`. Bounded: at most 255 + 4 hashes per part.
    /// `Err(State)` if `target` is below the current index (a ratchet never goes back).
    pub fn advance_to(&self, target: u32) -> Result<Ratchet, Error> {
        if target < self.index {
            return Err(Error::State);
        }
        let mut parts = self.parts;
        let mut index = self.index;
        for j in 0..RATCHET_PARTS {
            let shift = 8 * (RATCHET_PARTS - 1 - j) as u32;
            let steps = (target >> shift).wrapping_sub(index >> shift) & 0xff;
            if steps == 0 {
                continue;
            }
            for _ in 1..steps {
                parts[j] = kdf::hmac_sha256(&parts[j], &[ADVANCEMENT_SEEDS[j]]);
            }
            let from = parts[j];
            for k in (j..RATCHET_PARTS).rev() {
                parts[k] = kdf::hmac_sha256(&from, &[ADVANCEMENT_SEEDS[k]]);
            }
            index = target & (u32::MAX << shift);
        }
        Ok(Ratchet { parts, index })
    }

    /// One step (`advance_to(index + 1)`); `Err(State)` at index `u32::MAX`.
    pub fn advance(&self) -> Result<Ratchet, Error> {
        self.advance_to(self.index.checked_add(1).ok_or(Error::State)?)
    }

    /// Megolm §"Encrypting": HKDF-SHA256(salt 0, R, "MEGOLM_KEYS", 80) → (AES-256 key,
    /// HMAC key, IV).
    pub fn message_keys(&self) -> ([u8; 32], [u8; 32], [u8; 16]) {
        let okm: [u8; 80] = kdf::hkdf_sha256_fixed(&[], &self.to_bytes(), MESSAGE_KEYS_INFO);
        split_cbc_keys(&okm)
    }
}

/// The message body: 0x03 ‖ protobuf {message index, ciphertext}.
pub fn message_body(index: u32, ciphertext: &[u8]) -> Vec<u8> {
    let mut out = vec![VERSION];
    protobuf::put_uint(&mut out, FIELD_MESSAGE_INDEX, u64::from(index));
    protobuf::put_bytes(&mut out, FIELD_CIPHERTEXT, ciphertext);
    out
}

/// `body` ‖ HMAC-SHA256(mac key, body)[..8] ‖ Ed25519(signing key, body ‖ MAC). Public so
/// that vectors can authenticate and sign bodies the encoder does not write.
pub fn authenticate_and_sign(
    mac_key: &[u8; 32],
    signing_seed: &[u8; 32],
    body: Vec<u8>,
) -> Vec<u8> {
    let mut out = body;
    let mac = kdf::hmac_sha256(mac_key, &out);
    out.extend_from_slice(&mac[..MAC_LEN]);
    let signature = ed25519::sign(signing_seed, &out);
    out.extend_from_slice(&signature);
    out
}

/// A Megolm message as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<'a> {
    pub index: u32,
    pub ciphertext: &'a [u8],
    /// Version ‖ protobuf, as received: what the MAC covers.
    pub body: &'a [u8],
    pub mac: &'a [u8],
    /// Body ‖ MAC, as received: what the signature covers.
    pub signed: &'a [u8],
    pub signature: [u8; SIGNATURE_LEN],
}

/// Megolm §"Message format": version 3, then a protobuf body with a message index (absent:
/// `Decode`), the 8-byte MAC and the 64-byte signature; at least two body bytes. Any other
/// version (including vodozemac's experimental full-MAC version 4) is `Decode`.
pub fn parse(bytes: &[u8]) -> Result<Message<'_>, Error> {
    if bytes.first() != Some(&VERSION) || bytes.len() < 1 + MAC_LEN + SIGNATURE_LEN + 2 {
        return Err(Error::Decode);
    }
    let (signed, signature) = bytes.split_at(bytes.len() - SIGNATURE_LEN);
    let (body, mac) = signed.split_at(signed.len() - MAC_LEN);
    let fields = protobuf::fields(&body[1..])?;
    Ok(Message {
        index: protobuf::last_u32(&fields, FIELD_MESSAGE_INDEX)?.ok_or(Error::Decode)?,
        ciphertext: protobuf::last_bytes(&fields, FIELD_CIPHERTEXT)?.unwrap_or(&[]),
        body,
        mac,
        signed,
        signature: signature.try_into().map_err(|_| Error::Decode)?,
    })
}

/// The sending side (`GroupSession`): the ratchet at the next message's index and the
/// Ed25519 signing key (its RFC 8032 seed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSession {
    pub ratchet: Ratchet,
    pub signing_seed: [u8; 32],
}

impl GroupSession {
    /// The session id: the Ed25519 public key.
    pub fn session_id(&self) -> [u8; 32] {
        ed25519::public_key(&self.signing_seed)
    }

    /// `GroupSession::session_key`: 0x02 ‖ index (big-endian) ‖ R ‖ public key ‖ signature.
    pub fn session_key(&self) -> Vec<u8> {
        let mut out = exported_key_bytes(SESSION_KEY_VERSION, &self.ratchet, &self.session_id());
        let signature = ed25519::sign(&self.signing_seed, &out);
        out.extend_from_slice(&signature);
        out
    }

    /// `GroupSession::encrypt`: AES-256-CBC under the current index's keys, MAC'd, signed;
    /// the ratchet advances. `Err(State)` at index `u32::MAX` (the ratchet cannot advance).
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<(GroupSession, Vec<u8>), Error> {
        let next = self.ratchet.advance()?;
        let (aes_key, mac_key, iv) = self.ratchet.message_keys();
        let ciphertext = aes_cbc::encrypt(&aes_key, &iv, plaintext);
        let body = message_body(self.ratchet.index, &ciphertext);
        let message = authenticate_and_sign(&mac_key, &self.signing_seed, body);
        Ok((
            GroupSession {
                ratchet: next,
                signing_seed: self.signing_seed,
            },
            message,
        ))
    }
}

/// version ‖ index (big-endian) ‖ R ‖ public key: the session key before its signature, or
/// the whole exported key.
fn exported_key_bytes(version: u8, ratchet: &Ratchet, signing_key: &[u8; 32]) -> Vec<u8> {
    let mut out = vec![version];
    out.extend_from_slice(&ratchet.index.to_be_bytes());
    out.extend_from_slice(&ratchet.to_bytes());
    out.extend_from_slice(signing_key);
    out
}

/// The receiving side (`InboundGroupSession`) plus what a conforming client adds: the
/// indices it has decrypted (replay detection, see `profiles::megolm_v1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundSession {
    /// The ratchet at the first index this member can read.
    pub initial: Ratchet,
    pub signing_key: [u8; 32],
    /// Whether the signing key came with a signature by itself (a session key) rather than
    /// unsigned (an exported key).
    pub signing_key_verified: bool,
    /// Indices decrypted so far, as ascending, disjoint, non-adjacent inclusive ranges: an
    /// in-order stream is one range however long it runs (a record of single indices would
    /// grow, and be copied, with every message).
    pub decrypted: Vec<(u32, u32)>,
}

impl InboundSession {
    /// `InboundGroupSession::new` from a session key: exactly `SESSION_KEY_LEN` bytes of
    /// version 2 (else `Decode`), a public key that is a point (`InvalidKey`) and whose
    /// signature over the rest verifies (`BadSignature`).
    pub fn from_session_key(bytes: &[u8]) -> Result<InboundSession, Error> {
        if bytes.len() != SESSION_KEY_LEN || bytes[0] != SESSION_KEY_VERSION {
            return Err(Error::Decode);
        }
        let (unsigned, signature) = bytes.split_at(EXPORTED_KEY_LEN);
        let (initial, signing_key) = read_exported(unsigned)?;
        let signature: [u8; SIGNATURE_LEN] = signature.try_into().map_err(|_| Error::Decode)?;
        ed25519::verify(&signing_key, unsigned, &signature)?;
        Ok(InboundSession {
            initial,
            signing_key,
            signing_key_verified: true,
            decrypted: Vec::new(),
        })
    }

    /// `InboundGroupSession::import` from an exported key: exactly `EXPORTED_KEY_LEN` bytes
    /// of version 1 (else `Decode`), a public key that is a point (`InvalidKey`).
    pub fn from_exported_key(bytes: &[u8]) -> Result<InboundSession, Error> {
        if bytes.len() != EXPORTED_KEY_LEN || bytes[0] != EXPORTED_KEY_VERSION {
            return Err(Error::Decode);
        }
        let (initial, signing_key) = read_exported(bytes)?;
        Ok(InboundSession {
            initial,
            signing_key,
            signing_key_verified: false,
            decrypted: Vec::new(),
        })
    }

    /// The session id: the sender's Ed25519 public key.
    pub fn session_id(&self) -> [u8; 32] {
        self.signing_key
    }

    /// `InboundGroupSession::export_at`: the exported key at `index` (version 1), or `None`
    /// below the first known index.
    pub fn export_at(&self, index: u32) -> Option<Vec<u8>> {
        let ratchet = self.initial.advance_to(index).ok()?;
        Some(exported_key_bytes(
            EXPORTED_KEY_VERSION,
            &ratchet,
            &self.signing_key,
        ))
    }

    /// `InboundGroupSession::decrypt` and the client's replay check, in vodozemac's order:
    /// the signature over body ‖ MAC (`BadSignature`), the index (`DuplicateMessage` below
    /// the first known index: that key was never shared with this member), the MAC
    /// (`AuthFailure`), AES-256-CBC (`AuthFailure`), then an index already decrypted
    /// (`DuplicateMessage`: a replay). Returns the plaintext and the message index.
    pub fn decrypt(&self, bytes: &[u8]) -> Result<(InboundSession, Vec<u8>, u32), Error> {
        let message = parse(bytes)?;
        ed25519::verify(&self.signing_key, message.signed, &message.signature)?;
        if message.index < self.initial.index {
            return Err(Error::DuplicateMessage);
        }
        let ratchet = self.initial.advance_to(message.index)?;
        let (aes_key, mac_key, iv) = ratchet.message_keys();
        kdf::verify_hmac_sha256_truncated(&mac_key, message.body, message.mac)?;
        let plaintext =
            aes_cbc::decrypt(&aes_key, &iv, message.ciphertext).map_err(|_| Error::AuthFailure)?;
        if self
            .decrypted
            .iter()
            .any(|&(first, last)| first <= message.index && message.index <= last)
        {
            return Err(Error::DuplicateMessage);
        }
        let mut next = self.clone();
        record(&mut next.decrypted, message.index);
        Ok((next, plaintext, message.index))
    }
}

/// Adds `index`, which `ranges` does not hold, keeping them ascending, disjoint and
/// non-adjacent.
fn record(ranges: &mut Vec<(u32, u32)>, index: u32) {
    // The first range that ends at or after `index` starts after it.
    let at = ranges.partition_point(|&(_, last)| last < index);
    let joins_previous = at > 0 && ranges[at - 1].1.checked_add(1) == Some(index);
    let joins_next = at < ranges.len() && index.checked_add(1) == Some(ranges[at].0);
    match (joins_previous, joins_next) {
        (true, true) => {
            ranges[at - 1].1 = ranges[at].1;
            ranges.remove(at);
        }
        (true, false) => ranges[at - 1].1 = index,
        (false, true) => ranges[at].0 = index,
        (false, false) => ranges.insert(at, (index, index)),
    }
}

/// version ‖ index ‖ R ‖ public key → (ratchet, public key); the caller checked the length.
fn read_exported(bytes: &[u8]) -> Result<(Ratchet, [u8; 32]), Error> {
    let index = u32::from_be_bytes(bytes[1..5].try_into().map_err(|_| Error::Decode)?);
    let ratchet: [u8; RATCHET_LEN] = bytes[5..5 + RATCHET_LEN]
        .try_into()
        .map_err(|_| Error::Decode)?;
    let signing_key: [u8; 32] = bytes[5 + RATCHET_LEN..EXPORTED_KEY_LEN]
        .try_into()
        .map_err(|_| Error::Decode)?;
    ed25519::check_public_key(&signing_key)?;
    Ok((Ratchet::from_bytes(&ratchet, index), signing_key))
}

#[cfg(test)]
mod tests {
    use super::record;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    proptest! {
        /// The ranges hold exactly the indices recorded, ascending, disjoint, non-adjacent.
        #[test]
        fn ranges_hold_exactly_the_recorded_indices(
            indices in proptest::collection::vec(prop_oneof![0u32..64, Just(u32::MAX), Just(u32::MAX - 1)], 0..80)
        ) {
            let mut ranges = Vec::new();
            let mut set = BTreeSet::new();
            for i in indices {
                if set.insert(i) {
                    record(&mut ranges, i);
                }
            }
            let held: BTreeSet<u32> = ranges.iter().flat_map(|&(a, b)| a..=b).collect();
            prop_assert_eq!(&held, &set);
            for w in ranges.windows(2) {
                prop_assert!(w[0].0 <= w[0].1 && w[0].1 + 1 < w[1].0, "{:?}", ranges);
            }
        }
    }
}
