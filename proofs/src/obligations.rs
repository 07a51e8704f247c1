//! The obligations manifest, `proofs/obligations.json`: every obligation the spec hands to an
//! external verifier, what it is about, which verifier is meant to discharge it, and which
//! run-time test checks the same statement meanwhile.
//!
//! Three kinds: each `hax_lib::requires` / `hax_lib::ensures` contract on a spec function
//! (for hax 0.4.2 → F*), each ProVerif query (from the models), and panic freedom. The
//! `hax_lib::opaque` primitives are listed as *assumptions*: their bodies are trusted, and the
//! anchors for that trust are the Wycheproof and RFC tests named beside them. A test
//! (`proofs/tests/proofs.rs`) scans `spec/src` and fails when a contract or an opaque
//! function there is missing from this table, or an entry here no longer exists there.

use super::models::Model;

/// One contract or assumption in the spec's source.
pub struct SourceItem {
    /// Path from the repository root.
    pub file: &'static str,
    pub function: &'static str,
    /// `requires`, `ensures` or `opaque`.
    pub attribute: &'static str,
    /// What it states, in words.
    pub states: &'static str,
    /// Run-time tests checking the same statement: `path::test_name`.
    pub tests: &'static [&'static str],
}

const DR_CONTRACTS: &str = "spec/tests/dr_properties.rs::dr_contracts_hold";
const HE_CONTRACTS: &str = "spec/tests/contracts.rs::header_encryption_ensures";
const CRYPTO_CONTRACTS: &str = "spec/tests/crypto_rfc.rs::contracts_hold";

/// Every contract and opaque function in `spec/src`.
pub const SOURCE: &[SourceItem] = &[
    SourceItem {
        file: "spec/src/pqxdh.rs",
        function: "initiate",
        attribute: "ensures",
        states: "on success AD is 66 bytes and the KDF input is F || DH1..DH3 || SS (160 bytes) or F || DH1..DH4 || SS (192 bytes)",
        tests: &["spec/tests/contracts.rs::pqxdh_ensures"],
    },
    SourceItem {
        file: "spec/src/pqxdh.rs",
        function: "respond",
        attribute: "ensures",
        states: "the same lengths on Bob's side",
        tests: &["spec/tests/contracts.rs::pqxdh_ensures"],
    },
    SourceItem {
        file: "spec/src/double_ratchet.rs",
        function: "ratchet_encrypt",
        attribute: "ensures",
        states: "on success the new state has a sending chain, Ns > 0, and the skipped-key store is unchanged (encrypting never touches receiving state)",
        tests: &[DR_CONTRACTS],
    },
    SourceItem {
        file: "spec/src/double_ratchet.rs",
        function: "ratchet_decrypt",
        attribute: "ensures",
        states: "on success the new state is within the profile's limits (skipped-key store size, receiver chains) whenever the old one was",
        tests: &[DR_CONTRACTS, "spec/tests/dr_properties.rs::max_skip_boundary"],
    },
    SourceItem {
        file: "spec/src/double_ratchet.rs",
        function: "skip_message_keys",
        attribute: "requires",
        states: "the receiving chain index is in bounds (callers pass the chain they just found or created)",
        tests: &["spec/tests/contracts.rs::skip_message_keys_contract"],
    },
    SourceItem {
        file: "spec/src/header_encryption.rs",
        function: "ratchet_encrypt",
        attribute: "ensures",
        states: "on success Ns > 0 and the skipped-key store is unchanged",
        tests: &[HE_CONTRACTS],
    },
    SourceItem {
        file: "spec/src/header_encryption.rs",
        function: "ratchet_decrypt",
        attribute: "ensures",
        states: "on success the new state is within the limits whenever the old one was",
        tests: &[HE_CONTRACTS],
    },
    SourceItem {
        file: "spec/src/x3dh.rs",
        function: "initiate",
        attribute: "ensures",
        states: "on success AD = Encode(IK_A) || Encode(IK_B) is 66 bytes and the KDF input is F || DH1..DH3 (128 bytes) or F || DH1..DH4 (160 bytes)",
        tests: &["spec/tests/contracts.rs::x3dh_ensures"],
    },
    SourceItem {
        file: "spec/src/x3dh.rs",
        function: "respond",
        attribute: "ensures",
        states: "the same lengths on Bob's side",
        tests: &["spec/tests/contracts.rs::x3dh_ensures"],
    },
    SourceItem {
        file: "spec/src/crypto/chacha.rs",
        function: "seal",
        attribute: "requires",
        states: "the plaintext is at most the RFC 8439 limit (callers enforce the profile's smaller max_plaintext first)",
        tests: &["spec/tests/dr_properties.rs::dr_contracts_hold"],
    },
    SourceItem {
        file: "spec/src/crypto/chacha.rs",
        function: "seal",
        attribute: "ensures",
        states: "the output is the plaintext length plus the 16-byte tag",
        tests: &["spec/tests/crypto_rfc.rs::chacha_round_trip"],
    },
    SourceItem {
        file: "spec/src/crypto/chacha.rs",
        function: "open",
        attribute: "ensures",
        states: "on success the plaintext is 16 bytes shorter than the input; every failure is AuthFailure",
        tests: &[CRYPTO_CONTRACTS],
    },
    SourceItem {
        file: "spec/src/crypto/aes_gcm.rs",
        function: "seal",
        attribute: "requires",
        states: "the plaintext is at most the SP 800-38D limit (no profile seals with it; franking's vectors are short)",
        tests: &["spec/tests/crypto_rfc.rs::aes_gcm_round_trip"],
    },
    SourceItem {
        file: "spec/src/crypto/aes_gcm.rs",
        function: "seal",
        attribute: "ensures",
        states: "the output is the plaintext length plus the 16-byte tag",
        tests: &["spec/tests/crypto_rfc.rs::aes_gcm_round_trip"],
    },
    SourceItem {
        file: "spec/src/crypto/aes_gcm.rs",
        function: "open",
        attribute: "ensures",
        states: "on success the plaintext is 16 bytes shorter than the input; every failure is AuthFailure",
        tests: &[CRYPTO_CONTRACTS],
    },
    SourceItem {
        file: "spec/src/crypto/aes_cbc.rs",
        function: "encrypt",
        attribute: "ensures",
        states: "the ciphertext is a whole number of blocks, 1 to 16 bytes longer than the plaintext (PKCS#7)",
        tests: &["spec/tests/crypto_rfc.rs::aes_cbc_round_trip"],
    },
    SourceItem {
        file: "spec/src/crypto/aes_cbc.rs",
        function: "decrypt",
        attribute: "ensures",
        states: "on success the plaintext is 1 to 16 bytes shorter than the ciphertext",
        tests: &[CRYPTO_CONTRACTS, "spec/tests/crypto_rfc.rs::aes_cbc_random_blocks"],
    },
    SourceItem {
        file: "spec/src/crypto/kdf.rs",
        function: "hkdf_sha256",
        attribute: "ensures",
        states: "on success the output has the requested length; the only failure is OutputTooLong, for more than 255 * 32 bytes",
        tests: &["spec/tests/crypto_rfc.rs::hkdf_output_length", "spec/tests/crypto_rfc.rs::hkdf_length_bound"],
    },
    SourceItem {
        file: "spec/src/crypto/kdf.rs",
        function: "verify_hmac_sha256_truncated",
        attribute: "ensures",
        states: "acceptance implies a tag of 1 to 32 bytes; failures are AuthFailure, or InvalidLength for an empty or over-long tag",
        tests: &[CRYPTO_CONTRACTS, "spec/tests/crypto_rfc.rs::hmac_truncated_prefixes_verify"],
    },
    // Opaque primitives: trusted bodies (RustCrypto / dalek), anchored by third-party vectors.
    SourceItem {
        file: "spec/src/crypto/x25519.rs",
        function: "public_key",
        attribute: "opaque",
        states: "X25519(k, 9) (RFC 7748 §6.1)",
        tests: &["spec/tests/crypto_rfc.rs::rfc7748_6_1_diffie_hellman"],
    },
    SourceItem {
        file: "spec/src/crypto/x25519.rs",
        function: "dh",
        attribute: "opaque",
        states: "X25519(k, u), refusing the all-zero output (RFC 7748 §5, §6.1)",
        tests: &[
            "spec/tests/crypto_wycheproof.rs::wycheproof_x25519",
            "spec/tests/crypto_rfc.rs::rfc7748_5_2_vectors",
            "spec/tests/crypto_rfc.rs::x25519_low_order_refused",
        ],
    },
    SourceItem {
        file: "spec/src/crypto/xeddsa.rs",
        function: "sign",
        attribute: "opaque",
        states: "XEdDSA signing in libsignal's variant (XEdDSA §3)",
        tests: &[
            "spec/tests/crypto_rfc.rs::xeddsa_kat_libsignal_protocol_c_curvesig",
            "spec/tests/crypto_rfc.rs::xeddsa_sign_then_verify",
        ],
    },
    SourceItem {
        file: "spec/src/crypto/xeddsa.rs",
        function: "verify",
        attribute: "opaque",
        states: "XEdDSA verification, refusing non-canonical encodings (XEdDSA §3)",
        tests: &[
            "spec/tests/crypto_rfc.rs::xeddsa_kat_libsignal_rust",
            "spec/tests/crypto_rfc.rs::xeddsa_rejects_every_bit_flip",
            "spec/tests/crypto_rfc.rs::xeddsa_rejects_non_canonical_s",
        ],
    },
    SourceItem {
        file: "spec/src/crypto/kdf.rs",
        function: "hkdf_sha256",
        attribute: "opaque",
        states: "HKDF-SHA256 (RFC 5869)",
        tests: &["spec/tests/crypto_wycheproof.rs::wycheproof_hkdf_sha256", "spec/tests/crypto_rfc.rs::rfc5869_a1"],
    },
    SourceItem {
        file: "spec/src/crypto/kdf.rs",
        function: "hkdf_sha256_fixed",
        attribute: "opaque",
        states: "HKDF-SHA256 (RFC 5869) with a compile-time output length",
        tests: &["harness/adapters/vodozemac/tests/megolm_spec.rs::session_keys_and_messages_are_byte_identical"],
    },
    SourceItem {
        file: "spec/src/crypto/ed25519.rs",
        function: "public_key",
        attribute: "opaque",
        states: "Ed25519 public key of an RFC 8032 seed (§5.1.5)",
        tests: &["spec/tests/ed25519.rs::rfc8032_test_vectors"],
    },
    SourceItem {
        file: "spec/src/crypto/ed25519.rs",
        function: "sign",
        attribute: "opaque",
        states: "Ed25519 signing (RFC 8032 §5.1.6), deterministic",
        tests: &["spec/tests/ed25519.rs::rfc8032_test_vectors"],
    },
    SourceItem {
        file: "spec/src/crypto/ed25519.rs",
        function: "check_public_key",
        attribute: "opaque",
        states: "32 bytes decode to an Edwards25519 point (RFC 8032 §5.1.3)",
        tests: &["spec/tests/ed25519.rs::a_non_point_is_an_invalid_key"],
    },
    SourceItem {
        file: "spec/src/crypto/ed25519.rs",
        function: "verify",
        attribute: "opaque",
        states: "Ed25519 verification, strict (RFC 8032 §5.1.7; canonical S, no small-order A or R)",
        tests: &["spec/tests/ed25519.rs::wycheproof_ed25519"],
    },
    SourceItem {
        file: "spec/src/crypto/kdf.rs",
        function: "hmac_sha256",
        attribute: "opaque",
        states: "HMAC-SHA256 (RFC 2104, RFC 4231)",
        tests: &["spec/tests/crypto_wycheproof.rs::wycheproof_hmac_sha256", "spec/tests/crypto_rfc.rs::rfc4231_hmac_sha256"],
    },
    SourceItem {
        file: "spec/src/crypto/kdf.rs",
        function: "verify_hmac_sha256_truncated",
        attribute: "opaque",
        states: "constant-time comparison with a truncated HMAC-SHA256 tag",
        tests: &["spec/tests/crypto_rfc.rs::rfc4231_case5_truncated"],
    },
    SourceItem {
        file: "spec/src/crypto/chacha.rs",
        function: "seal",
        attribute: "opaque",
        states: "ChaCha20-Poly1305 encryption (RFC 8439 §2.8)",
        tests: &["spec/tests/crypto_wycheproof.rs::wycheproof_chacha20_poly1305", "spec/tests/crypto_rfc.rs::rfc8439_2_8_2_aead"],
    },
    SourceItem {
        file: "spec/src/crypto/chacha.rs",
        function: "open",
        attribute: "opaque",
        states: "ChaCha20-Poly1305 decryption (RFC 8439 §2.8)",
        tests: &["spec/tests/crypto_wycheproof.rs::wycheproof_chacha20_poly1305"],
    },
    SourceItem {
        file: "spec/src/crypto/aes_gcm.rs",
        function: "seal",
        attribute: "opaque",
        states: "AES-256-GCM encryption with a 96-bit IV (SP 800-38D §7.1)",
        tests: &["spec/tests/crypto_wycheproof.rs::wycheproof_aes_gcm"],
    },
    SourceItem {
        file: "spec/src/crypto/aes_gcm.rs",
        function: "open",
        attribute: "opaque",
        states: "AES-256-GCM decryption with a 96-bit IV (SP 800-38D §7.2)",
        tests: &["spec/tests/crypto_wycheproof.rs::wycheproof_aes_gcm"],
    },
    SourceItem {
        file: "spec/src/crypto/aes_cbc.rs",
        function: "encrypt",
        attribute: "opaque",
        states: "AES-256-CBC with PKCS#7 padding",
        tests: &["spec/tests/crypto_wycheproof.rs::wycheproof_aes_cbc_pkcs5"],
    },
    SourceItem {
        file: "spec/src/crypto/aes_cbc.rs",
        function: "decrypt",
        attribute: "opaque",
        states: "AES-256-CBC decryption with PKCS#7 unpadding",
        tests: &["spec/tests/crypto_wycheproof.rs::wycheproof_aes_cbc_pkcs5", "spec/tests/crypto_rfc.rs::aes_cbc_lengths_and_padding"],
    },
];

/// Panic freedom: no function reachable from outside input panics.
const PANIC_FREEDOM_TESTS: &[&str] = &[
    "spec/tests/no_panic.rs::decrypt_arbitrary_bytes",
    "spec/tests/no_panic.rs::decrypt_mutated_message",
    "spec/tests/no_panic.rs::ratchet_functions_arbitrary",
    "spec/tests/no_panic.rs::x3dh_arbitrary_keys",
    "spec/tests/crypto_rfc.rs::nothing_panics",
];

const HAX: &str = "hax 0.4.2 (cargo hax into fstar), then F*";

/// The manifest as `proofs/obligations.json` holds it.
pub fn manifest_json(models: &[Model]) -> String {
    let mut obligations = Vec::new();
    for item in SOURCE {
        let (kind, verifier, status) = if item.attribute == "opaque" {
            (
                "assumption",
                "none: trusted primitive (hax treats the body as opaque)",
                "anchored by third-party vectors",
            )
        } else {
            (
                "hax-contract",
                HAX,
                "run-time tested; not machine-verified here",
            )
        };
        obligations.push(serde_json::json!({
            "id": format!("{}::{}#{}", item.file, item.function, item.attribute),
            "kind": kind,
            "subject": format!("{}::{}", item.file, item.function),
            "attribute": item.attribute,
            "states": item.states,
            "verifier": verifier,
            "checked_by": item.tests,
            "status": status,
        }));
    }
    obligations.push(serde_json::json!({
        "id": "spec/src#panic-freedom",
        "kind": "panic-freedom",
        "subject": "every public function of e2ee-spec on input from outside (messages, keys, signatures, states)",
        "states": "no panic, no arithmetic overflow, no out-of-bounds index: bad input is a typed Error",
        "verifier": format!("{HAX} (extraction emits the overflow and bounds obligations)"),
        "checked_by": PANIC_FREEDOM_TESTS,
        "status": "run-time tested (property tests on arbitrary and mutated input); not machine-verified here",
    }));
    for m in models {
        for q in &m.queries {
            let mut o = serde_json::json!({
                "id": format!("proofs/proverif/{}#{}", m.file, q.id),
                "kind": "proverif-query",
                "subject": m.summary,
                "property": q.property,
                "states": q.meaning,
                "expected": q.expected.as_str(),
                "verifier": format!("ProVerif {}", super::PROVERIF_VERSION),
                "checked_by": ["e2ee-conform proofs check"],
                "status": "see proofs/results.json for the recorded run",
            });
            // Only models that name their spec functions get the key, so the entries of the
            // others stay as they were.
            if !m.functions.is_empty() {
                o["functions"] = serde_json::json!(m.functions);
            }
            obligations.push(o);
        }
    }
    // The test's path here is from before the crate move (now proofs/tests/proofs.rs); it
    // stays until the manifest is next regenerated for a reason of its own, so that the move
    // itself changes no generated byte.
    let doc = serde_json::json!({
        "about": "Every proof obligation of the spec: hax contracts (requires/ensures on spec functions), panic freedom, ProVerif queries, and the trusted primitives they rest on. Generated by `e2ee-conform proofs export`; harness/tests/proofs.rs fails when a contract in spec/src is missing here.",
        "obligations": obligations,
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("JSON");
    text.push('\n');
    text
}
