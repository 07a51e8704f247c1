//! SHIM.md's example exchange stays true to the protocol: every request line in it parses
//! as a request of this runner, and every reply line is a well-formed reply to it. Its tables
//! of injected fields and bundle fields, and the failures directory's default, are the code's.

use e2ee_iut::jsonl;
use e2ee_iut::protocol::{Bundle, Iut, MessageKind, Reply, Request};
use e2ee_vectors::spec_iut::SpecIut;

#[test]
fn shim_md_example_parses() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/SHIM.md")).unwrap();
    let mut last = None;
    let mut pairs = 0;
    for line in doc.lines() {
        if let Some(req) = line.strip_prefix("> {") {
            let text = format!("{{{req}");
            let (id, request) = jsonl::parse_request_line(&text);
            let request =
                request.unwrap_or_else(|e| panic!("SHIM.md request does not parse: {text}: {e}"));
            last = Some((id.expect("request has an id"), request));
        } else if let Some(rep) = line.strip_prefix("< {") {
            let text = format!("{{{rep}");
            let (id, request) = last.take().expect("a reply follows a request");
            match jsonl::parse_reply_line(&text, id, &request) {
                Ok(_) | Err(e2ee_iut::Failure::Rejected { .. }) => pairs += 1,
                Err(e) => panic!(
                    "SHIM.md reply to {} is malformed: {text}: {e}",
                    request.op()
                ),
            }
        }
    }
    assert!(
        pairs >= 9,
        "the example covers every operation ({pairs} exchanges)"
    );
}

fn shim_md() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/SHIM.md")).unwrap()
}

/// The rows of the first table under the `## {section}` heading, cells trimmed and without
/// backticks; the header and separator rows are left out.
fn table(doc: &str, section: &str) -> Vec<Vec<String>> {
    let start = doc
        .find(&format!("\n## {section}\n"))
        .unwrap_or_else(|| panic!("SHIM.md has no section {section}"));
    doc[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().replace('`', ""))
                .collect()
        })
        .collect()
}

fn hex(n: usize) -> String {
    "11".repeat(n)
}

/// Every request of the protocol with every optional field present.
fn full_requests() -> Vec<Request> {
    let bundle = Bundle {
        identity_key: hex(32),
        registration_id: Some(1),
        signed_prekey_id: Some(1),
        signed_prekey: Some(hex(32)),
        signed_prekey_signature: Some(hex(64)),
        one_time_prekey_id: Some(1),
        one_time_prekey: Some(hex(32)),
        kyber_prekey_id: Some(1),
        kyber_prekey: Some(hex(1569)),
        kyber_prekey_signature: Some(hex(64)),
    };
    let (party, peer) = ("p".to_string(), "bob".to_string());
    vec![
        Request::Hello {
            protocol: 1,
            minor: 1,
        },
        Request::Reset {},
        Request::CreateParty {
            profile: "modern".into(),
            header_encryption: false,
            identity_private: Some(hex(32)),
            registration_id: Some(1),
            version_byte: None,
        },
        Request::CreateBundle {
            party: party.clone(),
            signed_prekey_id: 1,
            signed_prekey_private: Some(hex(32)),
            one_time_prekey_id: Some(1),
            one_time_prekey_private: Some(hex(32)),
            signature_randomness: Some(hex(64)),
            kyber_prekey_id: Some(1),
            kyber_prekey_seed: Some(hex(64)),
            kyber_prekey_private: Some(hex(3168)),
            kyber_signature_randomness: Some(hex(64)),
            kyber_last_resort: true,
        },
        Request::Initiate {
            party: party.clone(),
            peer: peer.clone(),
            bundle,
            base_key_private: Some(hex(32)),
            ratchet_private: Some(hex(32)),
            kem_randomness: Some(hex(32)),
        },
        Request::Encrypt {
            party: party.clone(),
            peer: peer.clone(),
            plaintext: hex(1),
            ratchet_private: Some(hex(32)),
            header_nonce: Some(hex(12)),
        },
        Request::Decrypt {
            party: party.clone(),
            peer,
            kind: MessageKind::Normal,
            message: hex(1),
            ratchet_private: Some(hex(32)),
        },
        Request::Snapshot {
            party: party.clone(),
        },
        Request::Restore {
            party,
            snapshot: "s".into(),
        },
    ]
}

/// SHIM.md §Randomness per profile has one row for each injected field (`*_private`,
/// `*_randomness`, `header_nonce`) of each request in protocol.rs, and no other row, and says
/// something for every profile.
#[test]
fn randomness_table_rows_are_the_injected_fields_of_protocol_rs() {
    let mut fields = Vec::new();
    for request in full_requests() {
        let json = serde_json::to_value(&request).unwrap();
        for key in json.as_object().unwrap().keys() {
            if key.ends_with("_private")
                || key.ends_with("_randomness")
                || key.ends_with("_seed")
                || key == "header_nonce"
            {
                fields.push((request.op().to_string(), key.clone()));
            }
        }
    }
    let rows = table(&shim_md(), "Randomness per profile");
    let mut documented = Vec::new();
    for row in &rows {
        assert_eq!(
            row.len(),
            6,
            "op | field | modern | signal-v3 | signal-v4 | olm-v1: {row:?}"
        );
        assert!(
            row[2..].iter().all(|c| !c.is_empty()),
            "empty cell: {row:?}"
        );
        documented.push((row[0].clone(), row[1].clone()));
    }
    fields.sort();
    documented.sort();
    assert!(
        fields.len() >= 9,
        "protocol.rs has its injected fields ({fields:?})"
    );
    assert_eq!(documented, fields);
}

/// SHIM.md §Bundles per profile is what the reference shim publishes in each profile, and
/// lists every field of protocol.rs's `Bundle`.
#[test]
fn bundle_table_is_what_the_reference_shim_publishes() {
    let rows = table(&shim_md(), "Bundles per profile");
    let all = serde_json::to_value(match &full_requests()[4] {
        Request::Initiate { bundle, .. } => bundle.clone(),
        _ => unreachable!(),
    })
    .unwrap();
    let mut listed: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let mut fields: Vec<&str> = all
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    listed.sort();
    fields.sort();
    assert_eq!(listed, fields);
    for (column, profile) in ["modern", "signal-v3", "signal-v4", "olm-v1"]
        .iter()
        .enumerate()
    {
        let mut shim = SpecIut::new(1);
        let party = match shim.call(&Request::CreateParty {
            profile: profile.to_string(),
            header_encryption: false,
            identity_private: None,
            registration_id: Some(7),
            version_byte: None,
        }) {
            Ok(Reply::Party { party, .. }) => party,
            other => panic!("{profile}: create_party: {other:?}"),
        };
        let bundle = match shim.call(&Request::CreateBundle {
            party,
            signed_prekey_id: 1,
            signed_prekey_private: None,
            one_time_prekey_id: Some(2),
            one_time_prekey_private: None,
            signature_randomness: None,
            kyber_prekey_id: Some(3),
            kyber_prekey_seed: None,
            kyber_prekey_private: None,
            kyber_signature_randomness: None,
            kyber_last_resort: false,
        }) {
            Ok(Reply::Bundle(b)) => serde_json::to_value(b).unwrap(),
            other => panic!("{profile}: create_bundle: {other:?}"),
        };
        let mut present: Vec<&str> = bundle
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        let mut want: Vec<&str> = rows
            .iter()
            .filter(|r| r[column + 1] == "yes")
            .map(|r| r[0].as_str())
            .collect();
        present.sort();
        want.sort();
        assert_eq!(present, want, "{profile}'s bundle");
    }
}

/// The failures directory's default, as `run --help` prints it, is the one SHIM.md gives.
#[test]
fn failures_dir_default_is_documented() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_e2ee-conform"))
        .args(["run", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let option = help
        .find("--failures-dir")
        .expect("run --help lists --failures-dir");
    let rest = &help[option..];
    let start = rest
        .find("[default: ")
        .expect("--failures-dir has a default")
        + 10;
    let default = &rest[start..start + rest[start..].find(']').unwrap()];
    assert!(!default.is_empty());
    assert!(
        shim_md().contains(&format!("`--failures-dir DIR`, default **`{default}`**")),
        "SHIM.md §Expectations and failures gives the default {default}"
    );
}
