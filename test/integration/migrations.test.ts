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
    return { database: { kind: 'postgres', url: pg.url, poolSize: 4, statementTimeoutMs: 5000 }, cleanup: pg.drop };
  }
  const dir = mkdtempSync(join(tmpdir(), 'totp-gateway-migrations-'));
  return { database: { kind: 'sqlite', path: join(dir, 'm.sqlite') }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
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
