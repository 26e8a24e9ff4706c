// Aggregated audit events (src/audit/audit.service.ts): guesses refused while a user is locked are
// counted into one row per user, factor and minute instead of one row each. `count` is 1 for every
// existing and ordinary event; `window_start` is set only on aggregated rows, and the unique index over
// it is the upsert's conflict target (NULLs never collide, on SQLite or PostgreSQL). Table API, so one
// migration serves both dialects.
import { type MigrationInterface, type QueryRunner, TableColumn, TableIndex } from 'typeorm';

export class LockedEventCounts1764460800000 implements MigrationInterface {
  name = 'LockedEventCounts1764460800000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('auth_events', [
      new TableColumn({ name: 'count', type: 'integer', default: 1 }),
      new TableColumn({ name: 'window_start', type: 'bigint', isNullable: true }),
    ]);
    await q.createIndex('auth_events', new TableIndex({ name: 'uq_auth_events_window', columnNames: ['user_id', 'type', 'outcome', 'window_start'], isUnique: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('auth_events', 'uq_auth_events_window');
    await q.dropColumns('auth_events', ['window_start', 'count']);
  }
}
