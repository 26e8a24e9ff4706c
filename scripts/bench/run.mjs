#!/usr/bin/env node
// `npm run bench`: throughput and latency of the gateway over real HTTP, one user per request.
//
//   npm run bench -- [--users 20000] [--concurrency 32] [--duration 10] [--database sqlite|postgres]
//                    [--jwt RS256|ES256|EdDSA] [--create-users 50000] [--ops a,b,c] [--json] [--out FILE]
//                    [--gateway DIR] [--webhook] [--processes N]
//
// --webhook subscribes one endpoint to every event type, with a local receiver answering 204
// (scripts/bench/webhook-receiver.mjs, its own process), so a run measures authentication with the
// transactional outbox and the delivery worker at work; rows then carry `webhook: true` and
// `webhook_received` (deliveries the receiver got). Compare with a run without it on the same build
// (scripts/bench/interleave.mjs --after-webhook).
//
// --gateway DIR seeds and starts the built gateway in DIR (its scripts/bench/seed.mjs and dist/) instead
// of this checkout's, so one load generator drives two builds (scripts/bench/interleave.mjs).
//
// 1. Seeds a fresh database directly (scripts/bench/seed.mjs, a child process on the built gateway):
//    a project, --users users with a verified TOTP, --create-users users without one.
// 2. Starts the gateway exactly like production (`node dist/src/main.js`, NODE_ENV=production) in its
//    own process on 127.0.0.1 and a free port, and waits for GET /healthz.
// 3. Three timed phases with autocannon, every request for a different user, codes computed here
//    (RFC 6238, HMAC-SHA1 on node:crypto, self-tested against the RFC vector):
//      authenticateTotp+session  authenticateTotp with sessionDurationMinutes: 60 (token + JWT issued)
//      authenticateTotp          the same without a session (a disjoint set of users)
//      createTotp                enrollment of a user without TOTP: secret, otpauth URI, PNG + SVG QR,
//                                10 recovery codes
//    Measured like shared/bench/load.mjs: only responses before the deadline count, rps = ok/elapsed,
//    p50/p99 over ok responses; a phase ends after --duration or when its users run out (ended_by).
//    The server's resident memory is sampled every 100 ms (/proc/PID/status VmRSS); the max is reported.
//    The server's CPU time (utime + stime of all its threads, /proc/PID/stat) is read when a phase starts
//    and 250 ms after the load stops: server_cpu_ms, and cpu_ms_per_req over every request sent to it
//    in that window (served); cpu_ms_per_req_warm leaves out the first 3 s of the phase (warm-up), which depends much less on other load on the machine than rps does.
// 4. Prints a table (or, with --json, only JSON lines), appends JSON lines to --out, stops the server
//    with SIGTERM and removes the temp dir (and, for postgres, the database it created).
//
// --processes N (default 1) starts N gateway processes on the one database (with --database postgres:
// several gateways behind a load balancer on one PostgreSQL); the load generator splits the users and
// the connections evenly between them (one autocannon per process). CPU is then the sum over the
// processes, max_rss_mb the largest process's peak.
//
// TARGET_NODE_ARGS=--cpu-prof adds node flags to the gateway process only (as in shared/bench).
import { parseArgs } from 'node:util';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, appendFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { setTimeout, clearTimeout, setInterval, clearInterval } from 'node:timers';
import autocannon from 'autocannon';
import { base32Decode, hotp, timeStep } from './totp-client.mjs';
import { freePort, healthz } from './net.mjs';
import { createPostgresDatabase, runSeed } from './bench-setup.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OPS = ['authenticateTotp+session', 'authenticateTotp', 'createTotp'];
// After the load stops: the time given to requests still in flight before the server's CPU is read.
const SETTLE_MS = 250;
// The server's CPU per request is also given without the first WARM_UP_MS of a phase (JIT compilation,
// first-use caches), when the phase is at least twice as long.
const WARM_UP_MS = 3000;
const CLOCK_TICKS_PER_S = (() => {
  try { return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100; } catch { return 100; }
})();

const { values: opt } = parseArgs({
  options: {
    users: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '32' },
    duration: { type: 'string', default: '10' },
    database: { type: 'string', default: 'sqlite' },
    jwt: { type: 'string', default: 'RS256' },
    'create-users': { type: 'string', default: '50000' },
    ops: { type: 'string', default: OPS.join(',') },
    json: { type: 'boolean', default: false },
    out: { type: 'string' },
    gateway: { type: 'string' },
    webhook: { type: 'boolean', default: false },
    processes: { type: 'string', default: '1' },
  },
});
const GATEWAY = opt.gateway ? resolve(opt.gateway) : ROOT;
const N = Number(opt.users), C = Number(opt.concurrency), D = Number(opt.duration), SPARE = Number(opt['create-users']);
const P = Number(opt.processes);
if (!(Number.isInteger(P) && P >= 1)) fail('--processes must be a whole number >= 1');
const ops = opt.ops.split(',').map((s) => s.trim()).filter(Boolean);
if (!(Number.isInteger(N) && N >= 1 && Number.isInteger(C) && C >= 1 && D > 0 && Number.isInteger(SPARE) && SPARE >= 0)) {
  fail('--users, --concurrency and --duration must be positive numbers, --create-users >= 0');
}
if (!['sqlite', 'postgres'].includes(opt.database)) fail('--database is sqlite or postgres');
if (!['RS256', 'ES256', 'EdDSA'].includes(opt.jwt)) fail('--jwt is RS256, ES256 or EdDSA');
for (const op of ops) if (!OPS.includes(op)) fail(`--ops: unknown operation ${op} (${OPS.join(', ')})`);

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}
const log = (...a) => console.error('[bench]', ...a);

// ---- run ----
const commit = git(['rev-parse', '--short', 'HEAD']);
const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
const date = new Date().toISOString();
const tmp = mkdtempSync(join(tmpdir(), 'totp-bench-'));
const encryptionKey = randomBytes(32).toString('base64');
let servers = [], receiver, pgDatabase, cleaned = false;

process.on('SIGINT', () => { cleanup().finally(() => process.exit(130)); });
process.on('SIGTERM', () => { cleanup().finally(() => process.exit(143)); });

try {
  if (opt.database !== 'sqlite') pgDatabase = await createPostgresDatabase('totp_bench');
  const databaseUrl = pgDatabase ? pgDatabase.url : `sqlite:${join(tmp, 'gateway.sqlite')}`;
  if (opt.webhook) receiver = await startReceiver();
  log(`seeding ${N} users with verified TOTPs + ${SPARE} without (${opt.database})${receiver ? `, one webhook endpoint at ${receiver.url}` : ''} ...`);
  const seed = await seedGateway(databaseUrl);
  log(`seeded in ${seed.seed_s} s`);
  for (let i = 0; i < P; i++) servers.push(await startGateway(databaseUrl));
  for (const s of servers) log(`gateway pid ${s.pid} at ${s.url} (${opt.jwt})`);

  const auth = 'Basic ' + Buffer.from(`${seed.projectId}:${seed.secret}`).toString('base64');
  const headers = { 'content-type': 'application/json', authorization: auth };
  const verified = seed.users.map((id, i) => ({ id, secret: seed.secrets[i] }));
  let cursor = 0; // the two authenticate phases take disjoint users from one pool
  const results = [];

  for (const op of ops) {
    let pool, build, isOk;
    if (op === 'createTotp') {
      pool = seed.spare;
      const query = 'mutation($i: CreateTotpInput!){ createTotp(input:$i){ totpId secret otpauthUri qrCode recoveryCodes } }';
      build = (userId) => JSON.stringify({ query, variables: { i: { userId } } });
      isOk = (status, body) => status === 200 && !body.includes('"errors"') && body.includes('"qrCode":"data:image/png;base64,');
    } else {
      const session = op === 'authenticateTotp+session';
      pool = verified.slice(cursor);
      const query = session
        ? 'mutation($i: AuthenticateTotpInput!){ authenticateTotp(input:$i){ userId sessionToken sessionJwt } }'
        : 'mutation($i: AuthenticateTotpInput!){ authenticateTotp(input:$i){ userId } }';
      // The code of the step at the moment the request is built; judged within +-1 step by the gateway.
      build = (u) => JSON.stringify({
        query,
        variables: { i: { userId: u.id, totpCode: hotp(base32Decode(u.secret), timeStep()), ...(session && { sessionDurationMinutes: 60 }) } },
      });
      isOk = session
        ? (status, body) => status === 200 && !body.includes('"errors"') && /"sessionToken":"[^"]{20,}"/.test(body)
        : (status, body) => status === 200 && !body.includes('"errors"') && /"userId":"user-[^"]+"/.test(body);
    }
    if (!pool.length) {
      log(`${op}: no users left, skipped (raise --users)`);
      continue;
    }
    log(`${op}: ${pool.length} users available, ${D} s at concurrency ${C} ...`);
    const load1 = +loadavg()[0].toFixed(2); // the machine is shared: how busy it was just before
    const m = await measure(pool, headers, build, isOk);
    if (op !== 'createTotp') cursor += m.used;
    const row = {
      target: 'gateway', op, users: N, database: opt.database, ...(P > 1 && { processes: P }), jwt: opt.jwt, concurrency: C, duration_s: D,
      rps: m.rps, p50_ms: m.p50_ms, p99_ms: m.p99_ms, max_rss_mb: m.max_rss_mb,
      ...(m.server_cpu_ms !== null && { server_cpu_ms: m.server_cpu_ms, served: m.served, cpu_ms_per_req: m.cpu_ms_per_req }),
      ...(m.cpu_ms_per_req_warm !== null && { cpu_ms_per_req_warm: m.cpu_ms_per_req_warm }),
      ok: m.ok, errors: m.errors, requests: m.requests, elapsed_s: m.elapsed_s, ended_by: m.ended_by,
      ...(m.non_ok && { non_ok: m.non_ok, non_ok_sample: m.non_ok_sample }),
      ...(m.transport_errors && { transport_errors: m.transport_errors }),
      seed_s: seed.seed_s, load1_before: load1, date, commit, dirty, node: process.version,
      ...(receiver && { webhook: true }),
      ...(GATEWAY !== ROOT && { gateway: GATEWAY }),
    };
    results.push(row);
    if (opt.json) console.log(JSON.stringify(row));
    if (opt.out) appendFileSync(opt.out, JSON.stringify(row) + '\n');
    await sleep(500); // let the server settle between phases
  }
  if (receiver) {
    // After the last phase: how many deliveries the worker completed while the gateway still ran.
    const received = await receiver.stop();
    log(`webhook receiver got ${received} deliveries`);
    for (const row of results) row.webhook_received = received;
  }
  if (!opt.json) printTable(results, seed);
} finally {
  await cleanup();
}

async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  await Promise.all(servers.map((s) => s.stop()));
  if (receiver) await receiver.stop().catch(() => undefined);
  if (pgDatabase) await pgDatabase.drop().catch((e) => log(`could not drop database ${pgDatabase.name}: ${e.message}`));
  rmSync(tmp, { recursive: true, force: true });
}

function git(args) {
  try {
    return execFileSync('git', args, { cwd: GATEWAY, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

// ---- the webhook receiver (--webhook; child process) ----
async function startReceiver() {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'scripts/bench/webhook-receiver.mjs'), '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const exited = new Promise((r) => child.once('exit', r));
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; !out.startsWith('ready\n'); tries++) {
    if (tries > 100 || child.exitCode !== null) throw new Error('the webhook receiver did not start');
    await sleep(50);
  }
  let stopped;
  return {
    url: `${url}/hook`,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        await exited;
        return JSON.parse(out.slice('ready\n'.length).trim() || '{"received":0}').received;
      })();
      return stopped;
    },
  };
}

// ---- seeding (child process, on the built gateway) ----
function seedGateway(databaseUrl) {
  const webhookArgs = receiver ? ['--webhook-url', receiver.url] : [];
  return runSeed(GATEWAY, join(tmp, 'seed.json'), ['--users', String(N), '--create-users', String(SPARE), ...webhookArgs], {
    DATABASE_URL: databaseUrl, GATEWAY_ENCRYPTION_KEY: encryptionKey, SESSION_JWT_ALGORITHM: opt.jwt,
  });
}

// ---- the gateway, started like production ----


async function startGateway(databaseUrl) {
  const port = await freePort();
  const nodeArgs = (process.env.TARGET_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, join(GATEWAY, 'dist/src/main.js')], {
    cwd: tmp,
    // Only what the gateway needs: no configuration leaks in from the caller's environment.
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME,
      NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', METRICS_AUTH: 'bench:bench',
      DATABASE_URL: databaseUrl, GATEWAY_ENCRYPTION_KEY: encryptionKey, SESSION_JWT_ALGORITHM: opt.jwt,
      // Passed through when set, to compare SQLite checkpointing inline and in the background.
      ...(process.env.SQLITE_BACKGROUND_CHECKPOINT && { SQLITE_BACKGROUND_CHECKPOINT: process.env.SQLITE_BACKGROUND_CHECKPOINT }),
      // The bench receiver is on 127.0.0.1, which production refuses by default (SSRF).
      ...(receiver && { WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => process.stderr.write(d)); // its stdout (banner, logs) never mixes with our JSON
  child.stderr.on('data', (d) => process.stderr.write(d));
  const exited = new Promise((r) => child.once('exit', r));
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  for (;;) {
    if (await healthz(url, 2000)) break;
    if (child.exitCode !== null) throw new Error(`gateway exited during start (code ${child.exitCode})`);
    if (performance.now() - started > 60_000) { child.kill('SIGKILL'); throw new Error('gateway did not answer /healthz within 60 s'); }
    await sleep(100);
  }
  return {
    url, pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch { /* no procfs: fall back to ps */ }
  try {
    return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)]).toString().trim()) / 1024;
  } catch {
    return 0;
  }
}

// utime + stime of every thread of the process, in ms (proc(5): fields 14 and 15, in clock ticks);
// null without procfs.
function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return null;
  }
}

// ---- one timed phase (the same rules as shared/bench/load.mjs) ----
// Over every gateway process: the largest RSS of any, the CPU of all.
function rssAll() {
  return Math.max(...servers.map((s) => rssMb(s.pid)));
}
function cpuAll() {
  const each = servers.map((s) => cpuMs(s.pid));
  return each.includes(null) ? null : each.reduce((a, b) => a + b, 0);
}

function measure(pool, headers, build, isOk) {
  let ok = 0, counted = 0, last = 0, transportErrors = 0, sample, maxRss = rssAll();
  const nonOk = {}, lat = [];
  // Each process gets its own share of the users and of the connections.
  const shares = servers.map((s, i) => ({ server: s, users: pool.filter((_, k) => k % servers.length === i), next: 0 }));
  const sent = () => shares.reduce((n, share) => n + share.next, 0);
  const sampler = setInterval(() => { maxRss = Math.max(maxRss, rssAll()); }, 100);
  const cpu0 = cpuAll();
  const t0 = performance.now(), deadline = t0 + D * 1000;
  let warm = null; // { cpu, sent } once the warm-up is over
  const warmTimer = D * 1000 >= 2 * WARM_UP_MS ? setTimeout(() => { warm = { cpu: cpuAll(), sent: sent() }; }, WARM_UP_MS) : undefined;
  const instances = [];
  const runs = shares.map((share) => new Promise((resolve, reject) => {
    const inst = autocannon({
      url: share.server.url,
      connections: Math.max(1, Math.min(Math.ceil(C / servers.length), share.users.length)),
      amount: share.users.length, // one request per user, never more
      timeout: 10,
      sampleInt: 100, // lets stop() take effect quickly
      requests: [{
        setupRequest(req, ctx) {
          ctx.sent = performance.now();
          return { ...req, method: 'POST', path: '/graphql', headers, body: build(share.users[share.next++]) };
        },
        onResponse(status, body, ctx) {
          const now = performance.now();
          if (now > deadline) return;
          counted++; last = now;
          if (isOk(status, body)) { ok++; lat.push(now - ctx.sent); }
          else { nonOk[status] = (nonOk[status] ?? 0) + 1; sample ??= body.slice(0, 300); }
        },
      }],
    }, (err) => (err ? reject(err) : resolve()));
    inst.on('reqError', () => { if (performance.now() <= deadline) transportErrors++; });
    instances.push(inst);
  }));
  const timer = setTimeout(() => instances.forEach((inst) => inst.stop()), D * 1000);
  return Promise.all(runs).finally(() => {
    clearTimeout(timer);
    clearTimeout(warmTimer);
    clearInterval(sampler);
  }).then(async () => {
    maxRss = Math.max(maxRss, rssAll());
    // Requests still in flight at the stop are finished by the server: they count as served and get
    // SETTLE_MS to finish before the CPU time is read (32 of them take about 30 ms).
    await sleep(SETTLE_MS);
    const cpu1 = cpuAll(), served = sent();
    const ranOut = counted + transportErrors >= pool.length;
    const elapsed = ((ranOut ? last : deadline) - t0) / 1000;
    lat.sort((a, b) => a - b);
    const pct = (p) => (lat.length ? +lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2) : null);
    const cpu = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
    const warmCpu = warm?.cpu == null || cpu1 === null || served <= warm.sent ? null : (cpu1 - warm.cpu) / (served - warm.sent);
    return {
      // The users any share reached, as one prefix of the pool (the next phase starts after it).
      used: Math.min(pool.length, Math.max(0, ...shares.map((sh, i) => (sh.next ? (sh.next - 1) * servers.length + i + 1 : 0)))),
      requests: counted + transportErrors, ok, errors: counted - ok + transportErrors,
      rps: Math.round(ok / elapsed), p50_ms: pct(0.5), p99_ms: pct(0.99), max_rss_mb: Math.round(maxRss),
      server_cpu_ms: cpu, served, cpu_ms_per_req: cpu === null || !served ? null : +(cpu / served).toFixed(4),
      cpu_ms_per_req_warm: warmCpu === null ? null : +warmCpu.toFixed(4),
      elapsed_s: +elapsed.toFixed(2), ended_by: ranOut ? 'users' : 'duration',
      ...(sample !== undefined && { non_ok: nonOk, non_ok_sample: sample }),
      ...(transportErrors && { transport_errors: transportErrors }),
    };
  });
}

function printTable(rows, seed) {
  const head = ['operation', 'req/s', 'p50 ms', 'p99 ms', 'max RSS MB', 'ok', 'errors', 'ended by'];
  const body = rows.map((r) => [r.op, r.rps, r.p50_ms ?? '-', r.p99_ms ?? '-', r.max_rss_mb, r.ok, r.errors, `${r.ended_by} (${r.elapsed_s} s)`].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\ntotp-gateway ${commit}${dirty ? ' (+uncommitted changes)' : ''}, ${date}`);
  console.log(`${opt.database}${P > 1 ? ` (${P} gateway processes)` : ''}, ${N} users with TOTP (+${SPARE} without; seeded in ${seed.seed_s} s), JWT ${opt.jwt}, ` +
    `concurrency ${C}, ${D} s per operation, node ${process.version}\n`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
  for (const r of rows) {
    if (r.non_ok) console.log(`\nnote: ${r.op}: non-ok responses ${JSON.stringify(r.non_ok)}, e.g. ${r.non_ok_sample}`);
    if (r.ended_by === 'users') console.log(`note: ${r.op} ran out of users after ${r.elapsed_s} s; raise --users (or --create-users)`);
  }
}
