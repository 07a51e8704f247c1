//! The spec's Megolm (`e2ee_spec::megolm`, profile `megolm-v1`) against vodozemac 0.11's
//! (`vodozemac::megolm`), both directions, with the same injected draws: vodozemac is the
//! independent anchor for every byte the spec writes and every class it refuses with.
//!
//! Tests named `divergence_*` pin where the two disagree today, so that a vodozemac upgrade
//! that changes one shows up here; each says which side is right.

use e2ee_adapter_vodozemac::errors;
use e2ee_adapter_vodozemac::megolm::{self as adapter, Draws, RATCHET_LEN};
use e2ee_iut::Failure;
use e2ee_spec::crypto::ed25519;
use e2ee_spec::megolm::{self, InboundSession, Ratchet};
use e2ee_spec::profiles::megolm_v1::{MAC_LEN, SIGNATURE_LEN};
use e2ee_spec::wire::protobuf;
use e2ee_spec::Error;
use vodozemac::megolm::{
    ExportedSessionKey, GroupSession, InboundGroupSession, MegolmMessage, SessionConfig, SessionKey,
};

/// Start indices: 0, byte boundaries of the four ratchet parts from both sides, and the end.
const STARTS: [u32; 11] = [
    0,
    1,
    5,
    255,
    256,
    65_535,
    65_536,
    (1 << 24) - 1,
    1 << 24,
    0x7fff_ffff,
    u32::MAX - 3,
];

/// Deterministic test bytes (splitmix64), so a failure is reproducible.
fn draw<const N: usize>(seed: u64) -> [u8; N] {
    let mut state = seed;
    let mut out = [0u8; N];
    for chunk in out.chunks_mut(8) {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
    }
    out
}

/// One sender's draws, as both implementations take them.
struct Sender {
    ratchet: [u8; RATCHET_LEN],
    index: u32,
    seed: [u8; 32],
}

impl Sender {
    fn new(n: u64, index: u32) -> Sender {
        Sender {
            ratchet: draw(n),
            index,
            seed: draw(n ^ 0xed25519),
        }
    }

    fn spec(&self) -> megolm::GroupSession {
        megolm::GroupSession {
            ratchet: Ratchet::from_bytes(&self.ratchet, self.index),
            signing_seed: self.seed,
        }
    }

    fn vodozemac(&self) -> GroupSession {
        adapter::group_session(&Draws {
            ratchet: Some(self.ratchet),
            index: Some(self.index),
            signing_seed: Some(self.seed),
        })
        .expect("vodozemac takes the injected draws")
    }

    /// `body` authenticated with the keys of the ratchet at `index` and signed by `seed`:
    /// what the sender (or, with another seed, a member who holds the ratchet) can write.
    fn seal(&self, index: u32, body: Vec<u8>, seed: &[u8; 32]) -> Vec<u8> {
        let (_, mac_key, _) = self.ratchet_at(index).message_keys();
        megolm::authenticate_and_sign(&mac_key, seed, body)
    }

    fn ratchet_at(&self, index: u32) -> Ratchet {
        Ratchet::from_bytes(&self.ratchet, self.index)
            .advance_to(index)
            .expect("forward")
    }
}

fn spec_send(s: megolm::GroupSession, plaintext: &[u8]) -> (megolm::GroupSession, Vec<u8>) {
    s.encrypt(plaintext)
        .expect("the spec encrypts below u32::MAX")
}

fn inbound(key: &[u8]) -> InboundGroupSession {
    let key = SessionKey::from_bytes(key).expect("vodozemac reads the spec's session key");
    InboundGroupSession::new(&key, SessionConfig::version_1())
}

fn class(f: Failure) -> String {
    match f {
        Failure::Rejected { class, .. } => class,
        other => panic!("not a rejection: {other}"),
    }
}

/// vodozemac's decryption as the adapter classes it: (plaintext, index) or the class.
fn vz_decrypt(s: &mut InboundGroupSession, bytes: &[u8]) -> Result<(Vec<u8>, u32), String> {
    let m = MegolmMessage::from_bytes(bytes).map_err(|e| class(errors::decode(e)))?;
    let d = s
        .decrypt(&m)
        .map_err(|e| class(errors::megolm_decryption(&e)))?;
    Ok((d.plaintext, d.message_index))
}

fn spec_decrypt(s: &InboundSession, bytes: &[u8]) -> Result<(Vec<u8>, u32), String> {
    s.decrypt(bytes)
        .map(|(_, p, i)| (p, i))
        .map_err(|e| e.class().to_string())
}

/// Plaintexts of the lengths that matter to CBC padding: empty, short, one block exactly,
/// over a block.
fn plaintext(i: usize) -> Vec<u8> {
    let lengths = [0, 1, 15, 16, 17, 100];
    vec![i as u8 ^ 0x5a; lengths[i % lengths.len()]]
}

#[test]
fn session_keys_and_messages_are_byte_identical() {
    for (n, &start) in STARTS.iter().enumerate() {
        let s = Sender::new(n as u64, start);
        let mut spec = s.spec();
        let mut vz = s.vodozemac();
        let id = vodozemac::base64_decode(vz.session_id()).expect("base64");
        assert_eq!(id, spec.session_id(), "session id at {start}");
        assert_eq!(vz.session_key().to_bytes(), spec.session_key(), "{start}");
        // Up to three steps: the last start index has u32::MAX - 1 as its last message.
        for i in 0..3 {
            let (next, message) = spec_send(spec, &plaintext(i));
            spec = next;
            assert_eq!(
                vz.encrypt(plaintext(i)).to_bytes(),
                message,
                "message {i} from {start}"
            );
            assert_eq!(vz.message_index(), spec.ratchet.index);
        }
        assert_eq!(vz.session_key().to_bytes(), spec.session_key());
    }
}

/// Single steps across the byte boundaries of R3, R2 and R1 (the carries of `advance`).
#[test]
fn single_steps_across_part_boundaries_are_byte_identical() {
    for (n, start) in [(20, 250), (21, 65_530), (22, (1 << 24) - 3)] {
        let s = Sender::new(n, start);
        let mut spec = s.spec();
        let mut vz = s.vodozemac();
        for i in 0..300 {
            let (next, message) = spec_send(spec, &plaintext(i));
            spec = next;
            assert_eq!(vz.encrypt(plaintext(i)).to_bytes(), message, "{start}+{i}");
        }
        assert_eq!(vz.session_key().to_bytes(), spec.session_key());
    }
}

/// vodozemac reads what the spec sends and the spec reads what vodozemac sends, out of order.
#[test]
fn each_decrypts_the_others_messages() {
    for (n, &start) in STARTS.iter().enumerate() {
        let s = Sender::new(100 + n as u64, start);
        let count = 3usize;
        let mut spec = s.spec();
        let mut vz = s.vodozemac();
        let mut spec_reader = InboundSession::from_session_key(&vz.session_key().to_bytes())
            .expect("the spec reads vodozemac's session key");
        let mut vz_reader = inbound(&spec.session_key());
        let mut from_spec = Vec::new();
        let mut from_vz = Vec::new();
        for i in 0..count {
            let (next, m) = spec_send(spec, &plaintext(i));
            spec = next;
            from_spec.push(m);
            from_vz.push(vz.encrypt(plaintext(i)).to_bytes());
        }
        for i in [2, 0, 1] {
            let index = start + i as u32;
            let got = vz_decrypt(&mut vz_reader, &from_spec[i]);
            assert_eq!(got, Ok((plaintext(i), index)), "vodozemac reads {index}");
            let (next, p, at) = spec_reader.decrypt(&from_vz[i]).expect("spec reads");
            spec_reader = next;
            assert_eq!((p, at), (plaintext(i), index), "spec reads {index}");
        }
    }
}

/// The ratchet advanced in one jump, over every boundary: the spec's `Ratchet::advance_to`
/// against vodozemac's `export_at`, and a message at the far index read by both.
#[test]
fn far_jumps_agree() {
    let jumps: [(u32, u32); 10] = [
        (0, 1),
        (0, 255),
        (0, 256),
        (0, 65_536),
        (0, 1 << 24),
        (0, u32::MAX),
        (255, 65_791),
        (65_535, (1 << 24) + 1),
        ((1 << 24) - 1, 0x7fff_ffff),
        (0x01fe_ff00, 0xff00_00ff),
    ];
    for (n, (start, target)) in jumps.into_iter().enumerate() {
        let s = Sender::new(200 + n as u64, start);
        let spec_reader = InboundSession::from_session_key(&s.spec().session_key()).unwrap();
        let mut vz_reader = inbound(&s.spec().session_key());
        let exported = vz_reader.export_at(target).expect("forward").to_bytes();
        assert_eq!(
            spec_reader.export_at(target),
            Some(exported.clone()),
            "{start}→{target}"
        );
        assert_eq!(
            exported[5..5 + RATCHET_LEN],
            s.ratchet_at(target).to_bytes()
        );
        // The sender itself at the far index, read by both.
        let at_target = megolm::GroupSession {
            ratchet: s.ratchet_at(target),
            signing_seed: s.seed,
        };
        let message = if target == u32::MAX {
            // The spec refuses to encrypt at the last index (the ratchet cannot step): the
            // sender's bytes are built by hand, as a vector would.
            let (aes, mac, iv) = at_target.ratchet.message_keys();
            let ct = e2ee_spec::crypto::aes_cbc::encrypt(&aes, &iv, b"far");
            megolm::authenticate_and_sign(&mac, &s.seed, megolm::message_body(target, &ct))
        } else {
            spec_send(at_target, b"far").1
        };
        assert_eq!(
            spec_decrypt(&spec_reader, &message),
            Ok((b"far".to_vec(), target))
        );
        assert_eq!(
            vz_decrypt(&mut vz_reader, &message),
            Ok((b"far".to_vec(), target))
        );
    }
}

/// Exported keys (version 1): the same bytes from both; each reads from its index on and
/// refuses the message before it as a key it never had.
#[test]
fn exported_keys_agree_and_read_from_their_index() {
    for (n, &start) in STARTS[..9].iter().enumerate() {
        let s = Sender::new(300 + n as u64, start);
        let mut spec = s.spec();
        let messages: Vec<Vec<u8>> = (0..4)
            .map(|i| {
                let (next, m) = spec_send(spec.clone(), &plaintext(i));
                spec = next;
                m
            })
            .collect();
        let at = start + 2;
        let spec_reader = InboundSession::from_session_key(&s.spec().session_key()).unwrap();
        let mut vz_reader = inbound(&s.spec().session_key());
        let exported = spec_reader.export_at(at).expect("forward");
        assert_eq!(vz_reader.export_at(at).unwrap().to_bytes(), exported);

        let from_export = InboundSession::from_exported_key(&exported).expect("spec imports");
        assert!(!from_export.signing_key_verified);
        let key = ExportedSessionKey::from_bytes(&exported).expect("vodozemac imports");
        let mut vz_import = InboundGroupSession::import(&key, SessionConfig::version_1());
        assert_eq!(vz_import.first_known_index(), at);
        for (i, m) in messages.iter().enumerate() {
            let index = start + i as u32;
            let want = if index < at {
                Err("duplicate_message".to_string())
            } else {
                Ok((plaintext(i), index))
            };
            assert_eq!(
                spec_decrypt(&from_export, m),
                want,
                "spec, {index} from {at}"
            );
            assert_eq!(
                vz_decrypt(&mut vz_import, m),
                want,
                "vodozemac, {index} from {at}"
            );
        }
    }
}

/// A session key shared late (at index k) cannot read message k - 1: both say
/// `duplicate_message` (vodozemac `UnknownMessageIndex`), before looking at the MAC.
#[test]
fn below_the_first_index_both_refuse() {
    let s = Sender::new(400, 10);
    let (late, early) = spec_send(s.spec(), b"before the join");
    let spec_reader = InboundSession::from_session_key(&late.session_key()).unwrap();
    let mut vz_reader = inbound(&late.session_key());
    let want = Err("duplicate_message".to_string());
    assert_eq!(spec_decrypt(&spec_reader, &early), want);
    assert_eq!(vz_decrypt(&mut vz_reader, &early), want);
    // Even with its MAC broken and re-signed: the index is checked first in both.
    let body = early[..early.len() - MAC_LEN - SIGNATURE_LEN].to_vec();
    let forged = megolm::authenticate_and_sign(&[9; 32], &s.seed, body);
    assert_eq!(spec_decrypt(&spec_reader, &forged), want);
    assert_eq!(vz_decrypt(&mut vz_reader, &forged), want);
}

/// One valid message at index `start + 1`, its parts, and the sender that wrote it.
struct Fixture {
    s: Sender,
    index: u32,
    message: Vec<u8>,
    body: Vec<u8>,
    ciphertext: Vec<u8>,
}

fn fixture() -> Fixture {
    let s = Sender::new(500, 41);
    let (spec, _) = spec_send(s.spec(), b"zero");
    let (_, message) = spec_send(spec, b"attack at dawn, or maybe a bit later");
    let parsed = megolm::parse(&message).unwrap();
    Fixture {
        index: parsed.index,
        body: parsed.body.to_vec(),
        ciphertext: parsed.ciphertext.to_vec(),
        message,
        s,
    }
}

fn flip(mut bytes: Vec<u8>, at: usize) -> Vec<u8> {
    bytes[at] ^= 0x01;
    bytes
}

/// Tampered messages: both refuse, with the same class, which is the one named. The
/// signature covers body ‖ MAC, so a change anyone can make is `bad_signature`; the MAC and
/// the padding are only reached by bytes the sender's key signed.
#[test]
fn tampering_is_refused_alike() {
    let f = fixture();
    let seed = f.s.seed;
    let len = f.message.len();
    let sealed = |index: u32, ct: &[u8]| f.s.seal(index, megolm::message_body(index, ct), &seed);
    let re_signed = |signed: Vec<u8>| {
        let mut out = signed.clone();
        out.extend_from_slice(&ed25519::sign(&seed, &signed));
        out
    };
    let mut wrong_mac = f.message[..len - SIGNATURE_LEN].to_vec();
    wrong_mac[len - SIGNATURE_LEN - 1] ^= 1;
    let (aes, _, iv) = f.s.ratchet_at(f.index).message_keys();
    let bad_padding = {
        // A last block whose plaintext ends in 0x00: never valid PKCS#7.
        let mut block = [0x11u8; 16];
        block[15] = 0;
        let ct = e2ee_spec::crypto::aes_cbc::encrypt(&aes, &iv, &block);
        ct[..16].to_vec()
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "signature",
            flip(f.message.clone(), len - 1),
            "bad_signature",
        ),
        (
            "signature R",
            flip(f.message.clone(), len - SIGNATURE_LEN),
            "bad_signature",
        ),
        (
            "MAC",
            flip(f.message.clone(), len - SIGNATURE_LEN - 1),
            "bad_signature",
        ),
        (
            "ciphertext",
            flip(f.message.clone(), f.body.len() - 1),
            "bad_signature",
        ),
        ("index", flip(f.message.clone(), 2), "bad_signature"),
        ("MAC, re-signed", re_signed(wrong_mac), "auth_failure"),
        (
            "index, re-signed",
            {
                let mut body = megolm::message_body(f.index + 1, &f.ciphertext);
                body.extend_from_slice(&f.message[f.body.len()..len - SIGNATURE_LEN]);
                re_signed(body)
            },
            "auth_failure",
        ),
        (
            "ciphertext, re-signed",
            {
                let mut signed = f.message[..len - SIGNATURE_LEN].to_vec();
                signed[f.body.len() - 1] ^= 1;
                re_signed(signed)
            },
            "auth_failure",
        ),
        (
            "padding, MAC'd",
            sealed(f.index, &bad_padding),
            "auth_failure",
        ),
        (
            "ciphertext of 15 bytes, MAC'd",
            sealed(f.index, &f.ciphertext[..15]),
            "auth_failure",
        ),
        (
            "no ciphertext field, MAC'd",
            {
                let mut body = vec![3];
                protobuf::put_uint(&mut body, 1, u64::from(f.index));
                f.s.seal(f.index, body, &seed)
            },
            "auth_failure",
        ),
        (
            "version 2",
            {
                let mut m = f.message.clone();
                m[0] = 2;
                m
            },
            "decode_error",
        ),
        (
            "version 4",
            {
                let mut m = f.message.clone();
                m[0] = 4;
                m
            },
            "decode_error",
        ),
        (
            "a version 4 message (full MAC), signed",
            {
                let (_, mac_key, _) = f.s.ratchet_at(f.index).message_keys();
                let mut signed = f.body.clone();
                signed[0] = 4;
                let mac = e2ee_spec::crypto::kdf::hmac_sha256(&mac_key, &signed);
                signed.extend_from_slice(&mac);
                re_signed(signed)
            },
            "decode_error",
        ),
        ("empty", Vec::new(), "decode_error"),
        ("version only", vec![3], "decode_error"),
        (
            "truncated to MAC and signature",
            f.message[len - 74..].to_vec(),
            "decode_error",
        ),
        (
            "body not protobuf",
            {
                let mut body = vec![3, 0x0f, 0xff];
                body.extend_from_slice(&[0; 4]);
                f.s.seal(f.index, body, &seed)
            },
            "decode_error",
        ),
    ];
    let spec_reader = InboundSession::from_session_key(&f.s.spec().session_key()).unwrap();
    let mut vz_reader = inbound(&f.s.spec().session_key());
    assert_eq!(
        spec_decrypt(&spec_reader, &f.message).map(|x| x.1),
        Ok(f.index)
    );
    for (what, bytes, want) in cases {
        let spec_got = spec_decrypt(&spec_reader, &bytes).map(|x| x.1);
        let vz_got = vz_decrypt(&mut vz_reader, &bytes).map(|x| x.1);
        assert_eq!(spec_got, Err(want.to_string()), "spec, {what}");
        assert_eq!(vz_got, Err(want.to_string()), "vodozemac, {what}");
    }
}

/// A member who joined Alice's session holds her ratchet, so it can write a message with a
/// correct MAC at any index; only the signature stops it. Signed with its own key, both
/// refuse it as `bad_signature`; and under its own session id, the spec's member finds no
/// session of Alice's (`state_error`), as the adapter does.
#[test]
fn another_members_key_cannot_forge() {
    let alice = Sender::new(600, 7);
    let carol = Sender::new(601, 0);
    let index = 9;
    let (aes, _, iv) = alice.ratchet_at(index).message_keys();
    let ct = e2ee_spec::crypto::aes_cbc::encrypt(&aes, &iv, b"I, Alice, resign");
    let forged = alice.seal(index, megolm::message_body(index, &ct), &carol.seed);
    let honest = alice.seal(index, megolm::message_body(index, &ct), &alice.seed);

    let spec_reader = InboundSession::from_session_key(&alice.spec().session_key()).unwrap();
    let mut vz_reader = inbound(&alice.spec().session_key());
    let want = Err("bad_signature".to_string());
    assert_eq!(spec_decrypt(&spec_reader, &forged), want);
    assert_eq!(vz_decrypt(&mut vz_reader, &forged), want);
    // The same bytes signed by Alice are read: the refusal is the signature's alone.
    let read = Ok((b"I, Alice, resign".to_vec(), index));
    assert_eq!(spec_decrypt(&spec_reader, &honest), read);
    assert_eq!(vz_decrypt(&mut vz_reader, &honest), read);

    let key = alice.spec().session_key();
    let carol_id = ed25519::public_key(&carol.seed);
    let mut spec_member = e2ee_spec::group::Member::new(e2ee_spec::group::GroupProfile::MegolmV1);
    spec_member.join("alice", &key).unwrap();
    let mut vz_member = adapter::Member::default();
    vz_member.join("alice", &key).unwrap();
    let alice_id = alice.spec().session_id();
    assert_eq!(
        spec_member.decrypt("alice", Some(&alice_id), &forged),
        Err(Error::BadSignature)
    );
    assert_eq!(
        class(vz_member.decrypt("alice", &alice_id, &forged).unwrap_err()),
        "bad_signature"
    );
    assert_eq!(
        spec_member.decrypt("alice", Some(&carol_id), &forged),
        Err(Error::State)
    );
    assert_eq!(
        class(vz_member.decrypt("alice", &carol_id, &forged).unwrap_err()),
        "state_error"
    );
}

/// vodozemac's `InboundGroupSession` alone decrypts the same message as often as it is
/// given (replay detection is the application's); the spec's receiver and the adapter, as a
/// Matrix client must, refuse the second one.
#[test]
fn vodozemac_alone_decrypts_a_replay() {
    let s = Sender::new(700, 3);
    let (_, message) = spec_send(s.spec(), b"pay Bob 10");
    let key = s.spec().session_key();
    let mut vz_reader = inbound(&key);
    let once = vz_decrypt(&mut vz_reader, &message);
    assert_eq!(once, Ok((b"pay Bob 10".to_vec(), 3)));
    assert_eq!(
        vz_decrypt(&mut vz_reader, &message),
        once,
        "vodozemac now refuses a replay"
    );

    let spec_reader = InboundSession::from_session_key(&key).unwrap();
    let (after, _, _) = spec_reader.decrypt(&message).unwrap();
    assert_eq!(after.decrypt(&message), Err(Error::DuplicateMessage));

    let mut member = adapter::Member::default();
    member.join("alice", &key).unwrap();
    let id = s.spec().session_id();
    assert_eq!(
        member.decrypt("alice", &id, &message),
        Ok(b"pay Bob 10".to_vec())
    );
    let again = member.decrypt("alice", &id, &message).unwrap_err();
    assert_eq!(class(again), "duplicate_message");
}

/// The sender's own encoding, with the index written as a non-minimal varint (protobuf
/// allows it) and signed over the bytes as sent: the spec reads it; vodozemac checks MAC and
/// signature over its re-encoding (minimal varint) and refuses it (`bad_signature`). And
/// the other way: an honest message re-encoded by anyone on the path with its MAC and
/// signature kept is accepted by vodozemac (the re-encoding is the signed bytes again) and
/// refused by the spec. The spec is right: the Megolm document signs the bytes of the
/// message (`megolm.md` §"Message format"), libolm verifies the received bytes, and
/// vodozemac's reading makes a signed message malleable
/// (vodozemac 0.11.1 `src/megolm/message.rs:226-235` `to_mac_bytes`/`to_signature_bytes`
/// re-encode through `encode_message`, `:140`; used by `inbound_group_session.rs:339,365`).
#[test]
fn divergence_mac_and_signature_over_a_re_encoding() {
    let s = Sender::new(800, 0);
    let (aes, _, iv) = s.ratchet_at(0).message_keys();
    let ct = e2ee_spec::crypto::aes_cbc::encrypt(&aes, &iv, b"hi");
    let long_index = |ct: &[u8]| {
        // Field 1, varint 0 in two bytes (0x80 0x00), then field 2.
        let mut body = vec![3, 0x08, 0x80, 0x00];
        protobuf::put_bytes(&mut body, 2, ct);
        body
    };
    let sent = s.seal(0, long_index(&ct), &s.seed);
    let spec_reader = InboundSession::from_session_key(&s.spec().session_key()).unwrap();
    let mut vz_reader = inbound(&s.spec().session_key());
    assert_eq!(spec_decrypt(&spec_reader, &sent), Ok((b"hi".to_vec(), 0)));
    assert_eq!(
        vz_decrypt(&mut vz_reader, &sent),
        Err("bad_signature".into())
    );

    let honest = s.seal(0, megolm::message_body(0, &ct), &s.seed);
    let suffix = &honest[honest.len() - MAC_LEN - SIGNATURE_LEN..];
    let mut malleated = long_index(&ct);
    malleated.extend_from_slice(suffix);
    assert_ne!(malleated, honest);
    assert_eq!(
        spec_decrypt(&spec_reader, &malleated),
        Err("bad_signature".into())
    );
    assert_eq!(
        vz_decrypt(&mut vz_reader, &malleated),
        Ok((b"hi".to_vec(), 0))
    );

    // The same through a field prost leaves out when it re-encodes: an empty ciphertext
    // written as `12 00`, MAC'd and signed by the sender. Both refuse, with different
    // classes: the spec verifies MAC and signature and fails the empty CBC ciphertext
    // (`auth_failure`); vodozemac's re-encoding drops the empty field, so its signature
    // check fails first (`bad_signature`).
    let empty = s.seal(0, megolm::message_body(0, &[]), &s.seed);
    assert_eq!(
        spec_decrypt(&spec_reader, &empty),
        Err("auth_failure".into())
    );
    assert_eq!(
        vz_decrypt(&mut vz_reader, &empty),
        Err("bad_signature".into())
    );
}

/// A body without its message index (proto2 `required`), MAC'd and signed over the bytes as
/// sent: the spec calls it `decode_error`; vodozemac's prost reads the index as 0 (it does
/// not enforce `required`, though vodozemac declares it, `src/megolm/message.rs:324-329`)
/// and its re-encoding writes `08 00`, so the signature fails (`bad_signature`). Both
/// refuse; the class differs. Signed over vodozemac's re-encoding instead (the field still
/// absent), vodozemac reads it as message 0 and the spec refuses it. The spec is right: the
/// field is required (`megolm.md` §"Message format").
#[test]
fn divergence_missing_message_index() {
    let s = Sender::new(801, 0);
    let (aes, _, iv) = s.ratchet_at(0).message_keys();
    let ct = e2ee_spec::crypto::aes_cbc::encrypt(&aes, &iv, b"hi");
    let mut body = vec![3];
    protobuf::put_bytes(&mut body, 2, &ct);
    let sent = s.seal(0, body.clone(), &s.seed);
    let spec_reader = InboundSession::from_session_key(&s.spec().session_key()).unwrap();
    let mut vz_reader = inbound(&s.spec().session_key());
    assert_eq!(
        spec_decrypt(&spec_reader, &sent),
        Err("decode_error".into())
    );
    assert_eq!(
        vz_decrypt(&mut vz_reader, &sent),
        Err("bad_signature".into())
    );

    // MAC and signature over the re-encoding (index 0 written), the field still absent.
    let (_, mac_key, _) = s.ratchet_at(0).message_keys();
    let canonical = megolm::message_body(0, &ct);
    let full = megolm::authenticate_and_sign(&mac_key, &s.seed, canonical.clone());
    let mut crafted = body;
    crafted.extend_from_slice(&full[canonical.len()..]);
    assert_eq!(
        spec_decrypt(&spec_reader, &crafted),
        Err("decode_error".into())
    );
    assert_eq!(
        vz_decrypt(&mut vz_reader, &crafted),
        Ok((b"hi".to_vec(), 0))
    );
}

/// Bytes after a key: the spec takes exactly 165 (exported) or 229 (session key) bytes
/// (`decode_error` otherwise). vodozemac reads keys with a cursor and never checks the end
/// (`src/megolm/session_keys.rs:111-135` `decode_key`, `:245-258` `SessionKey::from_bytes`): an exported key with a
/// byte more is imported as if the byte were not there, and a session key with a byte more
/// verifies its signature over the wrong span (`bad_signature`). The spec is right: trailing
/// bytes are not part of the format (`megolm.md` §"Session sharing format").
#[test]
fn divergence_bytes_after_a_key() {
    let s = Sender::new(802, 4);
    let reader = InboundSession::from_session_key(&s.spec().session_key()).unwrap();
    let mut exported = reader.export_at(4).unwrap();
    exported.push(0);
    assert_eq!(
        InboundSession::from_exported_key(&exported),
        Err(Error::Decode)
    );
    let imported = ExportedSessionKey::from_bytes(&exported).expect("vodozemac imports it");
    let session = InboundGroupSession::import(&imported, SessionConfig::version_1());
    assert_eq!(session.first_known_index(), 4);

    let mut key = s.spec().session_key();
    key.push(0);
    assert_eq!(InboundSession::from_session_key(&key), Err(Error::Decode));
    let refused = SessionKey::from_bytes(&key)
        .err()
        .expect("vodozemac refuses it");
    assert_eq!(class(errors::megolm_key(refused)), "bad_signature");
}

/// A sending session at index u32::MAX: the spec refuses to encrypt (`State`: the ratchet
/// cannot step); vodozemac's `GroupSession::encrypt` steps its counter with `+= 1`
/// (`src/megolm/ratchet.rs:190`), which panics with overflow checks and wraps to index 0
/// without (its next message would then claim index 0 with another ratchet). The adapter
/// refuses as the spec does (`state_error`). The spec is right: a 32-bit index has no
/// successor.
#[test]
fn divergence_encrypt_at_the_last_index() {
    let s = Sender::new(803, u32::MAX);
    assert_eq!(s.spec().encrypt(b"x"), Err(Error::State));
    let mut vz = s.vodozemac();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let m = vz.encrypt(b"x");
        (m.message_index(), vz.message_index())
    }));
    if cfg!(debug_assertions) {
        assert!(
            outcome.is_err(),
            "vodozemac no longer overflows: {outcome:?}"
        );
    } else {
        assert_eq!(outcome.ok(), Some((u32::MAX, 0)));
    }
    let mut member = adapter::Member::default();
    let draws = Draws {
        ratchet: Some(s.ratchet),
        index: Some(u32::MAX),
        signing_seed: Some(s.seed),
    };
    member.create("room", &draws).unwrap();
    assert_eq!(
        class(member.encrypt("room", b"x").unwrap_err()),
        "state_error"
    );
}

/// Session keys both refuse, with the same class: a wrong version, short, a signing key
/// that is not a point, a signature that does not verify.
#[test]
fn bad_session_keys_are_refused_alike() {
    let s = Sender::new(900, 0);
    let key = s.spec().session_key();
    let not_a_point = (0u8..=255)
        .map(|b| {
            let mut k = [b; 32];
            k[31] &= 0x7f;
            k
        })
        .find(|k| ed25519::check_public_key(k).is_err())
        .expect("some y has no x");
    let mut foreign_key = key.clone();
    foreign_key[133..165].copy_from_slice(&not_a_point);
    // The identity point (y = 1): a point, of small order, so no signature verifies under
    // it (`verify_strict` in both).
    let mut small_order = [0u8; 32];
    small_order[0] = 1;
    let mut weak_key = key.clone();
    weak_key[133..165].copy_from_slice(&small_order);
    let mut exported = InboundSession::from_session_key(&key)
        .unwrap()
        .export_at(0)
        .unwrap();
    exported[133..165].copy_from_slice(&not_a_point);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "session key, version 3",
            {
                let mut k = key.clone();
                k[0] = 3;
                k
            },
            "decode_error",
        ),
        ("session key, short", key[..228].to_vec(), "decode_error"),
        ("empty", Vec::new(), "decode_error"),
        (
            "session key, ratchet byte",
            flip(key.clone(), 40),
            "bad_signature",
        ),
        ("session key, index", flip(key.clone(), 4), "bad_signature"),
        (
            "session key, signature",
            flip(key.clone(), 228),
            "bad_signature",
        ),
        (
            "session key, signing key not a point",
            foreign_key,
            "invalid_key",
        ),
        (
            "session key, small-order signing key",
            weak_key,
            "bad_signature",
        ),
        (
            "exported key, short",
            exported[..164].to_vec(),
            "decode_error",
        ),
        (
            "exported key, signing key not a point",
            exported,
            "invalid_key",
        ),
    ];
    for (what, bytes, want) in cases {
        let spec = if bytes.first() == Some(&1) {
            InboundSession::from_exported_key(&bytes)
        } else {
            InboundSession::from_session_key(&bytes)
        };
        assert_eq!(spec.err().map(Error::class), Some(want), "spec, {what}");
        let mut member = adapter::Member::default();
        let vz = member.join("alice", &bytes).err().map(class);
        assert_eq!(vz.as_deref(), Some(want), "vodozemac, {what}");
    }
}
