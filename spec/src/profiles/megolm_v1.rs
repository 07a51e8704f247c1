//! Profile `megolm-v1`: byte-compatible with Megolm as vodozemac 0.11 implements it
//! (`SessionConfig::version_1`, libolm-compatible: truncated MAC), `src/megolm/` and
//! `src/cipher/`. Every constant is listed, with its source, in `spec/PROFILES.md`
//! §megolm-v1.
//!
//! What a conforming client must add to the library: **replay detection**. vodozemac's
//! `InboundGroupSession::decrypt` returns the message index and decrypts the same message
//! as often as it is given (`inbound_group_session.rs`: replay detection is left to the
//! caller); the Matrix specification (`m.megolm.v1.aes-sha2`) requires clients to remember
//! the indices they have decrypted and to reject a second message at one of them. This
//! profile's receiver remembers every index it decrypted, per inbound session
//! (`megolm::InboundSession::decrypt`).

/// Megolm §"The Megolm ratchet algorithm": four 32-byte parts R0..R3.
pub const RATCHET_PARTS: usize = 4;
pub const RATCHET_PART_LEN: usize = 32;
pub const RATCHET_LEN: usize = RATCHET_PARTS * RATCHET_PART_LEN;
/// `ratchet.rs` ADVANCEMENT_SEEDS: part j is rehashed as HMAC(R_i, [j]).
pub const ADVANCEMENT_SEEDS: [u8; RATCHET_PARTS] = [0x00, 0x01, 0x02, 0x03];

/// `cipher/key.rs` MEGOLM_HKDF_INFO: HKDF-SHA256(salt 0, ratchet R (128 bytes),
/// "MEGOLM_KEYS", 80) → AES-256 key (0..32), HMAC key (32..64), IV (64..80).
pub const MESSAGE_KEYS_INFO: &[u8] = b"MEGOLM_KEYS";

/// `megolm/message.rs` MAC_TRUNCATED_VERSION: version 3 messages carry HMAC-SHA256
/// truncated to 8 bytes. (Version 4, a full MAC, is vodozemac's experimental
/// `SessionConfig::version_2`, not this profile.)
pub const VERSION: u8 = 0x03;
pub const MAC_LEN: usize = 8;
/// Ed25519 signature over version ‖ protobuf ‖ MAC, appended.
pub const SIGNATURE_LEN: usize = 64;
/// `megolm/message.rs` ProtobufMegolmMessage: message index (uint32, required), ciphertext.
pub const FIELD_MESSAGE_INDEX: u32 = 1;
pub const FIELD_CIPHERTEXT: u32 = 2;

/// `megolm/session_keys.rs` SessionKey::VERSION: the key a sender shares (over Olm):
/// 0x02 ‖ index (u32 big-endian) ‖ ratchet (128) ‖ Ed25519 public key (32) ‖ Ed25519
/// signature of all that (64): 229 bytes.
pub const SESSION_KEY_VERSION: u8 = 0x02;
pub const SESSION_KEY_LEN: usize = 1 + 4 + RATCHET_LEN + 32 + SIGNATURE_LEN;
/// `ExportedSessionKey::VERSION`: the same without the signature (165 bytes), for key
/// backup and forwarding; its signing key is not vouched for by a signature.
pub const EXPORTED_KEY_VERSION: u8 = 0x01;
pub const EXPORTED_KEY_LEN: usize = 1 + 4 + RATCHET_LEN + 32;
