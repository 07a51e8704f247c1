//! Driving an implementation that runs as a child process speaking shim protocol v1.
//!
//! A reader thread turns the child's stdout into lines on a channel, so every request can
//! wait with a timeout. Whatever the child does — exit, hang, print garbage, print a line
//! too long, answer with the wrong id — becomes a `Failure::Broken` for that request; the
//! child is then killed and restarted for the next test, and the runner goes on.

use e2ee_iut::jsonl;
use e2ee_iut::protocol::{Failure, Hello, Iut, Reply, Request, PROTOCOL_VERSION};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

/// Longest reply line accepted (a message of the largest plaintext is well below this).
pub const MAX_LINE: usize = 4 << 20;

enum Line {
    Text(String),
    TooLong,
    Eof,
}

pub struct ShimIut {
    command: Vec<String>,
    timeout: Duration,
    child: Option<Running>,
    next_id: u64,
    pub hello: Hello,
}

struct Running {
    child: Child,
    stdin: ChildStdin,
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
            child: None,
            next_id: 0,
            hello: e2ee_vectors::spec_iut::SpecIut::hello(),
        };
        shim.spawn()?;
        Ok(shim)
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
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut buf = Vec::new();
                let n = (&mut reader)
                    .take(MAX_LINE as u64 + 1)
                    .read_until(b'\n', &mut buf);
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
        });
        self.child = Some(Running {
            child,
            stdin,
            lines: rx,
        });
        match self.exchange(&Request::Hello {
            protocol: PROTOCOL_VERSION,
        }) {
            Ok(Reply::Hello(h)) if h.protocol == PROTOCOL_VERSION => {
                self.hello = h;
                Ok(())
            }
            Ok(Reply::Hello(h)) => Err(format!(
                "shim speaks protocol {}, runner speaks {PROTOCOL_VERSION}",
                h.protocol
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
        if running
            .stdin
            .write_all(line.as_bytes())
            .and_then(|_| running.stdin.flush())
            .is_err()
        {
            return Err(Failure::Broken("shim closed its stdin (crashed?)".into()));
        }
        match running.lines.recv_timeout(self.timeout) {
            Ok(Line::Text(text)) => jsonl::parse_reply_line(&text, id, request),
            Ok(Line::TooLong) => Err(Failure::Broken(format!(
                "reply line longer than {MAX_LINE} bytes"
            ))),
            Ok(Line::Eof) | Err(RecvTimeoutError::Disconnected) => {
                let status = running.child.try_wait().ok().flatten();
                Err(Failure::Broken(format!(
                    "shim exited ({status:?}) before replying to {}",
                    request.op()
                )))
            }
            Err(RecvTimeoutError::Timeout) => Err(Failure::Broken(format!(
                "no reply to {} within {} ms",
                request.op(),
                self.timeout.as_millis()
            ))),
        }
    }
}

impl Iut for ShimIut {
    fn call(&mut self, request: &Request) -> Result<Reply, Failure> {
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
