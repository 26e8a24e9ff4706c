// Webhook delivery across real gateway processes: a process killed with SIGKILL mid-delivery loses no committed event (another process sends it once the lease ends), two processes on one PostgreSQL send each event exactly once between them, and one TOTP code sent to both at once commits exactly one authentication.succeeded.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { createGateway, type Gateway } from '../../src/server';
import { AuthenticateTotpDocument, CreateTotpDocument, CreateUserDocument, type GatewayClient } from '../../client';
import { describeEachDialect, describePostgres, totpCode, type Dialect } from '../support/gateway';
import { createDatabase } from '../support/postgres';
import { ensureBuilt, startProcess, type GatewayProcess } from '../support/process';
import { startReceiver, type Receiver } from '../support/webhook-receiver';

const FAST = { WEBHOOK_POLL_INTERVAL_MS: '20', WEBHOOK_RETRY_BASE_MS: '50', WEBHOOK_RETRY_MAX_DELAY_SECONDS: '1' };

interface Setup {
  readonly env: Record<string, string>;
  readonly admin: Gateway;
  readonly projectId: string;
  readonly secret: string;
  readonly cleanup: () => Promise<void>;
}

/** A database of `dialect`, a project, and an endpoint for `receiver`, made in-process without a worker. */
async function setUp(dialect: Dialect, receiver: Receiver): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-webhooks-'));
  const pg = dialect === 'postgres' ? await createDatabase() : undefined;
  const env = { DATABASE_URL: pg ? pg.url : `sqlite:${join(dir, 'gateway.sqlite')}`, GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), ...FAST };
  const admin = await createGateway(loadConfig({ ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent', WEBHOOK_WORKER: 'false' }, dir));
  const { projectId, secret } = await admin.services.projects.create('Webhooks');
  const created = await admin.services.webhooks.create(projectId, { url: receiver.url, eventTypes: ['user.created'] });
  receiver.secrets = [created.secret];
  return {
    env,
    admin,
    projectId,
    secret,
    cleanup: async () => {
      await admin.close();
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createUsers(clients: GatewayClient[], count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { createUser } = await clients[i % clients.length].data(CreateUserDocument, { input: { email: `hook${i}-${randomBytes(3).toString('hex')}@example.com` } });
    ids.push(createUser.userId);
  }
  return ids;
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(() => ensureBuilt());

describeEachDialect('a gateway killed with SIGKILL mid-delivery', (dialect) => {
  let receiver: Receiver;
  let setup: Setup;
  const processes: GatewayProcess[] = [];

  beforeAll(async () => {
    // Holds every request unanswered until the first process is dead.
    receiver = await startReceiver(() => 'hang');
    setup = await setUp(dialect, receiver);
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await setup?.cleanup();
    await receiver?.close();
  });

  it('is replaced by a restarted one that delivers every committed event at least once', async () => {
    // Attempts outlive the kill (timeout 3 s); their leases end 4 s after the claim.
    const first = await startProcess({ ...setup.env, WEBHOOK_TIMEOUT_MS: '3000', WEBHOOK_LEASE_MS: '4000' });
    processes.push(first);
    const users = await createUsers([first.client(setup.projectId, setup.secret)], 6);
    await waitFor(() => receiver.requests >= 1, 'the first attempt to reach the receiver');
    await first.kill('SIGKILL');
    expect(receiver.received).toHaveLength(0);

    receiver.answer = () => 200;
    const second = await startProcess(setup.env);
    processes.push(second);
    await receiver.until((got) => users.every((id) => got.some((r) => r.data.userId === id)), 60_000);
    expect(receiver.received.every((r) => r.verified && r.type === 'user.created')).toBe(true);
    // The receiver answers before the worker records the answer: wait for the records too.
    const statuses = async () => (await setup.admin.services.webhooks.deliveries(setup.projectId, null, 100)).map((d) => d.status);
    await waitFor(async () => (await statuses()).every((s) => s === 'delivered'), 'every delivery to be recorded');
    expect(await statuses()).toEqual(users.map(() => 'delivered'));
  });
});

describePostgres('two gateway processes on one PostgreSQL database', () => {
  let receiver: Receiver;
  let setup: Setup;
  let a: GatewayProcess;
  let b: GatewayProcess;

  beforeAll(async () => {
    receiver = await startReceiver(() => 200);
    setup = await setUp('postgres', receiver);
    [a, b] = await Promise.all([startProcess({ ...setup.env, WEBHOOK_BATCH_SIZE: '3' }), startProcess({ ...setup.env, WEBHOOK_BATCH_SIZE: '3' })]);
  });

  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await setup?.cleanup();
    await receiver?.close();
  });

  it('deliver each event exactly once between them', async () => {
    const clients = [a.client(setup.projectId, setup.secret), b.client(setup.projectId, setup.secret)];
    const users = await createUsers(clients, 40);
    await receiver.until((got) => users.every((id) => got.some((r) => r.data.userId === id)), 60_000);
    // Until nothing is pending or leased anywhere, so a duplicate would have been sent by now.
    await waitFor(async () => (await setup.admin.services.webhooks.deliveries(setup.projectId, null, 100)).every((d) => d.status === 'delivered'), 'every delivery to be recorded');
    const ids = receiver.received.map((r) => r.id);
    expect(ids).toHaveLength(users.length);
    expect(new Set(ids).size).toBe(users.length);
    expect(receiver.requests).toBe(users.length);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect(`${a.output()}${b.output()}`).not.toMatch(/webhook delivery round failed/);
    // The processes' own counts agree: between them, one successful attempt per event.
    const delivered = async (p: GatewayProcess) => {
      const text = await (await fetch(`${p.url}/metrics`)).text();
      return Number(/^totp_gateway_webhook_deliveries_total\{result="delivered"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    expect((await delivered(a)) + (await delivered(b))).toBe(users.length);
  });
});

describePostgres('one TOTP code sent to two gateway processes at once', () => {
  let receiver: Receiver;
  let setup: Setup;
  let a: GatewayProcess;
  let b: GatewayProcess;

  beforeAll(async () => {
    receiver = await startReceiver(() => 200);
    setup = await setUp('postgres', receiver);
    // Replays are failures: enough allowance that none of this test's locks the user.
    const env = { ...setup.env, LOCKOUT_MAX_ATTEMPTS: '50', WEBHOOK_WORKER: 'false' };
    [a, b] = await Promise.all([startProcess(env), startProcess(env)]);
  });

  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await setup?.cleanup();
    await receiver?.close();
  });

  it('commits one authentication.succeeded and a replayed for every other, each with its one statement', async () => {
    const { endpoint } = await setup.admin.services.webhooks.create(setup.projectId, { url: receiver.url, eventTypes: ['authentication.succeeded', 'authentication.replayed', 'session.created'] });
    const clients = [a.client(setup.projectId, setup.secret), b.client(setup.projectId, setup.secret)];
    const [userId] = await createUsers(clients, 1);
    const { createTotp } = await clients[0].data(CreateTotpDocument, { input: { userId } });
    expect((await clients[0].request(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(createTotp.secret, -1) } })).errors).toBeUndefined();
    const code = totpCode(createTotp.secret, 1);
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => clients[i % 2].request(AuthenticateTotpDocument, { input: { userId, totpCode: code, sessionDurationMinutes: 5 } })));
    const won = answers.filter((x) => !x.errors);
    expect(won).toHaveLength(1);
    const deliveries = (await setup.admin.services.webhooks.deliveries(setup.projectId, endpoint.endpointId, 100)).reverse();
    // The enrollment's verification, then this test's sixteen.
    expect(deliveries.map((d) => d.eventType)).toEqual(['authentication.succeeded', 'authentication.succeeded', 'session.created', ...Array(15).fill('authentication.replayed')]);
    const payloads = await setup.admin.db.dataSource.query('SELECT payload FROM webhook_deliveries WHERE event_type = $1', ['session.created']);
    expect(JSON.parse(payloads[0].payload).data.sessionId).toBe(won[0].data!.authenticateTotp.session!.sessionId);
  });
});
