// Graceful shutdown: on SIGTERM a gateway process finishes every request already in flight with a complete 200, closes the database, exits 0, and accepts no new connection.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CreateUserDocument, GatewayClient } from '../../client';
import { ensureBuilt, startProcess, type GatewayProcess } from '../support/process';
import { dialects } from '../support/gateway';
import { createDatabase } from '../support/postgres';

const CONCURRENT = 20;
/**
 * Each request is a batch of this many createTotp operations for one user (each replaces the user's
 * pending TOTP, with a new secret, QR PNG and SVG): slow enough to still be running at the signal.
 */
const BATCH = 10;
const CREATE_TOTP = 'mutation CreateTotp($input: CreateTotpInput!) { createTotp(input: $input) { totpId qrCode qrCodeSvg } }';

/** Resolves once `predicate` holds for the process output (polled; no timing assertion). */
function waitForOutput(gateway: GatewayProcess, predicate: (output: string) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (predicate(gateway.output()) ? resolve() : setTimeout(check, 5));
    check();
  });
}

// On PostgreSQL requests interleave on real I/O, so all of them are mid-flight at the signal. On SQLite
// (synchronous driver) the process runs one batch at a time: the test still proves nothing is dropped
// or reset and the exit is clean, but most requests may have finished before the signal.
const dialect = dialects.includes('postgres') ? 'postgres' : 'sqlite';

describe(`graceful shutdown on SIGTERM (${dialect})`, () => {
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

  it('answers every in-flight request with a complete 200, exits 0, then refuses connections', async () => {
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
      const logged = () => gateway.output().split('\n').filter((l) => l.includes('"incoming request"')).length;
      const before = logged();

      const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', (code) => resolve(code)));
      const requests = Array.from({ length: CONCURRENT }, async (_, r) => {
        const body = Array.from({ length: BATCH }, () => ({ query: CREATE_TOTP, variables: { input: { userId: userIds[r] } } }));
        const response = await fetch(`${gateway.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: client.authorization! },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as Array<{ data?: { createTotp?: { totpId: string; qrCode: string } }; errors?: unknown }> };
      });
      // Every request has reached the server (it logged each) before the signal is sent.
      await waitForOutput(gateway, () => logged() - before >= CONCURRENT);
      gateway.child.kill("SIGTERM");

      const results = await Promise.allSettled(requests);
      expect(results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as { cause?: unknown }).cause ?? r.reason)] : []))).toEqual([]);
      for (const result of results) {
        const { status, body } = (result as PromiseFulfilledResult<{ status: number; body: Array<{ data?: { createTotp?: { totpId: string; qrCode: string } }; errors?: unknown }> }>).value;
        expect(status).toBe(200);
        expect(body).toHaveLength(BATCH);
        for (const op of body) {
          expect(op.errors).toBeUndefined();
          expect(op.data?.createTotp?.totpId).toMatch(/^totp-/);
          expect(op.data?.createTotp?.qrCode).toMatch(/^data:image\/png;base64,/);
        }
      }
      expect(await exited).toBe(0);
      expect(gateway.output()).toContain('"shutting down"');
      await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
    } finally {
      await gateway.kill('SIGKILL');
    }
  });
});
