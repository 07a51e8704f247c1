//! `e2ee-conform shim`: the spec behind shim protocol v1 on stdin/stdout — the reference
//! shim, and the example a shim author can compare against.

use crate::spec_iut::SpecIut;
use e2ee_iut::jsonl;
use e2ee_iut::protocol::{Failure, Iut};
use std::io::{BufRead, Write};

pub fn serve(seed: u64) -> std::io::Result<()> {
    let mut iut = SpecIut::new(seed);
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let (id, request) = jsonl::parse_request_line(&line);
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
    Ok(())
}
