//! The spec's one error type.
//!
//! Each variant is a *class* of failure that an implementation can be compared on; the
//! conformance runner maps them one-to-one onto the shim protocol's error classes
//! (`harness/SHIM.md`). No variant carries a message: two implementations agree when they
//! fail for the same reason, whatever they print.

use crate::crypto::CryptoError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The bytes are not a well-formed message or key of this profile: truncated, oversized,
    /// a bad tag or length, a version byte the profile does not define, trailing garbage, a
    /// public key of the wrong length or type byte.
    Decode,
    /// A MAC or AEAD tag did not verify (tampered message, wrong associated data, wrong key).
    AuthFailure,
    /// The message's key was already used (or deleted): a replay or a duplicate delivery.
    DuplicateMessage,
    /// Accepting the message would mean skipping more message keys than the profile allows.
    TooFarAhead,
    /// A well-formed public key that must not be used: its Diffie-Hellman output is all zero
    /// (a low-order point, RFC 7748 §6.1).
    InvalidKey,
    /// A prekey message carries an identity key other than the one the receiver holds for
    /// that peer (X3DH §4.1: the parties must authenticate each other's identity keys).
    UntrustedIdentity,
    /// A signed prekey's signature does not verify.
    BadSignature,
    /// A prekey message names a one-time or signed prekey the responder does not have.
    UnknownPrekey,
    /// The operation is not possible in this state (e.g. sending before any sending chain
    /// exists, a message counter that would overflow).
    State,
}

impl Error {
    /// The shim protocol's name for this class (`harness/SHIM.md` §Errors).
    pub fn class(self) -> &'static str {
        match self {
            Error::Decode => "decode_error",
            Error::AuthFailure => "auth_failure",
            Error::DuplicateMessage => "duplicate_message",
            Error::TooFarAhead => "too_far_ahead",
            Error::InvalidKey => "invalid_key",
            Error::UntrustedIdentity => "untrusted_identity",
            Error::BadSignature => "bad_signature",
            Error::UnknownPrekey => "unknown_prekey",
            Error::State => "state_error",
        }
    }
}

/// Every error class, in the order SHIM.md lists them.
pub const ALL: [Error; 9] = [
    Error::Decode,
    Error::AuthFailure,
    Error::DuplicateMessage,
    Error::TooFarAhead,
    Error::InvalidKey,
    Error::UntrustedIdentity,
    Error::BadSignature,
    Error::UnknownPrekey,
    Error::State,
];

impl From<CryptoError> for Error {
    fn from(e: CryptoError) -> Error {
        match e {
            CryptoError::LowOrderPoint | CryptoError::InvalidKey => Error::InvalidKey,
            CryptoError::BadSignature => Error::BadSignature,
            CryptoError::AuthFailure | CryptoError::BadPadding => Error::AuthFailure,
            CryptoError::InvalidLength | CryptoError::OutputTooLong => Error::Decode,
        }
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.class())
    }
}

impl std::error::Error for Error {}
