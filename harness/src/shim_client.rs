//! Driving an implementation that runs as a child process speaking shim protocol 1.x.
//!
//! A reader thread turns the child's stdout into lines on a bounded channel and a writer
//! thread feeds its stdin, so every request, written and answered, waits with a timeout and
//! a shim that floods stdout cannot make the runner buffer more than a few lines. Whatever
//! the child does — exit, hang, stop reading, print garbage, print a line too long, answer
//! with the wrong id — becomes a `Failure::Broken` for that request; the child is then
//! killed and restarted for the next test, and the runner goes on.

use e2ee_iut::jsonl;
use e2ee_iut::protocol::{Failure, Hello, Iut, Reply, Request, PROTOCOL_MINOR, PROTOCOL_VERSION};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

/// Longest reply line accepted, not counting its newline (a message of the largest
/// plaintext is well below this).
pub const MAX_LINE: usize = 4 << 20;

/// Reply lines read ahead of the runner: a shim that floods stdout is held at this many.
const LINES_BUFFERED: usize = 4;

enum Line {
    Text(String),
    TooLong,
    Eof,
}

pub struct ShimIut {
    command: Vec<String>,
    timeout: Duration,
    /// How long one test (from its `reset` on) may take in all, if bounded.
    test_budget: Option<Duration>,
    deadline: Option<Instant>,
    child: Option<Running>,
    next_id: u64,
    pub hello: Hello,
}

struct Running {
    child: Child,
    /// Request lines to the writer thread, which owns the child's stdin.
    requests: SyncSender<String>,
    lines: Receiver<Line>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ShimIut {
    /// Start `command` (program and arguments) and exchange `hello`. An error here means
    /// the implementation cannot be started at all (exit code 2).
    pub fn start(command: &[String], timeout: Duration) -> Result<ShimIut, String> {
        let mut shim = ShimIut {
            command: command.to_vec(),
            timeout,
            test_budget: None,
            deadline: None,
            child: None,
            next_id: 0,
            hello: Hello::default(),
        };
        shim.spawn()?;
        Ok(shim)
    }

    /// Bound each test, from the `reset` that starts it, to `budget` in all: a shim whose
    /// every answer comes just within the request timeout cannot hold a run for hours.
    pub fn with_test_budget(mut self, budget: Duration) -> ShimIut {
        self.test_budget = Some(budget);
        self
    }

    fn spawn(&mut self) -> Result<(), String> {
        let (program, args) = self.command.split_first().ok_or("empty shim command")?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {program}: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::sync_channel(LINES_BUFFERED);
        std::thread::spawn(move || read_lines(stdout, tx));
        let (requests, to_write) = mpsc::sync_channel::<String>(1);
        std::thread::spawn(move || write_lines(stdin, to_write));
        self.child = Some(Running {
            child,
            requests,
            lines: rx,
        });
        match self.exchange(&Request::Hello {
            protocol: PROTOCOL_VERSION,
            minor: PROTOCOL_MINOR,
        }) {
            // A lower minor is judged by its own classes; a higher one would report classes
            // this runner does not know.
            Ok(Reply::Hello(h)) if h.protocol == PROTOCOL_VERSION && h.minor <= PROTOCOL_MINOR => {
                self.hello = h;
                Ok(())
            }
            Ok(Reply::Hello(h)) => Err(format!(
                "shim speaks protocol {}.{}, runner speaks {PROTOCOL_VERSION}.{PROTOCOL_MINOR}",
                h.protocol, h.minor
            )),
            Ok(_) => Err("bad hello reply".into()),
            Err(f) => Err(format!("no valid hello: {f}")),
        }
    }

    fn exchange(&mut self, request: &Request) -> Result<Reply, Failure> {
        self.next_id += 1;
        let id = self.next_id;
        let running = self
            .child
            .as_mut()
            .ok_or_else(|| Failure::Broken("shim not running".into()))?;
        let line = jsonl::request_line(id, request) + "\n";
        // The writer thread takes the line at once unless it is still stuck writing the
        // previous one; a shim that stops reading then shows as a timeout below.
        if running.requests.try_send(line).is_err() {
            return Err(Failure::Broken(format!(
                "shim stopped reading its stdin before {}",
                request.op()
            )));
        }
        // Within the request timeout and what is left of the test's budget.
        let left = self
            .deadline
            .map(|d| d.saturating_duration_since(Instant::now()));
        let wait = left.map_or(self.timeout, |l| l.min(self.timeout));
        match running.lines.recv_timeout(wait) {
            Ok(Line::Text(text)) => jsonl::parse_reply_line(&text, id, request),
            Ok(Line::TooLong) => Err(Failure::Broken(format!(
                "reply line longer than {MAX_LINE} bytes"
            ))),
            Ok(Line::Eof) | Err(RecvTimeoutError::Disconnected) => {
                // Give a dying child a moment to be reaped, so the status can be named.
                std::thread::sleep(Duration::from_millis(20));
                let how = match running.child.try_wait() {
                    Ok(Some(status)) => exit_words(status),
                    _ => "closed its stdout".to_string(),
                };
                Err(Failure::Broken(format!(
                    "shim {how} before replying to {}",
                    request.op()
                )))
            }
            Err(RecvTimeoutError::Timeout) if wait < self.timeout => Err(Failure::Broken(format!(
                "the test ran out of its time budget of {} s waiting for {}",
                self.test_budget.unwrap_or_default().as_secs(),
                request.op()
            ))),
            Err(RecvTimeoutError::Timeout) => Err(Failure::Broken(format!(
                "no reply to {} within {} ms",
                request.op(),
                self.timeout.as_millis()
            ))),
        }
    }
}

/// The child's stdout as lines; stops at end of file, at a line over `MAX_LINE` bytes
/// (its newline not counted), or when the runner no longer listens.
fn read_lines(stdout: impl Read, tx: SyncSender<Line>) {
    let mut reader = BufReader::new(stdout);
    loop {
        let mut buf = Vec::new();
        let n = (&mut reader)
            .take(MAX_LINE as u64 + 2)
            .read_until(b'\n', &mut buf);
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        let line = match n {
            Ok(0) | Err(_) => Line::Eof,
            Ok(_) if buf.len() > MAX_LINE => Line::TooLong,
            Ok(_) => Line::Text(String::from_utf8_lossy(&buf).trim_end().to_string()),
        };
        let stop = !matches!(line, Line::Text(_));
        if tx.send(line).is_err() || stop {
            return;
        }
    }
}

/// Write request lines to the child's stdin until the runner hangs up or a write fails
/// (the child exited, or was killed after it stopped reading).
fn write_lines(mut stdin: ChildStdin, lines: Receiver<String>) {
    for line in lines {
        if stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.flush())
            .is_err()
        {
            return;
        }
    }
}

/// How a child ended, in words.
fn exit_words(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("was killed by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("exited with code {code}"),
        None => "exited".to_string(),
    }
}

impl Iut for ShimIut {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
        if matches!(request, Request::Reset {}) {
            self.deadline = self.test_budget.map(|b| Instant::now() + b);
        }
        if self.child.is_none() {
            // A previous request broke the shim: start a fresh one for this test.
            self.spawn().map_err(Failure::Broken)?;
        }
        let result = self.exchange(request);
        if let Err(Failure::Broken(_)) = &result {
            self.child = None; // killed by Drop; restarted on the next call
        }
        result
    }
}
