//! Trace vectors: a conversation as a list of steps, each with its inputs (including the
//! randomness it consumes) and the expected output or error class. A runner replays the
//! steps against an implementation; the first step whose result differs is the finding.
//!
//! Loss, duplication and reordering are delivery patterns (a message never delivered, one
//! delivered twice, messages delivered out of send order), named in the test's flags; the
//! `drop` step records a loss explicitly so a reader sees it.

use crate::envelope::Verdict;
use e2ee_iut::protocol::{Bundle, MessageKind};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub type Hex = String;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TraceGroup {
    /// Always "TraceTest".
    #[serde(rename = "type")]
    pub group_type: String,
    /// The header-encrypted Double Ratchet (`modern` only).
    pub header_encryption: bool,
    /// Shared: a run plans each test several times (modes, parties) and keeps the corpus
    /// while it runs; the plan points into the corpus instead of copying it.
    pub tests: Vec<Arc<TraceTest>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TraceTest {
    /// Stable id, e.g. `dr.skip.over_limit.003`; never renumbered.
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    /// `valid`: every step must give its expected result. `invalid`: the same, and the
    /// test exists to see a rejection (its flags say which bug accepting would be).
    /// `acceptable`: a step expected to fail may succeed, but then outputs must match.
    pub result: Verdict,
    /// The parties and their long-term keys.
    pub parties: Vec<PartyInit>,
    /// The party whose every operation needs no randomness beyond imported keys: an IUT
    /// that can import keys but not randomness replays the test as this party only.
    /// `None` when the test needs both parties' randomness.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver: Option<String>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PartyInit {
    pub name: String,
    pub identity_private: Hex,
    pub registration_id: u32,
    /// The first byte of every message this party writes, where its profile lets writers
    /// differ (`signal-v3`: `33`, libsignal-protocol-java and its ports); absent: the
    /// profile's reference (`34`). A reader must accept both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_byte: Option<Hex>,
}

/// One step. `actor` names a party; `label` names a message so later steps can deliver,
/// duplicate or tamper with it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "op", rename_all = "camelCase", deny_unknown_fields)]
pub enum Step {
    /// The actor publishes a prekey bundle (X3DH §3.2).
    #[serde(rename_all = "camelCase")]
    Publish {
        actor: String,
        signed_prekey_id: u32,
        signed_prekey_private: Hex,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        one_time_prekey_id: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        one_time_prekey_private: Option<Hex>,
        signature_randomness: Hex,
        /// `signal-v4`: the KEM prekey (PQXDH §3.2): id, key generation seed `d ‖ z`, the
        /// XEdDSA randomness of its signature, and whether it is the last-resort key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kyber_prekey_id: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kyber_prekey_seed: Option<Hex>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kyber_signature_randomness: Option<Hex>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        kyber_last_resort: bool,
        expect: Expect,
    },
    /// The actor starts a session with `peer` from the bundle `peer` last published,
    /// or from `bundle` when given (a forged or corrupted bundle).
    #[serde(rename_all = "camelCase")]
    Initiate {
        actor: String,
        peer: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bundle: Option<Bundle>,
        base_key_private: Hex,
        ratchet_private: Hex,
        /// `signal-v4`: the KEM encapsulation randomness `m`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kem_randomness: Option<Hex>,
        expect: Expect,
    },
    /// The actor encrypts `plaintext` to `peer`; the message is remembered as `label`.
    #[serde(rename_all = "camelCase")]
    Send {
        actor: String,
        peer: String,
        label: String,
        plaintext: Hex,
        ratchet_private: Hex,
        header_nonce: Hex,
        expect: Expect,
    },
    /// Message `label` (sent by `peer`) reaches the actor.
    #[serde(rename_all = "camelCase")]
    Deliver {
        actor: String,
        peer: String,
        label: String,
        ratchet_private: Hex,
        expect: Expect,
    },
    /// Message `label` is lost (never delivered). Changes nothing; documents intent.
    Drop { label: String },
    /// A new message `as` = message `label` with one byte of field `field` XORed with `xor`:
    /// byte `field_offset` of the field, counted from its end when negative. The field is
    /// found in the message's own bytes (`layout::locate`), whoever wrote them, so the step
    /// means the same against any valid encoding. `offset` is where that byte is in the
    /// vector's own message, for readers that replay the vector's bytes without parsing them.
    #[serde(rename_all = "camelCase")]
    Tamper {
        label: String,
        #[serde(rename = "as")]
        as_label: String,
        field: String,
        field_offset: i64,
        offset: usize,
        xor: u8,
    },
    /// A message made outside the conversation (e.g. by a sender state far ahead, or
    /// forged), remembered as `label`.
    #[serde(rename_all = "camelCase")]
    Inject {
        label: String,
        kind: MessageKind,
        message: Hex,
    },
    /// The actor's whole state is saved under `name`.
    Snapshot { actor: String, name: String },
    /// The actor's state becomes the one saved under `name`.
    Restore { actor: String, name: String },
}

/// What a step must give. Exactly one of the output fields or `error` is set, except for
/// steps with no output (an empty `expect` means "succeeds").
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Expect {
    /// Error class (SHIM.md §Errors) the step must fail with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<Bundle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<MessageKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<Hex>,
    /// Group traces: the distribution a `create` or `share` step gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Hex>,
    /// Checkpoint: SHA-256 of the actor's state in the spec's canonical encoding
    /// (`vectors/README.md` §Checkpoints), after the step. Checked against the spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Hex>,
}

impl Step {
    pub fn actor(&self) -> Option<&str> {
        match self {
            Step::Publish { actor, .. }
            | Step::Initiate { actor, .. }
            | Step::Send { actor, .. }
            | Step::Deliver { actor, .. }
            | Step::Snapshot { actor, .. }
            | Step::Restore { actor, .. } => Some(actor),
            Step::Drop { .. } | Step::Tamper { .. } | Step::Inject { .. } => None,
        }
    }
}
