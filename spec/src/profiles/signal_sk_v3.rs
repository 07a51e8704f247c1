//! Profile `signal-sk-v3`: byte-compatible with libsignal's Sender Keys (group messages of
//! Signal, WhatsApp and Messenger), SenderKey message version 3, libsignal v0.72.1
//! `rust/protocol` (`sender_keys.rs`, `group_cipher.rs`, `protocol.rs`, `consts.rs`). Every
//! constant is listed, with its source, in `spec/PROFILES.md` §signal-sk-v3.

/// `protocol.rs` SENDERKEY_MESSAGE_CURRENT_VERSION: the high nibble of the version byte,
/// the only one a receiver accepts (lower: "legacy", higher: "unrecognized").
pub const MESSAGE_VERSION: u8 = 3;
/// The first byte of every SenderKey and distribution message: (version << 4) | version.
pub const VERSION_BYTE: u8 = (MESSAGE_VERSION << 4) | MESSAGE_VERSION;

/// `sender_keys.rs` SenderChainKey: the message-key seed is HMAC(chain key, 0x01), the next
/// chain key HMAC(chain key, 0x02).
pub const MESSAGE_KEY_SEED: u8 = 0x01;
pub const CHAIN_KEY_SEED: u8 = 0x02;
/// `sender_keys.rs` SenderMessageKey::new: HKDF-SHA256(no salt, seed, "WhisperGroup", 48),
/// split **IV first** (bytes 0..16), then the AES-256 key (16..48): the reverse of the
/// 1:1 profiles' layout.
pub const MESSAGE_KEYS_INFO: &[u8] = b"WhisperGroup";
pub const MESSAGE_KEYS_LEN: usize = 48;

/// `protocol.rs` SenderKeyMessage::SIGNATURE_LEN: an XEdDSA signature over version byte ‖
/// protobuf, appended.
pub const SIGNATURE_LEN: usize = 64;
/// The distribution id is a UUID, 16 bytes on the wire (`Uuid::from_slice`).
pub const DISTRIBUTION_ID_LEN: usize = 16;
/// Chain key and chain id: 32 bytes; the chain id is a 31-bit random number in libsignal
/// (`random::<u32>() >> 1`, "for libsignal-protocol-java"), but any u32 is read.
pub const CHAIN_KEY_LEN: usize = 32;

/// `proto/wire.proto` SenderKeyMessage fields.
pub const FIELD_DISTRIBUTION_ID: u32 = 1;
pub const FIELD_CHAIN_ID: u32 = 2;
pub const FIELD_ITERATION: u32 = 3;
pub const FIELD_CIPHERTEXT: u32 = 4;
/// `proto/wire.proto` SenderKeyDistributionMessage fields (1-3 as above).
pub const FIELD_CHAIN_KEY: u32 = 4;
pub const FIELD_SIGNING_KEY: u32 = 5;

/// `consts.rs` MAX_FORWARD_JUMPS = 25,000: the largest iteration gap one message may make a
/// receiver skip (a gap of exactly 25,000 is accepted; "message from too far into the
/// future" past it), so a forged iteration cannot make it compute millions of keys.
pub const MAX_FORWARD_JUMPS: u32 = 25_000;
/// `consts.rs` MAX_MESSAGE_KEYS = 2,000: skipped message keys kept per sender-key state;
/// the oldest is dropped when a 2,001st is stored (its message then reads as a duplicate).
pub const MAX_MESSAGE_KEYS: usize = 2000;
/// `consts.rs` MAX_SENDER_KEY_STATES = 5: sender-key states (chain ids) a receiver keeps
/// per (sender, distribution id), newest first; a 6th distribution drops the oldest, whose
/// late messages then find no state.
pub const MAX_SENDER_KEY_STATES: usize = 5;
