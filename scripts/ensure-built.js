#!/usr/bin/env node
// Builds dist/ when it is missing or older than any source file, so `npm start` and `npm run cli`
// work straight after `npm install`. Build output goes to stderr: scripts parse the CLI's stdout.
'use strict';
const { existsSync, statSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const marker = join(root, 'dist', 'src', 'main.js');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, entry) => Math.max(max, newest(join(path, entry))), 0);
}

// An installed package (npm pack) ships dist/ and no sources: nothing to compile.
if (!existsSync(join(root, 'src')) && existsSync(marker)) return;
const stale = !existsSync(marker) || Math.max(newest(join(root, 'src')), newest(join(root, 'ormconfig.ts'))) > statSync(marker).mtimeMs;
if (stale) {
  process.stderr.write('totp-gateway: compiling TypeScript (first start or sources changed)...\n');
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: ['ignore', process.stderr, process.stderr] });
  if (result.status !== 0) process.exit(result.status ?? 1);
  // tsc leaves an unchanged file's mtime alone; touch the marker so the next start skips the build.
  require('node:fs').utimesSync(marker, new Date(), new Date());
}
// The offline explorer's files (a few copies, cheap): always, so they match node_modules and src/.
require('./explorer-assets.js').copyExplorerAssets({ optional: true });
