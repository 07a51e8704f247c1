//! Profile `signal-v4`: byte-compatible with libsignal's PQXDH sessions (session version 4,
//! without the SPQR "triple ratchet"): libsignal v0.72.1 (PQXDH optional) and v0.79.0 (PQXDH
//! mandatory, SPQR off with `UsePQRatchet.No`). The key agreement is PQXDH (Signal's PQXDH
//! specification, revision 3); the Double Ratchet, its message keys, MAC and limits are
//! `signal-v3`'s, only the version byte differs. Every constant is listed, with the libsignal
//! file it comes from, in `spec/PROFILES.md` §signal-v4.

use crate::crypto::kem::Kem;

/// Session version of a PQXDH session (libsignal `protocol.rs` CIPHERTEXT_MESSAGE_CURRENT_VERSION).
pub const SESSION_VERSION: u8 = 4;
/// The first byte of every message: (session version << 4) | current version = 0x44.
pub const VERSION_BYTE: u8 = (SESSION_VERSION << 4) | super::signal_v3::CURRENT_VERSION;

/// `info` of the PQXDH KDF (PQXDH §2.2 "KDF", libsignal `ratchet.rs` `derive_keys`): the
/// protocol name with the curve, hash and KEM, as libsignal spells it for Kyber1024.
pub const PQXDH_INFO: &[u8] = b"WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024";

/// The KEM libsignal sends: its bridge hard-codes `kem::KeyType::Kyber1024`
/// (`rust/bridge/shared/src/protocol.rs`); ML-KEM-1024 exists only behind a cargo feature.
pub const KEM: Kem = Kem::Kyber1024;

/// Protobuf fields of `PreKeySignalMessage` added for PQXDH (libsignal `proto/wire.proto`).
pub const FIELD_KYBER_PRE_KEY_ID: u32 = 7;
pub const FIELD_KYBER_CIPHERTEXT: u32 = 8;
