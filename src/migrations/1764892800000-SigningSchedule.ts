// The signing-key schedule (src/sessions/signing-schedule.rules.ts): each key's generation in its
// project's chain for its algorithm, when it signs from and until. Existing keys are numbered in
// creation order; a chain's first key signed from its creation, a later one from its creation plus
// the 10-minute publication lead, each until its successor starts (the newest: no end yet). Table
// API, so one migration serves SQLite and PostgreSQL.
import { type MigrationInterface, type QueryRunner, TableColumn, TableIndex } from 'typeorm';

/** PUBLISH_LEAD_MS as of this migration (a migration keeps its own copy of the rule it applies). */
const PUBLISH_LEAD_MS = 10 * 60_000;

interface KeyRow {
  id: string;
  project_id: string;
  algorithm: string;
  created_at: string | number;
}

export class SigningSchedule1764892800000 implements MigrationInterface {
  name = 'SigningSchedule1764892800000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('signing_keys', [
      new TableColumn({ name: 'generation', type: 'integer', isNullable: true }),
      new TableColumn({ name: 'signs_from', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'signs_until', type: 'bigint', isNullable: true }),
    ]);
    await backfill(q);
    for (const name of ['generation', 'signs_from']) {
      const table = await q.getTable('signing_keys');
      const column = table!.findColumnByName(name)!;
      const required = column.clone();
      required.isNullable = false;
      await q.changeColumn('signing_keys', column, required);
    }
    await q.createIndex('signing_keys', new TableIndex({
      name: 'uq_signing_keys_generation', columnNames: ['project_id', 'algorithm', 'generation'], isUnique: true,
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('signing_keys', 'uq_signing_keys_generation');
    await q.dropColumns('signing_keys', ['signs_until', 'signs_from', 'generation']);
  }
}

async function backfill(q: QueryRunner): Promise<void> {
  const rows = (await q.query('SELECT id, project_id, algorithm, created_at FROM signing_keys ORDER BY project_id, algorithm, created_at, id')) as KeyRow[];
  const p = q.connection.driver.options.type === 'postgres' ? ['$1', '$2', '$3', '$4'] : ['?', '?', '?', '?'];
  const update = `UPDATE signing_keys SET generation = ${p[0]}, signs_from = ${p[1]}, signs_until = ${p[2]} WHERE id = ${p[3]}`;
  const chainOf = (row: KeyRow) => `${row.project_id}/${row.algorithm}`;
  let generation = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const first = i === 0 || chainOf(rows[i - 1]) !== chainOf(row);
    generation = first ? 1 : generation + 1;
    const next = rows[i + 1] && chainOf(rows[i + 1]) === chainOf(row) ? rows[i + 1] : undefined;
    const signsFrom = Number(row.created_at) + (first ? 0 : PUBLISH_LEAD_MS);
    const signsUntil = next ? Number(next.created_at) + PUBLISH_LEAD_MS : null;
    await q.query(update, [generation, signsFrom, signsUntil, row.id]);
  }
}
