#!/usr/bin/env node
// Before/after comparison of two built checkouts on a shared machine: many short runs of
// scripts/bench/run.mjs (this checkout's load generator, `--gateway DIR` for each build), interleaved
// in ABBA order (before, after, after, before, ...) so drift in the machine's load falls on both
// builds alike, then paired statistics.
//
//   node scripts/bench/interleave.mjs --before DIR --after DIR [--pairs 12] --out FILE.jsonl -- RUN_ARGS...
//   node scripts/bench/interleave.mjs --summarize FILE.jsonl
//
// --after-webhook adds --webhook to the "after" runs only: with --before and --after the same build,
// it measures one webhook endpoint subscribed to every event type against none.
//
// RUN_ARGS go to run.mjs unchanged (e.g. --users 20000 --duration 10 --ops authenticateTotp+session);
// --json and --gateway are added. Each row run.mjs prints is appended to FILE with `build`
// ("before" | "after"), `pair` (0-based) and `order` (the run's index). Pair i runs before then after
// when i is even, after then before when it is odd.
//
// The summary, per operation and per metric (rps; cpu_ms_per_req, server CPU time per request, which
// other load on the machine disturbs much less than throughput; cpu_ms_per_req_warm, the same
// without the phase's first seconds): the median of each build, the
// median of the per-pair ratios after/before, a 95% percentile-bootstrap interval of that median
// (10 000 resamples of the pairs, fixed seed), and the sign test: how many pairs came out worse after,
// with its exact two-sided binomial p.
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const BOOTSTRAP_RESAMPLES = 10_000;
// Whether a larger value is better, for "worse after" in the sign test.
const METRICS = { rps: 'higher', cpu_ms_per_req: 'lower', cpu_ms_per_req_warm: 'lower' };

const { values: opt, positionals: runArgs } = parseArgs({
  allowPositionals: true,
  options: {
    before: { type: 'string' },
    after: { type: 'string' },
    pairs: { type: 'string', default: '12' },
    out: { type: 'string' },
    summarize: { type: 'string' },
    'after-webhook': { type: 'boolean', default: false },
  },
});

if (opt.summarize) {
  summarize(opt.summarize);
} else {
  const pairs = Number(opt.pairs);
  if (!opt.before || !opt.after || !opt.out || !(Number.isInteger(pairs) && pairs >= 1)) {
    console.error('usage: interleave.mjs --before DIR --after DIR [--pairs N] --out FILE -- RUN_ARGS... | --summarize FILE');
    process.exit(2);
  }
  let order = 0;
  for (let pair = 0; pair < pairs; pair++) {
    const builds = pair % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
    for (const build of builds) {
      const rows = await runOnce(resolve(opt[build]), build === 'after' && opt['after-webhook'] ? ['--webhook'] : []);
      for (const row of rows) appendFileSync(opt.out, JSON.stringify({ build, pair, order, ...row }) + '\n');
      const line = rows.map((r) => `${r.op} ${r.rps} req/s ${r.cpu_ms_per_req} ms/req (warm ${r.cpu_ms_per_req_warm})`).join(', ');
      console.error(`[interleave] pair ${pair + 1}/${pairs} ${build}: ${line}`);
      order++;
    }
  }
  summarize(opt.out);
}

/** Runs run.mjs once on the build in `dir`; resolves with the JSON rows it printed. */
function runOnce(dir, extraArgs) {
  const child = spawn(process.execPath, [join(HERE, 'run.mjs'), ...runArgs, ...extraArgs, '--json', '--gateway', dir], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  return new Promise((ok, ko) => {
    child.once('error', ko);
    child.once('exit', (code) => {
      if (code !== 0) return ko(new Error(`run.mjs on ${dir} exited with ${code}`));
      ok(out.split('\n').filter(Boolean).map((line) => JSON.parse(line)));
    });
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// mulberry32: a small seeded generator, so the interval is the same on every summary of one file.
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 95% percentile-bootstrap interval of the median of `xs`. */
function bootstrapMedian(xs) {
  const rand = random(16);
  const medians = [];
  for (let i = 0; i < BOOTSTRAP_RESAMPLES; i++) medians.push(median(xs.map(() => xs[Math.floor(rand() * xs.length)])));
  medians.sort((a, b) => a - b);
  return [medians[Math.floor(0.025 * BOOTSTRAP_RESAMPLES)], medians[Math.ceil(0.975 * BOOTSTRAP_RESAMPLES) - 1]];
}

/** Exact two-sided binomial p of k successes out of n at probability 1/2. */
function signTestP(k, n) {
  const choose = (a, b) => { let c = 1; for (let i = 1; i <= b; i++) c = (c * (a - b + i)) / i; return c; };
  const tail = (from) => { let p = 0; for (let i = from; i <= n; i++) p += choose(n, i); return p / 2 ** n; };
  return Math.min(1, 2 * tail(Math.max(k, n - k)));
}

function summarize(file) {
  const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const pct = (r) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
  for (const op of [...new Set(rows.map((r) => r.op))]) {
    const byPair = new Map();
    for (const r of rows.filter((x) => x.op === op)) {
      byPair.set(r.pair, { ...byPair.get(r.pair), [r.build]: r });
    }
    const pairs = [...byPair.values()].filter((p) => p.before && p.after);
    console.log(`\n${op}: ${pairs.length} pairs (ended by users: before ${pairs.filter((p) => p.before.ended_by === 'users').length}, after ${pairs.filter((p) => p.after.ended_by === 'users').length})`);
    for (const [metric, better] of Object.entries(METRICS)) {
      const complete = pairs.filter((p) => p.before[metric] != null && p.after[metric] != null);
      if (!complete.length) continue;
      const ratios = complete.map((p) => p.after[metric] / p.before[metric]);
      const worse = ratios.filter((r) => (better === 'higher' ? r < 1 : r > 1)).length;
      const [lo, hi] = bootstrapMedian(ratios);
      console.log(`  ${metric}: before median ${+median(complete.map((p) => p.before[metric])).toFixed(4)}, ` +
        `after median ${+median(complete.map((p) => p.after[metric])).toFixed(4)}; per-pair after/before median ${pct(median(ratios))} ` +
        `(95% bootstrap ${pct(lo)} .. ${pct(hi)}); worse after in ${worse}/${complete.length} pairs (sign test p = ${signTestP(worse, complete.length).toFixed(3)})`);
    }
  }
}
