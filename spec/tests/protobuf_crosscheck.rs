//! The spec writes libsignal's and Olm's protobuf encodings by hand (`wire::protobuf`) so
//! the bytes are specified; this checks them against `prost`, the protobuf library libsignal
//! itself uses, with messages declared as in libsignal's `proto/wire.proto`.

use e2ee_spec::double_ratchet::Header;
use e2ee_spec::pqxdh::KemPayload;
use e2ee_spec::profiles::{olm_v1, signal_v3, signal_v4};
use e2ee_spec::session::{OneTimePrekeyRef, PreKeyHeader, PreKeyMessage};
use e2ee_spec::wire::protobuf;
use proptest::prelude::*;
use prost::Message;

/// libsignal `proto/wire.proto` `SignalMessage`.
#[derive(Clone, PartialEq, prost::Message)]
struct SignalMessage {
    #[prost(bytes = "vec", optional, tag = "1")]
    ratchet_key: Option<Vec<u8>>,
    #[prost(uint32, optional, tag = "2")]
    counter: Option<u32>,
    #[prost(uint32, optional, tag = "3")]
    previous_counter: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "4")]
    ciphertext: Option<Vec<u8>>,
}

/// libsignal `proto/wire.proto` `PreKeySignalMessage`.
#[derive(Clone, PartialEq, prost::Message)]
struct PreKeySignalMessage {
    #[prost(uint32, optional, tag = "5")]
    registration_id: Option<u32>,
    #[prost(uint32, optional, tag = "1")]
    pre_key_id: Option<u32>,
    #[prost(uint32, optional, tag = "6")]
    signed_pre_key_id: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    base_key: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "3")]
    identity_key: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "4")]
    message: Option<Vec<u8>>,
    #[prost(uint32, optional, tag = "7")]
    kyber_pre_key_id: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "8")]
    kyber_ciphertext: Option<Vec<u8>>,
}

/// Olm's normal message body (Olm specification, "Normal message").
#[derive(Clone, PartialEq, prost::Message)]
struct OlmMessage {
    #[prost(bytes = "vec", optional, tag = "1")]
    ratchet_key: Option<Vec<u8>>,
    #[prost(uint32, optional, tag = "2")]
    chain_index: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "4")]
    ciphertext: Option<Vec<u8>>,
}

fn header() -> impl Strategy<Value = Header> {
    (any::<[u8; 32]>(), any::<u32>(), any::<u32>()).prop_map(|(dh, pn, n)| Header { dh, pn, n })
}

proptest! {
    #[test]
    fn signal_message_matches_prost(h in header(), mk in any::<[u8; 32]>(), pt in proptest::collection::vec(any::<u8>(), 0..100), ad in proptest::collection::vec(any::<u8>(), 66)) {
        let ours = signal_v3::seal(signal_v3::VERSION_BYTE, &mk, &h, &pt, &ad);
        let body = &ours[1..ours.len() - signal_v3::MAC_LEN];
        let decoded = SignalMessage::decode(body).unwrap();
        prop_assert_eq!(decoded.ratchet_key.as_deref(), Some(&signal_v3::encode_public_key(&h.dh)[..]));
        prop_assert_eq!(decoded.counter, Some(h.n));
        prop_assert_eq!(decoded.previous_counter, Some(h.pn));
        // prost writes the same bytes (fields in tag order, zero values included).
        prop_assert_eq!(decoded.encode_to_vec(), body.to_vec());
        prop_assert_eq!(signal_v3::parse_header(signal_v3::SESSION_VERSION, &ours).unwrap(), h);
    }

    #[test]
    fn prekey_signal_message_matches_prost(base in any::<[u8; 32]>(), ik in any::<[u8; 32]>(), spk in any::<u32>(), opk in proptest::option::of(any::<u32>()), reg in any::<u32>(), inner in proptest::collection::vec(any::<u8>(), 0..80), kyber in proptest::option::of((any::<u32>(), proptest::collection::vec(any::<u8>(), 0..40)))) {
        // Version 4 carries the Kyber fields, version 3 none.
        let v = if kyber.is_some() { signal_v4::SESSION_VERSION } else { signal_v3::SESSION_VERSION };
        let prekey = PreKeyMessage {
            header: PreKeyHeader {
                identity_key: ik,
                base_key: base,
                signed_prekey_id: spk,
                one_time_prekey: opk.map(OneTimePrekeyRef::Id),
                registration_id: reg,
                kyber: kyber.clone().map(|(prekey_id, ciphertext)| KemPayload { prekey_id, ciphertext }),
            },
            message: inner.clone(),
        };
        let ours = signal_v3::encode_prekey_message(signal_v3::version_byte(v), &prekey);
        prop_assert_eq!(ours[0], signal_v3::version_byte(v));
        let theirs = PreKeySignalMessage {
            registration_id: Some(reg),
            pre_key_id: opk,
            signed_pre_key_id: Some(spk),
            base_key: Some(signal_v3::encode_public_key(&base).to_vec()),
            identity_key: Some(signal_v3::encode_public_key(&ik).to_vec()),
            message: Some(inner),
            kyber_pre_key_id: kyber.as_ref().map(|(id, _)| *id),
            kyber_ciphertext: kyber.map(|(_, ct)| ct),
        };
        prop_assert_eq!(&ours[1..], &theirs.encode_to_vec()[..]);
        prop_assert_eq!(signal_v3::decode_prekey_message(v, &ours).unwrap(), prekey);
    }

    /// Our decoder reads what prost writes, whatever the field order and with unknown
    /// fields present (protobuf's rules, which libsignal's parser follows).
    #[test]
    fn decoder_reads_prost_output(h in header(), ct in proptest::collection::vec(any::<u8>(), 0..40), extra in 5u32..100, extra_value in any::<u64>()) {
        let m = SignalMessage {
            ratchet_key: Some(signal_v3::encode_public_key(&h.dh).to_vec()),
            counter: Some(h.n),
            previous_counter: Some(h.pn),
            ciphertext: Some(ct.clone()),
        };
        let mut body = Vec::new();
        protobuf::put_uint(&mut body, extra, extra_value);
        body.extend_from_slice(&m.encode_to_vec());
        let fields = protobuf::fields(&body).unwrap();
        prop_assert_eq!(protobuf::last_u32(&fields, signal_v3::FIELD_COUNTER).unwrap(), Some(h.n));
        prop_assert_eq!(protobuf::last_u32(&fields, signal_v3::FIELD_PREVIOUS_COUNTER).unwrap(), Some(h.pn));
        prop_assert_eq!(protobuf::last_bytes(&fields, signal_v3::FIELD_CIPHERTEXT).unwrap(), Some(&ct[..]));
    }

    #[test]
    fn olm_message_matches_prost(h in header(), mk in any::<[u8; 32]>(), pt in proptest::collection::vec(any::<u8>(), 0..100)) {
        let ours = olm_v1::seal(&mk, &h, &pt);
        let body = &ours[1..ours.len() - olm_v1::MAC_LEN];
        let decoded = OlmMessage::decode(body).unwrap();
        prop_assert_eq!(decoded.ratchet_key.as_deref(), Some(&h.dh[..]));
        prop_assert_eq!(decoded.chain_index, Some(h.n));
        prop_assert_eq!(decoded.encode_to_vec(), body.to_vec());
    }

    /// Varints: ours and prost's agree on every u64.
    #[test]
    fn varints_match_prost(v in any::<u64>()) {
        let mut ours = Vec::new();
        protobuf::put_varint(&mut ours, v);
        let mut theirs = Vec::new();
        prost::encoding::encode_varint(v, &mut theirs);
        prop_assert_eq!(&ours, &theirs);
        prop_assert_eq!(protobuf::get_varint(&ours, 0).unwrap(), (v, ours.len()));
    }
}
