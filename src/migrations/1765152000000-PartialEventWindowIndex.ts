// The aggregating upsert's conflict target (uq_auth_events_window, AuditService.record) as a partial
// unique index over the counted rows only (window_start set). Ordinary events leave window_start
// NULL and never collide (NULLs are distinct in unique indexes on SQLite and PostgreSQL), so indexing
// them enforced nothing, but every authentication paid for it: one more index entry and, on SQLite,
// one more dirty page written to the WAL at each commit (about 20 µs of CPU per authentication,
// BENCHMARKS.md). Partial indexes: https://sqlite.org/partialindex.html,
// https://www.postgresql.org/docs/current/indexes-partial.html. Table API, one migration for both dialects.
import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

const INDEX = 'uq_auth_events_window';
const COLUMNS = ['user_id', 'type', 'outcome', 'window_start'];

export class PartialEventWindowIndex1765152000000 implements MigrationInterface {
  name = 'PartialEventWindowIndex1765152000000';

  async up(q: QueryRunner): Promise<void> {
    await q.dropIndex('auth_events', INDEX);
    await q.createIndex('auth_events', new TableIndex({ name: INDEX, columnNames: COLUMNS, isUnique: true, where: 'window_start IS NOT NULL' }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('auth_events', INDEX);
    await q.createIndex('auth_events', new TableIndex({ name: INDEX, columnNames: COLUMNS, isUnique: true }));
  }
}
