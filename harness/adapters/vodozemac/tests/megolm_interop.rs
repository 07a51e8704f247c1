//! vodozemac against the spec's `megolm-v1` members, both through the `Iut` trait (the group
//! requests of SHIM.md §Groups), each member in an implementation of its own: every scenario
//! runs with the spec sending and vodozemac reading, and the reverse.

use e2ee_adapter_vodozemac::VodozemacIut;
use e2ee_iut::protocol::{Failure, Iut, Reply, Request};
use e2ee_spec::crypto::ed25519;
use e2ee_spec::megolm::InboundSession;
use e2ee_vectors::spec_iut::SpecIut;

fn spec() -> Box<dyn Iut> {
    Box::new(SpecIut::new(11))
}

fn vz() -> Box<dyn Iut> {
    Box::new(VodozemacIut::new())
}

type Maker = fn() -> Box<dyn Iut>;

/// (the sender's implementation, the readers' implementation).
const PAIRINGS: [(Maker, Maker); 2] = [(spec, vz), (vz, spec)];
const BOTH: [Maker; 2] = [spec, vz];

/// Where the signing key sits in a session key or exported key (`megolm_v1`: version,
/// index, ratchet, then the key): the session id the transport carries beside a message.
fn session_id(distribution: &[u8]) -> Vec<u8> {
    distribution[133..165].to_vec()
}

/// Injected draws for `group_create`.
#[derive(Clone)]
struct Draws {
    ratchet: [u8; 128],
    index: u32,
    seed: [u8; 32],
}

impl Draws {
    fn new(n: u8, index: u32) -> Draws {
        let mut ratchet = [0u8; 128];
        for (i, b) in ratchet.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(31).wrapping_add(n);
        }
        Draws {
            ratchet,
            index,
            seed: [n ^ 0x5c; 32],
        }
    }
}

/// One group member inside its own implementation.
struct Member {
    iut: Box<dyn Iut>,
    handle: String,
    /// The implementation's name, for failure messages.
    name: String,
}

fn class(result: Result<Reply, Failure>) -> String {
    match result {
        Err(Failure::Rejected { class, .. }) => class,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

impl Member {
    fn new(make: Maker) -> Member {
        let mut iut = make();
        let name = match iut.call(&Request::Hello {
            protocol: 1,
            minor: 1,
        }) {
            Ok(Reply::Hello(h)) => h.name,
            other => panic!("hello replied {other:?}"),
        };
        let handle = match iut.call(&Request::CreateParty {
            profile: "megolm-v1".into(),
            header_encryption: false,
            identity_private: None,
            registration_id: None,
            version_byte: None,
        }) {
            Ok(Reply::Party { party, .. }) => party,
            other => panic!("{name}: create_party replied {other:?}"),
        };
        Member { iut, handle, name }
    }

    fn call(&mut self, request: Request) -> Result<Reply, Failure> {
        self.iut.call(&request)
    }

    fn try_create(&mut self, group: &str, draws: Option<&Draws>) -> Result<Reply, Failure> {
        self.call(Request::GroupCreate {
            party: self.handle.clone(),
            group: group.into(),
            distribution_id: None,
            chain_id: None,
            chain_key: draws.map(|d| hex::encode(d.ratchet)),
            iteration: draws.map(|d| d.index),
            signing_private: draws.map(|d| hex::encode(d.seed)),
        })
    }

    fn create(&mut self, group: &str, draws: Option<&Draws>) -> Vec<u8> {
        let r = self.try_create(group, draws);
        distribution(&self.name, r)
    }

    fn share(&mut self, group: &str) -> Vec<u8> {
        let r = self.call(Request::GroupShare {
            party: self.handle.clone(),
            group: group.into(),
        });
        distribution(&self.name, r)
    }

    fn try_join(&mut self, sender: &str, distribution: &[u8]) -> Result<Reply, Failure> {
        self.call(Request::GroupJoin {
            party: self.handle.clone(),
            sender: sender.into(),
            distribution: hex::encode(distribution),
        })
    }

    fn join(&mut self, sender: &str, distribution: &[u8]) {
        let r = self.try_join(sender, distribution);
        assert_eq!(r, Ok(Reply::Done), "{}: join", self.name);
    }

    fn try_encrypt(&mut self, group: &str, plaintext: &[u8]) -> Result<Reply, Failure> {
        self.call(Request::GroupEncrypt {
            party: self.handle.clone(),
            group: group.into(),
            plaintext: hex::encode(plaintext),
            signature_randomness: None,
        })
    }

    fn encrypt(&mut self, group: &str, plaintext: &[u8]) -> Vec<u8> {
        match self.try_encrypt(group, plaintext) {
            Ok(Reply::GroupMessage { message }) => hex::decode(message).unwrap(),
            other => panic!("{}: group_encrypt replied {other:?}", self.name),
        }
    }

    fn try_decrypt(&mut self, sender: &str, id: &[u8], message: &[u8]) -> Result<Reply, Failure> {
        self.call(Request::GroupDecrypt {
            party: self.handle.clone(),
            sender: sender.into(),
            session_id: Some(hex::encode(id)),
            message: hex::encode(message),
        })
    }

    fn read(&mut self, sender: &str, id: &[u8], message: &[u8], plaintext: &[u8]) {
        let r = self.try_decrypt(sender, id, message);
        let want = Ok(Reply::Decrypted {
            plaintext: hex::encode(plaintext),
        });
        assert_eq!(
            r,
            want,
            "{} reads {:?}",
            self.name,
            String::from_utf8_lossy(plaintext)
        );
    }

    fn refuse(&mut self, sender: &str, id: &[u8], message: &[u8], want: &str) {
        let got = class(self.try_decrypt(sender, id, message));
        assert_eq!(got, want, "{}", self.name);
    }

    fn snapshot(&mut self) -> String {
        match self.call(Request::Snapshot {
            party: self.handle.clone(),
        }) {
            Ok(Reply::Snapshot { snapshot }) => snapshot,
            other => panic!("{}: snapshot replied {other:?}", self.name),
        }
    }

    fn restore(&mut self, snapshot: &str) {
        let r = self.call(Request::Restore {
            party: self.handle.clone(),
            snapshot: snapshot.into(),
        });
        assert_eq!(r, Ok(Reply::Done), "{}: restore", self.name);
    }
}

fn distribution(name: &str, r: Result<Reply, Failure>) -> Vec<u8> {
    match r {
        Ok(Reply::Distribution { distribution }) => hex::decode(distribution).unwrap(),
        other => panic!("{name}: replied {other:?}"),
    }
}

/// The same requests with the same draws give the same distributions and messages in both.
#[test]
fn injected_draws_give_the_same_bytes_in_both() {
    for (n, start) in [0, 255, 65_535, (1 << 24) - 1, u32::MAX - 2]
        .into_iter()
        .enumerate()
    {
        let draws = Draws::new(n as u8, start);
        let [mut a, mut b] = BOTH.map(Member::new);
        assert_eq!(
            a.create("room", Some(&draws)),
            b.create("room", Some(&draws))
        );
        for i in 0..2u8 {
            let text = vec![i; 17 * i as usize];
            assert_eq!(
                a.encrypt("room", &text),
                b.encrypt("room", &text),
                "{start}+{i}"
            );
        }
        assert_eq!(a.share("room"), b.share("room"), "{start}");
    }
}

/// Alice sends to Bob and Carol, who joins late; Bob reads out of order and is replayed at;
/// Alice rotates and a late message of her first session is still read; then Bob sends to
/// Alice. vodozemac draws its own sessions here (nothing injected).
#[test]
fn conversation_with_a_late_joiner_and_a_rotation() {
    for (x, y) in PAIRINGS {
        let mut alice = Member::new(x);
        let mut bob = Member::new(y);
        let mut carol = Member::new(y);
        let first = alice.create("room", None);
        let id = session_id(&first);
        bob.join("alice", &first);
        let m: Vec<Vec<u8>> = (0..5)
            .map(|i| alice.encrypt("room", format!("m{i}").as_bytes()))
            .collect();
        for i in [1, 0, 3, 2] {
            bob.read("alice", &id, &m[i], format!("m{i}").as_bytes());
        }
        bob.refuse("alice", &id, &m[2], "duplicate_message");

        // Carol joins from the session as it stands: she reads from index 5 on only.
        carol.join("alice", &alice.share("room"));
        let m5 = alice.encrypt("room", b"m5");
        carol.read("alice", &id, &m5, b"m5");
        carol.refuse("alice", &id, &m[0], "duplicate_message");
        bob.read("alice", &id, &m5, b"m5");
        // The message is Alice's: under another id, or in Carol's name, no session has it.
        bob.refuse("alice", &[0; 32], &m5, "state_error");
        bob.refuse("carol", &id, &m5, "state_error");

        // Rotation: a new session, a new id; the old one still reads its late message.
        let second = alice.create("room", None);
        let id2 = session_id(&second);
        assert_ne!(id, id2);
        bob.join("alice", &second);
        let n0 = alice.encrypt("room", b"n0");
        bob.read("alice", &id2, &n0, b"n0");
        bob.read("alice", &id, &m[4], b"m4");
        bob.refuse("alice", &id, &n0, "bad_signature");

        let from_bob = bob.create("room", None);
        alice.join("bob", &from_bob);
        let b0 = bob.encrypt("room", b"b0");
        alice.read("bob", &session_id(&from_bob), &b0, b"b0");
    }
}

/// An exported key (version 1, as key backup or forwarding gives it) and then the session key
/// of the same session: the member merges them (vodozemac `merge`), keeps the earlier ratchet
/// and remembers what it decrypted; a key of the same id whose ratchet is not connected is
/// refused (`state_error`) and changes nothing.
#[test]
fn exported_keys_and_merge() {
    for (x, y) in PAIRINGS {
        let draws = Draws::new(40, 0);
        let mut alice = Member::new(x);
        let mut bob = Member::new(y);
        let key = alice.create("room", Some(&draws));
        let id = session_id(&key);
        let m: Vec<Vec<u8>> = (0..5)
            .map(|i| alice.encrypt("room", format!("m{i}").as_bytes()))
            .collect();
        let exported = InboundSession::from_session_key(&key)
            .unwrap()
            .export_at(3)
            .unwrap();
        bob.join("alice", &exported);
        bob.read("alice", &id, &m[3], b"m3");
        bob.refuse("alice", &id, &m[2], "duplicate_message");

        bob.join("alice", &key);
        bob.read("alice", &id, &m[2], b"m2");
        bob.refuse("alice", &id, &m[3], "duplicate_message");
        // The exported key again: nothing is lost by a worse key of a known session.
        bob.join("alice", &exported);
        bob.read("alice", &id, &m[0], b"m0");

        // Alice's signing key over another ratchet: the same id, not the same session.
        let other = Draws {
            ratchet: [7; 128],
            ..draws.clone()
        };
        let mut mallory = Member::new(spec);
        let unconnected = mallory.create("room", Some(&other));
        assert_eq!(session_id(&unconnected), id);
        assert_eq!(
            class(bob.try_join("alice", &unconnected)),
            "state_error",
            "{}",
            bob.name
        );
        bob.read("alice", &id, &m[1], b"m1");
    }
}

/// Snapshots of members: a restored reader has forgotten what it read since (its replay
/// record is part of the state), and a restored sender writes the same message again.
#[test]
fn snapshot_and_restore_members() {
    for (x, y) in PAIRINGS {
        let mut alice = Member::new(x);
        let mut bob = Member::new(y);
        let key = alice.create("room", Some(&Draws::new(50, 9)));
        let id = session_id(&key);
        bob.join("alice", &key);
        let m0 = alice.encrypt("room", b"m0");
        bob.read("alice", &id, &m0, b"m0");
        let saved = bob.snapshot();
        let sent = alice.snapshot();
        let m1 = alice.encrypt("room", b"m1");
        bob.read("alice", &id, &m1, b"m1");
        bob.restore(&saved);
        bob.read("alice", &id, &m1, b"m1");
        bob.refuse("alice", &id, &m1, "duplicate_message");
        bob.refuse("alice", &id, &m0, "duplicate_message");
        alice.restore(&sent);
        assert_eq!(alice.encrypt("room", b"m1"), m1, "{}", alice.name);
    }
}

/// Requests a member cannot answer get the same class from both.
#[test]
fn bad_requests_get_the_same_class() {
    let key = Member::new(spec).create("room", Some(&Draws::new(60, 0)));
    let id = session_id(&key);
    for make in BOTH {
        let mut m = Member::new(make);
        let name = m.name.clone();
        let h = m.handle.clone();
        let expect = |r: Result<Reply, Failure>, want: &str, what: &str| {
            assert_eq!(class(r), want, "{name}: {what}");
        };
        expect(
            m.try_encrypt("room", b"x"),
            "state_error",
            "encrypt, no session",
        );
        expect(
            m.call(Request::GroupShare {
                party: h.clone(),
                group: "room".into(),
            }),
            "state_error",
            "share, no session",
        );
        expect(
            m.try_decrypt("alice", &id, &[3; 100]),
            "state_error",
            "decrypt, no session",
        );
        expect(
            m.try_join("alice", &[0, 255]),
            "decode_error",
            "join, garbage",
        );
        expect(m.try_join("alice", &[]), "decode_error", "join, empty");
        expect(
            m.call(Request::GroupJoin {
                party: h.clone(),
                sender: "alice".into(),
                distribution: "zz".into(),
            }),
            "decode_error",
            "join, not hex",
        );
        let mut short = Draws::new(61, 0);
        let r = m.call(Request::GroupCreate {
            party: h.clone(),
            group: "room".into(),
            distribution_id: None,
            chain_id: None,
            chain_key: Some(hex::encode(&short.ratchet[..127])),
            iteration: None,
            signing_private: None,
        });
        expect(r, "decode_error", "create, 127-byte ratchet");
        short.index = u32::MAX;
        m.try_create("room", Some(&short)).unwrap();
        expect(
            m.try_encrypt("room", b"x"),
            "state_error",
            "encrypt at u32::MAX",
        );
        m.join("alice", &key);
        let r = m.call(Request::GroupDecrypt {
            party: h.clone(),
            sender: "alice".into(),
            session_id: None,
            message: hex::encode([3; 100]),
        });
        expect(r, "state_error", "decrypt without a session id");
        expect(
            m.try_decrypt("alice", &id, &[3; 10]),
            "decode_error",
            "decrypt, short",
        );
        let r = m.call(Request::GroupEncrypt {
            party: "nobody".into(),
            group: "room".into(),
            plaintext: String::new(),
            signature_randomness: None,
        });
        expect(r, "state_error", "an unknown member");
    }
}

/// Carol, a member of Alice's group, holds Alice's ratchet: she writes a message with a
/// correct MAC and signs it with her own key. Bob refuses it as Alice's (`bad_signature`);
/// under Carol's own session, whose ratchet it was not made with, it fails the MAC.
#[test]
fn a_member_cannot_forge_another() {
    let alice_draws = Draws::new(70, 0);
    let carol_draws = Draws::new(71, 0);
    for make in BOTH {
        let mut alice = Member::new(spec);
        let mut carol = Member::new(spec);
        let mut bob = Member::new(make);
        let alice_key = alice.create("room", Some(&alice_draws));
        let carol_key = carol.create("room", Some(&carol_draws));
        bob.join("alice", &alice_key);
        bob.join("carol", &carol_key);
        let alice_id = session_id(&alice_key);
        let carol_id = session_id(&carol_key);

        let ratchet = InboundSession::from_session_key(&alice_key)
            .unwrap()
            .initial;
        let (aes, mac_key, iv) = ratchet.message_keys();
        let ct = e2ee_spec::crypto::aes_cbc::encrypt(&aes, &iv, b"I, Alice, resign");
        let body = e2ee_spec::megolm::message_body(0, &ct);
        let forged = e2ee_spec::megolm::authenticate_and_sign(&mac_key, &carol_draws.seed, body);
        // A good signature, by Carol.
        let (signed, signature) = forged.split_at(forged.len() - 64);
        let carol_public: [u8; 32] = carol_id.clone().try_into().unwrap();
        assert_eq!(
            ed25519::verify(&carol_public, signed, signature.try_into().unwrap()),
            Ok(())
        );
        bob.refuse("alice", &alice_id, &forged, "bad_signature");
        bob.refuse("alice", &carol_id, &forged, "state_error");
        bob.refuse("carol", &carol_id, &forged, "auth_failure");
        // Alice's own message at that index is still read: the forgery changed nothing.
        let real = alice.encrypt("room", b"hello");
        bob.read("alice", &alice_id, &real, b"hello");
    }
}
