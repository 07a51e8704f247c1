//! The subset of Protocol Buffers encoding that libsignal's and Olm's messages use
//! (protobuf "Encoding" guide: varints, wire types 0 and 2). Written out here so the spec
//! states the bytes; `tests/protobuf_crosscheck.rs` checks it against `prost`.
//!
//! Decoding never panics and rejects: truncated varints or fields, varints longer than ten
//! bytes or above `u64::MAX`, lengths beyond the input, wire types 3 and 4 (groups).

use crate::error::Error;

/// Wire type 0 (varint) and 2 (length-delimited) — the only ones these messages write.
pub const WIRE_VARINT: u8 = 0;
pub const WIRE_LEN: u8 = 2;

/// Append `value` as a base-128 varint.
pub fn put_varint(out: &mut Vec<u8>, value: u64) {
    let mut v = value;
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Append field `number` as a varint field.
pub fn put_uint(out: &mut Vec<u8>, number: u32, value: u64) {
    put_varint(out, (u64::from(number) << 3) | u64::from(WIRE_VARINT));
    put_varint(out, value);
}

/// Append field `number` as a length-delimited field.
pub fn put_bytes(out: &mut Vec<u8>, number: u32, value: &[u8]) {
    put_varint(out, (u64::from(number) << 3) | u64::from(WIRE_LEN));
    put_varint(out, value.len() as u64);
    out.extend_from_slice(value);
}

/// A decoded field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    Uint(u64),
    Bytes(&'a [u8]),
    /// Wire types 1 and 5 (fixed 64/32 bits): skipped as unknown fields.
    Fixed,
}

/// Read a varint at `pos`, returning it and the position after it.
pub fn get_varint(input: &[u8], pos: usize) -> Result<(u64, usize), Error> {
    let mut value: u64 = 0;
    let mut i = 0;
    while i < 10 {
        let byte = *input.get(pos + i).ok_or(Error::Decode)?;
        let bits = u64::from(byte & 0x7f);
        if i == 9 && bits > 1 {
            return Err(Error::Decode);
        }
        value |= bits << (7 * i);
        if byte & 0x80 == 0 {
            return Ok((value, pos + i + 1));
        }
        i += 1;
    }
    Err(Error::Decode)
}

/// Split `input` into `(field number, value)` pairs, in order of appearance.
pub fn fields(input: &[u8]) -> Result<Vec<(u32, Value<'_>)>, Error> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < input.len() {
        let (key, next) = get_varint(input, pos)?;
        let number = u32::try_from(key >> 3).map_err(|_| Error::Decode)?;
        if number == 0 {
            return Err(Error::Decode);
        }
        pos = next;
        match (key & 7) as u8 {
            WIRE_VARINT => {
                let (v, next) = get_varint(input, pos)?;
                out.push((number, Value::Uint(v)));
                pos = next;
            }
            WIRE_LEN => {
                let (len, next) = get_varint(input, pos)?;
                let end = usize::try_from(len)
                    .ok()
                    .and_then(|l| next.checked_add(l))
                    .filter(|&end| end <= input.len())
                    .ok_or(Error::Decode)?;
                out.push((number, Value::Bytes(&input[next..end])));
                pos = end;
            }
            1 => {
                pos = pos
                    .checked_add(8)
                    .filter(|&e| e <= input.len())
                    .ok_or(Error::Decode)?;
                out.push((number, Value::Fixed));
            }
            5 => {
                pos = pos
                    .checked_add(4)
                    .filter(|&e| e <= input.len())
                    .ok_or(Error::Decode)?;
                out.push((number, Value::Fixed));
            }
            _ => return Err(Error::Decode),
        }
    }
    Ok(out)
}

/// The last occurrence of field `number` as bytes (protobuf: the last value wins).
pub fn last_bytes<'a>(fields: &[(u32, Value<'a>)], number: u32) -> Result<Option<&'a [u8]>, Error> {
    let mut found = None;
    for (n, v) in fields {
        if *n == number {
            match v {
                Value::Bytes(b) => found = Some(*b),
                _ => return Err(Error::Decode),
            }
        }
    }
    Ok(found)
}

/// The last occurrence of field `number` as a uint32 (protobuf truncates wider varints).
pub fn last_u32(fields: &[(u32, Value<'_>)], number: u32) -> Result<Option<u32>, Error> {
    let mut found = None;
    for (n, v) in fields {
        if *n == number {
            match v {
                Value::Uint(x) => found = Some(*x as u32),
                _ => return Err(Error::Decode),
            }
        }
    }
    Ok(found)
}
