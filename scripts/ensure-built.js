#!/usr/bin/env node
// Builds dist/ when it is missing or older than any source file, so `npm start` and `npm run cli`
// work straight after `npm install`: the gateway's TypeScript, the offline explorer's files and the
// operator's console. Build output goes to stderr: scripts parse the CLI's stdout.
'use strict';
const { existsSync, statSync, readdirSync, utimesSync, renameSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const marker = join(root, 'dist', 'src', 'main.js');
const consoleSources = join(root, 'console');
const consoleOut = join(root, 'dist', 'src', 'console', 'public');
const consolePage = join(consoleOut, 'index.html');

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, entry) => Math.max(max, newest(join(path, entry))), 0);
}

function run(args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', process.stderr, process.stderr] });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Vite's command-line script, or null when devDependencies are not installed (a production install). */
function viteBin() {
  try {
    const manifest = require.resolve('vite/package.json', { paths: [root] });
    return join(manifest, '..', require(manifest).bin.vite);
  } catch {
    return null;
  }
}

function buildGateway() {
  const stale = !existsSync(marker) || Math.max(newest(join(root, 'src')), newest(join(root, 'ormconfig.ts'))) > statSync(marker).mtimeMs;
  if (!stale) return;
  process.stderr.write('totp-gateway: compiling TypeScript (first start or sources changed)...\n');
  run([require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')]);
  // tsc leaves an unchanged file's mtime alone; touch the marker so the next start skips the build.
  utimesSync(marker, new Date(), new Date());
}

// The console's sources (console/, plus the typed client it imports) against its built page. Only
// with the sources and Vite at hand: a production install ships the built console and no devDependencies.
function buildConsole() {
  if (!existsSync(consoleSources)) return;
  const sourcesTime = Math.max(newest(consoleSources), newest(join(root, 'client')));
  if (existsSync(consolePage) && sourcesTime <= statSync(consolePage).mtimeMs) return;
  const vite = viteBin();
  if (!vite) return;
  process.stderr.write('totp-gateway: building the console (first start or console/ changed)...\n');
  // Built beside the served folder and swapped in, so a gateway reading it meanwhile (a second start,
  // a parallel test) never finds it half-written or emptied.
  const building = `${consoleOut}.building-${process.pid}`;
  const previous = `${consoleOut}.previous-${process.pid}`;
  run([vite, 'build', '--config', join(consoleSources, 'vite.config.mts'), '--outDir', building, '--emptyOutDir']);
  try {
    if (existsSync(consoleOut)) renameSync(consoleOut, previous);
    renameSync(building, consoleOut);
  } catch (error) {
    // Another build swapped its own output in between: that one serves. Anything else is a failure.
    if (!existsSync(consolePage)) throw error;
  }
  rmSync(building, { recursive: true, force: true });
  rmSync(previous, { recursive: true, force: true });
  utimesSync(consolePage, new Date(), new Date());
}

// An installed package (npm pack) ships dist/ (the console and explorer files included) and no
// sources: nothing to build or copy.
if (existsSync(join(root, 'src')) || !existsSync(marker)) {
  buildGateway();
  buildConsole();
  // The offline explorer's files (a few copies, cheap): always, so they match node_modules and src/.
  require('./explorer-assets.js').copyExplorerAssets({ optional: true });
}
