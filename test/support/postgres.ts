// Real PostgreSQL for the test suite: one fresh database per test gateway, dropped afterwards.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

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
