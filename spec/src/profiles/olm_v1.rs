//! Profile `olm-v1`: byte-compatible with Olm as implemented by vodozemac 0.11
//! (`SessionConfig::version_1`). Every constant is listed, with its source, in
//! `spec/PROFILES.md` §olm-v1.

use crate::crypto::{aes_cbc, kdf, x25519};
use crate::double_ratchet::Header;
use crate::double_ratchet::KeyPair;
use crate::error::Error;
use crate::profile::{Limits, SkippedKeyStore};
use crate::profiles::split_cbc_keys;
use crate::session::{OneTimePrekeyRef, PreKeyHeader, PreKeyMessage};
use crate::wire::protobuf;

/// Olm §"Initial setup": `info` of the triple-DH KDF.
pub const ROOT_INFO: &[u8] = b"OLM_ROOT";
/// Olm §"Advancing the root key": KDF_RK `info`.
pub const KDF_RK_INFO: &[u8] = b"OLM_RATCHET";
/// Olm §"Creating a message key": message-key expansion `info`.
pub const MESSAGE_KEYS_INFO: &[u8] = b"OLM_KEYS";

/// Olm §"Message format": version byte.
pub const VERSION: u8 = 0x03;
/// HMAC-SHA256 truncated to 8 bytes (Olm v1).
pub const MAC_LEN: usize = 8;
/// Normal message fields: ratchet key (bytes), chain index (varint), ciphertext (bytes).
pub const FIELD_RATCHET_KEY: u32 = 1;
pub const FIELD_CHAIN_INDEX: u32 = 2;
pub const FIELD_CIPHERTEXT: u32 = 4;
/// Pre-key message fields: one-time key, base key, identity key, message.
pub const FIELD_ONE_TIME_KEY: u32 = 1;
pub const FIELD_BASE_KEY: u32 = 2;
pub const FIELD_IDENTITY_KEY: u32 = 3;
pub const FIELD_MESSAGE: u32 = 4;

/// vodozemac `olm/session/mod.rs` and `receiver_chain.rs`: MAX_MESSAGE_GAP = 2000,
/// MAX_MESSAGE_KEYS = 40 per chain, MAX_RECEIVING_CHAINS = 5.
pub const LIMITS: Limits = Limits {
    max_skip: 2000,
    skipped_keys: SkippedKeyStore::PerChain(40),
    receiver_chains: 5,
    max_plaintext: usize::MAX,
    archived_sessions: ARCHIVED_SESSIONS_MAX,
};

/// Sessions kept per peer besides the one in use. The Matrix specification sets no bound
/// (`m.olm.v1.curve25519-aes-sha2`: try every session of the sender); this project keeps 40,
/// libsignal's number, so that one peer cannot make the receiver try unboundedly many.
pub const ARCHIVED_SESSIONS_MAX: usize = 40;

/// HKDF(salt = 0, ikm = mk, "OLM_KEYS", 80) → AES key, HMAC key, IV.
pub fn message_keys(mk: &[u8; 32]) -> ([u8; 32], [u8; 32], [u8; 16]) {
    split_cbc_keys(&kdf::hkdf_sha256(&[], mk, MESSAGE_KEYS_INFO, 80).unwrap_or_default())
}

/// Normal message: 0x03 || {ratchet key, chain index, ciphertext} || MAC, where the MAC is
/// HMAC-SHA256(mac key, everything before it)[..8]. Olm messages carry no `PN`.
pub fn seal(mk: &[u8; 32], header: &Header, plaintext: &[u8]) -> Vec<u8> {
    let (cipher_key, mac_key, iv) = message_keys(mk);
    let ciphertext = aes_cbc::encrypt(&cipher_key, &iv, plaintext);
    frame(&mac_key, header, &ciphertext)
}

/// The normal message around a ciphertext, MAC'd under `mac_key` (the second part of
/// [`seal`]). Public so that vectors can authenticate ciphertexts no encryption would give
/// (malformed padding): then only the receiver's padding check can reject them.
pub fn frame(mac_key: &[u8; 32], header: &Header, ciphertext: &[u8]) -> Vec<u8> {
    let mut message = vec![VERSION];
    protobuf::put_bytes(&mut message, FIELD_RATCHET_KEY, &header.dh);
    protobuf::put_uint(&mut message, FIELD_CHAIN_INDEX, u64::from(header.n));
    protobuf::put_bytes(&mut message, FIELD_CIPHERTEXT, ciphertext);
    authenticate(mac_key, message)
}

/// `body` (version byte || protobuf) with its MAC appended: HMAC-SHA256(mac key,
/// body)[..8]. Public so that vectors can authenticate bodies no encoder writes.
pub fn authenticate(mac_key: &[u8; 32], mut body: Vec<u8>) -> Vec<u8> {
    let mac = kdf::hmac_sha256(mac_key, &body);
    body.extend_from_slice(&mac[..MAC_LEN]);
    body
}

fn decode(message: &[u8]) -> Result<(Header, &[u8]), Error> {
    if message.len() < 1 + MAC_LEN || message[0] != VERSION {
        return Err(Error::Decode);
    }
    let fields = protobuf::fields(&message[1..message.len() - MAC_LEN])?;
    let dh = protobuf::last_bytes(&fields, FIELD_RATCHET_KEY)?.ok_or(Error::Decode)?;
    let n = protobuf::last_u32(&fields, FIELD_CHAIN_INDEX)?.ok_or(Error::Decode)?;
    let ciphertext = protobuf::last_bytes(&fields, FIELD_CIPHERTEXT)?.ok_or(Error::Decode)?;
    let dh: [u8; 32] = dh.try_into().map_err(|_| Error::Decode)?;
    Ok((Header { dh, pn: 0, n }, ciphertext))
}

pub fn parse_header(message: &[u8]) -> Result<Header, Error> {
    decode(message).map(|(header, _)| header)
}

pub fn open(mk: &[u8; 32], message: &[u8]) -> Result<Vec<u8>, Error> {
    let (_, ciphertext) = decode(message)?;
    let (cipher_key, mac_key, iv) = message_keys(mk);
    let body = &message[..message.len() - MAC_LEN];
    kdf::verify_hmac_sha256_truncated(&mac_key, body, &message[body.len()..])?;
    Ok(aes_cbc::decrypt(&cipher_key, &iv, ciphertext)?)
}

/// Olm §"Initial setup", Alice: DH(I_A, E_B) || DH(E_A, I_B) || DH(E_A, E_B), where E_B is
/// Bob's one-time key and E_A Alice's base key.
pub fn triple_dh_alice(
    identity: &KeyPair,
    base_private: &[u8; 32],
    their_identity: &[u8; 32],
    their_one_time_key: &[u8; 32],
) -> Result<Vec<u8>, Error> {
    Ok([
        x25519::dh(&identity.private, their_one_time_key)?,
        x25519::dh(base_private, their_identity)?,
        x25519::dh(base_private, their_one_time_key)?,
    ]
    .concat())
}

/// The same three DH outputs from Bob's side.
pub fn triple_dh_bob(
    identity: &KeyPair,
    one_time_key: &KeyPair,
    their_identity: &[u8; 32],
    their_base_key: &[u8; 32],
) -> Result<Vec<u8>, Error> {
    Ok([
        x25519::dh(&one_time_key.private, their_identity)?,
        x25519::dh(&identity.private, their_base_key)?,
        x25519::dh(&one_time_key.private, their_base_key)?,
    ]
    .concat())
}

/// HKDF(salt = 0, ikm = the three DH outputs, "OLM_ROOT", 64) → root key, chain key.
pub fn root_keys(key_material: &[u8]) -> ([u8; 32], [u8; 32]) {
    let okm = kdf::hkdf_sha256(&[], key_material, ROOT_INFO, 64).unwrap_or_default();
    let mut rk = [0u8; 32];
    let mut ck = [0u8; 32];
    if okm.len() == 64 {
        rk.copy_from_slice(&okm[..32]);
        ck.copy_from_slice(&okm[32..]);
    }
    (rk, ck)
}

/// Pre-key message: 0x03 || {one-time key, base key, identity key, message}, no MAC of its
/// own (the inner message has one).
pub fn encode_prekey_message(prekey: &PreKeyMessage) -> Vec<u8> {
    let h = &prekey.header;
    let mut out = vec![VERSION];
    if let Some(OneTimePrekeyRef::Key(otk)) = h.one_time_prekey {
        protobuf::put_bytes(&mut out, FIELD_ONE_TIME_KEY, &otk);
    }
    protobuf::put_bytes(&mut out, FIELD_BASE_KEY, &h.base_key);
    protobuf::put_bytes(&mut out, FIELD_IDENTITY_KEY, &h.identity_key);
    protobuf::put_bytes(&mut out, FIELD_MESSAGE, &prekey.message);
    out
}

pub fn decode_prekey_message(message: &[u8]) -> Result<PreKeyMessage, Error> {
    if message.first() != Some(&VERSION) {
        return Err(Error::Decode);
    }
    let fields = protobuf::fields(&message[1..])?;
    let key = |n| -> Result<[u8; 32], Error> {
        protobuf::last_bytes(&fields, n)?
            .ok_or(Error::Decode)?
            .try_into()
            .map_err(|_| Error::Decode)
    };
    Ok(PreKeyMessage {
        header: PreKeyHeader {
            identity_key: key(FIELD_IDENTITY_KEY)?,
            base_key: key(FIELD_BASE_KEY)?,
            signed_prekey_id: 0,
            one_time_prekey: Some(OneTimePrekeyRef::Key(key(FIELD_ONE_TIME_KEY)?)),
            registration_id: 0,
            kyber: None,
        },
        message: protobuf::last_bytes(&fields, FIELD_MESSAGE)?
            .ok_or(Error::Decode)?
            .to_vec(),
    })
}
