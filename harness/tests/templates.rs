//! The shim templates in `harness/shims/templates/` speak shim protocol v1 as shipped: each
//! request gets one well-formed reply with its id (hello honest, reset done, every other op
//! `unsupported`), a line that is not a request gets `decode_error` and the template carries
//! on; and a run against a template checks nothing and says so with exit code 2.
//!
//! The templates need `python3` and `node` (>= 18). Without them these tests fail, naming
//! what is missing: a template nobody ran is not a tested template.

use e2ee_iut::jsonl;
use e2ee_iut::protocol::{
    Bundle, Failure, MessageKind, Reply, Request, ERROR_CLASSES, PROTOCOL_MINOR, PROTOCOL_VERSION,
};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// As long as the runner's default request timeout.
const TIMEOUT: Duration = Duration::from_secs(10);

struct Template {
    interpreter: &'static str,
    /// The template's PROFILES line as shipped, and as a user declaring signal-v3 writes it.
    no_profiles: &'static str,
    declares_signal: &'static str,
    file: PathBuf,
}

fn templates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("shims/templates")
}

fn python() -> Template {
    let t = Template {
        interpreter: "python3",
        no_profiles: "\nPROFILES = []\n",
        declares_signal: "\nPROFILES = [\"signal-v3\"]\n",
        file: templates_dir().join("python/shim.py"),
    };
    let version = interpreter_version(&t, "Python 3 (python3)");
    assert!(
        version.starts_with("Python 3."),
        "python3 --version says {version:?}"
    );
    t
}

fn node() -> Template {
    let t = Template {
        interpreter: "node",
        no_profiles: "\nconst PROFILES = [];\n",
        declares_signal: "\nconst PROFILES = ['signal-v3'];\n",
        file: templates_dir().join("node/shim.js"),
    };
    let version = interpreter_version(&t, "Node.js >= 18 (node)");
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("node --version says {version:?}"));
    assert!(
        major >= 18,
        "the Node template needs Node.js >= 18; node is {version}"
    );
    t
}

/// The interpreter's `--version`, or a failure that says what to install.
fn interpreter_version(t: &Template, what: &str) -> String {
    match Command::new(t.interpreter).arg("--version").output() {
        Ok(o) if o.status.success() => {
            let out = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            out.trim().to_string()
        }
        other => panic!(
            "{what} is not installed or not on PATH ({other:?}): the template {} cannot be \
             tested. Install it; CI has it.",
            t.file.display()
        ),
    }
}

/// `--impl` for a template file.
fn implementation(t: &Template, file: &Path) -> String {
    format!("shim:{} '{}'", t.interpreter, file.display())
}

/// A template driven as the runner drives it: one line written, one reply line awaited.
struct Driver {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Driver {
    fn start(t: &Template) -> Driver {
        let mut child = Command::new(t.interpreter)
            .arg(&t.file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} {}: {e}", t.interpreter, t.file.display()));
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Driver {
            stdin: child.stdin.take(),
            child,
            lines,
        }
    }

    fn ask(&mut self, line: &[u8]) -> String {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
        self.lines.recv_timeout(TIMEOUT).unwrap_or_else(|e| {
            panic!(
                "no reply line to {} within {TIMEOUT:?}: {e}",
                String::from_utf8_lossy(line)
            )
        })
    }

    /// Close stdin: the template must exit at once, successfully, having printed nothing
    /// more.
    fn finish(mut self) {
        drop(self.stdin.take());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                panic!("the template did not exit when its stdin closed");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(
            status.success(),
            "the template exited with {status} at end of input"
        );
        let extra: Vec<String> = self.lines.try_iter().collect();
        assert!(
            extra.is_empty(),
            "lines on stdout that answer no request: {extra:?}"
        );
    }
}

/// The reply to `request` sent with `id`, read by the runner's own reply parser.
fn call(d: &mut Driver, id: u64, request: &Request) -> Result<Reply, Failure> {
    let line = d.ask(jsonl::request_line(id, request).as_bytes());
    jsonl::parse_reply_line(&line, id, request)
}

/// A line that is not a request gets `decode_error` with the id the line carries, or
/// `"id": null` when it has none that can be read (as the reference shim answers).
fn assert_decode_error(d: &mut Driver, line: &[u8], id: Option<u64>) {
    let reply = d.ask(line);
    let shown = String::from_utf8_lossy(line);
    match id {
        Some(id) => match jsonl::parse_reply_line(&reply, id, &Request::Reset {}) {
            Err(Failure::Rejected { class, .. }) if class == "decode_error" => {}
            other => panic!("{shown}: expected decode_error with id {id}, got {other:?} ({reply})"),
        },
        None => {
            let v: serde_json::Value = serde_json::from_str(&reply)
                .unwrap_or_else(|e| panic!("{shown}: reply is not JSON ({e}): {reply}"));
            let mut keys: Vec<&String> = v
                .as_object()
                .map(|o| o.keys().collect())
                .unwrap_or_default();
            keys.sort();
            assert_eq!(keys, ["error", "id"], "{shown}: reply {reply}");
            assert!(v["id"].is_null(), "{shown}: reply {reply}");
            assert_eq!(
                v["error"]["class"], "decode_error",
                "{shown}: reply {reply}"
            );
            assert!(v["error"]["detail"].is_string(), "{shown}: reply {reply}");
        }
    }
}

fn bundle() -> Bundle {
    Bundle {
        identity_key: "11".repeat(32),
        registration_id: Some(9),
        signed_prekey_id: Some(1),
        signed_prekey: Some("22".repeat(32)),
        signed_prekey_signature: Some("33".repeat(64)),
        one_time_prekey_id: Some(2),
        one_time_prekey: Some("44".repeat(32)),
        // signal-v4's KEM prekey (a template need not understand it, but must take it).
        kyber_prekey_id: Some(3),
        kyber_prekey: Some(format!("08{}", "45".repeat(1568))),
        kyber_prekey_signature: Some("46".repeat(64)),
    }
}

/// Every operation but hello and reset, with the fields the runner sends.
fn other_ops() -> Vec<Request> {
    let party = || "A".to_string();
    let peer = || "bob".to_string();
    vec![
        Request::CreateParty {
            profile: "signal-v3".into(),
            header_encryption: false,
            identity_private: Some("55".repeat(32)),
            registration_id: Some(7),
            version_byte: None,
        },
        Request::CreateBundle {
            party: party(),
            signed_prekey_id: 1,
            signed_prekey_private: Some("66".repeat(32)),
            one_time_prekey_id: Some(2),
            one_time_prekey_private: Some("77".repeat(32)),
            signature_randomness: Some("88".repeat(64)),
            kyber_prekey_id: Some(3),
            kyber_prekey_seed: Some("89".repeat(64)),
            kyber_prekey_private: Some("8b".repeat(3168)),
            kyber_signature_randomness: Some("8a".repeat(64)),
            kyber_last_resort: true,
        },
        Request::Initiate {
            party: party(),
            peer: peer(),
            bundle: bundle(),
            base_key_private: Some("99".repeat(32)),
            ratchet_private: None,
            kem_randomness: Some("9a".repeat(32)),
        },
        Request::Encrypt {
            party: party(),
            peer: peer(),
            plaintext: "68656c6c6f".into(),
            ratchet_private: Some("aa".repeat(32)),
            header_nonce: None,
        },
        Request::Decrypt {
            party: party(),
            peer: peer(),
            kind: MessageKind::Prekey,
            message: "3308".into(),
            ratchet_private: Some("bb".repeat(32)),
        },
        Request::Snapshot { party: party() },
        Request::Restore {
            party: party(),
            snapshot: "s1".into(),
        },
    ]
}

fn speaks_the_protocol(t: &Template) {
    let mut d = Driver::start(t);
    let hello = Request::Hello {
        protocol: PROTOCOL_VERSION,
        minor: PROTOCOL_MINOR,
    };
    match call(&mut d, 1, &hello) {
        Ok(Reply::Hello(h)) => {
            assert_eq!(h.protocol, PROTOCOL_VERSION, "{h:?}");
            assert_eq!(h.minor, PROTOCOL_MINOR, "{h:?}");
            assert!(!h.name.is_empty() && !h.version.is_empty(), "{h:?}");
            // It implements nothing, so it must declare nothing.
            assert!(h.profiles.is_empty() && h.capabilities.is_empty(), "{h:?}");
            for class in &h.error_classes {
                assert!(ERROR_CLASSES.contains(&class.as_str()), "{h:?}");
            }
        }
        other => panic!("hello: {other:?}"),
    }
    assert_eq!(call(&mut d, 2, &Request::Reset {}), Ok(Reply::Done));
    let mut id = 2;
    for request in other_ops() {
        id += 1;
        match call(&mut d, id, &request) {
            Err(Failure::Unsupported(_)) => {}
            other => panic!("{}: expected unsupported, got {other:?}", request.op()),
        }
    }
    assert_decode_error(&mut d, b"this is not JSON", None);
    assert_decode_error(&mut d, b"\xff\xfe{\"id\":20}", None);
    assert_decode_error(&mut d, b"[1, 2]", None);
    assert_decode_error(&mut d, br#"{"op":"reset"}"#, None);
    assert_decode_error(&mut d, br#"{"id":"21","op":"reset"}"#, None);
    assert_decode_error(&mut d, br#"{"id":22,"op":"rekey"}"#, Some(22));
    assert_decode_error(&mut d, br#"{"id":23,"op":{"hello":1}}"#, Some(23));
    assert_decode_error(&mut d, br#"{"id":24,"op":"constructor"}"#, Some(24));
    // It carried on: a later request is answered as the first was. A 1.0 runner gets 1.0.
    let old = Request::Hello {
        protocol: PROTOCOL_VERSION,
        minor: 0,
    };
    assert!(matches!(call(&mut d, 25, &old), Ok(Reply::Hello(h)) if h.minor == 0));
    assert_eq!(call(&mut d, 26, &Request::Reset {}), Ok(Reply::Done));
    d.finish();
}

fn conform(args: &[&str]) -> (Option<i32>, String, String) {
    let o: Output = Command::new(env!("CARGO_BIN_EXE_e2ee-conform"))
        .args(args)
        .output()
        .expect("e2ee-conform runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The summary's last count line, `P passed, F failed, S skipped`, as numbers.
fn counts(stdout: &str) -> (u32, u32, u32) {
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.ends_with(" skipped") && l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no summary line in {stdout}"));
    let n: Vec<u32> = line
        .split(", ")
        .map(|part| part.split(' ').next().unwrap().parse().unwrap())
        .collect();
    (n[0], n[1], n[2])
}

/// Unmodified, a template declares no profile: the run plans nothing, checks nothing, and
/// exits 2 saying so; `list` lists no test.
fn run_checks_nothing(t: &Template) {
    let imp = implementation(t, &t.file);
    let (code, out, err) = conform(&["run", "--impl", &imp, "--profile", "signal-v3"]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(err.contains("no test ran"), "{out}{err}");
    assert_eq!(counts(&out), (0, 0, 0), "{out}");

    let (code, out, err) = conform(&["list", "--impl", &imp]);
    assert_eq!(code, Some(0), "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "list names no test: {out}");
    assert!(lines[0].ends_with("— 0 tests"), "{out}");
}

/// With a profile declared (the PROFILES line that README.md says to fill in) and no operation
/// filled in, every test is skipped, none passes, and the run still exits 2.
fn declared_profile_skips_everything(t: &Template) {
    let source = std::fs::read_to_string(&t.file).unwrap();
    assert_eq!(
        source.matches(t.no_profiles).count(),
        1,
        "the PROFILES line of {}",
        t.file.display()
    );
    let dir = std::env::temp_dir().join(format!(
        "e2ee-templates-{}-{}",
        t.interpreter,
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join(t.file.file_name().unwrap());
    std::fs::write(&copy, source.replace(t.no_profiles, t.declares_signal)).unwrap();

    let imp = implementation(t, &copy);
    let (code, out, err) = conform(&["run", "--impl", &imp, "--profile", "signal-v3"]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(err.contains("no test ran"), "{out}{err}");
    let (passed, failed, skipped) = counts(&out);
    assert_eq!((passed, failed), (0, 0), "{out}");
    assert!(
        skipped > 100,
        "the signal-v3 suite was planned and skipped: {out}"
    );
    assert!(
        out.contains("create_party is not implemented by this shim"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn python_template_speaks_the_protocol() {
    speaks_the_protocol(&python());
}

#[test]
fn node_template_speaks_the_protocol() {
    speaks_the_protocol(&node());
}

#[test]
fn python_template_run_checks_nothing() {
    run_checks_nothing(&python());
}

#[test]
fn node_template_run_checks_nothing() {
    run_checks_nothing(&node());
}

#[test]
fn python_template_with_a_profile_skips_everything() {
    declared_profile_skips_everything(&python());
}

#[test]
fn node_template_with_a_profile_skips_everything() {
    declared_profile_skips_everything(&node());
}
