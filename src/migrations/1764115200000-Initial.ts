// The first schema. Written with TypeORM's Table API so one migration serves SQLite and PostgreSQL;
// test/migrations.test.ts proves it matches the entities exactly on both dialects.
import { type MigrationInterface, type QueryRunner, Table, type TableColumnOptions } from 'typeorm';

const id = (name = 'id', primary = true): TableColumnOptions => ({ name, type: 'varchar', length: '64', isPrimary: primary });
const ref = (name: string): TableColumnOptions => ({ name, type: 'varchar', length: '64' });
const epoch = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
const varchar = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });

export class Initial1764115200000 implements MigrationInterface {
  name = 'Initial1764115200000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({
      name: 'projects',
      columns: [id(), varchar('name', 255), epoch('created_at')],
    }));
    await q.createTable(new Table({
      name: 'project_secrets',
      columns: [id(), ref('project_id'), varchar('secret_hash', 128), epoch('created_at'), epoch('revoked_at', true)],
      indices: [
        { name: 'idx_project_secrets_project', columnNames: ['project_id'] },
        { name: 'uq_project_secrets_hash', columnNames: ['secret_hash'], isUnique: true },
      ],
    }));
    await q.createTable(new Table({
      name: 'users',
      columns: [
        id(), ref('project_id'),
        varchar('email', 320, true), varchar('phone_number', 32, true),
        varchar('first_name', 255, true), varchar('middle_name', 255, true), varchar('last_name', 255, true),
        varchar('status', 16), varchar('external_id', 128, true),
        text('trusted_metadata'), text('untrusted_metadata'),
        { name: 'failed_attempts', type: 'integer', default: 0 },
        epoch('locked_until', true), epoch('created_at'),
      ],
      indices: [
        { name: 'uq_users_project_email', columnNames: ['project_id', 'email'], isUnique: true },
        { name: 'uq_users_project_external_id', columnNames: ['project_id', 'external_id'], isUnique: true },
      ],
    }));
    await q.createTable(new Table({
      name: 'totps',
      columns: [
        id(), ref('project_id'), ref('user_id'), text('secret_ciphertext'),
        { name: 'verified', type: 'boolean' },
        { name: 'last_step', type: 'bigint', default: 0 },
        epoch('expires_at'), epoch('created_at'), epoch('verified_at', true),
      ],
      indices: [{ name: 'idx_totps_user', columnNames: ['user_id'] }],
      foreignKeys: [{ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
    }));
    await q.createTable(new Table({
      name: 'totp_recovery_codes',
      columns: [
        id(), ref('totp_id'), varchar('code_hash', 128), text('code_ciphertext', true),
        { name: 'position', type: 'integer' }, epoch('used_at', true),
      ],
      indices: [
        { name: 'idx_recovery_codes_totp', columnNames: ['totp_id'] },
        { name: 'idx_recovery_codes_hash', columnNames: ['code_hash'] },
      ],
      foreignKeys: [{ columnNames: ['totp_id'], referencedTableName: 'totps', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
    }));
    await q.createTable(new Table({
      name: 'sessions',
      columns: [
        id(), ref('project_id'), ref('user_id'), varchar('token_hash', 128),
        epoch('started_at'), epoch('last_accessed_at'), epoch('expires_at'),
        text('authentication_factors'), text('custom_claims'),
      ],
      indices: [
        { name: 'idx_sessions_user', columnNames: ['user_id', 'expires_at'] },
        { name: 'uq_sessions_token_hash', columnNames: ['token_hash'], isUnique: true },
      ],
      foreignKeys: [{ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
    }));
    await q.createTable(new Table({
      name: 'signing_keys',
      columns: [id(), ref('project_id'), varchar('algorithm', 16), text('private_key_ciphertext'), text('public_jwk'), epoch('created_at')],
      indices: [{ name: 'idx_signing_keys_project', columnNames: ['project_id', 'created_at'] }],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['signing_keys', 'sessions', 'totp_recovery_codes', 'totps', 'users', 'project_secrets', 'projects']) {
      await q.dropTable(table);
    }
  }
}
