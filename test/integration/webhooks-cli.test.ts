// The operator's webhook commands against a running gateway: an endpoint added from the CLI receives signed events (verified with the secret the CLI printed once), and list, update, rotate-secret, deliveries list, replay and delete do what they say.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCli } from '../../src/cli';
import { loadConfig } from '../../src/config';
import { createGateway, type Gateway } from '../../src/server';
import { CreateUserDocument, GatewayClient } from '../../client';
import { startReceiver, type Receiver } from '../support/webhook-receiver';

const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-webhooks-cli-'));
const env = {
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'silent',
  DATABASE_URL: `sqlite:${join(dir, 'cli.sqlite')}`,
  GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  WEBHOOK_POLL_INTERVAL_MS: '20',
};
const saved = { ...process.env };
let gateway: Gateway;
let receiver: Receiver;

/** Runs one command line with --json; returns the object it printed. */
async function cli(...args: string[]): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any -- each command prints its own shape
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(chunk.toString());
    return true;
  });
  try {
    await runCli([...args, '--json']);
  } finally {
    spy.mockRestore();
  }
  return JSON.parse(chunks.join(''));
}

beforeAll(async () => {
  Object.assign(process.env, env);
  receiver = await startReceiver();
  gateway = await createGateway(loadConfig(env, dir));
});

afterAll(async () => {
  await gateway?.close();
  await receiver?.close();
  process.env = saved;
  rmSync(dir, { recursive: true, force: true });
});

it('adds, lists, updates, rotates, replays and deletes endpoints', async () => {
  const url = await gateway.listen();
  const { projectId, secret } = await cli('project', 'create', '--name', 'Hooks');
  const added = await cli('webhooks', 'endpoint', 'add', '--project', projectId, '--url', receiver.url, '--events', 'user.created,user.deleted');
  expect(added.secret).toMatch(/^whsec_/);
  expect(added.endpoint.eventTypes).toEqual(['user.created', 'user.deleted']);
  receiver.secrets = [added.secret];
  const endpointId = added.endpoint.endpointId;

  const client = new GatewayClient({ url, projectId, secret });
  const { createUser } = await client.data(CreateUserDocument, { input: { email: 'cli-hook@example.com' } });
  await receiver.until((r) => r.length >= 1);
  expect(receiver.received[0]).toMatchObject({ type: 'user.created', verified: true, data: { userId: createUser.userId } });

  const listed = await cli('webhooks', 'endpoint', 'list', '--project', projectId);
  expect(listed.endpoints.map((e: { endpointId: string }) => e.endpointId)).toEqual([endpointId]);
  expect(JSON.stringify(listed)).not.toContain(added.secret);

  const updated = await cli('webhooks', 'endpoint', 'update', '--project', projectId, '--endpoint', endpointId, '--events', 'all', '--enabled', 'true');
  expect(updated.endpoint.eventTypes).toHaveLength(15);
  // --enabled takes on|off as well as true|false.
  expect((await cli('webhooks', 'endpoint', 'update', '--project', projectId, '--endpoint', endpointId, '--enabled', 'off')).endpoint.enabled).toBe(false);
  expect((await cli('webhooks', 'endpoint', 'update', '--project', projectId, '--endpoint', endpointId, '--enabled', 'on')).endpoint.enabled).toBe(true);

  const rotated = await cli('webhooks', 'endpoint', 'rotate-secret', '--project', projectId, '--endpoint', endpointId);
  expect(rotated.secret).not.toBe(added.secret);
  receiver.secrets = [added.secret, rotated.secret];

  // The delivery id replay takes comes from `webhooks deliveries list`, filtered by endpoint and status.
  // (The receiver has the event; the worker records the 2xx just after: poll for it.)
  let deliveries: Array<Record<string, unknown>> = [];
  for (let tries = 0; tries < 200 && !deliveries.length; tries++) {
    ({ deliveries } = await cli('webhooks', 'deliveries', 'list', '--project', projectId, '--endpoint', endpointId, '--status', 'delivered'));
    if (!deliveries.length) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  expect(deliveries).toHaveLength(1);
  const delivery = deliveries[0] as { deliveryId: string; messageId: string };
  expect(delivery).toMatchObject({ endpointId, eventType: 'user.created', status: 'delivered', attempts: 1 });
  expect((await cli('webhooks', 'deliveries', 'list', '--project', projectId, '--status', 'failed')).deliveries).toEqual([]);
  await expect(runCli(['webhooks', 'deliveries', 'list', '--project', projectId, '--status', 'lost'])).rejects.toThrow(/--status must be one of pending, delivered, failed, got "lost"/);
  // Another project sees none of them.
  const other = await cli('project', 'create', '--name', 'Other hooks');
  expect((await cli('webhooks', 'deliveries', 'list', '--project', other.projectId)).deliveries).toEqual([]);
  const replayed = await cli('webhooks', 'replay', delivery.deliveryId);
  expect(replayed.delivery).toMatchObject({ messageId: delivery.messageId, status: 'pending' });
  await receiver.until((r) => r.length >= 2);
  expect(receiver.received[1]).toMatchObject({ id: delivery.messageId, verified: true });

  expect(await cli('webhooks', 'endpoint', 'delete', '--project', projectId, '--endpoint', endpointId)).toEqual({ deleted: endpointId });
  expect((await cli('webhooks', 'endpoint', 'list', '--project', projectId)).endpoints).toEqual([]);
});
