#!/usr/bin/env node
// Shim protocol 1.2 (harness/SHIM.md) for @signalapp/libsignal-client, profiles signal-v3
// (X3DH), signal-v4 (PQXDH without SPQR) and the group profile signal-sk-v3 (Sender Keys).
//
// Usage: node shim.js [VERSION]   VERSION is one of PACKAGES below (default 0.72.1, so that a
// runner that starts `node shim.js` keeps getting the package it always got).
//
// stdin: one JSON request per line; stdout: exactly one JSON reply per request, in order;
// stderr: logs. Requests are processed strictly one after another even though libsignal's
// session functions are async.
'use strict';

const crypto = require('crypto');
const readline = require('readline');

// Nothing but replies may reach stdout: route console output to stderr before anything
// (including libsignal) can log.
const log = (...args) => process.stderr.write(`[libsignal-shim] ${args.join(' ')}\n`);
console.log = console.info = console.debug = console.warn = (...a) => log(...a.map(String));

// The packages package.json installs side by side (npm aliases), and what each can speak.
// 0.72.1 still starts and accepts X3DH sessions and does PQXDH when the bundle has a Kyber
// prekey; from 0.75 on X3DH bundles and X3DH prekey messages are refused, and 0.74-0.82 take
// a `UsePQRatchet` flag (SPQR), which this shim always sets to `No`. Sender Keys
// (group_cipher.rs, sender_keys.rs, storage.proto's SenderKey messages) are the same code in
// both versions (git diff v0.72.1 v0.79.0 changes only log lines there).
const PACKAGES = {
  '0.72.1': { profiles: ['signal-v3', 'signal-v4', 'signal-sk-v3'], pqRatchetFlag: false },
  '0.79.0': { profiles: ['signal-v4', 'signal-sk-v3'], pqRatchetFlag: true },
};
// The group profile: its parties are group members (SHIM.md §Groups).
const SENDER_KEYS = 'signal-sk-v3';
const WANTED = process.argv[2] === undefined ? '0.72.1' : process.argv[2];
if (!Object.prototype.hasOwnProperty.call(PACKAGES, WANTED)) {
  log(`unknown libsignal-client version ${JSON.stringify(WANTED)}; known: ${Object.keys(PACKAGES).join(', ')}`);
  process.exit(2);
}
const PKG = PACKAGES[WANTED];
// Both versions are CommonJS (package.json has no "type": "module"), so `require` works.
const S = require(`libsignal-client-${WANTED}`);

// The version actually loaded, from the package's own package.json.
const LIB_VERSION = (() => {
  try {
    return require(`libsignal-client-${WANTED}/package.json`).version;
  } catch (_) {
    return 'unknown';
  }
})();
if (LIB_VERSION !== WANTED) log(`warning: loaded @signalapp/libsignal-client ${LIB_VERSION} for ${WANTED}`);
const DEVICE_ID = 1;

// Kyber1024 as libsignal serializes it (rust/protocol/src/kem.rs): type byte 0x08, then the
// raw key. A FIPS 203 / round-3 decapsulation key dk = dk_PKE (1536) || ek (1568) || H(ek) || z.
const KYBER_TYPE = 0x08;
const KYBER_PUBLIC_LEN = 1568;
const KYBER_SECRET_LEN = 3168;
const KYBER_EK_OFFSET = 1536;

// Protobuf, encoded by hand for libsignal's storage forms (varints and length-delimited
// fields; libsignal's decoder takes fields in any order).
function pbVarint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}
const pbUint = (field, n) => Buffer.concat([pbVarint((field << 3) | 0), pbVarint(n)]);
const pbBytes = (field, b) => Buffer.concat([pbVarint((field << 3) | 2), pbVarint(b.length), b]);

// libsignal's storage form of a (Kyber) prekey record, proto/storage.proto
// SignedPreKeyRecordStructure {1: id, 2: public_key, 3: private_key, 4: signature,
// 5: timestamp (fixed64)}.
function preKeyRecordStructure(id, publicKey, privateKey, signature) {
  const timestamp = Buffer.alloc(8);
  timestamp.writeBigUInt64LE(BigInt(Date.now()));
  return Buffer.concat([
    pbUint(1, id),
    pbBytes(2, publicKey),
    pbBytes(3, privateKey),
    pbBytes(4, signature),
    pbVarint((5 << 3) | 1),
    timestamp,
  ]);
}

// libsignal's storage form of a sender's own Sender Keys record with one state, from the
// draws (proto/storage.proto at v0.72.1 and v0.79.0, the same there):
// SenderKeyRecordStructure {1: repeated SenderKeyStateStructure}, SenderKeyStateStructure
// {1: chain_id, 2: SenderChainKey {1: iteration, 2: seed}, 3: SenderSigningKey {1: public
// (0x05 || 32), 2: private (32)}, 4: sender_message_keys (none), 5: message_version}. It is
// the record create_sender_key_distribution_message stores for a new distribution
// (group_cipher.rs, SenderKeyState::new), with the draws in place of its csprng's.
function senderKeyRecordStructure({ chainId, iteration, chainKey, signingPublic, signingPrivate }) {
  const state = Buffer.concat([
    pbUint(1, chainId),
    pbBytes(2, Buffer.concat([pbUint(1, iteration), pbBytes(2, chainKey)])),
    pbBytes(3, Buffer.concat([pbBytes(1, signingPublic), pbBytes(2, signingPrivate)])),
    pbUint(5, SENDERKEY_MESSAGE_VERSION),
  ]);
  return pbBytes(1, state);
}
// protocol.rs SENDERKEY_MESSAGE_CURRENT_VERSION.
const SENDERKEY_MESSAGE_VERSION = 3;
const PEER_PREFIX = 'e2ee-peer:';

// 0.79.0 takes the SPQR switch as an argument of processPreKeyBundle and signalDecryptPreKey
// (index.ts@v0.79.0:1422,1475); 0.72.1 has no SPQR and no such argument.
const PQ_ARGS = PKG.pqRatchetFlag ? [S.UsePQRatchet.No] : [];

// Markers our stores throw; libsignal wraps them as
// "error in method call 'getPreKey': callback error Error: <marker> ...".
const UNKNOWN_PREKEY = 'E2EE_SHIM_UNKNOWN_PREKEY';

// ---------------------------------------------------------------------------------------------
// Errors

class ShimError extends Error {
  constructor(cls, detail) {
    super(detail);
    this.cls = cls;
  }
}
const fail = (cls, detail) => {
  throw new ShimError(cls, detail);
};

// The classes `mapLibsignalError` produces reliably (see README.md for the table). No
// `invalid_key`: libsignal 0.72.1 never refuses a public key for its value. No
// `too_far_ahead`: the 1:1 sessions fold a too-large gap into "decryption failed"; Sender Keys
// do report it (their own message, above), but this list is one for every profile.
const ERROR_CLASSES = [
  'decode_error',
  'auth_failure',
  'duplicate_message',
  'untrusted_identity',
  'bad_signature',
  'unknown_prekey',
  'state_error',
];

// SHIM.md §Versions: the minor version this shim speaks, and the classes each minor added
// with the class they split from (a runner of an older minor gets that one instead).
const MINOR = 2;
const CLASSES_ADDED = [[1, 'untrusted_identity', 'invalid_key']];
function classInMinor(cls, minor) {
  for (const [added, newer, older] of [...CLASSES_ADDED].reverse()) {
    if (minor < added && cls === newer) cls = older;
  }
  return cls;
}

// libsignal rust/protocol/src/consts.rs (the same at v0.72.1 and v0.79.0): MAX_FORWARD_JUMPS
// 25_000, MAX_MESSAGE_KEYS 2000 per receiving chain, MAX_RECEIVER_CHAINS 5,
// ARCHIVED_STATES_MAX_LENGTH 40. For the 1:1 profiles this package speaks.
const SESSION_LIMITS = {
  max_skip: 25000,
  skipped_keys: { max: 2000, per: 'chain' },
  receiver_chains: 5,
  archived_sessions: 40,
};
const LIMITS = Object.fromEntries(
  PKG.profiles.filter((p) => p === 'signal-v3' || p === 'signal-v4').map((p) => [p, SESSION_LIMITS]),
);

// Rules applied in order to a LibSignalErrorBase's message (code 0, "Generic", unless noted).
const MESSAGE_RULES = [
  // The multi-session wrapper swallows every per-state error (bad MAC, session version
  // mismatch, jump > 25000, bad padding, unknown chain) into this one message.
  [/^invalid (Whisper|PreKey) message: (decryption failed|MAC verification failed|failed to decrypt)/, 'auth_failure'],
  [/^invalid (Whisper|PreKey) message: No session available/, 'state_error'],
  [/^invalid (Whisper|PreKey) message: message from too far into the future/, 'auth_failure'],
  // Sender Keys (group_cipher.rs group_decrypt, get_sender_key): nothing swallows these, so
  // each cause keeps its own message.
  [/^invalid SenderKey message: message from too far into the future/, 'too_far_ahead'],
  [/^invalid SenderKey message: decryption failed/, 'auth_failure'],
  [/^missing sender key state for distribution ID/, 'state_error'],
  // The Node binding names a distribution id to the SenderKeyStore as a uuid string, and its
  // `uuid.stringify` refuses ids that are not RFC 9562 UUIDs before the store is asked: a
  // message naming such an id cannot have a session here (group_create and group_join refuse
  // those ids), and libsignal asks the store only once the message parsed.
  [/Stringified UUID is invalid/, 'state_error'],
  // Other InvalidMessage reasons are structural (Kyber fields inconsistent with the version).
  [/^invalid (Whisper|PreKey) message: /, 'decode_error'],
  [/^ciphertext serialized bytes were too short/, 'decode_error'],
  [/^ciphertext version was too old/, 'decode_error'],
  [/^ciphertext version was unrecognized/, 'decode_error'],
  [/^unrecognized message version/, 'decode_error'],
  [/^protobuf encoding was invalid/, 'decode_error'],
  [/^no key type identifier/, 'decode_error'],
  [/^bad key type/, 'decode_error'],
  [/^bad key length/, 'decode_error'],
  // signal-v4: a Kyber key (bundle) or ciphertext (prekey message) with another type byte
  // than 0x08 or the wrong length (kem.rs: BadKEMKeyType, BadKEMKeyLength,
  // BadKEMCiphertextLength). kem.rs's WrongKEMKeyType ("unexpected KEM key type") needs a
  // second KEM type, which neither package's bridge enables: 0x0a is "bad KEM key type" there.
  [/^bad KEM key type/, 'decode_error'],
  [/^bad KEM key length/, 'decode_error'],
  [/^bad KEM ciphertext length/, 'decode_error'],
  [/^invalid signature detected/, 'bad_signature'],
  [new RegExp(UNKNOWN_PREKEY), 'unknown_prekey'],
  [/^invalid (Kyber )?(signed )?prekey identifier/, 'unknown_prekey'],
  [/^session with .* not found/, 'state_error'],
  [/^invalid state for call to/, 'state_error'],
  [/^untrusted identity for address/, 'untrusted_identity'],
];

function mapLibsignalError(e) {
  const msg = e && typeof e.message === 'string' ? e.message : String(e);
  if (e instanceof S.LibSignalErrorBase) {
    switch (e.code) {
      case S.ErrorCode.DuplicatedMessage:
        return ['duplicate_message', msg];
      case S.ErrorCode.UntrustedIdentity:
        return ['untrusted_identity', msg];
      case S.ErrorCode.InvalidRegistrationId:
      case S.ErrorCode.InvalidSession:
      case S.ErrorCode.InvalidSenderKeySession:
        return ['state_error', msg];
      default:
        break;
    }
  }
  for (const [re, cls] of MESSAGE_RULES) {
    if (re.test(msg)) return [cls, msg];
  }
  log(`unmapped libsignal error (reported as state_error): code=${e && e.code} ${msg}`);
  return ['state_error', `unmapped libsignal error: ${msg}`];
}

// Run a libsignal call; map whatever it throws onto a protocol error class.
async function lib(fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ShimError) throw e;
    const [cls, detail] = mapLibsignalError(e);
    throw new ShimError(cls, detail);
  }
}

// ---------------------------------------------------------------------------------------------
// Request field helpers (a malformed field is decode_error)

function hexField(req, name, { optional = false, len = null } = {}) {
  const v = req[name];
  if (v === undefined || v === null) {
    if (optional) return null;
    fail('decode_error', `missing field ${name}`);
  }
  if (typeof v !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(v)) fail('decode_error', `field ${name} is not hex`);
  const b = Buffer.from(v, 'hex');
  if (len !== null && b.length !== len) fail('decode_error', `field ${name} is not ${len} bytes`);
  return b;
}

function u32Field(req, name, { optional = false } = {}) {
  const v = req[name];
  if (v === undefined || v === null) {
    if (optional) return null;
    fail('decode_error', `missing field ${name}`);
  }
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) fail('decode_error', `field ${name} is not a u32`);
  return v;
}

function strField(req, name) {
  const v = req[name];
  if (typeof v !== 'string') fail('decode_error', `missing or non-string field ${name}`);
  return v;
}

function boolField(req, name) {
  const v = req[name];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') fail('decode_error', `field ${name} is not a boolean`);
  return v;
}

const hex = (b) => Buffer.from(b).toString('hex');
const rawPublic = (pub) => Buffer.from(pub.getPublicKeyBytes()); // 32 bytes, no 0x05
const publicFromRaw = (raw32) => S.PublicKey.deserialize(Buffer.concat([Buffer.from([0x05]), raw32]));

// ---------------------------------------------------------------------------------------------
// Per-party state and the libsignal store interfaces over it
//
// Everything is kept serialized (Buffers) so that a snapshot is a plain deep copy.

// `identityPriv` is null for a group member (it has no identity of its own at this layer).
function emptyState(identityPriv, registrationId) {
  return {
    identityPriv: identityPriv ? Buffer.from(identityPriv.serialize()) : null,
    registrationId,
    sessions: new Map(), // "name.device" -> SessionRecord bytes
    identities: new Map(), // "name.device" -> 33-byte public key
    preKeys: new Map(), // id -> PreKeyRecord bytes
    signedPreKeys: new Map(), // id -> SignedPreKeyRecord bytes
    kyberPreKeys: new Map(), // id -> KyberPreKeyRecord bytes (signal-v4 only)
    kyberLastResort: new Set(), // ids of kyberPreKeys that are last-resort keys
    senderKeys: new Map(), // "name.device distribution-uuid" -> SenderKeyRecord bytes
    outbound: new Map(), // group name -> the distribution uuid this member sends with
  };
}

function copyState(st) {
  const copyMap = (m) => new Map([...m].map(([k, v]) => [k, Buffer.from(v)]));
  return {
    identityPriv: st.identityPriv && Buffer.from(st.identityPriv),
    registrationId: st.registrationId,
    sessions: copyMap(st.sessions),
    identities: copyMap(st.identities),
    preKeys: copyMap(st.preKeys),
    signedPreKeys: copyMap(st.signedPreKeys),
    kyberPreKeys: copyMap(st.kyberPreKeys),
    kyberLastResort: new Set(st.kyberLastResort),
    senderKeys: copyMap(st.senderKeys),
    outbound: new Map(st.outbound),
  };
}

// The stores read `party.state` at call time, so `restore` can swap the whole state.
class SessionStoreImpl extends S.SessionStore {
  constructor(party) {
    super();
    this.party = party;
  }
  async saveSession(addr, record) {
    this.party.state.sessions.set(addr.toString(), Buffer.from(record.serialize()));
  }
  async getSession(addr) {
    const b = this.party.state.sessions.get(addr.toString());
    return b ? S.SessionRecord.deserialize(b) : null;
  }
  async getExistingSessions(addrs) {
    return addrs.map((a) => {
      const b = this.party.state.sessions.get(a.toString());
      if (!b) throw new Error(`no session for ${a.toString()}`);
      return S.SessionRecord.deserialize(b);
    });
  }
}

class IdentityStoreImpl extends S.IdentityKeyStore {
  constructor(party) {
    super();
    this.party = party;
  }
  async getIdentityKey() {
    return S.PrivateKey.deserialize(this.party.state.identityPriv);
  }
  async getLocalRegistrationId() {
    return this.party.state.registrationId;
  }
  async saveIdentity(addr, key) {
    const k = addr.toString();
    const next = Buffer.from(key.serialize());
    const old = this.party.state.identities.get(k);
    this.party.state.identities.set(k, next);
    return old && !old.equals(next) ? S.IdentityChange.ReplacedExisting : S.IdentityChange.NewOrUnchanged;
  }
  // SHIM.md §Identities: starting a session (sending) may rebind an address to a new
  // identity; a message received from an address must carry the identity pinned for it.
  async isTrustedIdentity(addr, key, direction) {
    if (direction !== S.Direction.Receiving) return true;
    const pinned = this.party.state.identities.get(addr.toString());
    return !pinned || pinned.equals(Buffer.from(key.serialize()));
  }
  async getIdentity(addr) {
    const b = this.party.state.identities.get(addr.toString());
    return b ? S.PublicKey.deserialize(b) : null;
  }
}

class PreKeyStoreImpl extends S.PreKeyStore {
  constructor(party) {
    super();
    this.party = party;
  }
  async savePreKey(id, record) {
    this.party.state.preKeys.set(id, Buffer.from(record.serialize()));
  }
  async getPreKey(id) {
    const b = this.party.state.preKeys.get(id);
    if (!b) throw new Error(`${UNKNOWN_PREKEY} one-time prekey ${id}`);
    return S.PreKeyRecord.deserialize(b);
  }
  async removePreKey(id) {
    this.party.state.preKeys.delete(id);
  }
}

class SignedPreKeyStoreImpl extends S.SignedPreKeyStore {
  constructor(party) {
    super();
    this.party = party;
  }
  async saveSignedPreKey(id, record) {
    this.party.state.signedPreKeys.set(id, Buffer.from(record.serialize()));
  }
  async getSignedPreKey(id) {
    const b = this.party.state.signedPreKeys.get(id);
    if (!b) throw new Error(`${UNKNOWN_PREKEY} signed prekey ${id}`);
    return S.SignedPreKeyRecord.deserialize(b);
  }
}

class KyberPreKeyStoreImpl extends S.KyberPreKeyStore {
  constructor(party) {
    super();
    this.party = party;
  }
  async saveKyberPreKey(id, record) {
    this.party.state.kyberPreKeys.set(id, Buffer.from(record.serialize()));
  }
  async getKyberPreKey(id) {
    const b = this.party.state.kyberPreKeys.get(id);
    if (!b) throw new Error(`${UNKNOWN_PREKEY} kyber prekey ${id}`);
    return S.KyberPreKeyRecord.deserialize(b);
  }
  // PQXDH §3.3: a one-time PQ prekey is deleted once used, the last-resort one is kept.
  // libsignal calls this only after the prekey message decrypted and its session was stored
  // (session_cipher.rs message_decrypt_prekey, both versions), so a failed decrypt deletes
  // nothing. Both versions pass only the id (index.ts@v0.72.1:1157, @v0.79.0:1175).
  async markKyberPreKeyUsed(id) {
    if (!this.party.state.kyberLastResort.has(id)) this.party.state.kyberPreKeys.delete(id);
  }
}

// Sender Keys records by (address, distribution id), as libsignal keys them. A member's own
// sending records are under SELF_ADDRESS, the senders' it reads under their peer addresses.
const senderKeyKey = (addr, distributionId) => `${addr.toString()} ${distributionId}`;

class SenderKeyStoreImpl extends S.SenderKeyStore {
  constructor(party) {
    super();
    this.party = party;
  }
  async saveSenderKey(addr, distributionId, record) {
    this.party.state.senderKeys.set(senderKeyKey(addr, distributionId), Buffer.from(record.serialize()));
  }
  async getSenderKey(addr, distributionId) {
    const b = this.party.state.senderKeys.get(senderKeyKey(addr, distributionId));
    return b ? S.SenderKeyRecord.deserialize(b) : null;
  }
}

class Party {
  constructor(handle, profile, state) {
    this.handle = handle;
    this.profile = profile; // 'signal-v3' (X3DH), 'signal-v4' (PQXDH) or SENDER_KEYS (a member)
    this.state = state;
    this.sessionStore = new SessionStoreImpl(this);
    this.identityStore = new IdentityStoreImpl(this);
    this.preKeyStore = new PreKeyStoreImpl(this);
    this.signedPreKeyStore = new SignedPreKeyStoreImpl(this);
    this.kyberPreKeyStore = new KyberPreKeyStoreImpl(this);
    this.senderKeyStore = new SenderKeyStoreImpl(this);
  }
  identityPrivate() {
    return S.PrivateKey.deserialize(this.state.identityPriv);
  }
}

// ---------------------------------------------------------------------------------------------
// Sender Keys helpers

// A member's own sending records live under this address; no runner name maps to it (every
// sender is PEER_PREFIX + name).
const SELF_ADDRESS = S.ProtocolAddress.new('e2ee-self', DEVICE_ID);

// The `uuid` package the binding itself uses (resolved from the libsignal package), which
// turns distribution ids into the strings its API takes and refuses non-RFC 9562 ones.
const UUID = require(require.resolve('uuid', { paths: [require.resolve(`libsignal-client-${WANTED}`)] }));

// The binding's string form of a 16-byte distribution id; `unsupported` for ids its uuid
// package refuses (libsignal itself takes any 16 bytes: Uuid::from_slice).
function distributionUuid(bytes) {
  const h = bytes.toString('hex');
  const s = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  if (!UUID.validate(s)) fail('unsupported', `distribution id ${h}: the Node binding takes only RFC 9562 UUIDs`);
  return s;
}

function outboundOf(party, group) {
  const id = party.state.outbound.get(group);
  if (id === undefined) fail('state_error', `no sending session for group ${JSON.stringify(group)}`);
  return id;
}

// Run `fn` on the party's state; if it throws, the party's state is as before.
async function atomically(party, fn) {
  const before = copyState(party.state);
  try {
    return await fn();
  } catch (e) {
    party.state = before;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// The shim

class Shim {
  constructor() {
    // Until hello says otherwise; kept across reset.
    this.minor = MINOR;
    this.reset();
  }

  reset() {
    this.parties = new Map();
    this.snapshots = new Map();
    this.nextHandle = 0;
  }

  handle(prefix) {
    this.nextHandle += 1;
    return `${prefix}${this.nextHandle}`;
  }

  // Any party: a 1:1 party or a group member (snapshot, restore).
  anyParty(req) {
    const h = strField(req, 'party');
    const p = this.parties.get(h);
    if (!p) fail('state_error', `no such party ${h}`);
    return p;
  }

  // A party of a 1:1 profile.
  party(req) {
    const p = this.anyParty(req);
    if (p.profile === SENDER_KEYS) fail('state_error', `${p.handle} is a ${SENDER_KEYS} group member`);
    return p;
  }

  // A group member (SHIM.md §Groups).
  member(req) {
    const p = this.anyParty(req);
    if (p.profile !== SENDER_KEYS) fail('state_error', `${p.handle} is a ${p.profile} party, not a group member`);
    return p;
  }

  // The runner's peer names go to libsignal with a prefix that no ServiceId string has (a
  // bare UUID or "PNI:<uuid>"): libsignal 0.91 and later write SignalMessage field 6
  // (addresses) into prekey messages only when both names parse as ServiceIds, and no
  // profile of the suite has that field. 0.72.1 and 0.79.0 have no field 6 at all.
  address(req) {
    return S.ProtocolAddress.new(`${PEER_PREFIX}${strField(req, 'peer')}`, DEVICE_ID);
  }

  // A group message's sender, named by the runner, under the same prefix as a 1:1 peer.
  senderAddress(req) {
    return S.ProtocolAddress.new(`${PEER_PREFIX}${strField(req, 'sender')}`, DEVICE_ID);
  }

  async call(req) {
    switch (req.op) {
      case 'hello':
        return this.hello(req);
      case 'reset':
        this.reset();
        return {};
      case 'create_party':
        return this.createParty(req);
      case 'create_bundle':
        return this.createBundle(req);
      case 'initiate':
        return this.initiate(req);
      case 'encrypt':
        return this.encrypt(req);
      case 'decrypt':
        return this.decrypt(req);
      case 'snapshot':
        return this.snapshot(req);
      case 'restore':
        return this.restore(req);
      case 'xeddsa_verify':
        return this.xeddsaVerify(req);
      case 'group_create':
        return this.groupCreate(req);
      case 'group_share':
        return this.groupShare(req);
      case 'group_join':
        return this.groupJoin(req);
      case 'group_encrypt':
        return this.groupEncrypt(req);
      case 'group_decrypt':
        return this.groupDecrypt(req);
      default:
        fail('unsupported', `unknown op ${JSON.stringify(req.op)}`);
    }
  }

  hello(req) {
    if (req.protocol !== 1) log(`runner asked for protocol ${JSON.stringify(req.protocol)}; this shim speaks 1`);
    // A runner that sends no minor speaks 1.0.
    const asked = Number.isSafeInteger(req.minor) && req.minor >= 0 ? req.minor : 0;
    this.minor = Math.min(MINOR, asked);
    return {
      protocol: 1,
      minor: this.minor,
      name: 'libsignal-client',
      version: LIB_VERSION,
      profiles: PKG.profiles,
      // libsignal draws its own randomness (ephemeral, ratchet keys, XEdDSA nonces): no
      // `deterministic`. It has no header encryption.
      // `xeddsa-verify`: libsignal's own check of a bundle's signatures (PublicKey.verify, the
      // same verify_signature process_prekey_bundle calls), so the XEdDSA known answers reach it.
      // `group-draws`: a Sender Keys session takes the runner's chain id, chain key,
      // iteration and signing key (groupCreate); its XEdDSA nonces stay libsignal's own.
      capabilities: ['import-keys', 'snapshot', 'xeddsa-verify', 'group-draws'],
      error_classes: [...new Set(ERROR_CLASSES.map((c) => classInMinor(c, this.minor)))],
      // SHIM.md §Limits (1.2): what libsignal keeps, declared as it is. They are the signal
      // profiles' own, so none is a deviation.
      ...(this.minor >= 2 ? { limits: LIMITS } : {}),
    };
  }

  async xeddsaVerify(req) {
    const key = hexField(req, 'public_key', { len: 32 });
    const message = hexField(req, 'message');
    const signature = hexField(req, 'signature', { len: 64 });
    const ok = await lib(() => publicFromRaw(key).verify(message, signature));
    if (!ok) fail('bad_signature', 'PublicKey.verify returned false');
    return {};
  }

  createParty(req) {
    const profile = strField(req, 'profile');
    if (!PKG.profiles.includes(profile)) {
      fail('unsupported', `profile ${profile}: libsignal-client ${LIB_VERSION} speaks ${PKG.profiles.join(', ')}`);
    }
    if (boolField(req, 'header_encryption')) fail('unsupported', 'libsignal has no header encryption');
    if (profile === SENDER_KEYS) {
      // A member's identity is that of the pairwise sessions its distributions travel over.
      const handle = this.handle('m');
      this.parties.set(handle, new Party(handle, profile, emptyState(null, 0)));
      return { party: handle, identity_key: '' };
    }
    const idRaw = hexField(req, 'identity_private', { optional: true, len: 32 });
    let registrationId = u32Field(req, 'registration_id', { optional: true });
    if (registrationId === null) registrationId = 1 + Math.floor(Math.random() * 16380);
    const identity = idRaw ? S.PrivateKey.deserialize(idRaw) : S.PrivateKey.generate();
    const handle = this.handle('p');
    this.parties.set(handle, new Party(handle, profile, emptyState(identity, registrationId)));
    return { party: handle, identity_key: hex(rawPublic(identity.getPublicKey())) };
  }

  async createBundle(req) {
    const party = this.party(req);
    const spkId = u32Field(req, 'signed_prekey_id');
    const spkRaw = hexField(req, 'signed_prekey_private', { optional: true, len: 32 });
    const opkId = u32Field(req, 'one_time_prekey_id', { optional: true });
    const opkRaw = hexField(req, 'one_time_prekey_private', { optional: true, len: 32 });
    // signature_randomness cannot be injected into libsignal's XEdDSA: ignored.
    hexField(req, 'signature_randomness', { optional: true });

    const identity = party.identityPrivate();
    const spk = spkRaw ? S.PrivateKey.deserialize(spkRaw) : S.PrivateKey.generate();
    const spkPub = spk.getPublicKey();
    // libsignal signs (and verifies) the 33-byte serialization 0x05 || u.
    const signature = identity.sign(spkPub.serialize());
    await lib(() =>
      party.signedPreKeyStore.saveSignedPreKey(
        spkId,
        S.SignedPreKeyRecord.new(spkId, Date.now(), spkPub, spk, signature),
      ),
    );
    const bundle = {
      identity_key: hex(rawPublic(identity.getPublicKey())),
      registration_id: party.state.registrationId,
      signed_prekey_id: spkId,
      signed_prekey: hex(rawPublic(spkPub)),
      signed_prekey_signature: hex(signature),
    };
    if (opkId !== null || opkRaw !== null) {
      const id = opkId === null ? 0 : opkId;
      const opk = opkRaw ? S.PrivateKey.deserialize(opkRaw) : S.PrivateKey.generate();
      await lib(() => party.preKeyStore.savePreKey(id, S.PreKeyRecord.new(id, opk.getPublicKey(), opk)));
      bundle.one_time_prekey_id = id;
      bundle.one_time_prekey = hex(rawPublic(opk.getPublicKey()));
    }
    if (party.profile === 'signal-v4') Object.assign(bundle, await this.publishKyberPreKey(party, req, identity));
    return bundle;
  }

  // PQXDH §3.3: the PQ prekey PQPK_B, signed with the identity key over its libsignal
  // serialization (type byte 0x08 || 1568 bytes), as process_prekey_bundle verifies it.
  async publishKyberPreKey(party, req, identity) {
    const id = u32Field(req, 'kyber_prekey_id');
    // kyber_prekey_seed (d || z) and kyber_signature_randomness: injected randomness
    // libsignal cannot take (KEMKeyPair.generate draws its own). Ignored, but must be hex.
    hexField(req, 'kyber_prekey_seed', { optional: true, len: 64 });
    hexField(req, 'kyber_signature_randomness', { optional: true, len: 64 });
    // The same key as a raw decapsulation key (import-keys): libsignal has no KEMKeyPair
    // constructor from keys, so the record is built in its storage form and deserialized.
    const dk = hexField(req, 'kyber_prekey_private', { optional: true, len: KYBER_SECRET_LEN });
    const lastResort = boolField(req, 'kyber_last_resort');
    let record;
    let pub;
    let signature;
    if (dk) {
      pub = Buffer.concat([Buffer.from([KYBER_TYPE]), dk.subarray(KYBER_EK_OFFSET, KYBER_EK_OFFSET + KYBER_PUBLIC_LEN)]);
      signature = Buffer.from(identity.sign(pub));
      const secret = Buffer.concat([Buffer.from([KYBER_TYPE]), dk]);
      record = await lib(() => S.KyberPreKeyRecord.deserialize(preKeyRecordStructure(id, pub, secret, signature)));
    } else {
      const keyPair = S.KEMKeyPair.generate();
      pub = Buffer.from(keyPair.getPublicKey().serialize());
      signature = Buffer.from(identity.sign(pub));
      record = S.KyberPreKeyRecord.new(id, Date.now(), keyPair, signature);
    }
    await lib(() => party.kyberPreKeyStore.saveKyberPreKey(id, record));
    // A publish replaces a prekey with the same id, its kind included.
    if (lastResort) party.state.kyberLastResort.add(id);
    else party.state.kyberLastResort.delete(id);
    return { kyber_prekey_id: id, kyber_prekey: hex(pub), kyber_prekey_signature: hex(signature) };
  }

  async initiate(req) {
    const party = this.party(req);
    const addr = this.address(req);
    const b = req.bundle;
    if (!b || typeof b !== 'object' || Array.isArray(b)) fail('decode_error', 'missing or non-object field bundle');
    // base_key_private / ratchet_private: injected randomness libsignal cannot take.
    const identityKey = publicFromRaw(hexField(b, 'identity_key', { len: 32 }));
    const registrationId = u32Field(b, 'registration_id', { optional: true }) ?? 0;
    const spkId = u32Field(b, 'signed_prekey_id');
    const spk = publicFromRaw(hexField(b, 'signed_prekey', { len: 32 }));
    const sig = hexField(b, 'signed_prekey_signature', { len: 64 });
    const opkRaw = hexField(b, 'one_time_prekey', { optional: true, len: 32 });
    const opkIdGiven = u32Field(b, 'one_time_prekey_id', { optional: true });
    const opkId = opkRaw ? (opkIdGiven ?? 0) : null;
    const opk = opkRaw ? publicFromRaw(opkRaw) : null;
    // kem_randomness (signal-v4): injected randomness libsignal cannot take.
    if (party.profile === 'signal-v4') hexField(req, 'kem_randomness', { optional: true, len: 32 });
    const kyber =
      party.profile === 'signal-v4'
        ? [u32Field(b, 'kyber_prekey_id'), hexField(b, 'kyber_prekey'), hexField(b, 'kyber_prekey_signature', { len: 64 })]
        : null;
    await lib(async () => {
      // signal-v3: no Kyber arguments, a version-3 (X3DH) session, as 0.72.1 still allows.
      // signal-v4: the bundle's Kyber prekey makes it PQXDH, session version 4.
      const kyberArgs = kyber ? [kyber[0], S.KEMPublicKey.deserialize(kyber[1]), kyber[2]] : [];
      const bundle = S.PreKeyBundle.new(registrationId, DEVICE_ID, opkId, opk, spkId, spk, sig, identityKey, ...kyberArgs);
      await S.processPreKeyBundle(bundle, addr, party.sessionStore, party.identityStore, ...PQ_ARGS);
    });
    return {};
  }

  async encrypt(req) {
    const party = this.party(req);
    const addr = this.address(req);
    const plaintext = hexField(req, 'plaintext');
    const ct = await lib(() => S.signalEncrypt(plaintext, addr, party.sessionStore, party.identityStore));
    const kind = ct.type() === S.CiphertextMessageType.PreKey ? 'prekey' : 'normal';
    return { kind, message: hex(ct.serialize()) };
  }

  async decrypt(req) {
    const party = this.party(req);
    const addr = this.address(req);
    const kind = req.kind;
    if (kind !== 'prekey' && kind !== 'normal') fail('decode_error', `field kind is ${JSON.stringify(kind)}`);
    const bytes = hexField(req, 'message');
    // ratchet_private: injected randomness libsignal cannot take.
    let plaintext;
    if (kind === 'prekey') {
      let msg;
      try {
        msg = S.PreKeySignalMessage.deserialize(bytes);
      } catch (e) {
        fail('decode_error', `PreKeySignalMessage: ${e && e.message}`);
      }
      plaintext = await lib(() =>
        S.signalDecryptPreKey(
          msg,
          addr,
          party.sessionStore,
          party.identityStore,
          party.preKeyStore,
          party.signedPreKeyStore,
          party.kyberPreKeyStore,
          ...PQ_ARGS,
        ),
      );
    } else {
      let msg;
      try {
        msg = S.SignalMessage.deserialize(bytes);
      } catch (e) {
        fail('decode_error', `SignalMessage: ${e && e.message}`);
      }
      plaintext = await lib(() => S.signalDecrypt(msg, addr, party.sessionStore, party.identityStore));
    }
    return { plaintext: hex(plaintext) };
  }

  // -------------------------------------------------------------------------------------------
  // Sender Keys (SHIM.md §Groups; libsignal group_cipher.rs). A member keeps one
  // SenderKeyRecord per (address, distribution id) in its SenderKeyStore: its own sending
  // session per group under SELF_ADDRESS, each sender's states under the sender's address.
  // libsignal stores a record only after an operation succeeded; `atomically` makes the
  // shim's own edits (rotation) follow the same rule.

  async groupCreate(req) {
    const group = strField(req, 'group');
    // The distribution id is the application's; the runner always sends it (a missing one
    // is the nil UUID, as the reference shim reads it).
    const idBytes = hexField(req, 'distribution_id', { optional: true, len: 16 }) ?? Buffer.alloc(16);
    const chainId = u32Field(req, 'chain_id', { optional: true });
    const chainKey = hexField(req, 'chain_key', { optional: true, len: 32 });
    const iteration = u32Field(req, 'iteration', { optional: true });
    const signingRaw = hexField(req, 'signing_private', { optional: true, len: 32 });
    const party = this.member(req);
    const distributionId = distributionUuid(idBytes);
    for (const [other, id] of party.state.outbound) {
      if (other !== group && id === distributionId) {
        fail('unsupported', `group ${other} already sends with distribution id ${id}: libsignal keys a sender's session by distribution id alone`);
      }
    }
    const store = party.senderKeyStore;
    return lib(() =>
      atomically(party, async () => {
        // A rotation: the sender drops its previous session for the group.
        const previous = party.state.outbound.get(group);
        if (previous !== undefined) party.state.senderKeys.delete(senderKeyKey(SELF_ADDRESS, previous));
        party.state.senderKeys.delete(senderKeyKey(SELF_ADDRESS, distributionId));
        // create_sender_key_distribution_message draws chain id, chain key and signing key
        // itself when the store has no record for the distribution, and otherwise describes
        // the record's current state: so the draws go in as that record, built in its
        // storage form. A value the runner leaves out is drawn here as libsignal draws it.
        if (chainId !== null || chainKey !== null || iteration !== null || signingRaw !== null) {
          const signing = signingRaw ? S.PrivateKey.deserialize(signingRaw) : S.PrivateKey.generate();
          const record = S.SenderKeyRecord.deserialize(
            senderKeyRecordStructure({
              // "libsignal-protocol-java uses 31-bit integers for sender key chain IDs"
              chainId: chainId ?? crypto.randomBytes(4).readUInt32BE() >>> 1,
              iteration: iteration ?? 0,
              chainKey: chainKey ?? crypto.randomBytes(32),
              signingPublic: Buffer.from(signing.getPublicKey().serialize()),
              signingPrivate: Buffer.from(signing.serialize()),
            }),
          );
          await store.saveSenderKey(SELF_ADDRESS, distributionId, record);
        }
        const skdm = await S.SenderKeyDistributionMessage.create(SELF_ADDRESS, distributionId, store);
        party.state.outbound.set(group, distributionId);
        return { distribution: hex(skdm.serialize()) };
      }),
    );
  }

  // The current state's distribution: libsignal's create on an existing record describes
  // its chain key at the current iteration (group_cipher.rs
  // create_sender_key_distribution_message), which is what a late joiner must get.
  async groupShare(req) {
    const group = strField(req, 'group');
    const party = this.member(req);
    const distributionId = outboundOf(party, group);
    const skdm = await lib(() => S.SenderKeyDistributionMessage.create(SELF_ADDRESS, distributionId, party.senderKeyStore));
    return { distribution: hex(skdm.serialize()) };
  }

  async groupJoin(req) {
    const sender = this.senderAddress(req);
    const bytes = hexField(req, 'distribution');
    const party = this.member(req);
    const skdm = await lib(() => S.SenderKeyDistributionMessage.deserialize(bytes));
    try {
      skdm.distributionId();
    } catch (e) {
      fail('unsupported', `the Node binding names distribution ids as RFC 9562 UUID strings: ${e && e.message}`);
    }
    // process_sender_key_distribution_message → add_sender_key_state: a chain id already
    // held with the same signing key keeps its state (no rewind).
    await lib(() => atomically(party, () => S.processSenderKeyDistributionMessage(sender, skdm, party.senderKeyStore)));
    return {};
  }

  async groupEncrypt(req) {
    const group = strField(req, 'group');
    const plaintext = hexField(req, 'plaintext');
    // XEdDSA's Z: libsignal draws its own signing nonce (SenderKeyMessage::new's csprng).
    hexField(req, 'signature_randomness', { optional: true, len: 64 });
    const party = this.member(req);
    const distributionId = outboundOf(party, group);
    const ct = await lib(() =>
      atomically(party, () => S.groupEncrypt(SELF_ADDRESS, distributionId, party.senderKeyStore, plaintext)),
    );
    return { message: hex(ct.serialize()) };
  }

  async groupDecrypt(req) {
    const sender = this.senderAddress(req);
    // session_id is Megolm's; a SenderKeyMessage names its distribution id itself.
    hexField(req, 'session_id', { optional: true });
    const message = hexField(req, 'message');
    const party = this.member(req);
    const plaintext = await lib(() => atomically(party, () => S.groupDecrypt(sender, party.senderKeyStore, message)));
    return { plaintext: hex(plaintext) };
  }

  snapshot(req) {
    const party = this.anyParty(req);
    const handle = this.handle('s');
    this.snapshots.set(handle, copyState(party.state));
    return { snapshot: handle };
  }

  restore(req) {
    const party = this.anyParty(req);
    const h = strField(req, 'snapshot');
    const snap = this.snapshots.get(h);
    if (!snap) fail('state_error', `no such snapshot ${h}`);
    party.state = copyState(snap); // the snapshot stays reusable
    return {};
  }
}

// ---------------------------------------------------------------------------------------------
// JSON-lines loop

const shim = new Shim();

async function handleLine(line) {
  let id = null;
  let reply;
  try {
    let req;
    try {
      req = JSON.parse(line);
    } catch (e) {
      fail('decode_error', `bad request: not JSON: ${e.message}`);
    }
    if (!req || typeof req !== 'object' || Array.isArray(req)) fail('decode_error', 'bad request: not a JSON object');
    if (Number.isSafeInteger(req.id) && req.id >= 0) id = req.id;
    else fail('decode_error', 'bad request: missing or non-integer id');
    if (typeof req.op !== 'string') fail('decode_error', 'bad request: missing op');
    reply = { id, ok: await shim.call(req) };
  } catch (e) {
    if (e instanceof ShimError) {
      reply = { id, error: { class: classInMinor(e.cls, shim.minor), detail: e.message } };
    } else {
      // A bug in this shim or an unexpected throw outside `lib`: still one reply.
      log(`internal error: ${e && e.stack ? e.stack : e}`);
      const [cls, detail] = mapLibsignalError(e);
      reply = { id, error: { class: classInMinor(cls, shim.minor), detail } };
    }
  }
  return JSON.stringify(reply);
}

function main() {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    if (line.trim() === '') return;
    queue = queue.then(async () => {
      const out = await handleLine(line);
      await new Promise((resolve) => process.stdout.write(out + '\n', resolve));
    }).catch((e) => log(`queue: ${e && e.stack ? e.stack : e}`));
  });
  rl.on('close', () => {
    queue.then(() => process.exit(0));
  });
}

process.on('uncaughtException', (e) => log(`uncaught: ${e && e.stack ? e.stack : e}`));
process.on('unhandledRejection', (e) => log(`unhandled rejection: ${e && e.stack ? e.stack : e}`));
process.stdout.on('error', (e) => {
  // The runner went away (EPIPE): nothing left to answer.
  log(`stdout: ${e.message}`);
  process.exit(0);
});

main();
