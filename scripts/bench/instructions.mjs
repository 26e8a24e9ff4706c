#!/usr/bin/env node
// Instructions per request of a built gateway, counted by valgrind (callgrind), for comparing two
// builds on a machine too busy for throughput or CPU time to settle a few percent: the count does not
// depend on what else runs (other processes, a busy hyperthread sibling) the way time does.
//
//   node scripts/bench/instructions.mjs [--gateway DIR] [--users 1200] [--warmup 600] [--requests 500]
//                                       [--concurrency 8] [--session true|false] [--json] [--out FILE]
//                                       [--keep-dump FILE] [--jwt RS256|ES256|EdDSA]
//
// 1. Seeds a fresh SQLite database with DIR's scripts/bench/seed.mjs (as run.mjs does).
// 2. Starts DIR's dist/src/main.js like production (run.mjs's environment) under
//    `valgrind --tool=callgrind --instr-atstart=no` (nothing counted yet).
// 3. Sends --warmup authenticateTotp requests (JIT tiers, caches), then turns counting on
//    (`callgrind_control -i on`), sends --requests more, each for a different user, turns it off and
//    reads the total (`callgrind_control --dump`; the dump's `totals:` line is the count).
//    --keep-dump copies the counted window's dump to FILE (for callgrind_annotate).
//    Every request must succeed (200, a session token when --session, which is the default). A cold
//    gateway under valgrind is slow enough that a queued code can age past its ±1 step: with
//    --warmup 0 use --concurrency 1.
// 4. Prints one JSON line: instructions (Ir) over the counted window, ir_per_req, and the run's facts.
//
// All threads are counted (valgrind runs them one at a time), so the JWT signature on libuv's thread
// pool and SQLite are in. Instructions are not time (no cache misses, no waits), but CPU-bound code
// that does more work executes more of them.
import { parseArgs } from 'node:util';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, readdirSync, appendFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { setTimeout, clearTimeout } from 'node:timers';
import http from 'node:http';
import { base32Decode, hotp, timeStep } from './totp-client.mjs';
import { freePort, healthz } from './net.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const START_TIMEOUT_MS = 600_000;
// valgrind's gdbserver and callgrind_control find each other by a file named after LOGNAME and HOST
// (which is also the gateway's listen address): the same values on both sides.
const VGDB_ENV = { LOGNAME: process.env.LOGNAME || process.env.USER || 'bench', HOST: '127.0.0.1' };

const { values: opt } = parseArgs({
  options: {
    gateway: { type: 'string' },
    users: { type: 'string', default: '1200' },
    warmup: { type: 'string', default: '600' },
    requests: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '8' },
    session: { type: 'string', default: 'true' },
    json: { type: 'boolean', default: false },
    out: { type: 'string' },
    'keep-dump': { type: 'string' },
    jwt: { type: 'string', default: 'RS256' },
  },
});
const GATEWAY = opt.gateway ? resolve(opt.gateway) : ROOT;
const [USERS, WARMUP, REQUESTS, C] = [opt.users, opt.warmup, opt.requests, opt.concurrency].map(Number);
const SESSION = opt.session !== 'false';
if (WARMUP + REQUESTS > USERS) throw new Error('--users must cover --warmup + --requests (one user per request)');
const log = (...a) => console.error('[instructions]', ...a);

const tmp = mkdtempSync(join(tmpdir(), 'totp-instr-'));
const encryptionKey = randomBytes(32).toString('base64');
const databaseUrl = `sqlite:${join(tmp, 'gateway.sqlite')}`;
let child;
try {
  const seed = await runSeed();
  const port = await freePort();
  child = spawn('valgrind', [
    '--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', '--fair-sched=yes',
    `--callgrind-out-file=${join(tmp, 'callgrind.out.%p')}`,
    process.execPath, join(GATEWAY, 'dist/src/main.js'),
  ], {
    cwd: tmp,
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, ...VGDB_ENV,
      NODE_ENV: 'production', PORT: String(port), LOG_LEVEL: 'warn', METRICS_AUTH: 'bench:bench',
      DATABASE_URL: databaseUrl, GATEWAY_ENCRYPTION_KEY: encryptionKey, SESSION_JWT_ALGORITHM: opt.jwt,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  while (!(await healthz(url, 5000))) {
    if (child.exitCode !== null) throw new Error(`gateway exited during start: ${stderr}`);
    if (Date.now() - t0 > START_TIMEOUT_MS) throw new Error('gateway did not answer /healthz');
    await sleep(500);
  }
  log(`gateway under valgrind (pid ${child.pid}) up after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const auth = 'Basic ' + Buffer.from(`${seed.projectId}:${seed.secret}`).toString('base64');
  const users = seed.users.map((id, i) => ({ id, secret: seed.secrets[i] }));
  await load(url, auth, users.slice(0, WARMUP));
  log(`warm-up: ${WARMUP} requests done`);
  callgrind(['-i', 'on', String(child.pid)]);
  const t1 = Date.now();
  await load(url, auth, users.slice(WARMUP, WARMUP + REQUESTS));
  callgrind(['-i', 'off', String(child.pid)]);
  const counted_s = (Date.now() - t1) / 1000;
  callgrind(['--dump=measured', String(child.pid)]);
  const ir = dumpedInstructions();
  if (opt['keep-dump']) copyFileSync(join(tmp, readdirSync(tmp).find((f) => /^callgrind\.out\.\d+\.\d+$/.test(f))), opt['keep-dump']);
  const row = {
    target: 'gateway', op: SESSION ? 'authenticateTotp+session' : 'authenticateTotp', metric: 'callgrind Ir',
    jwt: opt.jwt, instructions: ir, requests: REQUESTS, ir_per_req: Math.round(ir / REQUESTS), warmup: WARMUP, concurrency: C, users: USERS,
    counted_s: +counted_s.toFixed(1), date: new Date().toISOString(), commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '', gateway: GATEWAY, node: process.version,
  };
  if (opt.json) console.log(JSON.stringify(row));
  else log(`${row.op}: ${row.ir_per_req} instructions per request (${REQUESTS} requests, ${ir} in all)`);
  if (opt.out) appendFileSync(opt.out, JSON.stringify(row) + '\n');
} finally {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(tmp, { recursive: true, force: true });
}

function callgrind(args) {
  execFileSync('callgrind_control', args, { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000, env: { ...process.env, ...VGDB_ENV } });
}

/** The sum of the `totals:` lines (the events of each dump) of the dumps written so far. */
function dumpedInstructions() {
  let total = 0;
  for (const name of readdirSync(tmp).filter((f) => f.startsWith('callgrind.out.'))) {
    const text = readFileSync(join(tmp, name), 'utf8');
    const m = /^totals:\s+(\d+)/m.exec(text);
    if (m) total += Number(m[1]);
  }
  if (!total) throw new Error(`no callgrind dump with a summary in ${readdirSync(tmp).join(', ')}`);
  return total;
}

/** Sends one authenticateTotp per user, C at a time; throws on any answer that is not a success. */
async function load(url, auth, users) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: C });
  const query = SESSION
    ? 'mutation($i: AuthenticateTotpInput!){ authenticateTotp(input:$i){ userId sessionToken sessionJwt } }'
    : 'mutation($i: AuthenticateTotpInput!){ authenticateTotp(input:$i){ userId } }';
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const u = users[next++];
      const body = JSON.stringify({ query, variables: { i: { userId: u.id, totpCode: hotp(base32Decode(u.secret), timeStep()), ...(SESSION && { sessionDurationMinutes: 60 }) } } });
      const { status, text } = await post(`${url}/graphql`, body, { 'content-type': 'application/json', authorization: auth }, agent);
      const ok = status === 200 && !text.includes('"errors"') && (SESSION ? /"sessionToken":"[^"]{20,}"/.test(text) : /"userId":"user-/.test(text));
      if (!ok) throw new Error(`request failed: ${status} ${text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: C }, worker));
  agent.destroy();
}

function post(url, body, headers, agent) {
  return new Promise((ok, ko) => {
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => ok({ status: res.statusCode, text }));
    });
    req.on('error', ko);
    req.end(body);
  });
}

function runSeed() {
  const out = join(tmp, 'seed.json');
  const seeder = spawn(process.execPath, [join(GATEWAY, 'scripts/bench/seed.mjs'), '--users', String(USERS), '--create-users', '0', '--out', out], {
    cwd: GATEWAY,
    env: { ...process.env, DATABASE_URL: databaseUrl, GATEWAY_ENCRYPTION_KEY: encryptionKey, SESSION_JWT_ALGORITHM: opt.jwt },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((ok, ko) => {
    seeder.once('error', ko);
    seeder.once('exit', (code) => (code === 0 ? ok(JSON.parse(readFileSync(out, 'utf8'))) : ko(new Error(`seeding failed (exit ${code})`))));
  });
}



function git(args) {
  try {
    return execFileSync('git', args, { cwd: GATEWAY, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}
