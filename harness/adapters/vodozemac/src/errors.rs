//! vodozemac's errors as shim error classes (`harness/SHIM.md` §Errors).
//!
//! | vodozemac | class |
//! |---|---|
//! | any `DecodeError` | `decode_error` |
//! | `DecryptionError::InvalidMAC` | `auth_failure` |
//! | `DecryptionError::InvalidMACLength` (a full-MAC "v2" message on a v1 session) | `decode_error` |
//! | `DecryptionError::InvalidPadding`, ciphertext empty or not whole AES blocks | `decode_error` |
//! | `DecryptionError::InvalidPadding`, otherwise | `auth_failure` |
//! | `DecryptionError::NonContributoryKey` | `invalid_key` |
//! | `DecryptionError::MissingMessageKey` | `duplicate_message` |
//! | `DecryptionError::TooBigMessageGap` | `too_far_ahead` |
//! | `EncryptionError::NonContributoryKey` | `invalid_key` |
//! | `SessionCreationError::MissingOneTimeKey` | `unknown_prekey` |
//! | `SessionCreationError::MismatchedIdentityKey` | `untrusted_identity` |
//! | `SessionCreationError::MismatchedSessionConfig` (inner message not version 3) | `decode_error` |
//! | `SessionCreationError::NonContributoryKey` | `invalid_key` |
//! | `SessionCreationError::Decryption(e)` | as `e` |
//!
//! Megolm (`vodozemac::megolm`, profile `megolm-v1`):
//!
//! | vodozemac | class |
//! |---|---|
//! | `SessionKeyDecodeError::{Version, Read, Base64}` | `decode_error` |
//! | `SessionKeyDecodeError::PublicKey` (the Ed25519 key is not a point) | `invalid_key` |
//! | `SessionKeyDecodeError::Signature` | `bad_signature` |
//! | `megolm::DecryptionError::Signature` | `bad_signature` |
//! | `megolm::DecryptionError::InvalidMAC` | `auth_failure` |
//! | `megolm::DecryptionError::InvalidMACLength` (a version 4, full-MAC message) | `decode_error` |
//! | `megolm::DecryptionError::InvalidPadding` | `auth_failure` |
//! | `megolm::DecryptionError::UnknownMessageIndex` (below the first known index) | `duplicate_message` |
//!
//! Megolm's `InvalidPadding` is not split by length as Olm's is: the spec's
//! `megolm::InboundSession::decrypt` calls every CBC failure after a verified MAC
//! `auth_failure`.
//!
//! `InvalidPadding` is split by ciphertext length because vodozemac reports a ciphertext that
//! is not whole blocks and one whose padding is wrong alike, and only the first is malformed
//! bytes; both can only happen after the MAC verified.

use e2ee_iut::Failure;
use vodozemac::megolm::{self, SessionKeyDecodeError};
use vodozemac::olm::{DecryptionError, EncryptionError, SessionCreationError};
use vodozemac::DecodeError;

/// The classes this adapter tells apart (`hello`'s `error_classes`). `bad_signature` is
/// Megolm's alone (Olm signs nothing in a session setup); `too_far_ahead` is Olm's alone
/// (Megolm has no forward-jump limit).
pub const CLASSES: [&str; 9] = [
    "decode_error",
    "auth_failure",
    "duplicate_message",
    "too_far_ahead",
    "invalid_key",
    "untrusted_identity",
    "bad_signature",
    "unknown_prekey",
    "state_error",
];

/// AES block length: a CBC ciphertext is a positive multiple of it.
const AES_BLOCK: usize = 16;

pub fn rejected(class: &str, detail: impl Into<String>) -> Failure {
    Failure::Rejected {
        class: class.to_string(),
        detail: detail.into(),
    }
}

pub fn state(detail: impl Into<String>) -> Failure {
    rejected("state_error", detail)
}

pub fn decode(e: DecodeError) -> Failure {
    rejected("decode_error", e.to_string())
}

pub fn encryption(e: EncryptionError) -> Failure {
    match e {
        EncryptionError::NonContributoryKey => rejected("invalid_key", e.to_string()),
    }
}

/// `ciphertext_len` is the length of the message's ciphertext field.
pub fn decryption(e: &DecryptionError, ciphertext_len: usize) -> Failure {
    let whole_blocks = ciphertext_len != 0 && ciphertext_len.is_multiple_of(AES_BLOCK);
    let class = match e {
        DecryptionError::InvalidMAC(_) => "auth_failure",
        DecryptionError::InvalidMACLength(..) => "decode_error",
        DecryptionError::InvalidPadding(_) if !whole_blocks => "decode_error",
        DecryptionError::InvalidPadding(_) => "auth_failure",
        DecryptionError::NonContributoryKey => "invalid_key",
        DecryptionError::MissingMessageKey(_) => "duplicate_message",
        DecryptionError::TooBigMessageGap(..) => "too_far_ahead",
    };
    rejected(class, e.to_string())
}

pub fn session_creation(e: &SessionCreationError, ciphertext_len: usize) -> Failure {
    let class = match e {
        SessionCreationError::Decryption(inner) => return decryption(inner, ciphertext_len),
        SessionCreationError::MissingOneTimeKey(_) => "unknown_prekey",
        SessionCreationError::MismatchedIdentityKey(..) => "untrusted_identity",
        SessionCreationError::MismatchedSessionConfig { .. } => "decode_error",
        SessionCreationError::NonContributoryKey => "invalid_key",
    };
    rejected(class, e.to_string())
}

/// A Megolm session key or exported key that vodozemac refused.
pub fn megolm_key(e: SessionKeyDecodeError) -> Failure {
    let class = match e {
        SessionKeyDecodeError::Version(..)
        | SessionKeyDecodeError::Read(_)
        | SessionKeyDecodeError::Base64(_) => "decode_error",
        SessionKeyDecodeError::PublicKey(_) => "invalid_key",
        SessionKeyDecodeError::Signature(_) => "bad_signature",
    };
    rejected(class, e.to_string())
}

/// A Megolm message that vodozemac's `InboundGroupSession::decrypt` refused.
pub fn megolm_decryption(e: &megolm::DecryptionError) -> Failure {
    let class = match e {
        megolm::DecryptionError::Signature(_) => "bad_signature",
        megolm::DecryptionError::InvalidMAC(_) => "auth_failure",
        megolm::DecryptionError::InvalidMACLength(..) => "decode_error",
        megolm::DecryptionError::InvalidPadding(_) => "auth_failure",
        megolm::DecryptionError::UnknownMessageIndex(..) => "duplicate_message",
    };
    rejected(class, e.to_string())
}
