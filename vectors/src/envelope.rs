//! Wycheproof's file envelope (`algorithm`, `schema`, `numberOfTests`, `header`, `notes`,
//! `testGroups`), with a `profile`. See `vectors/README.md`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A vector file. `T` is the test type of its schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VectorFile<G> {
    pub algorithm: String,
    pub profile: String,
    /// The schema file (in `vectors/schema/`) this file validates against.
    pub schema: String,
    pub number_of_tests: usize,
    pub header: Vec<String>,
    /// Flag -> what bug a test with that flag catches.
    pub notes: BTreeMap<String, Note>,
    pub test_groups: Vec<G>,
}

/// Wycheproof's note, extended with messaging bug types.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Note {
    pub bug_type: BugType,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
}

/// Wycheproof's bug types (`BASIC`, `AUTH_BYPASS`, `CAN_OF_WORMS`, `EDGE_CASE`,
/// `MALLEABILITY`, `MISSING_STEP`, `MODIFIED_PARAMETER`, `SIGNATURE_MALLEABILITY`,
/// `WRONG_PRIMITIVE`, `KNOWN_BUG`, `FUNCTIONALITY`, `LEGACY`) plus the messaging ones.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BugType {
    Basic,
    AuthBypass,
    CanOfWorms,
    EdgeCase,
    Malleability,
    MissingStep,
    ModifiedParameter,
    SignatureMalleability,
    WrongPrimitive,
    KnownBug,
    Functionality,
    Legacy,
    /// A message (or its key) accepted twice.
    Replay,
    /// State restored from an old snapshot behaves differently from the original.
    StateRollback,
    /// MAX_SKIP (or the profile's gap limit) not enforced: unbounded work or storage.
    SkipLimitDos,
    /// Header fields not covered by the MAC/AEAD.
    UnauthenticatedHeader,
    /// A message key or nonce used for more than one message.
    KeyReuse,
    /// A failed operation changed the session state.
    StateCorruption,
    /// A key that yields a low-order or all-zero DH output accepted.
    LowOrderPoint,
    /// Associated data (identities) not bound to the message.
    UnboundAssociatedData,
    /// A one-time prekey usable twice.
    PrekeyReuse,
    /// A post-quantum key agreement silently replaced by a weaker one.
    Downgrade,
    /// One ciphertext opens validly under two keys to two messages: the AEAD does not commit
    /// to its key, so whatever must bind a message to its ciphertext (a franking report) has
    /// to commit to the key itself.
    KeyCommitment,
}

/// `valid`, `invalid` or `acceptable` (may be rejected; if accepted the outputs must match).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Valid,
    Invalid,
    Acceptable,
}
