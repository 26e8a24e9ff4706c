#!/usr/bin/env node
// Fails when a module of src/ imports one above it: imports must only point down the layers below, so
// no two folders depend on each other (a feature may use db/, crypto/, errors/, common/; those never
// use a feature). Every relative import in src/**/*.ts counts, `import type` included. A node is a
// folder of src/, or a file directly in src/ (config.ts; the composition roots cli.ts, main.ts,
// server.ts, schema.ts, services.ts, data-source.ts). `npm run lint` runs it; it prints each upward
// import with the files that make it, and any folder not yet placed in LAYERS.
// Options: --root DIR (default: the repository), --graph (print every edge between nodes and exit 0).
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import ts from 'typescript';

const { values: args } = parseArgs({ options: { root: { type: 'string' }, graph: { type: 'boolean', default: false } } });
const root = resolve(args.root ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const src = join(root, 'src');

/** The layers, top first: a node may import only nodes listed after it. */
const LAYERS = [
  'src/cli.ts', // the command line's entry
  'cli', // its commands and their database helper
  'src/main.ts',
  'src/server.ts', // the HTTP composition root
  'api', // the GraphQL server: Apollo, the fast path, their one settings object and plugins, the /graphql route
  'rest', // the Stytch-compatible REST facade
  'explorer', // the offline GraphQL explorer's page and files
  'console', // the operator's console: its built files and routes
  'src/schema.ts', // the GraphQL schema: every resolver and the @auth directive
  'src/services.ts', // the service composition root
  'src/data-source.ts', // every entity and migration
  'migrations',
  'ratelimit',
  'keys', // key rotation over the feature tables
  'auth', // who is calling (project secret or session), the @auth directive, CORS
  'totp',
  'remembered-devices', // remembered devices: issued after a second factor, used in place of one
  'verification', // one verification attempt of a second factor: lockout, audit, the session's factor
  'observability',
  'sessions',
  'audit',
  'users',
  'webhooks', // endpoints, the transactional outbox every feature writes its events to, delivery
  'graphql', // the request context, input validation, limits: what resolvers build on
  'projects',
  'crypto',
  'http',
  'db',
  'tracing', // OpenTelemetry: one tracer provider per gateway, its OTLP exporter, the request's current spans
  'common',
  'errors',
  'constants', // each feature's input bounds, which the catalogue's messages and the inputs are built from
  'src/config.ts',
];

/**
 * Upward imports that exist and are still to be removed, as `from -> to`: none remain, so the folders
 * form no cycle. Keep it empty, never grow it: an unlisted upward import fails, and so does a listed
 * one that no longer exists.
 */
const KNOWN_UPWARD = new Set([]);

function walk(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return walk(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** A file's node: its top folder under src/, or `src/<name>.ts` for a file directly in src/. */
function nodeOf(file) {
  const parts = relative(src, file).split(sep);
  return parts.length > 1 ? parts[0] : `src/${parts[0]}`;
}

/** The .ts file a relative specifier names, or undefined when it leaves src/ or names no .ts file. */
function resolveImport(from, specifier) {
  const base = resolve(dirname(from), specifier);
  const file = [`${base}.ts`, join(base, 'index.ts'), base].find((p) => p.endsWith('.ts') && existsSync(p));
  return file && file.startsWith(src + sep) ? file : undefined;
}

/** Folder edges: Map<from, Map<to, Set<file>>> (the files of `from` that import from `to`). */
const edges = new Map();
for (const file of walk(src)) {
  // TypeScript's own scanner: import/export ... from, import type, import(), require().
  for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
    if (!fileName.startsWith('.')) continue;
    const target = resolveImport(file, fileName);
    if (!target) continue;
    const [a, b] = [nodeOf(file), nodeOf(target)];
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Map());
    if (!edges.get(a).has(b)) edges.get(a).set(b, new Set());
    edges.get(a).get(b).add(relative(root, file));
  }
}

if (args.graph) {
  for (const [a, targets] of [...edges].sort()) {
    for (const [b, files] of [...targets].sort()) process.stdout.write(`${a} -> ${b}  (${[...files].join(', ')})\n`);
  }
  process.exit(0);
}

const rank = new Map(LAYERS.map((node, index) => [node, index]));
const problems = [];
const nodes = new Set([...edges.keys(), ...[...edges.values()].flatMap((targets) => [...targets.keys()])]);
const unplaced = [...nodes].filter((node) => !rank.has(node)).sort();
if (unplaced.length) problems.push(`not in LAYERS (scripts/check-imports.mjs), place them: ${unplaced.join(', ')}`);
const upward = new Set();
for (const [a, targets] of [...edges].sort()) {
  for (const [b, files] of [...targets].sort()) {
    if (!rank.has(a) || !rank.has(b) || rank.get(b) > rank.get(a)) continue;
    const edge = `${a} -> ${b}`;
    upward.add(edge);
    if (!KNOWN_UPWARD.has(edge)) problems.push(`${edge} imports upward (${[...files].join(', ')})`);
  }
}
const gone = [...KNOWN_UPWARD].filter((edge) => !upward.has(edge));
if (gone.length) problems.push(`no longer imported, remove from KNOWN_UPWARD in scripts/check-imports.mjs: ${gone.join(', ')}`);

if (problems.length) {
  process.stderr.write(`check-imports: imports must point down the layers, but\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(`check-imports: every import points down (${LAYERS.length} layers, ${KNOWN_UPWARD.size ? `${KNOWN_UPWARD.size} known upward imports to remove` : 'no upward imports'})\n`);
