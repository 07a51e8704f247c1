//! Which model texts have been checked with ProVerif, and how long each took: the record behind
//! `verified` in proofs/expected.json. A model whose text changes no longer matches its hash
//! here and shows as unverified until it is checked again and this table updated (the line to
//! paste is printed by `CheckResult::summary` for every model whose results all matched).

/// (model file, SHA-256 of the model text, seconds ProVerif took on a 2-core machine).
const VERIFIED: &[(&str, &str, f64)] = &[];

/// The recorded run time of `file` if exactly this text (`sha256`) was verified.
pub fn lookup(file: &str, sha256: &str) -> Option<f64> {
    VERIFIED
        .iter()
        .find(|(f, h, _)| *f == file && *h == sha256)
        .map(|(_, _, s)| *s)
}
