//! The run record, `results.json` in a proofs folder: what ProVerif answered for each model, on which
//! model text (SHA-256), with which ProVerif, in how many seconds. Written by
//! `e2ee-conform proofs check --record` from the run itself, never by hand; kept apart from
//! `expected.json`, which the export derives from the spec alone. A test holds the committed
//! record against the committed models, so a model changed without a new run shows up.

use super::check::{CheckResult, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

const ABOUT: &str = "What ProVerif answered for each model of proofs/proverif, written by `e2ee-conform proofs check --record` from the run (never by hand). sha256 names the exact model text that was run; seconds is wall time on a machine with `threads` hardware threads.";

/// The record file. Fields are in alphabetical order, as the file has always had them.
#[derive(Serialize, Deserialize)]
struct RecordFile {
    about: String,
    models: Vec<RecordEntry>,
}

/// One model's last recorded run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordEntry {
    pub file: String,
    pub seconds: f64,
    pub sha256: String,
    /// Hardware threads of the machine that ran it (ProVerif itself uses one).
    pub threads: usize,
    /// As ProVerif names itself, e.g. "Proverif 2.05".
    pub tool: String,
    /// ProVerif's verdict per query, in the model's order.
    pub verdicts: Vec<RecordVerdict>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordVerdict {
    pub id: String,
    /// "true", "false" or "cannot be proved".
    pub verdict: String,
}

/// The entries of the record at `path` (none if the file does not exist).
pub fn read_record(path: &Path) -> io::Result<Vec<RecordEntry>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let file: RecordFile = serde_json::from_str(&text).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    })?;
    Ok(file.models)
}

/// Add the models of `result` that ran to completion (every query answered) to the record at
/// `path`, replacing their earlier entries; entries of models not in `result` stay.
/// Returns how many entries were written.
pub fn write_record(path: &Path, result: &CheckResult, tool: &str) -> io::Result<usize> {
    let mut entries: BTreeMap<String, RecordEntry> = read_record(path)?
        .into_iter()
        .map(|e| (e.file.clone(), e))
        .collect();
    let threads = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut written = 0;
    for m in &result.models {
        let verdicts: Option<Vec<RecordVerdict>> = m
            .queries
            .iter()
            .map(|q| {
                q.observed.map(|v| RecordVerdict {
                    id: q.id.clone(),
                    verdict: Verdict::as_str(v).to_string(),
                })
            })
            .collect();
        let (None, Some(verdicts)) = (&m.error, verdicts) else {
            continue;
        };
        entries.insert(
            m.file.clone(),
            RecordEntry {
                file: m.file.clone(),
                seconds: (m.seconds * 10.0).round() / 10.0,
                sha256: m.sha256.clone(),
                threads,
                tool: tool.to_string(),
                verdicts,
            },
        );
        written += 1;
    }
    let file = RecordFile {
        about: ABOUT.to_string(),
        models: entries.into_values().collect(),
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(io::Error::other)?;
    text.push('\n');
    super::write_file(path, &text)?;
    Ok(written)
}
