// GRAPHQL_EXPLORER over HTTP: graphiql serves a page under a strict CSP whose every file is the gateway's own (hashed, immutable, ETag), sandbox and off keep what GET /graphql gave before, and missing files refuse the start.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type TestGateway } from '../support/gateway';
import { ExplorerAssetsMissingError, loadExplorerAssets } from '../../src/explorer/explorer.assets';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

async function open(gw: TestGateway, path = '/graphql', headers: Record<string, string> = {}) {
  const response = await fetch(`${gw.url}${path}`, { headers: { accept: BROWSER_ACCEPT, ...headers } });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The page's script and stylesheet URLs, as the browser resolves them against /graphql. */
function assetPaths(html: string, base: string): string[] {
  return [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((ref) => !ref.startsWith('data:')).map((ref) => new URL(ref, `${base}/graphql`).pathname);
}

describe('GRAPHQL_EXPLORER=graphiql', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { GRAPHQL_EXPLORER: 'graphiql' } });
  });
  afterAll(() => gw.close());

  it('serves the page on GET /graphql with a CSP that allows nothing but the gateway itself', async () => {
    const page = await open(gw);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.text).toMatch(/graphiql/i);
    expect(page.text).not.toMatch(/<script>|<style|https?:\/\//i);
  });

  it('serves each file the page loads under a hashed name: right type, immutable for a year, ETag and 304', async () => {
    const paths = assetPaths((await open(gw)).text, gw.url);
    expect(paths.map((p) => p.replace(/\.[0-9a-f]{16}\./, '.'))).toEqual([
      '/graphql/explorer/graphiql.css',
      '/graphql/explorer/explorer.css',
      '/graphql/explorer/react.js',
      '/graphql/explorer/react-dom.js',
      '/graphql/explorer/graphiql.js',
      '/graphql/explorer/explorer.js',
    ]);
    for (const path of paths) {
      const file = await open(gw, path);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe(path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
      expect(file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(file.headers.get('x-content-type-options')).toBe('nosniff');
      expect(file.text.length).toBeGreaterThan(0);
      const etag = file.headers.get('etag')!;
      expect(etag).toMatch(/^"[0-9a-f]{64}(-gzip)?"$/);
      expect((await open(gw, path, { 'if-none-match': etag })).status).toBe(304);
    }
  });

  it('gzips a file for a browser that accepts it, with its own ETag, and sends it as is otherwise', async () => {
    const path = assetPaths((await open(gw)).text, gw.url).find((p) => p.includes('/graphiql.'))!;
    const plain = await open(gw, path, { 'accept-encoding': 'identity' });
    const refused = await open(gw, path, { 'accept-encoding': 'gzip;q=0, identity' });
    const zipped = await open(gw, path, { 'accept-encoding': 'gzip, deflate, br' });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(refused.headers.get('content-encoding')).toBeNull();
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.headers.get('vary')).toMatch(/accept-encoding/i);
    // fetch decompresses: the same bytes either way, under two validators.
    expect(zipped.text).toBe(plain.text);
    expect(zipped.headers.get('etag')).toBe(plain.headers.get('etag')!.replace(/"$/, '-gzip"'));
    expect((await open(gw, path, { 'accept-encoding': 'identity', 'if-none-match': zipped.headers.get('etag')! })).status).toBe(200);
  });

  it('answers 404 for any other name under /graphql/explorer/', async () => {
    for (const path of ['/graphql/explorer/graphiql.js', '/graphql/explorer/graphiql.0000000000000000.js', '/graphql/explorer/..%2fpackage.json']) {
      expect((await open(gw, path)).status).toBe(404);
    }
  });

  it('leaves operations as they were: a JSON POST runs, a browser-less GET still needs its preflight header', async () => {
    const post = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await post.json()).toEqual({ data: { __typename: 'Query' } });
    const get = await fetch(`${gw.url}/graphql?query=${encodeURIComponent('{__typename}')}`, { headers: { authorization: gw.client.authorization! } });
    expect(get.status).toBe(400);
  });
});

describe('GRAPHQL_EXPLORER=off and sandbox', () => {
  it('off answers a browser on GET /graphql as a disabled Sandbox did (a JSON 400, no page) and serves no explorer file', async () => {
    const off = await startGateway({ env: { GRAPHQL_EXPLORER: 'off' } });
    const before = await startGateway({ env: { NODE_ENV: 'production', GRAPHQL_SANDBOX: 'false', METRICS_PORT: '0', METRICS_AUTH: 'm:pw' } });
    try {
      const now = await open(off);
      const then = await open(before);
      expect(now.status).toBe(400);
      expect(now.headers.get('content-type')).toMatch(/^application\/json/);
      expect(now.text).not.toMatch(/<html/i);
      expect([now.status, now.headers.get('content-type'), JSON.parse(now.text).errors[0].message]).toEqual([
        then.status,
        then.headers.get('content-type'),
        JSON.parse(then.text).errors[0].message,
      ]);
      expect(now.headers.get('content-security-policy')).toBeNull();
      expect((await open(off, '/graphql/explorer/graphiql.js')).status).toBe(404);
    } finally {
      await off.close();
      await before.close();
    }
  });

  it('sandbox (the default outside production) serves Apollo Sandbox and no explorer file', async () => {
    const gw = await startGateway();
    try {
      expect(gw.config.graphql.explorer).toBe('sandbox');
      const page = await open(gw);
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/sandbox/i);
      expect((await open(gw, '/graphql/explorer/graphiql.js')).status).toBe(404);
    } finally {
      await gw.close();
    }
  });
});

describe('explorer files', () => {
  it('refuses to load, naming the file and what to do, when one is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-explorer-'));
    try {
      mkdirSync(join(dir, 'public'));
      writeFileSync(join(dir, 'public', 'explorer.js'), '// page script');
      expect(() => loadExplorerAssets(dir)).toThrow(ExplorerAssetsMissingError);
      expect(() => loadExplorerAssets(dir)).toThrow(/explorer\.css.*npm run build.*GRAPHQL_EXPLORER=sandbox or off/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prefers the copies next to the compiled module to node_modules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-explorer-'));
    try {
      mkdirSync(join(dir, 'public'));
      for (const file of ['explorer.js', 'explorer.css', 'react.js']) writeFileSync(join(dir, 'public', file), `/* copied ${file} */`);
      const assets = loadExplorerAssets(dir);
      expect(assets.byFile.get('react.js')!.body.toString()).toBe('/* copied react.js */');
      // Not copied: from the devDependency.
      expect(assets.byFile.get('graphiql.js')!.body.length).toBeGreaterThan(100_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
