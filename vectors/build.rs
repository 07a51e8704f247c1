//! Embeds the published vectors (`data/`) in the crate, so a binary built from it carries the
//! corpus it was released with and runs from any directory (`cargo install`).
//!
//! A build script rather than a directory-embedding macro: `rerun-if-changed` on the
//! directory makes cargo rebuild when any vector file changes, is added or is removed, and
//! `include_bytes!` makes rustc track each file; a macro's output is only refreshed when the
//! crate's own sources change, so it could embed a stale corpus after `vectors generate`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let data = root.join("data");
    println!("cargo:rerun-if-changed=data");
    let mut files = Vec::new();
    walk(&data, &mut files);
    files.sort();
    let mut out = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    for path in &files {
        let rel = path.strip_prefix(&data).expect("under data/");
        let name = rel
            .components()
            .map(|c| c.as_os_str().to_str().expect("vector file names are UTF-8"))
            .collect::<Vec<_>>()
            .join("/");
        // Relative to the crate being compiled, not to wherever this script last ran: the
        // generated list is then the same for every checkout of the same files.
        let _ = writeln!(
            out,
            "    ({name:?}, include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {:?}))),",
            format!("/data/{name}")
        );
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("published.rs");
    std::fs::write(dest, out).expect("write published.rs");
}

/// Every `.json` file under `dir`, recursively.
fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().is_some_and(|x| x == "json") {
            files.push(path);
        }
    }
}
