//! e2ee-iut: what an implementation under test must answer (shim protocol 1.2, `SHIM.md`).
//! Rust implementations implement [`Iut`] directly; others speak the JSON-lines form.
#![forbid(unsafe_code)]

pub mod hexbytes;
pub mod jsonl;
pub mod protocol;

pub use protocol::{Bundle, Failure, Hello, Iut, MessageKind, Reply, Request};
