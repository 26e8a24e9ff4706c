// Which database failures are retryable (DATABASE_BUSY, DATABASE_UNAVAILABLE with Retry-After) and which stay unexpected; the busy backoff; the GraphQL 503 rule; the new database settings.
import { HeaderMap, type HTTPGraphQLHead } from '@apollo/server';
import { QueryFailedError } from 'typeorm';
import { busyBackoffMs } from '../../src/db/database.errors';
import { databaseFault, retryAfterSeconds, translateDatabaseError } from '../../src/errors/database.faults';
import { GatewayError } from '../../src/errors/error.catalogue';
import { applyRetryAfter } from '../../src/errors/error.wire';
import { loadConfig } from '../../src/config';

/** A driver error as better-sqlite3 or node-postgres raises it, wrapped as TypeORM wraps it. */
const failed = (query: string, fields: { code?: string; message: string }) =>
  new QueryFailedError(query, [], Object.assign(new Error(fields.message), fields.code && { code: fields.code }));

describe('databaseFault', () => {
  it.each([
    ['SQLITE_BUSY', 'database is locked'],
    ['SQLITE_BUSY_SNAPSHOT', 'database is locked'],
    ['SQLITE_LOCKED', 'database table is locked'],
    ['40001', 'could not serialize access'],
    ['40P01', 'deadlock detected'],
    ['55P03', 'could not obtain lock'],
    ['57014', 'canceling statement due to statement timeout'],
  ])('%s is busy', (code, message) => {
    expect(databaseFault(failed('UPDATE users SET x = 1', { code, message }))).toBe('busy');
  });

  it.each([
    [{ message: 'Query read timeout' }],
    [{ message: 'Connection terminated unexpectedly' }],
    [{ message: 'timeout exceeded when trying to connect' }],
    [{ message: 'timeout expired' }],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    [{ code: 'ECONNRESET', message: 'read ECONNRESET' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '57P03', message: 'the database system is starting up' }],
    [{ code: '08006', message: 'connection failure' }],
    [{ code: '53300', message: 'too many connections' }],
    [{ code: '25006', message: 'cannot execute INSERT in a read-only transaction' }],
  ])('%o is unavailable, wrapped or raw', (fields) => {
    expect(databaseFault(failed('SELECT 1', fields))).toBe('unavailable');
    expect(databaseFault(Object.assign(new Error(fields.message), fields))).toBe('unavailable');
  });

  it.each([
    [{ code: '23505', message: 'duplicate key value violates unique constraint' }],
    [{ code: 'SQLITE_CONSTRAINT_UNIQUE', message: 'UNIQUE constraint failed: users.email' }],
    [{ code: '42P01', message: 'relation "users" does not exist' }],
    [{ code: 'SQLITE_IOERR', message: 'disk I/O error' }],
    [{ message: 'something else' }],
  ])('%o is not transient', (fields) => {
    expect(databaseFault(failed('INSERT INTO users', fields))).toBeUndefined();
  });

  it('leaves coded errors and non-errors alone', () => {
    expect(databaseFault(new GatewayError('USER_NOT_FOUND'))).toBeUndefined();
    expect(databaseFault(undefined)).toBeUndefined();
    expect(databaseFault('SQLITE_BUSY')).toBeUndefined();
  });
});

describe('translateDatabaseError', () => {
  it('turns a busy statement into DATABASE_BUSY with Retry-After and the driver error as its hidden cause', () => {
    const cause = failed('BEGIN IMMEDIATE', { code: 'SQLITE_BUSY', message: 'database is locked' });
    const error = translateDatabaseError(cause) as GatewayError;
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'DATABASE_BUSY', status: 503 });
    expect(retryAfterSeconds(error)).toBe(1);
    expect((error as { cause?: unknown }).cause).toBe(cause);
    expect(JSON.stringify(error.extensions)).not.toContain('locked');
  });

  it('turns a timed-out query into DATABASE_UNAVAILABLE; a COMMIT without answer says its outcome is unknown', () => {
    const query = translateDatabaseError(failed('SELECT 1', { message: 'Query read timeout' })) as GatewayError;
    expect(query).toMatchObject({ code: 'DATABASE_UNAVAILABLE', status: 503 });
    expect(query.details.writeOutcome).toBeUndefined();
    expect(retryAfterSeconds(query)).toBeGreaterThan(0);
    const commit = translateDatabaseError(failed('COMMIT', { message: 'Query read timeout' })) as GatewayError;
    expect(commit).toMatchObject({ code: 'DATABASE_UNAVAILABLE', details: { writeOutcome: 'unknown' } });
  });

  it('returns anything else unchanged', () => {
    const unique = failed('INSERT INTO users', { code: '23505', message: 'duplicate key' });
    expect(translateDatabaseError(unique)).toBe(unique);
  });
});

describe('busyBackoffMs', () => {
  it('grows from a few milliseconds to a cap, jittered between half and all of its step', () => {
    expect([0, 1, 2, 3].map((attempt) => busyBackoffMs(attempt, 0.999999))).toEqual([2, 4, 8, 16]);
    expect(busyBackoffMs(3, 0)).toBe(8);
    expect(busyBackoffMs(50, 0.999999)).toBe(100);
    expect(busyBackoffMs(50, 0)).toBe(50);
  });
});

describe('applyRetryAfter', () => {
  const head = (): HTTPGraphQLHead => ({ status: undefined, headers: new HeaderMap() });
  const busy = { message: 'busy', extensions: { code: 'DATABASE_BUSY', retryAfterSeconds: 1 } };
  const unavailable = { message: 'gone', extensions: { code: 'DATABASE_UNAVAILABLE', retryAfterSeconds: 5 } };

  it('answers 503 with the largest Retry-After when database faults are the only errors and nothing was served', () => {
    const http = head();
    applyRetryAfter({ errors: [busy, unavailable], data: null }, http);
    expect(http.status).toBe(503);
    expect(http.headers.get('retry-after')).toBe('5');
  });

  it('keeps the status when another error is present or a root field was served', () => {
    for (const result of [
      { errors: [busy, { message: 'no', extensions: { code: 'USER_NOT_FOUND' } }], data: null },
      { errors: [busy], data: { a: { userId: 'user-1' }, b: null } },
      { data: { a: null } },
    ]) {
      const http = head();
      applyRetryAfter(result, http);
      expect(http.status).toBeUndefined();
      expect(http.headers.has('retry-after')).toBe(false);
    }
  });
});

describe('database settings', () => {
  const base = { GATEWAY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') };

  it('bounds waiting on SQLite and every PostgreSQL query and connection by default, and reads overrides', () => {
    expect(loadConfig({ ...base, DATABASE_URL: 'sqlite:/tmp/x.sqlite' }).database).toMatchObject({ busyTimeoutMs: 5000 });
    expect(loadConfig({ ...base, DATABASE_URL: 'sqlite:/tmp/x.sqlite', DATABASE_BUSY_TIMEOUT_MS: '250' }).database).toMatchObject({ busyTimeoutMs: 250 });
    expect(loadConfig({ ...base, DATABASE_URL: 'postgres://u@127.0.0.1/db' }).database).toMatchObject({ queryTimeoutMs: 10_000, connectTimeoutMs: 5000 });
    expect(
      loadConfig({ ...base, DATABASE_URL: 'postgres://u@127.0.0.1/db', DATABASE_QUERY_TIMEOUT_MS: '1500', DATABASE_CONNECT_TIMEOUT_MS: '700' }).database,
    ).toMatchObject({ queryTimeoutMs: 1500, connectTimeoutMs: 700 });
  });

  it('refuses a query timeout of 0 (it would mean none)', () => {
    expect(() => loadConfig({ ...base, DATABASE_URL: 'postgres://u@127.0.0.1/db', DATABASE_QUERY_TIMEOUT_MS: '0' })).toThrow(/DATABASE_QUERY_TIMEOUT_MS/);
  });
});
