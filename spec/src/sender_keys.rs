//! Sender Keys: libsignal's group messages (profile `signal-sk-v3`).
//!
//! A sender draws a chain key, a chain id and an XEdDSA signing key pair, and sends the
//! *distribution message* (chain id, iteration, chain key, signing public key) to every
//! member over their pairwise sessions. Each group message is encrypted under a key derived
//! from the chain key, which then steps forward (a hash ratchet: forward secrecy, no
//! post-compromise security until the sender draws a new chain), and is signed with the
//! signing key, so that members, who all know the chain key, cannot forge each other's
//! messages. Sources: libsignal v0.72.1 `rust/protocol/src/{sender_keys,group_cipher,
//! protocol}.rs`; the WhatsApp Encryption Overview §"Group Messages".
//!
//! State in, state out: every function takes the state by reference and returns a new one.

use crate::crypto::{aes_cbc, kdf, xeddsa};
use crate::error::Error;
use crate::profiles::signal_sk_v3::*;
use crate::profiles::signal_v3::{decode_public_key, encode_public_key};
use crate::wire::protobuf;

/// A distribution id: a UUID the sender chooses per group (16 bytes).
pub type DistributionId = [u8; DISTRIBUTION_ID_LEN];

/// `SenderChainKey`: the chain key at `iteration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainKey {
    pub iteration: u32,
    pub key: [u8; CHAIN_KEY_LEN],
}

/// `SenderMessageKey`: the seed of one iteration's message key, kept for skipped messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageKeySeed {
    pub iteration: u32,
    pub seed: [u8; 32],
}

impl ChainKey {
    /// `SenderChainKey::sender_message_key`: seed = HMAC-SHA256(chain key, 0x01).
    pub fn message_key_seed(&self) -> MessageKeySeed {
        MessageKeySeed {
            iteration: self.iteration,
            seed: kdf::hmac_sha256(&self.key, &[MESSAGE_KEY_SEED]),
        }
    }

    /// `SenderChainKey::next`: HMAC-SHA256(chain key, 0x02) at iteration + 1. `Err(State)`
    /// at iteration `u32::MAX` (libsignal: "Sender chain is too long").
    pub fn next(&self) -> Result<ChainKey, Error> {
        let iteration = self.iteration.checked_add(1).ok_or(Error::State)?;
        Ok(ChainKey {
            iteration,
            key: kdf::hmac_sha256(&self.key, &[CHAIN_KEY_SEED]),
        })
    }
}

/// `SenderMessageKey::new`: HKDF-SHA256(no salt, seed, "WhisperGroup", 48) → (IV, AES-256
/// key): the IV comes first.
pub fn message_keys(seed: &[u8; 32]) -> ([u8; 16], [u8; 32]) {
    let okm: [u8; MESSAGE_KEYS_LEN] = kdf::hkdf_sha256_fixed(&[], seed, MESSAGE_KEYS_INFO);
    let mut iv = [0u8; 16];
    let mut key = [0u8; 32];
    iv.copy_from_slice(&okm[..16]);
    key.copy_from_slice(&okm[16..]);
    (iv, key)
}

/// SenderKeyDistributionMessage: what a member needs to read one sender's messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distribution {
    pub distribution_id: DistributionId,
    pub chain_id: u32,
    pub chain_key: ChainKey,
    /// The X25519 form of the sender's XEdDSA signing key.
    pub signing_key: [u8; 32],
}

impl Distribution {
    /// `SenderKeyDistributionMessage::new`: 0x33 ‖ protobuf {distribution id, chain id,
    /// iteration, chain key, signing key (0x05 ‖ 32)}. Not signed: it travels inside the
    /// pairwise sessions, which authenticate it.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![VERSION_BYTE];
        protobuf::put_bytes(&mut out, FIELD_DISTRIBUTION_ID, &self.distribution_id);
        protobuf::put_uint(&mut out, FIELD_CHAIN_ID, u64::from(self.chain_id));
        protobuf::put_uint(
            &mut out,
            FIELD_ITERATION,
            u64::from(self.chain_key.iteration),
        );
        protobuf::put_bytes(&mut out, FIELD_CHAIN_KEY, &self.chain_key.key);
        protobuf::put_bytes(
            &mut out,
            FIELD_SIGNING_KEY,
            &encode_public_key(&self.signing_key),
        );
        out
    }

    /// `SenderKeyDistributionMessage::try_from`: at least 65 bytes, version nibble 3, every
    /// field present, a 32-byte chain key and a 0x05-typed 33-byte signing key; anything
    /// else is `Decode`.
    pub fn decode(bytes: &[u8]) -> Result<Distribution, Error> {
        if bytes.len() < 1 + 32 + 32 {
            return Err(Error::Decode);
        }
        check_version(bytes[0])?;
        let fields = protobuf::fields(&bytes[1..])?;
        let required_bytes = |n| protobuf::last_bytes(&fields, n)?.ok_or(Error::Decode);
        let required_u32 = |n| protobuf::last_u32(&fields, n)?.ok_or(Error::Decode);
        let distribution_id = distribution_id(required_bytes(FIELD_DISTRIBUTION_ID)?)?;
        let chain_id = required_u32(FIELD_CHAIN_ID)?;
        let iteration = required_u32(FIELD_ITERATION)?;
        let key: [u8; 32] = required_bytes(FIELD_CHAIN_KEY)?
            .try_into()
            .map_err(|_| Error::Decode)?;
        let signing_key = decode_public_key(required_bytes(FIELD_SIGNING_KEY)?)?;
        Ok(Distribution {
            distribution_id,
            chain_id,
            chain_key: ChainKey { iteration, key },
            signing_key,
        })
    }
}

/// The version byte's high nibble must be 3; the low nibble is not read (libsignal).
fn check_version(byte: u8) -> Result<(), Error> {
    if byte >> 4 == MESSAGE_VERSION {
        Ok(())
    } else {
        Err(Error::Decode)
    }
}

fn distribution_id(bytes: &[u8]) -> Result<DistributionId, Error> {
    bytes.try_into().map_err(|_| Error::Decode)
}

/// A SenderKeyMessage as read: its fields, the signed bytes and the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<'a> {
    pub distribution_id: DistributionId,
    pub chain_id: u32,
    pub iteration: u32,
    pub ciphertext: &'a [u8],
    /// Version byte ‖ protobuf, as received: what the signature covers.
    pub signed: &'a [u8],
    pub signature: [u8; SIGNATURE_LEN],
}

/// `SenderKeyMessage::try_from`: at least 1 + 64 bytes, version nibble 3, protobuf with all
/// four fields, a 16-byte distribution id; anything else is `Decode`.
pub fn parse(bytes: &[u8]) -> Result<Message<'_>, Error> {
    if bytes.len() < 1 + SIGNATURE_LEN {
        return Err(Error::Decode);
    }
    check_version(bytes[0])?;
    let (signed, signature) = bytes.split_at(bytes.len() - SIGNATURE_LEN);
    let fields = protobuf::fields(&signed[1..])?;
    let required_u32 = |n| protobuf::last_u32(&fields, n)?.ok_or(Error::Decode);
    let id = protobuf::last_bytes(&fields, FIELD_DISTRIBUTION_ID)?.ok_or(Error::Decode)?;
    Ok(Message {
        distribution_id: distribution_id(id)?,
        chain_id: required_u32(FIELD_CHAIN_ID)?,
        iteration: required_u32(FIELD_ITERATION)?,
        ciphertext: protobuf::last_bytes(&fields, FIELD_CIPHERTEXT)?.ok_or(Error::Decode)?,
        signed,
        signature: signature.try_into().map_err(|_| Error::Decode)?,
    })
}

/// The body of a SenderKeyMessage: 0x33 ‖ protobuf {distribution id, chain id, iteration,
/// ciphertext}, before its signature.
pub fn message_body(
    distribution_id: &DistributionId,
    chain_id: u32,
    iteration: u32,
    ciphertext: &[u8],
) -> Vec<u8> {
    let mut out = vec![VERSION_BYTE];
    protobuf::put_bytes(&mut out, FIELD_DISTRIBUTION_ID, distribution_id);
    protobuf::put_uint(&mut out, FIELD_CHAIN_ID, u64::from(chain_id));
    protobuf::put_uint(&mut out, FIELD_ITERATION, u64::from(iteration));
    protobuf::put_bytes(&mut out, FIELD_CIPHERTEXT, ciphertext);
    out
}

/// `body` with the XEdDSA signature of `signing_private` over it appended (`z`: XEdDSA's
/// 64 random bytes). Public so that vectors can sign bodies the encoder does not write.
pub fn sign(signing_private: &[u8; 32], body: Vec<u8>, z: &[u8; 64]) -> Vec<u8> {
    let mut out = body;
    let signature = xeddsa::sign(signing_private, &out, z);
    out.extend_from_slice(&signature);
    out
}

/// The sending side of one distribution: `SenderKeyState` with its private signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub distribution_id: DistributionId,
    pub chain_id: u32,
    pub chain_key: ChainKey,
    pub signing_private: [u8; 32],
}

impl Sender {
    /// `create_sender_key_distribution_message` for a distribution with no state yet: all
    /// four values are the sender's random draws (libsignal: 32 random bytes, `random >> 1`,
    /// a new key pair, iteration 0), injected here.
    pub fn new(
        distribution_id: DistributionId,
        chain_id: u32,
        chain_key: ChainKey,
        signing_private: [u8; 32],
    ) -> Sender {
        Sender {
            distribution_id,
            chain_id,
            chain_key,
            signing_private,
        }
    }

    /// The distribution message of the chain as it stands (its current iteration).
    pub fn distribution(&self) -> Distribution {
        Distribution {
            distribution_id: self.distribution_id,
            chain_id: self.chain_id,
            chain_key: self.chain_key.clone(),
            signing_key: crate::crypto::x25519::public_key(&self.signing_private),
        }
    }

    /// `group_encrypt`: AES-256-CBC under the current iteration's key, signed; the chain
    /// steps forward. `Err(State)` at the last iteration (the chain cannot step).
    pub fn encrypt(&self, plaintext: &[u8], z: &[u8; 64]) -> Result<(Sender, Vec<u8>), Error> {
        let next = self.chain_key.next()?;
        let (iv, key) = message_keys(&self.chain_key.message_key_seed().seed);
        let ciphertext = aes_cbc::encrypt(&key, &iv, plaintext);
        let body = message_body(
            &self.distribution_id,
            self.chain_id,
            self.chain_key.iteration,
            &ciphertext,
        );
        let message = sign(&self.signing_private, body, z);
        Ok((
            Sender {
                chain_key: next,
                ..self.clone()
            },
            message,
        ))
    }
}

/// The receiving side of one chain: `SenderKeyState` without a private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverState {
    pub chain_id: u32,
    pub chain_key: ChainKey,
    pub signing_key: [u8; 32],
    /// Skipped iterations' seeds, oldest first, at most `MAX_MESSAGE_KEYS`.
    pub skipped: Vec<MessageKeySeed>,
}

/// `SenderKeyRecord`: the states a member keeps for one (sender, distribution id), newest
/// first, at most `MAX_SENDER_KEY_STATES`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub states: Vec<ReceiverState>,
}

impl Record {
    /// `process_sender_key_distribution_message` → `add_sender_key_state`: a distribution
    /// for a chain id already held with the same signing key keeps that state as it is (so
    /// a repeated or older distribution cannot rewind the chain and replay its messages),
    /// only moved to the front; a state of that chain id with another signing key is
    /// dropped; the oldest states go past `MAX_SENDER_KEY_STATES`.
    pub fn add(&self, distribution: &Distribution) -> Record {
        let existing = self.states.iter().find(|s| {
            s.chain_id == distribution.chain_id && s.signing_key == distribution.signing_key
        });
        let state = existing.cloned().unwrap_or_else(|| ReceiverState {
            chain_id: distribution.chain_id,
            chain_key: distribution.chain_key.clone(),
            signing_key: distribution.signing_key,
            skipped: Vec::new(),
        });
        let mut states = vec![state];
        states.extend(
            self.states
                .iter()
                .filter(|s| s.chain_id != distribution.chain_id)
                .take(MAX_SENDER_KEY_STATES - 1)
                .cloned(),
        );
        Record { states }
    }

    /// `group_decrypt` for a message `parse` read and whose distribution id selected this
    /// record: the state of its chain id (else `State`: no such sender-key state), its
    /// signature (`BadSignature`), its key (`get_sender_key`: `DuplicateMessage` for an
    /// iteration already used or below the distribution's, `TooFarAhead` past
    /// `MAX_FORWARD_JUMPS`), then AES-256-CBC (`AuthFailure` for bad padding or length).
    pub fn decrypt(&self, message: &Message<'_>) -> Result<(Record, Vec<u8>), Error> {
        let position = self
            .states
            .iter()
            .position(|s| s.chain_id == message.chain_id)
            .ok_or(Error::State)?;
        let state = &self.states[position];
        xeddsa::verify(&state.signing_key, message.signed, &message.signature)?;
        let (state, seed) = state.message_key(message.iteration)?;
        let (iv, key) = message_keys(&seed.seed);
        let plaintext =
            aes_cbc::decrypt(&key, &iv, message.ciphertext).map_err(|_| Error::AuthFailure)?;
        let mut states = self.states.clone();
        states[position] = state;
        Ok((Record { states }, plaintext))
    }
}

impl ReceiverState {
    /// `get_sender_key`: the seed of `iteration` and the state after using it.
    fn message_key(&self, iteration: u32) -> Result<(ReceiverState, MessageKeySeed), Error> {
        let current = self.chain_key.iteration;
        if iteration < current {
            let index = self
                .skipped
                .iter()
                .position(|k| k.iteration == iteration)
                .ok_or(Error::DuplicateMessage)?;
            let mut next = self.clone();
            let seed = next.skipped.remove(index);
            return Ok((next, seed));
        }
        if iteration - current > MAX_FORWARD_JUMPS {
            return Err(Error::TooFarAhead);
        }
        let mut next = self.clone();
        let mut chain_key = self.chain_key.clone();
        while chain_key.iteration < iteration {
            next.skipped.push(chain_key.message_key_seed());
            chain_key = chain_key.next()?;
        }
        if next.skipped.len() > MAX_MESSAGE_KEYS {
            next.skipped.drain(..next.skipped.len() - MAX_MESSAGE_KEYS);
        }
        let seed = chain_key.message_key_seed();
        next.chain_key = chain_key.next()?;
        Ok((next, seed))
    }
}
