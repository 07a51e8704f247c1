//! Hex fields of the shim protocol. A malformed field is the sender's fault: `decode_error`.

use crate::protocol::Failure;

pub fn hex_of(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

pub fn bytes(h: &str) -> Result<Vec<u8>, Failure> {
    hex::decode(h).map_err(|_| Failure::Rejected {
        class: "decode_error".into(),
        detail: "field is not hex".into(),
    })
}

pub fn arr<const N: usize>(h: &str) -> Result<[u8; N], Failure> {
    bytes(h)?.try_into().map_err(|_| Failure::Rejected {
        class: "decode_error".into(),
        detail: format!("field is not {N} bytes"),
    })
}
