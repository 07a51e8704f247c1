//! vodozemac's serde pickles, used for two things its API has no other door for:
//! importing chosen secret keys (`import-keys`) and copying a party's whole state
//! (`snapshot`).
//!
//! The key import edits two fields of `AccountPickle`'s JSON form (vodozemac 0.11
//! `olm/account/mod.rs` `AccountPickle`, `olm/account/one_time_keys.rs` `OneTimeKeysPickle`):
//! `diffie_hellman_key` is the Curve25519 identity secret, and `one_time_keys.private_keys`
//! maps a key id to a one-time secret, which is where inbound session creation looks keys up.
//! A key put only there counts as already published.

use e2ee_iut::Failure;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use vodozemac::olm::{Account, AccountPickle, Session, SessionPickle};
use vodozemac::Curve25519PublicKey;

/// One party: its account (identity and one-time keys) and a session per peer.
pub struct Party {
    pub account: Account,
    pub peers: Vec<Peer>,
    /// The id the next bundle names its one-time key by when the runner chooses none.
    pub next_prekey_id: u32,
}

/// A session with one runner-chosen peer address.
pub struct Peer {
    pub name: String,
    /// The peer's identity key, as the bundle or its first prekey message gave it.
    pub identity: Curve25519PublicKey,
    /// The session in use: the one created or decrypted with last (the Matrix rule for
    /// which session to send with).
    pub session: Session,
    /// The sessions with this peer it replaced, newest first, at most
    /// `ARCHIVED_SESSIONS_MAX` (`spec/PROFILES.md` §Several sessions with one peer).
    pub archived: Vec<Session>,
}

#[derive(Serialize, Deserialize)]
struct PartyPickle {
    account: AccountPickle,
    peers: Vec<PeerPickle>,
    next_prekey_id: u32,
}

#[derive(Serialize, Deserialize)]
struct PeerPickle {
    name: String,
    identity: Curve25519PublicKey,
    session: SessionPickle,
    #[serde(default)]
    archived: Vec<SessionPickle>,
}

/// A pickle that does not round-trip means vodozemac's format is not what this adapter
/// was written against: the adapter is broken, not the request.
fn broken(what: &str, e: serde_json::Error) -> Failure {
    Failure::Broken(format!("vodozemac {what} pickle: {e}"))
}

/// The whole party as a JSON string.
pub fn save(party: &Party) -> Result<String, Failure> {
    let pickle = PartyPickle {
        account: party.account.pickle(),
        peers: party
            .peers
            .iter()
            .map(|p| PeerPickle {
                name: p.name.clone(),
                identity: p.identity,
                session: p.session.pickle(),
                archived: p.archived.iter().map(Session::pickle).collect(),
            })
            .collect(),
        next_prekey_id: party.next_prekey_id,
    };
    serde_json::to_string(&pickle).map_err(|e| broken("party", e))
}

/// The party a [`save`] string describes.
pub fn load(saved: &str) -> Result<Party, Failure> {
    let pickle: PartyPickle = serde_json::from_str(saved).map_err(|e| broken("party", e))?;
    Ok(Party {
        account: Account::from_pickle(pickle.account),
        peers: pickle
            .peers
            .into_iter()
            .map(|p| Peer {
                name: p.name,
                identity: p.identity,
                session: Session::from_pickle(p.session),
                archived: p.archived.into_iter().map(Session::from_pickle).collect(),
            })
            .collect(),
        next_prekey_id: pickle.next_prekey_id,
    })
}

/// A copy of `account` with its JSON pickle changed by `edit`.
fn edit_account(
    account: &Account,
    edit: impl FnOnce(&mut Value) -> Option<()>,
) -> Result<Account, Failure> {
    let mut v = serde_json::to_value(account.pickle()).map_err(|e| broken("account", e))?;
    edit(&mut v).ok_or_else(|| {
        Failure::Broken("vodozemac account pickle has an unexpected shape".into())
    })?;
    let pickle: AccountPickle = serde_json::from_value(v).map_err(|e| broken("account", e))?;
    Ok(Account::from_pickle(pickle))
}

/// `account` with its Curve25519 identity secret replaced (the Ed25519 key is kept).
pub fn with_identity(account: &Account, secret: &[u8; 32]) -> Result<Account, Failure> {
    edit_account(account, |v| {
        *v.get_mut("diffie_hellman_key")? = json!(secret);
        Some(())
    })
}

/// `account` with one more one-time key, `secret`, already marked published.
pub fn with_one_time_key(account: &Account, secret: &[u8; 32]) -> Result<Account, Failure> {
    edit_account(account, |v| {
        let keys = v.get_mut("one_time_keys")?;
        let id = keys.get("next_key_id")?.as_u64()?;
        keys.get_mut("private_keys")?
            .as_object_mut()?
            .insert(id.to_string(), json!(secret));
        *keys.get_mut("next_key_id")? = json!(id.wrapping_add(1));
        Some(())
    })
}

/// A session's pickle as JSON, for diagnostics.
pub fn session_json(session: &Session) -> Option<Value> {
    serde_json::to_value(session.pickle()).ok()
}

/// A request's 32-byte key, or `decode_error`.
pub fn public_key(hex: &str) -> Result<Curve25519PublicKey, Failure> {
    e2ee_iut::hexbytes::arr::<32>(hex).map(Curve25519PublicKey::from_bytes)
}
