//! Profiles: what differs between deployments of the one Double Ratchet algorithm.
//!
//! The algorithm (`double_ratchet`, `header_encryption`, `x3dh`) is written once. A profile
//! supplies the KDF labels, the message cipher, the wire encoding, how a session starts, and
//! the limits. Every constant lives in the profile's own module (`profiles::*`) and is
//! documented, with its source, in `spec/PROFILES.md`.

use crate::group::GroupProfile;
use crate::profiles::{modern, olm_v1, signal_v3, signal_v4};

/// Every profile the spec defines: the 1:1 session profiles, the group profiles, and
/// franking, the layer over a session's plaintext (`franking.rs`). What a run selects with
/// `--profile` and what a vector directory is named after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AnyProfile {
    Session(Profile),
    Group(GroupProfile),
    Franking,
}

impl AnyProfile {
    pub const ALL: [AnyProfile; 7] = [
        AnyProfile::Session(Profile::Modern),
        AnyProfile::Session(Profile::SignalV3),
        AnyProfile::Session(Profile::SignalV4),
        AnyProfile::Session(Profile::OlmV1),
        AnyProfile::Group(GroupProfile::SignalSkV3),
        AnyProfile::Group(GroupProfile::MegolmV1),
        AnyProfile::Franking,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AnyProfile::Session(p) => p.name(),
            AnyProfile::Group(g) => g.name(),
            AnyProfile::Franking => FRANKING,
        }
    }

    pub fn from_name(name: &str) -> Option<AnyProfile> {
        AnyProfile::ALL.iter().copied().find(|p| p.name() == name)
    }
}

/// The franking layer's profile name (and vector directory).
pub const FRANKING: &str = "franking";

impl From<Profile> for AnyProfile {
    fn from(p: Profile) -> AnyProfile {
        AnyProfile::Session(p)
    }
}

impl From<GroupProfile> for AnyProfile {
    fn from(g: GroupProfile) -> AnyProfile {
        AnyProfile::Group(g)
    }
}

/// A deployment of the protocol family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    /// X25519, HKDF/HMAC-SHA256, ChaCha20-Poly1305, this project's documented wire format.
    Modern,
    /// Byte-compatible with libsignal's X3DH sessions (libsignal v0.72.1).
    SignalV3,
    /// Byte-compatible with libsignal's PQXDH sessions without SPQR (libsignal v0.72.1, v0.79.0).
    SignalV4,
    /// Byte-compatible with Olm as implemented by vodozemac 0.11.
    OlmV1,
}

/// A byte-level choice inside a profile that every reader of the profile accepts, so that
/// deployments that make it differently still talk to each other (`spec/PROFILES.md`
/// §signal-v3, "Wire variants"). Only `signal-v3` has one today: the low nibble of
/// libsignal's version byte, which no reader checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WireVariant {
    /// What the profile's reference implementation writes (libsignal: `0x34`).
    #[default]
    Reference,
    /// libsignal-protocol-java and the ports of it (C, JavaScript, Python, ...), whose
    /// `CiphertextMessage.CURRENT_VERSION` is 3: version byte `0x33`.
    Legacy,
}

impl WireVariant {
    /// The first byte of every message a party of this variant writes in `profile`; `None`
    /// where the profile has no version byte.
    pub fn version_byte(self, profile: Profile) -> Option<u8> {
        if !profile.variants().contains(&self) {
            return None;
        }
        let v = profile.libsignal_version()?;
        Some(match self {
            WireVariant::Reference => signal_v3::version_byte(v),
            WireVariant::Legacy => (v << 4) | signal_v3::LEGACY_CURRENT_VERSION,
        })
    }

    /// The variant whose parties write `byte` first in `profile`, if the profile has it.
    /// `signal-v4` has none: every writer of PQXDH sessions writes `0x44`.
    pub fn from_version_byte(profile: Profile, byte: u8) -> Option<WireVariant> {
        profile
            .variants()
            .iter()
            .copied()
            .find(|w| w.version_byte(profile) == Some(byte))
    }
}

/// Where skipped message keys are kept and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkippedKeyStore {
    /// One store for all chains of a session (Double Ratchet §3.2 `MKSKIPPED`); the oldest
    /// key is evicted when the store is full. Where the profile skips the rest of a chain at
    /// a DH step (`Profile::skips_previous_chain`, `modern`) the keys outlive the chain they
    /// came from; elsewhere they go when their chain is evicted.
    Global(usize),
    /// A store per receiving chain; the chain's oldest key is evicted when full, and the
    /// keys go when their chain is evicted.
    PerChain(usize),
}

impl SkippedKeyStore {
    /// How many keys the store keeps (per session or per chain).
    pub fn size(self) -> usize {
        match self {
            SkippedKeyStore::Global(n) | SkippedKeyStore::PerChain(n) => n,
        }
    }
}

/// The limits a profile enforces. Each number's reason is in the profile's module. A party
/// may run with stricter ones (`Party::limits`): a deployment that keeps less than its
/// profile, as an implementation declares in its shim `hello` (harness/SHIM.md §Limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest number of message keys one received message may make us skip (Double Ratchet
    /// §3.5 `MAX_SKIP`). A gap of exactly `max_skip` is accepted, `max_skip + 1` rejected.
    pub max_skip: u32,
    /// Where skipped keys are kept, and how many.
    pub skipped_keys: SkippedKeyStore,
    /// Receiving chains kept, newest first. 1 means the Double Ratchet document's single
    /// `CKr`; more lets late messages of an old chain be decrypted without a `PN`.
    pub receiver_chains: usize,
    /// Largest plaintext `ratchet_encrypt` accepts (and so the largest message accepted).
    pub max_plaintext: usize,
    /// Sessions with one peer kept besides the current one, newest first, when a newer
    /// session replaces it (`party::Party::archived`); 0: one session per peer.
    pub archived_sessions: usize,
}

impl Profile {
    pub const ALL: [Profile; 4] = [
        Profile::Modern,
        Profile::SignalV3,
        Profile::SignalV4,
        Profile::OlmV1,
    ];

    /// The profile's name in vectors, reports and the shim protocol.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Modern => "modern",
            Profile::SignalV3 => "signal-v3",
            Profile::SignalV4 => "signal-v4",
            Profile::OlmV1 => "olm-v1",
        }
    }

    pub fn from_name(name: &str) -> Option<Profile> {
        Profile::ALL.iter().copied().find(|p| p.name() == name)
    }

    /// The wire variants a party of this profile may write (the reference first).
    pub fn variants(self) -> &'static [WireVariant] {
        match self {
            Profile::SignalV3 => &[WireVariant::Reference, WireVariant::Legacy],
            _ => &[WireVariant::Reference],
        }
    }

    pub fn limits(self) -> Limits {
        match self {
            Profile::Modern => modern::LIMITS,
            Profile::SignalV3 | Profile::SignalV4 => signal_v3::LIMITS,
            Profile::OlmV1 => olm_v1::LIMITS,
        }
    }

    /// `info` for KDF_RK (Double Ratchet §5.2 recommends HKDF with an application-specific
    /// info string).
    pub fn kdf_rk_info(self) -> &'static [u8] {
        match self {
            Profile::Modern => modern::KDF_RK_INFO,
            Profile::SignalV3 | Profile::SignalV4 => signal_v3::KDF_RK_INFO,
            Profile::OlmV1 => olm_v1::KDF_RK_INFO,
        }
    }

    /// Whether a new receiving chain first skips the rest of the previous one up to the
    /// header's `PN` (Double Ratchet §3.5 `DHRatchet`). Profiles that keep several receiving
    /// chains instead derive an old chain's keys when its late messages arrive.
    pub fn skips_previous_chain(self) -> bool {
        matches!(self, Profile::Modern)
    }

    /// Whether the sending half of a DH ratchet step happens when we next *send* (Olm)
    /// rather than as soon as a new ratchet key is received (Double Ratchet §3.5). The key
    /// schedule is the same; only when the new ratchet key pair is consumed differs.
    pub fn lazy_sending_step(self) -> bool {
        matches!(self, Profile::OlmV1)
    }

    /// The `PN` a sending chain records for the previous one, given that chain's `Ns`. The
    /// Double Ratchet document sends the count; libsignal sends the index of the last
    /// message, `max(Ns - 1, 0)` (`session_cipher.rs`; the receiver never reads it).
    /// libsignal's wire format and key schedule (`signal-v3`, `signal-v4`): the session
    /// versions differ only in the key agreement and the version byte.
    pub fn is_libsignal(self) -> bool {
        matches!(self, Profile::SignalV3 | Profile::SignalV4)
    }

    /// The libsignal session version of a libsignal profile (the high nibble of its version
    /// byte); `None` for the other profiles.
    pub fn libsignal_version(self) -> Option<u8> {
        match self {
            Profile::SignalV3 => Some(signal_v3::SESSION_VERSION),
            Profile::SignalV4 => Some(signal_v4::SESSION_VERSION),
            _ => None,
        }
    }

    /// Whether sessions start with PQXDH (a signed KEM prekey in every bundle, a KEM
    /// ciphertext in every prekey message) rather than X3DH or Olm's triple DH.
    pub fn post_quantum(self) -> bool {
        matches!(self, Profile::SignalV4)
    }

    pub fn previous_counter(self, n_s: u32) -> u32 {
        match self {
            Profile::SignalV3 | Profile::SignalV4 => n_s.saturating_sub(1),
            _ => n_s,
        }
    }
}
