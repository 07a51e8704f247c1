//! The suite's test of itself: single-bug variants of the reference implementation.
//!
//! Each variant is the spec with one realistic mistake that implementations ship (a check left
//! out, a key kept too long, state changed by a message that was refused). A variant is
//! *caught* when at least one test fails whose flags name the variant's bug class; the correct
//! variants (the spec itself, and one that writes its protobuf fields in another valid order)
//! must pass everything. The score is printed:
//!
//! ```sh
//! cargo test -p e2ee-harness --test mutants -- --nocapture
//! ```

#[path = "support/suite.rs"]
mod support;

#[path = "support/reordered.rs"]
mod reordered;

use e2ee_harness::corpus::Corpus;
use e2ee_harness::expectations::Expectations;
use e2ee_harness::impls::Implementation;
use e2ee_harness::report::Status;
use e2ee_harness::suite::{self, Job, Options, RunMode};
use e2ee_iut::hexbytes::{arr, bytes, hex_of};
use e2ee_iut::protocol::{Failure, Iut, MessageKind, Reply, Request};
use e2ee_spec::crypto::kdf;
use e2ee_spec::double_ratchet as dr;
use e2ee_spec::group::GroupProfile;
use e2ee_spec::party::{self, Party};
use e2ee_spec::profile::WireVariant;
use e2ee_spec::profiles::{olm_v1, signal_v3};
use e2ee_spec::session::{self, MessageKind as Kind, OneTimePrekeyRef, Ratchet, Session};
use e2ee_spec::{sender_keys, x3dh, AnyProfile, Profile};
use e2ee_vectors::spec_iut::{bundle_from_wire, SpecIut};
use std::collections::{BTreeMap, BTreeSet};

/// One mistake, as implementations make it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bug {
    /// Message keys are never deleted: a message delivered again decrypts again.
    ReplayAccepted,
    /// A skipped message key is kept after it was used.
    SkippedKeyKeptAfterUse,
    /// No bound on how far ahead a message may be (MAX_SKIP).
    SkipLimitUnenforced,
    /// Skipped keys are never evicted.
    SkippedStoreUnbounded,
    /// Old receiving chains are never evicted.
    ReceiverChainsUnbounded,
    /// The message MAC (or AEAD tag) is not checked.
    MacUnchecked,
    /// Header encryption: a header that fails to authenticate is read anyway.
    HeaderMacUnchecked,
    /// A normal message is tried with every session the party holds, whoever it came from.
    AnySessionDecrypts,
    /// AES-CBC: the PKCS#7 padding of an authenticated ciphertext is not checked.
    PaddingUnchecked,
    /// The version byte is not checked.
    VersionIgnored,
    /// signal-v3: a reader that wants its own low nibble (`0x34`) refuses the `0x33` that
    /// libsignal-protocol-java and its ports write.
    LegacyVersionRefused,
    /// A low-order ratchet key (all-zero DH output) is used.
    LowOrderRatchetKeyUnchecked,
    /// A low-order key in a bundle is used.
    LowOrderBundleKeyUnchecked,
    /// The responder uses a low-order base or identity key of a prekey message.
    LowOrderPrekeyMessageKeyUnchecked,
    /// The signed prekey's signature is not verified.
    SignatureUnchecked,
    /// XEdDSA: s is reduced mod L without the check s < 2^253 (libsignal's reduction without
    /// its range check), so s + 2L verifies.
    SignatureScalarReduced,
    /// XEdDSA: the top bits of s are masked off before verifying, so a signature with high
    /// bits set verifies.
    SignatureHighBitsMasked,
    /// PQXDH: the Kyber prekey's signature is not verified.
    KyberSignatureUnchecked,
    /// PQXDH: a bundle without a Kyber prekey falls back to X3DH.
    KyberPrekeyOptional,
    /// PQXDH: an X3DH prekey message is accepted by a PQXDH party.
    PqxdhDowngradeAccepted,
    /// A changed identity key is accepted: the pin is overwritten.
    IdentityUnpinned,
    /// A prekey message in a known peer's name with another identity key re-pins the peer
    /// before it is refused.
    RefusedPrekeyRepins,
    /// The one-time prekey is not deleted when a prekey message uses it.
    OneTimePrekeyKept,
    /// PQXDH: a one-time Kyber prekey is not deleted when used.
    OneTimeKyberPrekeyKept,
    /// A refused prekey message still deletes the one-time prekey it names.
    RefusedPrekeyConsumesPrekey,
    /// A prekey message without a one-time prekey id is read as naming id 0.
    AbsentReadAsZero,
    /// The signed prekey id of a prekey message is ignored: the latest signed prekey is used.
    SignedPrekeyIdIgnored,
    /// A failed decrypt deletes the session (a "reset on error" policy).
    FailedDecryptResetsSession,
    /// A refused bundle deletes the session the initiator had with that peer (it dropped
    /// the old session before verifying the new bundle).
    RefusedBundleDropsSession,
    /// DR §3.5: the previous chain's skipped keys (up to PN) are not stored at a DH step.
    PnIgnored,
    /// Snapshots leave out the one-time prekeys (kept in another store).
    SnapshotMissesPrekeys,
    /// Olm: a bundle without a one-time key is used anyway.
    MissingOneTimeKeyAccepted,
    /// Groups: a group message's key (or Megolm index) stays usable after it decrypted.
    GroupReplayAccepted,
    /// Groups: the group message's signature is not verified.
    GroupSignatureUnchecked,
    /// Sender Keys: no bound on how far ahead a group message may be.
    GroupForwardLimitUnenforced,
    /// Groups: a message no session of its named sender reads is tried with the sessions
    /// of the member's other senders.
    GroupAnySenderDecrypts,
    /// Groups: joining a distribution again starts its session afresh.
    DistributionRewinds,
    /// Franking: the recipient shows a message whatever T_F came with it.
    FrankingTagUnchecked,
    /// Franking: the commitment covers an attachment's digest and caption but not its key,
    /// as with a cipher trusted to commit (the non-committing variant).
    AttachmentKeyUncommitted,
    /// Franking: the recipient keeps every opening but never looks for its franking key
    /// among them, so a key reused (or a delivery replayed) opens a second message.
    FrankingKeyReuseAccepted,
    /// Franking: the recipient records a message's franking key before checking its T_F,
    /// so a refused delivery takes the key from the genuine one.
    RefusedFrankingKeyKept,
    /// Franking: a name over 65,535 bytes is cut to fit its u16 length prefix instead of
    /// refused.
    OversizedNameTruncated,
    /// Franking: a report carries the other messages the recipient kept (the recent
    /// conversation) after the one reported.
    ReportCarriesOtherMessages,
}

use Bug::*;

/// Every variant, the flags of which at least one must catch it, and the class it is filed under.
const BUGS: &[(Bug, &[&str])] = &[
    (
        ReplayAccepted,
        &["DuplicateMessage", "DuplicatePrekeyMessage"],
    ),
    (SkippedKeyKeptAfterUse, &["SkippedKeyReplay"]),
    (
        SkipLimitUnenforced,
        &[
            "SkipOverLimit",
            "FirstMessageOverLimit",
            "PreviousCounterOverLimit",
        ],
    ),
    (SkippedStoreUnbounded, &["SkippedKeyEvicted"]),
    (ReceiverChainsUnbounded, &["ReceiverChainEvicted"]),
    (MacUnchecked, &["TamperedCiphertext", "TamperedMac"]),
    (
        HeaderMacUnchecked,
        &[
            "TamperedEncryptedHeader",
            "TamperedHeaderNonce",
            "WrongHeaderKey",
        ],
    ),
    (AnySessionDecrypts, &["WrongSession"]),
    (PaddingUnchecked, &["AuthenticatedBadPadding"]),
    (VersionIgnored, &["TamperedVersion"]),
    (LegacyVersionRefused, &["LegacyVersionByte"]),
    (
        LowOrderRatchetKeyUnchecked,
        &["LowOrderRatchetKey", "LowOrderRatchetKeyAuthenticated"],
    ),
    (
        LowOrderBundleKeyUnchecked,
        &[
            "LowOrderSignedPrekey",
            "LowOrderIdentityKey",
            "LowOrderOneTimePrekey",
        ],
    ),
    (
        LowOrderPrekeyMessageKeyUnchecked,
        &[
            "LowOrderBaseKeyAuthenticated",
            "LowOrderIdentityKeyAuthenticated",
        ],
    ),
    (SignatureUnchecked, &["BadSignedPrekeySignature"]),
    (SignatureScalarReduced, &["SOutOfRange"]),
    (SignatureHighBitsMasked, &["SHighBitsMasked"]),
    (KyberSignatureUnchecked, &["BadKyberPrekeySignature"]),
    (KyberPrekeyOptional, &["MissingKyberPrekey"]),
    (PqxdhDowngradeAccepted, &["PqxdhDowngrade"]),
    (IdentityUnpinned, &["IdentityMismatch"]),
    (RefusedPrekeyRepins, &["FailedDecryptKeepsState"]),
    (OneTimePrekeyKept, &["OneTimePrekeyReuse"]),
    (OneTimeKyberPrekeyKept, &["OneTimeKyberPrekeyReuse"]),
    (
        RefusedPrekeyConsumesPrekey,
        &["FailedPrekeyMessageKeepsPrekey"],
    ),
    (AbsentReadAsZero, &["AbsentVersusZero"]),
    (SignedPrekeyIdIgnored, &["TamperedPrekeyField"]),
    (FailedDecryptResetsSession, &["FailedDecryptKeepsState"]),
    (RefusedBundleDropsSession, &["FailedInitiateKeepsSession"]),
    (PnIgnored, &["OutOfOrderAcrossRatchet"]),
    (SnapshotMissesPrekeys, &["StateRollback"]),
    (MissingOneTimeKeyAccepted, &["MissingOneTimePrekey"]),
    (
        GroupReplayAccepted,
        &["DuplicateMessage", "SkippedKeyReplay"],
    ),
    (
        GroupSignatureUnchecked,
        &["MemberForgery", "TamperedSignature", "TamperedCiphertext"],
    ),
    (GroupForwardLimitUnenforced, &["SkipOverLimit"]),
    (GroupAnySenderDecrypts, &["SenderBinding"]),
    (DistributionRewinds, &["DistributionRewind"]),
    (FrankingTagUnchecked, &["FrankingTagMismatch"]),
    (AttachmentKeyUncommitted, &["SalamanderAttachment"]),
    (FrankingKeyReuseAccepted, &["FrankingKeyReused"]),
    (RefusedFrankingKeyKept, &["RefusalKeepsNothing"]),
    (OversizedNameTruncated, &["OversizedName"]),
    (ReportCarriesOtherMessages, &["ReportRevealsOnlyItsMessage"]),
];

/// How many earlier states a variant that "keeps everything" remembers per party.
const HISTORY: usize = 64;

/// The spec with `bug`.
struct Mutant {
    spec: SpecIut,
    bug: Bug,
    /// Every message a party decrypted, with its plaintext: (party, message) → plaintext.
    decrypted: BTreeMap<(String, String), String>,
    /// The messages whose decryption used a skipped key.
    from_skipped: BTreeSet<(String, String)>,
    /// A party's states before each of its decrypts, newest last.
    history: BTreeMap<String, Vec<Party>>,
    /// Peer names the variant re-pinned: (party, peer) → the name it now uses with the spec.
    aliases: BTreeMap<(String, String), String>,
    /// (party, peer) pairs whose session the variant deleted.
    reset: BTreeSet<(String, String)>,
    /// The version byte of the last message each party decrypted.
    version_byte: BTreeMap<String, u8>,
}

impl Mutant {
    fn new(bug: Bug) -> Mutant {
        Mutant {
            spec: SpecIut::new(0),
            bug,
            decrypted: BTreeMap::new(),
            from_skipped: BTreeSet::new(),
            history: BTreeMap::new(),
            aliases: BTreeMap::new(),
            reset: BTreeSet::new(),
            version_byte: BTreeMap::new(),
        }
    }

    fn party(&self, handle: &str) -> Option<&Party> {
        self.spec.party(handle)
    }

    /// The peer name the spec knows this peer by.
    fn peer(&self, party: &str, peer: &str) -> String {
        self.aliases
            .get(&(party.to_string(), peer.to_string()))
            .cloned()
            .unwrap_or_else(|| peer.to_string())
    }

    fn repin(&mut self, party: &str, peer: &str) -> String {
        let alias = format!("{}'", self.peer(party, peer));
        self.aliases
            .insert((party.to_string(), peer.to_string()), alias.clone());
        alias
    }
}

fn accepted() -> Result<Reply, Failure> {
    Ok(Reply::Decrypted {
        plaintext: String::new(),
    })
}

fn class_of(r: &Result<Reply, Failure>) -> Option<&str> {
    match r {
        Err(Failure::Rejected { class, .. }) => Some(class),
        _ => None,
    }
}

fn skipped_count(p: &Party) -> usize {
    p.sessions
        .iter()
        .map(|s| match &s.ratchet {
            Ratchet::Plain(st) => st.skipped.len(),
            Ratchet::HeaderEncrypted(st) => st.skipped.len(),
        })
        .sum()
}

impl Mutant {
    /// The group requests, with the group variants' mistakes.
    fn group_call(&mut self, request: &Request) -> Result<Reply, Failure> {
        match request {
            Request::GroupJoin {
                party,
                sender,
                distribution,
            } if self.bug == DistributionRewinds => {
                let d = bytes(distribution)?;
                if let Some(m) = self.spec.member_mut(party) {
                    let id = match m.profile {
                        GroupProfile::SignalSkV3 => sender_keys::Distribution::decode(&d)
                            .map(|x| x.distribution_id.to_vec())
                            .unwrap_or_default(),
                        GroupProfile::MegolmV1 => d.get(133..165).unwrap_or_default().to_vec(),
                    };
                    m.inbound.retain(|(s, i, _)| !(s == sender && *i == id));
                }
                self.spec.call(request)
            }
            Request::GroupDecrypt {
                party,
                sender,
                session_id,
                message,
            } => {
                let before = self.spec.member(party).cloned();
                let result = self.spec.call(request);
                match (self.bug, class_of(&result)) {
                    // The acceptance that should not happen is what the tests look at.
                    (GroupSignatureUnchecked, Some("bad_signature"))
                    | (GroupForwardLimitUnenforced, Some("too_far_ahead")) => accepted(),
                    (GroupAnySenderDecrypts, Some("state_error")) => {
                        let others: Vec<String> = before
                            .iter()
                            .flat_map(|m| m.inbound.iter().map(|(s, _, _)| s.clone()))
                            .filter(|s| s != sender)
                            .collect();
                        for other in others {
                            let r = self.spec.call(&Request::GroupDecrypt {
                                party: party.clone(),
                                sender: other,
                                session_id: session_id.clone(),
                                message: message.clone(),
                            });
                            if r.is_ok() {
                                return r;
                            }
                        }
                        result
                    }
                    (GroupReplayAccepted, None) => {
                        if let (Some(slot), Some(before)) = (self.spec.member_mut(party), before) {
                            *slot = before;
                        }
                        result
                    }
                    _ => result,
                }
            }
            _ => self.spec.call(request),
        }
    }
}

impl Mutant {
    /// The franking recipient's requests, with the franking variants' mistakes.
    fn franking_call(&mut self, request: &Request) -> Result<Reply, Failure> {
        use e2ee_spec::franking::{self as fr, Context, Opening};
        match (self.bug, request) {
            (
                FrankingKeyReuseAccepted,
                Request::FrankOpen {
                    payload,
                    commitment,
                    server_tag,
                    sender,
                    recipient,
                    timestamp,
                },
            ) => {
                // Keeps the message whatever it kept before.
                let context = Context {
                    sender: bytes(sender)?,
                    recipient: bytes(recipient)?,
                    timestamp: *timestamp,
                };
                match fr::open(
                    &bytes(payload)?,
                    &arr(commitment)?,
                    &arr(server_tag)?,
                    &context,
                ) {
                    Ok(o) => {
                        let message = hex_of(&o.m);
                        self.spec.franking_mut().kept.push(o);
                        Ok(Reply::FrankOpened { message })
                    }
                    Err(_) => self.spec.call(request),
                }
            }
            (RefusedFrankingKeyKept, Request::FrankOpen { payload, .. }) => {
                let result = self.spec.call(request);
                let p = bytes(payload)?;
                if let (Err(_), Some(n_f), Some(m)) = (&result, p.get(1..33), p.get(33..)) {
                    // The key, recorded before anything was checked.
                    self.spec.franking_mut().kept.push(Opening {
                        message: fr::Message::Text(Vec::new()),
                        m: m.to_vec(),
                        n_f: n_f.try_into().unwrap_or_default(),
                        r_f: [0; 32],
                        context: Context {
                            sender: Vec::new(),
                            recipient: Vec::new(),
                            timestamp: 0,
                        },
                    });
                }
                result
            }
            (
                OversizedNameTruncated,
                Request::FrankOpen {
                    payload,
                    commitment,
                    server_tag,
                    sender,
                    recipient,
                    timestamp,
                },
            ) => {
                let cut = |h: &String| -> Result<String, Failure> {
                    let b = bytes(h)?;
                    Ok(hex_of(&b[..b.len().min(65_535)]))
                };
                self.spec.call(&Request::FrankOpen {
                    payload: payload.clone(),
                    commitment: commitment.clone(),
                    server_tag: server_tag.clone(),
                    sender: cut(sender)?,
                    recipient: cut(recipient)?,
                    timestamp: *timestamp,
                })
            }
            (ReportCarriesOtherMessages, Request::FrankReport { commitment }) => {
                let mut reply = self.spec.call(request)?;
                if let Reply::Reported { message, .. } = &mut reply {
                    let t_f = bytes(commitment)?;
                    for other in &self.spec.franking_mut().kept {
                        if fr::commitment(&other.n_f, &other.m)[..] != t_f[..] {
                            message.push_str(&hex_of(&other.m));
                        }
                    }
                }
                Ok(reply)
            }
            _ => self.spec.call(request),
        }
    }
}

impl Iut for Mutant {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        if matches!(
            request,
            Request::GroupCreate { .. }
                | Request::GroupShare { .. }
                | Request::GroupJoin { .. }
                | Request::GroupEncrypt { .. }
                | Request::GroupDecrypt { .. }
        ) {
            return self.group_call(request);
        }
        match request {
            Request::Frank {
                franking_key,
                message,
            } if self.bug == AttachmentKeyUncommitted => {
                let result = self.spec.call(request);
                let (Ok(Reply::Franked { payload, .. }), Ok(n_f), Ok(mut m)) =
                    (&result, arr::<32>(franking_key), bytes(message))
                else {
                    return result;
                };
                if m.first() == Some(&e2ee_spec::franking::KIND_ATTACHMENT) && m.len() > 32 {
                    m[1..33].fill(0);
                }
                Ok(Reply::Franked {
                    payload: payload.clone(),
                    commitment: hex_of(&kdf::hmac_sha256(&n_f, &m)),
                })
            }
            Request::FrankOpen { .. } | Request::FrankReport { .. }
                if matches!(
                    self.bug,
                    FrankingKeyReuseAccepted
                        | RefusedFrankingKeyKept
                        | OversizedNameTruncated
                        | ReportCarriesOtherMessages
                ) =>
            {
                self.franking_call(request)
            }
            Request::FrankOpen {
                payload,
                server_tag,
                sender,
                recipient,
                timestamp,
                ..
            } if self.bug == FrankingTagUnchecked => {
                // The commitment it should have checked, made up from the payload itself.
                let p = bytes(payload)?;
                let commitment = match (p.get(1..33), p.get(33..)) {
                    (Some(n_f), Some(m)) => hex_of(&kdf::hmac_sha256(n_f, m)),
                    _ => String::new(),
                };
                self.spec.call(&Request::FrankOpen {
                    payload: payload.clone(),
                    commitment,
                    server_tag: server_tag.clone(),
                    sender: sender.clone(),
                    recipient: recipient.clone(),
                    timestamp: *timestamp,
                })
            }
            Request::Decrypt { party, message, .. } if self.bug == LegacyVersionRefused => {
                let v3 = self
                    .party(party)
                    .is_some_and(|p| p.profile == Profile::SignalV3);
                let m = bytes(message)?;
                if v3
                    && m.first()
                        .is_some_and(|b| b & 0x0f != signal_v3::CURRENT_VERSION)
                {
                    return Err(Failure::Rejected {
                        class: "decode_error".into(),
                        detail: "unknown message version".into(),
                    });
                }
                self.spec.call(request)
            }
            Request::Reset {} => {
                let bug = self.bug;
                *self = Mutant::new(bug);
                self.spec.call(request)
            }
            Request::Decrypt {
                party,
                peer,
                kind,
                message,
                ratchet_private,
            } => {
                let key = (party.clone(), peer.clone());
                if self.reset.contains(&key) {
                    return Err(Failure::Rejected {
                        class: "state_error".into(),
                        detail: "session deleted after a failed decrypt".into(),
                    });
                }
                let m = bytes(message)?;
                let mut req = Request::Decrypt {
                    party: party.clone(),
                    peer: self.peer(party, peer),
                    kind: *kind,
                    message: message.clone(),
                    ratchet_private: ratchet_private.clone(),
                };
                let before = self.party(party).cloned();
                let Some(before) = before else {
                    return self.spec.call(&req);
                };
                if self.bug == AbsentReadAsZero {
                    if let Some(zeroed) = absent_as_zero(&before, *kind, &m) {
                        req = with_message(&req, &zeroed);
                    }
                }
                if matches!(self.bug, SkippedStoreUnbounded | ReceiverChainsUnbounded) {
                    let h = self.history.entry(party.clone()).or_default();
                    h.push(before.clone());
                    if h.len() > HISTORY {
                        h.remove(0);
                    }
                }
                let result = self.spec.call(&req);
                let result = self.after_decrypt(party, peer, &req, &before, *kind, &m, result);
                if let Ok(Reply::Decrypted { plaintext }) = &result {
                    self.decrypted
                        .insert((party.clone(), message.clone()), plaintext.clone());
                    if let Some(first) = m.first() {
                        self.version_byte.insert(party.clone(), *first);
                    }
                }
                result
            }
            Request::Initiate {
                party,
                peer,
                bundle,
                ..
            } => {
                let result = self.spec.call(request);
                let key = (party.clone(), peer.clone());
                match (&result, self.bug) {
                    (Ok(_), _) => {
                        self.reset.remove(&key);
                    }
                    (Err(_), RefusedBundleDropsSession) => {
                        self.reset.insert(key);
                    }
                    _ => {}
                }
                let Some(profile) = self.party(party).map(|p| p.profile) else {
                    return result;
                };
                let signature_ok = || {
                    bundle_from_wire(bundle).is_ok_and(|b| {
                        x3dh::verify_prekey_signature(
                            &b.identity_key,
                            &b.signed_prekey,
                            &b.signed_prekey_signature,
                        )
                        .is_ok()
                    })
                };
                let skip = match (self.bug, class_of(&result)) {
                    (LowOrderBundleKeyUnchecked, Some("invalid_key")) => true,
                    (SignatureUnchecked, Some("bad_signature")) => !signature_ok(),
                    (SignatureScalarReduced, Some("bad_signature")) => {
                        verifies_with(bundle, reduce_s)
                    }
                    (SignatureHighBitsMasked, Some("bad_signature")) => {
                        verifies_with(bundle, mask_s)
                    }
                    (KyberSignatureUnchecked, Some("bad_signature")) => signature_ok(),
                    (KyberPrekeyOptional, Some("decode_error")) => {
                        profile.post_quantum() && bundle.kyber_prekey.is_none()
                    }
                    (MissingOneTimeKeyAccepted, Some("unknown_prekey")) => {
                        profile == Profile::OlmV1 && bundle.one_time_prekey.is_none()
                    }
                    _ => false,
                };
                match skip {
                    // The session the mistake would start is not modelled: the refusal that
                    // did not happen is what the tests look at.
                    true => Ok(Reply::Done),
                    false => result,
                }
            }
            Request::Encrypt { party, peer, .. } => {
                if self.reset.contains(&(party.clone(), peer.clone())) {
                    return Err(Failure::Rejected {
                        class: "state_error".into(),
                        detail: "session deleted after a failed decrypt".into(),
                    });
                }
                let mut req = request.clone();
                if let Request::Encrypt { peer: p, .. } = &mut req {
                    *p = self.peer(party, peer);
                }
                self.spec.call(&req)
            }
            Request::Restore { party, .. } if self.bug == SnapshotMissesPrekeys => {
                let kept = self.party(party).map(|p| p.one_time_prekeys.clone());
                let result = self.spec.call(request);
                if let (Ok(_), Some(kept), Some(p)) = (&result, kept, self.spec.party_mut(party)) {
                    p.one_time_prekeys = kept;
                }
                result
            }
            _ => self.spec.call(request),
        }
    }
}

/// Whether the bundle's signatures verify once `lenient` has rewritten each: what a verifier
/// with that leniency accepts.
fn verifies_with(bundle: &e2ee_iut::protocol::Bundle, lenient: fn(&mut [u8; 64])) -> bool {
    let Ok(mut b) = bundle_from_wire(bundle) else {
        return false;
    };
    lenient(&mut b.signed_prekey_signature);
    let x3dh_ok = x3dh::verify_prekey_signature(
        &b.identity_key,
        &b.signed_prekey,
        &b.signed_prekey_signature,
    )
    .is_ok();
    let kyber_ok = b.kyber_prekey.as_mut().is_none_or(|k| {
        lenient(&mut k.signature);
        e2ee_spec::crypto::xeddsa::verify(&b.identity_key, &k.public, &k.signature).is_ok()
    });
    x3dh_ok && kyber_ok
}

/// s (bytes 32..64, libsignal's sign bit in the top bit cleared) reduced mod L.
fn reduce_s(sig: &mut [u8; 64]) {
    let sign = sig[63] & 0x80;
    let mut s: [u8; 32] = sig[32..].try_into().expect("32 bytes");
    s[31] &= 0x7f;
    let reduced = curve25519_dalek::Scalar::from_bytes_mod_order(s).to_bytes();
    sig[32..].copy_from_slice(&reduced);
    sig[63] |= sign;
}

/// s with bits 253 and 254 cleared (the sign bit kept).
fn mask_s(sig: &mut [u8; 64]) {
    sig[63] &= 0x9f;
}

fn with_message(req: &Request, message: &[u8]) -> Request {
    let mut r = req.clone();
    if let Request::Decrypt { message: m, .. } = &mut r {
        *m = hex_of(message);
    }
    r
}

/// The wire variant that wrote `m` (its first byte), so a re-encoded copy keeps it.
fn writer(profile: Profile, m: &[u8]) -> WireVariant {
    m.first()
        .and_then(|b| WireVariant::from_version_byte(profile, *b))
        .unwrap_or_default()
}

/// A prekey message without a one-time prekey id, re-encoded with id 0 (protobuf's default).
fn absent_as_zero(p: &Party, kind: MessageKind, m: &[u8]) -> Option<Vec<u8>> {
    if kind != MessageKind::Prekey || p.profile == Profile::OlmV1 {
        return None;
    }
    let mut prekey = session::decode_prekey_message(p.profile, m).ok()?;
    if prekey.header.one_time_prekey.is_some() {
        return None;
    }
    prekey.header.one_time_prekey = Some(OneTimePrekeyRef::Id(0));
    session::encode_prekey_message(p.profile, writer(p.profile, m), &prekey).ok()
}

impl Mutant {
    #[allow(clippy::too_many_arguments)]
    fn after_decrypt(
        &mut self,
        party: &str,
        peer: &str,
        req: &Request,
        before: &Party,
        kind: MessageKind,
        m: &[u8],
        result: Result<Reply, Failure>,
    ) -> Result<Reply, Failure> {
        let key = (party.to_string(), hex_of(m));
        let class = class_of(&result).map(str::to_string);
        let Request::Decrypt {
            ratchet_private, ..
        } = req
        else {
            return result;
        };
        let fresh: [u8; 32] = match ratchet_private {
            Some(h) => arr(h).unwrap_or([0; 32]),
            None => [0; 32],
        };
        let spec_kind = match kind {
            MessageKind::Prekey => Kind::PreKey,
            MessageKind::Normal => Kind::Normal,
        };
        let prekey = (kind == MessageKind::Prekey)
            .then(|| session::decode_prekey_message(before.profile, m).ok())
            .flatten();
        let Some(class) = class else {
            // Accepted: the mistakes made on success.
            let after = self.party(party).cloned();
            let Some(after) = after else { return result };
            match self.bug {
                SkippedKeyKeptAfterUse if skipped_count(&after) < skipped_count(before) => {
                    self.from_skipped.insert(key);
                }
                OneTimePrekeyKept => {
                    if let Some(p) = self.spec.party_mut(party) {
                        p.one_time_prekeys = before.one_time_prekeys.clone();
                    }
                }
                OneTimeKyberPrekeyKept => {
                    if let Some(p) = self.spec.party_mut(party) {
                        p.kyber_prekeys = before.kyber_prekeys.clone();
                    }
                }
                PnIgnored if before.profile.skips_previous_chain() => {
                    if let Some(p) = self.spec.party_mut(party) {
                        drop_previous_chain_keys(before, p);
                    }
                }
                _ => {}
            }
            return result;
        };
        let seen = self.decrypted.get(&key).cloned();
        let replayed = |plaintext: Option<String>| match plaintext {
            Some(plaintext) => Ok(Reply::Decrypted { plaintext }),
            None => result.clone(),
        };
        match (self.bug, class.as_str()) {
            (ReplayAccepted, _) if seen.is_some() => replayed(seen),
            (SkippedKeyKeptAfterUse, _) if self.from_skipped.contains(&key) => replayed(seen),
            (SkipLimitUnenforced, "too_far_ahead") => accepted(),
            (SkippedStoreUnbounded, "duplicate_message") if seen.is_none() => self
                .decrypt_with_history(party, spec_kind, m, &fresh)
                .unwrap_or(result),
            (ReceiverChainsUnbounded, "auth_failure") if seen.is_none() => self
                .decrypt_with_history(party, spec_kind, m, &fresh)
                .unwrap_or(result),
            (MacUnchecked, "auth_failure") => accepted(),
            (HeaderMacUnchecked, "auth_failure") if before.header_encryption => accepted(),
            (AnySessionDecrypts, "auth_failure") if kind == MessageKind::Normal => {
                let any = before.sessions.iter().any(|s| {
                    party::decrypt(before, &s.remote_identity, spec_kind, m, &fresh).is_ok()
                });
                if any {
                    accepted()
                } else {
                    result
                }
            }
            (PaddingUnchecked, "auth_failure" | "decode_error") => {
                if mac_verifies(before, kind, m) {
                    accepted()
                } else {
                    result
                }
            }
            (VersionIgnored, "decode_error" | "auth_failure") => {
                match self.version_byte.get(party) {
                    Some(v) if m.first() != Some(v) && !m.is_empty() => {
                        let mut fixed = m.to_vec();
                        fixed[0] = *v;
                        let retried = self.spec.call(&with_message(req, &fixed));
                        if retried.is_ok() {
                            retried
                        } else {
                            result
                        }
                    }
                    _ => result,
                }
            }
            (LowOrderRatchetKeyUnchecked, "invalid_key") if kind == MessageKind::Normal => {
                accepted()
            }
            (LowOrderPrekeyMessageKeyUnchecked, "invalid_key") if kind == MessageKind::Prekey => {
                // A new session: the base and identity keys of a known one were checked.
                let new_session = prekey.as_ref().is_some_and(|pm| {
                    !before
                        .sessions
                        .iter()
                        .any(|s| session::belongs(s, &pm.header))
                });
                if new_session {
                    accepted()
                } else {
                    result
                }
            }
            (PqxdhDowngradeAccepted, "decode_error") if before.profile.post_quantum() => {
                let x3dh = m.first().is_some_and(|b| *b >> 4 == 3);
                if kind == MessageKind::Prekey && x3dh {
                    accepted()
                } else {
                    result
                }
            }
            (IdentityUnpinned, "untrusted_identity") => {
                let alias = self.repin(party, peer);
                let mut retry = req.clone();
                if let Request::Decrypt { peer: p, .. } = &mut retry {
                    *p = alias;
                }
                self.spec.call(&retry)
            }
            (RefusedPrekeyRepins, "untrusted_identity") => {
                self.repin(party, peer);
                result
            }
            (RefusedPrekeyConsumesPrekey, _) => {
                if let (Some(prekey), Some(p)) = (&prekey, self.spec.party_mut(party)) {
                    match prekey.header.one_time_prekey {
                        Some(OneTimePrekeyRef::Id(id)) => {
                            p.one_time_prekeys.retain(|(i, _)| *i != id)
                        }
                        Some(OneTimePrekeyRef::Key(k)) => {
                            p.one_time_prekeys.retain(|(_, pair)| pair.public != k)
                        }
                        None => {}
                    }
                }
                result
            }
            (SignedPrekeyIdIgnored, "unknown_prekey") => {
                let latest = before.signed_prekeys.last().map(|(id, _, _)| *id);
                match (prekey, latest) {
                    (Some(mut prekey), Some(latest))
                        if prekey.header.signed_prekey_id != latest
                            && !before
                                .signed_prekeys
                                .iter()
                                .any(|(id, _, _)| *id == prekey.header.signed_prekey_id) =>
                    {
                        prekey.header.signed_prekey_id = latest;
                        let wire = writer(before.profile, m);
                        let Ok(m) = session::encode_prekey_message(before.profile, wire, &prekey)
                        else {
                            return self.spec.call(req);
                        };
                        let retried = self.spec.call(&with_message(req, &m));
                        if retried.is_ok() {
                            retried
                        } else {
                            result
                        }
                    }
                    _ => result,
                }
            }
            (FailedDecryptResetsSession, _) => {
                let had = match &prekey {
                    Some(p) => before.session(&p.header.identity_key).is_some(),
                    None => !before.sessions.is_empty(),
                };
                if had {
                    self.reset.insert((party.to_string(), peer.to_string()));
                }
                result
            }
            _ => result,
        }
    }

    /// The message decrypted by one of the party's earlier states, as an implementation that
    /// never forgets a key would decrypt it.
    fn decrypt_with_history(
        &self,
        party: &str,
        kind: Kind,
        m: &[u8],
        fresh: &[u8; 32],
    ) -> Option<Result<Reply, Failure>> {
        let history = self.history.get(party)?;
        for old in history.iter().rev() {
            for s in &old.sessions {
                if let Ok((_, plaintext)) = party::decrypt(old, &s.remote_identity, kind, m, fresh)
                {
                    return Some(Ok(Reply::Decrypted {
                        plaintext: hex_of(&plaintext),
                    }));
                }
            }
        }
        None
    }
}

/// The skipped keys the last decrypt stored for a chain other than the new current one:
/// those of the previous chain, which PN announced. An implementation ignoring PN has none.
fn drop_previous_chain_keys(before: &Party, after: &mut Party) {
    for s in after.sessions.iter_mut() {
        let old = before.session(&s.remote_identity);
        let Ratchet::Plain(st) = &mut s.ratchet else {
            continue;
        };
        let Some(current) = st.receiver_chains.first().map(|c| c.dh_r) else {
            continue;
        };
        let known: Vec<dr::SkippedKey> = match old.map(|o| &o.ratchet) {
            Some(Ratchet::Plain(o)) => o.skipped.clone(),
            _ => Vec::new(),
        };
        st.skipped
            .retain(|k| known.contains(k) || k.dh_r == current);
    }
}

/// Whether the message's MAC verifies under the key its header names in the party's
/// session: then a refusal came from what the MAC covers (the padding), not the MAC.
fn mac_verifies(p: &Party, kind: MessageKind, m: &[u8]) -> bool {
    let Some(v) = p.profile.libsignal_version().or(match p.profile {
        Profile::OlmV1 => Some(0),
        _ => None,
    }) else {
        return false;
    };
    let inner = match kind {
        MessageKind::Normal => m.to_vec(),
        MessageKind::Prekey => match session::decode_prekey_message(p.profile, m) {
            Ok(prekey) => prekey.message,
            Err(_) => return false,
        },
    };
    if inner.len() < 9 {
        return false;
    }
    let header = match p.profile {
        Profile::OlmV1 => olm_v1::parse_header(&inner),
        _ => signal_v3::parse_header(v, &inner),
    };
    let Ok(header) = header else { return false };
    p.sessions
        .iter()
        .any(|s| message_key(s, &header).is_some_and(|mk| mac_ok(s, &mk, &inner)))
}

/// The key of message `header.n` of the chain of `header.dh`, if the session has that chain.
fn message_key(s: &Session, header: &dr::Header) -> Option<[u8; 32]> {
    let Ratchet::Plain(st) = &s.ratchet else {
        return None;
    };
    if let Some(k) = st
        .skipped
        .iter()
        .find(|k| k.dh_r == header.dh && k.n == header.n)
    {
        return Some(k.mk);
    }
    let chain = st.receiver_chains.iter().find(|c| c.dh_r == header.dh)?;
    if header.n < chain.n_r || header.n - chain.n_r > 100 {
        return None;
    }
    let mut ck = chain.ck_r;
    for _ in chain.n_r..header.n {
        ck = dr::kdf_ck(&ck).0;
    }
    Some(dr::kdf_ck(&ck).1)
}

fn mac_ok(s: &Session, mk: &[u8; 32], inner: &[u8]) -> bool {
    let (body, tag) = inner.split_at(inner.len() - 8);
    match s.profile {
        Profile::OlmV1 => {
            let (_, mac_key, _) = olm_v1::message_keys(mk);
            kdf::verify_hmac_sha256_truncated(&mac_key, body, tag).is_ok()
        }
        _ => {
            let (_, mac_key, _) = signal_v3::message_keys(mk);
            let ad = session::direction_ad(s, false);
            kdf::verify_hmac_sha256_truncated(&mac_key, &[&ad[..], body].concat(), tag).is_ok()
        }
    }
}

/// A correct variant when it says so: the spec writing `0x33` in every `signal-v3` party, as
/// libsignal-protocol-java and its ports do. `declared` puts that in its `hello`; without it
/// the departure is undeclared, and byte-for-byte replay must fail it.
fn legacy_writer(declared: bool) -> Implementation {
    let mut hello = SpecIut::hello();
    hello.version_bytes = if declared {
        BTreeMap::from([("signal-v3".to_string(), vec!["33".to_string()])])
    } else {
        BTreeMap::new()
    };
    Implementation {
        name: "legacy_writer".into(),
        iut: Box::new(LegacyWriter {
            spec: SpecIut::new(0),
        }),
        hello,
    }
}

struct LegacyWriter {
    spec: SpecIut,
}

impl Iut for LegacyWriter {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        match request {
            Request::CreateParty { profile, .. } if profile == Profile::SignalV3.name() => {
                let mut r = request.clone();
                if let Request::CreateParty { version_byte, .. } = &mut r {
                    *version_byte = Some("33".into());
                }
                self.spec.call(&r)
            }
            _ => self.spec.call(request),
        }
    }
}

/// A correct variant: the spec behind a protobuf reader stricter than protobuf requires, which
/// refuses a message (prekey wrapper or the message inside it) with a repeated or unknown field
/// number. No honest sender writes one, so refusing it must cost nothing.
struct StrictReader {
    spec: SpecIut,
}

impl Iut for StrictReader {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        if let Request::Decrypt { party, message, .. } = request {
            let profile = self.spec.party(party).map(|p| p.profile);
            let m = bytes(message)?;
            if profile.is_some_and(|p| p != Profile::Modern) && !canonical_fields(&m) {
                return Err(Failure::Rejected {
                    class: "decode_error".into(),
                    detail: "repeated or unknown protobuf field".into(),
                });
            }
        }
        self.spec.call(request)
    }
}

/// Whether `m` (a version byte and protobuf fields, then an 8-byte MAC for a normal message)
/// has each field number at most once and none above 8; a prekey wrapper's message (field 4)
/// is looked into.
fn canonical_fields(m: &[u8]) -> bool {
    use e2ee_spec::wire::protobuf::{fields, Value};
    let ok = |body: &[u8]| -> Option<Vec<(u32, Vec<u8>)>> {
        let f = fields(body).ok()?;
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (n, v) in f {
            if n > 8 || !seen.insert(n) {
                return None;
            }
            if let Value::Bytes(b) = v {
                out.push((n, b.to_vec()));
            }
        }
        Some(out)
    };
    if m.len() < 9 {
        return true;
    }
    // A prekey wrapper parses as a whole; a normal message only without its MAC.
    if let Some(f) = ok(&m[1..]) {
        if let Some((_, inner)) = f.iter().find(|(n, _)| *n == 4) {
            if inner.len() > 9 && ok(&inner[1..inner.len() - 8]).is_none() {
                return false;
            }
        }
        return true;
    }
    ok(&m[1..m.len() - 8]).is_some() || fields(&m[1..m.len() - 8]).is_err()
}

// ---- the score ---------------------------------------------------------------------------

/// The known answers, and of interop only franking's conversation over a live session
/// ([`scored`]): the rest of interop replays the traces the known answers already hold.
fn options() -> Options {
    Options {
        failures_dir: std::env::temp_dir().join("e2ee-conform-mutant-failures"),
        ..support::options(
            vec![RunMode::Kat, RunMode::Interop],
            AnyProfile::ALL.to_vec(),
            16,
        )
    }
}

fn scored(p: &suite::Planned) -> bool {
    p.mode == RunMode::Kat || matches!(p.job, Job::FrankingSession { .. })
}

/// Each failing test of a run, with its flags.
fn failures(imp: Implementation, corpus: &Corpus) -> Vec<(String, Vec<String>)> {
    run(imp, corpus).0
}

/// Each failing test of a run, with its flags, and how many passing tests carry `note`.
fn run(mut imp: Implementation, corpus: &Corpus) -> (Vec<(String, Vec<String>)>, usize) {
    let opts = options();
    let plan: Vec<suite::Planned> = suite::plan(&imp.hello, &opts, corpus)
        .into_iter()
        .filter(scored)
        .collect();
    assert!(plan.len() > 100, "the suite is not empty");
    let mut tolerated = 0;
    let failed = plan
        .iter()
        .filter_map(|p| {
            let r = suite::run_one(&mut imp, p, &opts, &Expectations::default());
            let flags = match &p.job {
                Job::Trace { test, .. } => test.flags.clone(),
                Job::Scenario {
                    profile,
                    header_encryption,
                    scenario,
                    limits,
                    seed,
                    ..
                } => scenario
                    .build(*profile, *header_encryption, limits, *seed)
                    .map(|t| t.flags)
                    .unwrap_or_default(),
                Job::GroupTrace { test, .. } => test.flags.clone(),
                Job::Franking(test) => test.flags.clone(),
                Job::FrankingSession { .. } => e2ee_harness::franking_session::FLAGS
                    .iter()
                    .map(|f| f.to_string())
                    .collect(),
                Job::Props { .. } | Job::GroupProps { .. } | Job::Xeddsa(_) => Vec::new(),
            };
            tolerated += usize::from(r.notes.iter().any(|n| n.contains(STRICTER)));
            (r.status == Status::Fail).then_some((r.id, flags))
        })
        .collect();
    (failed, tolerated)
}

/// The note of a refusal an acceptable test tolerates (vectors/src/engine.rs).
const STRICTER: &str = "a stricter reader may refuse this encoding";

fn name(bug: Bug) -> String {
    let debug = format!("{bug:?}");
    let mut out = String::new();
    for (i, c) in debug.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[test]
fn every_single_bug_variant_is_caught_and_the_correct_variants_pass() {
    let opts = options();
    let corpus = e2ee_harness::corpus::load(&opts.vectors, &opts.profiles).expect("vectors");
    assert!(BUGS.len() >= 25, "{} variants", BUGS.len());
    let mut lines = Vec::new();
    let mut missed = Vec::new();
    for (bug, catching) in BUGS {
        let failed = failures(
            Implementation {
                name: name(*bug),
                iut: Box::new(Mutant::new(*bug)),
                hello: SpecIut::hello(),
            },
            &corpus,
        );
        let caught: Vec<&String> = failed
            .iter()
            .filter(|(_, flags)| flags.iter().any(|f| catching.contains(&f.as_str())))
            .map(|(id, _)| id)
            .collect();
        lines.push(format!(
            "  {:<40} {:>4} failing, {:>4} by {}{}",
            name(*bug),
            failed.len(),
            caught.len(),
            catching.join("/"),
            caught
                .first()
                .map(|id| format!(" (e.g. {id})"))
                .unwrap_or_default()
        ));
        if caught.is_empty() {
            missed.push(name(*bug));
        }
    }
    let correct: Vec<(&str, Implementation)> = vec![
        (
            "spec",
            Implementation {
                name: "spec".into(),
                iut: Box::new(SpecIut::new(0)),
                hello: SpecIut::hello(),
            },
        ),
        ("reordered_protobuf_fields", reordered::implementation()),
        ("legacy_version_byte_writer", legacy_writer(true)),
        (
            "strict_protobuf_reader",
            Implementation {
                name: "strict".into(),
                iut: Box::new(StrictReader {
                    spec: SpecIut::new(0),
                }),
                hello: SpecIut::hello(),
            },
        ),
    ];
    let mut blamed = Vec::new();
    for (what, imp) in correct {
        let (failed, tolerated) = run(imp, &corpus);
        lines.push(format!(
            "  correct: {what:<31} {:>4} failing, {tolerated} refusals of tolerated encodings",
            failed.len()
        ));
        // The strict reader must have refused something, or it shows nothing.
        if what == "strict_protobuf_reader" && tolerated == 0 {
            blamed.push(format!("{what} refused nothing"));
        }
        if !failed.is_empty() {
            blamed.push(format!("{what}: {:?}", &failed[..failed.len().min(5)]));
        }
    }
    // The same writer that does not declare its version byte departs from the profile
    // silently: replayed as a 0x34 writer, it must fail.
    let undeclared = failures(legacy_writer(false), &corpus);
    lines.push(format!(
        "  undeclared legacy writer: {:>4} failing (must be > 0)",
        undeclared.len()
    ));
    let caught = BUGS.len() - missed.len();
    println!(
        "single-bug score: {caught}/{} variants caught ({} %), correct variants blamed: {}\n{}",
        BUGS.len(),
        caught * 100 / BUGS.len(),
        blamed.len(),
        lines.join("\n")
    );
    assert!(missed.is_empty(), "not caught: {missed:?}");
    assert!(blamed.is_empty(), "correct variants failed: {blamed:?}");
    assert!(
        !undeclared.is_empty(),
        "a 0x33 writer that does not declare it passed byte-for-byte replay"
    );
}

/// Property mode on its own finds the group variants whose mistake a random conversation
/// reaches (replays, tampered signatures, rejoins that rewind), and passes the spec and the
/// reordered-fields variant: random scripts are judged as fairly as the vectors.
#[test]
fn group_property_mode_catches_group_variants_and_passes_correct_ones() {
    let opts = Options {
        failures_dir: std::env::temp_dir().join("e2ee-conform-mutant-failures"),
        ..support::options(vec![RunMode::Props], GroupProfile::ALL.to_vec(), 48)
    };
    let corpus = e2ee_harness::corpus::load(&opts.vectors, &opts.profiles).expect("vectors");
    let props = |mut imp: Implementation| -> Vec<(String, Status, String)> {
        let plan = suite::plan(&imp.hello, &opts, &corpus);
        let jobs: Vec<_> = plan
            .iter()
            .filter(|p| matches!(p.job, Job::GroupProps { .. }))
            .collect();
        assert_eq!(
            jobs.len(),
            GroupProfile::ALL.len(),
            "one props job per group profile"
        );
        jobs.iter()
            .map(|p| {
                let r = suite::run_one(&mut imp, p, &opts, &Expectations::default());
                (r.id, r.status, r.detail)
            })
            .collect()
    };
    for bug in [
        GroupReplayAccepted,
        GroupSignatureUnchecked,
        DistributionRewinds,
    ] {
        let results = props(Implementation {
            name: name(bug),
            iut: Box::new(Mutant::new(bug)),
            hello: SpecIut::hello(),
        });
        for (id, status, detail) in &results {
            assert_eq!(
                *status,
                Status::Fail,
                "{}: {id} not caught: {detail}",
                name(bug)
            );
            // The shrunk script is written out, and replaying it fails the variant again.
            let path = detail
                .split("minimal script written to ")
                .nth(1)
                .and_then(|rest| rest.split(" (replay").next())
                .unwrap_or_else(|| panic!("{id}: no script in {detail}"));
            let mut imp = Implementation {
                name: name(bug),
                iut: Box::new(Mutant::new(bug)),
                hello: SpecIut::hello(),
            };
            let replayed = suite::replay(
                &mut imp,
                std::path::Path::new(path),
                &Expectations::default(),
            )
            .expect("the written script loads");
            assert!(
                replayed.iter().any(|r| r.status == Status::Fail),
                "{id}: the shrunk script {path} does not fail again: {replayed:?}"
            );
        }
    }
    for imp in [
        Implementation {
            name: "spec".into(),
            iut: Box::new(SpecIut::new(0)),
            hello: SpecIut::hello(),
        },
        reordered::implementation(),
    ] {
        for (id, status, detail) in props(imp) {
            assert_eq!(status, Status::Pass, "{id}: {detail}");
        }
    }
}

/// Franking's conversation over a live signal-v3 session on its own: as the recipient, a
/// variant that accepts a reused franking key and one whose report carries the other
/// messages it kept each fail it, at the step that shows the mistake; the spec passes it in
/// both roles.
#[test]
fn the_live_franking_conversation_catches_the_recipients_variants() {
    let opts = Options {
        filter: glob::Pattern::new("interop/franking/franking.session.*").ok(),
        ..options()
    };
    let corpus = e2ee_harness::corpus::load(&opts.vectors, &opts.profiles).expect("vectors");
    let session = |iut: Box<dyn Iut>| -> Vec<(String, Status, String)> {
        let mut imp = Implementation {
            name: "variant".into(),
            iut,
            hello: SpecIut::hello(),
        };
        let plan = suite::plan(&imp.hello, &opts, &corpus);
        assert_eq!(plan.len(), 2, "one conversation per role");
        plan.iter()
            .map(|p| {
                let r = suite::run_one(&mut imp, p, &opts, &Expectations::default());
                (r.id, r.status, r.detail)
            })
            .collect()
    };
    for (id, status, detail) in session(Box::new(SpecIut::new(0))) {
        assert_eq!(status, Status::Pass, "{id}: {detail}");
    }
    for (bug, finding) in [
        (
            FrankingKeyReuseAccepted,
            "m4: bob (the IUT): frank_open: expected error duplicate_message, but the IUT accepted",
        ),
        (
            ReportCarriesOtherMessages,
            "m1: bob (the IUT): frank_report: the report carries its message M of another message",
        ),
    ] {
        let results = session(Box::new(Mutant::new(bug)));
        let (id, status, detail) = results
            .iter()
            .find(|(id, ..)| id.ends_with("@bob"))
            .expect("bob's conversation");
        assert_eq!(*status, Status::Fail, "{}: {id} passed", name(bug));
        assert!(detail.starts_with(finding), "{}: {id}: {detail}", name(bug));
    }
}
