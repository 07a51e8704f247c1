//! e2ee-harness: the conformance runner behind `e2ee-conform`.
#![forbid(unsafe_code)]

pub mod corpus;
pub mod expectations;
pub mod impls;
pub mod primitives;
pub mod report;
pub mod scripts;
pub mod shim_client;
pub mod shim_server;
pub mod suite;
pub use e2ee_vectors::spec_iut;
