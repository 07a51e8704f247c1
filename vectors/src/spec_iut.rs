//! The spec as an implementation under test: `--impl spec` in process, and behind
//! `e2ee-conform shim` as the reference shim.
//!
//! Randomness the runner does not inject comes from `rng::Rng` seeded at
//! construction, so a run of the spec is reproducible either way.

use crate::limits::Declared;
use crate::rng::Rng;
use e2ee_iut::hexbytes::{arr, bytes, hex_of};
use e2ee_iut::protocol::{
    class_in_minor, Bundle, DeclaredLimits, Failure, Hello, Iut, MessageKind, Reply, Request,
    LIMITS_MINOR, PROTOCOL_MINOR, PROTOCOL_VERSION, XEDDSA_VERIFY,
};
use e2ee_spec::crypto::kem;
use e2ee_spec::franking;
use e2ee_spec::group::{GroupProfile, Member, SenderDraws};
use e2ee_spec::party::{self, KemPrekeyInput, Party, PartyUpdate};
use e2ee_spec::pqxdh::SignedKemPrekey;
use e2ee_spec::profile::WireVariant;
use e2ee_spec::profiles::signal_v4;
use e2ee_spec::session::MessageKind as Kind;
use e2ee_spec::x3dh::PreKeyBundle;
use e2ee_spec::{Error, Profile};
use std::collections::BTreeMap;

struct Entry {
    handle: String,
    party: Party,
    /// Runner-chosen peer addresses and the identity key each stands for.
    peers: Vec<(String, [u8; 32])>,
}

/// A saved party: its handle, state and peer addresses.
type Snapshot = (String, Party, Vec<(String, [u8; 32])>);

pub struct SpecIut {
    parties: Vec<Entry>,
    snapshots: Vec<Snapshot>,
    /// Members of the group profiles, by handle, and their snapshots.
    members: Vec<(String, Member)>,
    member_snapshots: Vec<(String, Member)>,
    /// The franking recipient: the shim is one recipient device, and `reset` forgets what
    /// it kept (SHIM.md §Franking).
    franking: franking::Recipient,
    rng: Rng,
    next_handle: u64,
    /// The minor protocol version agreed in `hello`: an older runner gets the classes of
    /// its own version (SHIM.md §Versions).
    minor: u32,
    /// The limits its parties keep: the profiles', unless [`SpecIut::with_limits`].
    limits: Declared,
    /// What its `hello` declares ([`SpecIut::declaring`]).
    declares: BTreeMap<String, DeclaredLimits>,
}

/// The wire variant of a party that writes `version_byte` (hex) first in `profile`; `None`
/// is the profile's reference.
pub fn wire_of(profile: Profile, version_byte: Option<&str>) -> Result<WireVariant, String> {
    let Some(text) = version_byte else {
        return Ok(WireVariant::Reference);
    };
    let byte = match hex::decode(text).as_deref() {
        Ok([b]) => *b,
        _ => return Err(format!("version byte {text:?} is not one hex byte")),
    };
    WireVariant::from_version_byte(profile, byte)
        .ok_or_else(|| format!("{} has no writer of version byte {text}", profile.name()))
}

impl SpecIut {
    pub fn new(seed: u64) -> SpecIut {
        SpecIut {
            parties: Vec::new(),
            snapshots: Vec::new(),
            members: Vec::new(),
            member_snapshots: Vec::new(),
            franking: franking::Recipient::default(),
            rng: Rng::from_u64(seed),
            next_handle: 0,
            minor: PROTOCOL_MINOR,
            limits: Declared::default(),
            declares: BTreeMap::new(),
        }
    }

    /// The spec with the stricter limits an implementation declared: what records the
    /// implementation's parties of a test at those limits and judges its bytes (SHIM.md
    /// §Limits). Its `hello` still declares none: declaring is the implementation's act.
    pub fn with_limits(mut self, limits: &Declared) -> SpecIut {
        self.limits = limits.clone();
        self
    }

    /// The spec keeping `limits` and declaring them in its `hello` (from protocol 1.2 on):
    /// an implementation whose limits are stricter than its profiles', as a runner sees one
    /// (`e2ee-conform shim --limits`). `Err` if the limits could not be declared.
    pub fn declaring(
        mut self,
        limits: BTreeMap<String, DeclaredLimits>,
    ) -> Result<SpecIut, String> {
        let hello = Hello {
            limits: limits.clone(),
            ..SpecIut::hello()
        };
        self.limits = Declared::of(&hello)?;
        self.declares = limits;
        Ok(self)
    }

    /// Its `hello` reply to a runner of this version, with what it declares.
    pub fn own_hello(&self) -> Hello {
        self.hello_for(PROTOCOL_MINOR)
    }

    fn hello_for(&self, minor: u32) -> Hello {
        let mut hello = SpecIut::hello_in_minor(minor);
        if minor >= LIMITS_MINOR {
            hello.limits = self.declares.clone();
        }
        hello
    }

    /// The `hello` reply to a runner of this version.
    pub fn hello() -> Hello {
        SpecIut::hello_in_minor(PROTOCOL_MINOR)
    }

    /// The `hello` reply in minor version `minor`: only the classes that version has.
    pub fn hello_in_minor(minor: u32) -> Hello {
        let mut error_classes: Vec<String> = Vec::new();
        for e in e2ee_spec::error::ALL {
            let class = class_in_minor(e.class(), minor).to_string();
            if !error_classes.contains(&class) {
                error_classes.push(class);
            }
        }
        Hello {
            protocol: PROTOCOL_VERSION,
            minor,
            name: "e2ee-spec".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            profiles: Profile::ALL
                .iter()
                .map(|p| p.name())
                .chain(GroupProfile::ALL.iter().map(|p| p.name()))
                .chain([e2ee_spec::profile::FRANKING])
                .map(str::to_string)
                .collect(),
            capabilities: [
                "deterministic",
                "import-keys",
                "header-encryption",
                "snapshot",
                XEDDSA_VERIFY,
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            error_classes,
            limits: Default::default(),
            // The spec writes every variant of its profiles (1.2 and later).
            version_bytes: if minor >= 2 {
                Profile::ALL
                    .iter()
                    .filter(|p| p.variants().len() > 1)
                    .map(|p| {
                        let bytes = p
                            .variants()
                            .iter()
                            .filter_map(|w| w.version_byte(*p))
                            .map(|b| hex::encode([b]))
                            .collect();
                        (p.name().to_string(), bytes)
                    })
                    .collect()
            } else {
                Default::default()
            },
        }
    }

    fn or_random<const N: usize>(&mut self, given: &Option<String>) -> Result<[u8; N], Failure> {
        match given {
            Some(h) => arr(h),
            None => Ok(self.rng.bytes()),
        }
    }

    fn handle(&mut self, prefix: &str) -> String {
        self.next_handle += 1;
        format!("{prefix}{}", self.next_handle)
    }

    /// The party behind `handle`, as the spec holds it.
    pub fn party(&self, handle: &str) -> Option<&Party> {
        self.parties
            .iter()
            .find(|e| e.handle == handle)
            .map(|e| &e.party)
    }

    /// The party behind `handle`, to change in place: for the suite's single-bug variants of
    /// this implementation (`harness/tests/mutants.rs`, `sessions.rs`), each of which makes
    /// one realistic mistake by editing the state the spec keeps.
    pub fn party_mut(&mut self, handle: &str) -> Option<&mut Party> {
        self.parties
            .iter_mut()
            .find(|e| e.handle == handle)
            .map(|e| &mut e.party)
    }

    /// The party whose identity public key is `identity`: how a script finds the state of
    /// a party it named, since handles are the IUT's choice.
    pub fn party_with_identity(&self, identity: &[u8; 32]) -> Option<&Party> {
        self.parties
            .iter()
            .find(|e| &e.party.identity.public == identity)
            .map(|e| &e.party)
    }

    /// Every party the spec holds, to change in place: for harness tests that model a wrong
    /// implementation by altering the spec's state between requests.
    pub fn parties_mut(&mut self) -> impl Iterator<Item = &mut Party> {
        self.parties.iter_mut().map(|e| &mut e.party)
    }

    /// The group member behind `handle`, as the spec holds it.
    pub fn member(&self, handle: &str) -> Option<&Member> {
        self.members
            .iter()
            .find(|(h, _)| h == handle)
            .map(|(_, m)| m)
    }

    /// The group member behind `handle`, to change in place (single-bug variants).
    pub fn member_mut(&mut self, handle: &str) -> Option<&mut Member> {
        self.members
            .iter_mut()
            .find(|(h, _)| h == handle)
            .map(|(_, m)| m)
    }

    /// The franking recipient's state, to change in place (single-bug variants).
    pub fn franking_mut(&mut self) -> &mut franking::Recipient {
        &mut self.franking
    }

    fn member_entry(&mut self, handle: &str) -> Result<&mut Member, Failure> {
        self.member_mut(handle)
            .ok_or_else(|| rejected(Error::State, "no such group member"))
    }

    /// The group requests (SHIM.md §Groups); `None` for any other request.
    fn answer_group(&mut self, request: &Request) -> Option<Result<Reply, Failure>> {
        Some(match request {
            Request::GroupCreate {
                party,
                group,
                distribution_id,
                chain_id,
                chain_key,
                iteration,
                signing_private,
            } => self.group_create(
                party,
                group,
                distribution_id,
                *chain_id,
                chain_key,
                *iteration,
                signing_private,
            ),
            Request::GroupShare { party, group } => self.member_entry(party).and_then(|m| {
                m.distribution(group)
                    .map(|d| Reply::Distribution {
                        distribution: hex_of(&d),
                    })
                    .map_err(spec_error)
            }),
            Request::GroupJoin {
                party,
                sender,
                distribution,
            } => bytes(distribution).and_then(|d| {
                self.member_entry(party)?
                    .join(sender, &d)
                    .map(|()| Reply::Done)
                    .map_err(spec_error)
            }),
            Request::GroupEncrypt {
                party,
                group,
                plaintext,
                signature_randomness,
            } => self.or_random::<64>(signature_randomness).and_then(|z| {
                let plaintext = bytes(plaintext)?;
                self.member_entry(party)?
                    .encrypt(group, &plaintext, &z)
                    .map(|m| Reply::GroupMessage {
                        message: hex_of(&m),
                    })
                    .map_err(spec_error)
            }),
            Request::GroupDecrypt {
                party,
                sender,
                session_id,
                message,
            } => (|| {
                let message = bytes(message)?;
                let session_id = session_id.as_ref().map(|h| bytes(h)).transpose()?;
                self.member_entry(party)?
                    .decrypt(sender, session_id.as_deref(), &message)
                    .map(|p| Reply::Decrypted {
                        plaintext: hex_of(&p),
                    })
                    .map_err(spec_error)
            })(),
            _ => return None,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn group_create(
        &mut self,
        party: &str,
        group: &str,
        distribution_id: &Option<String>,
        chain_id: Option<u32>,
        chain_key: &Option<String>,
        iteration: Option<u32>,
        signing_private: &Option<String>,
    ) -> Result<Reply, Failure> {
        let profile = self
            .member(party)
            .ok_or_else(|| rejected(Error::State, "no such group member"))?
            .profile;
        let chain_key = match chain_key {
            Some(h) => bytes(h)?,
            None => (0..profile.chain_key_len())
                .map(|_| self.rng.bytes::<1>()[0])
                .collect(),
        };
        // libsignal draws a 31-bit chain id (`random::<u32>() >> 1`).
        let chain_id = match chain_id {
            Some(id) => id,
            None => u32::from_be_bytes(self.rng.bytes()) >> 1,
        };
        let draws = SenderDraws {
            distribution_id: match distribution_id {
                Some(h) => arr(h)?,
                None => [0; 16],
            },
            chain_id,
            chain_key,
            iteration: iteration.unwrap_or(0),
            signing_private: self.or_random(signing_private)?,
        };
        let distribution = self
            .member_entry(party)?
            .create(group, &draws)
            .map_err(spec_error)?;
        Ok(Reply::Distribution {
            distribution: hex_of(&distribution),
        })
    }

    fn entry(&mut self, handle: &str) -> Result<&mut Entry, Failure> {
        self.parties
            .iter_mut()
            .find(|e| e.handle == handle)
            .ok_or_else(|| rejected(Error::State, "no such party"))
    }
}

/// Make `update` in a party held in place (an entry, a script's offline party).
/// `Party::apply` takes the party by value so that the sessions it keeps move instead of
/// being copied; for that instant the holder keeps an empty stand-in, built without any
/// key derivation.
pub fn apply(party: &mut Party, update: PartyUpdate) {
    let stand_in = Party {
        identity: party.identity.clone(),
        signed_prekeys: Vec::new(),
        one_time_prekeys: Vec::new(),
        kyber_prekeys: Vec::new(),
        sessions: Vec::new(),
        archived: Vec::new(),
        ..*party
    };
    *party = std::mem::replace(party, stand_in).apply(update);
}

fn rejected(e: Error, detail: &str) -> Failure {
    Failure::Rejected {
        class: e.class().to_string(),
        detail: detail.to_string(),
    }
}

fn spec_error(e: Error) -> Failure {
    rejected(e, "rejected by the spec")
}

fn kind_to_spec(kind: MessageKind) -> Kind {
    match kind {
        MessageKind::Prekey => Kind::PreKey,
        MessageKind::Normal => Kind::Normal,
    }
}

/// A wire bundle as the spec's bundle. Absent signed-prekey fields read as zero bytes, which
/// fail the signature check (SHIM.md §Bundles).
pub fn bundle_from_wire(b: &Bundle) -> Result<PreKeyBundle, Failure> {
    let opt_key = |k: &Option<String>| k.as_ref().map(|h| arr::<32>(h)).transpose();
    let otk = match (b.one_time_prekey_id, opt_key(&b.one_time_prekey)?) {
        (id, Some(key)) => Some((id.unwrap_or(0), key)),
        _ => None,
    };
    Ok(PreKeyBundle {
        identity_key: arr(&b.identity_key)?,
        signed_prekey_id: b.signed_prekey_id.unwrap_or(0),
        signed_prekey: opt_key(&b.signed_prekey)?.unwrap_or([0; 32]),
        signed_prekey_signature: match &b.signed_prekey_signature {
            Some(h) => arr(h)?,
            None => [0; 64],
        },
        one_time_prekey: otk,
        kyber_prekey: match &b.kyber_prekey {
            None => None,
            Some(public) => Some(SignedKemPrekey {
                id: b.kyber_prekey_id.unwrap_or(0),
                public: e2ee_iut::hexbytes::bytes(public)?,
                signature: match &b.kyber_prekey_signature {
                    Some(h) => arr(h)?,
                    None => [0; 64],
                },
            }),
        },
    })
}

/// The spec's bundle in wire form, with the fields `profile` sends.
pub fn bundle_to_wire(profile: Profile, b: &PreKeyBundle, registration_id: u32) -> Bundle {
    let signed = profile != Profile::OlmV1;
    Bundle {
        identity_key: hex_of(&b.identity_key),
        registration_id: profile.is_libsignal().then_some(registration_id),
        signed_prekey_id: signed.then_some(b.signed_prekey_id),
        signed_prekey: signed.then(|| hex_of(&b.signed_prekey)),
        signed_prekey_signature: signed.then(|| hex_of(&b.signed_prekey_signature)),
        one_time_prekey_id: b.one_time_prekey.map(|(id, _)| id),
        one_time_prekey: b.one_time_prekey.map(|(_, k)| hex_of(&k)),
        kyber_prekey_id: b.kyber_prekey.as_ref().map(|k| k.id),
        kyber_prekey: b.kyber_prekey.as_ref().map(|k| hex_of(&k.public)),
        kyber_prekey_signature: b.kyber_prekey.as_ref().map(|k| hex_of(&k.signature)),
    }
}

impl Iut for SpecIut {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        match self.answer(request) {
            Err(Failure::Rejected { class, detail }) => Err(Failure::Rejected {
                class: class_in_minor(&class, self.minor).to_string(),
                detail,
            }),
            other => other,
        }
    }

    fn state_digest(&self, party: &str) -> Option<String> {
        self.party(party).map(crate::digest::party_digest)
    }
}

impl SpecIut {
    fn answer(&mut self, request: &Request) -> Result<Reply, Failure> {
        if let Some(reply) = self.answer_group(request) {
            return reply;
        }
        match request {
            Request::Hello { minor, .. } => {
                self.minor = (*minor).min(PROTOCOL_MINOR);
                Ok(Reply::Hello(self.hello_for(self.minor)))
            }
            Request::Reset {} => {
                self.parties.clear();
                self.snapshots.clear();
                self.members.clear();
                self.member_snapshots.clear();
                self.franking = franking::Recipient::default();
                Ok(Reply::Done)
            }
            Request::CreateParty {
                profile,
                header_encryption,
                identity_private,
                registration_id,
                version_byte,
            } => {
                // A group member has no identity key of its own at this layer: its
                // distributions travel over pairwise sessions, which carry the identities.
                if let Some(g) = GroupProfile::from_name(profile) {
                    let handle = self.handle("m");
                    self.members.push((handle.clone(), Member::new(g)));
                    return Ok(Reply::Party {
                        party: handle,
                        identity_key: String::new(),
                    });
                }
                let p = Profile::from_name(profile)
                    .ok_or_else(|| Failure::Unsupported(format!("profile {profile}")))?;
                if *header_encryption && p != Profile::Modern {
                    return Err(Failure::Unsupported(
                        "header encryption outside modern".into(),
                    ));
                }
                let wire = wire_of(p, version_byte.as_deref()).map_err(Failure::Unsupported)?;
                let identity: [u8; 32] = self.or_random(identity_private)?;
                let party = Party {
                    limits: self.limits.limits(p),
                    wire,
                    ..Party::new(
                        p,
                        *header_encryption,
                        &identity,
                        registration_id.unwrap_or(0),
                    )
                };
                let handle = self.handle("p");
                let identity_key = hex_of(&party.identity.public);
                self.parties.push(Entry {
                    handle: handle.clone(),
                    party,
                    peers: Vec::new(),
                });
                Ok(Reply::Party {
                    party: handle,
                    identity_key,
                })
            }
            Request::CreateBundle {
                party,
                signed_prekey_id,
                signed_prekey_private,
                one_time_prekey_id,
                one_time_prekey_private,
                signature_randomness,
                kyber_prekey_id,
                kyber_prekey_seed,
                kyber_prekey_private,
                kyber_signature_randomness,
                kyber_last_resort,
            } => {
                let spk: [u8; 32] = self.or_random(signed_prekey_private)?;
                let z: [u8; 64] = self.or_random(signature_randomness)?;
                // Drawn only for a PQXDH party, after the X3DH randomness, so that runs of
                // the other profiles draw what they drew before.
                let pq = self.entry(party)?.party.profile.post_quantum();
                let (kyber_seed, kyber_z): ([u8; 64], [u8; 64]) = if pq {
                    (
                        self.or_random(kyber_prekey_seed)?,
                        self.or_random(kyber_signature_randomness)?,
                    )
                } else {
                    ([0; 64], [0; 64])
                };
                let otk = match (one_time_prekey_id, one_time_prekey_private) {
                    (None, None) => None,
                    (id, given) => Some((id.unwrap_or(0), self.or_random::<32>(given)?)),
                };
                // The seed is the key's randomness; an imported key, when given, is the key.
                let kyber_pair = match kyber_prekey_private {
                    Some(h) => kem::import(signal_v4::KEM, &e2ee_iut::hexbytes::bytes(h)?)
                        .map_err(|e| {
                            rejected(
                                e.into(),
                                "kyber_prekey_private is no Kyber1024 decapsulation key",
                            )
                        })?,
                    None => kem::generate(signal_v4::KEM, &kyber_seed),
                };
                let entry = self.entry(party)?;
                let kyber = match (pq, kyber_prekey_id) {
                    (false, _) => None,
                    (true, Some(id)) => Some(KemPrekeyInput {
                        id: *id,
                        pair: &kyber_pair,
                        z: &kyber_z,
                        last_resort: *kyber_last_resort,
                    }),
                    (true, None) => {
                        return Err(rejected(Error::Decode, "signal-v4 needs kyber_prekey_id"))
                    }
                };
                let (update, bundle) = party::publish_bundle(
                    &entry.party,
                    (*signed_prekey_id, &spk),
                    otk.as_ref().map(|(id, k)| (*id, k)),
                    &z,
                    kyber,
                );
                apply(&mut entry.party, update);
                let wire =
                    bundle_to_wire(entry.party.profile, &bundle, entry.party.registration_id);
                Ok(Reply::Bundle(wire))
            }
            Request::Initiate {
                party,
                peer,
                bundle,
                base_key_private,
                ratchet_private,
                kem_randomness,
            } => {
                let ek: [u8; 32] = self.or_random(base_key_private)?;
                let fresh: [u8; 32] = self.or_random(ratchet_private)?;
                let kem_m: [u8; 32] = if self.entry(party)?.party.profile.post_quantum() {
                    self.or_random(kem_randomness)?
                } else {
                    [0; 32]
                };
                let b = bundle_from_wire(bundle)?;
                let entry = self.entry(party)?;
                let update =
                    party::initiate(&entry.party, &b, &ek, &fresh, &kem_m).map_err(spec_error)?;
                apply(&mut entry.party, update);
                entry.peers.retain(|(name, _)| name != peer);
                entry.peers.push((peer.clone(), b.identity_key));
                Ok(Reply::Done)
            }
            Request::Encrypt {
                party,
                peer,
                plaintext,
                ratchet_private,
                header_nonce,
            } => {
                let fresh: [u8; 32] = self.or_random(ratchet_private)?;
                let nonce: [u8; 12] = self.or_random(header_nonce)?;
                let plaintext = e2ee_iut::hexbytes::bytes(plaintext)?;
                let entry = self.entry(party)?;
                let remote = peer_identity(entry, peer)?;
                let (update, kind, message) =
                    party::encrypt(&entry.party, &remote, &plaintext, &fresh, &nonce)
                        .map_err(spec_error)?;
                apply(&mut entry.party, update);
                let kind = match kind {
                    Kind::PreKey => MessageKind::Prekey,
                    Kind::Normal => MessageKind::Normal,
                };
                Ok(Reply::Encrypted {
                    kind,
                    message: hex_of(&message),
                })
            }
            Request::Decrypt {
                party,
                peer,
                kind,
                message,
                ratchet_private,
            } => {
                let fresh: [u8; 32] = self.or_random(ratchet_private)?;
                let message = e2ee_iut::hexbytes::bytes(message)?;
                let entry = self.entry(party)?;
                let kind = kind_to_spec(*kind);
                // A prekey message from a new peer introduces its identity key.
                let remote = match peer_identity(entry, peer) {
                    Ok(remote) => remote,
                    Err(_) if kind == Kind::PreKey => {
                        e2ee_spec::session::decode_prekey_message(entry.party.profile, &message)
                            .map_err(spec_error)?
                            .header
                            .identity_key
                    }
                    Err(e) => return Err(e),
                };
                let (update, plaintext) =
                    party::decrypt(&entry.party, &remote, kind, &message, &fresh)
                        .map_err(spec_error)?;
                apply(&mut entry.party, update);
                entry.peers.retain(|(name, _)| name != peer);
                entry.peers.push((peer.clone(), remote));
                Ok(Reply::Decrypted {
                    plaintext: hex_of(&plaintext),
                })
            }
            Request::Snapshot { party } if self.member(party).is_some() => {
                let handle = self.handle("s");
                let member = self
                    .member(party)
                    .cloned()
                    .unwrap_or_else(|| unreachable!());
                self.member_snapshots.push((handle.clone(), member));
                Ok(Reply::Snapshot { snapshot: handle })
            }
            Request::Restore { party, snapshot } if self.member(party).is_some() => {
                let (_, saved) = self
                    .member_snapshots
                    .iter()
                    .find(|(h, _)| h == snapshot)
                    .cloned()
                    .ok_or_else(|| rejected(Error::State, "no such snapshot"))?;
                *self.member_entry(party)? = saved;
                Ok(Reply::Done)
            }
            Request::Snapshot { party } => {
                let handle = self.handle("s");
                let entry = self.entry(party)?;
                let snap = (handle.clone(), entry.party.clone(), entry.peers.clone());
                self.snapshots.push(snap);
                Ok(Reply::Snapshot { snapshot: handle })
            }
            Request::Restore { party, snapshot } => {
                let (_, p, peers) = self
                    .snapshots
                    .iter()
                    .find(|(h, _, _)| h == snapshot)
                    .cloned()
                    .ok_or_else(|| rejected(Error::State, "no such snapshot"))?;
                let entry = self.entry(party)?;
                entry.party = p;
                entry.peers = peers;
                Ok(Reply::Done)
            }
            // The check X3DH §3.3 runs on a bundle's signatures, on its own.
            Request::XeddsaVerify {
                public_key,
                message,
                signature,
            } => {
                let (u, m, sig) = (
                    arr::<32>(public_key)?,
                    bytes(message)?,
                    arr::<64>(signature)?,
                );
                e2ee_spec::crypto::xeddsa::verify(&u, &m, &sig)
                    .map(|()| Reply::Done)
                    .map_err(|_| rejected(Error::BadSignature, "XEdDSA signature does not verify"))
            }
            Request::GroupCreate { .. }
            | Request::GroupShare { .. }
            | Request::GroupJoin { .. }
            | Request::GroupEncrypt { .. }
            | Request::GroupDecrypt { .. } => unreachable!("answered by answer_group"),
            Request::Frank {
                franking_key,
                message,
            } => {
                let n_f = arr::<32>(franking_key)?;
                let message = franking::Message::decode(&bytes(message)?)
                    .map_err(|e| rejected(e, "not a franking message (kind ‖ body)"))?;
                let (payload, t_f) = franking::frank(&n_f, &message);
                Ok(Reply::Franked {
                    payload: hex_of(&payload),
                    commitment: hex_of(&t_f),
                })
            }
            Request::FrankOpen {
                payload,
                commitment,
                server_tag,
                sender,
                recipient,
                timestamp,
            } => {
                let context = franking::Context {
                    sender: bytes(sender)?,
                    recipient: bytes(recipient)?,
                    timestamp: *timestamp,
                };
                let (kept, opening) = franking::receive(
                    &self.franking,
                    &bytes(payload)?,
                    &arr::<32>(commitment)?,
                    &arr::<32>(server_tag)?,
                    &context,
                )
                .map_err(|e| match e {
                    Error::AuthFailure => rejected(e, "T_F is not the commitment to this payload"),
                    Error::DuplicateMessage => {
                        rejected(e, "a message under this franking key was already opened")
                    }
                    _ => rejected(e, "malformed franked payload or context"),
                })?;
                self.franking = kept;
                Ok(Reply::FrankOpened {
                    message: hex_of(&opening.m),
                })
            }
            Request::FrankReport { commitment } => {
                let r = self
                    .franking
                    .report(&arr::<32>(commitment)?)
                    .map_err(|e| rejected(e, "no kept message has this commitment"))?;
                Ok(Reply::Reported {
                    message: hex_of(&r.m),
                    franking_key: hex_of(&r.n_f),
                    server_tag: hex_of(&r.r_f),
                    sender: hex_of(&r.context.sender),
                    recipient: hex_of(&r.context.recipient),
                    timestamp: r.context.timestamp,
                })
            }
        }
    }
}

fn peer_identity(entry: &Entry, peer: &str) -> Result<[u8; 32], Failure> {
    entry
        .peers
        .iter()
        .find(|(name, _)| name == peer)
        .map(|(_, id)| *id)
        .ok_or_else(|| rejected(Error::State, "no session with this peer"))
}
