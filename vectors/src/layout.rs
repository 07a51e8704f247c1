//! Where each field of a message sits, per profile: what tampering vectors aim at. Parsed
//! from real messages (varint lengths vary), never assumed.

use e2ee_spec::profiles::modern;
use e2ee_spec::Profile;
use std::ops::Range;

/// The fields of a normal (non-prekey) message, as byte ranges of the message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// The version or type byte.
    pub version: usize,
    /// The ratchet public key (32 bytes; without libsignal's 0x05 type byte). For header
    /// encryption: where it sits inside the encrypted header.
    pub ratchet_key: Range<usize>,
    /// The counter N (a varint in the protobuf profiles).
    pub counter: Range<usize>,
    /// PN, where the profile sends it.
    pub previous_counter: Option<Range<usize>>,
    /// Header encryption: the header nonce and the whole encrypted header (with its tag).
    pub header_nonce: Option<Range<usize>>,
    pub encrypted_header: Option<Range<usize>>,
    /// The encrypted body, without MAC or AEAD tag.
    pub ciphertext: Range<usize>,
    /// The MAC (signal-v3, olm-v1) or the body's AEAD tag (modern).
    pub mac: Range<usize>,
}

/// The fields of a prekey message; `inner` is the wrapped message's layout, shifted to
/// offsets of the whole prekey message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrekeyLayout {
    pub version: usize,
    pub identity_key: Range<usize>,
    pub base_key: Range<usize>,
    pub signed_prekey_id: Option<Range<usize>>,
    /// The one-time prekey's id (modern, signal-v3) or key (olm-v1).
    pub one_time_prekey: Option<Range<usize>>,
    pub registration_id: Option<Range<usize>>,
    pub inner: Layout,
}

/// Protobuf fields of `bytes[range]`: (number, value range). Length-delimited values are
/// the bytes after the length; varints are their own bytes.
fn protobuf(bytes: &[u8], range: Range<usize>) -> Vec<(u32, Range<usize>)> {
    let varint = |mut pos: usize| -> (u64, usize) {
        let mut v = 0u64;
        let mut shift = 0;
        while pos < bytes.len() {
            let b = bytes[pos];
            v |= u64::from(b & 0x7f) << shift;
            pos += 1;
            shift += 7;
            if b & 0x80 == 0 || shift >= 64 {
                break;
            }
        }
        (v, pos)
    };
    let mut out = Vec::new();
    let mut pos = range.start;
    while pos < range.end {
        let (key, next) = varint(pos);
        match key & 7 {
            0 => {
                let (_, end) = varint(next);
                out.push(((key >> 3) as u32, next..end));
                pos = end;
            }
            2 => {
                let (len, start) = varint(next);
                let end = (start + len as usize).min(range.end);
                out.push(((key >> 3) as u32, start..end));
                pos = end;
            }
            _ => break,
        }
    }
    out
}

fn field(fields: &[(u32, Range<usize>)], number: u32) -> Option<Range<usize>> {
    fields
        .iter()
        .rev()
        .find(|(n, _)| *n == number)
        .map(|(_, r)| r.clone())
}

/// The layout of a normal message of `profile` (with header encryption when `he`).
pub fn normal(profile: Profile, he: bool, m: &[u8]) -> Layout {
    let len = m.len();
    match (profile, he) {
        (Profile::Modern, false) => Layout {
            version: 0,
            ratchet_key: 1..33,
            previous_counter: Some(33..37),
            counter: 37..41,
            header_nonce: None,
            encrypted_header: None,
            ciphertext: 41..len - modern::TAG_LEN,
            mac: len - modern::TAG_LEN..len,
        },
        (Profile::Modern, true) => {
            let h = 1 + modern::HEADER_NONCE_LEN;
            Layout {
                version: 0,
                ratchet_key: h..h + 32,
                previous_counter: Some(h + 32..h + 36),
                counter: h + 36..h + 40,
                header_nonce: Some(1..h),
                encrypted_header: Some(h..h + modern::ENCRYPTED_HEADER_LEN),
                ciphertext: h + modern::ENCRYPTED_HEADER_LEN..len - modern::TAG_LEN,
                mac: len - modern::TAG_LEN..len,
            }
        }
        (Profile::SignalV3, _) | (Profile::OlmV1, _) => {
            let mac_len = 8;
            let fields = protobuf(m, 1..len - mac_len);
            let key = field(&fields, 1).unwrap_or(0..0);
            // libsignal's serialized key starts with the 0x05 type byte.
            let skip = usize::from(profile == Profile::SignalV3);
            Layout {
                version: 0,
                ratchet_key: key.start + skip..key.end,
                counter: field(&fields, 2).unwrap_or(0..0),
                previous_counter: if profile == Profile::SignalV3 {
                    field(&fields, 3)
                } else {
                    None
                },
                header_nonce: None,
                encrypted_header: None,
                ciphertext: field(&fields, 4).unwrap_or(0..0),
                mac: len - mac_len..len,
            }
        }
    }
}

fn shift(l: Layout, by: usize) -> Layout {
    let s = |r: Range<usize>| r.start + by..r.end + by;
    Layout {
        version: l.version + by,
        ratchet_key: s(l.ratchet_key),
        counter: s(l.counter),
        previous_counter: l.previous_counter.map(s),
        header_nonce: l.header_nonce.map(s),
        encrypted_header: l.encrypted_header.map(s),
        ciphertext: s(l.ciphertext),
        mac: s(l.mac),
    }
}

/// The layout of a prekey message of `profile`.
pub fn prekey(profile: Profile, he: bool, m: &[u8]) -> PrekeyLayout {
    match profile {
        Profile::Modern => {
            let has_otk = m.get(69) == Some(&1);
            let inner_start = if has_otk { 74 } else { 70 };
            PrekeyLayout {
                version: 0,
                identity_key: 1..33,
                base_key: 33..65,
                signed_prekey_id: Some(65..69),
                one_time_prekey: has_otk.then_some(70..74),
                registration_id: None,
                inner: shift(normal(profile, he, &m[inner_start..]), inner_start),
            }
        }
        Profile::SignalV3 | Profile::OlmV1 => {
            let fields = protobuf(m, 1..m.len());
            let skip = usize::from(profile == Profile::SignalV3);
            let key = |n| {
                field(&fields, n)
                    .map(|r| r.start + skip..r.end)
                    .unwrap_or(0..0)
            };
            let inner = field(&fields, 4).unwrap_or(0..0);
            let signal = profile == Profile::SignalV3;
            PrekeyLayout {
                version: 0,
                identity_key: key(3),
                base_key: key(2),
                signed_prekey_id: if signal { field(&fields, 6) } else { None },
                one_time_prekey: field(&fields, 1),
                registration_id: if signal { field(&fields, 5) } else { None },
                inner: shift(normal(profile, he, &m[inner.clone()]), inner.start),
            }
        }
    }
}
