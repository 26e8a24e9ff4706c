// Key check values: per encryption key id, an HMAC of a fixed label under that key (never the key)
// and when that key was last the primary at a start (the newest rows are under the latest one),
// so a start with a GATEWAY_ENCRYPTION_KEY that cannot read the data is refused instead of answering
// 401 to every valid secret. Table API, so one migration serves SQLite and PostgreSQL.
import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

export class KeyChecks1764806400000 implements MigrationInterface {
  name = 'KeyChecks1764806400000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({
      name: 'key_checks',
      columns: [
        { name: 'key_id', type: 'varchar', length: '64', isPrimary: true },
        { name: 'check_value', type: 'varchar', length: '128' },
        { name: 'created_at', type: 'bigint' },
        { name: 'last_primary_at', type: 'bigint' },
      ],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('key_checks');
  }
}
