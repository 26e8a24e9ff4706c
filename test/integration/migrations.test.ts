// Migrations, not synchronize: they build exactly the schema the entities describe, on both dialects,
// and concurrent start-ups apply them once.
import type { DataSource } from 'typeorm';
import { createDataSource, migrations } from '../../src/data-source';
import { runMigrations } from '../../src/db/migrate';
import { describeEachDialect } from '../support/gateway';
import { freshDatabase } from '../support/postgres';

/** Reverts the newest migrations down to and including `name`; returns their names, oldest first. */
async function undoThrough(dataSource: DataSource, name: string): Promise<string[]> {
  const index = migrations.findIndex((m) => m.name === name);
  for (let i = migrations.length - 1; i >= index; i--) await dataSource.undoLastMigration({ transaction: 'all' });
  return migrations.slice(index).map((m) => m.name);
}

describeEachDialect('migrations on %s', (dialect) => {
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
      const reverted = await undoThrough(dataSource, 'FrontendAccess1764374400000');
      const insert = dialect === 'postgres' ? 'INSERT INTO projects (id, name, created_at) VALUES ($1, $2, $3)' : 'INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)';
      const ids = ['project-00000000-0000-4000-8000-000000000001', 'project-00000000-0000-4000-8000-000000000002'];
      for (const id of ids) await dataSource.query(insert, [id, 'Old', Date.now()]);
      expect(await runMigrations(dataSource)).toEqual(reverted);
      const rows: Array<{ public_token: string }> = await dataSource.query('SELECT public_token FROM projects ORDER BY id');
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(row.public_token).toMatch(/^public-token-[0-9a-f-]{36}$/);
      expect(rows[0].public_token).not.toBe(rows[1].public_token);
    } finally {
      await dataSource.destroy();
      await cleanup();
    }
  });

  it('schedule the signing keys that existed before SigningSchedule in creation order per project and algorithm', async () => {
    const { database, cleanup } = await freshDatabase(dialect);
    const dataSource = await createDataSource(database).initialize();
    try {
      await runMigrations(dataSource);
      const reverted = await undoThrough(dataSource, 'SigningSchedule1764892800000');
      const p = dialect === 'postgres' ? ['$1', '$2', '$3', '$4'] : ['?', '?', '?', '?'];
      const insert = `INSERT INTO signing_keys (id, project_id, algorithm, private_key_ciphertext, public_jwk, created_at) VALUES (${p[0]}, ${p[1]}, ${p[2]}, 'x', '{}', ${p[3]})`;
      const LEAD_MS = 600_000;
      const keys: Array<[string, string, string, number]> = [
        ['key-a2', 'project-a', 'RS256', 2_000_000],
        ['key-a1', 'project-a', 'RS256', 1_000_000],
        ['key-a3', 'project-a', 'RS256', 3_000_000],
        ['key-ae', 'project-a', 'ES256', 1_500_000],
        ['key-b1', 'project-b', 'RS256', 1_000_000],
      ];
      for (const key of keys) await dataSource.query(insert, key);
      expect(await runMigrations(dataSource)).toEqual(reverted);
      const rows: Array<{ id: string; generation: number; signs_from: string; signs_until: string | null }> = await dataSource.query(
        'SELECT id, generation, signs_from, signs_until FROM signing_keys ORDER BY id',
      );
      const schedule = rows.map((r) => [r.id, Number(r.generation), Number(r.signs_from), r.signs_until === null ? null : Number(r.signs_until)]);
      expect(schedule).toEqual([
        ['key-a1', 1, 1_000_000, 2_000_000 + LEAD_MS],
        ['key-a2', 2, 2_000_000 + LEAD_MS, 3_000_000 + LEAD_MS],
        ['key-a3', 3, 3_000_000 + LEAD_MS, null],
        ['key-ae', 1, 1_500_000, null],
        ['key-b1', 1, 1_000_000, null],
      ]);
      // One process only may store each generation of a chain.
      const duplicate = `INSERT INTO signing_keys (id, project_id, algorithm, private_key_ciphertext, public_jwk, created_at, generation, signs_from) VALUES (${p[0]}, ${p[1]}, ${p[2]}, 'x', '{}', 4000000, 3, ${p[3]})`;
      await expect(dataSource.query(duplicate, ['key-a4', 'project-a', 'RS256', 4_600_000])).rejects.toThrow(/unique/i);
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
