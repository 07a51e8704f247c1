//! Each profile's constants and message encoding. `double_ratchet` calls these three
//! functions and nothing else profile-specific about messages.

pub mod megolm_v1;
pub mod modern;
pub mod olm_v1;
pub mod signal_sk_v3;
pub mod signal_v3;
pub mod signal_v4;

use crate::double_ratchet::Header;
use crate::error::Error;
use crate::profile::{Profile, WireVariant};

/// The session version of a libsignal profile (the version byte's high nibble).
pub(crate) fn session_version(profile: Profile) -> u8 {
    profile
        .libsignal_version()
        .unwrap_or(signal_v3::SESSION_VERSION)
}

/// The first byte a writer of `wire` puts on a libsignal profile's messages; a variant the
/// profile does not have is a state error (nothing can have created it from outside).
pub(crate) fn version_byte(profile: Profile, wire: WireVariant) -> Result<u8, Error> {
    wire.version_byte(profile).ok_or(Error::State)
}

/// Encrypt `plaintext` under message key `mk` and encode the message with `header`, as a
/// writer of `wire` does.
pub fn seal(
    profile: Profile,
    wire: WireVariant,
    mk: &[u8; 32],
    header: &Header,
    plaintext: &[u8],
    ad: &[u8],
) -> Result<Vec<u8>, Error> {
    if !profile.variants().contains(&wire) {
        return Err(Error::State);
    }
    match profile {
        Profile::Modern => Ok(modern::seal(mk, header, plaintext, ad)),
        Profile::SignalV3 | Profile::SignalV4 => Ok(signal_v3::seal(
            version_byte(profile, wire)?,
            mk,
            header,
            plaintext,
            ad,
        )),
        Profile::OlmV1 => Ok(olm_v1::seal(mk, header, plaintext)),
    }
}

/// Decode a message's header without authenticating it (authentication needs the key the
/// header selects).
pub fn parse_header(profile: Profile, message: &[u8]) -> Result<Header, Error> {
    match profile {
        Profile::Modern => modern::parse_header(message),
        Profile::SignalV3 | Profile::SignalV4 => {
            signal_v3::parse_header(session_version(profile), message)
        }
        Profile::OlmV1 => olm_v1::parse_header(message),
    }
}

/// Authenticate and decrypt a message whose header `parse_header` accepted.
pub fn open(profile: Profile, mk: &[u8; 32], message: &[u8], ad: &[u8]) -> Result<Vec<u8>, Error> {
    match profile {
        Profile::Modern => modern::open(mk, message, ad),
        Profile::SignalV3 | Profile::SignalV4 => {
            signal_v3::open(session_version(profile), mk, message, ad)
        }
        Profile::OlmV1 => olm_v1::open(mk, message),
    }
}

/// Whether a replaced session's unacknowledged prekey message is cleared when it is archived
/// (`spec/PROFILES.md` §Several sessions with one peer; how many are kept is
/// `Limits::archived_sessions`). libsignal clears it (`archive_current_state`), so if the
/// session becomes current again it sends normal messages; an Olm session keeps sending
/// pre-key messages until it has received one.
pub fn archive_clears_pending_prekey(profile: Profile) -> bool {
    profile.is_libsignal()
}

/// Split an 80-byte HKDF output into AES-256 key, HMAC key and IV: the message-key
/// expansion that libsignal and Olm share (only the info string differs).
pub fn split_cbc_keys(okm: &[u8]) -> ([u8; 32], [u8; 32], [u8; 16]) {
    let mut cipher_key = [0u8; 32];
    let mut mac_key = [0u8; 32];
    let mut iv = [0u8; 16];
    if okm.len() == 80 {
        cipher_key.copy_from_slice(&okm[..32]);
        mac_key.copy_from_slice(&okm[32..64]);
        iv.copy_from_slice(&okm[64..80]);
    }
    (cipher_key, mac_key, iv)
}
