//! Where each field of a message sits, per profile: what tampering aims at. Parsed from the
//! message at hand (varint lengths vary, and a protobuf writer may put fields in any order),
//! never assumed; a field that is not there, or bytes that do not parse, are a typed error.
//!
//! Tamper steps name fields (`vectors/README.md` §Tampering): a normal message's fields are
//! [`MESSAGE_FIELDS`]; a prekey message's own are [`PREKEY_FIELDS`], and `message.<name>`
//! names a field of the message it wraps.

use e2ee_iut::protocol::MessageKind;
use e2ee_spec::profiles::{modern, olm_v1, signal_v3, signal_v4};
use e2ee_spec::wire::protobuf;
use e2ee_spec::Profile;
use std::ops::Range;

/// The fields of a normal message, as tamper steps name them.
pub const MESSAGE_FIELDS: [&str; 8] = [
    "version",
    "ratchet_key",
    "counter",
    "previous_counter",
    "header_nonce",
    "encrypted_header",
    "ciphertext",
    "mac",
];

/// The fields of a prekey message's own header.
pub const PREKEY_FIELDS: [&str; 8] = [
    "version",
    "identity_key",
    "base_key",
    "signed_prekey_id",
    "one_time_prekey",
    "registration_id",
    "kyber_prekey_id",
    "kyber_ciphertext",
];

/// The prefix that names a field of the message a prekey message wraps.
pub const INNER: &str = "message.";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutError {
    /// The bytes are not a message of the profile (truncated, not protobuf, a key of the
    /// wrong length, a field of the wrong wire type).
    Malformed(String),
    /// The message has no such field: the profile does not send it, or this message omits it.
    Absent(String),
    /// No message of this kind has a field of this name, in any profile.
    Unknown(String),
}

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LayoutError::Malformed(why) => write!(f, "malformed message: {why}"),
            LayoutError::Absent(field) => write!(f, "the message has no field {field}"),
            LayoutError::Unknown(field) => write!(f, "no such message has a field named {field:?}"),
        }
    }
}

fn malformed(why: impl Into<String>) -> LayoutError {
    LayoutError::Malformed(why.into())
}

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

impl Layout {
    /// The range of the field called `name` (one of [`MESSAGE_FIELDS`]).
    pub fn field(&self, name: &str) -> Result<Range<usize>, LayoutError> {
        let range = match name {
            "version" => Some(self.version..self.version + 1),
            "ratchet_key" => Some(self.ratchet_key.clone()),
            "counter" => Some(self.counter.clone()),
            "previous_counter" => self.previous_counter.clone(),
            "header_nonce" => self.header_nonce.clone(),
            "encrypted_header" => self.encrypted_header.clone(),
            "ciphertext" => Some(self.ciphertext.clone()),
            "mac" => Some(self.mac.clone()),
            _ => return Err(LayoutError::Unknown(name.into())),
        };
        range.ok_or_else(|| LayoutError::Absent(name.into()))
    }
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
    /// PQXDH (`signal-v4`): the KEM prekey's id and the whole serialized ciphertext (type
    /// byte included: confusing the KEM is one of the things tampering aims at).
    pub kyber_prekey_id: Option<Range<usize>>,
    pub kyber_ciphertext: Option<Range<usize>>,
    pub inner: Layout,
}

impl PrekeyLayout {
    /// The range of the field called `name` (one of [`PREKEY_FIELDS`], or [`INNER`] and
    /// one of [`MESSAGE_FIELDS`]).
    pub fn field(&self, name: &str) -> Result<Range<usize>, LayoutError> {
        if let Some(inner) = name.strip_prefix(INNER) {
            return self.inner.field(inner).map_err(|e| match e {
                LayoutError::Absent(_) => LayoutError::Absent(name.into()),
                LayoutError::Unknown(_) => LayoutError::Unknown(name.into()),
                other => other,
            });
        }
        let range = match name {
            "version" => Some(self.version..self.version + 1),
            "identity_key" => Some(self.identity_key.clone()),
            "base_key" => Some(self.base_key.clone()),
            "signed_prekey_id" => self.signed_prekey_id.clone(),
            "one_time_prekey" => self.one_time_prekey.clone(),
            "registration_id" => self.registration_id.clone(),
            "kyber_prekey_id" => self.kyber_prekey_id.clone(),
            "kyber_ciphertext" => self.kyber_ciphertext.clone(),
            _ => return Err(LayoutError::Unknown(name.into())),
        };
        range.ok_or_else(|| LayoutError::Absent(name.into()))
    }
}

/// The byte range of field `field` in `message`, a message of `kind` in `profile`.
pub fn locate(
    profile: Profile,
    he: bool,
    kind: MessageKind,
    message: &[u8],
    field: &str,
) -> Result<Range<usize>, LayoutError> {
    match kind {
        MessageKind::Normal => normal(profile, he, message)?.field(field),
        MessageKind::Prekey => prekey(profile, he, message)?.field(field),
    }
}

/// Byte `at` of `range`, counting from its end when negative (-1: the last byte).
pub fn byte_of(range: &Range<usize>, at: i64) -> Option<usize> {
    let len = range.len() as i64;
    let i = if at < 0 { len + at } else { at };
    (0..len).contains(&i).then(|| range.start + i as usize)
}

/// The fields a message of `kind` has in `profile` (the one-time prekey's only when the
/// session was started with one): what a tamper step of a generated script may aim at.
pub fn fields(profile: Profile, he: bool, kind: MessageKind) -> Vec<String> {
    let message = MESSAGE_FIELDS.iter().filter(|f| match **f {
        "previous_counter" => profile != Profile::OlmV1,
        "header_nonce" | "encrypted_header" => he,
        _ => true,
    });
    match kind {
        MessageKind::Normal => message.map(|f| f.to_string()).collect(),
        MessageKind::Prekey => PREKEY_FIELDS
            .iter()
            .filter(|f| match **f {
                "signed_prekey_id" => profile != Profile::OlmV1,
                "registration_id" => profile.is_libsignal(),
                "kyber_prekey_id" | "kyber_ciphertext" => profile.post_quantum(),
                _ => true,
            })
            .map(|f| f.to_string())
            .chain(message.map(|f| format!("{INNER}{f}")))
            .collect(),
    }
}

/// Every field name a tamper step may use, in any profile.
pub fn field_names() -> Vec<String> {
    let mut out: Vec<String> = PREKEY_FIELDS.iter().map(|f| f.to_string()).collect();
    for f in MESSAGE_FIELDS {
        if !out.iter().any(|o| o == f) {
            out.push(f.to_string());
        }
    }
    out.extend(MESSAGE_FIELDS.iter().map(|f| format!("{INNER}{f}")));
    out
}

/// One protobuf field: its number, wire type and value range (length-delimited: the bytes
/// after the length; varint: the varint's own bytes).
struct Field {
    number: u32,
    wire: u8,
    value: Range<usize>,
}

/// The protobuf fields of `bytes[range]`, in order of appearance. Varints are read as the
/// spec's decoder reads them; a field the decoder would refuse is `Malformed`.
fn protobuf(bytes: &[u8], range: Range<usize>) -> Result<Vec<Field>, LayoutError> {
    let input = bytes
        .get(range.clone())
        .ok_or_else(|| malformed("truncated"))?;
    let varint = |pos: usize| {
        protobuf::get_varint(input, pos)
            .map_err(|_| malformed(format!("bad varint at byte {}", range.start + pos)))
    };
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < input.len() {
        let (key, next) = varint(pos)?;
        let number = u32::try_from(key >> 3)
            .ok()
            .filter(|n| *n != 0)
            .ok_or_else(|| malformed(format!("bad field number at byte {}", range.start + pos)))?;
        let wire = (key & 7) as u8;
        let (start, end) = match wire {
            protobuf::WIRE_VARINT => (next, varint(next)?.1),
            protobuf::WIRE_LEN => {
                let (len, start) = varint(next)?;
                let end = usize::try_from(len)
                    .ok()
                    .and_then(|l| start.checked_add(l))
                    .filter(|&end| end <= input.len())
                    .ok_or_else(|| malformed(format!("field {number} runs past the end")))?;
                (start, end)
            }
            1 | 5 => {
                let width = if wire == 1 { 8 } else { 4 };
                let end = Some(next + width)
                    .filter(|&end| end <= input.len())
                    .ok_or_else(|| malformed(format!("field {number} runs past the end")))?;
                (next, end)
            }
            _ => return Err(malformed(format!("wire type {wire} of field {number}"))),
        };
        out.push(Field {
            number,
            wire,
            value: range.start + start..range.start + end,
        });
        pos = end;
    }
    Ok(out)
}

/// The value of field `number` (protobuf: the last occurrence wins), which must have wire
/// type `wire` wherever it occurs.
fn field(
    fields: &[Field],
    number: u32,
    wire: u8,
    name: &str,
) -> Result<Option<Range<usize>>, LayoutError> {
    let mut found = None;
    for f in fields.iter().filter(|f| f.number == number) {
        if f.wire != wire {
            return Err(malformed(format!("{name} has wire type {}", f.wire)));
        }
        found = Some(f.value.clone());
    }
    Ok(found)
}

fn required(range: Option<Range<usize>>, name: &str) -> Result<Range<usize>, LayoutError> {
    range.ok_or_else(|| LayoutError::Absent(name.into()))
}

/// A public key field of the protobuf profiles: 32 bytes, after libsignal's 0x05 type byte.
fn key(
    profile: Profile,
    range: Option<Range<usize>>,
    name: &str,
) -> Result<Option<Range<usize>>, LayoutError> {
    let Some(r) = range else { return Ok(None) };
    let skip = usize::from(profile.is_libsignal());
    if r.len() != 32 + skip {
        return Err(malformed(format!("{name} is {} bytes", r.len())));
    }
    Ok(Some(r.start + skip..r.end))
}

/// The layout of a normal message of `profile` (with header encryption when `he`).
pub fn normal(profile: Profile, he: bool, m: &[u8]) -> Result<Layout, LayoutError> {
    let len = m.len();
    let too_short = |min: usize| {
        if len < min {
            Err(malformed(format!("{len} bytes, fewer than {min}")))
        } else {
            Ok(())
        }
    };
    match (profile, he) {
        (Profile::Modern, false) => {
            let body = 1 + modern::HEADER_LEN;
            too_short(body + modern::TAG_LEN)?;
            Ok(Layout {
                version: 0,
                ratchet_key: 1..33,
                previous_counter: Some(33..37),
                counter: 37..41,
                header_nonce: None,
                encrypted_header: None,
                ciphertext: body..len - modern::TAG_LEN,
                mac: len - modern::TAG_LEN..len,
            })
        }
        (Profile::Modern, true) => {
            let h = 1 + modern::HEADER_NONCE_LEN;
            let body = h + modern::ENCRYPTED_HEADER_LEN;
            too_short(body + modern::TAG_LEN)?;
            Ok(Layout {
                version: 0,
                ratchet_key: h..h + 32,
                previous_counter: Some(h + 32..h + 36),
                counter: h + 36..h + 40,
                header_nonce: Some(1..h),
                encrypted_header: Some(h..body),
                ciphertext: body..len - modern::TAG_LEN,
                mac: len - modern::TAG_LEN..len,
            })
        }
        (Profile::SignalV3 | Profile::SignalV4 | Profile::OlmV1, _) => {
            // The same field numbers and MAC length in both (checked below by the tests).
            let mac_len = signal_v3::MAC_LEN;
            too_short(1 + mac_len)?;
            let fields = protobuf(m, 1..len - mac_len)?;
            let varint = protobuf::WIRE_VARINT;
            let bytes = protobuf::WIRE_LEN;
            let ratchet_key = field(&fields, signal_v3::FIELD_RATCHET_KEY, bytes, "ratchet_key")?;
            Ok(Layout {
                version: 0,
                ratchet_key: required(key(profile, ratchet_key, "ratchet_key")?, "ratchet_key")?,
                counter: required(
                    field(&fields, signal_v3::FIELD_COUNTER, varint, "counter")?,
                    "counter",
                )?,
                previous_counter: if profile.is_libsignal() {
                    field(
                        &fields,
                        signal_v3::FIELD_PREVIOUS_COUNTER,
                        varint,
                        "previous_counter",
                    )?
                } else {
                    None
                },
                header_nonce: None,
                encrypted_header: None,
                ciphertext: required(
                    field(&fields, signal_v3::FIELD_CIPHERTEXT, bytes, "ciphertext")?,
                    "ciphertext",
                )?,
                mac: len - mac_len..len,
            })
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
pub fn prekey(profile: Profile, he: bool, m: &[u8]) -> Result<PrekeyLayout, LayoutError> {
    match profile {
        Profile::Modern => {
            // 0x03 || IK_A || EK_A || signed prekey id || 0x00 | 0x01 || one-time prekey id.
            let flag = 1 + 32 + 32 + 4;
            let (one_time_prekey, inner_start) = match m.get(flag) {
                Some(0) => (None, flag + 1),
                Some(1) => (Some(flag + 1..flag + 5), flag + 5),
                Some(b) => return Err(malformed(format!("one-time prekey flag {b}"))),
                None => {
                    return Err(malformed(format!(
                        "{} bytes, no one-time prekey flag",
                        m.len()
                    )))
                }
            };
            let inner = m
                .get(inner_start..)
                .ok_or_else(|| malformed("no inner message"))?;
            Ok(PrekeyLayout {
                version: 0,
                identity_key: 1..33,
                base_key: 33..65,
                signed_prekey_id: Some(65..69),
                one_time_prekey,
                registration_id: None,
                kyber_prekey_id: None,
                kyber_ciphertext: None,
                inner: shift(normal(profile, he, inner)?, inner_start),
            })
        }
        Profile::SignalV3 | Profile::SignalV4 | Profile::OlmV1 => {
            if m.is_empty() {
                return Err(malformed("empty"));
            }
            let fields = protobuf(m, 1..m.len())?;
            let varint = protobuf::WIRE_VARINT;
            let bytes = protobuf::WIRE_LEN;
            let signal = profile.is_libsignal();
            // The one-time prekey is an id (a varint) in libsignal and the key itself in Olm.
            let one_time_prekey = if signal {
                field(
                    &fields,
                    signal_v3::FIELD_PRE_KEY_ID,
                    varint,
                    "one_time_prekey",
                )?
            } else {
                let otk = field(
                    &fields,
                    olm_v1::FIELD_ONE_TIME_KEY,
                    bytes,
                    "one_time_prekey",
                )?;
                key(profile, otk, "one_time_prekey")?
            };
            let base_key = field(&fields, signal_v3::FIELD_BASE_KEY, bytes, "base_key")?;
            let identity_key = field(
                &fields,
                signal_v3::FIELD_IDENTITY_KEY,
                bytes,
                "identity_key",
            )?;
            let inner = required(
                field(&fields, signal_v3::FIELD_MESSAGE, bytes, "message")?,
                "message",
            )?;
            let signal_only = |number: u32, name: &str| {
                if signal {
                    field(&fields, number, varint, name)
                } else {
                    Ok(None)
                }
            };
            Ok(PrekeyLayout {
                version: 0,
                identity_key: required(
                    key(profile, identity_key, "identity_key")?,
                    "identity_key",
                )?,
                base_key: required(key(profile, base_key, "base_key")?, "base_key")?,
                signed_prekey_id: signal_only(
                    signal_v3::FIELD_SIGNED_PRE_KEY_ID,
                    "signed_prekey_id",
                )?,
                one_time_prekey,
                registration_id: signal_only(signal_v3::FIELD_REGISTRATION_ID, "registration_id")?,
                kyber_prekey_id: signal_only(signal_v4::FIELD_KYBER_PRE_KEY_ID, "kyber_prekey_id")?,
                kyber_ciphertext: if signal {
                    field(
                        &fields,
                        signal_v4::FIELD_KYBER_CIPHERTEXT,
                        bytes,
                        "kyber_ciphertext",
                    )?
                } else {
                    None
                },
                inner: shift(normal(profile, he, &m[inner.clone()])?, inner.start),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_protobuf_profiles_share_field_numbers() {
        // `normal` and `prekey` read Olm's messages with libsignal's numbers.
        assert_eq!(signal_v3::FIELD_RATCHET_KEY, olm_v1::FIELD_RATCHET_KEY);
        assert_eq!(signal_v3::FIELD_COUNTER, olm_v1::FIELD_CHAIN_INDEX);
        assert_eq!(signal_v3::FIELD_CIPHERTEXT, olm_v1::FIELD_CIPHERTEXT);
        assert_eq!(signal_v3::FIELD_BASE_KEY, olm_v1::FIELD_BASE_KEY);
        assert_eq!(signal_v3::FIELD_IDENTITY_KEY, olm_v1::FIELD_IDENTITY_KEY);
        assert_eq!(signal_v3::FIELD_MESSAGE, olm_v1::FIELD_MESSAGE);
        assert_eq!(signal_v3::MAC_LEN, olm_v1::MAC_LEN);
    }

    /// A signal-v3 message: version, then {ratchet key, counter, PN, ciphertext} in `order`.
    fn signal_message(order: [u32; 4]) -> Vec<u8> {
        let mut m = vec![signal_v3::VERSION_BYTE];
        for n in order {
            match n {
                1 => protobuf::put_bytes(&mut m, 1, &[[5u8].as_slice(), &[7; 32]].concat()),
                2 => protobuf::put_uint(&mut m, 2, 300),
                3 => protobuf::put_uint(&mut m, 3, 9),
                _ => protobuf::put_bytes(&mut m, 4, &[0xcc; 32]),
            }
        }
        m.extend_from_slice(&[0xaa; 8]);
        m
    }

    #[test]
    fn fields_are_found_in_any_order() {
        let value = |m: &[u8], f: &str| {
            let r = locate(Profile::SignalV3, false, MessageKind::Normal, m, f).unwrap();
            m[r].to_vec()
        };
        let canonical = signal_message([1, 2, 3, 4]);
        let reversed = signal_message([4, 3, 2, 1]);
        assert_ne!(canonical, reversed);
        for f in fields(Profile::SignalV3, false, MessageKind::Normal) {
            assert_eq!(value(&canonical, &f), value(&reversed, &f), "{f}");
        }
        assert_eq!(value(&reversed, "ratchet_key"), vec![7; 32]);
        // 300 as a varint.
        assert_eq!(value(&reversed, "counter"), vec![0xac, 0x02]);
        assert_eq!(value(&reversed, "mac"), vec![0xaa; 8]);
    }

    #[test]
    fn an_absent_or_unknown_field_is_a_typed_error() {
        let m = signal_message([1, 2, 4, 4]);
        let at = |f: &str| locate(Profile::SignalV3, false, MessageKind::Normal, &m, f);
        assert_eq!(
            at("previous_counter"),
            Err(LayoutError::Absent("previous_counter".into()))
        );
        assert_eq!(
            at("header_nonce"),
            Err(LayoutError::Absent("header_nonce".into()))
        );
        assert_eq!(at("checksum"), Err(LayoutError::Unknown("checksum".into())));
        let no_counter = signal_message([1, 3, 4, 4]);
        assert_eq!(
            normal(Profile::SignalV3, false, &no_counter),
            Err(LayoutError::Absent("counter".into()))
        );
    }

    #[test]
    fn malformed_bytes_are_a_typed_error_never_a_panic() {
        let good = signal_message([1, 2, 3, 4]);
        let mut cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![signal_v3::VERSION_BYTE],
            good[..good.len() / 2].to_vec(),
        ];
        // The ratchet key's length says 200 bytes.
        let mut long = good.clone();
        long[2] = 200;
        cases.push(long);
        // The ratchet key as a varint.
        let mut wire = good.clone();
        wire[1] = 1 << 3;
        cases.push(wire);
        // A group (wire type 3).
        let mut group = good.clone();
        group[1] = (1 << 3) | 3;
        cases.push(group);
        for m in &cases {
            for profile in [Profile::SignalV3, Profile::OlmV1] {
                assert!(
                    matches!(normal(profile, false, m), Err(LayoutError::Malformed(_))),
                    "{m:02x?}"
                );
                assert!(prekey(profile, false, m).is_err());
            }
        }
        // `modern` has a fixed layout: only a message too short for it is malformed.
        for m in [vec![], vec![modern::TYPE_MESSAGE; 56]] {
            for he in [false, true] {
                assert!(matches!(
                    normal(Profile::Modern, he, &m),
                    Err(LayoutError::Malformed(_))
                ));
                assert!(matches!(
                    prekey(Profile::Modern, he, &m),
                    Err(LayoutError::Malformed(_))
                ));
            }
        }
    }

    #[test]
    fn byte_of_counts_negative_offsets_from_the_end() {
        assert_eq!(byte_of(&(10..14), 0), Some(10));
        assert_eq!(byte_of(&(10..14), -1), Some(13));
        assert_eq!(byte_of(&(10..14), -4), Some(10));
        assert_eq!(byte_of(&(10..14), 4), None);
        assert_eq!(byte_of(&(10..14), -5), None);
        assert_eq!(byte_of(&(10..10), 0), None);
    }
}
