//! `e2ee-conform` as an installed tool: it runs from any directory on the corpus built into
//! it, its options belong to the subcommand that uses them, lists are comma-separated or
//! repeated alike, and it writes only where it is told.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn conform_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_e2ee-conform"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("e2ee-conform runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("e2ee-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `sha256 …` the summary's first line gives for the corpus.
fn digest(o: &Output) -> String {
    let out = String::from_utf8_lossy(&o.stdout);
    let at = out
        .find("sha256 ")
        .expect("the summary names the corpus digest");
    out[at + 7..at + 7 + 64].to_string()
}

#[test]
fn runs_from_any_directory_on_the_built_in_corpus() {
    let elsewhere = scratch("elsewhere");
    let args = [
        "run",
        "--impl",
        "spec",
        "--mode",
        "kat",
        "--profile",
        "olm-v1",
    ];
    let built_in = conform_in(&elsewhere, &args);
    assert_eq!(built_in.status.code(), Some(0), "{}", text(&built_in));
    assert!(
        text(&built_in).contains("corpus built in"),
        "{}",
        text(&built_in)
    );
    // The same corpus as the published directory it was built from.
    let published = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/data");
    let mut with_dir = args.to_vec();
    with_dir.extend(["--vectors", published.to_str().unwrap()]);
    let from_dir = conform_in(&elsewhere, &with_dir);
    assert_eq!(from_dir.status.code(), Some(0), "{}", text(&from_dir));
    assert_eq!(digest(&built_in), digest(&from_dir));
    // It left nothing behind but what it was asked for (no failures folder: none failed).
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    let checked = conform_in(&elsewhere, &["vectors", "check"]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked));
    assert!(
        text(&checked).contains("built-in olm-v1/"),
        "{}",
        text(&checked)
    );
}

#[test]
fn run_options_do_not_belong_to_list() {
    let here = scratch("list-options");
    for option in [
        "--junit",
        "--report-json",
        "--replay",
        "--expect",
        "--failures-dir",
    ] {
        let o = conform_in(&here, &["list", "--impl", "spec", option, "x"]);
        assert_eq!(o.status.code(), Some(2), "list {option}: {}", text(&o));
        assert!(text(&o).contains("unexpected argument"), "{}", text(&o));
    }
    assert_eq!(std::fs::read_dir(&here).unwrap().count(), 0);
}

#[test]
fn lists_are_comma_separated_or_repeated_alike() {
    let here = scratch("lists");
    let comma = conform_in(
        &here,
        &[
            "list",
            "--impl",
            "spec,spec-shim",
            "--profile",
            "olm-v1,modern",
            "--mode",
            "kat,interop",
        ],
    );
    let repeated = conform_in(
        &here,
        &[
            "list",
            "--impl",
            "spec",
            "--impl",
            "spec-shim",
            "--profile",
            "olm-v1",
            "--profile",
            "modern",
            "--mode",
            "kat",
            "--mode",
            "interop",
        ],
    );
    assert_eq!(comma.status.code(), Some(0), "{}", text(&comma));
    assert_eq!(comma.stdout, repeated.stdout);
    let listing = String::from_utf8_lossy(&comma.stdout);
    assert!(listing.contains("kat/olm-v1/") && listing.contains("interop/modern/"));
    assert!(
        !listing.contains("signal-v3"),
        "only the profiles asked for"
    );
    // A value outside the list is refused, naming the possible values.
    let o = conform_in(&here, &["list", "--profile", "olm-v2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("signal-v3"), "{}", text(&o));
    let o = conform_in(&here, &["list", "--impl", "spec,libsignall"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("unknown implementation \"libsignall\""),
        "{}",
        text(&o)
    );
}

#[test]
fn help_documents_the_exit_status() {
    let here = scratch("help");
    for args in [
        &["run", "--help"][..],
        &["list", "--help"],
        &["proofs", "check", "--help"],
    ] {
        let o = conform_in(&here, args);
        assert_eq!(o.status.code(), Some(0));
        let help = text(&o);
        assert!(
            help.contains("Exit status:") && help.contains("  2  "),
            "{args:?}: {help}"
        );
    }
}

/// `vectors generate` writes the vector files into --out, the schemas only into --schemas,
/// and nothing anywhere else (it used to write the schemas to `OUT/../schema`).
#[test]
fn generate_writes_only_where_it_is_told() {
    let root = scratch("generate");
    let out = root.join("out");
    let o = conform_in(
        &root,
        &["vectors", "generate", "--out", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let names = |dir: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&root), ["out"]);
    // Exactly the corpus's directories: the profiles' and franking's.
    let mut dirs: Vec<String> = e2ee_harness::corpus::directories()
        .into_iter()
        .map(|d| d.name().to_string())
        .collect();
    dirs.sort();
    assert_eq!(names(&out), dirs);
    let schemas = root.join("schemas");
    let o = conform_in(
        &root,
        &[
            "vectors",
            "generate",
            "--out",
            out.to_str().unwrap(),
            "--schemas",
            schemas.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(names(&root), ["out", "schemas"]);
    assert!(names(&schemas).iter().all(|n| n.ends_with(".schema.json")));
    // What it wrote is the published corpus.
    let check = conform_in(&root, &["vectors", "check", "--dir", out.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    let _ = std::fs::remove_dir_all(&root);
}
