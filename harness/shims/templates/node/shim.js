#!/usr/bin/env node
// A starting point for a shim: shim protocol v1 (harness/SHIM.md), Node.js >= 18, no packages.
//
// Copy this file, fill in the seven functions under "Your implementation" and declare in the
// block under "What this shim is" what they really support. Unmodified, it supports nothing:
// `hello` and `reset` are answered, every other operation is `unsupported`, so a run of the
// conformance suite against it checks nothing and exits 2 (harness/shims/templates/README.md).
//
// Run it: e2ee-conform run --impl shim:"node path/to/shim.js" --profile signal-v3
'use strict';

// Only replies may reach stdout (SHIM.md, Framing). Replies are written with `writeReply`;
// anything else logged by this file or by a library it loads goes to stderr, which the runner
// shows as the shim's logs. Require your implementation below these lines, so that even what
// it logs while loading goes to stderr.
const log = (...args) => process.stderr.write(`[shim] ${args.join(' ')}\n`);
console.log = console.info = console.debug = console.warn = (...a) => log(...a.map(String));

// The protocol version this shim speaks (SHIM.md, Versions): 1.2.
const PROTOCOL = 1;
const MINOR = 2;

// ---------------------------------------------------------------------------------------------
// What this shim is. FILL IN: your implementation's name and version, and add what your
// functions below really implement. A declared profile or capability is tested; whatever is
// then answered `unsupported` is counted as skipped, never as passed (SHIM.md, Checklist).

const NAME = 'my-implementation';
const VERSION = '0.0.0';
// Subset of 'modern', 'signal-v3', 'olm-v1' (SHIM.md, Profiles).
const PROFILES = [];
// Subset of 'deterministic' (or 'random-signatures'), 'import-keys', 'header-encryption',
// 'snapshot' (SHIM.md, Operations: which injected fields you honour).
const CAPABILITIES = [];
// The classes of SHIM.md, Errors, that your functions throw and can tell apart. This template
// rejects nothing, so it lists none.
const ERROR_CLASSES = [];
// Per profile, the version bytes your messages start with (SHIM.md, Wire variants), the one
// you write by default first. Leave it empty if you write what libsignal writes (0x34); a
// port of libsignal-protocol-java writes 0x33: { 'signal-v3': ['33'] }.
const VERSION_BYTES = {};
// The limits you keep where they are stricter than a profile's (SHIM.md, Limits), e.g.
// { 'signal-v3': { max_skip: 2000 } }. One you keep but do not declare fails the limit tests.
const LIMITS = {};

// ---------------------------------------------------------------------------------------------
// Errors

// SHIM.md, Errors: the closed set of classes, plus `unsupported`.
const CLASSES = [
  'decode_error',
  'auth_failure',
  'duplicate_message',
  'too_far_ahead',
  'invalid_key',
  'untrusted_identity',
  'bad_signature',
  'unknown_prekey',
  'state_error',
  'unsupported',
];

// An error reply. `cls` is one of CLASSES; `detail` is for people and never compared.
class Reject extends Error {
  constructor(cls, detail) {
    // Not a rejection but a bug in this shim: the runner would call it malformed.
    if (!CLASSES.includes(cls)) throw new TypeError(`${JSON.stringify(cls)} is not an error class of SHIM.md`);
    super(detail);
    this.cls = cls;
  }
}

const unsupported = (op) => new Reject('unsupported', `${op} is not implemented by this shim`);

// Request fields. A missing or malformed field is the runner's fault: decode_error.

// `req[name]` if it is a `kind`: 'string', 'u32', 'boolean' or 'object'.
function field(req, name, kind, { optional = false } = {}) {
  const value = Object.hasOwn(req, name) ? req[name] : undefined;
  if (value === undefined || value === null) {
    if (optional) return null;
    throw new Reject('decode_error', `missing field ${name}`);
  }
  const good =
    kind === 'u32'
      ? Number.isInteger(value) && value >= 0 && value <= 0xffffffff
      : kind === 'object'
        ? typeof value === 'object' && !Array.isArray(value)
        : typeof value === kind;
  if (!good) throw new Reject('decode_error', `field ${name} is not a ${kind}`);
  return value;
}

// A byte string field (hex on the wire, SHIM.md, Framing) as a Buffer.
function hexField(req, name, { optional = false } = {}) {
  const value = field(req, name, 'string', { optional });
  if (value === null) return null;
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(value)) throw new Reject('decode_error', `field ${name} is not hex`);
  return Buffer.from(value, 'hex');
}

// ---------------------------------------------------------------------------------------------
// Your implementation: one function per operation (SHIM.md, Operations). Each takes the
// request (an object; read it with `field` and `hexField`) and returns, or resolves to, the
// `ok` object, with byte strings as lowercase hex (`buf.toString('hex')`), or throws
// `new Reject(class, detail)`. Requests are answered strictly one after another, so an async
// function may await your library freely.

// Everything the shim remembers lives here, so that `reset` forgets it all.
const parties = new Map(); // party handle -> your party: identity, prekeys, one session per peer
const snapshots = new Map(); // snapshot handle -> a copy of a party's whole state

function hello(req) {
  // SHIM.md, Operations: hello. Answers what this shim is; fill in the block above.
  if (req.protocol !== PROTOCOL) log(`the runner asked for protocol ${JSON.stringify(req.protocol)}; this shim speaks ${PROTOCOL}`);
  // Speak the runner's minor if it is older than ours (a runner that sends none speaks 1.0).
  const minor = Number.isInteger(req.minor) ? Math.min(MINOR, req.minor) : 0;
  return {
    protocol: PROTOCOL,
    minor,
    name: NAME,
    version: VERSION,
    profiles: PROFILES,
    capabilities: CAPABILITIES,
    error_classes: ERROR_CLASSES,
    ...(minor >= 2 ? { version_bytes: VERSION_BYTES } : {}),
    ...(minor >= 2 && Object.keys(LIMITS).length ? { limits: LIMITS } : {}),
  };
}

function reset(req) {
  // SHIM.md, Operations: reset. Sent before every test; forget every party, session and
  // snapshot. Clear here anything else you add.
  parties.clear();
  snapshots.clear();
  return {};
}

async function createParty(req) {
  // SHIM.md, Operations: create_party, and Profiles. A new party in `profile` (unsupported for
  // a profile you do not declare); honour `identity_private` with `import-keys`.
  // Return { party: handle, identity_key: hex }.
  throw unsupported('create_party');
}

async function createBundle(req) {
  // SHIM.md, Operations: create_bundle. Prekeys for `party`, returned as a bundle (olm-v1:
  // identity and one-time key only); honour the `*_private` fields with `import-keys`.
  throw unsupported('create_bundle');
}

async function initiate(req) {
  // SHIM.md, Operations: initiate, and Identities. Verify `bundle` (bad_signature,
  // invalid_key), pin the peer's identity, start a session as the initiator. Return {}.
  throw unsupported('initiate');
}

async function encrypt(req) {
  // SHIM.md, Operations: encrypt. Encrypt `plaintext` to `peer`; `kind` stays 'prekey' until
  // this party has decrypted a reply. Return { kind, message: hex }.
  throw unsupported('encrypt');
}

async function decrypt(req) {
  // SHIM.md, Operations: decrypt, and Errors. A failed decrypt must leave the party's state
  // exactly as it was; a prekey message may start a session. Return { plaintext: hex }.
  throw unsupported('decrypt');
}

async function snapshot(req) {
  // SHIM.md, Operations: snapshot (capability `snapshot`). Copy the party's whole state;
  // return { snapshot: handle }.
  throw unsupported('snapshot');
}

async function restore(req) {
  // SHIM.md, Operations: restore. The party's state becomes the copy, which stays usable for
  // another restore. Return {}.
  throw unsupported('restore');
}

const OPS = new Map([
  ['hello', hello],
  ['reset', reset],
  ['create_party', createParty],
  ['create_bundle', createBundle],
  ['initiate', initiate],
  ['encrypt', encrypt],
  ['decrypt', decrypt],
  ['snapshot', snapshot],
  ['restore', restore],
]);

// ---------------------------------------------------------------------------------------------
// The JSON-lines loop (SHIM.md, Framing). Nothing below needs changing.

// Longest request line read, as the runner's own limit on replies: a longer one is answered
// decode_error rather than held in memory.
const MAX_LINE = 4 << 20;

const badRequest = (id, why) => ({ id, error: { class: 'decode_error', detail: `bad request: ${why}` } });

// The reply to one request line (a Buffer), or null for a blank line. A line that is not a
// request gets decode_error (with no id when none can be read); an exception other than
// Reject thrown by an operation is a bug in the shim and is left to the caller.
async function answer(line) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(line);
  } catch (_) {
    return badRequest(null, 'line is not UTF-8');
  }
  if (text.trim() === '') return null;
  let req;
  try {
    req = JSON.parse(text);
  } catch (e) {
    return badRequest(null, `not JSON (${e.message})`);
  }
  if (req === null || typeof req !== 'object' || Array.isArray(req)) return badRequest(null, 'not a JSON object');
  const id = req.id;
  if (!Number.isSafeInteger(id) || id < 0) return badRequest(null, 'missing or non-integer id');
  const op = OPS.get(req.op);
  if (op === undefined) return badRequest(id, `unknown op ${JSON.stringify(req.op)}`);
  let ok;
  try {
    ok = await op(req);
  } catch (e) {
    if (e instanceof Reject) return { id, error: { class: e.cls, detail: e.message } };
    throw e;
  }
  if (ok === null || typeof ok !== 'object' || Array.isArray(ok)) {
    throw new TypeError(`${req.op} returned ${JSON.stringify(ok)}, not an object`);
  }
  return { id, ok };
}

// The reply line to a request line, or null for a blank line.
async function encode(line) {
  try {
    const reply = await answer(line);
    return reply === null ? null : JSON.stringify(reply);
  } catch (e) {
    // Any answer would be a guess that could pass a test that should fail. Exit instead: the
    // runner reports this test as failed, with this log, and starts the shim afresh.
    bug(`while answering ${line.subarray(0, 200).toString()}`, e);
  }
}

function bug(what, e) {
  log(`bug in the shim ${what}: ${e && e.stack ? e.stack : e}`);
  process.exit(70);
}

const writeReply = (text) => new Promise((resolve) => process.stdout.write(text + '\n', resolve));

async function main() {
  let parts = []; // the current line, as read so far
  let length = 0;
  let tooLong = false;
  const endLine = async () => {
    const reply = tooLong
      ? JSON.stringify(badRequest(null, `line longer than ${MAX_LINE} bytes`))
      : await encode(Buffer.concat(parts));
    parts = [];
    length = 0;
    tooLong = false;
    if (reply !== null) await writeReply(reply);
  };
  // One chunk at a time, one line at a time: the next request is read only after the
  // previous reply is written.
  for await (const chunk of process.stdin) {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      const part = chunk.subarray(start, newline === -1 ? chunk.length : newline);
      if (!tooLong && length + part.length > MAX_LINE) {
        tooLong = true;
        parts = [];
      } else if (!tooLong) {
        parts.push(part);
        length += part.length;
      }
      if (newline === -1) break;
      await endLine();
      start = newline + 1;
    }
  }
  if (length > 0 || tooLong) await endLine(); // a last line without a newline
}

process.stdout.on('error', () => {
  // The runner has gone (EPIPE): nothing is left to answer.
  process.exit(0);
});
process.on('unhandledRejection', (e) => bug('(unhandled rejection)', e));
main().catch((e) => bug('in the JSON-lines loop', e));
