//! Group trace vectors: a group conversation as steps, for the group profiles
//! (`signal-sk-v3`, `megolm-v1`). The same envelope, `result` and `expect` as 1:1 traces
//! (`trace.rs`); the steps are the group operations of the shim protocol (SHIM.md §Groups).
//!
//! A member's outputs (distributions, messages) are remembered under a `label`; later steps
//! deliver them by label. `inject` adds bytes made outside the conversation (a tampered,
//! forged or far-ahead message, a corrupted distribution).

use crate::envelope::Verdict;
use crate::trace::{Expect, Hex};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupTraceGroup {
    /// Always "GroupTraceTest".
    #[serde(rename = "type")]
    pub group_type: String,
    pub tests: Vec<GroupTraceTest>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupTraceTest {
    /// Stable id, e.g. `grp.skip.over_limit.000`; never renumbered.
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    pub result: Verdict,
    /// The members, by the names steps use (also the `sender` addresses).
    pub members: Vec<String>,
    pub steps: Vec<GroupStep>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "op", rename_all = "camelCase", deny_unknown_fields)]
pub enum GroupStep {
    /// The actor starts a sending session for `group` with these draws (a rotation when it
    /// had one); its distribution is remembered as `label`.
    #[serde(rename_all = "camelCase")]
    Create {
        actor: String,
        group: String,
        label: String,
        /// `signal-sk-v3`: the distribution id and chain id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        distribution_id: Option<Hex>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        chain_id: Option<u32>,
        chain_key: Hex,
        iteration: u32,
        signing_private: Hex,
        expect: Expect,
    },
    /// The distribution of the actor's current session for `group`, as `label`.
    #[serde(rename_all = "camelCase")]
    Share {
        actor: String,
        group: String,
        label: String,
        expect: Expect,
    },
    /// The actor joins `sender`'s session from the distribution `label`.
    #[serde(rename_all = "camelCase")]
    Join {
        actor: String,
        sender: String,
        label: String,
        expect: Expect,
    },
    /// The actor encrypts `plaintext` to `group`; the message is remembered as `label`.
    #[serde(rename_all = "camelCase")]
    Send {
        actor: String,
        group: String,
        label: String,
        plaintext: Hex,
        /// `signal-sk-v3`: XEdDSA's 64 random bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature_randomness: Option<Hex>,
        expect: Expect,
    },
    /// Message `label`, in `sender`'s name, reaches the actor.
    #[serde(rename_all = "camelCase")]
    Deliver {
        actor: String,
        sender: String,
        label: String,
        expect: Expect,
    },
    /// Bytes made outside the conversation, remembered as `label`: a message (with the
    /// Megolm session id the transport carries beside it) or a distribution.
    #[serde(rename_all = "camelCase")]
    Inject {
        label: String,
        bytes: Hex,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<Hex>,
    },
    /// A copy of message `label`, whoever made it, with the byte `fromEnd` bytes before its
    /// end XORed with `xor`, remembered as `as` (property mode tampers with live bytes,
    /// which an `inject` cannot name in advance).
    #[serde(rename_all = "camelCase")]
    Tamper {
        label: String,
        #[serde(rename = "as")]
        as_label: String,
        from_end: u32,
        xor: u8,
    },
    /// The actor's whole state is saved under `name`.
    Snapshot { actor: String, name: String },
    /// The actor's state becomes the one saved under `name`.
    Restore { actor: String, name: String },
}

impl GroupStep {
    pub fn actor(&self) -> Option<&str> {
        match self {
            GroupStep::Create { actor, .. }
            | GroupStep::Share { actor, .. }
            | GroupStep::Join { actor, .. }
            | GroupStep::Send { actor, .. }
            | GroupStep::Deliver { actor, .. }
            | GroupStep::Snapshot { actor, .. }
            | GroupStep::Restore { actor, .. } => Some(actor),
            GroupStep::Inject { .. } | GroupStep::Tamper { .. } => None,
        }
    }

    /// Whether the step needs the actor's own randomness (it creates, shares or sends).
    pub fn draws(&self) -> bool {
        matches!(
            self,
            GroupStep::Create { .. } | GroupStep::Share { .. } | GroupStep::Send { .. }
        )
    }

    pub fn expect(&self) -> Option<&Expect> {
        match self {
            GroupStep::Create { expect, .. }
            | GroupStep::Share { expect, .. }
            | GroupStep::Join { expect, .. }
            | GroupStep::Send { expect, .. }
            | GroupStep::Deliver { expect, .. } => Some(expect),
            _ => None,
        }
    }

    pub fn op(&self) -> &'static str {
        match self {
            GroupStep::Create { .. } => "create",
            GroupStep::Share { .. } => "share",
            GroupStep::Join { .. } => "join",
            GroupStep::Send { .. } => "send",
            GroupStep::Deliver { .. } => "deliver",
            GroupStep::Inject { .. } => "inject",
            GroupStep::Tamper { .. } => "tamper",
            GroupStep::Snapshot { .. } => "snapshot",
            GroupStep::Restore { .. } => "restore",
        }
    }
}
