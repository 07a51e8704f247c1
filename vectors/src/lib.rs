//! e2ee-vectors: the published test vectors' types, their generator and the known-answer
//! checker. Traces are replayed against implementations by the harness (`e2ee-conform`).
#![forbid(unsafe_code)]

pub mod envelope;
pub mod trace;
pub mod engine;
pub mod spec_iut;
