#!/usr/bin/env node
// Cost of one JWT signature per SESSION_JWT_ALGORITHM on this machine (node:crypto, the primitives
// jose uses): the part of authenticateTotp+session that --jwt changes. Prints one JSON line.
//   node scripts/bench/sign-cost.mjs
import { generateKeyPairSync, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';

const payload = Buffer.alloc(600, 0x61); // about the size of a session JWT's header.payload
const algorithms = {
  RS256: { type: 'rsa', options: { modulusLength: 2048 }, hash: 'sha256' },
  ES256: { type: 'ec', options: { namedCurve: 'P-256' }, hash: 'sha256', dsaEncoding: 'ieee-p1363' },
  EdDSA: { type: 'ed25519', options: {}, hash: null },
};
const result = { date: new Date().toISOString(), node: process.version };
for (const [name, a] of Object.entries(algorithms)) {
  const { privateKey } = generateKeyPairSync(a.type, a.options);
  const key = a.dsaEncoding ? { key: privateKey, dsaEncoding: a.dsaEncoding } : privateKey;
  for (let i = 0; i < 200; i++) sign(a.hash, payload, key);
  const n = 3000, t = performance.now();
  for (let i = 0; i < n; i++) sign(a.hash, payload, key);
  result[`${name}_us`] = Math.round(((performance.now() - t) / n) * 1000);
}
console.log(JSON.stringify(result));
