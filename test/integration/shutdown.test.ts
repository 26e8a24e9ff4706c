// Graceful shutdown: on SIGTERM a gateway process finishes every request in flight at the signal (bodies still arriving) with a complete 200, closes the database, exits 0, and accepts no new connection.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { CreateUserDocument, GatewayClient } from '../../client';
import { ensureBuilt, startProcess, type GatewayProcess } from '../support/process';
import { describeEachDialect } from '../support/gateway';
import { createDatabase } from '../support/postgres';

const CONCURRENT = 20;
/**
 * Each request is a batch of this many createTotp operations for one user (each replaces the user's
 * pending TOTP, with a new secret, QR PNG and SVG): real work left to do after the signal.
 */
const BATCH = 10;
const CREATE_TOTP = 'mutation CreateTotp($input: CreateTotpInput!) { createTotp(input: $input) { totpId qrCode qrCodeSvg } }';

type Operation = { data?: { createTotp?: { totpId: string; qrCode: string } }; errors?: unknown };

/** Resolves once `predicate` holds for the process output (polled; no timing assertion). */
function waitForOutput(gateway: GatewayProcess, predicate: (output: string) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (predicate(gateway.output()) ? resolve() : setTimeout(check, 5));
    check();
  });
}

/**
 * A POST whose headers and first half of the body are sent now and whose rest is sent by `finish()`:
 * until then the request cannot have been answered, so it is provably in flight.
 */
function halfSent(url: string, authorization: string, body: string, requestId: string) {
  const { hostname, port } = new URL(url);
  let answered = false;
  let req!: ClientRequest;
  const response = new Promise<{ status: number; body: Operation[] }>((resolve, reject) => {
    req = httpRequest({ host: hostname, port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', authorization, 'x-request-id': requestId, 'content-length': Buffer.byteLength(body) } }, (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Operation[] });
        } catch (error) {
          reject(new Error(`incomplete body (${res.statusCode}): ${String(error)}`));
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(body.slice(0, half));
  return { response, answered: () => answered, finish: () => req.end(body.slice(half)) };
}

describeEachDialect('graceful shutdown on SIGTERM (%s)', (dialect) => {
  let dir: string;
  let databaseUrl: string;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'totp-gateway-shutdown-'));
    if (dialect === 'postgres') {
      const pg = await createDatabase();
      databaseUrl = pg.url;
      drop = pg.drop;
    } else {
      databaseUrl = `sqlite:${join(dir, 'gateway.sqlite')}`;
    }
  });
  afterAll(async () => {
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every request in flight at the signal with a complete 200, exits 0, then refuses connections', async () => {
    const gateway = await startProcess({
      DATABASE_URL: databaseUrl,
      GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'info',
      GRAPHQL_MAX_BATCH_OPERATIONS: String(BATCH),
      // Generous, so the bound never decides this test; it only has to be finite.
      SHUTDOWN_TIMEOUT_SECONDS: '120',
    });
    try {
      const projectId = /project id: (\S+)/.exec(gateway.output())![1];
      const secret = /secret: {5}(\S+)/.exec(gateway.output())![1];
      const client: GatewayClient = gateway.client(projectId, secret);
      const userIds: string[] = [];
      for (let i = 0; i < CONCURRENT; i++) {
        userIds.push((await client.data(CreateUserDocument, { input: { email: `shutdown${i}@example.com` } })).createUser.userId);
      }
      const requestIds = userIds.map((_, i) => `shutdown-${i}-${randomBytes(4).toString('hex')}`);
      /** Log lines of `message` for the half-sent requests (by their request ids). */
      const logged = (message: string) => gateway.output().split('\n').filter((l) => l.includes(`"${message}"`) && requestIds.some((id) => l.includes(id)));
      const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', (code) => resolve(code)));
      const requests = userIds.map((userId, i) =>
        halfSent(gateway.url, client.authorization!, JSON.stringify(Array.from({ length: BATCH }, () => ({ query: CREATE_TOTP, variables: { input: { userId } } }))), requestIds[i]),
      );
      // The server has every request (it logged each on its headers), and none has its whole body.
      await waitForOutput(gateway, () => logged('incoming request').length === CONCURRENT);
      gateway.child.kill('SIGTERM');
      // The process has taken the signal and begun to shut down while all of them are still in flight.
      await waitForOutput(gateway, (output) => output.includes('"shutting down"'));
      expect(requests.filter((r) => r.answered())).toHaveLength(0);
      expect(logged('request completed')).toEqual([]);
      for (const r of requests) r.finish();

      const results = await Promise.allSettled(requests.map((r) => r.response));
      expect(results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as { cause?: unknown }).cause ?? r.reason)] : []))).toEqual([]);
      for (const result of results) {
        const { status, body } = (result as PromiseFulfilledResult<{ status: number; body: Operation[] }>).value;
        expect(status).toBe(200);
        expect(body).toHaveLength(BATCH);
        for (const op of body) {
          expect(op.errors).toBeUndefined();
          expect(op.data?.createTotp?.totpId).toMatch(/^totp-/);
          expect(op.data?.createTotp?.qrCode).toMatch(/^data:image\/png;base64,/);
        }
      }
      expect(await exited).toBe(0);
      await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
    } finally {
      await gateway.kill('SIGKILL');
    }
  });
});
