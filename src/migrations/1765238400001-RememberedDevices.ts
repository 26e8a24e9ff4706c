// Remembered devices: a keyed hash of each device token (never the token), bound to its user (and
// gone with them: ON DELETE CASCADE) and project, with its expiry, last use and the User-Agent that
// asked for it. Table API, so one migration serves SQLite and PostgreSQL.
import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

export class RememberedDevices1765238400001 implements MigrationInterface {
  name = 'RememberedDevices1765238400001';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'remembered_devices',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'project_id', type: 'varchar', length: '64' },
          { name: 'user_id', type: 'varchar', length: '64' },
          { name: 'token_hash', type: 'varchar', length: '128' },
          { name: 'user_agent', type: 'varchar', length: '512', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'last_used_at', type: 'bigint', isNullable: true },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [
          { name: 'idx_remembered_devices_user', columnNames: ['user_id', 'expires_at'] },
          { name: 'uq_remembered_devices_token_hash', columnNames: ['token_hash'], isUnique: true },
        ],
        foreignKeys: [{ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('remembered_devices');
  }
}
