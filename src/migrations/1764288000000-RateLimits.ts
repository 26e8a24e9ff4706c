// The per-project request rate limit's fixed-window counters (src/ratelimit). The composite primary
// key is the upsert's conflict target; deleting a project's old windows uses its leading column.
import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

export class RateLimits1764288000000 implements MigrationInterface {
  name = 'RateLimits1764288000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({
      name: 'rate_limits',
      columns: [
        { name: 'project_id', type: 'varchar', length: '64', isPrimary: true },
        { name: 'window_start', type: 'bigint', isPrimary: true },
        { name: 'count', type: 'integer' },
      ],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('rate_limits');
  }
}
