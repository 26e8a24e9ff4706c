// Running it in production: /metrics counts operations, routes and authentication outcomes; /readyz follows the database; production mode hides Sandbox and introspection; logs carry request ids.
import { createServer } from 'node:net';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { AuthenticateTotpDocument, GetUserDocument, RecoverTotpDocument } from '../../client';
import { describeEachDialect, codes, startGateway, totpCode, type Dialect, type TestGateway } from '../support/gateway';
import { ensureBuilt, startProcess } from '../support/process';

type Labels = Record<string, string>;

/** Every sample of a Prometheus text exposition: name, labels, value. */
function parseMetrics(text: string): Array<{ name: string; labels: Labels; value: number }> {
  const samples = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Labels = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `labels` (0 when there are none). */
function value(text: string, name: string, labels: Labels = {}): number {
  return parseMetrics(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${url}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
}

/** A 6-digit code no step from -2 to +2 produces, so it is always wrong. */
function wrongCode(secret: string): string {
  const near = new Set([-2, -1, 0, 1, 2].map((steps) => totpCode(secret, steps)));
  for (;;) {
    const guess = String(randomInt(0, 1_000_000)).padStart(6, '0');
    if (!near.has(guess)) return guess;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describeEachDialect('metrics and readiness on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ dialect, env: { LOCKOUT_MAX_ATTEMPTS: '3' } });
  });
  afterAll(() => gw?.close());

  it('counts a success, a wrong code, a replay and a locked attempt by factor and result', async () => {
    const enrollment = await gw.enroll({ verify: true });
    const other = await gw.enroll({ verify: true });
    const before = await scrape(gw.url);
    const auth = (labels: Labels) => (text: string) => value(text, 'totp_gateway_authentications_total', labels);

    const code = totpCode(enrollment.secret);
    const ok = await gw.client.request(AuthenticateTotpDocument, { input: { userId: enrollment.userId, totpCode: code, sessionDurationMinutes: 60 } });
    expect(codes(ok)).toEqual([]);
    const replay = await gw.client.request(AuthenticateTotpDocument, { input: { userId: enrollment.userId, totpCode: code } });
    expect(codes(replay)).toEqual(['TOTP_CODE_ALREADY_AUTHENTICATED']);
    // One wrong code through GraphQL, one through REST: both are TOTP failures; the second spends the last attempt.
    const wrong = await gw.client.request(AuthenticateTotpDocument, { input: { userId: enrollment.userId, totpCode: wrongCode(enrollment.secret) } });
    expect(codes(wrong)).toEqual(['UNABLE_TO_AUTHENTICATE_TOTP']);
    const rest = await fetch(`${gw.url}/v1/totps/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
      body: JSON.stringify({ user_id: enrollment.userId, totp_code: wrongCode(enrollment.secret) }),
    });
    expect(rest.status).toBe(401);
    const locked = await gw.client.request(AuthenticateTotpDocument, { input: { userId: enrollment.userId, totpCode: wrongCode(enrollment.secret) } });
    expect(codes(locked)).toEqual(['USER_LOCK_LIMIT_REACHED']);
    const recovered = await gw.client.request(RecoverTotpDocument, { input: { userId: other.userId, recoveryCode: other.recoveryCodes[0] } });
    expect(codes(recovered)).toEqual([]);

    const after = await scrape(gw.url);
    const delta = (read: (text: string) => number) => read(after) - read(before);
    expect(delta(auth({ factor: 'totp', result: 'success' }))).toBe(1);
    expect(delta(auth({ factor: 'totp', result: 'replay' }))).toBe(1);
    expect(delta(auth({ factor: 'totp', result: 'failure' }))).toBe(2);
    expect(delta(auth({ factor: 'totp', result: 'locked' }))).toBe(1);
    expect(delta(auth({ factor: 'recovery_code', result: 'success' }))).toBe(1);
    expect(delta(auth({ factor: 'recovery_code', result: 'failure' }))).toBe(0);
    expect(delta((t) => value(t, 'totp_gateway_lockouts_total', { factor: 'totp' }))).toBe(1);
    expect(delta((t) => value(t, 'totp_gateway_sessions_issued_total'))).toBe(1);

    // REST routes are labelled by pattern, never by raw URL or id.
    expect(delta((t) => value(t, 'totp_gateway_http_requests_total', { method: 'POST', route: '/v1/totps/authenticate', status_code: '401' }))).toBe(1);
    await fetch(`${gw.url}/v1/sessions/jwks/${gw.project.projectId}`);
    const jwks = await scrape(gw.url);
    expect(value(jwks, 'totp_gateway_http_requests_total', { route: '/v1/sessions/jwks/:project_id' })).toBeGreaterThanOrEqual(1);
    expect(value(jwks, 'totp_gateway_http_request_duration_seconds_count', { route: '/v1/sessions/jwks/:project_id' })).toBeGreaterThanOrEqual(1);
    expect(jwks).not.toContain(gw.project.projectId);
    expect(jwks).not.toContain(enrollment.userId);
  });

  it('counts requests per GraphQL operation name, and exposes pool and process metrics', async () => {
    const userId = await gw.createUser();
    const before = await scrape(gw.url);
    await gw.client.data(GetUserDocument, { userId });
    await gw.client.data(GetUserDocument, { userId });
    const missing = await gw.client.request(GetUserDocument, { userId: 'user-00000000-0000-4000-8000-000000000000' });
    expect(codes(missing)).toEqual(['USER_NOT_FOUND']);
    const after = await scrape(gw.url);
    const ops = (labels: Labels) => value(after, 'totp_gateway_graphql_operations_total', labels) - value(before, 'totp_gateway_graphql_operations_total', labels);
    expect(ops({ operation: 'GetUser', result: 'success' })).toBe(2);
    expect(ops({ operation: 'GetUser', result: 'error' })).toBe(1);
    expect(ops({ operation: 'CreateUser' })).toBe(0);
    expect(value(after, 'totp_gateway_graphql_operation_duration_seconds_count', { operation: 'GetUser' }) - value(before, 'totp_gateway_graphql_operation_duration_seconds_count', { operation: 'GetUser' })).toBe(3);
    expect(value(after, 'totp_gateway_http_requests_total', { method: 'POST', route: '/graphql', status_code: '200' })).toBeGreaterThanOrEqual(3);

    // An unauthenticated caller cannot mint label values.
    await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query Spam1 { __typename }' }) });
    const spam = await scrape(gw.url);
    expect(spam).not.toContain('Spam1');
    expect(value(spam, 'totp_gateway_graphql_operations_total', { operation: 'unauthenticated' })).toBeGreaterThanOrEqual(1);

    expect(value(after, 'totp_gateway_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    if (dialect === 'sqlite') expect(value(after, 'totp_gateway_db_pool_connections', { state: 'total' })).toBe(1);
    expect(after).toMatch(/^process_cpu_user_seconds_total /m);
    expect(after).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('every request log line carries the request id', async () => {
    const requestId = `obs-${randomBytes(6).toString('hex')}`;
    await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: gw.client.authorization!, 'x-request-id': requestId },
      body: JSON.stringify({ query: '{ nope }' }),
    });
    const lines = gw.logs().trim().split('\n').map((l) => JSON.parse(l) as { reqId?: string; req?: unknown; res?: unknown; msg?: string });
    expect(lines.filter((l) => l.reqId === requestId).map((l) => l.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
    for (const line of lines.filter((l) => l.req !== undefined || l.res !== undefined)) expect(line.reqId).toEqual(expect.any(String));
  });

  it('/readyz answers 200 while the database answers, 503 once it is closed; /healthz stays 200', async () => {
    const other = await startGateway({ dialect });
    try {
      const ready = await fetch(`${other.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });
      await other.gateway.db.close();
      const unavailable = await fetch(`${other.url}/readyz`);
      expect(unavailable.status).toBe(503);
      expect(await unavailable.json()).toEqual({ status: 'unavailable', reason: 'database_unavailable' });
      expect((await fetch(`${other.url}/healthz`)).status).toBe(200);
      // Metrics still answer: the pool gauge must not fail on a closed database.
      expect((await fetch(`${other.url}/metrics`)).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('protecting /metrics', () => {
  it('METRICS_AUTH refuses a scrape without (or with wrong) credentials and accepts the right ones', async () => {
    const gw = await startGateway({ env: { METRICS_AUTH: 'prometheus:s3cret:with-colon' } });
    try {
      const none = await fetch(`${gw.url}/metrics`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
      const basic = (s: string) => ({ authorization: `Basic ${Buffer.from(s).toString('base64')}` });
      expect((await fetch(`${gw.url}/metrics`, { headers: basic('prometheus:wrong') })).status).toBe(401);
      expect((await fetch(`${gw.url}/metrics`, { headers: { authorization: gw.client.authorization! } })).status).toBe(401);
      expect(await scrape(gw.url, basic('prometheus:s3cret:with-colon'))).toContain('totp_gateway_http_requests_total');
      expect(gw.logs()).not.toContain('s3cret');
    } finally {
      await gw.close();
    }
  });

  it('METRICS_PORT serves /metrics on its own loopback port; the main port answers 404 for it', async () => {
    const port = await freePort();
    const gw = await startGateway({ env: { METRICS_PORT: String(port) } });
    try {
      await gw.createUser();
      expect((await fetch(`${gw.url}/metrics`)).status).toBe(404);
      const text = await scrape(`http://127.0.0.1:${port}`);
      expect(value(text, 'totp_gateway_graphql_operations_total', { operation: 'CreateUser', result: 'success' })).toBe(1);
      expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
    } finally {
      await gw.close();
    }
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});

describe('production mode', () => {
  beforeAll(() => ensureBuilt());

  it('refuses introspection and serves no Sandbox page', async () => {
    const gw = await startGateway({ env: { NODE_ENV: 'production', METRICS_AUTH: 'prom:pw' } });
    try {
      expect(gw.config.env).toBe('production');
      const introspection = await fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
        body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
      });
      const body = (await introspection.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };
      expect(codes(body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(body.errors![0].message).toMatch(/introspection/i);
      expect(body.data).toBeUndefined();

      const page = await fetch(`${gw.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
      expect(await page.text()).not.toMatch(/sandbox|<html/i);
    } finally {
      await gw.close();
    }
  });

  it('prints one line saying what production mode turned off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-prod-'));
    const gateway = await startProcess({ NODE_ENV: 'production', DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`, GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), METRICS_AUTH: 'prom:pw' });
    try {
      // The line follows "listening on" in the same write sequence; wait for it without timing assumptions.
      await new Promise<void>((resolve) => {
        const check = () => (/production mode:/.test(gateway.output()) ? resolve() : setTimeout(check, 20));
        check();
      });
      const lines = gateway.output().split('\n').filter((l) => l.startsWith('production mode:'));
      expect(lines).toEqual(['production mode: explorer off, introspection off (GRAPHQL_EXPLORER/GRAPHQL_INTROSPECTION to enable); GATEWAY_ENCRYPTION_KEY required']);
    } finally {
      await gateway.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing GATEWAY_ENCRYPTION_KEY stops start-up with one line and exit code 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-prod-'));
    try {
      const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'src', 'main.js')], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const exitCode = await new Promise<number | null>((resolve) => child.once('close', resolve));
      expect(exitCode).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^totp-gateway: GATEWAY_ENCRYPTION_KEY is required when NODE_ENV=production/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
