// The audit trail (src/audit/auth-event.entity.ts). Table API, so it serves SQLite and PostgreSQL alike.
// Deliberately no foreign key to users: a user's events outlive the user (audit logs are kept).
import { type MigrationInterface, type QueryRunner, Table, type TableColumnOptions } from 'typeorm';

const ref = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: '64', isNullable: nullable });
const varchar = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });

export class AuthEvents1764201600000 implements MigrationInterface {
  name = 'AuthEvents1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({
      name: 'auth_events',
      columns: [
        // INTEGER: SQLite allows AUTOINCREMENT only on INTEGER PRIMARY KEY (PostgreSQL: SERIAL).
        { name: 'seq', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
        ref('event_id'), ref('project_id'), ref('user_id'), ref('totp_id', true),
        varchar('type', 16), varchar('outcome', 16), varchar('request_id', 128, true),
        { name: 'occurred_at', type: 'bigint' },
      ],
      indices: [
        { name: 'uq_auth_events_event_id', columnNames: ['event_id'], isUnique: true },
        { name: 'idx_auth_events_user', columnNames: ['user_id', 'occurred_at'] },
      ],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('auth_events');
  }
}
