// Webhooks (src/webhooks/): endpoints per project, the event types each subscribes to (one row per
// type, so the outbox's fan-out is one indexed join), and the outbox of deliveries, one row per event
// and endpoint, written in the transaction of the change it reports. Table API, one migration for
// SQLite and PostgreSQL. Times are epoch milliseconds (BIGINT), as everywhere else.
import { type MigrationInterface, type QueryRunner, Table, type TableColumnOptions } from 'typeorm';

const varchar = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const bigint = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const ID = 64;

export class Webhooks1765324800000 implements MigrationInterface {
  name = 'Webhooks1765324800000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({
      name: 'webhook_endpoints',
      columns: [
        { ...varchar('id', ID), isPrimary: true },
        varchar('project_id', ID),
        varchar('url', 2048),
        varchar('description', 256, true),
        { name: 'enabled', type: 'boolean' },
        // The signing secret (and, during a rotation's overlap, the one before it), sealed with the
        // gateway's keyring (src/crypto/envelope.ts): signing needs the plaintext.
        { name: 'secret_ciphertext', type: 'text' },
        { name: 'previous_secret_ciphertext', type: 'text', isNullable: true },
        bigint('previous_secret_expires_at', true),
        bigint('created_at'),
        bigint('updated_at'),
      ],
      indices: [{ name: 'idx_webhook_endpoints_project', columnNames: ['project_id', 'created_at'] }],
      foreignKeys: [{ columnNames: ['project_id'], referencedTableName: 'projects', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
    }));
    await q.createTable(new Table({
      name: 'webhook_subscriptions',
      columns: [
        { ...varchar('endpoint_id', ID), isPrimary: true },
        { ...varchar('event_type', 64), isPrimary: true },
        varchar('project_id', ID),
      ],
      // The outbox's fan-out: the enabled endpoints of one project subscribed to one type.
      indices: [{ name: 'idx_webhook_subscriptions_type', columnNames: ['project_id', 'event_type'] }],
      foreignKeys: [{ columnNames: ['endpoint_id'], referencedTableName: 'webhook_endpoints', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
    }));
    await q.createTable(new Table({
      name: 'webhook_deliveries',
      columns: [
        // INTEGER: SQLite allows AUTOINCREMENT only on INTEGER PRIMARY KEY (PostgreSQL: SERIAL).
        { name: 'seq', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
        varchar('message_id', ID),
        varchar('endpoint_id', ID),
        varchar('project_id', ID),
        varchar('user_id', ID, true),
        varchar('event_type', 64),
        { name: 'payload', type: 'text' },
        varchar('status', 16),
        { name: 'attempts', type: 'integer', default: 0 },
        bigint('next_attempt_at'),
        bigint('locked_until', true),
        { name: 'last_status_code', type: 'integer', isNullable: true },
        varchar('last_error', 256, true),
        bigint('created_at'),
        bigint('delivered_at', true),
      ],
      indices: [
        // The worker's claim: due pending deliveries, oldest first.
        { name: 'idx_webhook_deliveries_due', columnNames: ['status', 'next_attempt_at'] },
        // In order per user and endpoint: "is an earlier one still pending?"
        { name: 'idx_webhook_deliveries_order', columnNames: ['endpoint_id', 'user_id', 'status', 'seq'] },
        { name: 'idx_webhook_deliveries_endpoint', columnNames: ['endpoint_id', 'seq'] },
      ],
      foreignKeys: [{ columnNames: ['endpoint_id'], referencedTableName: 'webhook_endpoints', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('webhook_deliveries');
    await q.dropTable('webhook_subscriptions');
    await q.dropTable('webhook_endpoints');
  }
}
