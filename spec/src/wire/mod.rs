//! Byte-level encodings shared by the profiles' wire formats.

pub mod protobuf;
