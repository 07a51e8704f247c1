//! Franking's known answers (`franking/kat_franking.json`) judged without the spec: a small
//! JavaScript program ([`JUDGE`]) re-implements the context encoding, the recipient's check
//! and the server's report check from `spec/PROFILES.md` §Franking with Node's `crypto`
//! (OpenSSL: HMAC-SHA256, SHA-256, AES-256-GCM), and must derive the same tF, rF and context
//! and reach the same verdict, error class and attachment plaintext for every test. Also: the
//! file covers every case it is meant to, and it is the generator's, byte for byte.

mod common;

use common::*;
use e2ee_vectors::envelope::{VectorFile, Verdict};
use e2ee_vectors::kat::{CommittingAeadTest, FrankingStage, FrankingTest, Group, AES_256_GCM};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn path() -> PathBuf {
    data_dir().join("franking/kat_franking.json")
}

fn tests() -> Vec<FrankingTest> {
    let text = std::fs::read_to_string(path()).expect("franking/kat_franking.json");
    let file: VectorFile<Group<FrankingTest>> = serde_json::from_str(&text).expect("parses");
    file.test_groups.into_iter().flat_map(|g| g.tests).collect()
}

fn find<'a>(tests: &'a [FrankingTest], id: &str) -> &'a FrankingTest {
    tests
        .iter()
        .find(|t| t.tc_id == id)
        .unwrap_or_else(|| panic!("{id}"))
}

fn b(s: &str) -> Vec<u8> {
    hex::decode(s).expect("hex")
}

/// Where an invalid test must be refused: "receipt", "attachment" or "report".
fn refused_at(t: &FrankingTest) -> Option<&'static str> {
    t.refused_at().map(|stage| match stage {
        FrankingStage::Receipt => "receipt",
        FrankingStage::Attachment => "attachment",
        FrankingStage::Report => "report",
    })
}

/// PROFILES.md §Franking in JavaScript, written from the table, not from the Rust code.
/// Prints per test what it derived and what it decided; the Rust side compares.
const JUDGE: &str = r#"
'use strict';
const crypto = require('crypto');
const fs = require('fs');

const hex = (s) => Buffer.from(s, 'hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
const sha256 = (data) => crypto.createHash('sha256').update(data).digest();
const same = (a, b) => a.length === b.length && crypto.timingSafeEqual(a, b);

class Refused {
  constructor(cls, why) { this.cls = cls; this.why = why; }
}
const refuse = (cls, why) => { throw new Refused(cls, why); };
// A stage's outcome: its value, or null where it refuses.
function orNull(f) {
  try { return f(); } catch (e) { if (e instanceof Refused) return null; throw e; }
}

function u16(n) { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; }
function u64(n) { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; }

// context = u16(len) || sender || u16(len) || recipient || u64(timestamp ms), big-endian.
function encodeContext(sender, recipient, timestamp) {
  for (const name of [sender, recipient]) {
    if (name.length > 0xffff) refuse('decode_error', 'a name over 65535 bytes');
  }
  return Buffer.concat([u16(sender.length), sender, u16(recipient.length), recipient, u64(timestamp)]);
}

// What the length prefixes exist to prevent: the names concatenated.
function naiveContext(sender, recipient, timestamp) {
  return Buffer.concat([sender, recipient, u64(timestamp)]);
}

// What a u16 prefix written without a bound gives: the length modulo 65536.
function wrappedContext(sender, recipient, timestamp) {
  return Buffer.concat([u16(sender.length % 65536), sender, u16(recipient.length % 65536), recipient, u64(timestamp)]);
}

// M = kind || body: 0x00 text; 0x01 attachment, K_A(32) || nonce(12) || SHA-256(ct)(32) || caption.
function parseMessage(m) {
  if (m.length >= 1 && m[0] === 0x00) return { kind: 'text', text: m.subarray(1) };
  if (m.length >= 1 + 32 + 12 + 32 && m[0] === 0x01) {
    return { kind: 'attachment', key: m.subarray(1, 33), nonce: m.subarray(33, 45),
             digest: m.subarray(45, 77), caption: m.subarray(77) };
  }
  refuse('decode_error', 'M has no known layout');
}

// The recipient: payload = 0x01 || N_F(32) || M, T_F must be HMAC-SHA256(N_F, M), the
// context must encode, and N_F must not be one it kept.
function receive(payload, tF, d, kept) {
  if (payload.length < 33 || payload[0] !== 0x01) refuse('decode_error', 'not version 1, or under 33 bytes');
  const nF = payload.subarray(1, 33);
  const m = payload.subarray(33);
  parseMessage(m);
  if (!same(hmac(nF, m), tF)) refuse('auth_failure', 'T_F does not commit to M');
  encodeContext(d.sender, d.recipient, d.timestamp);
  if (kept.some((k) => same(k.nF, nF))) refuse('duplicate_message', 'a franking key already kept');
  return { nF, m, rF: d.rF, sender: d.sender, recipient: d.recipient, timestamp: d.timestamp };
}

// The server: T_F = HMAC-SHA256(N_F, M), and R_F must be HMAC-SHA256(K_FB, T_F || context).
function verifyReport(kFb, r) {
  const tF = hmac(r.nF, r.m);
  const want = hmac(kFb, Buffer.concat([tF, encodeContext(r.sender, r.recipient, r.timestamp)]));
  if (!same(want, r.rF)) refuse('auth_failure', 'R_F does not verify');
  return parseMessage(r.m);
}

function gcmOpen(key, nonce, sealed) {
  const d = crypto.createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
  } catch (e) {
    refuse('auth_failure', 'the GCM tag does not verify');
  }
}

// Fetched by digest: the digest must match, then AES-256-GCM with K_A and the nonce, no AAD.
function openAttachment(message, sealed) {
  if (message.kind !== 'attachment') refuse('decode_error', 'not an attachment');
  if (!same(sha256(sealed), message.digest)) refuse('auth_failure', 'another ciphertext');
  return gcmOpen(message.key, message.nonce, sealed);
}

// What of `other` (a kept message) a report carries: its N_F, R_F, M or attachment key as
// bytes of the report, or a franking key that opens its commitment.
function reveals(r, other) {
  const carried = Buffer.concat([r.m, r.nF, r.rF, r.sender, r.recipient]);
  const found = [];
  const secrets = { nF: other.nF, rF: other.rF, m: other.m };
  const o = parseMessage(other.m);
  if (o.kind === 'attachment') secrets.key = o.key;
  for (const [name, s] of Object.entries(secrets)) {
    if (s.length > 0 && carried.indexOf(s) >= 0) found.push(name);
  }
  if (same(hmac(r.nF, other.m), hmac(other.nF, other.m))) found.push('opensCommitment');
  return found;
}

const delivery = (x) => ({ rF: hex(x.rF), sender: hex(x.sender), recipient: hex(x.recipient), timestamp: x.timestamp });

const file = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
const results = [];
for (const group of file.testGroups) {
  for (const t of group.tests) {
    const [nF, m, kFb] = [hex(t.nF), hex(t.m), hex(t.kFb)];
    const [sender, recipient, timestamp] = [hex(t.sender), hex(t.recipient), t.timestamp];
    const context = orNull(() => encodeContext(sender, recipient, timestamp));
    const tF = hmac(nF, m);
    const rF = hmac(kFb, Buffer.concat([tF, context || wrappedContext(sender, recipient, timestamp)]));
    const out = {
      tcId: t.tcId,
      context: context && context.toString('hex'),
      tF: tF.toString('hex'),
      rF: rF.toString('hex'),
      payload: Buffer.concat([Buffer.from([0x01]), nF, m]).toString('hex'),
      refusedAt: 'receipt',
    };
    const kept = [];
    out.earlier = (t.earlier || []).map((e) => {
      try {
        kept.push(receive(hex(e.payload), hex(e.tF), delivery(e), kept));
        return null;
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        return err.cls;
      }
    });
    // Would the earlier message a reused key came with open under this test's N_F?
    out.reusedKeyOpens = kept.some((k) => same(hmac(nF, k.m), hmac(k.nF, k.m)));
    const ct = t.attachment ? hex(t.attachment.ciphertext) : null;
    try {
      const d = { rF, sender, recipient, timestamp };
      const got = receive(hex(t.payload), t.deliveredTF ? hex(t.deliveredTF) : tF, d, kept);
      out.refusedAt = 'attachment';
      if (ct) {
        const a = parseMessage(got.m);
        // What a recipient that skips the digest check would show.
        out.undigested = orNull(() => gcmOpen(a.key, a.nonce, ct).toString('hex'));
        out.shown = openAttachment(a, ct).toString('hex');
      }
      out.refusedAt = 'report';
      const r = t.report
        ? { m: hex(t.report.m), nF: hex(t.report.nF), rF: hex(t.report.rF),
            sender: hex(t.report.sender), recipient: hex(t.report.recipient),
            timestamp: t.report.timestamp }
        : got;
      // What a server that skipped the R_F check would resolve the attachment to.
      if (ct) out.unverified = orNull(() => openAttachment(parseMessage(r.m), ct).toString('hex'));
      // Would a server that tagged and checks with concatenated names accept the report
      // with this delivery's tag? (Only asked where the report carries that tag.)
      if (same(r.rF, rF) && context) {
        const naive = (x, ctx) => hmac(kFb, Buffer.concat([hmac(x.nF, x.m), ctx]));
        out.naiveAccepts = same(naive(r, naiveContext(r.sender, r.recipient, r.timestamp)),
                                naive({ nF, m }, naiveContext(sender, recipient, timestamp)));
      }
      // Would a server that wraps the u16 lengths accept it?
      out.wrappedAccepts = same(hmac(kFb, Buffer.concat([hmac(r.nF, r.m),
        wrappedContext(r.sender, r.recipient, r.timestamp)])), r.rF);
      const reported = verifyReport(kFb, r);
      out.resolvesToShown = same(r.m, got.m);
      out.reveals = kept.map((k) => reveals(r, k));
      if (ct) out.resolved = openAttachment(reported, ct).toString('hex');
      out.verdict = 'valid';
      delete out.refusedAt;
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      Object.assign(out, { verdict: 'invalid', error: e.cls, why: e.why });
    }
    results.push(out);
  }
}
process.stdout.write(JSON.stringify({ node: process.version, openssl: process.versions.openssl, results }) + '\n');
"#;

/// The JavaScript judge's verdicts on the committed file (`None`: no Node here).
fn node_judgement() -> Option<Value> {
    let file = path();
    node_json(
        &["-e".as_ref(), JUDGE.as_ref(), file.as_os_str()],
        "the independent judge (Node's crypto)",
    )
}

#[test]
fn every_test_has_its_verdict_with_node() {
    let Some(judgement) = node_judgement() else {
        return;
    };
    let results = judgement["results"].as_array().expect("results");
    let tests = tests();
    assert_eq!(results.len(), tests.len());
    for (t, r) in tests.iter().zip(results) {
        let id = t.tc_id.as_str();
        assert_eq!(r["tcId"], id);
        let s = |k: &str| r[k].as_str().map(str::to_string);
        assert_eq!(s("context"), t.context, "{id}: context");
        assert_eq!(s("tF").as_ref(), Some(&t.t_f), "{id}: tF");
        assert_eq!(s("rF").as_ref(), Some(&t.r_f), "{id}: rF");
        if t.payload_is_senders() {
            assert_eq!(s("payload").as_ref(), Some(&t.payload), "{id}: payload");
        }
        let earlier: Vec<Option<String>> = t.earlier.iter().map(|e| e.error.clone()).collect();
        let judged: Vec<Option<String>> = r["earlier"]
            .as_array()
            .expect("earlier")
            .iter()
            .map(|e| e.as_str().map(str::to_string))
            .collect();
        assert_eq!(judged, earlier, "{id}: the earlier deliveries' outcomes");
        let verdict = match t.result {
            Verdict::Valid => "valid",
            _ => "invalid",
        };
        assert_eq!(r["verdict"], verdict, "{id}: {} ({})", t.comment, r["why"]);
        assert_eq!(s("error"), t.error, "{id}: error class ({})", r["why"]);
        assert_eq!(s("refusedAt").as_deref(), refused_at(t), "{id}: where");
        if let Some(a) = &t.attachment {
            if refused_at(t) != Some("attachment") {
                assert_eq!(s("shown"), a.plaintext, "{id}: shown");
            }
            if t.result == Verdict::Valid {
                assert_eq!(s("resolved"), a.plaintext, "{id}: resolved");
            }
        }
        if t.result == Verdict::Valid {
            assert_eq!(r["resolvesToShown"], true, "{id}");
            // The report reveals nothing of the messages kept before it.
            for found in r["reveals"].as_array().expect("reveals") {
                assert_eq!(found, &serde_json::json!([]), "{id}: the report reveals");
            }
        }
    }
    // The two cases that show a bug class the spec's encoding and commitment close: under
    // concatenated names the moved report would verify, and without the check the swapped
    // key would resolve the report to the other plaintext.
    let of = |id: &str| {
        results
            .iter()
            .find(|r| r["tcId"] == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    assert_eq!(
        of("franking.report.ambiguous_context")["naiveAccepts"],
        true
    );
    for r in results {
        if r["tcId"] != "franking.report.ambiguous_context" && r["naiveAccepts"].is_boolean() {
            let valid = r["verdict"] == "valid";
            assert_eq!(r["naiveAccepts"], valid, "{}", r["tcId"]);
        }
    }
    // A recipient that accepted the reused key would hold two messages under one N_F: the
    // report of the second opens the first's commitment.
    assert_eq!(
        of("franking.receive.franking_key_reused")["reusedKeyOpens"],
        true
    );
    assert_eq!(of("franking.report.one_of_two")["reusedKeyOpens"], false);
    // A server that wraps the u16 lengths would verify the oversized report; skipping the
    // digest check would show the other picture.
    assert_eq!(
        of("franking.report.recipient_65536_bytes")["wrappedAccepts"],
        true
    );
    let mismatch = of("franking.attachment.digest_mismatch");
    assert!(mismatch["undigested"].is_string(), "{mismatch}");
    let swapped = of("franking.salamander.key1_swapped");
    let shown = swapped["shown"].as_str().expect("shown");
    let unverified = swapped["unverified"].as_str().expect("opens under key1");
    assert_ne!(shown, unverified);
    println!(
        "Node {} (OpenSSL {}): {} franking tests judged as the file says",
        judgement["node"].as_str().unwrap_or("?"),
        judgement["openssl"].as_str().unwrap_or("?"),
        tests.len()
    );
}

/// The cases the file is for, each present: a file of a few would pass the judge while
/// showing little.
#[test]
fn the_file_covers_every_case() {
    let tests = tests();
    let flags: BTreeSet<&str> = tests
        .iter()
        .flat_map(|t| t.flags.iter().map(String::as_str))
        .collect();
    let want = [
        "FrankedMessage",
        "FrankedTextSizes",
        "FrankedAttachment",
        "EmptyName",
        "LongName",
        "SalamanderAttachment",
        "FrankingTagMismatch",
        "MalformedFrankedPayload",
        "ReportChangedMessage",
        "ReportOtherFrankingKey",
        "ReportChangedContext",
        "ReportOtherDelivery",
        "AmbiguousContext",
        "ReportSwappedAttachmentKey",
        "ReportOtherServerKey",
        "LongestName",
        "OversizedName",
        "AttachmentDigestMismatch",
        "FrankingKeyReused",
        "RefusalKeepsNothing",
        "ReportRevealsOnlyItsMessage",
    ];
    assert_eq!(flags, BTreeSet::from(want));
    let valid: Vec<&FrankingTest> = tests
        .iter()
        .filter(|t| t.result == Verdict::Valid)
        .collect();
    let texts: Vec<Vec<u8>> = valid
        .iter()
        .map(|t| b(&t.m))
        .filter(|m| m.first() == Some(&0))
        .collect();
    assert!(texts.iter().any(|m| m.len() == 1), "an empty text");
    assert!(texts.iter().any(|m| m.len() > 1000), "a long text");
    assert!(
        texts
            .iter()
            .any(|m| !m.is_ascii() && std::str::from_utf8(&m[1..]).is_ok()),
        "a non-ASCII UTF-8 text"
    );
    assert!(valid.iter().any(|t| t.sender.is_empty()), "an empty sender");
    assert!(
        valid.iter().any(|t| t.sender.len() / 2 > 255),
        "a name over 255 bytes"
    );
    assert!(
        valid
            .iter()
            .any(|t| t.attachment.is_some() && b(&t.m).len() > 77),
        "an attachment with a caption"
    );
    assert!(
        valid.iter().any(|t| t.sender.len() / 2 == 65_535),
        "a name of 65,535 bytes"
    );
    for at in ["receipt", "report"] {
        assert!(
            tests.iter().any(|t| refused_at(t) == Some(at)
                && t.error.as_deref() == Some("decode_error")
                && t.flags.iter().any(|f| f == "OversizedName")),
            "a name of 65,536 bytes refused at {at}"
        );
    }
    assert!(
        valid
            .iter()
            .any(|t| t.earlier.iter().any(|e| e.error.is_none())),
        "a report after another message was kept"
    );
    assert!(
        valid
            .iter()
            .any(|t| t.earlier.iter().any(|e| e.error.is_some())),
        "a delivery after a refused one"
    );
    // Each kind of refusal.
    for (class, at) in [
        ("auth_failure", "receipt"),
        ("decode_error", "receipt"),
        ("duplicate_message", "receipt"),
        ("auth_failure", "attachment"),
        ("auth_failure", "report"),
        ("decode_error", "report"),
    ] {
        assert!(
            tests
                .iter()
                .any(|t| t.error.as_deref() == Some(class) && refused_at(t) == Some(at)),
            "{class} at {at}"
        );
    }
    // The salamander is the committing-AEAD file's AES-256-GCM ciphertext, sent with key2
    // (M's descriptor starts with it), shown and resolved as pt2, and reported with key1.
    let committing: VectorFile<Group<CommittingAeadTest>> = serde_json::from_str(
        &std::fs::read_to_string(data_dir().join("franking/kat_committing_aead.json"))
            .expect("committing file"),
    )
    .expect("parses");
    let sent = find(&tests, "franking.salamander.sent_with_key2");
    let swapped = find(&tests, "franking.salamander.key1_swapped");
    let sent_ct = &sent.attachment.as_ref().expect("attachment").ciphertext;
    let pair = committing
        .test_groups
        .iter()
        .flat_map(|g| &g.tests)
        .find(|c| c.aead == AES_256_GCM && c.aad.is_empty() && &c.ct == sent_ct)
        .expect("the ciphertext is a GCM two-key ciphertext without AAD");
    for t in [sent, swapped] {
        let a = t.attachment.as_ref().expect("attachment");
        assert_eq!(&a.ciphertext, sent_ct);
        assert_eq!(a.plaintext, pair.pt2, "{}", t.tc_id);
        assert_eq!(b(&t.m)[1..33], b(&pair.key2), "{}: sent with key2", t.tc_id);
    }
    let report = swapped.report.as_ref().expect("a report");
    assert_eq!(b(&report.m)[1..33], b(&pair.key1), "reported with key1");
    assert_eq!(
        b(&report.m)[33..],
        b(&swapped.m)[33..],
        "only the key swapped"
    );
}

/// The committed file is the generator's output (`tests/reproducible.rs` checks the whole
/// corpus; this one runs in milliseconds and names the file).
#[test]
fn the_committed_file_is_the_generators() {
    let (rel, text) = e2ee_vectors::generate::franking_file();
    assert_eq!(rel, PathBuf::from("franking/kat_franking.json"));
    let committed = std::fs::read_to_string(path()).expect("committed file");
    assert!(
        committed == text,
        "vectors/data/{} differs from what the generator makes; {REGENERATE}",
        rel.display()
    );
}

/// The spec's checker (`vectors check`) is not vacuous: a wrong R_F, an invalid report
/// replaced by the genuine opening, and a wrong error class are each one failure, named.
#[test]
fn the_checker_catches_a_wrong_answer() {
    let text = std::fs::read_to_string(path()).expect("committed file");
    let mut v: Value = serde_json::from_str(&text).expect("json");
    let tests = v["testGroups"][0]["tests"].as_array_mut().expect("tests");
    let at = |id: &str| {
        tests
            .iter()
            .position(|t| t["tcId"] == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    let (short, moved, version, reused) = (
        at("franking.text.short"),
        at("franking.report.ambiguous_context"),
        at("franking.payload.version_02"),
        at("franking.receive.franking_key_reused"),
    );
    let mut r_f = b(tests[short]["rF"].as_str().expect("rF"));
    r_f[0] ^= 1;
    tests[short]["rF"] = hex::encode(r_f).into();
    tests[moved].as_object_mut().expect("test").remove("report");
    tests[version]["error"] = "auth_failure".into();
    // Without the message kept before it, the reused key is a fresh one.
    tests[reused]
        .as_object_mut()
        .expect("test")
        .remove("earlier");
    let bytes = serde_json::to_vec(&v).expect("json");
    let counts = e2ee_vectors::check_bytes("mutated", &bytes).expect("well-formed");
    assert_eq!(counts.failed, 4, "{:?}", counts.failures);
    let failure = |id: &str| {
        counts
            .failures
            .iter()
            .find(|f| f.starts_with(&format!("{id}: ")))
            .unwrap_or_else(|| panic!("{id} not among {:?}", counts.failures))
            .clone()
    };
    assert!(failure("franking.text.short").contains("rF is"));
    assert!(failure("franking.report.ambiguous_context").contains("accepted an invalid input"));
    // A refusal that is not decode_error says the payload is the sender's, and it is not.
    assert!(
        failure("franking.payload.version_02").contains("payload is"),
        "{}",
        failure("franking.payload.version_02")
    );
    assert!(failure("franking.receive.franking_key_reused").contains("accepted an invalid input"));
}
