//! A misbehaving shim never takes the runner down: each fault becomes that request's failure
//! with a clear reason, and the next request gets a freshly started shim.

use e2ee_harness::shim_client::ShimIut;
use e2ee_iut::protocol::{Failure, Iut, Request};
use std::time::{Duration, Instant};

fn shim(name: &str) -> Vec<String> {
    vec![
        "sh".into(),
        format!("{}/tests/shims/{name}.sh", env!("CARGO_MANIFEST_DIR")),
    ]
}

const TIMEOUT: Duration = Duration::from_millis(1500);

fn broken_reason(name: &str) -> String {
    let mut iut = ShimIut::start(&shim(name), TIMEOUT)
        .unwrap_or_else(|e| panic!("{name}: hello failed: {e}"));
    let started = Instant::now();
    let reason = match iut.call(&Request::Reset {}) {
        Err(Failure::Broken(reason)) => reason,
        other => panic!("{name}: expected a broken-shim failure, got {other:?}"),
    };
    assert!(
        started.elapsed() < TIMEOUT + Duration::from_secs(5),
        "{name}: took {:?}",
        started.elapsed()
    );
    // The runner goes on: the next request restarts the shim (which breaks again the same way).
    assert!(
        matches!(iut.call(&Request::Reset {}), Err(Failure::Broken(_))),
        "{name}: second request"
    );
    reason
}

#[test]
fn crash_is_a_failure() {
    assert!(broken_reason("crash_after_hello").contains("exited"));
}

#[test]
fn garbage_is_a_failure() {
    assert!(broken_reason("garbage").contains("not JSON"));
}

#[test]
fn wrong_id_is_a_failure() {
    assert!(broken_reason("wrong_id").contains("reply id"));
}

#[test]
fn hang_is_a_timeout() {
    assert!(broken_reason("hang").contains("no reply"));
}

#[test]
fn oversized_reply_is_a_failure() {
    assert!(broken_reason("oversized").contains("longer than"));
}

#[test]
fn unknown_error_class_is_a_failure() {
    assert!(broken_reason("unknown_class").contains("unknown error class"));
}

/// SHIM.md §Versions: a reply without `minor` is a 1.0 shim and is run; one above the
/// runner's minor is not.
#[test]
fn a_1_0_shim_starts_and_a_newer_minor_does_not() {
    let old = ShimIut::start(&shim("unknown_class"), TIMEOUT).expect("a 1.0 hello is accepted");
    assert_eq!((old.hello.protocol, old.hello.minor), (1, 0));
    let err = ShimIut::start(&shim("future_minor"), TIMEOUT)
        .err()
        .expect("a shim of a newer minor cannot start");
    assert!(
        err.contains("shim speaks protocol 1.99, runner speaks 1.2"),
        "{err}"
    );
}

/// The reference shim answers a runner that sends no `minor` in 1.0 (its classes without
/// `untrusted_identity`) and one that sends 1 in 1.1. (That it also reports 1.0's class is
/// judged in `wrong_shims.rs`.)
#[test]
fn reference_shim_speaks_the_runners_minor() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let hello = |request: &str| -> String {
        let mut child = Command::new(env!("CARGO_BIN_EXE_e2ee-conform"))
            .arg("shim")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{request}").unwrap();
        drop(stdin);
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let _ = child.wait();
        line
    };
    let old = hello(r#"{"id":1,"op":"hello","protocol":1}"#);
    assert!(old.contains(r#""minor":0"#), "{old}");
    assert!(
        old.contains("invalid_key") && !old.contains("untrusted_identity"),
        "{old}"
    );
    let new = hello(r#"{"id":1,"op":"hello","protocol":1,"minor":1}"#);
    assert!(new.contains(r#""minor":1"#), "{new}");
    assert!(new.contains("untrusted_identity"), "{new}");
}

#[test]
fn silent_shim_cannot_start() {
    let started = Instant::now();
    let err = ShimIut::start(&shim("silent"), TIMEOUT)
        .err()
        .expect("a shim that never says hello cannot start");
    assert!(err.contains("no valid hello"), "{err}");
    assert!(started.elapsed() < TIMEOUT + Duration::from_secs(5));
}

#[test]
fn missing_program_cannot_start() {
    let err = ShimIut::start(&["/nonexistent/shim".to_string()], TIMEOUT)
        .err()
        .expect("cannot start");
    assert!(err.contains("cannot start"), "{err}");
}

/// The CLI: an implementation that cannot be started is exit code 2.
#[test]
fn cli_exit_code_2_when_shim_cannot_start() {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_e2ee-conform"))
        .args([
            "run",
            "--impl",
            "shim:/nonexistent/shim",
            "--timeout-ms",
            "1000",
        ])
        .output()
        .unwrap();
    assert_eq!(
        status.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// A shim that stops reading while the runner writes a line far over a pipe's buffer
/// (64 KiB) costs one timeout, not a hung run.
#[test]
fn shim_that_stops_reading_is_a_timeout() {
    let mut iut = ShimIut::start(&shim("stops_reading"), TIMEOUT).expect("hello");
    let started = Instant::now();
    let big = Request::Encrypt {
        party: "p".into(),
        peer: "q".into(),
        plaintext: "00".repeat(1 << 20),
        ratchet_private: None,
        header_nonce: None,
    };
    match iut.call(&big) {
        Err(Failure::Broken(reason)) => assert!(reason.contains("no reply"), "{reason}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() < TIMEOUT + Duration::from_secs(5));
}

/// Each request is answered within its timeout, but the test as a whole outlasts its budget:
/// the request that crosses the budget fails, saying so, and the next test starts afresh.
#[test]
fn a_test_that_outlasts_its_budget_fails() {
    let mut iut = ShimIut::start(&shim("slow"), TIMEOUT)
        .expect("hello")
        .with_test_budget(Duration::from_millis(1000));
    let snapshot = Request::Snapshot { party: "p".into() };
    let started = Instant::now();
    assert!(iut.call(&Request::Reset {}).is_ok(), "0.6 s: within budget");
    let reason = match iut.call(&snapshot) {
        Err(Failure::Broken(reason)) => reason,
        other => panic!("1.2 s into a 1 s budget: expected a failure, got {other:?}"),
    };
    assert!(reason.contains("time budget of 1 s"), "{reason}");
    assert!(started.elapsed() < Duration::from_millis(1400));
    // A new test gets a new budget (and a new shim).
    assert!(
        iut.call(&Request::Reset {}).is_ok(),
        "{:?}",
        started.elapsed()
    );
}

/// The reference shim answers a line that is not UTF-8 with `decode_error` and carries on.
#[test]
fn reference_shim_survives_bad_bytes() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_e2ee-conform"))
        .arg("shim")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"\xff\xfe not utf-8\n").unwrap();
    stdin
        .write_all(b"{\"id\":7,\"op\":\"hello\",\"protocol\":1}\n")
        .unwrap();
    drop(stdin);
    let lines: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap)
        .collect();
    let _ = child.wait();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("decode_error"), "{}", lines[0]);
    assert!(
        lines[1].contains("\"id\":7") && lines[1].contains("\"ok\""),
        "{}",
        lines[1]
    );
}
