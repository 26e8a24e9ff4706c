#!/usr/bin/env node
// Summarises a V8 .cpuprofile (node --cpu-prof) for BENCHMARKS.md: self time by package or source
// folder, and the top functions by self time.
//
//   node scripts/bench/profile-summary.mjs FILE.cpuprofile [--top 30]
//
// "Package" is the node_modules package (scoped ones included) or, for the gateway's own code, its
// dist/src folder; idle time and GC are their own rows. Percentages are of all samples, idle included.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opt, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
if (!positionals.length) {
  console.error('usage: profile-summary.mjs FILE.cpuprofile [--top N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const total = profile.samples.length;
// samples[i] is a node id; timeDeltas[i] its duration. Weight by time, not by count.
for (let i = 0; i < profile.samples.length; i++) {
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const totalTime = [...self.values()].reduce((a, b) => a + b, 0);

function bucket(frame) {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const src = url.indexOf('/dist/');
  if (src >= 0) return url.slice(src + 1).split('/').slice(0, -1).join('/');
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  return url;
}

const groups = new Map();
const fns = new Map();
for (const [id, time] of self) {
  const frame = byId.get(id).callFrame;
  const b = bucket(frame);
  groups.set(b, (groups.get(b) ?? 0) + time);
  const key = `${frame.functionName || '(anonymous)'}  ${b}${frame.url && !frame.url.includes('node_modules') ? `:${frame.lineNumber + 1}` : ''}`;
  fns.set(key, (fns.get(key) ?? 0) + time);
}
const pct = (t) => `${((100 * t) / totalTime).toFixed(1).padStart(5)}%`;
const busy = totalTime - (groups.get('(idle)') ?? 0);
console.log(`${positionals[0]}: ${total} samples, ${(totalTime / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (${pct(busy).trim()})\n`);
console.log('self time by package / folder');
for (const [name, t] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, Number(opt.top))) console.log(`${pct(t)}  ${name}`);
console.log('\ntop functions by self time');
for (const [name, t] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(opt.top))) console.log(`${pct(t)}  ${name}`);
