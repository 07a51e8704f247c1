//! `e2ee-conform shim`: the spec behind shim protocol 1.2 on stdin/stdout — the reference
//! shim, and the example a shim author can compare against.

use crate::shim_client::MAX_LINE;
use crate::spec_iut::SpecIut;
use e2ee_iut::jsonl;
use e2ee_iut::protocol::{Failure, Iut};
use std::io::{BufRead, Read, Write};

/// Serve requests until stdin ends. A line that is not UTF-8, not a request, or longer
/// than `MAX_LINE` bytes is answered with `decode_error` (without an id when none can be
/// read) and the shim carries on: bad input from the runner is input like any other.
/// `iut` is the spec, or the spec keeping and declaring stricter limits (`--limits`).
pub fn serve(mut iut: SpecIut) -> std::io::Result<()> {
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    loop {
        let mut buf = Vec::new();
        let n = (&mut stdin)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(());
        }
        let too_long = buf.last() != Some(&b'\n') && buf.len() > MAX_LINE;
        if too_long {
            // Skip the rest of the line before answering it.
            let mut rest = Vec::new();
            stdin.read_until(b'\n', &mut rest)?;
        }
        let reply = match std::str::from_utf8(&buf) {
            _ if too_long => (None, Err(format!("request line over {MAX_LINE} bytes"))),
            Err(e) => (None, Err(format!("request line is not UTF-8: {e}"))),
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => jsonl::parse_request_line(line.trim_end()),
        };
        let (id, request) = reply;
        let reply = match request {
            Ok(request) => iut.call(&request),
            Err(e) => Err(Failure::Rejected {
                class: "decode_error".into(),
                detail: format!("bad request: {e}"),
            }),
        };
        writeln!(stdout, "{}", jsonl::reply_line(id, &reply))?;
        stdout.flush()?;
    }
}
