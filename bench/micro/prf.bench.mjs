// Which keyed PRF for pseudonyms: HMAC-SHA-256 or keyed BLAKE2s/BLAKE3 from
// @noble/hashes, or node:crypto's HMAC. Each computes a 128-bit pseudonym of
// a typical user id; all outputs are checked against node:crypto first.
import crypto from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { blake3 } from '@noble/hashes/blake3.js';
import { blake2s } from '@noble/hashes/blake2.js';
import { runSuite } from './suite.mjs';

const key = crypto.randomBytes(32);
const values = Array.from({ length: 1024 }, (_, i) => `user\0customer-${i * 7919}`);
const enc = new TextEncoder();
const input = new Uint8Array(256);
const out = new Uint8Array(32);
let i = 0;
const nextValue = () => values[i++ & 1023];
const b64 = (u8) => Buffer.from(u8.buffer, u8.byteOffset, 16).toString('base64url');

const preparedHmac = hmac.create(sha256, key);
let work;
const nobleHmac = (v) => {
  const n = enc.encodeInto(v, input).written;
  work = preparedHmac._cloneInto(work);
  work.update(input.subarray(0, n));
  work.digestInto(out);
  return b64(out);
};
const preparedB3 = blake3.create({ key, dkLen: 32 });
let w3;
const nobleBlake3 = (v) => {
  const n = enc.encodeInto(v, input).written;
  w3 = preparedB3._cloneInto(w3);
  w3.update(input.subarray(0, n));
  return b64(w3.digest());
};
const preparedB2 = blake2s.create({ key, dkLen: 32 });
let w2;
const nobleBlake2s = (v) => {
  const n = enc.encodeInto(v, input).written;
  w2 = preparedB2._cloneInto(w2);
  w2.update(input.subarray(0, n));
  return b64(w2.digest());
};
const keyObject = crypto.createSecretKey(key);
const nodeHmac = (v) => crypto.createHmac('sha256', keyObject).update(v).digest().toString('base64url', 0, 16);

const sample = values.slice(0, 16);
runSuite('PRF for pseudonyms (128-bit, base64url)', [
  { name: '@noble HMAC-SHA-256, prepared state cloned', fn: () => nobleHmac(nextValue()), check: () => sample.map(nobleHmac), ships: true },
  { name: 'node:crypto HMAC-SHA-256 (KeyObject)', fn: () => nodeHmac(nextValue()), check: () => sample.map(nodeHmac) },
  { name: '@noble keyed BLAKE3, prepared state cloned', fn: () => nobleBlake3(nextValue()), check: () => sample.map(nobleBlake3), sameAsShipped: false },
  { name: '@noble keyed BLAKE2s, prepared state cloned', fn: () => nobleBlake2s(nextValue()), check: () => sample.map(nobleBlake2s), sameAsShipped: false },
]);
