#!/usr/bin/env node
// The import benchmark: how long `totp-gateway import` takes for a file of N registrations on a fresh
// SQLite database, each line a new user (created by email) with its own 160-bit secret, half as base32
// (lower case, spaced) and half as otpauth URIs, every tenth with three recovery codes.
//
//   node scripts/bench/import.mjs [--lines 100000] [--format csv|jsonl] [--keep]
//
// Builds nothing: run `npm run build` first (npm run bench does). Prints one JSON line:
// {lines, format, seconds, linesPerSecond, imported, failed, rerunSeconds, rerunSkipped}; the re-run
// imports the same file again and must skip every line (idempotency at full size).
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist/src/cli.js');
const { values } = parseArgs({ options: { lines: { type: 'string', default: '100000' }, format: { type: 'string', default: 'csv' }, keep: { type: 'boolean', default: false } } });
const lines = Number(values.lines);
const format = values.format === 'jsonl' ? 'jsonl' : 'csv';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** RFC 4648 base32 without padding. */
function base32(bytes) {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >> bits) & 31];
    }
  }
  return bits ? out + ALPHABET[(buffer << (5 - bits)) & 31] : out;
}
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const recoveryCode = () => Array.from({ length: 3 }, () => Array.from(randomBytes(4), (b) => CROCKFORD[b & 31]).join('')).join('-');

async function writeFile(path) {
  const out = createWriteStream(path);
  if (format === 'csv') out.write('email,secret,label,recovery_codes\n');
  for (let i = 0; i < lines; i++) {
    const b32 = base32(randomBytes(20));
    const email = `user${i}@bench.example`;
    const secret = i % 2 ? b32.toLowerCase().replace(/(.{4})/g, '$1 ').trim() : `otpauth://totp/Bench:${email}?secret=${b32}&issuer=Bench`;
    const codes = i % 10 === 0 ? [recoveryCode(), recoveryCode(), recoveryCode()] : [];
    const row = format === 'csv' ? `${email},${secret},Phone,${codes.join(';')}\n` : JSON.stringify({ email, secret, label: 'Phone', recoveryCodes: codes }) + '\n';
    if (!out.write(row)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}

const dir = mkdtempSync(join(tmpdir(), 'totp-import-bench-'));
const env = { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${join(dir, 'bench.sqlite')}`, GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
const run = (args) => JSON.parse(execFileSync(process.execPath, [cli, ...args, '--json'], { env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 }).toString());
try {
  const file = join(dir, `bench.${format}`);
  await writeFile(file);
  const { projectId } = run(['project', 'create', '--name', 'Bench']);
  const first = run(['import', '--project', projectId, file]);
  const again = run(['import', '--project', projectId, file]);
  console.log(
    JSON.stringify({
      lines,
      format,
      seconds: first.seconds,
      linesPerSecond: Math.round(lines / first.seconds),
      imported: first.imported,
      failed: first.failed,
      rerunSeconds: again.seconds,
      rerunSkipped: again.skipped,
    }),
  );
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
