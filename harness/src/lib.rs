//! e2ee-harness: the conformance runner behind `e2ee-conform`.
#![forbid(unsafe_code)]

pub mod corpus;
pub mod expectations;
pub mod franking;
pub mod franking_session;
pub mod group_props;
pub mod group_scripts;
pub mod impls;
pub mod limits;
pub mod primitives;
pub mod props;
pub mod report;
pub mod scripts;
pub mod shim_client;
pub mod shim_server;
pub mod suite;
pub use e2ee_vectors::spec_iut;
