//! e2ee-vectors
