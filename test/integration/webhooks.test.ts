// Webhooks end to end over real HTTP: every event signed per Standard Webhooks (verified with `standardwebhooks`), the outbox commits and rolls back with its change, retries, rotation with overlap, replay, redirects not followed, private receivers refused, and no secret, code or token in any payload.
import { AuthenticateTotpDocument, CreateSessionDocument, DeleteUserDocument, RecoverTotpDocument, RevokeSessionDocument, UpdateUserDocument } from '../../client';
import { describeEachDialect, startGateway, totpCode, type Dialect, type TestGateway } from '../support/gateway';
import { startReceiver, type Receiver } from '../support/webhook-receiver';
import { frozenClock } from '../support/devices';

/** Fast retries and polling, so the tests wait milliseconds, not the production schedule. */
const FAST = { WEBHOOK_POLL_INTERVAL_MS: '20', WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_RETRY_MAX_DELAY_SECONDS: '1', WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_LEASE_MS: '5000' };

/** A GraphQL call with the test project's secret (the webhook operations have no typed documents in the test client). */
async function graphql(gw: TestGateway, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${gw.project.projectId}:${gw.project.secret}`).toString('base64')}` },
    body: JSON.stringify({ query, variables }),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped operations: each test reads the fields it selected
  return (await response.json()) as { data?: Record<string, any>; errors?: Array<{ extensions: { code: string } }> };
}

const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { endpointId url enabled eventTypes } } }`;

async function addEndpoint(gw: TestGateway, receiver: Receiver, eventTypes?: string[]) {
  const result = await graphql(gw, CREATE, { input: { url: receiver.url, eventTypes } });
  expect(result.errors).toBeUndefined();
  const { secret, endpoint } = result.data!.createWebhookEndpoint;
  receiver.secrets = [secret];
  return { secret: secret as string, endpointId: endpoint.endpointId as string, endpoint };
}

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await condition()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await condition()).toBe(true);
}

const types = (receiver: Receiver, userId: string) => receiver.received.filter((r) => r.data.userId === userId).map((r) => r.type);

describeEachDialect('webhooks', (dialect: Dialect) => {
  let gw: TestGateway;
  let receiver: Receiver;

  beforeEach(async () => {
    gw = await startGateway({ dialect, env: FAST });
    receiver = await startReceiver();
  });

  afterEach(async () => {
    await gw?.close();
    await receiver?.close();
  });

  it('sends every event type of a user’s life, in order, each signature verified, and no secret, code or token in any payload', async () => {
    const { secret: signingSecret, endpoint } = await addEndpoint(gw, receiver);
    expect(endpoint.eventTypes).toHaveLength(15);
    expect(signingSecret).toMatch(/^whsec_/);
    const listed = await graphql(gw, '{ webhookEndpoints { endpointId url eventTypes } }');
    expect(JSON.stringify(listed)).not.toContain(signingSecret.slice(6));

    const e = await gw.enroll();
    const secrets: string[] = [e.secret, ...e.recoveryCodes, gw.project.secret, signingSecret];
    const authenticate = (code: string, extra: Record<string, unknown> = {}) => gw.client.request(AuthenticateTotpDocument, { input: { userId: e.userId, totpCode: code, ...extra } });
    const wrong = totpCode(e.secret, 5);
    secrets.push(wrong);
    await authenticate(wrong);
    const code = totpCode(e.secret, -1);
    secrets.push(code);
    const ok = await authenticate(code, { sessionDurationMinutes: 60 });
    expect(ok.errors).toBeUndefined();
    secrets.push(ok.data!.authenticateTotp.sessionToken!, ok.data!.authenticateTotp.sessionJwt!);
    const startedSession = ok.data!.authenticateTotp.session!.sessionId;
    await authenticate(code);
    const recovered = await gw.client.request(RecoverTotpDocument, { input: { userId: e.userId, recoveryCode: e.recoveryCodes[0] } });
    expect(recovered.errors).toBeUndefined();
    const created = await gw.client.data(CreateSessionDocument, { input: { userId: e.userId, sessionDurationMinutes: 60 } });
    secrets.push(created.createSession.sessionToken, created.createSession.sessionJwt);
    await gw.client.data(RevokeSessionDocument, { input: { sessionId: created.createSession.session.sessionId } });
    await gw.client.data(UpdateUserDocument, { input: { userId: e.userId, name: { firstName: 'Ada' } } });
    await gw.client.data(DeleteUserDocument, { userId: e.userId });

    const expected = [
      'user.created', 'totp.created', 'authentication.failed', 'authentication.succeeded', 'totp.verified', 'session.created', 'authentication.replayed',
      'authentication.succeeded', 'recovery_code.used', 'session.created', 'session.revoked', 'user.updated', 'user.deleted',
    ];
    await receiver.until(() => types(receiver, e.userId).length >= expected.length);
    expect(types(receiver, e.userId)).toEqual(expected);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    for (const r of receiver.received) {
      for (const secret of secrets) expect(r.body).not.toContain(secret);
      expect(Object.keys(r.data).every((k) => ['userId', 'totpId', 'factor', 'reason', 'sessionId', 'fields'].includes(k))).toBe(true);
    }
    expect(receiver.received.find((r) => r.type === 'authentication.failed')!.data).toEqual({ userId: e.userId, totpId: e.totpId, factor: 'totp', reason: 'wrong_code' });
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(receiver.received.length);
    // The session the authentication started is named as it was issued.
    expect(receiver.received.find((r) => r.type === 'session.created')!.data).toEqual({ userId: e.userId, sessionId: startedSession });
  });

  it('sends user.locked once, when the failure that reaches the lockout limit commits', async () => {
    await gw.close();
    gw = await startGateway({ dialect, env: { ...FAST, LOCKOUT_MAX_ATTEMPTS: '3' } });
    await addEndpoint(gw, receiver, ['user.locked', 'authentication.failed']);
    const e = await gw.enroll({ verify: true });
    for (let i = 0; i < 5; i++) await gw.client.request(AuthenticateTotpDocument, { input: { userId: e.userId, totpCode: totpCode(e.secret, 7) } });
    await receiver.until((r) => r.filter((x) => x.type === 'authentication.failed').length >= 3 && r.some((x) => x.type === 'user.locked'));
    // Refusals while locked (attempts 4 and 5) are not verified attempts and send nothing.
    expect(types(receiver, e.userId)).toEqual(['authentication.failed', 'authentication.failed', 'authentication.failed', 'user.locked']);
  });

  it('writes nothing for a change that rolls back, and only subscribed types for one that commits', async () => {
    const { endpointId } = await addEndpoint(gw, receiver, ['session.revoked']);
    const userId = await gw.createUser();
    const audit = gw.gateway.services.audit;
    const event = { projectId: gw.project.projectId, userId, type: 'session' as const, outcome: 'revoked' as const, occurredAtMs: Date.now(), sessionId: null };
    await expect(gw.gateway.db.write(async (m) => {
      await audit.record(m, event);
      throw new Error('the change fails after its event was written');
    })).rejects.toThrow('the change fails');
    await gw.gateway.db.write((m) => audit.record(m, { ...event, occurredAtMs: Date.now() + 1 }));
    await receiver.until((r) => r.length >= 1);
    const deliveries = await gw.gateway.services.webhooks.deliveries(gw.project.projectId, endpointId, 10);
    // user.created is not subscribed; the rolled-back revocation left no row.
    expect(deliveries.map((d) => d.eventType)).toEqual(['session.revoked']);
    expect(receiver.received).toHaveLength(1);
  });

  it('retries a receiver that answers 500, then 200, and records the error without its body', async () => {
    receiver.answer = (n) => (n === 0 ? 500 : 200);
    const { endpointId } = await addEndpoint(gw, receiver, ['user.created']);
    const userId = await gw.createUser();
    await receiver.until((r) => r.length >= 1);
    expect(receiver.requests).toBe(2);
    expect(receiver.received[0].data.userId).toBe(userId);
    // The receiver has answered; the worker records the attempt just after.
    const latest = async () => (await gw.gateway.services.webhooks.deliveries(gw.project.projectId, endpointId, 1))[0];
    await waitUntil(async () => (await latest())?.status === 'delivered');
    const delivery = await latest();
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200 });
    expect(JSON.stringify(await gw.gateway.db.dataSource.query('SELECT * FROM webhook_deliveries'))).not.toContain('receiver error text');
    const metrics = await gw.gateway.metrics.registry.metrics();
    expect(metrics).toMatch(/totp_gateway_webhook_deliveries_total\{result="retry"\} 1/);
    expect(metrics).toMatch(/totp_gateway_webhook_deliveries_total\{result="delivered"\} 1/);
    expect(metrics).toMatch(/totp_gateway_webhook_oldest_undelivered_age_seconds 0/);
  });

  it('keeps one user’s events in order while the first is retrying', async () => {
    // The first attempt (the first user's user.created) fails; everything after answers 200.
    receiver.answer = (n) => (n === 0 ? 500 : 200);
    const { endpointId } = await addEndpoint(gw, receiver, ['user.created', 'user.updated', 'user.deleted']);
    const userId = await gw.createUser();
    await gw.client.data(UpdateUserDocument, { input: { userId, name: { firstName: 'Ada' } } });
    await gw.client.data(DeleteUserDocument, { userId });
    const other = await gw.createUser();
    await receiver.until((r) => r.length >= 4);
    expect(types(receiver, userId)).toEqual(['user.created', 'user.updated', 'user.deleted']);
    expect(types(receiver, other)).toEqual(['user.created']);
    const created = (await gw.gateway.services.webhooks.deliveries(gw.project.projectId, endpointId, 10)).find((d) => d.eventType === 'user.created' && d.attempts === 2);
    expect(created).toBeDefined();
  });

  it('reports no delivery lag for a disabled endpoint’s pending deliveries (they wait for it on purpose)', async () => {
    await gw.close();
    // The gateway's clock an hour behind: anything it queues is an hour old by the wall clock the gauge reads.
    gw = await startGateway({ dialect, clock: { now: () => Date.now() - 3_600_000 }, env: FAST });
    receiver.answer = () => 500;
    const { endpointId } = await addEndpoint(gw, receiver, ['user.created']);
    await gw.createUser();
    await receiver.until(() => receiver.requests >= 1);
    const lag = async () => Number(/^totp_gateway_webhook_oldest_undelivered_age_seconds (\S+)$/m.exec(await gw.gateway.metrics.registry.metrics())![1]);
    expect(await lag()).toBeGreaterThan(3000);
    await graphql(gw, 'mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { enabled } }', { input: { endpointId, enabled: false } });
    expect(await lag()).toBe(0);
  });

  it('marks a delivery failed once its retry window has passed', async () => {
    await gw.close();
    gw = await startGateway({ dialect, env: { ...FAST, WEBHOOK_RETRY_WINDOW_SECONDS: '1' } });
    receiver.answer = () => 503;
    const { endpointId } = await addEndpoint(gw, receiver, ['user.created']);
    await gw.createUser();
    let status = 'pending';
    for (let i = 0; i < 300 && status === 'pending'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await gw.gateway.services.webhooks.deliveries(gw.project.projectId, endpointId, 1))[0].status;
    }
    const [delivery] = await gw.gateway.services.webhooks.deliveries(gw.project.projectId, endpointId, 1);
    expect(delivery).toMatchObject({ status: 'failed', lastStatusCode: 503, lastError: 'HTTP 503' });
    expect(delivery.attempts).toBeGreaterThan(1);
    expect(await gw.gateway.metrics.registry.metrics()).toMatch(/totp_gateway_webhook_deliveries_total\{result="failed"\} 1/);

    // Replay: the same message (webhook-id) again, now accepted.
    receiver.answer = () => 200;
    const replay = await graphql(gw, 'mutation($id: ID!) { replayWebhookDelivery(deliveryId: $id) { deliveryId messageId status } }', { id: delivery.deliveryId });
    expect(replay.data!.replayWebhookDelivery).toMatchObject({ messageId: delivery.messageId, status: 'pending' });
    await receiver.until((r) => r.length >= 1);
    expect(receiver.received[0].id).toBe(delivery.messageId);
  });

  it('deletes finished deliveries once they are older than the retention, never pending ones', async () => {
    await gw.close();
    const clock = frozenClock();
    gw = await startGateway({ dialect, clock, env: { ...FAST, WEBHOOK_RETENTION_DAYS: '1' } });
    const { endpointId } = await addEndpoint(gw, receiver, ['user.created', 'user.deleted']);
    const userId = await gw.createUser();
    await receiver.until((r) => r.length >= 1);
    const list = () => gw.gateway.services.webhooks.deliveries(gw.project.projectId, endpointId, 10);
    await waitUntil(async () => (await list())[0]?.status === 'delivered');
    receiver.answer = () => 500;
    await gw.client.data(DeleteUserDocument, { userId });
    // Two days later (by the gateway's clock) the delivered one goes at the next sweep; the pending one stays.
    clock.advance(2 * 86_400_000);
    await waitUntil(async () => (await list()).length === 1);
    expect((await list()).map((d) => [d.eventType, d.status])).toEqual([['user.deleted', 'pending']]);
  });

  it('signs with both secrets during a rotation’s overlap, each verifying on its own', async () => {
    const { secret: old, endpointId } = await addEndpoint(gw, receiver, ['user.created']);
    const rotated = await graphql(gw, 'mutation($id: ID!) { rotateWebhookEndpointSecret(endpointId: $id) { secret endpoint { previousSecretExpiresAt } } }', { id: endpointId });
    const fresh = rotated.data!.rotateWebhookEndpointSecret.secret as string;
    expect(fresh).not.toBe(old);
    expect(rotated.data!.rotateWebhookEndpointSecret.endpoint.previousSecretExpiresAt).not.toBeNull();
    receiver.secrets = [old, fresh];
    await gw.createUser();
    await receiver.until((r) => r.length >= 1);
    expect(String(receiver.received[0].headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(receiver.received[0].verified).toBe(true);
  });

  it('follows no redirect: a 3xx is a failed attempt and the redirect target hears nothing', async () => {
    const target = await startReceiver();
    try {
      receiver.answer = () => ({ redirect: target.url });
      const { endpointId } = await addEndpoint(gw, receiver, ['user.created']);
      await gw.createUser();
      let delivery = (await gw.gateway.services.webhooks.deliveries(gw.project.projectId, endpointId, 1))[0];
      for (let i = 0; i < 300 && delivery.attempts < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        delivery = (await gw.gateway.services.webhooks.deliveries(gw.project.projectId, endpointId, 1))[0];
      }
      expect(delivery).toMatchObject({ status: 'pending', lastStatusCode: 302, lastError: 'HTTP 302' });
      expect(target.requests).toBe(0);
    } finally {
      await target.close();
    }
  });

  it('reports an imported TOTP (created and, imported verified, verified) in the import’s transaction', async () => {
    await addEndpoint(gw, receiver, ['totp.created', 'totp.verified']);
    const userId = await gw.createUser();
    const imported = await graphql(gw, 'mutation($u: ID!) { importTotp(input: { userId: $u, secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" }) { totpId } }', { u: userId });
    expect(imported.errors).toBeUndefined();
    const totpId = imported.data!.importTotp.totpId;
    await receiver.until((r) => r.length >= 2);
    expect(receiver.received.map((r) => [r.type, r.data])).toEqual([['totp.created', { userId, totpId }], ['totp.verified', { userId, totpId }]]);
    expect(receiver.received.every((r) => r.verified && !r.body.includes('GEZDGNBVGY3TQOJQ'))).toBe(true);
  });

  it('manages endpoints: update, validation errors from the catalogue, delete', async () => {
    const { endpointId } = await addEndpoint(gw, receiver, ['user.created']);
    const updated = await graphql(gw, 'mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { enabled eventTypes } }', {
      input: { endpointId, enabled: false, eventTypes: ['user.deleted', 'user.created'] },
    });
    expect(updated.data!.updateWebhookEndpoint).toEqual({ enabled: false, eventTypes: ['user.created', 'user.deleted'] });
    // Disabled: a change commits no delivery for it.
    await gw.createUser();
    expect(await gw.gateway.services.webhooks.deliveries(gw.project.projectId, endpointId, 10)).toHaveLength(0);
    const bad = await graphql(gw, CREATE, { input: { url: 'http://example.com/hook' } });
    expect(bad.errors![0].extensions.code).toBe('INVALID_WEBHOOK_URL');
    const badType = await graphql(gw, CREATE, { input: { url: receiver.url, eventTypes: ['user.exploded'] } });
    expect(badType.errors![0].extensions.code).toBe('INVALID_WEBHOOK_EVENT_TYPE');
    const other = await gw.newProject();
    const foreign = await gw.gateway.services.webhooks.delete(other.projectId, endpointId).catch((error: { code: string }) => error.code);
    expect(foreign).toBe('WEBHOOK_ENDPOINT_NOT_FOUND');
    const deleted = await graphql(gw, 'mutation($id: ID!) { deleteWebhookEndpoint(endpointId: $id) { endpointId } }', { id: endpointId });
    expect(deleted.data!.deleteWebhookEndpoint.endpointId).toBe(endpointId);
    expect((await graphql(gw, '{ webhookEndpoints { endpointId } }')).data!.webhookEndpoints).toEqual([]);
  });

  it('caps a project’s endpoints, so one login cannot be made to write an unbounded fan-out of outbox rows', async () => {
    const made = await Promise.all(Array.from({ length: 25 }, () => graphql(gw, CREATE, { input: { url: receiver.url } })));
    const refused = made.filter((r) => r.errors?.[0].extensions.code === 'WEBHOOK_ENDPOINT_LIMIT_REACHED');
    expect(made.length - refused.length).toBe(20);
    expect((await graphql(gw, '{ webhookEndpoints { endpointId } }')).data!.webhookEndpoints).toHaveLength(20);
    // Another project has its own allowance.
    const other = await gw.newProject();
    await expect(gw.gateway.services.webhooks.create(other.projectId, { url: receiver.url })).resolves.toBeDefined();
  });

  it('refuses a receiver on a private address when private addresses are not allowed (SSRF)', async () => {
    await gw.close();
    gw = await startGateway({ dialect, env: { ...FAST, WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'false' } });
    const { endpointId } = await addEndpoint(gw, receiver, ['user.created']);
    await gw.createUser();
    let delivery = (await gw.gateway.services.webhooks.deliveries(gw.project.projectId, endpointId, 1))[0];
    for (let i = 0; i < 300 && delivery.attempts < 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      delivery = (await gw.gateway.services.webhooks.deliveries(gw.project.projectId, endpointId, 1))[0];
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    delivery = (await gw.gateway.services.webhooks.deliveries(gw.project.projectId, endpointId, 1))[0];
    expect(delivery.lastError).toBe('refused: the receiver resolves to an address that is not public (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)');
    expect(receiver.requests).toBe(0);
  });
});
