//! e2ee-harness: the conformance runner behind `e2ee-conform`.
#![forbid(unsafe_code)]

pub mod shim_client;
pub mod shim_server;
pub use e2ee_vectors::spec_iut;
