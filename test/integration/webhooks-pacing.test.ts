// A user's webhook backlog drains in one worker round, in order: each delivery that succeeds is followed at once by that user's next one to the endpoint (under the same lease and order rules), and a failure stops the chain so the rest stay pending behind it.
import { UpdateUserDocument } from '../../client';
import { systemClock } from '../../src/common/clock';
import { WebhookSender } from '../../src/webhooks/webhook.sender';
import { WebhookWorker } from '../../src/webhooks/webhook.worker';
import { describeEachDialect, startGateway, type Dialect, type TestGateway } from '../support/gateway';
import { startReceiver, type Receiver } from '../support/webhook-receiver';

/** No worker of the gateway's own: the test runs rounds itself, one at a time. */
const ENV = { WEBHOOK_WORKER: 'false', WEBHOOK_RETRY_BASE_MS: '60000', WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_LEASE_MS: '5000' };
const UPDATES = 4;

describeEachDialect('webhook pacing on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  let receiver: Receiver;
  let worker: WebhookWorker;

  beforeEach(async () => {
    gw = await startGateway({ dialect, env: ENV });
    receiver = await startReceiver();
    const { config, db, services } = gw.gateway;
    worker = new WebhookWorker(db, services.envelope, new WebhookSender(config.webhooks), systemClock, config.webhooks, { webhookDelivery: () => undefined }, (message) => {
      throw new Error(message);
    });
    const { secret } = await services.webhooks.create(gw.project.projectId, { url: receiver.url, eventTypes: ['user.created', 'user.updated'] });
    receiver.secrets = [secret];
  });

  afterEach(async () => {
    await worker?.stop();
    await gw?.close();
    await receiver?.close();
  });

  /** A user with UPDATES updates after its creation: 1 + UPDATES deliveries queued, in that order. */
  async function backlog(): Promise<string> {
    const userId = await gw.createUser();
    for (let i = 0; i < UPDATES; i++) await gw.client.data(UpdateUserDocument, { input: { userId, name: { firstName: `Name${i}` } } });
    return userId;
  }
  const statuses = async () => (await gw.gateway.services.webhooks.deliveries(gw.project.projectId, null, 100)).map((d) => d.status).reverse();

  it("sends a user's whole backlog in one round, in order", async () => {
    const userId = await backlog();
    expect(await worker.runOnce()).toBe(1);
    const types = receiver.received.filter((r) => r.data.userId === userId).map((r) => r.type);
    expect(types).toEqual(['user.created', ...Array(UPDATES).fill('user.updated')]);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect(await statuses()).toEqual(Array(1 + UPDATES).fill('delivered'));
  });

  it('stops at a failed attempt: the rest wait behind it, unsent', async () => {
    await backlog();
    receiver.answer = () => 500;
    await worker.runOnce();
    expect(receiver.requests).toBe(1);
    expect(await statuses()).toEqual(Array(1 + UPDATES).fill('pending'));
  });
});
