//! `vectors/data` is exactly what the generator makes: twice the same bytes, and the same
//! bytes as committed.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("e2ee-vectors-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn read_all(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files_under(dir)
        .into_iter()
        .map(|rel| {
            let bytes = std::fs::read(dir.join(&rel)).expect("read");
            (rel, bytes)
        })
        .collect()
}

#[test]
fn generation_is_reproducible_and_committed() {
    let a = temp_dir("a");
    let b = temp_dir("b");
    let written = e2ee_vectors::generate::write_all(&a).expect("generate a");
    e2ee_vectors::generate::write_all(&b).expect("generate b");
    let (fa, fb) = (read_all(&a), read_all(&b));
    assert_eq!(fa.len(), written.len());
    assert_eq!(
        fa.iter().map(|f| &f.0).collect::<Vec<_>>(),
        fb.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((path, x), (_, y)) in fa.iter().zip(&fb) {
        assert!(
            x == y,
            "{} differs between two generator runs: generation is not deterministic",
            path.display()
        );
    }
    let committed = read_all(&data_dir());
    let names = |v: &[(PathBuf, Vec<u8>)]| {
        v.iter()
            .map(|f| f.0.display().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&committed),
        names(&fa),
        "the set of files in vectors/data differs from the generator's; {REGENERATE}"
    );
    for ((path, want), (_, got)) in fa.iter().zip(&committed) {
        assert!(
            want == got,
            "vectors/data/{} differs from what the generator makes; {REGENERATE}",
            path.display()
        );
    }
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}
