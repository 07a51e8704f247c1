// Opens every ciphertext of franking/kat_committing_aead.json under both keys with Node's
// `crypto` (OpenSSL), a second implementation independent of the RustCrypto crates the
// generator and the spec use. Prints one JSON object: the Node and OpenSSL versions, and per
// test the plaintext under each key (hex), or null where opening failed. Judging is left to
// the caller (vectors/tests/committing_aead.rs).
'use strict';
const crypto = require('crypto');
const fs = require('fs');

const CIPHERS = { 'AES-256-GCM': 'aes-256-gcm', 'ChaCha20-Poly1305': 'chacha20-poly1305' };
const TAG_LEN = 16;

function open(aead, key, nonce, aad, sealed) {
  const name = CIPHERS[aead];
  if (!name) throw new Error(`unknown AEAD ${aead}`);
  const ct = sealed.subarray(0, sealed.length - TAG_LEN);
  const decipher = crypto.createDecipheriv(name, key, nonce, { authTagLength: TAG_LEN });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LEN));
  try {
    return Buffer.concat([decipher.update(ct), decipher.final()]).toString('hex');
  } catch (e) {
    return null; // "Unsupported state or unable to authenticate data": the tag did not verify
  }
}

const file = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const hex = (s) => Buffer.from(s, 'hex');
const results = [];
for (const group of file.testGroups) {
  for (const t of group.tests) {
    const args = [hex(t.nonce), hex(t.aad), hex(t.ct)];
    results.push({
      tcId: t.tcId,
      pt1: open(t.aead, hex(t.key1), ...args),
      pt2: open(t.aead, hex(t.key2), ...args),
    });
  }
}
process.stdout.write(JSON.stringify({
  node: process.version,
  openssl: process.versions.openssl,
  results,
}) + '\n');
