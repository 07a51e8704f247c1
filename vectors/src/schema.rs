//! The JSON Schemas (draft 2020-12) of the vector files, one per file type, written as code
//! so that the envelope and the shared definitions are stated once. `vectors/schema/` holds
//! their rendering (`write_all`); a test keeps it in step with this module.

use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

fn hex() -> Value {
    json!({"type": "string", "pattern": "^([0-9a-f]{2})*$"})
}

fn hex_len(bytes: usize) -> Value {
    json!({"type": "string", "pattern": format!("^[0-9a-f]{{{}}}$", 2 * bytes)})
}

fn uint() -> Value {
    json!({"type": "integer", "minimum": 0, "maximum": 4294967295u64})
}

/// Milliseconds since the Unix epoch: the spec takes any u64, the files stay below 2^53 so
/// that every JSON reader (JavaScript's numbers) reads them exactly.
fn timestamp() -> Value {
    json!({"type": "integer", "minimum": 0, "maximum": 9007199254740991u64})
}

fn string() -> Value {
    json!({"type": "string"})
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/$defs/{name}")})
}

/// A closed object: `required` fields, then optional ones.
fn object(required: &[(&str, Value)], optional: &[(&str, Value)]) -> Value {
    let mut properties = Map::new();
    for (k, v) in required.iter().chain(optional) {
        properties.insert(k.to_string(), v.clone());
    }
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": required.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        "properties": properties,
    })
}

/// A known-answer test: the common fields and the type's own.
fn kat_test(required: &[(&str, Value)], optional: &[(&str, Value)]) -> Value {
    let mut all = vec![
        ("tcId", reference("tcId")),
        ("comment", string()),
        ("flags", reference("flags")),
        ("result", reference("result")),
    ];
    all.extend(required.iter().cloned());
    object(&all, optional)
}

fn header_json() -> Value {
    object(
        &[
            ("ratchetKey", hex_len(32)),
            ("previousCounter", uint()),
            ("counter", uint()),
        ],
        &[],
    )
}

/// The shim protocol's bundle (snake_case keys, raw 32-byte keys).
fn bundle() -> Value {
    object(
        &[("identity_key", hex_len(32))],
        &[
            ("registration_id", uint()),
            ("signed_prekey_id", uint()),
            ("signed_prekey", hex_len(32)),
            ("signed_prekey_signature", hex_len(64)),
            ("one_time_prekey_id", uint()),
            ("one_time_prekey", hex_len(32)),
            ("kyber_prekey_id", uint()),
            // Any length: vectors carry keys of the wrong length on purpose.
            ("kyber_prekey", hex()),
            ("kyber_prekey_signature", hex_len(64)),
        ],
    )
}

fn common_defs() -> Map<String, Value> {
    let mut defs = Map::new();
    defs.insert(
        "tcId".into(),
        json!({"type": "string", "pattern": "^[a-z0-9_]+(\\.[a-z0-9_]+)+$"}),
    );
    defs.insert(
        "flags".into(),
        json!({"type": "array", "uniqueItems": true, "items": {"type": "string", "pattern": "^[A-Z][A-Za-z0-9]*$"}}),
    );
    defs.insert(
        "result".into(),
        json!({"enum": ["valid", "invalid", "acceptable"]}),
    );
    defs.insert(
        "errorClass".into(),
        json!({"enum": e2ee_iut::protocol::ERROR_CLASSES}),
    );
    defs.insert(
        "note".into(),
        object(
            &[
                ("bugType", json!({"enum": ALL_BUG_TYPES})),
                ("description", string()),
            ],
            &[
                ("effect", string()),
                ("links", json!({"type": "array", "items": string()})),
            ],
        ),
    );
    defs
}

/// Every `BugType` (envelope.rs), as the JSON names them.
const ALL_BUG_TYPES: [&str; 23] = [
    "BASIC",
    "AUTH_BYPASS",
    "CAN_OF_WORMS",
    "EDGE_CASE",
    "MALLEABILITY",
    "MISSING_STEP",
    "MODIFIED_PARAMETER",
    "SIGNATURE_MALLEABILITY",
    "WRONG_PRIMITIVE",
    "KNOWN_BUG",
    "FUNCTIONALITY",
    "LEGACY",
    "REPLAY",
    "STATE_ROLLBACK",
    "SKIP_LIMIT_DOS",
    "UNAUTHENTICATED_HEADER",
    "KEY_REUSE",
    "STATE_CORRUPTION",
    "LOW_ORDER_POINT",
    "UNBOUND_ASSOCIATED_DATA",
    "PREKEY_REUSE",
    "DOWNGRADE",
    "KEY_COMMITMENT",
];

/// A whole file: the envelope around groups of `group`.
fn envelope(name: &str, title: &str, group: Value, mut defs: Map<String, Value>) -> Value {
    defs.extend(common_defs());
    let mut file = object(
        &[
            ("algorithm", string()),
            (
                "profile",
                json!({"enum": e2ee_spec::Profile::ALL
                    .map(|p| p.name())
                    .into_iter()
                    .chain(e2ee_spec::group::GroupProfile::ALL.map(|p| p.name()))
                    .collect::<Vec<_>>()}),
            ),
            ("schema", json!({"const": name})),
            ("numberOfTests", json!({"type": "integer", "minimum": 0})),
            ("header", json!({"type": "array", "items": string()})),
            (
                "notes",
                json!({"type": "object", "propertyNames": {"pattern": "^[A-Z][A-Za-z0-9]*$"}, "additionalProperties": reference("note")}),
            ),
            ("testGroups", json!({"type": "array", "items": group})),
        ],
        &[],
    );
    let obj = file.as_object_mut().expect("object");
    obj.insert("$schema".into(), json!(DRAFT));
    obj.insert(
        "$id".into(),
        json!(format!(
            "https://e2ee-conform.invalid/vectors/schema/{name}"
        )),
    );
    obj.insert("title".into(), json!(title));
    obj.insert("$defs".into(), Value::Object(defs));
    file
}

fn kat_file(name: &str, title: &str, group_type: &str, with_info: bool, test: Value) -> Value {
    let optional: Vec<(&str, Value)> = if with_info {
        vec![("info", hex())]
    } else {
        vec![]
    };
    let group = object(
        &[
            ("type", json!({"const": group_type})),
            (
                "tests",
                json!({"type": "array", "items": reference("test")}),
            ),
        ],
        &optional,
    );
    let mut defs = Map::new();
    defs.insert("test".into(), test);
    envelope(name, title, group, defs)
}

fn x3dh_parties() -> Vec<(&'static str, Value)> {
    vec![
        ("identityPrivateA", hex_len(32)),
        ("identityKeyA", hex_len(32)),
        ("baseKeyPrivate", hex_len(32)),
        ("baseKey", hex_len(32)),
        ("identityPrivateB", hex_len(32)),
        ("identityKeyB", hex_len(32)),
        ("signedPrekeyPrivate", hex_len(32)),
        ("signedPrekey", hex_len(32)),
        ("signedPrekeySignature", hex_len(64)),
    ]
}

fn x3dh_optional() -> Vec<(&'static str, Value)> {
    vec![
        ("oneTimePrekeyPrivate", hex_len(32)),
        ("oneTimePrekey", hex_len(32)),
    ]
}

fn trace_schema() -> Value {
    let expect = object(
        &[],
        &[
            ("error", reference("errorClass")),
            ("bundle", reference("bundle")),
            ("kind", reference("kind")),
            ("message", hex()),
            ("plaintext", hex()),
            ("digest", hex_len(32)),
        ],
    );
    let op = |name: &str| json!({"const": name});
    let steps = vec![
        object(
            &[
                ("op", op("publish")),
                ("actor", string()),
                ("signedPrekeyId", uint()),
                ("signedPrekeyPrivate", hex_len(32)),
                ("signatureRandomness", hex_len(64)),
                ("expect", reference("expect")),
            ],
            &[
                ("oneTimePrekeyId", uint()),
                ("oneTimePrekeyPrivate", hex_len(32)),
                ("kyberPrekeyId", uint()),
                ("kyberPrekeySeed", hex_len(64)),
                ("kyberSignatureRandomness", hex_len(64)),
                ("kyberLastResort", json!({"type": "boolean"})),
            ],
        ),
        object(
            &[
                ("op", op("initiate")),
                ("actor", string()),
                ("peer", string()),
                ("baseKeyPrivate", hex_len(32)),
                ("ratchetPrivate", hex_len(32)),
                ("expect", reference("expect")),
            ],
            &[
                ("bundle", reference("bundle")),
                ("kemRandomness", hex_len(32)),
            ],
        ),
        object(
            &[
                ("op", op("send")),
                ("actor", string()),
                ("peer", string()),
                ("label", string()),
                ("plaintext", hex()),
                ("ratchetPrivate", hex_len(32)),
                ("headerNonce", hex_len(12)),
                ("expect", reference("expect")),
            ],
            &[],
        ),
        object(
            &[
                ("op", op("deliver")),
                ("actor", string()),
                ("peer", string()),
                ("label", string()),
                ("ratchetPrivate", hex_len(32)),
                ("expect", reference("expect")),
            ],
            &[],
        ),
        object(&[("op", op("drop")), ("label", string())], &[]),
        object(
            &[
                ("op", op("tamper")),
                ("label", string()),
                ("as", string()),
                ("field", json!({"enum": crate::layout::field_names()})),
                ("fieldOffset", json!({"type": "integer"})),
                ("offset", json!({"type": "integer", "minimum": 0})),
                (
                    "xor",
                    json!({"type": "integer", "minimum": 1, "maximum": 255}),
                ),
            ],
            &[],
        ),
        object(
            &[
                ("op", op("inject")),
                ("label", string()),
                ("kind", reference("kind")),
                ("message", hex()),
            ],
            &[],
        ),
        object(
            &[
                ("op", op("snapshot")),
                ("actor", string()),
                ("name", string()),
            ],
            &[],
        ),
        object(
            &[
                ("op", op("restore")),
                ("actor", string()),
                ("name", string()),
            ],
            &[],
        ),
    ];
    let party = object(
        &[
            ("name", string()),
            ("identityPrivate", hex_len(32)),
            ("registrationId", uint()),
        ],
        &[("versionByte", hex_len(1))],
    );
    let test = object(
        &[
            ("tcId", reference("tcId")),
            ("comment", string()),
            ("flags", reference("flags")),
            ("result", reference("result")),
            (
                "parties",
                json!({"type": "array", "minItems": 1, "items": party}),
            ),
            ("steps", json!({"type": "array", "items": {"oneOf": steps}})),
        ],
        &[("receiver", string())],
    );
    let group = object(
        &[
            ("type", json!({"const": "TraceTest"})),
            ("headerEncryption", json!({"type": "boolean"})),
            (
                "tests",
                json!({"type": "array", "items": reference("test")}),
            ),
        ],
        &[],
    );
    let mut defs = Map::new();
    defs.insert("test".into(), test);
    defs.insert("expect".into(), expect);
    defs.insert("bundle".into(), bundle());
    defs.insert("kind".into(), json!({"enum": ["prekey", "normal"]}));
    envelope(
        "trace.schema.json",
        "Trace vectors: conversations as steps with expected results",
        group,
        defs,
    )
}

fn group_trace_schema() -> Value {
    let expect = object(
        &[],
        &[
            ("error", reference("errorClass")),
            ("distribution", hex()),
            ("message", hex()),
            ("plaintext", hex()),
        ],
    );
    let op = |name: &str| json!({"const": name});
    let with_expect = |name: &str, fields: &[(&str, Value)], optional: &[(&str, Value)]| {
        let mut required = vec![("op", op(name)), ("actor", string())];
        required.extend(fields.iter().cloned());
        required.push(("expect", reference("expect")));
        object(&required, optional)
    };
    let steps = vec![
        with_expect(
            "create",
            &[
                ("group", string()),
                ("label", string()),
                ("chainKey", hex()),
                ("iteration", uint()),
                ("signingPrivate", hex_len(32)),
            ],
            &[("distributionId", hex_len(16)), ("chainId", uint())],
        ),
        with_expect("share", &[("group", string()), ("label", string())], &[]),
        with_expect("join", &[("sender", string()), ("label", string())], &[]),
        with_expect(
            "send",
            &[
                ("group", string()),
                ("label", string()),
                ("plaintext", hex()),
            ],
            &[("signatureRandomness", hex_len(64))],
        ),
        with_expect("deliver", &[("sender", string()), ("label", string())], &[]),
        object(
            &[("op", op("inject")), ("label", string()), ("bytes", hex())],
            &[("sessionId", hex_len(32))],
        ),
        object(
            &[
                ("op", op("tamper")),
                ("label", string()),
                ("as", string()),
                ("fromEnd", json!({"type": "integer", "minimum": 1})),
                (
                    "xor",
                    json!({"type": "integer", "minimum": 1, "maximum": 255}),
                ),
            ],
            &[],
        ),
        object(
            &[
                ("op", op("snapshot")),
                ("actor", string()),
                ("name", string()),
            ],
            &[],
        ),
        object(
            &[
                ("op", op("restore")),
                ("actor", string()),
                ("name", string()),
            ],
            &[],
        ),
    ];
    let test = object(
        &[
            ("tcId", reference("tcId")),
            ("comment", string()),
            ("flags", reference("flags")),
            ("result", reference("result")),
            (
                "members",
                json!({"type": "array", "minItems": 1, "items": string()}),
            ),
            ("steps", json!({"type": "array", "items": {"oneOf": steps}})),
        ],
        &[],
    );
    let group = object(
        &[
            ("type", json!({"const": "GroupTraceTest"})),
            (
                "tests",
                json!({"type": "array", "items": reference("test")}),
            ),
        ],
        &[],
    );
    let mut defs = Map::new();
    defs.insert("test".into(), test);
    defs.insert("expect".into(), expect);
    envelope(
        "group_trace.schema.json",
        "Group trace vectors: Sender Keys and Megolm conversations as steps with expected results",
        group,
        defs,
    )
}

/// Every schema: (file name, schema).
pub fn schemas() -> Vec<(&'static str, Value)> {
    let x3dh_modern = {
        let mut r = x3dh_parties();
        r.extend([
            ("keyMaterial", hex()),
            ("ad", hex_len(66)),
            ("sharedSecret", hex_len(32)),
            ("headerKey", hex_len(32)),
            ("nextHeaderKey", hex_len(32)),
        ]);
        kat_test(&r, &x3dh_optional())
    };
    let x3dh_signal = {
        let mut r = x3dh_parties();
        r.extend([
            ("keyMaterial", hex()),
            ("ad", hex_len(66)),
            ("rootKey", hex_len(32)),
            ("chainKey", hex_len(32)),
        ]);
        kat_test(&r, &x3dh_optional())
    };
    let pqxdh = {
        let mut r = x3dh_parties();
        r.extend([
            ("kyberPrekeySeed", hex_len(64)),
            ("kyberPrekey", hex_len(1569)),
            ("kyberPrekeySignature", hex_len(64)),
            ("kemRandomness", hex_len(32)),
            ("kyberCiphertext", hex_len(1569)),
            ("kemSharedSecret", hex_len(32)),
            ("keyMaterial", hex()),
            ("ad", hex_len(66)),
            ("rootKey", hex_len(32)),
            ("chainKey", hex_len(32)),
        ]);
        kat_test(&r, &x3dh_optional())
    };
    let kem = kat_test(
        &[
            ("kem", json!({"enum": ["Kyber1024", "ML-KEM-1024"]})),
            ("seed", hex_len(64)),
            ("publicKey", hex_len(1569)),
            ("m", hex_len(32)),
            ("ciphertext", hex_len(1569)),
            ("sharedSecret", hex_len(32)),
        ],
        &[],
    );
    vec![
        ("trace.schema.json", trace_schema()),
        ("group_trace.schema.json", group_trace_schema()),
        (
            "pqxdh.schema.json",
            kat_file(
                "pqxdh.schema.json",
                "PQXDH key agreement (signal-v4)",
                "PqxdhTest",
                true,
                pqxdh,
            ),
        ),
        (
            "kem.schema.json",
            kat_file(
                "kem.schema.json",
                "KEM known answers (Kyber1024, ML-KEM-1024)",
                "KemTest",
                false,
                kem,
            ),
        ),
        (
            "kdf_rk.schema.json",
            kat_file(
                "kdf_rk.schema.json",
                "Double Ratchet KDF_RK known answers",
                "KdfRkTest",
                true,
                kat_test(
                    &[
                        ("rk", hex_len(32)),
                        ("dhOut", hex_len(32)),
                        ("rootKey", hex_len(32)),
                        ("chainKey", hex_len(32)),
                    ],
                    &[],
                ),
            ),
        ),
        (
            "kdf_ck.schema.json",
            kat_file(
                "kdf_ck.schema.json",
                "Double Ratchet KDF_CK known answers",
                "KdfCkTest",
                false,
                kat_test(
                    &[
                        ("chainKey", hex_len(32)),
                        ("nextChainKey", hex_len(32)),
                        ("messageKey", hex_len(32)),
                    ],
                    &[],
                ),
            ),
        ),
        (
            "message_keys_aead.schema.json",
            kat_file(
                "message_keys_aead.schema.json",
                "Message key expansion into an AEAD key and nonce",
                "MessageKeysAeadTest",
                true,
                kat_test(
                    &[
                        ("messageKey", hex_len(32)),
                        ("key", hex_len(32)),
                        ("nonce", hex_len(12)),
                    ],
                    &[],
                ),
            ),
        ),
        (
            "message_keys_cbc.schema.json",
            kat_file(
                "message_keys_cbc.schema.json",
                "Message key expansion into AES-256-CBC and HMAC keys",
                "MessageKeysCbcTest",
                true,
                kat_test(
                    &[
                        ("messageKey", hex_len(32)),
                        ("cipherKey", hex_len(32)),
                        ("macKey", hex_len(32)),
                        ("iv", hex_len(16)),
                    ],
                    &[],
                ),
            ),
        ),
        (
            "message.schema.json",
            kat_file(
                "message.schema.json",
                "Message encryption under one message key",
                "MessageTest",
                false,
                kat_test(
                    &[
                        ("messageKey", hex_len(32)),
                        ("header", header_json()),
                        ("ad", hex()),
                        ("plaintext", hex()),
                        ("message", hex()),
                    ],
                    &[("error", reference("errorClass"))],
                ),
            ),
        ),
        (
            "kdf_rk_he.schema.json",
            kat_file(
                "kdf_rk_he.schema.json",
                "Double Ratchet KDF_RK with header keys",
                "KdfRkHeTest",
                true,
                kat_test(
                    &[
                        ("rk", hex_len(32)),
                        ("dhOut", hex_len(32)),
                        ("rootKey", hex_len(32)),
                        ("chainKey", hex_len(32)),
                        ("nextHeaderKey", hex_len(32)),
                    ],
                    &[],
                ),
            ),
        ),
        (
            "header_encryption.schema.json",
            kat_file(
                "header_encryption.schema.json",
                "Double Ratchet header encryption (HENCRYPT)",
                "HeaderEncryptionTest",
                false,
                kat_test(
                    &[
                        ("headerKey", hex_len(32)),
                        ("nonce", hex_len(12)),
                        ("header", header_json()),
                        ("encryptedHeader", hex()),
                    ],
                    &[("error", reference("errorClass"))],
                ),
            ),
        ),
        (
            "xeddsa.schema.json",
            kat_file(
                "xeddsa.schema.json",
                "XEdDSA signatures (libsignal's variant)",
                "XeddsaTest",
                false,
                kat_test(
                    &[
                        ("publicKey", hex_len(32)),
                        ("message", hex()),
                        ("signature", hex_len(64)),
                    ],
                    &[("privateKey", hex_len(32)), ("randomness", hex_len(64))],
                ),
            ),
        ),
        (
            "x3dh.schema.json",
            kat_file(
                "x3dh.schema.json",
                "X3DH key agreement (modern)",
                "X3dhTest",
                true,
                x3dh_modern,
            ),
        ),
        (
            "x3dh_signal.schema.json",
            kat_file(
                "x3dh_signal.schema.json",
                "X3DH key agreement (signal-v3)",
                "X3dhSignalTest",
                true,
                x3dh_signal,
            ),
        ),
        (
            "olm_triple_dh.schema.json",
            kat_file(
                "olm_triple_dh.schema.json",
                "Olm triple Diffie-Hellman and root key",
                "OlmTripleDhTest",
                true,
                kat_test(
                    &[
                        ("identityPrivateA", hex_len(32)),
                        ("identityKeyA", hex_len(32)),
                        ("baseKeyPrivate", hex_len(32)),
                        ("baseKey", hex_len(32)),
                        ("identityPrivateB", hex_len(32)),
                        ("identityKeyB", hex_len(32)),
                        ("oneTimeKeyPrivate", hex_len(32)),
                        ("oneTimeKey", hex_len(32)),
                        ("keyMaterial", hex_len(96)),
                        ("rootKey", hex_len(32)),
                        ("chainKey", hex_len(32)),
                    ],
                    &[],
                ),
            ),
        ),
        ("committing_aead.schema.json", {
            let mut s = kat_file(
                "committing_aead.schema.json",
                "One ciphertext under two AEAD keys (franking's committing-encryption vectors)",
                "CommittingAeadTest",
                false,
                kat_test(
                    &[
                        (
                            "aead",
                            json!({"enum": [crate::kat::AES_256_GCM, crate::kat::CHACHA20_POLY1305]}),
                        ),
                        ("key1", hex_len(32)),
                        ("key2", hex_len(32)),
                        ("nonce", hex_len(12)),
                        ("aad", hex()),
                        // The ciphertext and its 16-byte tag.
                        (
                            "ct",
                            json!({"type": "string", "pattern": "^([0-9a-f]{2}){16,}$"}),
                        ),
                        ("pt1", hex()),
                    ],
                    &[("pt2", hex())],
                ),
            );
            // Franking is a layer, not a session profile (kat::FRANKING).
            s["properties"]["profile"] = json!({"const": crate::kat::FRANKING});
            s
        }),
        ("franking.schema.json", {
            let mut s = kat_file(
                "franking.schema.json",
                "Message franking: a message franked, tagged, opened and reported",
                "FrankingTest",
                false,
                kat_test(
                    &[
                        ("nF", hex_len(32)),
                        ("m", hex()),
                        ("sender", hex()),
                        ("recipient", hex()),
                        ("timestamp", timestamp()),
                        ("kFb", hex_len(32)),
                        ("payload", hex()),
                        ("tF", hex_len(32)),
                        ("rF", hex_len(32)),
                    ],
                    &[
                        // Absent where a name does not fit its u16 length prefix.
                        ("context", hex()),
                        ("deliveredTF", hex_len(32)),
                        ("report", reference("report")),
                        ("attachment", reference("attachment")),
                        (
                            "earlier",
                            json!({"type": "array", "items": reference("delivery")}),
                        ),
                        ("error", reference("errorClass")),
                    ],
                ),
            );
            s["$defs"]["delivery"] = object(
                &[
                    ("payload", hex()),
                    ("tF", hex_len(32)),
                    ("rF", hex_len(32)),
                    ("sender", hex()),
                    ("recipient", hex()),
                    ("timestamp", timestamp()),
                ],
                &[("error", reference("errorClass"))],
            );
            s["$defs"]["report"] = object(
                &[
                    ("m", hex()),
                    ("nF", hex_len(32)),
                    ("rF", hex_len(32)),
                    ("sender", hex()),
                    ("recipient", hex()),
                    ("timestamp", timestamp()),
                ],
                &[],
            );
            s["$defs"]["attachment"] = object(
                &[
                    // The AES-256-GCM ciphertext and its 16-byte tag.
                    (
                        "ciphertext",
                        json!({"type": "string", "pattern": "^([0-9a-f]{2}){16,}$"}),
                    ),
                ],
                // Absent where the ciphertext must be refused.
                &[("plaintext", hex())],
            );
            s["properties"]["profile"] = json!({"const": crate::kat::FRANKING});
            s
        }),
        ("bundle.schema.json", {
            let mut s = kat_file(
                "bundle.schema.json",
                "Starting a session from a prekey bundle",
                "BundleTest",
                false,
                kat_test(
                    &[
                        ("identityPrivate", hex_len(32)),
                        ("baseKeyPrivate", hex_len(32)),
                        ("ratchetPrivate", hex_len(32)),
                        ("bundle", reference("bundle")),
                    ],
                    &[
                        ("error", reference("errorClass")),
                        ("kemRandomness", hex_len(32)),
                    ],
                ),
            );
            s["$defs"]["bundle"] = bundle();
            s
        }),
    ]
}

/// Pretty JSON with a trailing newline.
pub fn render(schema: &Value) -> String {
    let mut s = serde_json::to_string_pretty(schema).expect("schema serializes");
    s.push('\n');
    s
}

/// Write every schema into `dir` (`vectors/schema/`).
pub fn write_all(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (name, schema) in schemas() {
        let path = dir.join(name);
        std::fs::write(&path, render(&schema))?;
        written.push(path);
    }
    Ok(written)
}
