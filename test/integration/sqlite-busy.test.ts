// A SQLite file whose write lock another process holds (the CLI, an operator's sqlite3 shell): the event loop never blocks (/healthz, /readyz and reads answer meanwhile), a write waits off the loop and succeeds once the lock is released within DATABASE_BUSY_TIMEOUT_MS, and past it answers DATABASE_BUSY (503, Retry-After) having written nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { print } from 'graphql';
import { AuthenticateTotpDocument, CreateUserDocument, GetUserDocument } from '../../client';
import { startGateway, totpCode, type TestGateway } from '../support/gateway';

// Another process with its own connection: takes the write lock (BEGIN IMMEDIATE, what any writer
// does first, and what `sqlite3`'s BEGIN EXCLUSIVE amounts to in WAL mode) and holds it until told.
const HOLDER = `
const Sqlite = require(process.env.DRIVER);
const db = new Sqlite(process.env.DB_PATH, { timeout: 0 });
db.exec('BEGIN IMMEDIATE');
db.prepare("UPDATE projects SET name = name").run();
process.stdout.write('locked\\n');
process.stdin.once('data', () => {
  db.exec('ROLLBACK');
  db.close();
  process.stdout.write('released\\n');
});
// Never outlives the test: its stdin closes when the test process ends.
process.stdin.once('end', () => process.exit(0));
`;

interface LockHolder {
  release(): Promise<void>;
}

async function holdWriteLock(gw: TestGateway): Promise<LockHolder> {
  const child: ChildProcess = spawn(process.execPath, ['-e', HOLDER], {
    env: { PATH: process.env.PATH ?? '', DRIVER: require.resolve('better-sqlite3'), DB_PATH: join(gw.dataDir, 'gateway.sqlite') },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (expected: string) => expect((await lines.next()).value).toBe(expected);
  await next('locked');
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      child.stdin!.end('release\n');
      await next('released');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    },
  };
}

/** A raw GraphQL POST, so the status and headers can be checked. */
async function graphql(gw: TestGateway, query: string, variables: Record<string, unknown>, accept?: string) {
  const response = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: gw.client.authorization!, ...(accept && { accept }) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { data?: Record<string, unknown> | null; errors?: Array<{ extensions: Record<string, unknown> }> } };
}

const createUser = (gw: TestGateway, email: string, accept?: string) => graphql(gw, print(CreateUserDocument), { input: { email } }, accept);
const getUser = (gw: TestGateway, userId: string) => graphql(gw, print(GetUserDocument), { userId });

describe('SQLite write lock held by another process, released within DATABASE_BUSY_TIMEOUT_MS', () => {
  let gw: TestGateway;
  // A budget no step of this test comes near, so the write is certainly still waiting when the lock is released.
  beforeAll(async () => (gw = await startGateway({ dialect: 'sqlite', env: { DATABASE_BUSY_TIMEOUT_MS: '60000' } })));
  afterAll(() => gw.close());

  it('keeps /healthz, /readyz and reads answering while a write waits, and the write then succeeds', async () => {
    const existing = await gw.createUser();
    const holder = await holdWriteLock(gw);
    const events: string[] = [];
    const write = createUser(gw, 'waits-for-the-lock@example.com').then((result) => {
      events.push('write answered');
      return result;
    });
    try {
      const health = await fetch(`${gw.url}/healthz`);
      events.push(`healthz ${health.status}`);
      const ready = await fetch(`${gw.url}/readyz`);
      events.push(`readyz ${ready.status}`);
      const read = await getUser(gw, existing);
      events.push(`read ${read.status} ${String((read.body.data?.user as { userId?: string } | null)?.userId === existing)}`);
    } finally {
      events.push('lock released');
      await holder.release();
    }
    const written = await write;
    // A blocked event loop would have answered the write (failed) before any of the others.
    expect(events).toEqual(['healthz 200', 'readyz 200', 'read 200 true', 'lock released', 'write answered']);
    // SQLite's own busy handler would sleep on the event loop between its polls: it is off, waiting is done by timers.
    expect(await gw.gateway.db.read((m) => m.query('PRAGMA busy_timeout'))).toEqual([{ timeout: 0 }]);
    expect(written.status).toBe(200);
    expect(written.body.errors).toBeUndefined();
    const userId = (written.body.data?.createUser as { userId: string }).userId;
    expect((await getUser(gw, userId)).body.data?.user).toMatchObject({ userId, emails: [{ email: 'waits-for-the-lock@example.com' }] });
  });
});

describe('SQLite write lock held by another process beyond DATABASE_BUSY_TIMEOUT_MS', () => {
  let gw: TestGateway;
  beforeAll(async () => (gw = await startGateway({ dialect: 'sqlite', env: { DATABASE_BUSY_TIMEOUT_MS: '200' } })));
  afterAll(() => gw.close());

  it('answers a write DATABASE_BUSY with 503 and Retry-After (GraphQL, both answering paths, and REST), writes nothing, and serves reads', async () => {
    const existing = await gw.enroll({ verify: true });
    const holder = await holdWriteLock(gw);
    let restRequestId = '';
    try {
      for (const accept of [undefined, 'application/graphql-response+json']) {
        const busy = await createUser(gw, `refused-${accept ? 'apollo' : 'fast'}@example.com`, accept);
        expect(busy.status).toBe(503);
        expect(busy.retryAfter).toBe('1');
        expect(busy.body.data ?? null).toBeNull();
        expect(busy.body.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'DATABASE_BUSY', errorType: 'database_busy', retryAfterSeconds: 1 }) })]);
      }
      // An authentication spends an attempt in a write: refused as busy too, never judged unwritten.
      const auth = await graphql(gw, print(AuthenticateTotpDocument), { input: { userId: existing.userId, totpCode: totpCode(existing.secret) } });
      expect(auth.status).toBe(503);
      expect(auth.body.errors?.map((e) => e.extensions.code)).toEqual(['DATABASE_BUSY']);

      const rest = await fetch(`${gw.url}/v1/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
        body: JSON.stringify({ email: 'refused-rest@example.com' }),
      });
      expect(rest.status).toBe(503);
      expect(rest.headers.get('retry-after')).toBe('1');
      expect(await rest.json()).toMatchObject({ status_code: 503, error_type: 'database_busy' });
      restRequestId = rest.headers.get('x-request-id')!;

      // Reads and probes are not writers: they answer while the lock is still held.
      expect((await getUser(gw, existing.userId)).body.data?.user).toMatchObject({ userId: existing.userId, isLocked: false });
      expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
    } finally {
      await holder.release();
    }
    // Nothing was written: every refused email is still free.
    for (const email of ['refused-fast@example.com', 'refused-apollo@example.com', 'refused-rest@example.com']) {
      expect((await createUser(gw, email)).body.errors).toBeUndefined();
    }
    expect(gw.logs()).not.toContain('INTERNAL_SERVER_ERROR');
    // An expected, coded, retryable fault is a warning (pino level 40) naming its code and request
    // id, with the driver's message and no stack; never an "unexpected error".
    const linesNamingBusy = gw.logs().split('\n').filter((line) => line.includes('DATABASE_BUSY')).map((line) => JSON.parse(line) as Record<string, unknown>);
    // Each refused request's "request completed" line names the code too (src/http/request-log.ts).
    const completed = linesNamingBusy.filter((line) => line.msg === 'request completed');
    expect(completed.map((line) => line.res)).toContainEqual(expect.objectContaining({ result: 'error', errorCodes: expect.arrayContaining(['DATABASE_BUSY']) }));
    const busyLines = linesNamingBusy.filter((line) => line.msg !== 'request completed');
    expect(busyLines.length).toBeGreaterThanOrEqual(4);
    for (const line of busyLines) {
      expect(line).toMatchObject({ level: 40, code: 'DATABASE_BUSY', requestId: expect.any(String), cause: expect.any(String) });
      expect(JSON.stringify(line)).not.toMatch(/stack|refused-/);
    }
    expect(busyLines.map((line) => line.requestId)).toContain(restRequestId);
    expect(gw.logs()).not.toContain('unexpected error');
  });
});
