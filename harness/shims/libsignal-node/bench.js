#!/usr/bin/env node
// A benchmark script, not a test: it times libsignal-client's session setup and one message,
// the operations `spec/benches/pqxdh.rs` times for the spec, so the two can be compared when
// run back to back. It asserts nothing and nothing runs it but a person:
//
//   node bench.js [--batches N] [--batch-ms MS] [--all-components]
//
// Configurations: 0.72.1 with X3DH (session version 3: a bundle without Kyber arguments) and
// with PQXDH (version 4), 0.79.0 with PQXDH (UsePQRatchet.No, as shim.js). Operations:
//
// - setup: Bob makes a signed prekey, a one-time prekey and (PQXDH) a one-time Kyber1024 key
//   pair (KEMKeyPair.generate), signs them and stores the records; Alice builds the
//   PreKeyBundle, processPreKeyBundle, signalEncrypt; Bob deserializes the prekey message and
//   signalDecryptPreKey. Identity keys are made once, outside the timing (as in the spec
//   bench); each iteration starts from empty stores built before the batch.
// - stream: on an acknowledged session, Alice -> Bob again on a chain Bob knows (no DH step).
// - ping-pong: Alice -> Bob then Bob -> Alice, each receiver performing a DH ratchet step;
//   reported per message (the pair's time halved).
//
// - group message: Sender Keys, as `harness/adapters/vodozemac/benches/group.rs` times the
//   spec's: Alice's SenderKeyDistributionMessage processed by Bob once, then per iteration
//   groupEncrypt by Alice and groupDecrypt by Bob of the next message (64-byte payload).
//
// Each operation is run for a calibrated number of iterations per batch (about --batch-ms
// long, default 300), in --batches batches (default 11, at least 7) after one warm-up batch;
// the report is the median of the batches' per-operation times, with their min and max.
// Timing is process.hrtime.bigint() around the whole batch. The stores keep libsignal's
// record objects in Maps (no serialization), so what is timed is libsignal, its Node bridge
// and the async store callbacks it makes.
'use strict';

const PACKAGES = {
  '0.72.1': { pqRatchetFlag: false },
  '0.79.0': { pqRatchetFlag: true },
};

function argValue(name, dflt) {
  const i = process.argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) {
    process.stderr.write(`bad value for ${name}\n`);
    process.exit(2);
  }
  return v;
}
const BATCHES = Math.max(7, Math.floor(argValue('--batches', 11)));
const BATCH_NS = BigInt(Math.floor(argValue('--batch-ms', 300) * 1e6));
// The components are measured once per package (with its first configuration) unless asked.
const WITH_COMPONENTS = process.argv.includes('--all-components');

// ---------------------------------------------------------------------------------------------
// In-memory stores over one party's state

function stores(S, identity, registrationId) {
  const st = {
    sessions: new Map(),
    identities: new Map(),
    preKeys: new Map(),
    signedPreKeys: new Map(),
    kyberPreKeys: new Map(),
  };
  class Sessions extends S.SessionStore {
    async saveSession(a, r) { st.sessions.set(a.toString(), r); }
    async getSession(a) { return st.sessions.get(a.toString()) ?? null; }
    async getExistingSessions(as) { return as.map((a) => st.sessions.get(a.toString())); }
  }
  class Identities extends S.IdentityKeyStore {
    async getIdentityKey() { return identity; }
    async getLocalRegistrationId() { return registrationId; }
    async saveIdentity(a, k) {
      const old = st.identities.get(a.toString());
      st.identities.set(a.toString(), k);
      return old && !Buffer.from(old.serialize()).equals(Buffer.from(k.serialize())) ? S.IdentityChange.ReplacedExisting : S.IdentityChange.NewOrUnchanged;
    }
    async isTrustedIdentity() { return true; }
    async getIdentity(a) { return st.identities.get(a.toString()) ?? null; }
  }
  class PreKeys extends S.PreKeyStore {
    async savePreKey(id, r) { st.preKeys.set(id, r); }
    async getPreKey(id) { return st.preKeys.get(id); }
    async removePreKey(id) { st.preKeys.delete(id); }
  }
  class SignedPreKeys extends S.SignedPreKeyStore {
    async saveSignedPreKey(id, r) { st.signedPreKeys.set(id, r); }
    async getSignedPreKey(id) { return st.signedPreKeys.get(id); }
  }
  class KyberPreKeys extends S.KyberPreKeyStore {
    async saveKyberPreKey(id, r) { st.kyberPreKeys.set(id, r); }
    async getKyberPreKey(id) { return st.kyberPreKeys.get(id); }
    // One-time Kyber prekeys, as in the spec bench: deleted once used (PQXDH §3.3).
    async markKyberPreKeyUsed(id) { st.kyberPreKeys.delete(id); }
  }
  return {
    identity,
    registrationId,
    session: new Sessions(),
    ident: new Identities(),
    preKey: new PreKeys(),
    signedPreKey: new SignedPreKeys(),
    kyberPreKey: new KyberPreKeys(),
  };
}

// ---------------------------------------------------------------------------------------------
// One configuration: a package and whether sessions are PQXDH

function config(version, pqxdh) {
  const S = require(`libsignal-client-${version}`);
  const loaded = require(`libsignal-client-${version}/package.json`).version;
  const pq = PACKAGES[version].pqRatchetFlag ? [S.UsePQRatchet.No] : [];
  const aliceAddr = S.ProtocolAddress.new('alice', 1);
  const bobAddr = S.ProtocolAddress.new('bob', 1);
  const aliceId = S.PrivateKey.generate();
  const bobId = S.PrivateKey.generate();
  const plaintext = Buffer.from('hello');
  const fresh = () => ({ alice: stores(S, aliceId, 1), bob: stores(S, bobId, 2) });

  async function setup({ alice, bob }) {
    const spk = S.PrivateKey.generate();
    const spkPub = spk.getPublicKey();
    const spkSig = bobId.sign(spkPub.serialize());
    await bob.signedPreKey.saveSignedPreKey(1, S.SignedPreKeyRecord.new(1, Date.now(), spkPub, spk, spkSig));
    const opk = S.PrivateKey.generate();
    const opkPub = opk.getPublicKey();
    await bob.preKey.savePreKey(2, S.PreKeyRecord.new(2, opkPub, opk));
    let kyberArgs = [];
    if (pqxdh) {
      const kp = S.KEMKeyPair.generate();
      const kpub = kp.getPublicKey();
      const ksig = bobId.sign(kpub.serialize());
      await bob.kyberPreKey.saveKyberPreKey(3, S.KyberPreKeyRecord.new(3, Date.now(), kp, ksig));
      kyberArgs = [3, kpub, ksig];
    }
    const bundle = S.PreKeyBundle.new(2, 1, 2, opkPub, 1, spkPub, spkSig, bobId.getPublicKey(), ...kyberArgs);
    await S.processPreKeyBundle(bundle, bobAddr, alice.session, alice.ident, ...pq);
    const ct = await S.signalEncrypt(plaintext, bobAddr, alice.session, alice.ident);
    const msg = S.PreKeySignalMessage.deserialize(ct.serialize());
    await S.signalDecryptPreKey(
      msg, aliceAddr, bob.session, bob.ident, bob.preKey, bob.signedPreKey, bob.kyberPreKey, ...pq,
    );
    return ct.serialize()[0]; // the version byte: 0x34 X3DH, 0x44 PQXDH
  }

  async function send(from, fromAddr, to, toAddr) {
    const ct = await S.signalEncrypt(plaintext, toAddr, from.session, from.ident);
    const bytes = ct.serialize();
    if (ct.type() === S.CiphertextMessageType.PreKey) {
      const msg = S.PreKeySignalMessage.deserialize(bytes);
      return S.signalDecryptPreKey(
        msg, fromAddr, to.session, to.ident, to.preKey, to.signedPreKey, to.kyberPreKey, ...pq,
      );
    }
    return S.signalDecrypt(S.SignalMessage.deserialize(bytes), fromAddr, to.session, to.ident);
  }

  // An acknowledged session, Bob knowing Alice's current sending chain (as the spec bench).
  async function established() {
    const p = fresh();
    await setup(p);
    await send(p.bob, bobAddr, p.alice, aliceAddr);
    await send(p.alice, aliceAddr, p.bob, bobAddr);
    return p;
  }

  // Sender Keys: one member's store of SenderKeyRecords, keyed by address and distribution id.
  class SenderKeys extends S.SenderKeyStore {
    constructor() { super(); this.records = new Map(); }
    async saveSenderKey(a, id, r) { this.records.set(`${a.toString()}/${id}`, r); }
    async getSenderKey(a, id) { return this.records.get(`${a.toString()}/${id}`) ?? null; }
  }
  const distributionId = 'd1b0a8f2-7c3e-4b5a-9e61-2f8d4c7a1b3e';
  const payload = Buffer.alloc(64, 0x42);
  async function group() {
    const alice = new SenderKeys();
    const bob = new SenderKeys();
    const skdm = await S.SenderKeyDistributionMessage.create(aliceAddr, distributionId, alice);
    await S.processSenderKeyDistributionMessage(aliceAddr, skdm, bob);
    return { alice, bob };
  }

  // The version byte of Alice's prekey message, so that the report says what was measured.
  async function versionByte() {
    return `0x${(await setup(fresh())).toString(16)}`;
  }

  // Context for the session numbers (not part of the comparison): native primitives called
  // synchronously, and the floor of one async session call whose single store callback
  // (getSession) finds nothing, so libsignal rejects it without doing any cryptography.
  const priv = S.PrivateKey.generate();
  const pub = S.PrivateKey.generate().getPublicKey();
  const empty = stores(S, aliceId, 1);
  const unknown = S.ProtocolAddress.new('nobody', 1);
  const sync = (f) => ({ perIter: 1, prepare: () => null, run: async () => { f(); } });
  const components = {
    'X25519 key generation (PrivateKey.generate)': sync(() => S.PrivateKey.generate()),
    'X25519 agreement (PrivateKey.agree)': sync(() => priv.agree(pub)),
    'XEdDSA signature (PrivateKey.sign)': sync(() => priv.sign(plaintext)),
    'Kyber1024 key generation (KEMKeyPair.generate)': sync(() => S.KEMKeyPair.generate()),
    'async call floor (signalEncrypt, no session)': {
      perIter: 1,
      prepare: () => null,
      run: () => S.signalEncrypt(plaintext, unknown, empty.session, empty.ident).then(() => {}, () => {}),
    },
  };

  return {
    components,
    label: `libsignal-client ${loaded} ${pqxdh ? 'PQXDH' : 'X3DH'}`,
    versionByte,
    ops: {
      'session setup': { perIter: 1, prepare: (n) => Array.from({ length: n }, fresh), run: (ps, i) => setup(ps[i]) },
      'stream message': {
        perIter: 1,
        prepare: async () => established(),
        run: (p) => send(p.alice, aliceAddr, p.bob, bobAddr),
      },
      'group message': {
        perIter: 1,
        prepare: async () => group(),
        run: async (g) => {
          const ct = await S.groupEncrypt(aliceAddr, distributionId, g.alice, payload);
          await S.groupDecrypt(aliceAddr, g.bob, ct.serialize());
        },
      },
      'ping-pong message': {
        perIter: 2,
        prepare: async () => established(),
        run: async (p) => {
          await send(p.alice, aliceAddr, p.bob, bobAddr);
          await send(p.bob, bobAddr, p.alice, aliceAddr);
        },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Timing

async function batch(op, n) {
  const state = await op.prepare(n);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await op.run(state, i);
  const t1 = process.hrtime.bigint();
  return Number(t1 - t0) / (n * op.perIter); // ns per operation
}

async function measure(op) {
  // Calibrate: grow n until a batch takes a tenth of the target, then scale; the calibration
  // batches are the warm-up.
  let n = 1;
  for (;;) {
    const perOp = await batch(op, n);
    const ns = perOp * n * op.perIter;
    if (ns * 10 >= Number(BATCH_NS)) {
      n = Math.max(1, Math.round((n * Number(BATCH_NS)) / ns));
      break;
    }
    n *= 4;
  }
  // A second estimate at that size, so that one slow calibration batch (a GC pause, a
  // neighbour's burst) does not leave the batches far shorter than asked.
  const again = (await batch(op, n)) * n * op.perIter;
  n = Math.max(n, Math.round((n * Number(BATCH_NS)) / again));
  const times = [];
  for (let b = 0; b < BATCHES; b++) times.push(await batch(op, n));
  times.sort((x, y) => x - y);
  return { n, median: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1] };
}

const fmt = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(3)} ms` : `${(ns / 1e3).toFixed(2)} µs`);

async function main() {
  const os = require('os');
  console.log(`node ${process.version}, ${os.cpus().length} cpus, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${BATCHES} batches of about ${Number(BATCH_NS) / 1e6} ms each; median (min..max) per operation\n`);
  const line = (name, width, r) =>
    console.log(`  ${name.padEnd(width)} ${fmt(r.median).padStart(11)}  (${fmt(r.min)} .. ${fmt(r.max)}; ${BATCHES} x ${r.n} iterations)`);
  const seen = new Set();
  for (const [version, pqxdh] of [['0.72.1', false], ['0.72.1', true], ['0.79.0', true]]) {
    const c = config(version, pqxdh);
    console.log(`${c.label} (prekey message version byte ${await c.versionByte()})`);
    for (const [name, op] of Object.entries(c.ops)) line(name, 18, await measure(op));
    if (!seen.has(version) || WITH_COMPONENTS) {
      seen.add(version);
      console.log('  components (context only):');
      for (const [name, op] of Object.entries(c.components)) line(`  ${name}`, 50, await measure(op));
    }
  }
  console.log(`\nload average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch((e) => {
  process.stderr.write(`bench: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
