//! Two parties, each inside its own IUT, talking through the `Iut` trait only.
#![allow(dead_code)]

use e2ee_iut::protocol::{Bundle, Failure, Iut, MessageKind, Reply, Request};

/// A message in flight: what `encrypt` returned.
#[derive(Clone, Debug)]
pub struct Msg {
    pub kind: MessageKind,
    pub bytes: Vec<u8>,
}

/// One party of a conversation, held by `iut`, which knows the other party as `peer`.
pub struct Side {
    pub iut: Box<dyn Iut>,
    pub party: String,
    pub peer: String,
    pub name: String,
}

pub fn ok(iut: &mut dyn Iut, request: Request) -> Reply {
    match iut.call(&request) {
        Ok(reply) => reply,
        Err(e) => panic!("{} failed: {e}", request.op()),
    }
}

/// The error class of a rejection; any other outcome is a test failure.
pub fn class_of(result: Result<Reply, Failure>) -> String {
    match result {
        Err(Failure::Rejected { class, .. }) => class,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

impl Side {
    /// A fresh party of profile olm-v1 in `iut` (which is reset first).
    pub fn new(mut iut: Box<dyn Iut>, role: &str, peer: &str, identity: Option<[u8; 32]>) -> Side {
        let name = match ok(
            iut.as_mut(),
            Request::Hello {
                protocol: 1,
                minor: 1,
            },
        ) {
            Reply::Hello(h) => format!("{role} ({})", h.name),
            other => panic!("hello replied {other:?}"),
        };
        ok(iut.as_mut(), Request::Reset {});
        let party = match ok(
            iut.as_mut(),
            Request::CreateParty {
                profile: "olm-v1".into(),
                header_encryption: false,
                identity_private: identity.map(hex::encode),
                registration_id: None,
                version_byte: None,
            },
        ) {
            Reply::Party { party, .. } => party,
            other => panic!("create_party replied {other:?}"),
        };
        Side {
            iut,
            party,
            peer: peer.into(),
            name,
        }
    }

    pub fn bundle(
        &mut self,
        one_time_prekey_id: u32,
        one_time_prekey_private: Option<[u8; 32]>,
    ) -> Bundle {
        let request = Request::CreateBundle {
            party: self.party.clone(),
            signed_prekey_id: 1,
            signed_prekey_private: None,
            one_time_prekey_id: Some(one_time_prekey_id),
            one_time_prekey_private: one_time_prekey_private.map(hex::encode),
            signature_randomness: None,
            kyber_prekey_id: None,
            kyber_prekey_seed: None,
            kyber_prekey_private: None,
            kyber_signature_randomness: None,
            kyber_last_resort: false,
        };
        match ok(self.iut.as_mut(), request) {
            Reply::Bundle(b) => b,
            other => panic!("create_bundle replied {other:?}"),
        }
    }

    pub fn initiate(&mut self, bundle: &Bundle) {
        let request = Request::Initiate {
            party: self.party.clone(),
            peer: self.peer.clone(),
            bundle: bundle.clone(),
            base_key_private: None,
            ratchet_private: None,
            kem_randomness: None,
        };
        ok(self.iut.as_mut(), request);
    }

    pub fn try_encrypt(&mut self, plaintext: &[u8]) -> Result<Reply, Failure> {
        self.iut.call(&Request::Encrypt {
            party: self.party.clone(),
            peer: self.peer.clone(),
            plaintext: hex::encode(plaintext),
            ratchet_private: None,
            header_nonce: None,
        })
    }

    pub fn encrypt(&mut self, plaintext: &[u8]) -> Msg {
        match self.try_encrypt(plaintext) {
            Ok(Reply::Encrypted { kind, message }) => Msg {
                kind,
                bytes: hex::decode(message).expect("encrypt returned hex"),
            },
            other => panic!("{} encrypt: {other:?}", self.name),
        }
    }

    pub fn try_decrypt(&mut self, m: &Msg) -> Result<Reply, Failure> {
        self.iut.call(&Request::Decrypt {
            party: self.party.clone(),
            peer: self.peer.clone(),
            kind: m.kind,
            message: hex::encode(&m.bytes),
            ratchet_private: None,
        })
    }

    /// The plaintext, or the error class.
    pub fn decrypt(&mut self, m: &Msg) -> Result<Vec<u8>, String> {
        match self.try_decrypt(m) {
            Ok(Reply::Decrypted { plaintext }) => {
                Ok(hex::decode(plaintext).expect("decrypt returned hex"))
            }
            Err(Failure::Rejected { class, .. }) => Err(class),
            other => panic!("{} decrypt: {other:?}", self.name),
        }
    }

    /// Decrypts and checks the plaintext.
    pub fn receive(&mut self, m: &Msg, expected: &[u8]) {
        match self.decrypt(m) {
            Ok(p) => assert_eq!(p, expected, "{} decrypted the wrong plaintext", self.name),
            Err(class) => panic!(
                "{} rejected {:?} message {} (expected {:?}): {class}",
                self.name,
                m.kind,
                hex::encode(&m.bytes),
                String::from_utf8_lossy(expected)
            ),
        }
    }

    /// Decryption must fail with `class`.
    pub fn reject(&mut self, m: &Msg, class: &str) {
        assert_eq!(
            self.decrypt(m).map(hex::encode),
            Err(class.to_string()),
            "{}",
            self.name
        );
    }

    pub fn snapshot(&mut self) -> String {
        match ok(
            self.iut.as_mut(),
            Request::Snapshot {
                party: self.party.clone(),
            },
        ) {
            Reply::Snapshot { snapshot } => snapshot,
            other => panic!("snapshot replied {other:?}"),
        }
    }

    pub fn restore(&mut self, snapshot: &str) {
        let request = Request::Restore {
            party: self.party.clone(),
            snapshot: snapshot.into(),
        };
        ok(self.iut.as_mut(), request);
    }
}

/// Alice (in `alice`) starts a session from Bob's (in `bob`) bundle. Nothing is sent yet.
pub fn pair(alice: Box<dyn Iut>, bob: Box<dyn Iut>) -> (Side, Side) {
    let mut a = Side::new(alice, "alice", "bob", None);
    let mut b = Side::new(bob, "bob", "alice", None);
    let bundle = b.bundle(7, None);
    assert!(bundle.signed_prekey.is_none() && bundle.signed_prekey_signature.is_none());
    a.initiate(&bundle);
    (a, b)
}

/// `pair`, then one message each way, so both have sent and received.
pub fn established(alice: Box<dyn Iut>, bob: Box<dyn Iut>) -> (Side, Side) {
    let (mut a, mut b) = pair(alice, bob);
    let m = a.encrypt(b"hello bob");
    assert_eq!(m.kind, MessageKind::Prekey);
    b.receive(&m, b"hello bob");
    let r = b.encrypt(b"hello alice");
    assert_eq!(r.kind, MessageKind::Normal);
    a.receive(&r, b"hello alice");
    (a, b)
}

/// Where a message's ratchet key sits: Olm's normal message is
/// `03 | 0a 20 <key> | 10 <index> | 22 <len> <ciphertext> | mac`, and a prekey message holds
/// one as its field 4 after three 34-byte key fields.
pub fn ratchet_key_offset(m: &Msg) -> usize {
    match m.kind {
        MessageKind::Normal => 3,
        MessageKind::Prekey => {
            let mut at = 1 + 3 * 34;
            assert_eq!(m.bytes[at], 0x22, "prekey field 4 expected");
            at += 1;
            while m.bytes[at] & 0x80 != 0 {
                at += 1;
            }
            at + 1 + 3
        }
    }
}

/// `m` with bit 0 of its ratchet key's first byte flipped and everything else, MAC included,
/// unchanged.
pub fn with_other_ratchet_key(m: &Msg) -> Msg {
    let mut t = m.clone();
    t.bytes[ratchet_key_offset(m)] ^= 0x01;
    t
}

/// `m` with its last byte (part of the MAC) flipped.
pub fn with_bad_mac(m: &Msg) -> Msg {
    let mut t = m.clone();
    if let Some(last) = t.bytes.last_mut() {
        *last ^= 0x80;
    }
    t
}

/// `m` with a ciphertext byte flipped (the byte 12 from the end: past the 8-byte MAC).
pub fn with_bad_ciphertext(m: &Msg) -> Msg {
    let mut t = m.clone();
    let at = t.bytes.len() - 12;
    t.bytes[at] ^= 0x01;
    t
}

/// The chain index of a normal message (field 2, a varint right after the ratchet key).
pub fn chain_index(m: &Msg) -> u64 {
    let mut at = ratchet_key_offset(m) + 32;
    assert_eq!(m.bytes[at], 0x10);
    at += 1;
    let (mut n, mut shift) = (0u64, 0);
    loop {
        let b = m.bytes[at];
        n |= u64::from(b & 0x7f) << shift;
        at += 1;
        shift += 7;
        if b & 0x80 == 0 {
            return n;
        }
    }
}
