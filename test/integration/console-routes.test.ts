// How the gateway serves the operator's console: /console redirects to /console/, the page carries a strict CSP and is never cached, built files are immutable with ETags, unknown files and a disabled console answer ROUTE_NOT_FOUND, missing built files answer CONSOLE_NOT_BUILT (not a crash), and production leaves the console off unless CONSOLE_ENABLED asks for it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config';
import { createHttpApp, registerHttpEdge } from '../../src/http/http.app';
import { loadConsoleAssets } from '../../src/console/console.assets';
import { CONSOLE_CSP, registerConsoleRoutes } from '../../src/console/console.routes';
import { startGateway } from '../support/gateway';

const ENV = { NODE_ENV: 'test', LOG_LEVEL: 'silent', GATEWAY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') };
const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-console-'));
const apps: FastifyInstance[] = [];

/** A module folder two levels down, so loadConsoleAssets looks only in its own public/ (and a dist/ that is not there). */
function moduleDir(name: string, files: Record<string, string>): string {
  const module = join(dir, name, 'src', 'console');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(module, 'public', path, '..'), { recursive: true });
    writeFileSync(join(module, 'public', path), text);
  }
  mkdirSync(module, { recursive: true });
  return module;
}

async function appServing(module: string): Promise<FastifyInstance> {
  const app = createHttpApp(loadConfig(ENV, dir));
  registerHttpEdge(app, {});
  registerConsoleRoutes(app, loadConsoleAssets(module));
  await app.ready();
  apps.push(app);
  return app;
}

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('built console', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await appServing(moduleDir('built', { 'index.html': '<!doctype html><title>console</title>', 'assets/index-abc.js': 'console.log(1)' }));
  });

  it('redirects /console to /console/ with a relative Location', async () => {
    const response = await app.inject({ method: 'GET', url: '/console' });
    expect(response.statusCode).toBe(308);
    expect(response.headers.location).toBe('console/');
  });

  it('serves the page with its CSP, no caching, no framing and no referrer', async () => {
    const response = await app.inject({ method: 'GET', url: '/console/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe');
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' });
    expect(response.body).toContain('<title>console</title>');
  });

  it('serves built files as immutable, answers 304 to their ETag, and ROUTE_NOT_FOUND to anything else', async () => {
    const file = await app.inject({ method: 'GET', url: '/console/assets/index-abc.js' });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(file.headers['cache-control']).toMatch(/immutable/);
    const again = await app.inject({ method: 'GET', url: '/console/assets/index-abc.js', headers: { 'if-none-match': String(file.headers.etag) } });
    expect(again.statusCode).toBe(304);
    for (const url of ['/console/assets/other.js', '/console/../package.json', '/console/assets/../../index.html']) {
      const missing = await app.inject({ method: 'GET', url });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().errors[0].extensions.code).toBe('ROUTE_NOT_FOUND');
    }
  });
});

it('answers CONSOLE_NOT_BUILT (503) on every console URL when the built files are missing', async () => {
  const app = await appServing(moduleDir('unbuilt', {}));
  for (const url of ['/console/', '/console/assets/index-abc.js']) {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(503);
    expect(response.json().errors[0].extensions).toMatchObject({ code: 'CONSOLE_NOT_BUILT', errorType: 'console_not_built' });
  }
});

it('is on by default outside production, off in production unless CONSOLE_ENABLED=true', () => {
  const production = { ...ENV, NODE_ENV: 'production' };
  expect(loadConfig(ENV, dir).console.enabled).toBe(true);
  expect(loadConfig(production, dir).console.enabled).toBe(false);
  expect(loadConfig({ ...production, CONSOLE_ENABLED: 'true' }, dir).console.enabled).toBe(true);
  expect(loadConfig({ ...ENV, CONSOLE_ENABLED: 'false' }, dir).console.enabled).toBe(false);
});

it('serves nothing at /console when CONSOLE_ENABLED=false', async () => {
  const gw = await startGateway({ env: { CONSOLE_ENABLED: 'false' } });
  try {
    const response = await fetch(`${gw.url}/console/`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code).toBe('ROUTE_NOT_FOUND');
  } finally {
    await gw.close();
  }
});
