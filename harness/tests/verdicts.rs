//! The runner's verdict as a CI gate sees it (exit code and summary): it never passes a run
//! that checked nothing, and expectations are judged honestly under filters and shards.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn conform(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_e2ee-conform"))
        .args(args)
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
    let dir = std::env::temp_dir().join(format!("e2ee-verdicts-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn published() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/data")
}

#[test]
fn missing_vectors_exit_2_naming_the_directory() {
    let dir = scratch("missing");
    let gone = dir.join("no-such-vectors");
    let o = conform(&["run", "--impl", "spec", "--vectors", gone.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("no-such-vectors"), "{}", text(&o));
}

#[test]
fn an_unparsable_vector_file_exits_2_naming_it() {
    let dir = scratch("corrupt");
    for profile in ["modern", "signal-v3", "signal-v4", "olm-v1"] {
        std::fs::create_dir_all(dir.join(profile)).unwrap();
        let src = published().join(profile).join("trace_skip.json");
        std::fs::copy(src, dir.join(profile).join("trace_skip.json")).unwrap();
    }
    std::fs::write(dir.join("olm-v1/trace_broken.json"), "{\"algorithm\": ").unwrap();
    let o = conform(&["run", "--impl", "spec", "--vectors", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("trace_broken.json"), "{}", text(&o));
}

#[test]
fn a_run_that_checks_nothing_exits_2() {
    let o = conform(&["run", "--impl", "spec", "--filter", "no-such-test-*"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("no test ran"), "{}", text(&o));
}

#[test]
fn the_summary_names_the_corpus() {
    let o = conform(&[
        "run",
        "--impl",
        "spec",
        "--mode",
        "kat",
        "--filter",
        "kat/modern/dr.skip.*",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("sha256 "), "{t}");
    assert!(t.contains(env!("CARGO_PKG_VERSION")), "{t}");
}

/// Sharding and filtering never make an entry stale; an entry that matches no test of the
/// implementation at all is stale in every shard.
#[test]
fn stale_entries_under_shards_and_filters() {
    let dir = scratch("stale");
    let file = dir.join("expect.json");
    std::fs::write(
        &file,
        r#"{
            "kat/modern/dr.conversation.*": "matches tests outside this run's filter",
            "kat/modern/no.such.test.*": "matches nothing"
        }"#,
    )
    .unwrap();
    for extra in [
        vec!["--shard", "1/2"],
        vec!["--shard", "2/2"],
        vec!["--filter", "kat/olm-v1/dr.skip.*"],
    ] {
        let mut args = vec![
            "run",
            "--impl",
            "spec",
            "--mode",
            "kat",
            "--expect",
            file.to_str().unwrap(),
        ];
        if extra[0] == "--shard" {
            args.extend(["--filter", "kat/olm-v1/*"]);
        }
        args.extend(&extra);
        let o = conform(&args);
        let t = text(&o);
        assert!(
            t.contains("STALE expectation kat/modern/no.such.test.*"),
            "{extra:?}: {t}"
        );
        assert!(
            !t.contains("STALE expectation kat/modern/dr.conversation.*"),
            "{extra:?}: {t}"
        );
    }
}

#[test]
fn strict_fails_unexpected_passes() {
    let dir = scratch("strict");
    let file = dir.join("expect.json");
    std::fs::write(&file, r#"{"kat/modern/dr.skip.*": "not actually failing"}"#).unwrap();
    let base = [
        "run",
        "--impl",
        "spec",
        "--mode",
        "kat",
        "--filter",
        "kat/modern/dr.skip.*",
        "--expect",
        file.to_str().unwrap(),
    ];
    let lenient = conform(&base);
    assert_eq!(lenient.status.code(), Some(0), "{}", text(&lenient));
    assert!(text(&lenient).contains("UNEXPECTED PASS"));
    let mut strict = base.to_vec();
    strict.push("--strict");
    let o = conform(&strict);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

#[test]
fn output_paths_are_checked_before_the_run() {
    let o = conform(&["run", "--impl", "spec", "--junit", "/nonexistent-dir/x.xml"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        !text(&o).contains("passed"),
        "the run did not start: {}",
        text(&o)
    );
}

#[test]
fn list_into_a_closed_pipe_exits_quietly() {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_e2ee-conform"))
        .args(["list", "--impl", "spec"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe, as `| head -1` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    let _ = std::io::Read::read(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(o.status.code(), Some(0), "{stderr}");
}

/// A test whose tamper the spec itself accepts (here: the registration id of a signal-v3
/// prekey message, which nothing authenticates) is a suite error: exit 2, reported as an
/// error in JUnit, and counted neither as a pass nor as the implementation's failure.
#[test]
fn a_suite_error_exits_2_and_blames_nobody() {
    use e2ee_iut::protocol::MessageKind;
    use e2ee_spec::Profile;
    use e2ee_vectors::layout;
    let dir = scratch("suite-error");
    for (profile, name) in [
        ("modern", "trace_skip.json"),
        ("signal-v4", "trace_skip.json"),
        ("olm-v1", "trace_skip.json"),
        ("signal-sk-v3", "trace_group.json"),
        ("megolm-v1", "trace_group.json"),
        ("franking", "kat_franking.json"),
    ] {
        std::fs::create_dir_all(dir.join(profile)).unwrap();
        let src = published().join(profile).join(name);
        std::fs::copy(src, dir.join(profile).join(name)).unwrap();
    }
    let path = published().join("signal-v3/trace_tamper.json");
    let mut file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let tests = file["testGroups"][0]["tests"].as_array_mut().unwrap();
    let test = tests
        .iter_mut()
        .find(|t| t["tcId"] == "dr.tamper.prekey.base_key")
        .unwrap();
    let steps = test["steps"].as_array_mut().unwrap();
    let sent = steps
        .iter()
        .find(|s| s["op"] == "send" && s["label"] == "a0")
        .map(|s| hex::decode(s["expect"]["message"].as_str().unwrap()).unwrap())
        .unwrap();
    let r = layout::locate(
        Profile::SignalV3,
        false,
        MessageKind::Prekey,
        &sent,
        "registration_id",
    )
    .unwrap();
    let tamper = steps.iter_mut().find(|s| s["op"] == "tamper").unwrap();
    tamper["field"] = "registration_id".into();
    tamper["fieldOffset"] = (-1).into();
    tamper["offset"] = layout::byte_of(&r, -1).unwrap().into();
    std::fs::create_dir_all(dir.join("signal-v3")).unwrap();
    std::fs::write(
        dir.join("signal-v3/trace_tamper.json"),
        serde_json::to_string_pretty(&file).unwrap(),
    )
    .unwrap();
    let junit = dir.join("junit.xml");
    let o = conform(&[
        "run",
        "--impl",
        "spec",
        "--mode",
        "kat",
        "--filter",
        "kat/signal-v3/dr.tamper.prekey.*",
        "--vectors",
        dir.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(
        t.contains("SUITE ERROR spec kat/signal-v3/dr.tamper.prekey.base_key"),
        "{t}"
    );
    assert!(t.contains("0 failed"), "{t}");
    assert!(t.contains("1 suite errors"), "{t}");
    let xml = std::fs::read_to_string(junit).unwrap();
    assert!(xml.contains("errors=\"1\""), "{xml}");
    assert!(xml.contains("<error message="), "{xml}");
}
