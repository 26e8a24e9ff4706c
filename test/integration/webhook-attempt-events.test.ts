// A TOTP login's webhook events are the same whether the attempt runs as PostgreSQL's one statement or as the transaction (SQLite): success with and without a session, wrong code, replay, the lock set once, refusals while locked, concurrent uses of one code, a user deleted mid-flight; nothing for a disabled endpoint, an unsubscribed type, or a project without endpoints.
import { Client } from 'pg';
import { AuthenticateTotpDocument } from '../../client';
import { dialects, startGateway, totpCode, type Dialect, type TestGateway } from '../support/gateway';
import { frozenClock } from '../support/devices';
import { startReceiver, type Receiver } from '../support/webhook-receiver';

/** The worker is off: the outbox rows themselves are compared, as committed. */
const ENV = { WEBHOOK_WORKER: 'false', LOCKOUT_MAX_ATTEMPTS: '3', LOCKOUT_DURATION_SECONDS: '300' };

interface Row {
  readonly endpoint_id: string;
  readonly project_id: string;
  readonly user_id: string;
  readonly event_type: string;
  readonly payload: string;
}

/** One dialect's run: every outbox row (ids replaced by names), and what the scenario asserted on the way. */
interface Run {
  readonly events: string[];
  readonly disabledRows: number;
  readonly narrowTypes: string[];
  readonly otherProjectRows: number;
}

async function createEndpoint(gw: TestGateway, url: string, input: { eventTypes?: string[]; enabled?: boolean }): Promise<string> {
  const { endpoint } = await gw.gateway.services.webhooks.create(gw.project.projectId, { url, ...input });
  return endpoint.endpointId;
}

/** Holds the user's row locked from outside while `during` runs, deletes the user, then commits (PostgreSQL). */
async function deleteWhileLocked(gw: TestGateway, userId: string, during: () => Promise<unknown>): Promise<unknown> {
  const client = new Client({ connectionString: (gw.config.database as { url: string }).url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [userId]);
    const pending = during();
    // Until the attempt waits on the user's row lock (it has read the user and the TOTP by then).
    for (let i = 0; i < 500; i++) {
      const { rows } = await client.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()");
      if (rows.length) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await client.query('DELETE FROM users WHERE id = $1', [userId]);
    await client.query('COMMIT');
    return await pending;
  } finally {
    await client.end();
  }
}

async function scenario(dialect: Dialect, receiver: Receiver): Promise<Run> {
  const clock = frozenClock();
  const gw = await startGateway({ dialect, clock, env: ENV });
  try {
    const all = await createEndpoint(gw, receiver.url, {});
    const disabled = await createEndpoint(gw, receiver.url, { enabled: false });
    const narrow = await createEndpoint(gw, receiver.url, { eventTypes: ['user.created', 'authentication.succeeded'] });
    const names = new Map<string, string>();
    const name = (id: unknown, prefix: string) => {
      const key = String(id);
      if (!names.has(key)) names.set(key, `${prefix}${names.size}`);
      return names.get(key)!;
    };
    const auth = (userId: string, code: string, extra: Record<string, unknown> = {}) =>
      gw.client.request(AuthenticateTotpDocument, { input: { userId, totpCode: code, ...extra } });
    const now = () => clock.now();

    // One user's life: success without and with a session, replay, wrong codes up to the lock, refusals while locked.
    const e = await gw.enroll({ verify: true });
    clock.advance(1);
    expect((await auth(e.userId, totpCode(e.secret, 0, now()))).errors).toBeUndefined();
    clock.advance(1);
    const withSession = await auth(e.userId, totpCode(e.secret, 1, now()), { sessionDurationMinutes: 60 });
    expect(withSession.errors).toBeUndefined();
    name(withSession.data!.authenticateTotp.session!.sessionId, 'issuedSession');
    clock.advance(1);
    await auth(e.userId, totpCode(e.secret, 1, now()));
    await auth(e.userId, totpCode(e.secret, 7, now()));
    await auth(e.userId, totpCode(e.secret, 7, now()));
    expect((await auth(e.userId, totpCode(e.secret, 7, now()))).errors?.[0].extensions?.code).toBe('USER_LOCK_LIMIT_REACHED');
    await auth(e.userId, totpCode(e.secret, 8, now()));
    // Once the lock has passed, failures lock the user again: one more user.locked, sent by the failure that set it.
    clock.advance(301_000);
    let relocked = false;
    for (let i = 0; i < 5 && !relocked; i++) relocked = (await auth(e.userId, totpCode(e.secret, 7, now()))).errors?.[0].extensions?.code === 'USER_LOCK_LIMIT_REACHED';
    expect(relocked).toBe(true);

    // One code sent four times at once: one success, three replays (the third sets the lock).
    const c = await gw.enroll({ verify: true });
    clock.advance(1);
    const shared = totpCode(c.secret, 1, now());
    const answers = await Promise.all([0, 1, 2, 3].map(() => auth(c.userId, shared)));
    expect(answers.filter((a) => !a.errors).length).toBe(1);

    // A user deleted while the attempt waits for them (PostgreSQL: the row is locked from outside).
    const d = await gw.enroll({ verify: true });
    clock.advance(1);
    if (dialect === 'postgres') {
      const answer = (await deleteWhileLocked(gw, d.userId, () => auth(d.userId, totpCode(d.secret, 1, now()), { sessionDurationMinutes: 5 }))) as { errors?: Array<{ extensions?: { code?: unknown } }> };
      expect(answer.errors?.[0].extensions?.code).toBe('USER_NOT_FOUND');
    } else {
      // The transaction's equivalent: the user is gone when the attempt's transaction starts.
      await gw.gateway.db.dataSource.query('DELETE FROM users WHERE id = ?', [d.userId]);
      expect((await auth(d.userId, totpCode(d.secret, 1, now()))).errors?.[0].extensions?.code).toBe('USER_NOT_FOUND');
    }

    // A project without endpoints: its logins write no outbox row.
    const other = await gw.newProject();
    const otherUser = await gw.createUser({}, other.client);
    expect((await auth(otherUser, '000000')).errors).toBeDefined();

    const p = (sql: string) => (dialect === 'postgres' ? sql.replace(/\?/g, (_, i: number) => `$${sql.slice(0, i).split('?').length}`) : sql);
    const rows = (await gw.gateway.db.dataSource.query(p('SELECT endpoint_id, project_id, user_id, event_type, payload FROM webhook_deliveries ORDER BY seq'))) as Row[];
    const users = new Map([[e.userId, 'life'], [c.userId, 'concurrent'], [d.userId, 'deleted']]);
    const events = rows
      .filter((r) => r.endpoint_id === all)
      .map((r) => {
        const { data } = JSON.parse(r.payload) as { data: Record<string, unknown> };
        const shown = Object.entries(data).map(([k, v]) => `${k}=${k === 'userId' ? users.get(String(v)) : k.endsWith('Id') && v !== null ? name(v, k) : String(v)}`);
        return `${users.get(r.user_id)} ${r.event_type} ${shown.join(' ')}`;
      });
    return {
      events,
      disabledRows: rows.filter((r) => r.endpoint_id === disabled).length,
      narrowTypes: rows.filter((r) => r.endpoint_id === narrow).map((r) => r.event_type),
      otherProjectRows: rows.filter((r) => r.project_id === other.projectId).length,
    };
  } finally {
    await gw.close();
  }
}

/** How many failures the second lock took (the policy's, read from the run: failures after the first user.locked). */
function relockedAfter(run: Run): number {
  const life = run.events.filter((x) => x.startsWith('life'));
  return life.slice(life.findIndex((x) => x.includes('user.locked')) + 1).filter((x) => x.includes('authentication.failed')).length;
}

describe('webhook events of TOTP attempts', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());

  it(`are the same on ${dialects.join(' and ')}`, async () => {
    const runs = new Map<Dialect, Run>();
    for (const dialect of dialects) runs.set(dialect, await scenario(dialect, receiver));
    const sqlite = runs.get('sqlite')!;
    const lifeSucceeded = 'life authentication.succeeded userId=life totpId=totpId1 factor=totp';
    expect(sqlite.events.filter((x) => x.startsWith('life') && !x.includes('user.created') && !x.includes('totp.created'))).toEqual([
      // The enrollment's verification.
      `${lifeSucceeded}`,
      'life totp.verified userId=life totpId=totpId1',
      lifeSucceeded,
      lifeSucceeded,
      'life session.created userId=life sessionId=issuedSession0',
      'life authentication.replayed userId=life totpId=totpId1 factor=totp reason=code_already_used',
      'life authentication.failed userId=life totpId=totpId1 factor=totp reason=wrong_code',
      'life authentication.failed userId=life totpId=totpId1 factor=totp reason=wrong_code',
      'life user.locked userId=life factor=totp',
      ...Array(relockedAfter(sqlite)).fill('life authentication.failed userId=life totpId=totpId1 factor=totp reason=wrong_code'),
      'life user.locked userId=life factor=totp',
    ]);
    expect(relockedAfter(sqlite)).toBeGreaterThan(0);
    const concurrent = sqlite.events.filter((x) => x.startsWith('concurrent') && !/created|totp.verified/.test(x)).map((x) => x.split(' ')[1]);
    expect(concurrent).toEqual(['authentication.succeeded', 'authentication.succeeded', 'authentication.replayed', 'authentication.replayed', 'authentication.replayed', 'user.locked']);
    expect(sqlite.events.filter((x) => x.startsWith('deleted') && !/created|totp.verified|authentication.succeeded/.test(x))).toEqual([]);
    for (const run of runs.values()) {
      expect(run.disabledRows).toBe(0);
      expect(new Set(run.narrowTypes)).toEqual(new Set(['user.created', 'authentication.succeeded']));
      expect(run.otherProjectRows).toBe(0);
    }
    // The one statement (PostgreSQL) and the transaction (SQLite) wrote the same events, in the same order.
    if (runs.has('postgres')) expect(runs.get('postgres')).toEqual(sqlite);
  });
});

describe.each(dialects)('totp.verified (%s)', (dialect) => {
  it('is sent by the attempt that verifies the TOTP only, not by a login in the same millisecond', async () => {
    const clock = frozenClock();
    const gw = await startGateway({ dialect, clock, env: ENV });
    const receiver = await startReceiver();
    try {
      const endpointId = await createEndpoint(gw, receiver.url, { eventTypes: ['totp.verified', 'authentication.succeeded'] });
      const e = await gw.enroll({ verify: true });
      // Same millisecond, next code; once with a session token given (the transaction on every dialect).
      const first = await gw.client.request(AuthenticateTotpDocument, { input: { userId: e.userId, totpCode: totpCode(e.secret, 0, clock.now()), sessionDurationMinutes: 5 } });
      expect(first.errors).toBeUndefined();
      const second = await gw.client.request(AuthenticateTotpDocument, { input: { userId: e.userId, totpCode: totpCode(e.secret, 1, clock.now()), sessionToken: first.data!.authenticateTotp.sessionToken } });
      expect(second.errors).toBeUndefined();
      const types = (await gw.gateway.services.webhooks.deliveries(gw.project.projectId, endpointId, 10)).map((d) => d.eventType).reverse();
      expect(types).toEqual(['authentication.succeeded', 'totp.verified', 'authentication.succeeded', 'authentication.succeeded']);
    } finally {
      await gw.close();
      await receiver.close();
    }
  });
});
