// The rate limiter's sweep of expired windows is housekeeping: a row it cannot delete (locked by a transaction a vanished client left open) never fails or delays requests.
import { Client } from 'pg';
import { describePostgres, startGateway, type TestGateway } from '../support/gateway';

const WINDOW_MS = 60_000;

describePostgres('the rate limiter on PostgreSQL with an expired window row locked by another session', () => {
  let gw: TestGateway;
  let holder: Client;
  let nowMs = Math.ceil(Date.now() / WINDOW_MS) * WINDOW_MS + 1000;
  const clock = { now: () => nowMs };

  beforeAll(async () => {
    gw = await startGateway({ dialect: 'postgres', clock, env: { RATE_LIMIT_REQUESTS_PER_MINUTE: '1000', DATABASE_STATEMENT_TIMEOUT_MS: '60000' } });
  });
  afterAll(async () => {
    await holder?.end().catch(() => undefined);
    await gw?.close();
  });

  it('keeps answering across window boundaries while the sweep waits on the locked row', async () => {
    // A request in this window writes its counter row.
    await gw.createUser();
    // Another session locks that row and keeps its transaction open, as a client cut off mid-way would.
    holder = new Client({ connectionString: gw.config.database.kind === 'postgres' ? gw.config.database.url : '' });
    await holder.connect();
    await holder.query('BEGIN');
    const { rowCount } = await holder.query('SELECT 1 FROM rate_limits FOR UPDATE');
    expect(rowCount).toBeGreaterThan(0);
    // The next windows' first requests start sweeps that must wait for that lock: they still answer.
    for (let window = 1; window <= 3; window++) {
      nowMs += WINDOW_MS;
      const userIds = await Promise.all([gw.createUser(), gw.createUser()]);
      expect(userIds).toHaveLength(2);
    }
    await holder.query('ROLLBACK');
  });
});
