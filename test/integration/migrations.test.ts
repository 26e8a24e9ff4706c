// Migrations, not synchronize: they build exactly the schema the entities describe, on both dialects,
// and concurrent start-ups apply them once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createDataSource, migrations } from '../../ormconfig';
import { runMigrations } from '../../src/db/migrate';
import type { DatabaseConfig } from '../../src/config';
import { dialects } from '../support/gateway';
import { createDatabase } from '../support/postgres';

async function freshDatabase(dialect: string): Promise<{ database: DatabaseConfig; cleanup: () => Promise<void> }> {
  if (dialect === 'postgres') {
    const pg = await createDatabase();
    return { database: { kind: 'postgres', url: pg.url, poolSize: 4, statementTimeoutMs: 5000, queryTimeoutMs: 10_000, connectTimeoutMs: 5000 }, cleanup: pg.drop };
  }
  const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-migrations-'));
  return { database: { kind: 'sqlite', path: join(dir, 'm.sqlite'), backgroundCheckpoint: false, busyTimeoutMs: 5000 }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

describe.each(dialects)('migrations on %s', (dialect) => {
  it('leave nothing for synchronize to change', async () => {
    const { database, cleanup } = await freshDatabase(dialect);
    const dataSource = await createDataSource(database).initialize();
    try {
      expect(await runMigrations(dataSource)).toEqual(migrations.map((m) => m.name));
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      expect(await runMigrations(dataSource)).toEqual([]);
    } finally {
      await dataSource.destroy();
      await cleanup();
    }
  });

  it('are applied once when several processes start together', async () => {
    const { database, cleanup } = await freshDatabase(dialect);
    const sources: DataSource[] = await Promise.all([1, 2, 3].map(() => createDataSource(database).initialize()));
    try {
      const applied = await Promise.all(sources.map((s) => runMigrations(s)));
      expect(applied.flat()).toEqual(migrations.map((m) => m.name));
      const rows = await sources[0].query('SELECT name FROM migrations');
      expect(rows).toHaveLength(migrations.length);
    } finally {
      await Promise.all(sources.map((s) => s.destroy()));
      await cleanup();
    }
  });

  it('give every project that existed before FrontendAccess its own public token', async () => {
    const { database, cleanup } = await freshDatabase(dialect);
    const dataSource = await createDataSource(database).initialize();
    try {
      await runMigrations(dataSource);
      expect(migrations.at(-1)!.name).toBe('FrontendAccess1764374400000');
      await dataSource.undoLastMigration({ transaction: 'all' });
      const insert = dialect === 'postgres' ? 'INSERT INTO projects (id, name, created_at) VALUES ($1, $2, $3)' : 'INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)';
      const ids = ['project-00000000-0000-4000-8000-000000000001', 'project-00000000-0000-4000-8000-000000000002'];
      for (const id of ids) await dataSource.query(insert, [id, 'Old', Date.now()]);
      expect(await runMigrations(dataSource)).toEqual(['FrontendAccess1764374400000']);
      const rows: Array<{ public_token: string }> = await dataSource.query('SELECT public_token FROM projects ORDER BY id');
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(row.public_token).toMatch(/^public-token-[0-9a-f-]{36}$/);
      expect(rows[0].public_token).not.toBe(rows[1].public_token);
    } finally {
      await dataSource.destroy();
      await cleanup();
    }
  });

  it('can be reverted', async () => {
    const { database, cleanup } = await freshDatabase(dialect);
    const dataSource = await createDataSource(database).initialize();
    try {
      await runMigrations(dataSource);
      for (const _ of migrations) await dataSource.undoLastMigration({ transaction: 'all' });
      const tables = await dataSource.createQueryRunner().getTables(['users', 'totps', 'sessions']);
      expect(tables).toEqual([]);
    } finally {
      await dataSource.destroy();
      await cleanup();
    }
  });
});
