//! Known-answer tests: one derivation each, with its inputs and outputs. The types here are
//! the JSON form (one group type, and one schema in `vectors/schema/`, per derivation);
//! [`check_file`] re-derives every answer with the spec.

use crate::envelope::{VectorFile, Verdict};
use crate::group_trace::GroupTraceGroup;
use crate::trace::TraceGroup;
use e2ee_iut::protocol::Bundle;
use e2ee_spec::crypto::{kem, xeddsa};
use e2ee_spec::double_ratchet::{self as dr, Header, KeyPair};
use e2ee_spec::pqxdh;
use e2ee_spec::profile::WireVariant;
use e2ee_spec::profiles::{self, modern, olm_v1, signal_v3, signal_v4};
use e2ee_spec::{header_encryption as he, session, x3dh, Error, Profile};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub type Hex = String;

/// A group of known-answer tests of one type.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Group<T> {
    #[serde(rename = "type")]
    pub group_type: String,
    /// The HKDF `info` of the derivation in this profile (hex), where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<Hex>,
    pub tests: Vec<T>,
}

/// Double Ratchet §5.2 KDF_RK(rk, dh_out) → (root key, chain key).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KdfRkTest {
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    pub rk: Hex,
    pub dh_out: Hex,
    pub root_key: Hex,
    pub chain_key: Hex,
    pub result: Verdict,
}

/// Double Ratchet §5.2 KDF_CK(ck) → (next chain key, message key).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KdfCkTest {
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    pub chain_key: Hex,
    pub next_chain_key: Hex,
    pub message_key: Hex,
    pub result: Verdict,
}

/// `modern`: message key → ChaCha20-Poly1305 key and nonce.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessageKeysAeadTest {
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    pub message_key: Hex,
    pub key: Hex,
    pub nonce: Hex,
    pub result: Verdict,
}

/// `signal-v3`, `olm-v1`: message key → AES-256 key, HMAC key, IV.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessageKeysCbcTest {
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    pub message_key: Hex,
    pub cipher_key: Hex,
    pub mac_key: Hex,
    pub iv: Hex,
    pub result: Verdict,
}

/// A Double Ratchet header (§3.1).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeaderJson {
    pub ratchet_key: Hex,
    pub previous_counter: u32,
    pub counter: u32,
}

/// The profile's message encryption: `seal(mk, header, plaintext, ad) = message` and
/// `open(mk, message, ad) = plaintext`; an invalid `message` must fail with `error`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessageTest {
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    pub message_key: Hex,
    pub header: HeaderJson,
    pub ad: Hex,
    pub plaintext: Hex,
    pub message: Hex,
    pub result: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Double Ratchet §4 KDF_RK_HE(rk, dh_out) → (root key, chain key, next header key).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KdfRkHeTest {
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    pub rk: Hex,
    pub dh_out: Hex,
    pub root_key: Hex,
    pub chain_key: Hex,
    pub next_header_key: Hex,
    pub result: Verdict,
}

/// Double Ratchet §4 HENCRYPT(hk, header) with the sender's nonce; an invalid
/// `encryptedHeader` must fail HDECRYPT (`auth_failure`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeaderEncryptionTest {
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    pub header_key: Hex,
    pub nonce: Hex,
    pub header: HeaderJson,
    pub encrypted_header: Hex,
    pub result: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// XEdDSA (libsignal's variant). Valid tests also give the private key and randomness Z,
/// and `sign(privateKey, message, randomness)` must be `signature`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct XeddsaTest {
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<Hex>,
    pub public_key: Hex,
    pub message: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub randomness: Option<Hex>,
    pub signature: Hex,
    pub result: Verdict,
}

/// X3DH §3 between Alice (identity A, base key) and Bob (identity B, signed prekey,
/// optional one-time prekey): key material F || DH1..DH4, AD, and the profile's KDF output.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct X3dhParties {
    pub identity_private_a: Hex,
    pub identity_key_a: Hex,
    pub base_key_private: Hex,
    pub base_key: Hex,
    pub identity_private_b: Hex,
    pub identity_key_b: Hex,
    pub signed_prekey_private: Hex,
    pub signed_prekey: Hex,
    pub signed_prekey_signature: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_time_prekey_private: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_time_prekey: Option<Hex>,
}

/// `modern`: SK = KDF(key material) and the header keys (HKa, NHKb) derived from SK.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct X3dhTest {
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    #[serde(flatten)]
    pub parties: X3dhParties,
    pub key_material: Hex,
    pub ad: Hex,
    pub shared_secret: Hex,
    pub header_key: Hex,
    pub next_header_key: Hex,
    pub result: Verdict,
}

/// `signal-v3`: (root key, chain key) = KDF(key material), libsignal `derive_keys`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct X3dhSignalTest {
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    #[serde(flatten)]
    pub parties: X3dhParties,
    pub key_material: Hex,
    pub ad: Hex,
    pub root_key: Hex,
    pub chain_key: Hex,
    pub result: Verdict,
}

/// `signal-v4`: PQXDH (PQXDH §3.3, §3.4): X3DH's parties, Bob's KEM prekey from its seed and
/// its signature, Alice's encapsulation with `m`, the key material F ‖ DH1..DH3 [‖ DH4] ‖ SS,
/// and the root and first chain key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PqxdhTest {
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    #[serde(flatten)]
    pub parties: X3dhParties,
    pub kyber_prekey_seed: Hex,
    pub kyber_prekey: Hex,
    pub kyber_prekey_signature: Hex,
    pub kem_randomness: Hex,
    pub kyber_ciphertext: Hex,
    pub kem_shared_secret: Hex,
    pub key_material: Hex,
    pub ad: Hex,
    pub root_key: Hex,
    pub chain_key: Hex,
    pub result: Verdict,
}

/// A KEM known answer: key generation from `seed` (d ‖ z), encapsulation with `m`; keys and
/// ciphertexts serialized with libsignal's type byte.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KemTest {
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    pub kem: String,
    pub seed: Hex,
    pub public_key: Hex,
    pub m: Hex,
    pub ciphertext: Hex,
    pub shared_secret: Hex,
    pub result: Verdict,
}

/// `olm-v1`: Olm's triple DH and the root and first chain key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OlmTripleDhTest {
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    pub identity_private_a: Hex,
    pub identity_key_a: Hex,
    pub base_key_private: Hex,
    pub base_key: Hex,
    pub identity_private_b: Hex,
    pub identity_key_b: Hex,
    pub one_time_key_private: Hex,
    pub one_time_key: Hex,
    pub key_material: Hex,
    pub root_key: Hex,
    pub chain_key: Hex,
    pub result: Verdict,
}

/// Alice starts a session from `bundle` (base key and first ratchet key given); an
/// invalid bundle must be refused with `error`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BundleTest {
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    pub identity_private: Hex,
    pub base_key_private: Hex,
    pub ratchet_private: Hex,
    /// `signal-v4`: the KEM encapsulation randomness of `initiate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kem_randomness: Option<Hex>,
    pub bundle: Bundle,
    pub result: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The directory and `profile` of franking's vectors (issue 17). Franking is a layer over a
/// session's plaintext, not a session profile, so it is no [`Profile`].
pub const FRANKING: &str = "franking";

/// The AEADs of [`CommittingAeadTest`], as the file names them.
pub const AES_256_GCM: &str = "AES-256-GCM";
pub const CHACHA20_POLY1305: &str = "ChaCha20-Poly1305";

/// A non-committing AEAD (franking, issue 17): `ct` (ciphertext ‖ 16-byte tag) under `nonce`
/// and `aad` opens under `key1` to `pt1`. Valid: it also opens under `key2`, to `pt2`.
/// Invalid (no `pt2`): it must not open under `key2`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommittingAeadTest {
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    pub aead: String,
    pub key1: Hex,
    pub key2: Hex,
    pub nonce: Hex,
    pub aad: Hex,
    pub ct: Hex,
    pub pt1: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pt2: Option<Hex>,
    pub result: Verdict,
}

/// Message franking (issue 17; `e2ee_spec::franking`, PROFILES.md §Franking): the sender
/// franks `m` with `nF`, the server tags the delivery (`sender`, `recipient`, `timestamp`)
/// under `kFb`, the recipient opens `payload` (after the `earlier` deliveries, in order) and
/// keeps its opening, and its report of it goes back to the server. `payload`, `tF`,
/// `context` and `rF` are derived from the inputs: `payload` is the sender's except where
/// the recipient must refuse it as malformed ([`FrankingTest::payload_is_senders`]);
/// `context` is absent where a name does not fit its u16 length prefix, and `rF` is then
/// what a server that wraps the length makes ([`wrapping_server_tag`]). The recipient is
/// given `deliveredTF` instead of `tF` where present, and the server checks `report`
/// instead of the recipient's where present. An invalid test fails where
/// [`FrankingTest::refused_at`] says, with `error`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FrankingTest {
    pub tc_id: String,
    pub comment: String,
    pub flags: Vec<String>,
    pub n_f: Hex,
    /// `M = kind ‖ body`.
    pub m: Hex,
    pub sender: Hex,
    pub recipient: Hex,
    /// Milliseconds since the Unix epoch.
    pub timestamp: u64,
    pub k_fb: Hex,
    pub payload: Hex,
    pub t_f: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Hex>,
    pub r_f: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_t_f: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<FrankingReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<FrankingAttachment>,
    /// What the recipient was delivered before this message, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier: Vec<FrankingDelivery>,
    pub result: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Where an invalid franking test is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrankingStage {
    /// The recipient refuses the message: `deliveredTF`, a malformed payload, a name that
    /// does not encode, or a franking key of an `earlier` message it kept.
    Receipt,
    /// The message opens, but the attachment's ciphertext is not the one `M` commits to
    /// (an `attachment` without `plaintext`): whoever fetches it refuses it.
    Attachment,
    /// The server refuses `report`.
    Report,
}

impl FrankingTest {
    /// Where this test is refused; `None` for a test that is not.
    pub fn refused_at(&self) -> Option<FrankingStage> {
        if self.result == Verdict::Valid {
            return None;
        }
        Some(match (&self.report, &self.attachment) {
            (Some(_), _) => FrankingStage::Report,
            (None, Some(a)) if a.plaintext.is_none() => FrankingStage::Attachment,
            _ => FrankingStage::Receipt,
        })
    }

    /// Whether `payload` is the sender's, `0x01 ‖ nF ‖ m` from `frank`: everywhere but where
    /// the recipient refuses a malformed payload (`decode_error` at receipt, the names
    /// encoding), which is then the one decrypted and `m` may not parse.
    pub fn payload_is_senders(&self) -> bool {
        !(self.refused_at() == Some(FrankingStage::Receipt)
            && self.delivered_t_f.is_none()
            && self.context.is_some()
            && self.error.as_deref() == Some(Error::Decode.class()))
    }
}

/// What a report reveals: `(M, N_F, R_F, context)`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FrankingReport {
    pub m: Hex,
    pub n_f: Hex,
    pub r_f: Hex,
    pub sender: Hex,
    pub recipient: Hex,
    pub timestamp: u64,
}

/// An attachment message's ciphertext (with its tag), and the plaintext the recipient is
/// shown and a verified report resolves to; no plaintext where the ciphertext must be
/// refused.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FrankingAttachment {
    pub ciphertext: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<Hex>,
}

/// A message delivered to the recipient before a test's own: it opens (and is kept), or is
/// refused with `error`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FrankingDelivery {
    pub payload: Hex,
    pub t_f: Hex,
    pub r_f: Hex,
    pub sender: Hex,
    pub recipient: Hex,
    pub timestamp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The tag of a server that writes each name's length as `len as u16`, wrapping past
/// 65,535 instead of refusing: what `rF` is in a test whose names do not encode, so that an
/// implementation that wraps the same way would accept it.
pub fn wrapping_server_tag(
    k_fb: &[u8; 32],
    t_f: &[u8; 32],
    context: &e2ee_spec::franking::Context,
) -> [u8; 32] {
    let mut tagged = t_f.to_vec();
    for name in [&context.sender, &context.recipient] {
        tagged.extend_from_slice(&(name.len() as u16).to_be_bytes());
        tagged.extend_from_slice(name);
    }
    tagged.extend_from_slice(&context.timestamp.to_be_bytes());
    e2ee_spec::crypto::kdf::hmac_sha256(k_fb, &tagged)
}

/// Tests passed and failed in one file; `failures` says which and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub failures: Vec<String>,
}

impl Counts {
    fn record(&mut self, tc_id: &str, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => self.passed += 1,
            Err(why) => {
                self.failed += 1;
                self.failures.push(format!("{tc_id}: {why}"));
            }
        }
    }
}

/// Re-derive every answer of the vector file at `path` with the spec. Trace files are
/// replayed against the spec (`Mode::Full`, and `Mode::Receiver` where the test has a
/// receiver). `Err` when the file cannot be read or is not a well-formed vector file.
pub fn check_file(path: &Path) -> Result<Counts, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    check_bytes(&path.display().to_string(), &bytes)
}

/// As [`check_file`], for a file's bytes; `name` is how errors name the file.
pub fn check_bytes(name: &str, bytes: &[u8]) -> Result<Counts, String> {
    let at = |e: String| format!("{name}: {e}");
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| at(e.to_string()))?;
    let schema = value
        .get("schema")
        .and_then(|s| s.as_str())
        .unwrap_or_default()
        .to_string();
    match schema.as_str() {
        "trace.schema.json" => check_traces(&parse::<TraceGroup>(value)?).map_err(at),
        "group_trace.schema.json" => {
            check_group_traces(&parse::<GroupTraceGroup>(value)?).map_err(at)
        }
        "kdf_rk.schema.json" => check(value, check_kdf_rk).map_err(at),
        "kdf_ck.schema.json" => check(value, check_kdf_ck).map_err(at),
        "message_keys_aead.schema.json" => check(value, check_message_keys_aead).map_err(at),
        "message_keys_cbc.schema.json" => check(value, check_message_keys_cbc).map_err(at),
        "message.schema.json" => check(value, check_message).map_err(at),
        "kdf_rk_he.schema.json" => check(value, check_kdf_rk_he).map_err(at),
        "header_encryption.schema.json" => check(value, check_header_encryption).map_err(at),
        "xeddsa.schema.json" => check(value, check_xeddsa).map_err(at),
        "x3dh.schema.json" => check(value, check_x3dh).map_err(at),
        "x3dh_signal.schema.json" => check(value, check_x3dh_signal).map_err(at),
        "olm_triple_dh.schema.json" => check(value, check_olm_triple_dh).map_err(at),
        "pqxdh.schema.json" => check(value, check_pqxdh).map_err(at),
        "kem.schema.json" => check(value, check_kem).map_err(at),
        "bundle.schema.json" => check(value, check_bundle).map_err(at),
        "committing_aead.schema.json" => check_committing_aead(value).map_err(at),
        "franking.schema.json" => check_franking(value).map_err(at),
        other => Err(at(format!("unknown schema {other:?}"))),
    }
}

/// Read a trace vector file.
pub fn load_trace_file(path: &Path) -> Result<VectorFile<TraceGroup>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(value).map_err(|e| format!("{}: {e}", path.display()))
}

fn parse<G: DeserializeOwned>(value: serde_json::Value) -> Result<VectorFile<G>, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// A test type's id, for failure messages.
trait Tc {
    fn tc_id(&self) -> &str;
}

macro_rules! tc {
    ($($t:ty),*) => { $(impl Tc for $t { fn tc_id(&self) -> &str { &self.tc_id } })* };
}
tc!(
    KdfRkTest,
    KdfCkTest,
    MessageKeysAeadTest,
    MessageKeysCbcTest,
    MessageTest,
    KdfRkHeTest,
    HeaderEncryptionTest,
    XeddsaTest,
    X3dhTest,
    X3dhSignalTest,
    OlmTripleDhTest,
    PqxdhTest,
    KemTest,
    BundleTest,
    CommittingAeadTest,
    FrankingTest
);

fn check<T: DeserializeOwned + Serialize + Tc>(
    value: serde_json::Value,
    one: fn(Profile, &T) -> Result<(), String>,
) -> Result<Counts, String> {
    let file: VectorFile<Group<T>> = parse(value)?;
    let profile = Profile::from_name(&file.profile)
        .ok_or_else(|| format!("unknown profile {}", file.profile))?;
    envelope_ok(&file)?;
    let mut counts = Counts::default();
    for group in &file.test_groups {
        for test in &group.tests {
            counts.record(test.tc_id(), one(profile, test));
        }
    }
    Ok(counts)
}

/// `numberOfTests` matches; every flag is a note.
fn envelope_ok<G: Serialize>(file: &VectorFile<G>) -> Result<(), String> {
    let value = serde_json::to_value(&file.test_groups).map_err(|e| e.to_string())?;
    let mut n = 0;
    for group in value.as_array().into_iter().flatten() {
        for test in group["tests"].as_array().into_iter().flatten() {
            n += 1;
            for flag in test["flags"].as_array().into_iter().flatten() {
                let flag = flag.as_str().unwrap_or_default();
                if !file.notes.contains_key(flag) {
                    return Err(format!("{}: flag {flag} is not in notes", test["tcId"]));
                }
            }
        }
    }
    if n != file.number_of_tests {
        return Err(format!(
            "numberOfTests is {}, but the file has {n} tests",
            file.number_of_tests
        ));
    }
    Ok(())
}

fn check_traces(file: &VectorFile<TraceGroup>) -> Result<Counts, String> {
    use crate::engine::{run, Mode, Status};
    use crate::spec_iut::SpecIut;
    envelope_ok(file)?;
    let hello = SpecIut::hello();
    let mut counts = Counts::default();
    for group in &file.test_groups {
        for test in &group.tests {
            let mut outcome = Ok(());
            let mut modes = vec![Mode::Full];
            if test.receiver.is_some() {
                modes.push(Mode::Receiver);
            }
            for mode in modes {
                let mut spec = SpecIut::new(0);
                let o = run(
                    &mut spec,
                    None,
                    &hello,
                    &file.profile,
                    group,
                    test,
                    &mode,
                    &[],
                );
                if o.status != Status::Pass {
                    outcome = Err(format!("{mode:?}: {:?} {}", o.status, o.detail));
                    break;
                }
            }
            counts.record(&test.tc_id, outcome);
        }
    }
    Ok(counts)
}

/// Group traces replayed against the spec: as every member (`Full`), as the receiving
/// members only (`Receiver`), and in interop as each member with the spec playing the others.
fn check_group_traces(file: &VectorFile<GroupTraceGroup>) -> Result<Counts, String> {
    use crate::engine::{Mode, Status};
    use crate::group_engine::{receivers, run};
    use crate::spec_iut::SpecIut;
    envelope_ok(file)?;
    let hello = SpecIut::hello();
    let mut counts = Counts::default();
    for test in file.test_groups.iter().flat_map(|g| &g.tests) {
        let mut modes = vec![Mode::Full];
        if !receivers(test).is_empty() {
            modes.push(Mode::Receiver);
        }
        modes.extend(test.members.iter().map(|m| Mode::Interop {
            iut_party: m.clone(),
        }));
        let mut outcome = Ok(());
        for mode in modes {
            let (mut spec, mut peer) = (SpecIut::new(0), SpecIut::new(1));
            let o = run(
                &mut spec,
                Some(&mut peer),
                &hello,
                &file.profile,
                test,
                &mode,
                &[],
            );
            if o.status != Status::Pass {
                outcome = Err(format!("{mode:?}: {:?} {}", o.status, o.detail));
                break;
            }
        }
        counts.record(&test.tc_id, outcome);
    }
    Ok(counts)
}

// ---- one test each -------------------------------------------------------------------

fn arr<const N: usize>(h: &str) -> Result<[u8; N], String> {
    hex::decode(h)
        .map_err(|e| format!("bad hex: {e}"))?
        .try_into()
        .map_err(|_| format!("{h} is not {N} bytes"))
}

fn bytes(h: &str) -> Result<Vec<u8>, String> {
    hex::decode(h).map_err(|e| format!("bad hex: {e}"))
}

fn eq(what: &str, got: &[u8], want: &str) -> Result<(), String> {
    if hex::encode(got) == want {
        Ok(())
    } else {
        Err(format!("{what} is {}, expected {want}", hex::encode(got)))
    }
}

fn header(h: &HeaderJson) -> Result<Header, String> {
    Ok(Header {
        dh: arr(&h.ratchet_key)?,
        pn: h.previous_counter,
        n: h.counter,
    })
}

/// An invalid test must fail with its error class; other results must succeed.
fn outcome<T>(
    result: Verdict,
    error: &Option<String>,
    got: Result<T, Error>,
) -> Result<Option<T>, String> {
    match (result, got) {
        (Verdict::Invalid, Ok(_)) => Err("accepted an invalid input".into()),
        (Verdict::Invalid, Err(e)) => match error {
            Some(want) if want != e.class() => {
                Err(format!("failed with {}, expected {want}", e.class()))
            }
            _ => Ok(None),
        },
        (_, Err(e)) => Err(format!("failed with {}", e.class())),
        (_, Ok(v)) => Ok(Some(v)),
    }
}

fn check_kdf_rk(profile: Profile, t: &KdfRkTest) -> Result<(), String> {
    let (rk, ck) = dr::kdf_rk(profile, &arr(&t.rk)?, &arr(&t.dh_out)?);
    eq("rootKey", &rk, &t.root_key)?;
    eq("chainKey", &ck, &t.chain_key)
}

fn check_kdf_ck(_: Profile, t: &KdfCkTest) -> Result<(), String> {
    let (ck, mk) = dr::kdf_ck(&arr(&t.chain_key)?);
    eq("nextChainKey", &ck, &t.next_chain_key)?;
    eq("messageKey", &mk, &t.message_key)
}

fn check_message_keys_aead(_: Profile, t: &MessageKeysAeadTest) -> Result<(), String> {
    let (key, nonce) = modern::message_keys(&arr(&t.message_key)?);
    eq("key", &key, &t.key)?;
    eq("nonce", &nonce, &t.nonce)
}

fn check_message_keys_cbc(profile: Profile, t: &MessageKeysCbcTest) -> Result<(), String> {
    let mk = arr(&t.message_key)?;
    let (cipher_key, mac_key, iv) = match profile {
        Profile::SignalV3 | Profile::SignalV4 => signal_v3::message_keys(&mk),
        Profile::OlmV1 => olm_v1::message_keys(&mk),
        Profile::Modern => return Err("modern has no CBC message keys".into()),
    };
    eq("cipherKey", &cipher_key, &t.cipher_key)?;
    eq("macKey", &mac_key, &t.mac_key)?;
    eq("iv", &iv, &t.iv)
}

fn check_message(profile: Profile, t: &MessageTest) -> Result<(), String> {
    let mk = arr(&t.message_key)?;
    let ad = bytes(&t.ad)?;
    let message = bytes(&t.message)?;
    if t.result == Verdict::Valid {
        let sealed = profiles::seal(
            profile,
            WireVariant::Reference,
            &mk,
            &header(&t.header)?,
            &bytes(&t.plaintext)?,
            &ad,
        )
        .map_err(|e| format!("seal failed with {}", e.class()))?;
        eq("sealed message", &sealed, &t.message)?;
    }
    let opened = profiles::parse_header(profile, &message)
        .and_then(|_| profiles::open(profile, &mk, &message, &ad));
    if let Some(plaintext) = outcome(t.result, &t.error, opened)? {
        eq("plaintext", &plaintext, &t.plaintext)?;
    }
    Ok(())
}

fn check_kdf_rk_he(_: Profile, t: &KdfRkHeTest) -> Result<(), String> {
    let (rk, ck, nhk) = he::kdf_rk_he(&arr(&t.rk)?, &arr(&t.dh_out)?);
    eq("rootKey", &rk, &t.root_key)?;
    eq("chainKey", &ck, &t.chain_key)?;
    eq("nextHeaderKey", &nhk, &t.next_header_key)
}

fn check_header_encryption(_: Profile, t: &HeaderEncryptionTest) -> Result<(), String> {
    let hk = arr(&t.header_key)?;
    let nonce = arr(&t.nonce)?;
    let want = header(&t.header)?;
    if t.result == Verdict::Valid {
        eq(
            "encryptedHeader",
            &he::hencrypt(&hk, &nonce, &want),
            &t.encrypted_header,
        )?;
    }
    let got = he::hdecrypt(&hk, &nonce, &bytes(&t.encrypted_header)?).ok_or(Error::AuthFailure);
    match outcome(t.result, &t.error, got)? {
        Some(h) if h != want => Err(format!("decrypted header {h:?}, expected {want:?}")),
        _ => Ok(()),
    }
}

fn check_xeddsa(_: Profile, t: &XeddsaTest) -> Result<(), String> {
    let u = arr(&t.public_key)?;
    let message = bytes(&t.message)?;
    let signature = arr(&t.signature)?;
    if let (Some(k), Some(z)) = (&t.private_key, &t.randomness) {
        eq(
            "signature",
            &xeddsa::sign(&arr(k)?, &message, &arr(z)?),
            &t.signature,
        )?;
    }
    let verified = xeddsa::verify(&u, &message, &signature).is_ok();
    match (t.result, verified) {
        (Verdict::Valid, true) | (Verdict::Invalid, false) => Ok(()),
        // This spec rejects every case it marks acceptable (see the flags' notes).
        (Verdict::Acceptable, false) => Ok(()),
        (Verdict::Valid, false) => Err("valid signature rejected".into()),
        (_, true) => Err("signature accepted".into()),
    }
}

/// The key pairs of an X3DH test's parties, each checked against the public key the test
/// gives, and Bob's bundle (without a KEM prekey).
struct X3dhKeys {
    ik_a: KeyPair,
    ik_b: KeyPair,
    spk: KeyPair,
    opk: Option<KeyPair>,
    base: [u8; 32],
    bundle: x3dh::PreKeyBundle,
}

fn x3dh_keys(p: &X3dhParties) -> Result<X3dhKeys, String> {
    let ik_a = KeyPair::from_private(&arr(&p.identity_private_a)?);
    let ik_b = KeyPair::from_private(&arr(&p.identity_private_b)?);
    let spk = KeyPair::from_private(&arr(&p.signed_prekey_private)?);
    let opk = p
        .one_time_prekey_private
        .as_deref()
        .map(arr)
        .transpose()?
        .map(|k| KeyPair::from_private(&k));
    let base = arr(&p.base_key_private)?;
    for (what, derived, given) in [
        ("identityKeyA", ik_a.public, &p.identity_key_a),
        ("identityKeyB", ik_b.public, &p.identity_key_b),
        ("signedPrekey", spk.public, &p.signed_prekey),
        ("baseKey", KeyPair::from_private(&base).public, &p.base_key),
    ] {
        eq(what, &derived, given)?;
    }
    if let (Some(pair), Some(given)) = (&opk, &p.one_time_prekey) {
        eq("oneTimePrekey", &pair.public, given)?;
    }
    let bundle = x3dh::PreKeyBundle {
        identity_key: ik_b.public,
        signed_prekey_id: 1,
        signed_prekey: spk.public,
        signed_prekey_signature: arr(&p.signed_prekey_signature)?,
        one_time_prekey: opk.as_ref().map(|k| (1, k.public)),
        kyber_prekey: None,
    };
    Ok(X3dhKeys {
        ik_a,
        ik_b,
        spk,
        opk,
        base,
        bundle,
    })
}

fn agreement(p: &X3dhParties) -> Result<(x3dh::Agreement, x3dh::Agreement), String> {
    let k = x3dh_keys(p)?;
    let alice = x3dh::initiate(&k.ik_a, &k.bundle, &k.base)
        .map_err(|e| format!("initiate: {}", e.class()))?;
    let bob = x3dh::respond(
        &k.ik_b,
        &k.spk,
        k.opk.as_ref(),
        &k.ik_a.public,
        &bundle_base(&k.base),
    )
    .map_err(|e| format!("respond: {}", e.class()))?;
    Ok((alice, bob))
}

fn bundle_base(base_private: &[u8; 32]) -> [u8; 32] {
    KeyPair::from_private(base_private).public
}

fn check_agreement(p: &X3dhParties, key_material: &str, ad: &str) -> Result<Vec<u8>, String> {
    let (alice, bob) = agreement(p)?;
    eq("keyMaterial (Alice)", &alice.key_material, key_material)?;
    eq("keyMaterial (Bob)", &bob.key_material, key_material)?;
    eq("ad (Alice)", &alice.ad, ad)?;
    eq("ad (Bob)", &bob.ad, ad)?;
    Ok(alice.key_material)
}

fn check_x3dh(_: Profile, t: &X3dhTest) -> Result<(), String> {
    let km = check_agreement(&t.parties, &t.key_material, &t.ad)?;
    let sk = modern::shared_secret(&km).map_err(|e| e.class().to_string())?;
    eq("sharedSecret", &sk, &t.shared_secret)?;
    let (hk, nhk) = modern::header_keys(&sk).map_err(|e| e.class().to_string())?;
    eq("headerKey", &hk, &t.header_key)?;
    eq("nextHeaderKey", &nhk, &t.next_header_key)
}

fn check_x3dh_signal(_: Profile, t: &X3dhSignalTest) -> Result<(), String> {
    let km = check_agreement(&t.parties, &t.key_material, &t.ad)?;
    let (rk, ck) = signal_v3::derive_initial_keys(&km, signal_v3::X3DH_INFO)
        .map_err(|e| e.class().to_string())?;
    eq("rootKey", &rk, &t.root_key)?;
    eq("chainKey", &ck, &t.chain_key)
}

fn check_pqxdh(_: Profile, t: &PqxdhTest) -> Result<(), String> {
    let p = &t.parties;
    let (x3dh_alice, _) = agreement(p)?;
    let X3dhKeys {
        ik_a,
        ik_b,
        spk,
        opk,
        base,
        mut bundle,
    } = x3dh_keys(p)?;
    let pair = kem::generate(signal_v4::KEM, &arr(&t.kyber_prekey_seed)?);
    eq("kyberPrekey", &pair.public, &t.kyber_prekey)?;
    bundle.kyber_prekey = Some(pqxdh::SignedKemPrekey {
        id: 1,
        public: pair.public.clone(),
        signature: arr(&t.kyber_prekey_signature)?,
    });
    let (alice, payload) = pqxdh::initiate(
        signal_v4::KEM,
        &ik_a,
        &bundle,
        &base,
        &arr(&t.kem_randomness)?,
    )
    .map_err(|e| format!("initiate: {}", e.class()))?;
    eq("kyberCiphertext", &payload.ciphertext, &t.kyber_ciphertext)?;
    let bob = pqxdh::respond(
        &ik_b,
        &spk,
        opk.as_ref(),
        &pair,
        &ik_a.public,
        &bundle_base(&base),
        &payload.ciphertext,
    )
    .map_err(|e| format!("respond: {}", e.class()))?;
    let ss = kem::decapsulate(&pair, &payload.ciphertext).map_err(|e| format!("{e:?}"))?;
    eq("kemSharedSecret", &ss, &t.kem_shared_secret)?;
    // KM is X3DH's key material followed by the KEM secret, on both sides.
    eq(
        "keyMaterial (X3DH part ‖ SS)",
        &[&x3dh_alice.key_material[..], &ss[..]].concat(),
        &t.key_material,
    )?;
    eq("keyMaterial (Alice)", &alice.key_material, &t.key_material)?;
    eq("keyMaterial (Bob)", &bob.key_material, &t.key_material)?;
    eq("ad", &alice.ad, &t.ad)?;
    let (rk, ck) = signal_v3::derive_initial_keys(&alice.key_material, signal_v4::PQXDH_INFO)
        .map_err(|e| e.class().to_string())?;
    eq("rootKey", &rk, &t.root_key)?;
    eq("chainKey", &ck, &t.chain_key)
}

fn check_kem(_: Profile, t: &KemTest) -> Result<(), String> {
    let which = kem::Kem::ALL
        .into_iter()
        .find(|k| kem_name(*k) == t.kem)
        .ok_or_else(|| format!("unknown KEM {}", t.kem))?;
    let pair = kem::generate(which, &arr(&t.seed)?);
    eq("publicKey", &pair.public, &t.public_key)?;
    let (ct, ss) = kem::encapsulate(&pair.public, &arr(&t.m)?).map_err(|e| format!("{e:?}"))?;
    eq("ciphertext", &ct, &t.ciphertext)?;
    eq("sharedSecret", &ss, &t.shared_secret)?;
    let back = kem::decapsulate(&pair, &ct).map_err(|e| format!("{e:?}"))?;
    eq("sharedSecret (decapsulated)", &back, &t.shared_secret)
}

/// The KEM's name in vector files.
pub fn kem_name(k: kem::Kem) -> &'static str {
    match k {
        kem::Kem::Kyber1024 => "Kyber1024",
        kem::Kem::MlKem1024 => "ML-KEM-1024",
    }
}

fn check_olm_triple_dh(_: Profile, t: &OlmTripleDhTest) -> Result<(), String> {
    let ik_a = KeyPair::from_private(&arr(&t.identity_private_a)?);
    let ik_b = KeyPair::from_private(&arr(&t.identity_private_b)?);
    let otk = KeyPair::from_private(&arr(&t.one_time_key_private)?);
    let base = KeyPair::from_private(&arr(&t.base_key_private)?);
    eq("identityKeyA", &ik_a.public, &t.identity_key_a)?;
    eq("identityKeyB", &ik_b.public, &t.identity_key_b)?;
    eq("oneTimeKey", &otk.public, &t.one_time_key)?;
    eq("baseKey", &base.public, &t.base_key)?;
    let alice = olm_v1::triple_dh_alice(&ik_a, &base.private, &ik_b.public, &otk.public)
        .map_err(|e| e.class().to_string())?;
    let bob = olm_v1::triple_dh_bob(&ik_b, &otk, &ik_a.public, &base.public)
        .map_err(|e| e.class().to_string())?;
    eq("keyMaterial (Alice)", &alice, &t.key_material)?;
    eq("keyMaterial (Bob)", &bob, &t.key_material)?;
    let (rk, ck) = olm_v1::root_keys(&alice);
    eq("rootKey", &rk, &t.root_key)?;
    eq("chainKey", &ck, &t.chain_key)
}

fn check_bundle(profile: Profile, t: &BundleTest) -> Result<(), String> {
    let identity = KeyPair::from_private(&arr(&t.identity_private)?);
    let b = &t.bundle;
    let bundle = crate::spec_iut::bundle_from_wire(b).map_err(|e| e.to_string())?;
    let kem_m = match &t.kem_randomness {
        Some(m) => arr(m)?,
        None if profile.post_quantum() => return Err("no kemRandomness".into()),
        None => [0; 32],
    };
    let got = session::initiate(
        profile,
        &profile.limits(),
        false,
        &identity,
        b.registration_id.unwrap_or(0),
        &bundle,
        &arr(&t.base_key_private)?,
        &arr(&t.ratchet_private)?,
        &kem_m,
    );
    outcome(t.result, &t.error, got).map(|_| ())
}

/// Franking's committing-AEAD file: not a session profile's, so checked without a
/// [`Profile`]. Each test's `ct` is opened with the spec's AEAD under both keys.
fn check_committing_aead(value: serde_json::Value) -> Result<Counts, String> {
    let file: VectorFile<Group<CommittingAeadTest>> = parse(value)?;
    if file.profile != FRANKING {
        return Err(format!("profile {:?}, expected {FRANKING:?}", file.profile));
    }
    envelope_ok(&file)?;
    let mut counts = Counts::default();
    for group in &file.test_groups {
        for test in &group.tests {
            counts.record(&test.tc_id, check_committing_aead_test(test));
        }
    }
    Ok(counts)
}

fn check_committing_aead_test(t: &CommittingAeadTest) -> Result<(), String> {
    use e2ee_spec::crypto::{aes_gcm, chacha};
    let open = match t.aead.as_str() {
        AES_256_GCM => aes_gcm::open,
        CHACHA20_POLY1305 => chacha::open,
        other => return Err(format!("unknown AEAD {other:?}")),
    };
    let (nonce, aad, ct) = (arr(&t.nonce)?, bytes(&t.aad)?, bytes(&t.ct)?);
    let under = |key: &str| -> Result<Option<Vec<u8>>, String> {
        Ok(open(&arr(key)?, &nonce, &aad, &ct).ok())
    };
    match under(&t.key1)? {
        Some(pt) => eq("pt1", &pt, &t.pt1)?,
        None => return Err("does not open under key1".into()),
    }
    match (t.result, under(&t.key2)?, &t.pt2) {
        (Verdict::Valid, Some(pt), Some(want)) => eq("pt2", &pt, want),
        (Verdict::Valid, None, Some(_)) => Err("does not open under key2".into()),
        (Verdict::Invalid, None, None) => Ok(()),
        (Verdict::Invalid, Some(_), None) => Err("opens under key2, which must fail".into()),
        (result, _, pt2) => Err(format!(
            "a {result:?} test with{} pt2",
            if pt2.is_some() { "" } else { "out" }
        )),
    }
}

/// Franking's known answers: not a session profile's, so checked without a [`Profile`].
fn check_franking(value: serde_json::Value) -> Result<Counts, String> {
    let file: VectorFile<Group<FrankingTest>> = parse(value)?;
    if file.profile != FRANKING {
        return Err(format!("profile {:?}, expected {FRANKING:?}", file.profile));
    }
    envelope_ok(&file)?;
    let mut counts = Counts::default();
    for group in &file.test_groups {
        for test in &group.tests {
            counts.record(&test.tc_id, check_franking_test(test));
        }
    }
    Ok(counts)
}

fn franking_context(
    sender: &str,
    recipient: &str,
    timestamp: u64,
) -> Result<e2ee_spec::franking::Context, String> {
    Ok(e2ee_spec::franking::Context {
        sender: bytes(sender)?,
        recipient: bytes(recipient)?,
        timestamp,
    })
}

/// The plaintext of `attachment` under the descriptor inside `message`: `Ok(Err(_))` when the
/// spec refuses the ciphertext.
fn attachment_plaintext(
    message: &e2ee_spec::franking::Message,
    attachment: &FrankingAttachment,
) -> Result<Result<Vec<u8>, Error>, String> {
    use e2ee_spec::franking::{open_attachment, Message};
    let Message::Attachment { descriptor, .. } = message else {
        return Err("a test with an attachment whose message is not one".into());
    };
    Ok(open_attachment(descriptor, &bytes(&attachment.ciphertext)?))
}

/// The attachment opens to the plaintext the test gives.
fn attachment_shows(
    what: &str,
    message: &e2ee_spec::franking::Message,
    attachment: &FrankingAttachment,
) -> Result<(), String> {
    let want = attachment.plaintext.as_deref().unwrap_or_default();
    match attachment_plaintext(message, attachment)? {
        Ok(pt) => eq(what, &pt, want),
        Err(e) => Err(format!(
            "{what}: the attachment does not open: {}",
            e.class()
        )),
    }
}

fn check_franking_test(t: &FrankingTest) -> Result<(), String> {
    use e2ee_spec::franking::{self as fr, Message, Recipient, Report};
    let class = |what: &'static str| move |e: Error| format!("{what}: {}", e.class());
    let stage = t.refused_at();
    let ctx = franking_context(&t.sender, &t.recipient, t.timestamp)?;
    let (n_f, m, k_fb) = (arr(&t.n_f)?, bytes(&t.m)?, arr(&t.k_fb)?);
    let t_f = fr::commitment(&n_f, &m);
    eq("tF", &t_f, &t.t_f)?;
    let r_f = match (ctx.encode(), &t.context) {
        (Ok(encoded), Some(want)) => {
            eq("context", &encoded, want)?;
            fr::server_tag(&k_fb, &t_f, &ctx).map_err(class("rF"))?
        }
        (Err(_), None) => wrapping_server_tag(&k_fb, &t_f, &ctx),
        (Ok(_), None) => return Err("no context, though the names encode".into()),
        (Err(e), Some(_)) => return Err(format!("a context, though the names do not encode: {e}")),
    };
    eq("rF", &r_f, &t.r_f)?;
    if stage == Some(FrankingStage::Receipt) && (t.report.is_some() || t.attachment.is_some()) {
        return Err("a test refused at receipt has no report or attachment".into());
    }
    if t.payload_is_senders() {
        let message = Message::decode(&m).map_err(class("m"))?;
        eq("payload", &fr::frank(&n_f, &message).0, &t.payload)?;
    }
    // The recipient, from its first delivery on.
    let mut recipient = Recipient::default();
    let mut kept = Vec::new();
    for (i, e) in t.earlier.iter().enumerate() {
        let got = fr::receive(
            &recipient,
            &bytes(&e.payload)?,
            &arr(&e.t_f)?,
            &arr(&e.r_f)?,
            &franking_context(&e.sender, &e.recipient, e.timestamp)?,
        );
        match (got, &e.error) {
            (Ok((next, opening)), None) => {
                recipient = next;
                kept.push(opening);
            }
            (Err(err), Some(want)) if err.class() == want => {}
            (Ok(_), Some(want)) => return Err(format!("earlier {i} opens, expected {want}")),
            (Err(err), _) => return Err(format!("earlier {i} refused: {}", err.class())),
        }
    }
    let delivered = t
        .delivered_t_f
        .as_deref()
        .map(arr)
        .transpose()?
        .unwrap_or(t_f);
    let received = fr::receive(&recipient, &bytes(&t.payload)?, &delivered, &r_f, &ctx);
    if stage == Some(FrankingStage::Receipt) {
        return outcome(t.result, &t.error, received).map(|_| ());
    }
    let (recipient, opening) = received.map_err(class("the recipient refused the message"))?;
    if let Some(a) = &t.attachment {
        if stage == Some(FrankingStage::Attachment) {
            let shown = attachment_plaintext(&opening.message, a)?;
            return outcome(t.result, &t.error, shown).map(|_| ());
        }
        attachment_shows("attachment (shown)", &opening.message, a)?;
    }
    let report = match &t.report {
        Some(r) => Report {
            m: bytes(&r.m)?,
            n_f: arr(&r.n_f)?,
            r_f: arr(&r.r_f)?,
            context: franking_context(&r.sender, &r.recipient, r.timestamp)?,
        },
        None => recipient.report(&t_f).map_err(class("no report"))?,
    };
    let Some(reported) = outcome(t.result, &t.error, fr::verify_report(&k_fb, &report))? else {
        return Ok(());
    };
    if reported != opening.message {
        return Err("the report resolves to another message than the recipient was shown".into());
    }
    if let Some(what) = kept
        .iter()
        .find_map(|other| crate::franking_reveals::reveals(&report, other))
    {
        return Err(format!("the report reveals an earlier message: {what}"));
    }
    match &t.attachment {
        Some(a) => attachment_shows("attachment (reported)", &reported, a),
        None => Ok(()),
    }
}
