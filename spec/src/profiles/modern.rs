//! Profile `modern`: X25519, HKDF/HMAC-SHA256, ChaCha20-Poly1305, and this project's own
//! wire format. Every constant here is described in `spec/PROFILES.md` §modern.

use crate::crypto::{chacha, kdf};
use crate::double_ratchet::Header;
use crate::error::Error;
use crate::profile::{Limits, SkippedKeyStore};
use crate::session::{OneTimePrekeyRef, PreKeyHeader, PreKeyMessage};

/// Message type bytes: the first byte of every `modern` message.
pub const TYPE_MESSAGE: u8 = 0x01;
pub const TYPE_HEADER_ENCRYPTED: u8 = 0x02;
pub const TYPE_PREKEY: u8 = 0x03;

/// X3DH §2.2 `info`: identifies the application.
pub const X3DH_INFO: &[u8] = b"e2ee-spec modern v1 X3DH";
/// Double Ratchet §5.2 KDF_RK `info`.
pub const KDF_RK_INFO: &[u8] = b"e2ee-spec modern v1 root";
/// Double Ratchet §5.2: the message key is expanded by HKDF into the AEAD key and nonce.
pub const MESSAGE_KEYS_INFO: &[u8] = b"e2ee-spec modern v1 message keys";
/// Double Ratchet §4 with §5.2: the initial header keys derived from the X3DH secret.
pub const HEADER_KEYS_INFO: &[u8] = b"e2ee-spec modern v1 header keys";

/// Header: DH public key (32) || PN (u32, big endian) || N (u32, big endian).
pub const HEADER_LEN: usize = 40;
/// ChaCha20-Poly1305 tag length (RFC 8439).
pub const TAG_LEN: usize = 16;

/// MAX_SKIP = 1000 (the Double Ratchet document, §6.4, gives 1000 as an example bound): enough for
/// real message loss, small enough that one forged header costs at most 1000 HMACs.
/// Skipped keys are kept in one store of 2000 (two full gaps), oldest evicted first.
/// One receiving chain, as in the document. Plaintexts up to 64 KiB. One session per peer: a
/// new session replaces the old one, which is not archived.
pub const LIMITS: Limits = Limits {
    max_skip: 1000,
    skipped_keys: SkippedKeyStore::Global(2000),
    receiver_chains: 1,
    max_plaintext: 65536,
    archived_sessions: 0,
};

/// Encode a header (§3.1 HEADER) in the fixed 40-byte layout.
pub fn encode_header(header: &Header) -> [u8; HEADER_LEN] {
    let mut out = [0u8; HEADER_LEN];
    out[..32].copy_from_slice(&header.dh);
    out[32..36].copy_from_slice(&header.pn.to_be_bytes());
    out[36..40].copy_from_slice(&header.n.to_be_bytes());
    out
}

/// Inverse of [`encode_header`].
pub fn decode_header(bytes: &[u8]) -> Result<Header, Error> {
    if bytes.len() != HEADER_LEN {
        return Err(Error::Decode);
    }
    let mut dh = [0u8; 32];
    dh.copy_from_slice(&bytes[..32]);
    let mut pn = [0u8; 4];
    pn.copy_from_slice(&bytes[32..36]);
    let mut n = [0u8; 4];
    n.copy_from_slice(&bytes[36..40]);
    Ok(Header {
        dh,
        pn: u32::from_be_bytes(pn),
        n: u32::from_be_bytes(n),
    })
}

/// Double Ratchet §5.2 ENCRYPT's key expansion: HKDF(salt = 0, ikm = mk) → key || nonce.
/// The nonce may be fixed per key because each message key encrypts exactly one message.
pub fn message_keys(mk: &[u8; 32]) -> ([u8; 32], [u8; 12]) {
    let mut key = [0u8; 32];
    let mut nonce = [0u8; 12];
    if let Ok(okm) = kdf::hkdf_sha256(&[], mk, MESSAGE_KEYS_INFO, 44) {
        key.copy_from_slice(&okm[..32]);
        nonce.copy_from_slice(&okm[32..44]);
    }
    (key, nonce)
}

/// Message: 0x01 || header (40) || ChaCha20-Poly1305(key, nonce, AD || 0x01 || header, pt).
/// The AEAD's associated data binds the session's AD and the whole cleartext header.
pub fn seal(mk: &[u8; 32], header: &Header, plaintext: &[u8], ad: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(1 + HEADER_LEN + plaintext.len() + TAG_LEN);
    message.push(TYPE_MESSAGE);
    message.extend_from_slice(&encode_header(header));
    let (key, nonce) = message_keys(mk);
    let aad = [ad, &message[..]].concat();
    let ciphertext = chacha::seal(&key, &nonce, &aad, plaintext);
    message.extend_from_slice(&ciphertext);
    message
}

pub fn parse_header(message: &[u8]) -> Result<Header, Error> {
    if message.len() < 1 + HEADER_LEN + TAG_LEN
        || message.len() > 1 + HEADER_LEN + LIMITS.max_plaintext + TAG_LEN
        || message[0] != TYPE_MESSAGE
    {
        return Err(Error::Decode);
    }
    decode_header(&message[1..1 + HEADER_LEN])
}

pub fn open(mk: &[u8; 32], message: &[u8], ad: &[u8]) -> Result<Vec<u8>, Error> {
    parse_header(message)?;
    let (key, nonce) = message_keys(mk);
    let aad = [ad, &message[..1 + HEADER_LEN]].concat();
    Ok(chacha::open(
        &key,
        &nonce,
        &aad,
        &message[1 + HEADER_LEN..],
    )?)
}

/// Double Ratchet §4 KDF_RK with header encryption: 96 bytes → RK, CK, NHK.
pub const KDF_RK_HE_INFO: &[u8] = b"e2ee-spec modern v1 root with header keys";
/// Header-encrypted message: 0x02 || header nonce (12) || HENCRYPT(HK, header) (40 + 16)
/// || ChaCha20-Poly1305(key, nonce, AD || everything before, plaintext).
pub const HEADER_NONCE_LEN: usize = 12;
pub const ENCRYPTED_HEADER_LEN: usize = HEADER_LEN + TAG_LEN;

/// X3DH §2.2 with this profile's `info`: SK = HKDF(0, F || DH1..DH4, X3DH_INFO, 32).
pub fn shared_secret(key_material: &[u8]) -> Result<[u8; 32], Error> {
    let okm = crate::x3dh::kdf(key_material, X3DH_INFO, 32)?;
    let mut sk = [0u8; 32];
    sk.copy_from_slice(&okm);
    Ok(sk)
}

/// Double Ratchet §4.2's shared header keys from SK: (HKa = Alice's first sending header
/// key, NHKb = Bob's first next header key) = HKDF(0, SK, HEADER_KEYS_INFO, 64).
pub fn header_keys(sk: &[u8; 32]) -> Result<([u8; 32], [u8; 32]), Error> {
    let okm = kdf::hkdf_sha256(&[], sk, HEADER_KEYS_INFO, 64)?;
    let mut hka = [0u8; 32];
    let mut nhkb = [0u8; 32];
    hka.copy_from_slice(&okm[..32]);
    nhkb.copy_from_slice(&okm[32..]);
    Ok((hka, nhkb))
}

/// Prekey message (X3DH §3.3 initial message): 0x03 || IK_A (32) || EK_A (32) ||
/// signed prekey id (u32 BE) || 0x00, or 0x01 || one-time prekey id (u32 BE) || inner message.
pub fn encode_prekey_message(prekey: &PreKeyMessage) -> Vec<u8> {
    let h = &prekey.header;
    let mut out = vec![TYPE_PREKEY];
    out.extend_from_slice(&h.identity_key);
    out.extend_from_slice(&h.base_key);
    out.extend_from_slice(&h.signed_prekey_id.to_be_bytes());
    match h.one_time_prekey {
        Some(OneTimePrekeyRef::Id(id)) => {
            out.push(0x01);
            out.extend_from_slice(&id.to_be_bytes());
        }
        _ => out.push(0x00),
    }
    out.extend_from_slice(&prekey.message);
    out
}

pub fn decode_prekey_message(message: &[u8]) -> Result<PreKeyMessage, Error> {
    let fixed = 1 + 32 + 32 + 4 + 1;
    if message.len() < fixed || message[0] != TYPE_PREKEY {
        return Err(Error::Decode);
    }
    let mut identity_key = [0u8; 32];
    identity_key.copy_from_slice(&message[1..33]);
    let mut base_key = [0u8; 32];
    base_key.copy_from_slice(&message[33..65]);
    let mut spk = [0u8; 4];
    spk.copy_from_slice(&message[65..69]);
    let (one_time_prekey, rest) = match message[69] {
        0x00 => (None, &message[fixed..]),
        0x01 if message.len() >= fixed + 4 => {
            let mut id = [0u8; 4];
            id.copy_from_slice(&message[fixed..fixed + 4]);
            (
                Some(OneTimePrekeyRef::Id(u32::from_be_bytes(id))),
                &message[fixed + 4..],
            )
        }
        _ => return Err(Error::Decode),
    };
    Ok(PreKeyMessage {
        header: PreKeyHeader {
            identity_key,
            base_key,
            signed_prekey_id: u32::from_be_bytes(spk),
            one_time_prekey,
            registration_id: 0,
            kyber: None,
        },
        message: rest.to_vec(),
    })
}
