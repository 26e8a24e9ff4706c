// Rate-limit budgets per caller (src/ratelimit): a counter is keyed by a bucket (a project's backend,
// one session, or one client IP of a project) and its window, and still names its project. Counters
// live for one minute, so the table is recreated empty rather than converted. Table API, so one
// migration serves SQLite and PostgreSQL.
import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

export class RateLimitBuckets1764892800001 implements MigrationInterface {
  name = 'RateLimitBuckets1764892800001';

  async up(q: QueryRunner): Promise<void> {
    await q.dropTable('rate_limits');
    await q.createTable(new Table({
      name: 'rate_limits',
      columns: [
        { name: 'bucket', type: 'varchar', length: '160', isPrimary: true },
        { name: 'window_start', type: 'bigint', isPrimary: true },
        { name: 'project_id', type: 'varchar', length: '64' },
        { name: 'count', type: 'integer' },
      ],
      // Each process sweeps every expired window once a minute by this index.
      indices: [{ name: 'idx_rate_limits_window', columnNames: ['window_start'] }],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('rate_limits');
    await q.createTable(new Table({
      name: 'rate_limits',
      columns: [
        { name: 'project_id', type: 'varchar', length: '64', isPrimary: true },
        { name: 'window_start', type: 'bigint', isPrimary: true },
        { name: 'count', type: 'integer' },
      ],
    }));
  }
}
