//! e2ee-vectors: the published test vectors' types, their generator and the known-answer
//! checker. Traces are replayed against implementations by the harness (`e2ee-conform`).
#![forbid(unsafe_code)]

pub mod digest;
pub mod engine;
pub mod envelope;
pub mod franking_reveals;
pub mod generate;
pub mod group_engine;
pub mod group_trace;
pub mod kat;
pub mod layout;
pub mod limits;
pub mod notes;
pub mod published;
pub mod rng;
pub mod schema;
pub mod spec_iut;
pub mod trace;
pub mod witness;

pub use kat::{check_bytes, check_file, load_trace_file, Counts};
