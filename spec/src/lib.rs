//! e2ee-spec: an executable specification of X3DH and the Double Ratchet (plain and with
//! header encryption), and PQXDH, in four deployment profiles: `modern`,
//! `signal-v3` and `signal-v4` (libsignal's X3DH and PQXDH sessions) and `olm-v1` (vodozemac);
//! and group messaging in two: `signal-sk-v3` (libsignal's Sender Keys) and `megolm-v1`
//! (vodozemac's Megolm).
//!
//! Read it beside the protocol documents: every public function names the section it
//! implements. All randomness is an input; every operation takes the state by reference
//! and returns a new one, so a failed operation never changes state. Party-level operations
//! return only what changed (`party::PartyUpdate`, applied with `Party::apply`), so a message
//! costs its own session and not a copy of every session the party holds.
#![forbid(unsafe_code)]

pub mod crypto;
pub mod double_ratchet;
pub mod error;
pub mod franking;
pub mod group;
pub mod header_encryption;
pub mod megolm;
pub mod party;
pub mod pqxdh;
pub mod profile;
pub mod profiles;
pub mod sender_keys;
pub mod session;
pub mod wire;
pub mod x3dh;

pub use error::Error;
pub use profile::{AnyProfile, Profile};
