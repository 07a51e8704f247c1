//! `e2ee-conform proofs check` as a user runs it: its exit status without ProVerif, and with a
//! stand-in ProVerif whose answers it must compare with the expected ones. The committed
//! proof artefacts themselves are tested by the e2ee-proofs crate (proofs/tests/proofs.rs).

fn conform(path_env: &std::ffi::OsStr, args: &[&str]) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_e2ee-conform"))
        .args(args)
        .env("PATH", path_env)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[test]
fn check_without_proverif_is_not_a_success() {
    let (code, text) = conform(std::ffi::OsStr::new(""), &["proofs", "check"]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("proverif is not on PATH"), "{text}");
}

/// A stand-in `proverif` that answers every query of a model with `verdict`: the checker
/// must pass a model only when every answer is the expected one.
#[cfg(unix)]
fn fake_proverif(verdict: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!(
        "e2ee-fake-proverif-{}-{}",
        std::process::id(),
        verdict.replace(' ', "_")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let script = format!(
        "#!/bin/sh\nPATH=/usr/bin:/bin\nif [ \"$1\" = -help ]; then echo 'Proverif 2.05. (fake)'; exit 0; fi\n\
         n=$(grep -c '^(\\* \\[' \"$1\")\ni=0\nwhile [ $i -lt $n ]; do echo \"RESULT query $i {verdict}.\"; i=$((i+1)); done\n"
    );
    let path = dir.join("proverif");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

#[cfg(unix)]
#[test]
fn check_compares_every_answer_with_the_expected_one() {
    // modern_x3dh_no_identity_dh.pv has one query, expected false (the attack must be found).
    let model = "modern_x3dh_no_identity_dh.pv";
    let cases = [
        ("is false", Some(0)),
        ("is true", Some(1)),
        ("cannot be proved", Some(1)),
    ];
    for (verdict, want) in cases {
        let dir = fake_proverif(verdict);
        let (code, text) = conform(dir.as_os_str(), &["proofs", "check", "--only", model]);
        assert_eq!(code, want, "fake proverif answering '{verdict}':\n{text}");
        let _ = std::fs::remove_dir_all(dir);
    }
    // A model whose queries are all expected true fails on a single "false".
    let dir = fake_proverif("is false");
    let (code, _) = conform(
        dir.as_os_str(),
        &["proofs", "check", "--only", "modern_dr.pv"],
    );
    assert_eq!(code, Some(1));
    let _ = std::fs::remove_dir_all(dir);
}
