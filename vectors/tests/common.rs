//! Shared by the vector tests: where the committed files are.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

pub fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schema")
}

/// Every file under `dir`, sorted, as paths relative to `dir`.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).expect("under dir").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

pub const REGENERATE: &str = "run `cargo run -p e2ee-harness -- vectors generate --out vectors/data --schemas vectors/schema` and commit vectors/data and vectors/schema";

/// Run Node with `args` and read the one JSON document it prints: the vector tests' second,
/// independent implementation. Node is a test dependency like cargo: CI has it (`.ci/run`
/// checks), so only a machine without it skips, naming `what` was not run; with `CI` set,
/// its absence fails.
pub fn node_json(args: &[&std::ffi::OsStr], what: &str) -> Option<serde_json::Value> {
    use std::process::Command;
    let version = Command::new("node").arg("--version").output();
    if !version.as_ref().is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "node is not on PATH ({version:?}); CI must have it"
        );
        eprintln!("SKIPPED: `node` is not installed or not on PATH, so {what} was not run");
        return None;
    }
    let out = Command::new("node").args(args).output().expect("run node");
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("node's JSON"))
}
