// Webhook receivers as adversaries: answers that never end or never start, huge bodies, redirects of every kind, a name resolving to loopback where private addresses are refused, another project's deliveries (IDOR), and nothing secret in what the gateway logs, counts or records.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { describeEachDialect, startGateway, totpCode, type Dialect, type TestGateway } from '../support/gateway';
import { startReceiver, type Receiver } from '../support/webhook-receiver';
import { AuthenticateTotpDocument, UpdateUserDocument } from '../../client';

const FAST = { WEBHOOK_POLL_INTERVAL_MS: '20', WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_RETRY_MAX_DELAY_SECONDS: '1', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_LEASE_MS: '5000' };
const HUGE_BYTES = 32 * 1024 * 1024;

/** A receiver whose path says how it misbehaves; it counts the requests each path got. */
async function hostileReceiver(elsewhere: string): Promise<{ base: string; hits: Map<string, number>; close(): Promise<void> }> {
  const hits = new Map<string, number>();
  const open = new Set<ServerResponse>();
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    open.add(response);
    request.resume();
    request.on('end', () => {
      if (path === '/endless') {
        response.writeHead(200);
        const timer = setInterval(() => response.write('x'), 50);
        response.on('close', () => clearInterval(timer));
      } else if (path === '/huge') {
        response.writeHead(200);
        const chunk = Buffer.alloc(1024 * 1024, 'a');
        let sent = 0;
        const pump = () => {
          while (sent < HUGE_BYTES && response.write(chunk)) sent += chunk.length;
          if (sent < HUGE_BYTES && !response.destroyed) response.once('drain', pump);
          else response.end();
        };
        pump();
      } else if (path.startsWith('/redirect/')) {
        response.writeHead(Number(path.slice('/redirect/'.length)), { location: elsewhere }).end();
      }
      // '/silent': never a status line.
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    hits,
    async close() {
      for (const response of open) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function graphql(gw: TestGateway, project: { projectId: string; secret: string }, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${project.projectId}:${project.secret}`).toString('base64')}` },
    body: JSON.stringify({ query, variables }),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped operations: each test reads the fields it selected
  return (await response.json()) as { data?: Record<string, any>; errors?: Array<{ extensions: { code: string } }> };
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describeEachDialect('hostile webhook receivers', (dialect: Dialect) => {
  let gw: TestGateway;
  let receiver: Receiver;

  beforeEach(async () => {
    receiver = await startReceiver();
  });

  afterEach(async () => {
    await gw?.close();
    await receiver?.close();
  });

  it('cost a bounded attempt each (endless or absent answers, huge bodies), follow no redirect, and never stop others being served', async () => {
    gw = await startGateway({ dialect, env: FAST });
    const hostile = await hostileReceiver(receiver.url);
    try {
      const paths = ['/endless', '/silent', '/huge', '/redirect/301', '/redirect/307', '/redirect/308'];
      const endpoints = new Map<string, string>();
      for (const path of paths) {
        const { endpoint } = await gw.gateway.services.webhooks.create(gw.project.projectId, { url: `${hostile.base}${path}`, eventTypes: ['user.created'] });
        endpoints.set(path, endpoint.endpointId);
      }
      const { secret } = await gw.gateway.services.webhooks.create(gw.project.projectId, { url: receiver.url, eventTypes: ['user.created'] });
      receiver.secrets = [secret];
      await gw.createUser();
      await receiver.until((got) => got.length === 1);
      const last = async (path: string) => (await gw.gateway.services.webhooks.deliveries(gw.project.projectId, endpoints.get(path), 1))[0];
      await until(async () => (await Promise.all(paths.map(last))).every((d) => d.attempts >= 2 || d.status === 'delivered'), 'every hostile endpoint to be tried twice');
      // Its 200 acknowledged the message (Standard Webhooks: the status is the answer); a body that never
      // ends is dropped at the timeout, and the message is not sent again.
      expect(await last('/endless')).toMatchObject({ status: 'delivered', lastStatusCode: 200, attempts: 1 });
      expect(hostile.hits.get('/endless')).toBe(1);
      expect((await last('/silent')).lastError).toBe('timeout');
      // Its first 64 KiB read and the rest dropped: a 2xx acknowledges, whatever follows.
      expect(await last('/huge')).toMatchObject({ status: 'delivered', lastStatusCode: 200 });
      for (const status of [301, 307, 308]) expect(await last(`/redirect/${status}`)).toMatchObject({ status: 'pending', lastStatusCode: status, lastError: `HTTP ${status}` });
      // The redirect target (the healthy receiver) heard only its own delivery.
      expect(receiver.requests).toBe(1);
      // The gateway still answers while the hostile attempts go on.
      expect(await gw.createUser()).toMatch(/^user-/);
    } finally {
      await hostile.close();
    }
  });

  it('hold up no other delivery while one attempt waits out its timeout (a silent receiver holds one slot, not the worker)', async () => {
    // Attempts may last a minute; two deliveries at a time.
    gw = await startGateway({ dialect, env: { ...FAST, WEBHOOK_TIMEOUT_MS: '60000', WEBHOOK_LEASE_MS: '120000', WEBHOOK_BATCH_SIZE: '2' } });
    const hostile = await hostileReceiver(receiver.url);
    try {
      await gw.gateway.services.webhooks.create(gw.project.projectId, { url: `${hostile.base}/silent`, eventTypes: ['user.created'] });
      const { secret } = await gw.gateway.services.webhooks.create(gw.project.projectId, { url: receiver.url, eventTypes: ['user.created', 'user.updated'] });
      receiver.secrets = [secret];
      const userId = await gw.createUser();
      await until(async () => hostile.hits.get('/silent') === 1, 'the silent receiver to hold an attempt');
      // Changes made while that attempt hangs: their events reach the healthy receiver meanwhile.
      for (const firstName of ['Ada', 'Grace', 'Edsger']) await gw.client.data(UpdateUserDocument, { input: { userId, name: { firstName } } });
      await receiver.until((got) => got.filter((r) => r.type === 'user.updated').length === 3, 20_000);
      expect(hostile.hits.get('/silent')).toBe(1);
    } finally {
      await hostile.close();
    }
  });

  it('refuse a receiver whose NAME resolves to loopback when private addresses are refused (checked at connect), without telling the project the address (an internal DNS oracle)', async () => {
    gw = await startGateway({ dialect, env: { ...FAST, WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'false' } });
    const { endpoint } = await gw.gateway.services.webhooks.create(gw.project.projectId, { url: receiver.url.replace('127.0.0.1', 'localhost'), eventTypes: ['user.created'] });
    await gw.createUser();
    const last = async () => (await gw.gateway.services.webhooks.deliveries(gw.project.projectId, endpoint.endpointId, 1))[0];
    await until(async () => (await last()).attempts >= 1 && (await last()).lastError !== null, 'the first attempt');
    expect((await last()).lastError).toBe('refused: the receiver resolves to an address that is not public (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)');
    expect(receiver.requests).toBe(0);
  });

  it('cannot be read, replayed or redirected by another project, and nothing secret reaches logs, metrics or stored errors', async () => {
    gw = await startGateway({ dialect, env: FAST });
    receiver.answer = (n) => (n === 0 ? 500 : 200);
    const created = await graphql(gw, gw.project, 'mutation($u: String!) { createWebhookEndpoint(input: { url: $u }) { secret endpoint { endpointId } } }', { u: receiver.url });
    const signing = created.data!.createWebhookEndpoint.secret as string;
    const endpointId = created.data!.createWebhookEndpoint.endpoint.endpointId as string;
    receiver.secrets = [signing];
    const e = await gw.enroll({ verify: true });
    const code = totpCode(e.secret, 1);
    expect((await gw.client.request(AuthenticateTotpDocument, { input: { userId: e.userId, totpCode: code, sessionDurationMinutes: 5 } })).errors).toBeUndefined();
    await receiver.until((got) => got.some((r) => r.type === 'session.created'));
    const [delivery] = await gw.gateway.services.webhooks.deliveries(gw.project.projectId, endpointId, 1);

    const other = await gw.newProject();
    const foreign = [
      await graphql(gw, other, 'mutation($id: ID!) { replayWebhookDelivery(deliveryId: $id) { deliveryId } }', { id: delivery.deliveryId }),
      await graphql(gw, other, 'mutation($id: ID!) { rotateWebhookEndpointSecret(endpointId: $id) { secret } }', { id: endpointId }),
      await graphql(gw, other, 'mutation($id: ID!) { updateWebhookEndpoint(input: { endpointId: $id, url: "http://127.0.0.1:9/stolen" }) { endpointId } }', { id: endpointId }),
    ];
    expect(foreign.map((f) => f.errors?.[0].extensions.code)).toEqual(['WEBHOOK_DELIVERY_NOT_FOUND', 'WEBHOOK_ENDPOINT_NOT_FOUND', 'WEBHOOK_ENDPOINT_NOT_FOUND']);
    const listed = await graphql(gw, other, 'query($id: ID) { webhookDeliveries(endpointId: $id) { deliveryId } webhookEndpoints { endpointId } }', { id: endpointId });
    expect(listed.data).toEqual({ webhookDeliveries: [], webhookEndpoints: [] });

    const metrics = await gw.gateway.metrics.registry.metrics();
    const stored = JSON.stringify(await gw.gateway.db.dataSource.query('SELECT * FROM webhook_deliveries'));
    const bodies = receiver.received.map((r) => r.body).join('\n');
    for (const text of [gw.logs(), metrics, stored, bodies]) {
      for (const secret of [signing, signing.slice('whsec_'.length), e.secret, code, ...e.recoveryCodes, gw.project.secret]) expect(text).not.toContain(secret);
      expect(text).not.toContain('receiver error text');
    }
  });
});
