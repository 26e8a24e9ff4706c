// Real PostgreSQL for the test suite: one fresh database per test gateway, dropped afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { DatabaseConfig } from '../../src/config';

/** Admin URL of the server tests create databases on; global-setup sets it when PostgreSQL answers. */
export const postgresAdminUrl = (): string | undefined => process.env.TEST_POSTGRES_ADMIN_URL || undefined;

export async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const url = postgresAdminUrl();
  if (!url) throw new Error('PostgreSQL is not available to the tests (TEST_POSTGRES_ADMIN_URL unset)');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database and returns its URL. */
export async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `gw_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(postgresAdminUrl()!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** An empty database of either dialect, as DataSource settings, for tests that drive migrations directly. */
export async function freshDatabase(dialect: string): Promise<{ database: DatabaseConfig; cleanup: () => Promise<void> }> {
  if (dialect === 'postgres') {
    const pg = await createDatabase();
    return { database: { kind: 'postgres', url: pg.url, poolSize: 4, statementTimeoutMs: 5000, queryTimeoutMs: 10_000, connectTimeoutMs: 5000 }, cleanup: pg.drop };
  }
  const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-db-'));
  return { database: { kind: 'sqlite', path: join(dir, 'm.sqlite'), backgroundCheckpoint: false, busyTimeoutMs: 5000 }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}
