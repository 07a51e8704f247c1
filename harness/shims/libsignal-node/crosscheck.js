#!/usr/bin/env node
// Interop cross-check: the reference shim (`e2ee-conform shim`, the spec) against this
// libsignal shim over shim protocol 1.1, signal-v3 profile, in both roles.
//
//   node crosscheck.js [--spec PATH_TO_e2ee-conform] [--quick] [--strict] [--verbose]
//
// --quick skips the forward-jump check (25003 messages each way, about 10 s).
// --strict also fails on accept/reject divergences on mutated or unusual inputs (listed as
// DIVERGE); by default only interop failures (valid exchanges, expected errors) fail.
//
// Default spec binary: $E2EE_CONFORM, else ../../../target/debug/e2ee-conform.
// Pairings (Alice/initiator first): lib/lib (sanity), spec/lib, lib/spec. Each runs the same
// scripted conversation: X3DH with and without a one-time prekey, replies in both directions,
// out-of-order delivery across several DH ratchet steps, late messages on old chains, replay,
// tampering, and snapshot/restore. It also checks that each side accepts the other's signed
// prekey signatures over many fresh keys, and compares the wire shape of the messages each
// side emits (version byte, protobuf tags and order, field lengths), and feeds the same
// mutated or re-encoded (re-MAC'd) messages to a spec and a libsignal receiver to compare
// their decisions and error classes.
// Exit code: 0 if every check passed, 1 otherwise, 2 if the spec binary is missing.
'use strict';

const { spawn } = require('child_process');
const path = require('path');
const fs = require('fs');

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const strict = args.includes('--strict');
const specIdx = args.indexOf('--spec');
const SPEC_BIN =
  (specIdx >= 0 && args[specIdx + 1]) ||
  process.env.E2EE_CONFORM ||
  path.resolve(__dirname, '../../../target/debug/e2ee-conform');
const LIB_SHIM = path.join(__dirname, 'shim.js');

// ---------------------------------------------------------------------------------------------
// A shim child speaking protocol 1.1

class ShimProc {
  constructor(label, cmd, argv) {
    this.label = label;
    this.child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.nextId = 1;
    this.pending = [];
    this.buf = '';
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (d) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        const p = this.pending.shift();
        if (!p) {
          console.log(`[${label}] unexpected stdout line: ${line}`);
          continue;
        }
        clearTimeout(p.timer);
        let v;
        try {
          v = JSON.parse(line);
        } catch (e) {
          p.reject(new Error(`[${label}] reply is not JSON: ${line}`));
          continue;
        }
        if (v.id !== p.id) p.reject(new Error(`[${label}] reply id ${v.id}, expected ${p.id}`));
        else p.resolve(v);
      }
    });
    this.child.stderr.on('data', (d) => {
      if (verbose) process.stderr.write(`[${label} stderr] ${d}`);
    });
    this.child.on('exit', (code) => {
      for (const p of this.pending) p.reject(new Error(`[${label}] exited (${code})`));
      this.pending = [];
    });
  }

  // Resolves to the raw reply object ({id, ok} or {id, error}).
  request(op, fields = {}) {
    const id = this.nextId++;
    const line = JSON.stringify({ id, op, ...fields });
    if (verbose) console.log(`  > ${this.label} ${line.slice(0, 200)}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`[${this.label}] timeout on ${op}`)), 10000);
      this.pending.push({ id, resolve, reject, timer });
      this.child.stdin.write(line + '\n');
    });
  }

  // Resolves to `ok`, throws on error replies.
  async ok(op, fields) {
    const r = await this.request(op, fields);
    if (r.error) throw new Error(`[${this.label}] ${op} failed: ${r.error.class}: ${r.error.detail}`);
    return r.ok;
  }

  close() {
    this.child.stdin.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Wire shapes (version byte, protobuf field tags/order/lengths) for a structural comparison

function readVarint(buf, pos) {
  let r = 0n;
  let shift = 0n;
  let b;
  do {
    if (pos >= buf.length) throw new Error('truncated varint');
    b = buf[pos++];
    r |= BigInt(b & 0x7f) << shift;
    shift += 7n;
  } while (b & 0x80);
  return [r, pos];
}

function pbFields(buf) {
  const out = [];
  let pos = 0;
  while (pos < buf.length) {
    let key;
    [key, pos] = readVarint(buf, pos);
    const field = Number(key >> 3n);
    const wt = Number(key & 7n);
    if (wt === 0) {
      let v;
      [v, pos] = readVarint(buf, pos);
      out.push({ field, wt, v: Number(v) });
    } else if (wt === 2) {
      let l;
      [l, pos] = readVarint(buf, pos);
      l = Number(l);
      if (pos + l > buf.length) throw new Error('truncated bytes field');
      out.push({ field, wt, v: buf.subarray(pos, pos + l) });
      pos += l;
    } else {
      throw new Error(`wire type ${wt}`);
    }
  }
  return out;
}

function signalShape(buf) {
  const body = buf.subarray(1, buf.length - 8);
  const f = pbFields(body);
  return {
    byte0: buf[0].toString(16),
    fields: f.map((x) => (x.wt === 0 ? `${x.field}:varint` : `${x.field}:${x.v.length}B`)).join(' '),
    ratchetKeyPrefix: f.find((x) => x.field === 1) ? x2h(f.find((x) => x.field === 1).v.subarray(0, 1)) : null,
    counter: (f.find((x) => x.field === 2) || {}).v,
    previousCounter: (f.find((x) => x.field === 3) || {}).v,
    macLen: 8,
  };
}

function prekeyShape(buf) {
  const f = pbFields(buf.subarray(1));
  const inner = f.find((x) => x.field === 4);
  return {
    byte0: buf[0].toString(16),
    fields: f.map((x) => (x.wt === 0 ? `${x.field}:varint` : `${x.field}:${x.v.length}B`)).join(' '),
    inner: inner ? signalShape(Buffer.from(inner.v)) : null,
  };
}

const x2h = (b) => Buffer.from(b).toString('hex');
const h2b = (h) => Buffer.from(h, 'hex');
const shape = (kind, hex) => {
  try {
    return kind === 'prekey' ? prekeyShape(h2b(hex)) : signalShape(h2b(hex));
  } catch (e) {
    return { error: e.message };
  }
};
// The parts of a shape that must agree between implementations (counters are per-message).
const shapeKey = (kind, hex) => {
  const s = shape(kind, hex);
  if (kind === 'prekey' && s.inner) return JSON.stringify({ byte0: s.byte0, fields: s.fields, inner: { byte0: s.inner.byte0, fields: s.inner.fields.replace(/4:\d+B$/, '4:*B'), rk: s.inner.ratchetKeyPrefix } });
  if (s.fields) return JSON.stringify({ byte0: s.byte0, fields: s.fields.replace(/4:\d+B$/, '4:*B'), rk: s.ratchetKeyPrefix });
  return JSON.stringify(s);
};

// ---------------------------------------------------------------------------------------------
// Checks and reporting

const results = [];
let currentPairing = '';
function record(ok, step, detail) {
  results.push({ ok, pairing: currentPairing, step, detail });
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${step}${detail ? ` — ${detail}` : ''}`);
}
// Spec and libsignal decide differently on a (malformed or unusual) input both could see.
const divergences = [];
function diverge(step, detail) {
  divergences.push({ pairing: currentPairing, step, detail });
  console.log(`  DIVERGE ${step} — ${detail}`);
}
const notes = [];
function note(text) {
  notes.push(`[${currentPairing}] ${text}`);
  console.log(`  note ${text}`);
}

class Side {
  constructor(proc, name, peerName) {
    this.proc = proc;
    this.name = name; // "alice" / "bob": the address the *other* side uses for us
    this.peerName = peerName;
  }
  get impl() {
    return this.proc.label;
  }
}

const pt = (s) => x2h(Buffer.from(s, 'utf8'));

async function send(from, text, wantKind) {
  const r = await from.proc.request('encrypt', { party: from.party, peer: from.peerName, plaintext: pt(text) });
  if (r.error) {
    record(false, `${from.name}(${from.impl}) encrypt "${text}"`, `${r.error.class}: ${r.error.detail}`);
    return null;
  }
  const m = { text, kind: r.ok.kind, message: r.ok.message, from: from.impl };
  if (wantKind && r.ok.kind !== wantKind) record(false, `${from.name}(${from.impl}) encrypt "${text}"`, `kind ${r.ok.kind}, expected ${wantKind}`);
  else if (verbose) record(true, `${from.name}(${from.impl}) encrypt "${text}" → ${r.ok.kind}`);
  shapes.push({ impl: from.impl, kind: m.kind, hex: m.message, text });
  return m;
}

// expect: 'ok' or an error class. Returns the reply.
async function deliver(to, m, expect = 'ok', label = null, bytes = null) {
  if (!m) {
    record(false, `${to.name}(${to.impl}) decrypt`, 'no message (encrypt failed earlier)');
    return null;
  }
  const what = label || `"${m.text}"`;
  const r = await to.proc.request('decrypt', { party: to.party, peer: to.peerName, kind: m.kind, message: bytes || m.message });
  const step = `${to.name}(${to.impl}) decrypt ${what} [${m.kind} from ${m.from}]`;
  if (expect === 'ok') {
    if (r.error) record(false, step, `${r.error.class}: ${r.error.detail}\n        message: ${bytes || m.message}`);
    else if (r.ok.plaintext !== pt(m.text)) record(false, step, `plaintext ${r.ok.plaintext}, expected ${pt(m.text)}`);
    else record(true, step);
  } else if (r.error) {
    record(r.error.class === expect, `${step} → ${expect}`, r.error.class === expect ? '' : `got ${r.error.class}: ${r.error.detail}`);
  } else {
    record(false, `${step} → ${expect}`, `accepted (plaintext ${r.ok.plaintext})`);
  }
  return r;
}

// Flip a bit of the MAC of a SignalMessage (for a prekey message: of the embedded one).
function tamperMac(hex, kind = 'normal') {
  if (kind === 'prekey') {
    return prekeyEdit(hex, (f) => f.map((x) => (x.field === 4 ? { ...x, v: h2b(tamperMac(x2h(x.v))) } : x)));
  }
  const b = h2b(hex);
  b[b.length - 1] ^= 0x01;
  return x2h(b);
}

function tamperCiphertext(kind, hex) {
  const b = h2b(hex);
  // flip a bit 12 bytes before the end: inside the AES-CBC ciphertext (the MAC is the last 8)
  b[b.length - 12] ^= 0x80;
  return x2h(b);
}

let shapes = [];

// ---------------------------------------------------------------------------------------------
// The scripted conversation

async function setup(aProc, bProc, { withOtk }) {
  await aProc.ok('reset');
  if (bProc !== aProc) await bProc.ok('reset');
  const A = new Side(aProc, 'alice', 'bob');
  const B = new Side(bProc, 'bob', 'alice');
  const pa = await aProc.ok('create_party', { profile: 'signal-v3', header_encryption: false, registration_id: 1111 });
  const pb = await bProc.ok('create_party', { profile: 'signal-v3', header_encryption: false, registration_id: 2222 });
  A.party = pa.party;
  A.identity = pa.identity_key;
  B.party = pb.party;
  B.identity = pb.identity_key;
  const bundleReq = { party: B.party, signed_prekey_id: 7 };
  if (withOtk) bundleReq.one_time_prekey_id = 11;
  const bundle = await bProc.ok('create_bundle', bundleReq);
  const r = await aProc.request('initiate', { party: A.party, peer: A.peerName, bundle });
  record(!r.error, `alice(${A.impl}) initiate with bob(${B.impl})'s bundle${withOtk ? ' (with one-time prekey)' : ' (no one-time prekey)'}`, r.error ? `${r.error.class}: ${r.error.detail}\n        bundle: ${JSON.stringify(bundle)}` : '');
  if (r.error) return null;
  return { A, B, bundle };
}

async function conversation(aProc, bProc, withOtk) {
  const s = await setup(aProc, bProc, { withOtk });
  if (!s) return;
  const { A, B } = s;

  // X3DH: Alice's first messages are prekey messages until she hears back.
  const a0 = await send(A, 'a0 hello bob', 'prekey');
  const a1 = await send(A, 'a1 second before reply', 'prekey');
  await deliver(B, a0);
  // Bob answers on his new ratchet.
  const b0 = await send(B, 'b0 hi alice', 'normal');
  await deliver(A, b0);
  // Alice heard back: normal messages from now on, on a new sending chain.
  const a2 = await send(A, 'a2 after reply', 'normal');
  const a3 = await send(A, 'a3', 'normal');
  const a4 = await send(A, 'a4', 'normal');
  await deliver(B, a4, 'ok', '"a4" (skips a2, a3)');
  await deliver(B, a2, 'ok', '"a2" (skipped key)');
  const b1 = await send(B, 'b1', 'normal');
  const b2 = await send(B, 'b2', 'normal');
  await deliver(A, b2, 'ok', '"b2" (skips b1)');
  const a5 = await send(A, 'a5 new chain', 'normal');
  await deliver(B, a5);
  await deliver(B, a3, 'ok', '"a3" (late, on an older receiving chain)');
  await deliver(B, a1, 'ok', '"a1" (late prekey message, first chain)');
  await deliver(A, b1, 'ok', '"b1" (late, older chain)');
  // Replays while their chains are still kept.
  await deliver(B, a2, 'duplicate_message', 'replayed "a2"');
  await deliver(A, b1, 'duplicate_message', 'replayed "b1"');
  await deliver(B, a0, 'duplicate_message', 'replayed first prekey message "a0" (its session and chain still current)');

  // Several more DH ratchet steps with reversed delivery inside each chain.
  const late = [];
  const ROUNDS = 6;
  for (let round = 0; round < ROUNDS; round++) {
    const xs = [];
    for (let i = 0; i < 3; i++) xs.push(await send(A, `r${round} a${i}`, 'normal'));
    await deliver(B, xs[2], 'ok', `"r${round} a2" (first of round)`);
    await deliver(B, xs[0]);
    late.push([B, xs[1]]);
    const ys = [];
    for (let i = 0; i < 3; i++) ys.push(await send(B, `r${round} b${i}`, 'normal'));
    await deliver(A, ys[1], 'ok', `"r${round} b1" (first of round)`);
    await deliver(A, ys[2]);
    late.push([A, ys[0]]);
  }
  // Messages held back across those ratchet steps. Receiving chains are capped (libsignal: 5),
  // so deliver the newest late ones (within the last two rounds) as ok.
  for (const [side, m] of late.slice(-4)) await deliver(side, m, 'ok', `"${m.text}" (held back across ratchet steps)`);
  // Older ones may sit on evicted receiving chains (libsignal keeps 5): compare spec and libsignal (see compareOutcomes).
  for (const [side, m] of late.slice(0, -4)) {
    const r = await side.proc.request('decrypt', { party: side.party, peer: side.peerName, kind: m.kind, message: m.message });
    observe(`late: "${m.text}" held back for ${ROUNDS - Number(m.text[1])} DH ratchet rounds${withOtk ? '' : ' (no-otk)'}`, side.impl, r);
  }

  // Replays (the first prekey message's chain has been evicted by now).
  {
    const r = await B.proc.request('decrypt', { party: B.party, peer: B.peerName, kind: a0.kind, message: a0.message });
    const got = r.error ? r.error.class : 'accepted';
    observe(`late: replayed first prekey message "a0" after ${ROUNDS} more DH ratchet rounds${withOtk ? '' : ' (no-otk)'}`, B.impl, r);
    record(!!r.error, `bob(${B.impl}) rejects replayed first prekey message "a0" after ${ROUNDS} more DH ratchet rounds`, r.error ? `(${got})` : 'accepted');
  }

  // Tampering; a failed decrypt must leave the state as it was.
  const a6 = await send(A, 'a6 to be tampered', 'normal');
  await deliver(B, a6, 'auth_failure', 'a6 with flipped MAC bit', tamperMac(a6.message));
  await deliver(B, a6, 'auth_failure', 'a6 with flipped ciphertext bit', tamperCiphertext(a6.kind, a6.message));
  await deliver(B, a6, 'ok', '"a6" untampered after the failures');
  const b3 = await send(B, 'b3 to be tampered', 'normal');
  await deliver(A, b3, 'auth_failure', 'b3 with flipped MAC bit', tamperMac(b3.message));
  await deliver(A, b3, 'ok', '"b3" untampered after the failure');

  // Snapshot / restore on both sides.
  for (const [X, Y] of [
    [B, A],
    [A, B],
  ]) {
    const snap = await X.proc.ok('snapshot', { party: X.party });
    const m1 = await send(Y, `${Y.name} before restore`, 'normal');
    await deliver(X, m1);
    await X.proc.ok('restore', { party: X.party, snapshot: snap.snapshot });
    await deliver(X, m1, 'ok', `"${m1.text}" again after restore`);
    await X.proc.ok('restore', { party: X.party, snapshot: snap.snapshot });
    await deliver(X, m1, 'ok', `"${m1.text}" again after a second restore of the same snapshot`);
    await deliver(X, m1, 'duplicate_message', `replayed "${m1.text}"`);
    const m2 = await send(X, `${X.name} after restore`, 'normal');
    await deliver(Y, m2);
  }
}

// Each side must accept the other's bundles (XEdDSA signatures over the signed prekey) for
// many fresh keys: libsignal's sign bit lives in sig[63] bit 7, so a mismatch would show in
// about half of the cases.
async function signatures(aProc, bProc, n) {
  await aProc.ok('reset');
  if (bProc !== aProc) await bProc.ok('reset');
  const pa = await aProc.ok('create_party', { profile: 'signal-v3', header_encryption: false, registration_id: 1 });
  let rejected = [];
  let signBits = 0;
  for (let i = 0; i < n; i++) {
    const pb = await bProc.ok('create_party', { profile: 'signal-v3', header_encryption: false, registration_id: 2 });
    const bundle = await bProc.ok('create_bundle', { party: pb.party, signed_prekey_id: 1 });
    signBits += h2b(bundle.signed_prekey_signature)[63] >> 7;
    const r = await aProc.request('initiate', { party: pa.party, peer: `bob${i}`, bundle });
    if (r.error) rejected.push({ bundle, error: r.error });
  }
  record(rejected.length === 0, `${aProc.label} accepts ${n} fresh ${bProc.label} bundles (signatures with sign bit set: ${signBits}/${n})`,
    rejected.length ? `${rejected.length} rejected, first: ${rejected[0].error.class}: ${rejected[0].error.detail}\n        bundle: ${JSON.stringify(rejected[0].bundle)}` : '');
  // A corrupted signature must be rejected as bad_signature.
  const pb = await bProc.ok('create_party', { profile: 'signal-v3', header_encryption: false, registration_id: 2 });
  const bundle = await bProc.ok('create_bundle', { party: pb.party, signed_prekey_id: 1 });
  const sig = h2b(bundle.signed_prekey_signature);
  sig[5] ^= 0x01;
  const r = await aProc.request('initiate', { party: pa.party, peer: 'bad', bundle: { ...bundle, signed_prekey_signature: x2h(sig) } });
  record(r.error && r.error.class === 'bad_signature', `${aProc.label} rejects a ${bProc.label} bundle with a corrupted signature → bad_signature`, r.error ? `${r.error.class}` : 'accepted');
}

// Both implementations import the same identity key: the reported public keys must agree.
async function importKeys(specProc, libProc) {
  const priv = 'eb'.repeat(16) + '36'.repeat(16);
  await specProc.ok('reset');
  await libProc.ok('reset');
  const s = await specProc.ok('create_party', { profile: 'signal-v3', header_encryption: false, identity_private: priv, registration_id: 5 });
  const l = await libProc.ok('create_party', { profile: 'signal-v3', header_encryption: false, identity_private: priv, registration_id: 5 });
  record(s.identity_key === l.identity_key, 'imported identity_private gives the same identity_key', s.identity_key === l.identity_key ? '' : `spec ${s.identity_key} lib ${l.identity_key}`);
  const spkPriv = '11'.repeat(32);
  const otkPriv = '22'.repeat(32);
  const req = { signed_prekey_id: 3, signed_prekey_private: spkPriv, one_time_prekey_id: 4, one_time_prekey_private: otkPriv };
  const sb = await specProc.ok('create_bundle', { party: s.party, ...req });
  const lb = await libProc.ok('create_bundle', { party: l.party, ...req });
  const same = ['identity_key', 'registration_id', 'signed_prekey_id', 'signed_prekey', 'one_time_prekey_id', 'one_time_prekey'].filter((k) => sb[k] !== lb[k]);
  record(same.length === 0, 'imported prekeys give the same bundle (all but the randomized signature)', same.map((k) => `${k}: spec ${sb[k]} lib ${lb[k]}`).join('; '));
}

// ---------------------------------------------------------------------------------------------
// Malformed and mutated messages: the same mutation, applied to a valid message, is delivered
// to a spec receiver and to a libsignal receiver; their outcomes are compared. A different
// accept/reject decision is a DIVERGE line (a failure with --strict); a different error
// class only a note.

function pbVarint(n) {
  const o = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    o.push(b);
  } while (v);
  return Buffer.from(o);
}
function pbEncode(fields) {
  return Buffer.concat(
    fields.map((f) =>
      f.wt === 0
        ? Buffer.concat([pbVarint((f.field << 3) | 0), pbVarint(f.v)])
        : Buffer.concat([pbVarint((f.field << 3) | 2), pbVarint(f.v.length), Buffer.from(f.v)]),
    ),
  );
}
// Rewrite the protobuf of a prekey message: fn(fields) -> fields.
function prekeyEdit(hex, fn) {
  const b = h2b(hex);
  return x2h(Buffer.concat([b.subarray(0, 1), pbEncode(fn(pbFields(b.subarray(1))))]));
}
function setField(fields, n, v) {
  const out = fields.filter((f) => f.field !== n);
  out.push({ field: n, wt: typeof v === 'number' ? 0 : 2, v });
  return out.sort((x, y) => x.field - y.field);
}
const byteEdit = (hex, fn) => {
  const b = Buffer.from(h2b(hex));
  return x2h(fn(b) || b);
};

const PREKEY_MUTATIONS = [
  ['prekey: empty', () => ''],
  ['prekey: outer version byte 0x33', (h) => byteEdit(h, (b) => void (b[0] = 0x33))],
  ['prekey: outer version byte 0x44', (h) => byteEdit(h, (b) => void (b[0] = 0x44))],
  ['prekey: outer version byte 0x24', (h) => byteEdit(h, (b) => void (b[0] = 0x24))],
  ['prekey: truncated protobuf', (h) => h.slice(0, h.length - 20)],
  ['prekey: unknown signed prekey id', (h) => prekeyEdit(h, (f) => setField(f, 6, 999))],
  ['prekey: unknown one-time prekey id', (h) => prekeyEdit(h, (f) => setField(f, 1, 999))],
  ['prekey: one-time prekey id removed', (h) => prekeyEdit(h, (f) => f.filter((x) => x.field !== 1))],
  ['prekey: base key type byte 0x06', (h) => prekeyEdit(h, (f) => f.map((x) => (x.field === 2 ? { ...x, v: Buffer.concat([Buffer.from([6]), x.v.subarray(1)]) } : x)))],
  ['prekey: base key 32 bytes (no type byte)', (h) => prekeyEdit(h, (f) => f.map((x) => (x.field === 2 ? { ...x, v: x.v.subarray(1) } : x)))],
  ['prekey: base key with a trailing byte', (h) => prekeyEdit(h, (f) => f.map((x) => (x.field === 2 ? { ...x, v: Buffer.concat([x.v, Buffer.from([0])]) } : x)))],
  ['prekey: identity key with a trailing byte', (h) => prekeyEdit(h, (f) => f.map((x) => (x.field === 3 ? { ...x, v: Buffer.concat([x.v, Buffer.from([0])]) } : x)))],
  ['prekey: other base key (bit flip)', (h) => prekeyEdit(h, (f) => f.map((x) => (x.field === 2 ? { ...x, v: Buffer.from(x.v).fill(x.v[5] ^ 1, 5, 6) } : x)))],
  ['prekey: inner MAC bit flip', (h) => tamperMac(h, 'prekey')],
  ['prekey: signed prekey id field bit flip (unauthenticated wrapper)', (h) => prekeyEdit(h, (f) => f.map((x) => (x.field === 6 ? { ...x, v: x.v ^ 1 } : x)))],
  ['prekey: inner version byte 0x33', (h) => prekeyEdit(h, (f) => f.map((x) => (x.field === 4 ? { ...x, v: Buffer.concat([Buffer.from([0x33]), x.v.subarray(1)]) } : x)))],
  ['prekey: registration id changed', (h) => prekeyEdit(h, (f) => setField(f, 5, 4242))],
  ['prekey: registration id removed', (h) => prekeyEdit(h, (f) => f.filter((x) => x.field !== 5))],
  ['prekey: unknown field 15 appended', (h) => prekeyEdit(h, (f) => [...f, { field: 15, wt: 0, v: 1 }])],
];

const NORMAL_MUTATIONS = [
  ['normal: empty', () => ''],
  ['normal: 8 bytes', (h) => h.slice(0, 16)],
  ['normal: version byte 0x33', (h) => byteEdit(h, (b) => void (b[0] = 0x33))],
  ['normal: version byte 0x44', (h) => byteEdit(h, (b) => void (b[0] = 0x44))],
  ['normal: version byte 0x24', (h) => byteEdit(h, (b) => void (b[0] = 0x24))],
  ['normal: version byte 0x54', (h) => byteEdit(h, (b) => void (b[0] = 0x54))],
  ['normal: ratchet key type byte 0x06', (h) => byteEdit(h, (b) => void (b[3] = 0x06))],
  ['normal: protobuf tag byte 0xff', (h) => byteEdit(h, (b) => void (b[1] = 0xff))],
  ['normal: MAC bit flip', (h) => tamperMac(h)],
  ['normal: MAC truncated by one byte', (h) => h.slice(0, h.length - 2)],
  ['normal: one byte appended', (h) => h + '00'],
  ['normal: ciphertext bit flip', (h) => tamperCiphertext('normal', h)],
  ['normal: counter +1', (h) => byteEdit(h, (b) => void (b[37] += 1))],
  ['normal: previous counter +1', (h) => byteEdit(h, (b) => void (b[39] += 1))],
];

const outcomes = new Map(); // mutation -> { receiverImpl: outcome }
function observe(name, receiverImpl, r, messageHex = null) {
  const o = r.error ? `${r.error.class}` : 'accepted';
  if (!outcomes.has(name)) outcomes.set(name, {});
  outcomes.get(name)[receiverImpl] = { o, detail: r.error ? r.error.detail : `plaintext ${r.ok.plaintext}`, message: messageHex };
  if (verbose) console.log(`  obs  ${name} → ${receiverImpl}: ${o}${r.error ? ` (${r.error.detail})` : ''}`);
}

async function mutations(aProc, bProc) {
  const s = await setup(aProc, bProc, { withOtk: true });
  if (!s) return;
  const { A, B } = s;
  const a0 = await send(A, 'a0 hello bob', 'prekey');
  for (const [name, fn] of PREKEY_MUTATIONS) {
    // Each mutation runs against the state before it: snapshot and restore Bob.
    const snap = await B.proc.ok('snapshot', { party: B.party });
    const message = fn(a0.message);
    const r = await B.proc.request('decrypt', { party: B.party, peer: B.peerName, kind: 'prekey', message });
    observe(name, B.impl, r, message);
    await B.proc.ok('restore', { party: B.party, snapshot: snap.snapshot });
  }
  await deliver(B, a0, 'ok', '"a0" after the prekey mutations');
  {
    const r = await B.proc.request('decrypt', { party: B.party, peer: B.peerName, kind: 'prekey', message: a0.message });
    observe('prekey: replay of the first prekey message right after it', B.impl, r);
  }
  {
    const a1 = await send(A, 'a1 still prekey', 'prekey');
    const r = await B.proc.request('decrypt', { party: B.party, peer: B.peerName, kind: 'normal', message: a1.message });
    observe('kind: prekey message sent as kind normal', B.impl, r);
    await deliver(B, a1, 'ok', '"a1" as prekey after the kind confusion');
  }
  const b0 = await send(B, 'b0', 'normal');
  {
    const r = await A.proc.request('decrypt', { party: A.party, peer: A.peerName, kind: 'prekey', message: b0.message });
    observe('kind: normal message sent as kind prekey', A.impl, r);
  }
  await deliver(A, b0);
  const a2 = await send(A, 'a2 normal', 'normal');
  for (const [name, fn] of NORMAL_MUTATIONS) {
    const message = fn(a2.message);
    const r = await B.proc.request('decrypt', { party: B.party, peer: B.peerName, kind: 'normal', message });
    observe(name, B.impl, r, message);
  }
  await deliver(B, a2, 'ok', '"a2" untampered after the normal mutations');
  {
    const r = await B.proc.request('decrypt', { party: B.party, peer: B.peerName, kind: 'normal', message: a2.message });
    observe('normal: replay', B.impl, r);
  }
  {
    const r = await B.proc.request('decrypt', { party: B.party, peer: 'mallory', kind: 'normal', message: a2.message });
    observe('normal: from a peer without a session', B.impl, r);
  }
}


// Variants of a valid first message whose inner SignalMessage is re-encoded and re-MAC'd
// (and, for padding, re-encrypted) with the right keys: what a different but honest sender
// could emit, e.g. a legacy sender (old Java/JS libsignal writes version byte 0x33 and MACs
// it). Alice is a spec party whose randomness is injected, so this script knows every secret
// and re-derives the message keys the libsignal way (research §1-§3). Each variant goes to a
// fresh Bob (spec or libsignal) and the outcomes are compared.
const nodeCrypto = require('crypto');
function x25519(priv32, pub32) {
  const priv = nodeCrypto.createPrivateKey({ key: Buffer.concat([h2b('302e020100300506032b656e04220420'), priv32]), format: 'der', type: 'pkcs8' });
  const pub = nodeCrypto.createPublicKey({ key: Buffer.concat([h2b('302a300506032b656e032100'), pub32]), format: 'der', type: 'spki' });
  return nodeCrypto.diffieHellman({ privateKey: priv, publicKey: pub });
}
const hkdf = (ikm, salt, info, len) => Buffer.from(nodeCrypto.hkdfSync('sha256', ikm, salt || Buffer.alloc(0), Buffer.from(info), len));
const hmac = (k, d) => nodeCrypto.createHmac('sha256', k).update(d).digest();
const d33 = (raw) => Buffer.concat([Buffer.from([5]), raw]);
const aesCbc = (key, iv, data, pad) => {
  const c = nodeCrypto.createCipheriv('aes-256-cbc', key, iv);
  c.setAutoPadding(pad);
  return Buffer.concat([c.update(data), c.final()]);
};

// Each variant: (innerFields, keys) -> { byte0?, outerByte0?, fields?, raw? }.
const REMAC_VARIANTS = [
  ['remac: unchanged (control)', () => ({})],
  ['remac: legacy version bytes 0x33 (outer and inner), MAC over 0x33', () => ({ byte0: 0x33, outerByte0: 0x33 })],
  ['remac: inner version byte 0x33 only, MAC over 0x33', () => ({ byte0: 0x33 })],
  ['remac: inner fields in reverse order', (f) => ({ fields: [...f].reverse() })],
  ['remac: inner unknown field 9 appended', (f) => ({ fields: [...f, { field: 9, wt: 0, v: 7 }] })],
  ['remac: inner counter given twice (5, then the real 0)', (f) => ({ fields: [f[0], { field: 2, wt: 0, v: 5 }, ...f.slice(1)] })],
  ['remac: inner previous_counter omitted', (f) => ({ fields: f.filter((x) => x.field !== 3) })],
  ['remac: inner ratchet key with a trailing byte', (f) => ({ fields: f.map((x) => (x.field === 1 ? { ...x, v: Buffer.concat([x.v, Buffer.from([0])]) } : x)) })],
  ['remac: inner counter as a non-minimal varint', (f) => ({ raw: (enc) => enc.replace(/^(.*?0a21[0-9a-f]{66})1000/, '$1108000') })],
  ['remac: inner ciphertext empty', (f) => ({ fields: f.map((x) => (x.field === 4 ? { ...x, v: Buffer.alloc(0) } : x)) })],
  ['remac: inner ciphertext with bad PKCS#7 padding', (f, k) => ({ fields: f.map((x) => (x.field === 4 ? { ...x, v: aesCbc(k.cipher, k.iv, Buffer.alloc(16, 0), false) } : x)) })],
  ['remac: inner ciphertext 15 bytes', (f) => ({ fields: f.map((x) => (x.field === 4 ? { ...x, v: x.v.subarray(0, 15) } : x)) })],
  ['remac: empty plaintext (16 bytes of padding)', (f, k) => ({ fields: f.map((x) => (x.field === 4 ? { ...x, v: aesCbc(k.cipher, k.iv, Buffer.alloc(0), true) } : x)) })],
];

async function remacVariants(specProc, bProc) {
  await specProc.ok('reset');
  if (bProc !== specProc) await bProc.ok('reset');
  const ik = Buffer.alloc(32, 0x41);
  const ek = Buffer.alloc(32, 0x42);
  const a1 = Buffer.alloc(32, 0x43);
  const pa = await specProc.ok('create_party', { profile: 'signal-v3', header_encryption: false, identity_private: x2h(ik), registration_id: 1 });
  const pb = await bProc.ok('create_party', { profile: 'signal-v3', header_encryption: false, registration_id: 2 });
  const bundle = await bProc.ok('create_bundle', { party: pb.party, signed_prekey_id: 1, one_time_prekey_id: 2 });
  await specProc.ok('initiate', { party: pa.party, peer: 'bob', bundle, base_key_private: x2h(ek), ratchet_private: x2h(a1) });
  const enc = await specProc.ok('encrypt', { party: pa.party, peer: 'bob', plaintext: pt('legacy'), ratchet_private: x2h(Buffer.alloc(32, 0x44)) });
  // libsignal's X3DH and first sending chain of Alice, message keys for counter 0.
  const spk = h2b(bundle.signed_prekey);
  const ikb = h2b(bundle.identity_key);
  const secrets = Buffer.concat([Buffer.alloc(32, 0xff), x25519(ik, spk), x25519(ek, ikb), x25519(ek, spk), x25519(ek, h2b(bundle.one_time_prekey))]);
  const okm = hkdf(secrets, null, 'WhisperText', 64);
  const ck = hkdf(x25519(a1, spk), okm.subarray(0, 32), 'WhisperRatchet', 64).subarray(32);
  const mk = hkdf(hmac(ck, Buffer.from([1])), null, 'WhisperMessageKeys', 80);
  const keys = { cipher: mk.subarray(0, 32), mac: mk.subarray(32, 64), iv: mk.subarray(64, 80) };
  const ad = Buffer.concat([d33(h2b(pa.identity_key)), d33(ikb)]);
  const outer = pbFields(h2b(enc.message).subarray(1));
  const inner = Buffer.from(outer.find((f) => f.field === 4).v);
  const body = inner.subarray(0, inner.length - 8);
  const macOk = hmac(keys.mac, Buffer.concat([ad, body])).subarray(0, 8).equals(inner.subarray(inner.length - 8));
  record(macOk, `re-derived the message keys of a spec prekey message (bob=${bProc.label})`);
  if (!macOk) return;
  const innerFields = pbFields(body.subarray(1));
  for (const [name, fn] of REMAC_VARIANTS) {
    const v = fn(innerFields, keys);
    let newBody = Buffer.concat([Buffer.from([v.byte0 ?? body[0]]), v.fields ? pbEncode(v.fields) : body.subarray(1)]);
    if (v.raw) newBody = h2b(v.raw(x2h(newBody)));
    const newInner = Buffer.concat([newBody, hmac(keys.mac, Buffer.concat([ad, newBody])).subarray(0, 8)]);
    const msg = Buffer.concat([Buffer.from([v.outerByte0 ?? 0x34]), pbEncode(outer.map((f) => (f.field === 4 ? { ...f, v: newInner } : f)))]);
    const snap = await bProc.ok('snapshot', { party: pb.party });
    const r = await bProc.request('decrypt', { party: pb.party, peer: 'alice', kind: 'prekey', message: x2h(msg) });
    observe(name, bProc.label, r, x2h(msg));
    await bProc.ok('restore', { party: pb.party, snapshot: snap.snapshot });
  }
}

// The forward-jump limit: libsignal refuses counter - chain_index > 25000; the spec's
// signal-v3 max_skip is 25000. Also checks which skipped keys survive (2000 per chain).
async function jumps(aProc, bProc) {
  const s = await setup(aProc, bProc, { withOtk: false });
  if (!s) return;
  const { A, B } = s;
  const a0 = await send(A, 'j0', 'prekey');
  await deliver(B, a0);
  const b0 = await send(B, 'jb0', 'normal');
  await deliver(A, b0);
  const N = 25003;
  const ms = [];
  for (let i = 0; i < N; i++) {
    const r = await A.proc.request('encrypt', { party: A.party, peer: A.peerName, plaintext: x2h(Buffer.from(`j${i}`)) });
    if (r.error) {
      record(false, `jump: encrypt #${i}`, `${r.error.class}: ${r.error.detail}`);
      return;
    }
    ms.push({ text: `j${i}`, kind: r.ok.kind, message: r.ok.message, from: A.impl });
  }
  await deliver(B, ms[0], 'ok', 'jump: first message of the chain (chain index → 1)');
  const obs = async (label, m) => {
    const r = await B.proc.request('decrypt', { party: B.party, peer: B.peerName, kind: m.kind, message: m.message });
    observe(label, B.impl, r);
  };
  await obs('jump: counter 25002 after counter 0 (gap 25001)', ms[25002]);
  await obs('jump: counter 25001 after counter 0 (gap 25000)', ms[25001]);
  await obs('jump: skipped counter 1 (oldest, beyond 2000 kept keys)', ms[1]);
  await obs('jump: skipped counter 23001 (oldest kept of 2000)', ms[23001]);
  await obs('jump: skipped counter 23000 (just beyond 2000 kept keys)', ms[23000]);
  await obs('jump: skipped counter 25000 (newest kept)', ms[25000]);
}

function compareOutcomes() {
  currentPairing = 'mutations';
  console.log('\n== mutated messages: spec receiver vs libsignal receiver ==');
  const classDiffs = [];
  for (const [name, by] of outcomes) {
    const spec = by.spec;
    const lib = by.libsignal;
    if (!spec || !lib) {
      record(false, name, `missing outcome (spec ${spec && spec.o}, libsignal ${lib && lib.o})`);
      continue;
    }
    const accSame = (spec.o === 'accepted') === (lib.o === 'accepted');
    const line = `spec ${spec.o}${spec.o === 'accepted' ? '' : ` (${spec.detail})`} | libsignal ${lib.o} (${lib.detail})`;
    const msgs = [['spec', spec], ['libsignal', lib]].filter(([, x]) => x.message).map(([k, x]) => `\n        message to ${k}: ${x.message}`).join('');
    if (!accSame) diverge(`${name}: accept/reject differs`, line + msgs);
    else if (spec.o !== lib.o) {
      record(true, `${name}: both reject, classes differ`, line);
      classDiffs.push(`${name}: ${line}`);
    } else record(true, `${name}: both ${spec.o}`);
  }
  if (classDiffs.length) note(`error classes differ (both reject):\n    ${classDiffs.join('\n    ')}`);
}

function compareShapes() {
  currentPairing = 'wire shape';
  console.log('\n== wire shape: spec vs libsignal messages ==');
  for (const kind of ['prekey', 'normal']) {
    const byImpl = {};
    for (const s of shapes.filter((x) => x.kind === kind)) {
      (byImpl[s.impl] = byImpl[s.impl] || new Map()).set(shapeKey(kind, s.hex), s);
    }
    const spec = byImpl.spec ? [...byImpl.spec.keys()] : [];
    const lib = byImpl.libsignal ? [...byImpl.libsignal.keys()] : [];
    const onlySpec = spec.filter((k) => !lib.includes(k));
    const onlyLib = lib.filter((k) => !spec.includes(k));
    if (!spec.length || !lib.length) {
      record(false, `${kind} shapes`, 'not enough messages to compare');
      continue;
    }
    const ok = onlySpec.length === 0 && onlyLib.length === 0;
    record(ok, `${kind} message shapes agree (${spec.length} spec / ${lib.length} libsignal distinct shapes)`,
      ok ? '' : `only spec: ${onlySpec.join(' | ')}; only libsignal: ${onlyLib.join(' | ')}`);
    if (verbose || !ok) {
      for (const k of new Set([...spec, ...lib])) console.log(`        ${kind}: ${k}`);
    }
    // One example of each for the log.
    const ex = (impl) => byImpl[impl].values().next().value;
    console.log(`        e.g. spec      ${JSON.stringify(shape(kind, ex('spec').hex))}`);
    console.log(`        e.g. libsignal ${JSON.stringify(shape(kind, ex('libsignal').hex))}`);
  }
}

async function main() {
  if (!fs.existsSync(SPEC_BIN)) {
    console.error(`spec binary not found: ${SPEC_BIN} (cargo build -p e2ee-harness, or --spec PATH)`);
    process.exit(2);
  }
  const lib = new ShimProc('libsignal', process.execPath, [LIB_SHIM]);
  const spec = new ShimProc('spec', SPEC_BIN, ['shim', '--seed', String(Date.now() % 100000)]);
  try {
    for (const p of [lib, spec]) {
      const h = await p.ok('hello', { protocol: 1, minor: 1 });
      console.log(`${p.label}: ${h.name} ${h.version} profiles=${h.profiles} caps=${h.capabilities} classes=${h.error_classes}`);
    }
    const pairings = [
      [lib, lib],
      [spec, lib],
      [lib, spec],
    ];
    for (const [a, b] of pairings) {
      for (const withOtk of [true, false]) {
        currentPairing = `alice=${a.label} bob=${b.label}${withOtk ? '' : ' no-otk'}`;
        console.log(`\n== ${currentPairing} ==`);
        await conversation(a, b, withOtk);
      }
    }
    currentPairing = 'signatures';
    console.log('\n== signed prekey signatures ==');
    await signatures(spec, lib, 40);
    await signatures(lib, spec, 40);
    for (const [a, b] of [
      [lib, spec],
      [spec, lib],
    ]) {
      currentPairing = `mutations alice=${a.label} bob=${b.label}`;
      console.log(`\n== ${currentPairing} ==`);
      await mutations(a, b);
    }
    currentPairing = 're-MACed variants';
    console.log(`\n== ${currentPairing} ==`);
    await remacVariants(spec, spec);
    await remacVariants(spec, lib);
    if (!args.includes('--quick')) {
      for (const [a, b] of [
        [lib, spec],
        [spec, lib],
      ]) {
        currentPairing = `jumps alice=${a.label} bob=${b.label}`;
        console.log(`\n== ${currentPairing} ==`);
        await jumps(a, b);
      }
    }
    compareOutcomes();
    currentPairing = 'import-keys';
    console.log('\n== import-keys ==');
    await importKeys(spec, lib);
    compareShapes();
  } catch (e) {
    record(false, 'crosscheck aborted', e.stack || String(e));
  } finally {
    lib.close();
    spec.close();
  }
  const failed = results.filter((r) => !r.ok);
  console.log(`\n${results.length - failed.length} passed, ${failed.length} failed`);
  console.log(`${divergences.length} accept/reject divergences between spec and libsignal on unusual inputs${divergences.length ? ':' : ''}`);
  for (const d of divergences) console.log(`  [${d.pairing}] ${d.step}: ${d.detail}`);
  if (notes.length) console.log(`notes:\n  ${notes.join('\n  ')}`);
  if (failed.length) {
    console.log('failures:');
    for (const f of failed) console.log(`  [${f.pairing}] ${f.step}: ${f.detail}`);
  }
  process.exitCode = failed.length || (strict && divergences.length) ? 1 : 0;
}

main();
