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
