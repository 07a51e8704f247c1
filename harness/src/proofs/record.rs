//! The run record, `proofs/results.json`: what ProVerif answered for each model, on which
//! model text (SHA-256), with which ProVerif, in how many seconds. Written by
//! `e2ee-conform proofs check --record` from the run itself, never by hand; kept apart from
//! `expected.json`, which the export derives from the spec alone. A test holds the committed
//! record against the committed models, so a model changed without a new run shows up.

use super::check::{CheckResult, Verdict};
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

/// Where the record lives in the repository.
pub const DEFAULT_RECORD: &str = "proofs/results.json";

/// One model's last recorded run.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordEntry {
    pub file: String,
    pub sha256: String,
    /// As ProVerif names itself, e.g. "Proverif 2.05".
    pub tool: String,
    pub seconds: f64,
    /// Hardware threads of the machine that ran it (ProVerif itself uses one).
    pub threads: usize,
    /// (query id, ProVerif's verdict) in the model's order.
    pub verdicts: Vec<(String, String)>,
}

/// The entries of the record at `path` (none if the file does not exist).
pub fn read_record(path: &Path) -> io::Result<Vec<RecordEntry>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let bad = |what: &str| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {what}", path.display()),
        )
    };
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
    let mut out = Vec::new();
    for m in doc["models"]
        .as_array()
        .ok_or_else(|| bad("no models array"))?
    {
        let s = |k: &str| {
            m[k].as_str()
                .map(str::to_string)
                .ok_or_else(|| bad(&format!("model without {k}")))
        };
        let verdicts = m["verdicts"]
            .as_array()
            .ok_or_else(|| bad("model without verdicts"))?
            .iter()
            .map(|v| match (v["id"].as_str(), v["verdict"].as_str()) {
                (Some(i), Some(r)) => Ok((i.to_string(), r.to_string())),
                _ => Err(bad("verdict without id or verdict")),
            })
            .collect::<io::Result<Vec<_>>>()?;
        out.push(RecordEntry {
            file: s("file")?,
            sha256: s("sha256")?,
            tool: s("tool")?,
            seconds: m["seconds"]
                .as_f64()
                .ok_or_else(|| bad("model without seconds"))?,
            threads: m["threads"].as_u64().unwrap_or(0) as usize,
            verdicts,
        });
    }
    Ok(out)
}

/// Add the models of `result` that ran to completion (every query answered) to the record at
/// `path`, replacing their earlier entries; entries of models not in `result` stay.
/// Returns how many entries were written.
pub fn write_record(path: &Path, result: &CheckResult, tool: &str) -> io::Result<usize> {
    let mut entries: BTreeMap<String, RecordEntry> = read_record(path)?
        .into_iter()
        .map(|e| (e.file.clone(), e))
        .collect();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mut written = 0;
    for m in &result.models {
        if m.error.is_some() || m.queries.iter().any(|q| q.observed.is_none()) {
            continue;
        }
        let verdicts = m
            .queries
            .iter()
            .map(|q| {
                (
                    q.id.clone(),
                    q.observed
                        .map(Verdict::as_str)
                        .unwrap_or_default()
                        .to_string(),
                )
            })
            .collect();
        entries.insert(
            m.file.clone(),
            RecordEntry {
                file: m.file.clone(),
                sha256: m.sha256.clone(),
                tool: tool.to_string(),
                seconds: (m.seconds * 10.0).round() / 10.0,
                threads,
                verdicts,
            },
        );
        written += 1;
    }
    let models: Vec<serde_json::Value> = entries
        .values()
        .map(|e| {
            serde_json::json!({
                "file": e.file,
                "sha256": e.sha256,
                "tool": e.tool,
                "seconds": e.seconds,
                "threads": e.threads,
                "verdicts": e.verdicts.iter().map(|(i, v)| serde_json::json!({"id": i, "verdict": v})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "about": "What ProVerif answered for each model of proofs/proverif, written by `e2ee-conform proofs check --record` from the run (never by hand). sha256 names the exact model text that was run; seconds is wall time on a machine with `threads` hardware threads.",
        "models": models,
    });
    let mut text = serde_json::to_string_pretty(&doc).map_err(io::Error::other)?;
    text.push('\n');
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)?;
    Ok(written)
}
