//! Profile `signal-v3`: byte-compatible with libsignal's X3DH (pre-Kyber, session version
//! 3) sessions, libsignal v0.72.1 `rust/protocol`. Every constant is listed, with the
//! libsignal file it comes from, in `spec/PROFILES.md` §signal-v3.
//!
//! The message encoding here is libsignal's for every session version: `signal-v4`
//! (`signal_v4.rs`) uses it with its own session version `v`, the high nibble of the version
//! byte, and adds the Kyber fields to the prekey message.

use crate::crypto::{aes_cbc, kdf};
use crate::double_ratchet::Header;
use crate::error::Error;
use crate::pqxdh::KemPayload;
use crate::profile::{Limits, SkippedKeyStore};
use crate::profiles::signal_v4;
use crate::profiles::split_cbc_keys;
use crate::session::{OneTimePrekeyRef, PreKeyHeader, PreKeyMessage};
use crate::wire::protobuf;

/// `info` of the X3DH KDF (libsignal `ratchet.rs`, `derive_keys`).
pub const X3DH_INFO: &[u8] = b"WhisperText";
/// KDF_RK `info` (libsignal `ratchet/keys.rs`, `RootKey::create_chain`).
pub const KDF_RK_INFO: &[u8] = b"WhisperRatchet";
/// Message-key expansion `info` (libsignal `ratchet/keys.rs`, `MessageKeys::derive_keys`).
pub const MESSAGE_KEYS_INFO: &[u8] = b"WhisperMessageKeys";

/// libsignal's serialized public key: type byte 0x05 (`KeyType::Djb`) || 32 bytes.
pub const DJB_TYPE: u8 = 0x05;
/// Session version of an X3DH (no Kyber) session.
pub const SESSION_VERSION: u8 = 3;
/// libsignal `protocol.rs` CIPHERTEXT_MESSAGE_CURRENT_VERSION.
pub const CURRENT_VERSION: u8 = 4;
/// The first byte of every message: (session version << 4) | current version.
pub const VERSION_BYTE: u8 = version_byte(SESSION_VERSION);
/// libsignal-protocol-java `CiphertextMessage.CURRENT_VERSION` (and its C, JavaScript and
/// Python ports): 3, so their X3DH sessions write `0x33`. Every reader of the family reads
/// only the high nibble, so both writers talk to each other (`WireVariant::Legacy`).
pub const LEGACY_CURRENT_VERSION: u8 = 3;

/// The version byte of session version `v`.
pub const fn version_byte(v: u8) -> u8 {
    (v << 4) | CURRENT_VERSION
}
/// `SignalMessage::MAC_LENGTH`: HMAC-SHA256 truncated to 8 bytes.
pub const MAC_LEN: usize = 8;

/// Protobuf field numbers of `SignalMessage` (libsignal `proto/wire.proto`).
pub const FIELD_RATCHET_KEY: u32 = 1;
pub const FIELD_COUNTER: u32 = 2;
pub const FIELD_PREVIOUS_COUNTER: u32 = 3;
pub const FIELD_CIPHERTEXT: u32 = 4;

/// libsignal `consts.rs`: MAX_FORWARD_JUMPS = 25_000 (largest gap), MAX_MESSAGE_KEYS = 2000
/// (skipped keys kept per chain, oldest dropped), MAX_RECEIVER_CHAINS = 5.
pub const LIMITS: Limits = Limits {
    max_skip: 25_000,
    skipped_keys: SkippedKeyStore::PerChain(2000),
    receiver_chains: 5,
    max_plaintext: usize::MAX,
    archived_sessions: ARCHIVED_STATES_MAX_LENGTH,
};

/// libsignal `consts.rs:11` ARCHIVED_STATES_MAX_LENGTH = 40: the session states an address
/// keeps besides the current one (`state/session.rs` `archive_current_state_inner` drops the
/// oldest when a 41st is archived).
pub const ARCHIVED_STATES_MAX_LENGTH: usize = 40;

/// 0x05 || key: libsignal's `PublicKey::serialize` for X25519 keys, also X3DH's Encode.
pub fn encode_public_key(key: &[u8; 32]) -> [u8; 33] {
    let mut out = [0u8; 33];
    out[0] = DJB_TYPE;
    out[1..].copy_from_slice(key);
    out
}

/// Inverse of [`encode_public_key`]: exactly 33 bytes with the 0x05 type byte. Anything
/// else is not a key encoding at all (`Decode`); `InvalidKey` is kept for keys that decode
/// but must not be used.
pub fn decode_public_key(bytes: &[u8]) -> Result<[u8; 32], Error> {
    if bytes.len() != 33 || bytes[0] != DJB_TYPE {
        return Err(Error::Decode);
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&bytes[1..]);
    Ok(key)
}

/// HKDF(salt = 0, ikm = mk, "WhisperMessageKeys", 80) → AES key, HMAC key, IV.
pub fn message_keys(mk: &[u8; 32]) -> ([u8; 32], [u8; 32], [u8; 16]) {
    split_cbc_keys(&kdf::hkdf_sha256(&[], mk, MESSAGE_KEYS_INFO, 80).unwrap_or_default())
}

/// SignalMessage starting with `version` (the session version in the high nibble, the
/// writer's current version in the low one): version byte || protobuf {ratchetKey, counter,
/// previousCounter, ciphertext} || MAC. `ad` is the sender's then the receiver's serialized
/// identity key (33 + 33 bytes); the MAC is HMAC-SHA256(mac key, ad || version || protobuf)[..8].
pub fn seal(version: u8, mk: &[u8; 32], header: &Header, plaintext: &[u8], ad: &[u8]) -> Vec<u8> {
    let (cipher_key, mac_key, iv) = message_keys(mk);
    let ciphertext = aes_cbc::encrypt(&cipher_key, &iv, plaintext);
    frame(version, &mac_key, header, &ciphertext, ad)
}

/// The SignalMessage around a ciphertext, MAC'd under `mac_key` (the second part of
/// [`seal`]). Public so that vectors can authenticate ciphertexts no encryption would give
/// (malformed padding): then only the receiver's padding check can reject them.
pub fn frame(
    version: u8,
    mac_key: &[u8; 32],
    header: &Header,
    ciphertext: &[u8],
    ad: &[u8],
) -> Vec<u8> {
    let mut message = vec![version];
    protobuf::put_bytes(
        &mut message,
        FIELD_RATCHET_KEY,
        &encode_public_key(&header.dh),
    );
    protobuf::put_uint(&mut message, FIELD_COUNTER, u64::from(header.n));
    protobuf::put_uint(&mut message, FIELD_PREVIOUS_COUNTER, u64::from(header.pn));
    protobuf::put_bytes(&mut message, FIELD_CIPHERTEXT, ciphertext);
    authenticate(mac_key, ad, message)
}

/// `body` (version byte || protobuf) with its MAC appended: HMAC-SHA256(mac key, ad ||
/// body)[..8]. Public so that vectors can authenticate bodies no encoder writes (structural
/// mutations, other version bytes): then only the receiver's parser can reject them.
pub fn authenticate(mac_key: &[u8; 32], ad: &[u8], mut body: Vec<u8>) -> Vec<u8> {
    let mac = kdf::hmac_sha256(mac_key, &[ad, &body[..]].concat());
    body.extend_from_slice(&mac[..MAC_LEN]);
    body
}

/// The parts of a SignalMessage: header and AES-CBC ciphertext.
/// libsignal `protocol.rs` `SignalMessage::try_from`: only the high nibble (the message
/// version) is checked when parsing, and only against the range libsignal knows (3..=4);
/// the low nibble is covered by the MAC alone.
fn decode(message: &[u8]) -> Result<(Header, &[u8]), Error> {
    if message.len() < 1 + MAC_LEN
        || !(SESSION_VERSION..=signal_v4::SESSION_VERSION).contains(&(message[0] >> 4))
    {
        return Err(Error::Decode);
    }
    let fields = protobuf::fields(&message[1..message.len() - MAC_LEN])?;
    let dh = protobuf::last_bytes(&fields, FIELD_RATCHET_KEY)?.ok_or(Error::Decode)?;
    let n = protobuf::last_u32(&fields, FIELD_COUNTER)?.ok_or(Error::Decode)?;
    let pn = protobuf::last_u32(&fields, FIELD_PREVIOUS_COUNTER)?.unwrap_or(0);
    let ciphertext = protobuf::last_bytes(&fields, FIELD_CIPHERTEXT)?.ok_or(Error::Decode)?;
    let dh = decode_public_key(dh)?;
    Ok((Header { dh, pn, n }, ciphertext))
}

/// libsignal `session_cipher.rs` `decrypt_message_with_state` compares the message version
/// with the session's before it looks for a message key, so a version mismatch is reported
/// as a failed decryption even for a message that would otherwise be a duplicate.
pub fn parse_header(v: u8, message: &[u8]) -> Result<Header, Error> {
    let (header, _) = decode(message)?;
    if message[0] >> 4 != v {
        return Err(Error::AuthFailure);
    }
    Ok(header)
}

/// Encrypt-then-MAC: the MAC is checked before the ciphertext is decrypted.
pub fn open(v: u8, mk: &[u8; 32], message: &[u8], ad: &[u8]) -> Result<Vec<u8>, Error> {
    parse_header(v, message)?;
    let (_, ciphertext) = decode(message)?;
    let (cipher_key, mac_key, iv) = message_keys(mk);
    let body = &message[..message.len() - MAC_LEN];
    kdf::verify_hmac_sha256_truncated(&mac_key, &[ad, body].concat(), &message[body.len()..])?;
    Ok(aes_cbc::decrypt(&cipher_key, &iv, ciphertext)?)
}

/// libsignal `ratchet.rs` `derive_keys`: HKDF(salt = none, key material, `info`, 64) → root
/// key, chain key. `info` is "WhisperText" after X3DH, `signal_v4::PQXDH_INFO` after PQXDH
/// (where libsignal v0.79 asks for 96 bytes, the third 32 for SPQR; HKDF's output is a prefix
/// of a longer one, so the first 64 are the same).
pub fn derive_initial_keys(
    key_material: &[u8],
    info: &[u8],
) -> Result<([u8; 32], [u8; 32]), Error> {
    let okm = crate::x3dh::kdf(key_material, info, 64)?;
    let mut rk = [0u8; 32];
    let mut ck = [0u8; 32];
    rk.copy_from_slice(&okm[..32]);
    ck.copy_from_slice(&okm[32..]);
    Ok((rk, ck))
}

/// Protobuf field numbers of `PreKeySignalMessage` (libsignal `proto/wire.proto`).
pub const FIELD_PRE_KEY_ID: u32 = 1;
pub const FIELD_BASE_KEY: u32 = 2;
pub const FIELD_IDENTITY_KEY: u32 = 3;
pub const FIELD_MESSAGE: u32 = 4;
pub const FIELD_REGISTRATION_ID: u32 = 5;
pub const FIELD_SIGNED_PRE_KEY_ID: u32 = 6;

/// PreKeySignalMessage: `version` (as for [`seal`]) || protobuf, fields in field-number
/// order as prost writes them; `message` is a whole SignalMessage (with its own version byte
/// and MAC). Session version 4 adds the Kyber prekey id and ciphertext (fields 7 and 8).
pub fn encode_prekey_message(version: u8, prekey: &PreKeyMessage) -> Vec<u8> {
    let h = &prekey.header;
    let mut out = vec![version];
    if let Some(OneTimePrekeyRef::Id(id)) = h.one_time_prekey {
        protobuf::put_uint(&mut out, FIELD_PRE_KEY_ID, u64::from(id));
    }
    protobuf::put_bytes(&mut out, FIELD_BASE_KEY, &encode_public_key(&h.base_key));
    protobuf::put_bytes(
        &mut out,
        FIELD_IDENTITY_KEY,
        &encode_public_key(&h.identity_key),
    );
    protobuf::put_bytes(&mut out, FIELD_MESSAGE, &prekey.message);
    protobuf::put_uint(
        &mut out,
        FIELD_REGISTRATION_ID,
        u64::from(h.registration_id),
    );
    protobuf::put_uint(
        &mut out,
        FIELD_SIGNED_PRE_KEY_ID,
        u64::from(h.signed_prekey_id),
    );
    if let Some(kyber) = &h.kyber {
        protobuf::put_uint(
            &mut out,
            signal_v4::FIELD_KYBER_PRE_KEY_ID,
            u64::from(kyber.prekey_id),
        );
        protobuf::put_bytes(
            &mut out,
            signal_v4::FIELD_KYBER_CIPHERTEXT,
            &kyber.ciphertext,
        );
    }
    out
}

/// The wrapper carries no MAC: libsignal checks only its high nibble. A session of
/// version `v` reads only prekey messages of version `v`: an X3DH (version 3) prekey message
/// to a PQXDH party is a downgrade (libsignal v0.75+: "X3DH no longer supported"), a version
/// 4 one to an X3DH party needs a KEM it does not have. Version 4 requires both Kyber fields
/// (libsignal `session.rs`: "missing pq pre-key ID", "missing pq ciphertext"); version 3
/// ignores them.
pub fn decode_prekey_message(v: u8, message: &[u8]) -> Result<PreKeyMessage, Error> {
    if message.first().map(|b| b >> 4) != Some(v) {
        return Err(Error::Decode);
    }
    let fields = protobuf::fields(&message[1..])?;
    let base_key = protobuf::last_bytes(&fields, FIELD_BASE_KEY)?.ok_or(Error::Decode)?;
    let identity_key = protobuf::last_bytes(&fields, FIELD_IDENTITY_KEY)?.ok_or(Error::Decode)?;
    let inner = protobuf::last_bytes(&fields, FIELD_MESSAGE)?.ok_or(Error::Decode)?;
    let signed_prekey_id =
        protobuf::last_u32(&fields, FIELD_SIGNED_PRE_KEY_ID)?.ok_or(Error::Decode)?;
    Ok(PreKeyMessage {
        header: PreKeyHeader {
            identity_key: decode_public_key(identity_key)?,
            base_key: decode_public_key(base_key)?,
            signed_prekey_id,
            one_time_prekey: protobuf::last_u32(&fields, FIELD_PRE_KEY_ID)?
                .map(OneTimePrekeyRef::Id),
            registration_id: protobuf::last_u32(&fields, FIELD_REGISTRATION_ID)?.unwrap_or(0),
            kyber: if v == signal_v4::SESSION_VERSION {
                let prekey_id = protobuf::last_u32(&fields, signal_v4::FIELD_KYBER_PRE_KEY_ID)?
                    .ok_or(Error::Decode)?;
                let ciphertext = protobuf::last_bytes(&fields, signal_v4::FIELD_KYBER_CIPHERTEXT)?
                    .ok_or(Error::Decode)?;
                Some(KemPayload {
                    prekey_id,
                    ciphertext: ciphertext.to_vec(),
                })
            } else {
                None
            },
        },
        message: inner.to_vec(),
    })
}
