// A PostgreSQL primary that stops answering without closing its sockets (a failover behind a virtual IP, a partition): requests answer a coded retryable error (DATABASE_UNAVAILABLE, 503, Retry-After) instead of hanging, /readyz answers 503 while /healthz stays 200, and once a new server answers at the same address the dead pooled connections are replaced and service resumes.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { print } from 'graphql';
import { AuthenticateTotpDocument, CreateUserDocument, GetUserDocument } from '../../client';
import { describePostgres, startGateway, totpCode, type TestGateway } from '../support/gateway';
import { createDatabase, postgresAdminUrl } from '../support/postgres';

/**
 * A TCP proxy on 127.0.0.1 in front of the test PostgreSQL. `blackHole()` stops forwarding bytes on
 * every connection, open and new, without closing any socket (what a vanished host looks like);
 * `resume()` forwards new connections again, while the old ones stay dead, as they would after a
 * failover to another machine.
 */
class BlackHoleProxy {
  private readonly server: Server;
  private readonly links: Array<{ client: Socket; server?: Socket; alive: boolean }> = [];
  private forwarding = true;
  private splitMarker: string | null = null;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.accept(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  blackHole(): void {
    this.forwarding = false;
    for (const link of this.links) link.alive = false;
  }

  resume(): void {
    this.forwarding = true;
  }

  /**
   * A split on one connection only: the first client message that contains `marker` is not passed
   * on, and that link goes dead both ways with its sockets open; the server's session is left in
   * the middle of whatever transaction it was running.
   */
  splitAt(marker: string): void {
    this.splitMarker = marker;
  }

  async close(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.server?.destroy();
    }
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: Socket): void {
    // A connection made while black-holed is accepted (the kernel completes the handshake) and never answered.
    const link: { client: Socket; server?: Socket; alive: boolean } = { client, alive: this.forwarding };
    this.links.push(link);
    client.on('error', () => undefined);
    client.on('data', (chunk: Buffer) => {
      if (this.splitMarker !== null && chunk.includes(this.splitMarker)) {
        this.splitMarker = null;
        link.alive = false;
      }
      if (link.alive) link.server!.write(chunk);
    });
    // A close is passed on only while the link is alive: a dead link's ends never learn anything.
    client.on('close', () => link.alive && link.server?.destroy());
    if (!link.alive) return;
    const server = (link.server = connect(this.target.port, this.target.host));
    server.on('error', () => undefined);
    server.on('data', (chunk) => link.alive && client.write(chunk));
    server.on('close', () => link.alive && client.destroy());
  }
}

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ extensions: Record<string, unknown> }> };
}

async function graphql(gw: TestGateway, query: string, variables: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Answer['body'] };
}

const codes = (answer: Answer) => (answer.body.errors ?? []).map((e) => e.extensions.code);

/** Polls `attempt` until it returns true, at most `tries` times; resolves to whether it did. */
async function eventually(attempt: () => Promise<boolean>, tries = 40, pauseMs = 250): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await attempt()) return true;
    await sleep(pauseMs);
  }
  return false;
}


describePostgres('PostgreSQL that stops answering without closing its sockets', () => {
  let proxy: BlackHoleProxy;
  let gw: TestGateway;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const database = await createDatabase();
    drop = database.drop;
    const admin = new URL(postgresAdminUrl()!);
    proxy = new BlackHoleProxy({ host: admin.hostname, port: Number(admin.port || 5432) });
    const url = new URL(database.url);
    url.host = `127.0.0.1:${await proxy.listen()}`;
    gw = await startGateway({
      dialect: 'postgres',
      databaseUrl: url.toString(),
      // Small client-side bounds, so the test is quick; the jest timeout is the only clock here.
      env: { DATABASE_QUERY_TIMEOUT_MS: '1000', DATABASE_CONNECT_TIMEOUT_MS: '1000', DATABASE_STATEMENT_TIMEOUT_MS: '500', DATABASE_POOL_SIZE: '4' },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await proxy?.close();
    await drop?.();
  });

  it('answers DATABASE_UNAVAILABLE instead of hanging, /readyz 503 and /healthz 200, then recovers on a new connection', async () => {
    const userId = await gw.createUser();
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);

    proxy.blackHole();

    // Reads and writes, over GraphQL and REST: each gets a coded, retryable answer.
    const read = await graphql(gw, print(GetUserDocument), { userId });
    expect(read.status).toBe(503);
    expect(read.retryAfter).toEqual(expect.stringMatching(/^\d+$/));
    expect(codes(read)).toEqual(['DATABASE_UNAVAILABLE']);
    const write = await graphql(gw, print(CreateUserDocument), { input: { email: 'during-the-outage@example.com' } });
    expect(write.status).toBe(503);
    expect(codes(write)).toEqual(['DATABASE_UNAVAILABLE']);
    const rest = await fetch(`${gw.url}/v1/users/${userId}`, { headers: { authorization: gw.client.authorization! } });
    expect(rest.status).toBe(503);
    expect(rest.headers.get('retry-after')).toEqual(expect.stringMatching(/^\d+$/));
    expect(await rest.json()).toMatchObject({ status_code: 503, error_type: 'database_unavailable' });

    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'database_unavailable' });
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);

    proxy.resume();

    // Old connections stay dead; the gateway must notice and open new ones.
    expect(await eventually(async () => (await graphql(gw, print(GetUserDocument), { userId })).status === 200)).toBe(true);
    expect(await eventually(async () => (await fetch(`${gw.url}/readyz`)).status === 200)).toBe(true);
    const after = await graphql(gw, print(CreateUserDocument), { input: { email: 'after-the-outage@example.com' } });
    expect(after.body.errors).toBeUndefined();
    expect(after.status).toBe(200);
    // The failed write left nothing behind: its email is still free.
    const retried = await graphql(gw, print(CreateUserDocument), { input: { email: 'during-the-outage@example.com' } });
    expect(retried.body.errors).toBeUndefined();
    expect(gw.logs()).not.toContain('INTERNAL_SERVER_ERROR');
  });

  it('a transaction cut off mid-way by a split does not keep its row locks: the user can sign in again once the link heals', async () => {
    const { userId, secret } = await gw.enroll({ verify: true });
    const guess = (totpCode: string) => graphql(gw, print(AuthenticateTotpDocument), { input: { userId, totpCode } });
    // The guess's transaction has locked the user's row (the spent attempt) when its audit INSERT is lost.
    proxy.splitAt('INSERT INTO auth_events');
    const cut = await guess('000000');
    expect(cut.status).toBe(503);
    expect(codes(cut)).toEqual(['DATABASE_UNAVAILABLE']);
    // The server ends the abandoned transaction (idle_in_transaction_session_timeout) and frees the
    // row; until then the user's guesses wait on it. The jest timeout bounds the whole test.
    expect(await eventually(async () => codes(await guess('000000')).includes('UNABLE_TO_AUTHENTICATE_TOTP'))).toBe(true);
    const ok = await guess(totpCode(secret));
    expect(ok.body.errors).toBeUndefined();
  });
});
