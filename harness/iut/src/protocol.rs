//! Shim protocol 1.2: the requests and replies every implementation under test (IUT)
//! answers, in-process (`Iut` trait) or as JSON lines over a child's stdin/stdout.
//! `harness/SHIM.md` is the normative description; this module is its Rust form.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The major version: a runner and a shim of different majors cannot talk.
pub const PROTOCOL_VERSION: u32 = 1;
/// The minor version this runner speaks. A minor version adds optional fields or splits an
/// error class into finer ones ([`CLASSES_ADDED`]), so a shim of a lower minor is still
/// judged, by the classes of its own version (SHIM.md §Versions). 1.2 added `hello`'s
/// `version_bytes` and `create_party`'s `version_byte` (SHIM.md §Wire variants), and `hello`'s
/// `limits` (§Limits).
pub const PROTOCOL_MINOR: u32 = 2;

/// Bytes on the wire are lowercase hex strings.
pub type Hex = String;

/// A request. The JSON form is `{"id": N, "op": "<snake_case name>", ...fields}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// First request on a connection: the version the runner speaks (a 1.0 runner sent no
    /// `minor`).
    Hello {
        protocol: u32,
        #[serde(default)]
        minor: u32,
    },
    /// Forget every party, session and snapshot (sent before each test).
    Reset {},
    /// A new party: its identity key pair (imported when `identity_private` is given and
    /// the IUT has `import-keys`) and, for libsignal, its registration id.
    CreateParty {
        profile: String,
        #[serde(default)]
        header_encryption: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identity_private: Option<Hex>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        registration_id: Option<u32>,
        /// The first byte of every message the party writes (SHIM.md §Wire variants); only
        /// ever one the IUT declared in `hello`'s `version_bytes`. Absent: the IUT's first.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version_byte: Option<Hex>,
    },
    /// Generate (or import) prekeys and return the bundle to publish. `olm-v1` has no
    /// signed prekey: the fields are ignored and the bundle carries none.
    CreateBundle {
        party: String,
        signed_prekey_id: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signed_prekey_private: Option<Hex>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        one_time_prekey_id: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        one_time_prekey_private: Option<Hex>,
        /// XEdDSA's 64 random bytes Z.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature_randomness: Option<Hex>,
        /// `signal-v4`: the KEM prekey's id (required there), its key generation seed
        /// `d ‖ z` (64 bytes), the XEdDSA Z of its signature, and whether it is the
        /// last-resort key (kept after use) rather than a one-time one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kyber_prekey_id: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kyber_prekey_seed: Option<Hex>,
        /// The same key as its raw 3168-byte decapsulation key (FIPS 203 `dk`), derived by
        /// the runner from the seed, for implementations that import keys but take no
        /// randomness (`import-keys`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kyber_prekey_private: Option<Hex>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kyber_signature_randomness: Option<Hex>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        kyber_last_resort: bool,
    },
    /// Start a session with `peer` (an address chosen by the runner) from its bundle.
    Initiate {
        party: String,
        peer: String,
        bundle: Bundle,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base_key_private: Option<Hex>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ratchet_private: Option<Hex>,
        /// `signal-v4`: the KEM encapsulation randomness `m` (32 bytes).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kem_randomness: Option<Hex>,
    },
    Encrypt {
        party: String,
        peer: String,
        plaintext: Hex,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ratchet_private: Option<Hex>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header_nonce: Option<Hex>,
    },
    Decrypt {
        party: String,
        peer: String,
        kind: MessageKind,
        message: Hex,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ratchet_private: Option<Hex>,
    },
    /// Capture the party's whole state (identity, prekeys, sessions).
    Snapshot { party: String },
    /// Put a party back into a captured state.
    Restore { party: String, snapshot: String },
    /// XEdDSA §3 `xeddsa_verify(public_key, message, signature)` as the IUT's X3DH checks a
    /// bundle's signatures: `Done` if it accepts, `bad_signature` if not. Only sent to an
    /// IUT whose `hello` declares [`XEDDSA_VERIFY`] (the known answers of `kat_xeddsa.json`).
    XeddsaVerify {
        public_key: Hex,
        message: Hex,
        signature: Hex,
    },

    /// Group profiles (`signal-sk-v3`, `megolm-v1`; SHIM.md §Groups): a new sending session
    /// of `party` for `group` (the runner's name for a group; a rotation when it had one),
    /// returning its distribution: the SenderKeyDistributionMessage or the Megolm session
    /// key. With `deterministic` or `import-keys`, the session's draws are given: the chain
    /// key (32 bytes) or Megolm ratchet (128), the first iteration / message index, the
    /// signing private key (X25519 for XEdDSA, or an Ed25519 seed), and for `signal-sk-v3`
    /// the chain id. `distribution_id` (16 bytes, `signal-sk-v3` only) is always given: it
    /// is the group's id, chosen by the application.
    GroupCreate {
        party: String,
        group: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        distribution_id: Option<Hex>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        chain_id: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        chain_key: Option<Hex>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        iteration: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signing_private: Option<Hex>,
    },
    /// The distribution of `group`'s current sending session, as it stands now (what a
    /// member who joins later receives: it reads only later messages).
    GroupShare { party: String, group: String },
    /// `party` joins `sender`'s session from its distribution (which came over a pairwise,
    /// authenticated channel). `megolm-v1` also takes an exported key (version 1).
    GroupJoin {
        party: String,
        sender: String,
        distribution: Hex,
    },
    /// Encrypt to `group` with `party`'s sending session. `signature_randomness`: XEdDSA's
    /// 64 random bytes Z (`signal-sk-v3`; Megolm's Ed25519 draws none).
    GroupEncrypt {
        party: String,
        group: String,
        plaintext: Hex,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature_randomness: Option<Hex>,
    },
    /// Decrypt `sender`'s group message. `session_id` (`megolm-v1` only): the session id the
    /// transport carried beside the message (Matrix `m.megolm.v1.aes-sha2` `session_id`,
    /// the sender's Ed25519 key); Sender Keys messages carry their distribution id.
    GroupDecrypt {
        party: String,
        sender: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<Hex>,
        message: Hex,
    },
    /// Franking, the sender (profile `franking`, SHIM.md §Franking): the payload to encrypt
    /// in the 1:1 session (`0x01 ‖ N_F ‖ M`) and the commitment `T_F`, for `message` (`M`:
    /// kind ‖ body) under the franking key `N_F` (32 bytes, injected).
    Frank { franking_key: Hex, message: Hex },
    /// Franking, the recipient: the decrypted `payload` and what the server delivered beside
    /// it (`T_F`, `R_F`, the context). Refuses a payload it cannot parse (`decode_error`),
    /// one `T_F` does not commit to (`auth_failure`), or one under a franking key it kept
    /// since the last `reset` (`duplicate_message`); else keeps the opening and returns `M`.
    FrankOpen {
        payload: Hex,
        commitment: Hex,
        server_tag: Hex,
        sender: Hex,
        recipient: Hex,
        timestamp: u64,
    },
    /// Franking, the recipient's report of the kept message whose commitment is `T_F`
    /// (`state_error` if it kept none).
    FrankReport { commitment: Hex },
}

/// The capability of an IUT that takes the injected draws of [`Request::GroupCreate`] (chain
/// key or Megolm ratchet, chain id, first iteration, signing key) but may draw its own XEdDSA
/// nonce: its group messages are then compared byte for byte except the Sender Keys
/// signature, which must verify (SHIM.md §Groups). `deterministic` implies it.
pub const GROUP_DRAWS: &str = "group-draws";

/// The capability of an IUT that answers [`Request::XeddsaVerify`]: the runner then replays
/// the XEdDSA known answers against it (`kat/<profile>/kat_xeddsa/<tcId>`).
pub const XEDDSA_VERIFY: &str = "xeddsa-verify";

impl Request {
    pub fn op(&self) -> &'static str {
        match self {
            Request::Hello { .. } => "hello",
            Request::Reset {} => "reset",
            Request::CreateParty { .. } => "create_party",
            Request::CreateBundle { .. } => "create_bundle",
            Request::Initiate { .. } => "initiate",
            Request::Encrypt { .. } => "encrypt",
            Request::Decrypt { .. } => "decrypt",
            Request::Snapshot { .. } => "snapshot",
            Request::Restore { .. } => "restore",
            Request::XeddsaVerify { .. } => "xeddsa_verify",
            Request::GroupCreate { .. } => "group_create",
            Request::GroupShare { .. } => "group_share",
            Request::GroupJoin { .. } => "group_join",
            Request::GroupEncrypt { .. } => "group_encrypt",
            Request::GroupDecrypt { .. } => "group_decrypt",
            Request::Frank { .. } => "frank",
            Request::FrankOpen { .. } => "frank_open",
            Request::FrankReport { .. } => "frank_report",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Prekey,
    Normal,
}

/// A prekey bundle. Keys are raw 32-byte X25519 public keys in hex in every profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub identity_key: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_id: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_prekey_id: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_prekey: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_prekey_signature: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_time_prekey_id: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_time_prekey: Option<Hex>,
    /// `signal-v4`: the signed KEM prekey: id, serialized public key (type byte ‖ 1568
    /// bytes), the identity key's XEdDSA signature over those bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kyber_prekey_id: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kyber_prekey: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kyber_prekey_signature: Option<Hex>,
}

/// The `hello` reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    /// The minor version the IUT speaks, at most the runner's; absent means 0.
    #[serde(default)]
    pub minor: u32,
    pub name: String,
    pub version: String,
    pub profiles: Vec<String>,
    /// `deterministic` (or `random-signatures`: all injected randomness but the XEdDSA
    /// nonce), `import-keys`, `header-encryption`, `snapshot`.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// The error classes the IUT can tell apart. A rejection whose expected class is not
    /// listed is judged as a rejection only, and reported so.
    #[serde(default)]
    pub error_classes: Vec<String>,
    /// Per profile, the version bytes the IUT's messages can start with, the one it writes
    /// unless told otherwise first (SHIM.md §Wire variants). A profile not listed: the
    /// profile's reference byte only.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub version_bytes: std::collections::BTreeMap<String, Vec<Hex>>,
    /// Since 1.2: the limits the IUT keeps where they are stricter than a profile's, by
    /// profile name (SHIM.md §Limits). A profile or field not given keeps the profile's value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, DeclaredLimits>,
}

/// What an IUT declares it keeps in one profile (SHIM.md §Limits). Each field, when given,
/// must be at most the profile's (`spec/PROFILES.md`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredLimits {
    /// The largest gap one message may make the receiver skip (Double Ratchet `MAX_SKIP`,
    /// libsignal `MAX_FORWARD_JUMPS`, vodozemac `MAX_MESSAGE_GAP`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_skip: Option<u32>,
    /// How many skipped message keys are kept, and where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_keys: Option<SkippedKeys>,
    /// Receiving chains kept per session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver_chains: Option<u32>,
    /// Sessions with one peer kept besides the current one when a newer one replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_sessions: Option<u32>,
}

/// A skipped-key store: at most `max` keys per receiving chain or per session, the oldest
/// evicted first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkippedKeys {
    pub max: u32,
    pub per: StorePer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorePer {
    Chain,
    Session,
}

/// The minor version that added [`Hello::limits`].
pub const LIMITS_MINOR: u32 = 2;

/// A successful reply's payload (the JSON `ok` object). Which variant a request gets is
/// fixed by its op; see SHIM.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Hello(Hello),
    Done,
    Party {
        party: String,
        identity_key: Hex,
    },
    Bundle(Bundle),
    Encrypted {
        kind: MessageKind,
        message: Hex,
    },
    Decrypted {
        plaintext: Hex,
    },
    Snapshot {
        snapshot: String,
    },
    /// `group_create`, `group_share`: the distribution (SenderKeyDistributionMessage or
    /// Megolm session key).
    Distribution {
        distribution: Hex,
    },
    /// `group_encrypt`: the group message.
    GroupMessage {
        message: Hex,
    },
    /// `frank`: the payload for the session and `T_F`.
    Franked {
        payload: Hex,
        commitment: Hex,
    },
    /// `frank_open`: the message `M` as committed, which the recipient shows.
    FrankOpened {
        message: Hex,
    },
    /// `frank_report`: what a report reveals, `(M, N_F, R_F, context)`, of one message.
    Reported {
        message: Hex,
        franking_key: Hex,
        server_tag: Hex,
        sender: Hex,
        recipient: Hex,
        timestamp: u64,
    },
}

/// Why a request did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The IUT refused with one of the protocol's error classes (`auth_failure`, ...).
    Rejected { class: String, detail: String },
    /// The IUT cannot do this (`unsupported`).
    Unsupported(String),
    /// The IUT misbehaved: timeout, crash, malformed or mis-numbered reply. Always a failure.
    Broken(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Rejected { class, detail } => write!(f, "error {class} ({detail})"),
            Failure::Unsupported(d) => write!(f, "unsupported ({d})"),
            Failure::Broken(d) => write!(f, "implementation misbehaved: {d}"),
        }
    }
}

/// The closed set of error classes (SHIM.md §Errors).
pub const ERROR_CLASSES: [&str; 9] = [
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

/// Error classes a minor version added, each split off an older class: (minor, class, the
/// class that covered its cause before). 1.0's `invalid_key` also meant an untrusted identity.
pub const CLASSES_ADDED: [(u32, &str, &str); 1] = [(1, "untrusted_identity", "invalid_key")];

/// The class an IUT speaking minor version `minor` reports for a cause whose class in this
/// runner's version is `class`.
pub fn class_in_minor(class: &str, minor: u32) -> &str {
    let mut class = class;
    // Newest first, so that a class split twice walks back one version at a time.
    for (added, new, old) in CLASSES_ADDED.iter().rev() {
        if minor < *added && class == *new {
            class = old;
        }
    }
    class
}

/// An implementation under test.
pub trait Iut {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure>;

    /// SHA-256 of a party's state in the spec's canonical encoding (`vectors/README.md`
    /// §Checkpoints). Only the spec implements it; vector checkpoints are checked with it.
    fn state_digest(&self, _party: &str) -> Option<String> {
        None
    }
}
