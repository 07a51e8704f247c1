//! Proofs that would catch a broken spec: each spec mutation of issue #18 (`e2ee_proofs::
//! MUTANTS`, the spec with one function replaced by a copy without one step) changes the
//! exported models, exactly the ones whose processes contain that step, at the line the step
//! was; and where ProVerif decides it, the recorded runs (`results.json`) show the verdict
//! flip: the sanity model, which is a base model exported from the mutant, gives `false`
//! where the base model exported from the spec gives `true`.

use e2ee_proofs::{self as proofs, Model, Mutant};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn mutant(name: &str) -> &'static Mutant {
    proofs::MUTANTS
        .iter()
        .copied()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no mutant {name}"))
}

fn by_file(models: Vec<Model>) -> BTreeMap<String, Model> {
    models.into_iter().map(|m| (m.file.clone(), m)).collect()
}

/// The X3DH and Double Ratchet models of both pairwise profiles, by name without prefix.
const X3DH: [&str; 7] = [
    "x3dh_opk",
    "x3dh_noopk",
    "x3dh_opk_fs",
    "x3dh_noopk_fs",
    "x3dh_kci",
    "x3dh_kci_spk",
    "x3dh_compromise",
];
const SESSION: [&str; 2] = ["session", "session_fs"];
const DR: [&str; 1] = ["dr"];
const PCS: [&str; 1] = ["dr_pcs"];
const PQXDH: [&str; 9] = [
    "pqxdh_opk",
    "pqxdh_noopk",
    "pqxdh_kci",
    "pqxdh_kci_spk",
    "pqxdh_opk_hndl",
    "pqxdh_noopk_hndl",
    "pqxdh_no_pq_signature_check",
    "pqxdh_no_kem_secret",
    "pqxdh_hndl_kem_key_leaks",
];

/// The model files of `pairwise` (in `modern` and `signal-v3`) and, with `pqxdh`, every
/// signal-v4 model (whose Double Ratchet is signal-v3's, read from the same functions).
fn files(pairwise: &[&[&str]], pqxdh: bool) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for prefix in ["modern", "signal_v3"] {
        for name in pairwise.iter().copied().flatten() {
            out.insert(format!("{prefix}_{name}.pv"));
        }
    }
    if pqxdh {
        out.extend(PQXDH.iter().map(|n| format!("signal_v4_{n}.pv")));
    }
    out
}

/// Which models each mutation changes, from where each step is in the processes (not from
/// running the exporter): the signature check is Alice's in every X3DH and session model;
/// the one-time prekey is in the models that have one; kept message keys show only where a
/// state leaks after a decryption (`dr`, `session_fs`: in `dr_pcs` Alice's state leaks
/// before she has received anything); the sending half of a DH step is in every model but
/// the X3DH and PQXDH ones (Bob's decryption is his last step there); the MAC check, the AD
/// and KDF_CK are in every model that sends a Double Ratchet message, PQXDH's included.
/// Leaving DH1 out changes every one of those too: the key material of two DH outputs
/// (without a one-time prekey) needs a letfun `x3dh_km2`, and every model declares the
/// schedule's letfuns.
fn expected_changes(name: &str) -> BTreeSet<String> {
    let all: &[&[&str]] = &[&X3DH, &SESSION, &DR, &PCS];
    match name {
        "no_signature_check" => files(&[&X3DH, &SESSION], false),
        "no_identity_dh" => files(all, true),
        "one_time_prekey_kept" => files(
            &[&["x3dh_opk", "x3dh_opk_fs", "x3dh_compromise"], &SESSION],
            false,
        ),
        "message_keys_kept" => files(&[&DR, &["session_fs"]], false),
        "ratchet_key_reused" => files(&[&DR, &PCS, &SESSION], false),
        "no_mac_check" | "ad_unbound" | "kdf_ck_swapped" => files(all, true),
        _ => panic!("no expectation for mutant {name}"),
    }
}

/// Every mutant changes exactly the models that contain its step, and no Sender Keys or
/// franking model (they do not run the functions the mutants replace).
#[test]
fn each_mutation_changes_the_models_that_contain_the_step() {
    let reference = by_file(proofs::models_of(&proofs::REFERENCE));
    for m in proofs::MUTANTS {
        let mutated = by_file(proofs::models_of(&m.spec));
        assert_eq!(
            mutated.keys().collect::<Vec<_>>(),
            reference.keys().collect::<Vec<_>>(),
            "{}: the same models",
            m.name
        );
        let changed: BTreeSet<String> = mutated
            .iter()
            .filter(|(file, model)| model.text != reference[*file].text)
            .map(|(file, _)| file.clone())
            .collect();
        assert_eq!(
            changed,
            expected_changes(m.name),
            "{} ({})",
            m.name,
            m.removes
        );
    }
}

/// Where the step was: a line of the spec's model that the mutant's model replaces (or
/// loses, or gains).
#[test]
fn each_mutation_changes_the_line_of_its_step() {
    // (mutant, model, text in the spec's model, text in the mutant's model instead)
    let cases: [(&str, &str, &str, &str); 11] = [
        (
            "no_signature_check",
            "modern_x3dh_opk.pv",
            "  in(c, (ikb: G, spkb: G, sig: bitstring, opkb: G));\n  if xverify(ikb, encode(spkb), sig) = true then\n  let km",
            "  in(c, (ikb: G, spkb: G, sig: bitstring, opkb: G));\n  let km",
        ),
        (
            "no_identity_dh",
            "signal_v3_x3dh_opk.pv",
            "let km = x3dh_km4(exp(spkb, ikA), exp(ikb, ek_a), exp(spkb, ek_a), exp(opkb, ek_a)) in",
            "let km = x3dh_km3(exp(ikb, ek_a), exp(spkb, ek_a), exp(opkb, ek_a)) in",
        ),
        (
            "no_identity_dh",
            "signal_v3_x3dh_opk.pv",
            "let km = x3dh_km4(exp(ika, spkB), exp(eka, ikB), exp(eka, spkB), exp(eka, opkB)) in",
            "let km = x3dh_km3(exp(eka, ikB), exp(eka, spkB), exp(eka, opkB)) in",
        ),
        (
            "one_time_prekey_kept",
            "modern_session.pv",
            "  out(c, exp(g, opkB));\n  in(c, pm: bitstring);",
            "  out(c, exp(g, opkB));\n  !\n",
        ),
        (
            "message_keys_kept",
            "modern_dr.pv",
            "  out(c, ((b_rk26, b_cks32, b_dh24, b_ckr29), spkB));",
            "  out(c, ((b_rk26, b_cks32, b_dh24, b_ckr29, b_mk12, b_mk28), spkB));",
        ),
        (
            "ratchet_key_reused",
            "modern_dr.pv",
            "  let a_d15 = exp(a_peer7, a_dh14) in",
            "  let a_d14 = exp(a_peer7, a_dh1) in",
        ),
        (
            "no_mac_check",
            "signal_v3_dr.pv",
            "  if mac(b_mk12, assoc(pka, pkb), body(b_peer1, x_1000, b_pn2, b_ct3)) = b_mac4 then\n",
            "reduc forall k: bitstring, iv: bitstring, p: bitstring, q: bitstring; cbc_maul(",
        ),
        (
            "no_mac_check",
            "modern_dr.pv",
            "reduc forall k: bitstring, n: bitstring, a: bitstring, p: bitstring; aead_dec(k, n, a, aead_enc(k, n, a, p)) = p.",
            "reduc forall k: bitstring, n: bitstring, a: bitstring, p: bitstring, q: bitstring; aead_maul(",
        ),
        (
            "ad_unbound",
            "modern_dr.pv",
            "  cat3(ad, x_01, header(dh, pn, n)).",
            "  cat2(x_01, header(dh, pn, n)).",
        ),
        (
            "ad_unbound",
            "signal_v3_session.pv",
            "  trunc_8(hmac(mk_mac_key(mk), cat2(ad, b))).",
            "  trunc_8(hmac(mk_mac_key(mk), b)).",
        ),
        (
            "kdf_ck_swapped",
            "signal_v3_dr.pv",
            "letfun kdf_ck_ck(ck: bitstring) =\n  hmac(ck, x_02).",
            "letfun kdf_ck_ck(ck: bitstring) =\n  hmac(ck, x_01).",
        ),
    ];
    let reference = by_file(proofs::models_of(&proofs::REFERENCE));
    for (name, file, before, after) in cases {
        let mutated = by_file(proofs::models_of(&mutant(name).spec));
        let (r, m) = (&reference[file].text, &mutated[file].text);
        assert!(
            r.contains(before),
            "{name}: {file} of the spec has {before:?}"
        );
        assert!(
            !r.contains(after),
            "{name}: {file} of the spec lacks {after:?}"
        );
        assert!(
            m.contains(after),
            "{name}: {file} of the mutant has {after:?}"
        );
        assert!(
            !m.contains(before),
            "{name}: {file} of the mutant lacks {before:?}"
        );
    }
}

/// The lines of `text` without its comments, its `query` statement and blank lines: what
/// ProVerif reads of it, but the queries.
fn without_queries(text: &str) -> Vec<String> {
    let mut rest = text;
    let mut out = String::new();
    while let Some(start) = rest.find("(*") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("*)").expect("unclosed comment") + start + 2;
        rest = &rest[end..];
    }
    out.push_str(rest);
    let start = out.find("\nquery ").expect("a query statement") + 1;
    let end = out[start..]
        .find(".\n\n")
        .expect("the query statement's end")
        + start
        + 3;
    out.replace_range(start..end, "");
    out.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// The verdict ProVerif gave for query `id` of model `file` in its recorded run.
fn recorded(record: &[proofs::RecordEntry], file: &str, id: &str) -> String {
    let run = record
        .iter()
        .find(|r| r.file == file)
        .unwrap_or_else(|| panic!("{file} has no recorded run"));
    run.verdicts
        .iter()
        .find(|v| v.id == id)
        .unwrap_or_else(|| panic!("{file}: no recorded verdict for {id}"))
        .verdict
        .clone()
}

/// Each sanity model is its base model as the mutant's spec exports it, asked some of the
/// base model's own queries; ProVerif's recorded answers flip between the two on the query
/// the step protects. (`tests/proofs.rs` holds each record to the model's current text.)
#[test]
fn each_sanity_model_is_a_mutant_and_its_verdict_flips() {
    let record = proofs::read_record(&PathBuf::from(proofs::DIR).join(proofs::RECORD)).unwrap();
    let reference = by_file(proofs::models());
    let mut flipped: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for sanity in reference.values() {
        let Some((base_file, name)) = &sanity.sanity_of else {
            continue;
        };
        assert!(sanity.weakened, "{}: a sanity model", sanity.file);
        let m = mutant(name);
        let base = &reference[base_file];
        let mutated = &by_file(proofs::models_of(&m.spec))[base_file];
        let (ours, theirs) = (
            without_queries(&sanity.text),
            without_queries(&mutated.text),
        );
        let first = ours.iter().zip(&theirs).position(|(a, b)| a != b);
        assert!(
            ours == theirs,
            "{}: not {base_file} exported from {name}; first difference at {first:?}",
            sanity.file
        );
        for q in &sanity.queries {
            let same = base.queries.iter().find(|b| b.id == q.id);
            let b = same.unwrap_or_else(|| {
                panic!("{}: {} is not a query of {base_file}", sanity.file, q.id)
            });
            assert_eq!(q.text, b.text, "{}: {}", sanity.file, q.id);
            if q.expected != b.expected {
                assert_eq!(recorded(&record, base_file, &q.id), b.expected.as_str());
                assert_eq!(recorded(&record, &sanity.file, &q.id), q.expected.as_str());
                assert_eq!(
                    q.expected,
                    proofs::Expect::False,
                    "{}: the mutant's is the attack",
                    sanity.file
                );
                flipped
                    .entry(m.name)
                    .or_default()
                    .push(format!("{}: {}", sanity.file, q.id));
            }
        }
    }
    // The mutants whose verdicts ProVerif decides, each in both profiles; the other two
    // change the models (above) but no verdict: symbolically, the X3DH key material already
    // binds both identities (DH1, DH2), so the AD adds nothing ProVerif can see, and HMAC
    // with either input byte is as good a KDF_CK (their checks are the byte-level vectors).
    let decided: BTreeSet<&str> = flipped.keys().copied().collect();
    assert_eq!(
        decided,
        BTreeSet::from([
            "no_signature_check",
            "no_identity_dh",
            "one_time_prekey_kept",
            "message_keys_kept",
            "ratchet_key_reused",
            "no_mac_check",
        ]),
        "{flipped:#?}"
    );
    for (name, flips) in &flipped {
        for prefix in ["modern_", "signal_v3_"] {
            assert!(
                flips.iter().any(|f| f.starts_with(prefix)),
                "{name}: no flip in {prefix}: {flips:?}"
            );
        }
    }
}
