#!/usr/bin/env node
// `npm run bench:chart [-- FILE.jsonl] [--out bench/chart.svg]`: draws throughput and p99 latency of
// the raw floor, the same-work floor, better-auth and the gateway (authenticateTotp with a session) from one results file
// of scripts/bench/compare.sh (default: the newest bench/results/*.jsonl that is not a *-runs.jsonl of
// standalone `npm run bench` runs) as a hand-written SVG, no dependencies. When a file holds several
// runs of a target, the last one is drawn.
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: opt, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string', default: join(ROOT, 'bench/chart.svg') } } });

const file = positionals[0] ? resolve(positionals[0]) : newestResults();
const rows = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l));
const last = (pred) => rows.filter(pred).at(-1);
const systems = [
  { name: 'raw floor', note: 'node:http + better-sqlite3 | no JWT, audit or lockout', color: '#9aa5b1', r: last((r) => r.target === 'raw') },
  { name: 'same-work floor', note: 'shared/bench targets/floor.mjs | JWT, audit, lockout', color: '#52606d', r: last((r) => r.target === 'floor') },
  { name: 'better-auth', note: 'twoFactor plugin', color: '#e8a33d', r: last((r) => r.target === 'better-auth') },
  // The harness's own gateway line when the file has one (the three then come from one harness run).
  {
    name: 'totp-gateway',
    note: 'authenticateTotp + session',
    color: '#2f6fb3',
    r:
      last((r) => r.target === 'gateway' && r.op === 'authenticateTotp+session' && r.source === 'shared/bench load.mjs') ??
      last((r) => r.target === 'gateway' && r.op === 'authenticateTotp+session'),
  },
].filter((s) => s.r);
for (const s of systems) if (s.r.target === 'gateway') s.note += ` | ${[s.r.jwt && `${s.r.jwt} JWT`, s.r.database].filter(Boolean).join(', ')}`;
if (!systems.length) throw new Error(`${file}: no raw, floor, better-auth or gateway (authenticateTotp+session) results`);

const gw = systems.find((s) => s.r.target === 'gateway')?.r;
const any = systems[0].r;
const machine = any.machine ? `${any.machine.nproc} cores (${any.machine.cpu}), ${any.machine.ram_gb} GB, node ${any.machine.node}` : '';
const title = 'TOTP verification with a new session, a different user per request';
const subtitle = [`concurrency ${any.concurrency ?? '?'}, ${any.duration_s ?? 10} s per system`, machine, `${(any.date ?? '').slice(0, 10)}, commit ${gw?.commit ?? any.commit ?? '?'}`]
  .filter(Boolean).join(' · ');

const W = 860, H = 430, TOP = 92, BOTTOM = 74, PANEL_W = 360, GAP = 70, LEFT = 60;
const parts = [];
parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">`);
parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
parts.push(text(W / 2, 28, title, { size: 17, weight: 600, anchor: 'middle' }));
parts.push(text(W / 2, 50, subtitle, { size: 11.5, fill: '#52606d', anchor: 'middle' }));
panel(LEFT, 'Throughput: requests/s (higher is better)', (r) => r.rps, (v) => fmt(v));
panel(LEFT + PANEL_W + GAP, 'p99 latency: ms (lower is better)', (r) => r.p99_ms, (v) => fmt(v));
parts.push(text(W / 2, H - 12, `source: ${relative(ROOT, file)} · load generator and server share the machine · no warm-up`, { size: 10.5, fill: '#7b8794', anchor: 'middle' }));
parts.push('</svg>');

writeFileSync(opt.out, parts.join('\n') + '\n');
console.error(`chart: ${relative(process.cwd(), opt.out)} from ${relative(process.cwd(), file)}`);

function panel(x0, heading, value, label) {
  const plotH = H - TOP - BOTTOM - 20, y0 = TOP + 20 + plotH; // y0: the baseline
  const max = Math.max(...systems.map((s) => value(s.r) ?? 0), 1);
  const { step, top } = niceScale(max);
  parts.push(text(x0 + PANEL_W / 2, TOP, heading, { size: 13, weight: 600, anchor: 'middle' }));
  for (let v = 0; v <= top + 1e-9; v += step) {
    const y = y0 - (v / top) * plotH;
    parts.push(`<line x1="${x0}" y1="${y.toFixed(1)}" x2="${x0 + PANEL_W}" y2="${y.toFixed(1)}" stroke="${v === 0 ? '#3e4c59' : '#e4e7eb'}" stroke-width="1"/>`);
    parts.push(text(x0 - 6, y + 4, fmt(v), { size: 10.5, fill: '#616e7c', anchor: 'end' }));
  }
  const slot = PANEL_W / systems.length, barW = Math.min(64, slot * 0.55);
  systems.forEach((s, i) => {
    const v = value(s.r);
    const cx = x0 + slot * (i + 0.5);
    if (v == null) {
      parts.push(text(cx, y0 - 6, 'n/a', { size: 11, fill: '#7b8794', anchor: 'middle' }));
    } else {
      const h = (v / top) * plotH;
      parts.push(`<rect x="${(cx - barW / 2).toFixed(1)}" y="${(y0 - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}" rx="2"><title>${esc(`${s.name}: ${label(v)}`)}</title></rect>`);
      parts.push(text(cx, y0 - h - 6, label(v), { size: 12, weight: 600, anchor: 'middle' }));
    }
    parts.push(text(cx, y0 + 17, s.name, { size: 12, weight: 600, anchor: 'middle' }));
    s.note.split(' | ').forEach((line, k) => parts.push(text(cx, y0 + 31 + 12 * k, line, { size: 9.5, fill: '#7b8794', anchor: 'middle' })));
  });
}

function niceScale(max) {
  const rough = max / 5, mag = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= rough);
  return { step, top: Math.ceil((max * 1.08) / step) * step };
}

function fmt(v) {
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  if (v >= 10) return v.toFixed(1).replace(/\.0$/, '');
  return String(+v.toFixed(2));
}

function text(x, y, s, { size = 12, weight = 400, fill = '#1f2933', anchor = 'start' } = {}) {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${size}" font-weight="${weight}" fill="${fill}" text-anchor="${anchor}">${esc(s)}</text>`;
}

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function newestResults() {
  const dir = join(ROOT, 'bench/results');
  let files = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.jsonl') && !f.endsWith('-runs.jsonl')).map((f) => join(dir, f));
  } catch { /* no results yet */ }
  if (!files.length) throw new Error('no bench/results/*.jsonl yet: run `bash scripts/bench/compare.sh`, or name a file');
  return files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}
