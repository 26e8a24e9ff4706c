#!/usr/bin/env node
// SQL statements (and, on PostgreSQL, round trips, pool checkouts and pool waits) per request of a
// built gateway: a deterministic measure that a busy machine does not disturb.
//
//   node scripts/bench/statements.mjs [--gateway DIR] [--database sqlite|postgres] [--requests 20]
//        [--op authenticateTotp+session|authenticateTotp|authenticateTotp+user|createTotp|wrongCode]
//        [--concurrency 1] [--json] [--out FILE]
//
// 1. Seeds a fresh database with DIR's scripts/bench/seed.mjs (as run.mjs does; PostgreSQL: a fresh
//    database made and dropped here, DATABASE_URL_POSTGRES naming the server).
// 2. Starts DIR's dist/src/main.js like production with scripts/bench/count-statements.cjs preloaded,
//    which counts every statement in the driver layer (node-postgres Client#query, better-sqlite3).
// 3. Sends max(5, N) requests uncounted (first-use caches: the signing key, documents; the pool's
//    connections), then --requests more,
//    one at a time (--concurrency 1, so a pool never has to queue; with N > 1, N at a time, so the
//    pool's queueing shows in `waits`, which then depends on timing), each for a different user, and
//    differences the counts around them. Every request must succeed.
// 4. Prints one JSON line: statements_per_req, checkouts_per_req, waits_per_req and each statement
//    text's count per request. On PostgreSQL each statement is one round trip (node-postgres sends
//    one query at a time on a connection), and pg_backend_cpu_ms_per_req is the CPU time (utime +
//    stime, /proc/PID/stat) of the server backends serving this gateway's database over the window,
//    per request: the database's own work per login, read off the server when it runs on this
//    machine (the WAL writer and checkpointer are shared and left out).
import { parseArgs } from 'node:util';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, appendFileSync, existsSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import http from 'node:http';
import { base32Decode, hotp, timeStep } from './totp-client.mjs';
import { freePort, healthz } from './net.mjs';
import { createPostgresDatabase, runSeed } from './bench-setup.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const OPS = {
  'authenticateTotp+session': { query: 'mutation($i: AuthenticateTotpInput!){ authenticateTotp(input:$i){ userId sessionToken sessionJwt } }', session: true },
  authenticateTotp: { query: 'mutation($i: AuthenticateTotpInput!){ authenticateTotp(input:$i){ userId } }', session: false },
  'authenticateTotp+user': { query: 'mutation($i: AuthenticateTotpInput!){ authenticateTotp(input:$i){ userId user { userId isLocked totps { totpId verified } } sessionToken } }', session: true },
  wrongCode: { query: 'mutation($i: AuthenticateTotpInput!){ authenticateTotp(input:$i){ userId } }', session: false, wrong: true },
  createTotp: { query: 'mutation($i: CreateTotpInput!){ createTotp(input:$i){ totpId secret otpauthUri qrCode recoveryCodes } }' },
};

const { values: opt } = parseArgs({
  options: {
    gateway: { type: 'string' },
    database: { type: 'string', default: 'sqlite' },
    requests: { type: 'string', default: '20' },
    op: { type: 'string', default: 'authenticateTotp+session' },
    concurrency: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const GATEWAY = opt.gateway ? resolve(opt.gateway) : ROOT;
const REQUESTS = Number(opt.requests);
const C = Number(opt.concurrency);
// Uncounted first: first-use caches, and (at --concurrency N) the pool's N connections opened, so the
// backends read before the window are all that serve it.
const WARMUP = Math.max(5, C);
const op = OPS[opt.op];
if (!op) throw new Error(`--op is one of ${Object.keys(OPS).join(', ')}`);
if (!['sqlite', 'postgres'].includes(opt.database)) throw new Error('--database is sqlite or postgres');
const log = (...a) => console.error('[statements]', ...a);

const tmp = mkdtempSync(join(tmpdir(), 'totp-statements-'));
const countsFile = join(tmp, 'counts.json');
const encryptionKey = randomBytes(32).toString('base64');
let child, pgDatabase;
try {
  if (opt.database !== 'sqlite') pgDatabase = await createPostgresDatabase('totp_statements');
  const databaseUrl = pgDatabase ? pgDatabase.url : `sqlite:${join(tmp, 'gateway.sqlite')}`;
  const users = WARMUP + REQUESTS;
  const seed = await seedGateway(databaseUrl, op.query.includes('createTotp') ? 1 : users, op.query.includes('createTotp') ? users : 0);
  const port = await freePort();
  child = spawn(process.execPath, ['--require', join(HERE, 'count-statements.cjs'), join(GATEWAY, 'dist/src/main.js')], {
    cwd: tmp,
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, STATEMENT_COUNTS_FILE: countsFile,
      NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', METRICS_AUTH: 'bench:bench',
      DATABASE_URL: databaseUrl, GATEWAY_ENCRYPTION_KEY: encryptionKey, SESSION_JWT_ALGORITHM: 'ES256',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.on('data', (d) => process.stderr.write(d)); // its banner never mixes with our JSON
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; !(await healthz(url, 2000)); i++) {
    if (child.exitCode !== null || i > 600) throw new Error('gateway did not start');
    await sleep(100);
  }
  const auth = 'Basic ' + Buffer.from(`${seed.projectId}:${seed.secret}`).toString('base64');
  const send = async (i) => {
    const variables = op.query.includes('createTotp')
      ? { i: { userId: seed.spare[i] } }
      : { i: { userId: seed.users[i], totpCode: op.wrong ? wrongCode(seed.secrets[i]) : hotp(base32Decode(seed.secrets[i]), timeStep()), ...(op.session && { sessionDurationMinutes: 60 }) } };
    const response = await post(`${url}/graphql`, { 'content-type': 'application/json', authorization: auth }, JSON.stringify({ query: op.query, variables }));
    const body = response.body;
    const refused = op.wrong ? !body.includes('UNABLE_TO_AUTHENTICATE_TOTP') : response.status !== 200 || body.includes('"errors"');
    if (refused) throw new Error(`request ${i} failed: ${response.status} ${body.slice(0, 300)}`);
  };
  for (let i = 0; i < WARMUP; i += C) await Promise.all(Array.from({ length: Math.min(C, WARMUP - i) }, (_, k) => send(i + k)));
  const backends = pgDatabase ? await backendPids() : [];
  const cpuBefore = backendCpuMs(backends);
  const before = await snapshot();
  for (let i = WARMUP; i < users; i += C) await Promise.all(Array.from({ length: Math.min(C, users - i) }, (_, k) => send(i + k)));
  const after = await snapshot();
  // Backends opened during the window count whole (they did nothing before it).
  if (pgDatabase) for (const pid of await backendPids()) if (!backends.includes(pid)) backends.push(pid);
  const cpuAfter = backendCpuMs(backends);
  const per = (k) => +((after[k] - before[k]) / REQUESTS).toFixed(2);
  const byText = {};
  for (const [text, n] of Object.entries(after.byText)) {
    const d = (n - (before.byText[text] ?? 0)) / REQUESTS;
    if (d) byText[text] = +d.toFixed(2);
  }
  const row = {
    op: opt.op, database: opt.database, requests: REQUESTS, concurrency: C, statements_per_req: per('statements'),
    ...(opt.database === 'postgres' ? {
      round_trips_per_req: per('statements'), checkouts_per_req: per('checkouts'), waits_per_req: per('waits'), connects: after.connects,
      ...(cpuBefore !== null && cpuAfter !== null && { pg_backends: backends.length, pg_backend_cpu_ms_per_req: +((cpuAfter - cpuBefore) / REQUESTS).toFixed(3) }),
    } : { prepares_in_window: after.prepares - before.prepares }),
    by_text: byText, commit: git(['rev-parse', '--short', 'HEAD']), dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '', date: new Date().toISOString(),
  };
  if (opt.json) console.log(JSON.stringify(row));
  else {
    console.log(`${row.op} on ${row.database}: ${row.statements_per_req} statements per request` +
      (row.checkouts_per_req !== undefined ? `, ${row.checkouts_per_req} pool checkouts, ${row.waits_per_req} waits` : ''));
    for (const [text, n] of Object.entries(byText).sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(5)}  ${text}`);
  }
  if (opt.out) appendFileSync(opt.out, JSON.stringify(row) + '\n');
} finally {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  if (pgDatabase) await pgDatabase.drop().catch((e) => log(`could not drop ${pgDatabase.name}: ${e.message}`));
  rmSync(tmp, { recursive: true, force: true });
}

/** POSTs `body`; answers the status and the body as text. */
function post(url, headers, body) {
  return new Promise((ok, ko) => {
    const req = http.request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => { text += d; }).on('end', () => ok({ status: res.statusCode, body: text }));
    });
    req.on('error', ko);
    req.end(body);
  });
}

/** A six-digit code that is none of the three codes the gateway accepts now. */
function wrongCode(secret) {
  const key = base32Decode(secret);
  const valid = new Set([-1, 0, 1].map((d) => hotp(key, timeStep() + d)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

/** The server processes (backends) connected to this run's database, from pg_stat_activity. */
async function backendPids() {
  const client = new pgDatabase.pg.Client({ connectionString: pgDatabase.admin });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [pgDatabase.name]);
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

/** utime + stime of `pids` in ms (proc(5) fields 14 and 15, at 100 ticks/s); null without procfs access. */
function backendCpuMs(pids) {
  if (!pids.length) return null;
  try {
    let ticks = 0;
    for (const pid of pids) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks * 10;
  } catch {
    return null;
  }
}

async function snapshot() {
  if (existsSync(countsFile)) unlinkSync(countsFile);
  child.kill('SIGUSR2');
  for (let i = 0; !existsSync(countsFile); i++) {
    if (i > 200) throw new Error('no counts from the gateway (is count-statements.cjs preloaded?)');
    await sleep(10);
  }
  await sleep(20);
  return JSON.parse(readFileSync(countsFile, 'utf8'));
}

function seedGateway(databaseUrl, users, spare) {
  return runSeed(GATEWAY, join(tmp, 'seed.json'), ['--users', String(users), '--create-users', String(spare)], {
    DATABASE_URL: databaseUrl, GATEWAY_ENCRYPTION_KEY: encryptionKey, SESSION_JWT_ALGORITHM: 'ES256',
  });
}

function git(args) {
  try {
    return execFileSync('git', args, { cwd: GATEWAY, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}
