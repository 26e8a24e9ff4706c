// `npm run demo`: the frontend demo in one command. Builds the gateway (as `npm start` does) and the
// page, makes a throwaway SQLite database, creates a project with the CLI, allows the page's origin,
// starts the gateway and the demo backend on two ports (two origins, so the browser really does
// CORS), and prints the URL to open. Ctrl-C stops everything and deletes the database.
//
// Environment: DEMO_PORT (page and demo backend, default 5173; 0 picks a free port),
// DEMO_GATEWAY_PORT (default 4100; 0 picks one), DEMO_PASSWORD (default "demo-password").
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { startDemoBackend } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const require = createRequire(import.meta.url);

const HOST = '127.0.0.1';
/** Vite's usual port, so the page's URL looks familiar. */
const DEFAULT_PAGE_PORT = 5173;
/** Beside `npm start`'s 4000, so the demo runs next to a gateway you already have. */
const DEFAULT_GATEWAY_PORT = 4100;
const DEFAULT_PASSWORD = 'demo-password';
/** GATEWAY_ENCRYPTION_KEY is 32 random bytes (README "Configuration"). */
const ENCRYPTION_KEY_BYTES = 32;
/** Generous for a cold start on a busy 2-core machine: migrations, signing keys, listen. */
const GATEWAY_START_TIMEOUT_MS = 60_000;
/** Where the built page goes: under dist/, which git and eslint already ignore. */
const PAGE_OUT_DIR = join(root, 'dist', 'web');

function port(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) fail(`${name} must be a port number (0 picks a free one), got "${raw}".`);
  return Number(raw);
}

function fail(message) {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(1);
}

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, entry) => Math.max(max, newest(join(path, entry))), 0);
}

/** Runs node with `args` from the repository root; output to stderr so stdout stays the demo's. */
function runNode(args, env) {
  const result = spawnSync(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (result.status !== 0) fail(`"node ${args.join(' ')}" failed (exit ${result.status}).`);
  return result.stdout;
}

/**
 * Type-checks and bundles the page when it is missing or older than its sources (Vite only strips
 * types, so the check is tsc's, with the page's own DOM tsconfig).
 */
async function buildPage() {
  const marker = join(PAGE_OUT_DIR, 'index.html');
  const sources = [join(here, 'index.html'), join(here, 'src'), join(here, 'tsconfig.json'), join(root, 'client')];
  if (existsSync(marker) && Math.max(...sources.map(newest)) <= statSync(marker).mtimeMs) return;
  process.stderr.write('demo: type-checking and building the page...\n');
  runNode([require.resolve('typescript/bin/tsc'), '-p', join(here, 'tsconfig.json')], process.env);
  const { build } = await import('vite');
  await build({ root: here, configFile: false, logLevel: 'warn', build: { outDir: PAGE_OUT_DIR, emptyOutDir: true } });
}

/** Starts `node dist/src/main.js` (what `npm start` runs) and resolves to its base URL once it listens. */
function startGateway(env) {
  const child = spawn(process.execPath, [join(root, 'dist', 'src', 'main.js')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway did not start within ${GATEWAY_START_TIMEOUT_MS} ms:\n${output}`)), GATEWAY_START_TIMEOUT_MS);
    const onData = (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/[^\s/]+)\/graphql/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited (${signal ?? code}):\n${output}`));
    });
  });
  return { child, url, output: () => output };
}

async function main() {
  const pagePort = port('DEMO_PORT', DEFAULT_PAGE_PORT);
  const gatewayPort = port('DEMO_GATEWAY_PORT', DEFAULT_GATEWAY_PORT);
  const password = process.env.DEMO_PASSWORD || DEFAULT_PASSWORD;

  runNode([join(root, 'scripts', 'ensure-built.js')], process.env);
  await buildPage();

  const dataDir = mkdtempSync(join(tmpdir(), 'totp-gateway-demo-'));
  const env = {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV || 'development',
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
    HOST,
    PORT: String(gatewayPort),
    DATABASE_URL: `sqlite:${join(dataDir, 'demo.sqlite')}`,
    GATEWAY_ENCRYPTION_KEY: randomBytes(ENCRYPTION_KEY_BYTES).toString('base64'),
  };
  // Without PUBLIC_URL the JWT issuer is stytch.com/<projectId>; an inherited PUBLIC_URL would name another gateway.
  delete env.PUBLIC_URL;

  let backend;
  let gateway;
  let stopping = false;
  const stop = async (exitCode) => {
    if (stopping) return;
    stopping = true;
    await backend?.close();
    if (gateway && gateway.child.exitCode === null && gateway.child.signalCode === null) {
      await new Promise((resolveExit) => {
        gateway.child.once('exit', resolveExit);
        gateway.child.kill('SIGTERM');
      });
    }
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    // The page's port first: its origin must be allowed before the gateway serves.
    backend = await startDemoBackend({ host: HOST, port: pagePort, password, staticDir: PAGE_OUT_DIR });
    const pageOrigin = new URL(backend.url).origin;

    const cli = (...args) => runNode([join(root, 'dist', 'src', 'cli.js'), ...args], env);
    const project = JSON.parse(cli('project', 'create', '--name', 'Web demo', '--json'));
    // Both spellings of the page's host, so opening it as localhost works too.
    for (const origin of [pageOrigin, pageOrigin.replace(HOST, 'localhost')]) {
      cli('project', 'origins', 'add', '--project', project.projectId, '--origin', origin);
    }

    gateway = startGateway(env);
    const gatewayUrl = await gateway.url;
    gateway.child.once('exit', (code, signal) => {
      if (stopping) return;
      process.stderr.write(`demo: the gateway exited (${signal ?? code}):\n${gateway.output()}\n`);
      void stop(1);
    });
    backend.connect({ gatewayUrl, projectId: project.projectId, secret: project.secret, publicToken: project.publicToken });

    process.stdout.write(
      `demo: gateway ${gatewayUrl}/graphql (project ${project.projectId}, allowed origin ${pageOrigin})\n` +
        `demo: open ${backend.url} and sign in with any email and the password "${password}" (Ctrl-C stops; the database is thrown away)\n`,
    );
  } catch (error) {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    await stop(1);
  }
}

await main();
