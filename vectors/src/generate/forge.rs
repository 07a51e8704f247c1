//! Messages made with the sender's own keys but bytes no encoder writes: malformed padding
//! (`traces.rs`), structural mutations and other version bytes (`structure.rs`). The MAC is
//! computed over the forged bytes, so only the receiver's padding check or parser can reject
//! them (`modern`: the AEAD is computed over them). One offline run of the script gives the keys of the sender's next message.

use super::script::Script;
use e2ee_iut::protocol::MessageKind;
use e2ee_spec::double_ratchet as dr;
use e2ee_spec::profiles::{modern, olm_v1, signal_v3};
use e2ee_spec::session::{self, PreKeyMessage, Session};
use e2ee_spec::Profile;

/// A forged ciphertext: one block whose decryption is `block` (CBC under the message's key
/// and IV), or raw bytes; or, to check the forging path, a plaintext encrypted properly.
pub enum Forged {
    LastBlock([u8; 16]),
    Raw(Vec<u8>),
    Padded(Vec<u8>),
}

/// The keys and header of the message `from` would send next to `to` (an AES-CBC profile,
/// plain ratchet), and the session it is sent on.
pub struct Next {
    profile: Profile,
    session: Session,
    pub header: dr::Header,
    mk: [u8; 32],
    cipher_key: [u8; 32],
    mac_key: [u8; 32],
    iv: [u8; 16],
}

impl Next {
    pub fn of(s: &mut Script, from: &str, to: &str) -> Next {
        let sender = s.offline(from);
        let remote = s.identity(to).public;
        let session = sender
            .party
            .session(&remote)
            .expect("a session with the peer")
            .clone();
        let session::Ratchet::Plain(state) = &session.ratchet else {
            panic!("forged messages are for plain ratchets");
        };
        let ck = state
            .ck_s
            .expect("a sending chain (the message is not the first of a chain)");
        let (_, mk) = dr::kdf_ck(&ck);
        let header = dr::Header {
            dh: state.dh_s.as_ref().expect("a ratchet key").public,
            pn: state.pn,
            n: state.n_s,
        };
        let profile = s.ctx.profile;
        let (cipher_key, mac_key, iv) = match profile {
            p if p.is_libsignal() => signal_v3::message_keys(&mk),
            Profile::OlmV1 => olm_v1::message_keys(&mk),
            // The AEAD profile: `seal_aead` derives its own keys from `mk`.
            _ => ([0; 32], [0; 32], [0; 16]),
        };
        Next {
            profile,
            session,
            header,
            mk,
            cipher_key,
            mac_key,
            iv,
        }
    }

    pub fn ciphertext(&self, forged: &Forged) -> Vec<u8> {
        use aes::cipher::{BlockModeEncrypt, KeyIvInit};
        match forged {
            Forged::Raw(bytes) => bytes.clone(),
            Forged::Padded(plaintext) => {
                e2ee_spec::crypto::aes_cbc::encrypt(&self.cipher_key, &self.iv, plaintext)
            }
            Forged::LastBlock(block) => {
                let mut out = *block;
                cbc::Encryptor::<aes::Aes256>::new(&self.cipher_key.into(), &self.iv.into())
                    .encrypt_block((&mut out).into());
                out.to_vec()
            }
        }
    }

    /// The normal message around `ciphertext`, framed and MAC'd as the profile does it.
    pub fn frame(&self, ciphertext: &[u8]) -> Vec<u8> {
        match self.profile.libsignal_version() {
            Some(_) => signal_v3::frame(
                self.session
                    .wire
                    .version_byte(self.profile)
                    .expect("the session's own wire variant"),
                &self.mac_key,
                &self.header,
                ciphertext,
                &self.ad(),
            ),
            None => olm_v1::frame(&self.mac_key, &self.header, ciphertext),
        }
    }

    /// `body` (everything before the MAC: version byte and protobuf) with the MAC the
    /// profile computes over it under this message's key.
    pub fn authenticate(&self, body: Vec<u8>) -> Vec<u8> {
        match self.profile {
            p if p.is_libsignal() => signal_v3::authenticate(&self.mac_key, &self.ad(), body),
            _ => olm_v1::authenticate(&self.mac_key, body),
        }
    }

    /// `modern`: `body` (type byte and header) followed by the encryption of `plaintext`
    /// under this message's key, with `body` in the associated data as `modern::seal` has it.
    pub fn seal_aead(&self, body: Vec<u8>, plaintext: &[u8]) -> Vec<u8> {
        assert_eq!(self.profile, Profile::Modern, "an AEAD profile");
        let (key, nonce) = modern::message_keys(&self.mk);
        let aad = [&self.ad()[..], &body].concat();
        let sealed = e2ee_spec::crypto::chacha::seal(&key, &nonce, &aad, plaintext);
        [body, sealed].concat()
    }

    fn ad(&self) -> Vec<u8> {
        session::direction_ad(&self.session, true)
    }

    /// The prekey header the message is wrapped in, while the session is unacknowledged.
    pub fn pending(&self) -> Option<&session::PreKeyHeader> {
        self.session.pending_prekey.as_ref()
    }

    /// `inner` as it travels: inside a prekey message while the session is unacknowledged.
    pub fn wrap(&self, inner: Vec<u8>) -> (MessageKind, Vec<u8>) {
        match self.pending() {
            None => (MessageKind::Normal, inner),
            Some(header) => {
                let prekey = PreKeyMessage {
                    header: header.clone(),
                    message: inner,
                };
                let bytes =
                    session::encode_prekey_message(self.profile, self.session.wire, &prekey)
                        .expect("the session's own wire variant");
                (MessageKind::Prekey, bytes)
            }
        }
    }
}
